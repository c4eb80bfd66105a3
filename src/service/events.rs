//! The events a change records for integrations (docs/integrations.md):
//! built here from what the use case stored and recorded in the change's own
//! write transaction (`db::events`), so an event exists if and only if its
//! change committed.
//!
//! An event's `data` names records by id, month and version only: never a
//! personnummer, a name or an hour of health data. Whoever needs more reads
//! the record, which is authorised and audited as any read.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::db::events::{self as store, EventRow, NewEvent};
use crate::db::invoices::{self as invoice_store, InvoiceRow};
use crate::db::time_reports::ReportRow;
use crate::db::DbConn;
use crate::domain::event::EventType;
use crate::service::invoices::status::{status_of, Status};
use crate::service::submission::Env;

/// Records one event of `org`, appended when the write transaction commits.
pub fn record(
    conn: &mut DbConn,
    org: &str,
    event_type: EventType,
    at: DateTime<Utc>,
    data: Value,
) -> diesel::QueryResult<()> {
    store::record(
        conn,
        NewEvent {
            organisation_id: org.to_string(),
            event_type: event_type.as_str(),
            occurred_at: at.naive_utc(),
            data: data.to_string(),
        },
    )
}

/// `report.created` for a month's first version (or the first after it was
/// voided), `report.corrected` for a later one.
pub fn report_stored(
    conn: &mut DbConn,
    report: &ReportRow,
    first: bool,
    at: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    let event_type = if first {
        EventType::ReportCreated
    } else {
        EventType::ReportCorrected
    };
    record(
        conn,
        &report.organisation_id,
        event_type,
        at,
        json!({
            "report_id": report.id,
            "assistance_user_id": report.assistance_user_id,
            "month": report.month,
            "version": report.current_version,
        }),
    )
}

/// `report.voided`: the report's current version is now a voided one.
pub fn report_voided(
    conn: &mut DbConn,
    report: &ReportRow,
    at: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    record(
        conn,
        &report.organisation_id,
        EventType::ReportVoided,
        at,
        json!({
            "report_id": report.id,
            "assistance_user_id": report.assistance_user_id,
            "month": report.month,
            "version": report.current_version,
        }),
    )
}

/// `invoice.created` for a stored invoice version (the first or a later one).
pub fn invoice_stored(
    conn: &mut DbConn,
    invoice: &InvoiceRow,
    at: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    record(
        conn,
        &invoice.organisation_id,
        EventType::InvoiceCreated,
        at,
        json!({
            "invoice_id": invoice.id,
            "assistance_user_id": invoice.assistance_user_id,
            "month": invoice.month,
            "version": invoice.current_version,
        }),
    )
}

/// `import.completed` for a file whose reports were stored: how many rows,
/// and how many reports got a new version or were unchanged (each stored
/// version has its own `report.*` event).
pub fn import_completed(
    conn: &mut DbConn,
    env: &Env,
    rows: u64,
    stored: usize,
    unchanged: usize,
) -> diesel::QueryResult<()> {
    record(
        conn,
        &env.org_id,
        EventType::ImportCompleted,
        env.now,
        json!({
            "rows": rows,
            "reports_stored": stored,
            "reports_unchanged": unchanged,
        }),
    )
}

/// An invoice's status before a change to what it was computed from, to
/// tell afterwards whether the change made it stale.
pub struct InvoiceWatch {
    invoice: InvoiceRow,
    was_current: bool,
}

/// Watches the month's invoice, if there is one. Call before the change.
pub fn watch_invoice(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
) -> diesel::QueryResult<Option<InvoiceWatch>> {
    let Some(invoice) = invoice_store::find_invoice(conn, org, user, month)? else {
        return Ok(None);
    };
    let Some(v) = invoice_store::get_version(conn, &invoice.id, invoice.current_version)? else {
        return Ok(None);
    };
    let was_current = status_of(conn, &invoice, &v)? == Status::Current;
    Ok(Some(InvoiceWatch {
        invoice,
        was_current,
    }))
}

/// `invoice.stale` when the watched invoice was current before the change
/// and is stale after it. Call after the change.
pub fn invoice_after_change(
    conn: &mut DbConn,
    watch: Option<InvoiceWatch>,
    at: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    let Some(InvoiceWatch {
        invoice,
        was_current: true,
    }) = watch
    else {
        return Ok(());
    };
    let Some(v) = invoice_store::get_version(conn, &invoice.id, invoice.current_version)? else {
        return Ok(());
    };
    let Status::Stale(reasons) = status_of(conn, &invoice, &v)? else {
        return Ok(());
    };
    let mut codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    codes.dedup();
    record(
        conn,
        &invoice.organisation_id,
        EventType::InvoiceStale,
        at,
        json!({
            "invoice_id": invoice.id,
            "assistance_user_id": invoice.assistance_user_id,
            "month": invoice.month,
            "version": invoice.current_version,
            "reasons": codes,
        }),
    )
}

/// An event, as the feed lists it and a webhook delivery sends it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    /// Unique; the same in the feed and in every delivery of it.
    pub id: String,
    /// `report.created`, `report.corrected`, `report.voided`,
    /// `invoice.created`, `invoice.stale`, `import.completed`,
    /// `deadline.approaching`, `month.closed` or `month.reopened`.
    #[serde(rename = "type")]
    #[schema(example = "report.created")]
    pub event_type: String,
    /// When the change was made (UTC).
    pub occurred_at: String,
    pub organisation_id: String,
    /// What changed, by id, month and version (see docs/integrations.md);
    /// never personal data.
    #[schema(value_type = Object)]
    pub data: Value,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Self {
            id: r.id,
            event_type: r.event_type,
            occurred_at: crate::db::utc_string(r.occurred_at),
            organisation_id: r.organisation_id,
            data: serde_json::from_str(&r.data).unwrap_or(Value::Null),
        }
    }
}
