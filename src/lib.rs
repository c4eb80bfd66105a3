//! redovisa: the system of record for monthly reports of
//! *assistansersättning* to Försäkringskassan.
//!
//! Layers, top to bottom; each names only its own and those below it
//! (`docs/architecture.md`, checked by `tests/layering.rs`): the binary and
//! its commands ([`cli`], [`startup`], [`demo`]) → [`http`] (actix-web
//! handlers, [`auth`]) → [`import`] (files) → [`service`] (use cases) →
//! [`config`] → [`db`] (diesel on SQLite or PostgreSQL) → [`domain`] (plain
//! rules); [`error`] and [`clock`] serve them all.

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
