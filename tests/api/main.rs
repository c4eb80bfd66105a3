//! Integration tests: one binary (short link times), every database test run
//! on SQLite and on PostgreSQL through `db_test!`.

// Support code: not every test uses every helper.
#[allow(dead_code)]
mod fixtures;
#[allow(dead_code)]
mod helpers;

mod accounts;
mod agreements;
mod api_keys;
mod audit;
mod auth;
mod balances;
mod binary;
mod browser;
mod change_notices;
mod concurrency;
mod corrections;
mod csv;
mod dashboard;
mod deadline_events;
mod demo;
mod documents;
mod double;
mod events;
mod hostile;
mod idempotency;
mod invoices;
mod late;
mod logs;
mod migrations;
mod months;
mod openapi;
mod pages;
mod paxml;
mod pdfs;
mod rate_limits;
mod register;
mod reminders;
mod shutdown;
mod signatures;
mod signing_edges;
mod time_reports;
mod upload;
mod webdriver;
mod webhooks;
mod xlsx;
