//! Invoices (*räkning*): the one computation shared by the draft, the
//! submission check and the status (`current` | `stale`) shown on every read,
//! and the month's completeness check. See `docs/invoices.md`.
//!
//! The files: [`compute`] (the one computation), [`views`] (what the
//! endpoints return), [`status`] (`current` | `stale`), [`input`] and
//! [`submit`] (a payroll system's invoice, checked and stored), and
//! [`completeness`] (what the month still lacks).

pub mod completeness;
pub mod compute;
pub mod input;
pub mod status;
pub mod submit;
pub mod views;

pub use completeness::{completeness, Completeness, MissingItem};
pub use compute::{compute, ComputeError, Computed};
pub use input::{CostsInput, InvoiceInput, Submission};
pub use status::{status_of, statuses, Status};
pub use submit::{lock_keys, submit, InvoiceError, Outcome};
pub use views::{
    view, view_now, CostsView, Draft, GrantPeriodUse, InvoiceLine, InvoiceView, KindHours,
    LateNotPayable, Notice, StaleReason,
};
