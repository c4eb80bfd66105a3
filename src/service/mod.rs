//! Application services: the use cases that tie domain rules to storage,
//! shared by the HTTP API, the CSV import and the CLI.

pub mod accounts;
pub mod agreements;
pub mod balance;
pub mod dashboard;
pub mod deadline_events;
pub mod documents;
pub mod events;
pub mod facts;
pub mod grants;
pub mod idempotency;
pub mod invoices;
pub mod late;
pub mod late_exceptions;
pub mod months;
pub mod pdf;
pub mod preload;
pub mod reminders;
pub mod signing;
pub mod submission;
pub mod void;
pub mod webhooks;
