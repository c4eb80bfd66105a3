//! Domain rules: plain types and functions, no HTTP and no database, each
//! testable on its own against the domain brief (`../shared/domain.md`).

pub mod account;
pub mod agreement;
pub mod api_key;
pub mod birthdays;
pub mod calendar;
pub mod change_notice;
pub mod deadline;
pub mod document;
pub mod event;
pub mod format;
pub mod grant;
pub mod identity;
pub mod invoice;
pub mod kind;
pub mod late;
pub mod month;
pub mod paxml;
pub mod quantity;
pub mod redact;
pub mod register;
pub mod reminder;
pub mod report;
pub mod shift;
pub mod signing;
pub mod text;
pub mod webhook;
