//! redovisa: the system of record for monthly reports of
//! *assistansersättning* to Försäkringskassan.
//!
//! Layers: [`http`] (actix-web handlers) → [`domain`] (plain rules) →
//! [`db`] (diesel on SQLite or PostgreSQL).

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod import;
pub mod service;
pub mod startup;
pub mod telemetry;
