//! Webhooks (docs/integrations.md, "Webhooks"): which targets are allowed
//! (`target`), one signed delivery attempt (`send`) and the background
//! worker that delivers the outbox's events in order (`worker`).

pub mod send;
pub mod target;
pub mod worker;
