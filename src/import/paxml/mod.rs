//! PAXml 2.0, the Swedish standard XML for payroll input (format:
//! `docs/paxml.md`): time reports out as `tidtrans` for payroll systems, and
//! in from the files payroll and time systems write.
//!
//! - [`text`]: bytes ↔ text (ISO-8859-1, UTF-8 with or without BOM; the
//!   declared encoding must match the bytes).
//! - [`read`]: text → `tidtrans` records with position and line.
//! - [`write`]: records → a document (quick-xml).
//! - [`map`]: a `tidtrans` → a row of a report, or its faults ([`fault`]).
//! - [`scan`]: a file → its rows and faults (phase 1 of the import).
//! - [`import`]: those rows through the same import machinery as CSV.
//! - [`export`]: the stored rows of a month → a document.

pub mod export;
pub mod fault;
pub mod import;
pub mod map;
pub mod read;
pub mod scan;
pub mod text;
pub mod write;
