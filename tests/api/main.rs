//! Integration tests: one binary (short link times), every database test run
//! on SQLite and on PostgreSQL through `db_test!`.

// Support code: not every test uses every helper.
#[allow(dead_code)]
mod fixtures;
#[allow(dead_code)]
mod helpers;

mod auth;
mod register;
mod time_reports;
mod invoices;
mod documents;
mod csv;
mod balances;
mod dashboard;
mod concurrency;
mod demo;
mod logs;
mod browser;
