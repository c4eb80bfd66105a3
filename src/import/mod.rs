//! CSV import of time reports, for employers who keep their time sheets in a
//! spreadsheet (format: `docs/csv-format.md`).
//!
//! One file may hold several assistance users and months. Its rows become
//! one [`Submission`](crate::service::submission::Submission) per (assistance user, month) and go through the very
//! same pipeline as the JSON API ([`lock_keys`](crate::service::submission::lock_keys) and
//! [`submit`](crate::service::submission::submit)), all inside ONE write transaction: one bad row
//! anywhere and nothing is stored. Every fault comes back with the line and
//! column the user sees in the spreadsheet.
//!
//! Two phases:
//! 1. [`prepare`] streams the file (any size; only a compact form of each
//!    good row is kept): encoding and delimiter detection, header mapping,
//!    cell values, personnummer → ids of the caller's organisation.
//! 2. [`Prepared::run`] submits each (user, month) group, inside the
//!    caller's write transaction ([`execute`] opens it).
//!
//! The files, by job: `options` (how to import, progress), `prepare`
//! (phase 1), `lines` (physical line numbers and bytes read), `faults`
//! (faults by line and column, and why nothing was stored), `run` (phase 2),
//! `locate` (the pipeline's issues and warnings back on the file's lines),
//! `decode` (encodings), `header` (column names), `values` (cell values),
//! `export` (CSV export), `cli` (`redovisa import`), `paxml` (PAXml 2.0
//! in and out, through the same phases).

pub mod cli;
pub mod decode;
pub mod export;
mod faults;
pub mod header;
mod lines;
mod locate;
mod options;
pub mod paxml;
mod prepare;
mod run;
pub mod values;
pub mod xlsx;

pub use faults::{refused_file, Conflict, CsvError, ImportFailure};
pub use options::{Options, Progress, DEFAULT_MAX_BYTES, DEFAULT_MAX_ERRORS};
pub use prepare::{prepare, Prepared};
pub use run::{execute, import, ImportResult, ImportedReport};
