//! Voiding (*makulering*) of a time report filed by mistake (for the wrong
//! assistance user or month): the report gets a new version with no rows,
//! marked voided. Earlier versions stay readable; while the voided version
//! is current the month counts as not reported (the dashboard's `missing`,
//! completeness, month close), the month's invoice goes stale, and a new
//! report for the month can be filed without a `correction_reason`.

use chrono::NaiveDateTime;

use crate::db::audit::AuditRow;
use crate::db::time_reports::{self as store, ReportRow, VersionRow};
use crate::db::DbConn;
use crate::domain::report::{content_hash, warning_counts};
use crate::service::events;
use crate::service::facts::NewVersion;
use crate::service::submission::{Env, Refusal, SubmitError};

/// What a void did.
#[derive(Debug)]
pub enum Voided {
    /// The report's new, voided current version.
    Now(ReportRow, VersionRow),
    /// It was voided already: nothing changed.
    Already(ReportRow, VersionRow),
}

/// Voids `report`'s current version. Call inside a write transaction
/// holding `signing::report_lock_keys(report)`. A closed month is refused
/// (`MonthClosed`), as a correction would be.
pub fn void_report(
    conn: &mut DbConn,
    env: &Env,
    report: &ReportRow,
    reason: &str,
) -> Result<Voided, SubmitError> {
    let cur = store::get_version(conn, &report.id, report.current_version)?
        .ok_or(diesel::result::Error::NotFound)?;
    if cur.voided_at.is_some() {
        return Ok(Voided::Already(report.clone(), cur));
    }
    let org = &report.organisation_id;
    if crate::service::months::is_closed(conn, org, &report.assistance_user_id, &report.month)? {
        return Err(SubmitError::Refused(Refusal::MonthClosed {
            month: report.month.clone(),
        }));
    }
    let invoice = events::watch_invoice(conn, org, &report.assistance_user_id, &report.month)?;
    let now = env.now.naive_utc();
    let v = voided_version(&cur, &env.actor, reason, now);
    let mut report = report.clone();
    report.current_version = v.version;
    report.updated_at = now;
    let audit = AuditRow {
        id: crate::db::new_id(),
        organisation_id: Some(org.clone()),
        actor: env.actor.clone(),
        action: "void".to_string(),
        entity: "time_report".to_string(),
        entity_id: report.id.clone(),
        content_hash: Some(v.content_hash.clone()),
        reason: Some(reason.to_string()),
        at: now,
        request_id: None,
        subject_ids: None,
    };
    NewVersion {
        report: report.clone(),
        new_report: false,
        version: v.clone(),
        rows: Vec::new(),
        days: Vec::new(),
        audit,
    }
    .write(conn)?;
    events::report_voided(conn, &report, env.now)?;
    events::invoice_after_change(conn, invoice, env.now)?;
    Ok(Voided::Now(report, v))
}

/// The version that voids `cur`: no rows, no hours, the same deadlines.
fn voided_version(cur: &VersionRow, actor: &str, reason: &str, now: NaiveDateTime) -> VersionRow {
    VersionRow {
        id: crate::db::new_id(),
        report_id: cur.report_id.clone(),
        version: cur.version + 1,
        received_at: now,
        submitted_by: actor.to_string(),
        correction_reason: None,
        content_hash: content_hash(&[]),
        due_date: cur.due_date,
        internal_due_date: cur.internal_due_date,
        on_time: crate::domain::deadline::is_on_time(now.and_utc(), cur.due_date),
        row_count: 0,
        active_minutes: 0,
        waiting_minutes: 0,
        standby_minutes: 0,
        payable_units: 0,
        not_payable_units: 0,
        warnings: "[]".to_string(),
        warning_counts: serde_json::to_string(&warning_counts(&[])).expect("counts serialise"),
        voided_at: Some(now),
        void_reason: Some(reason.to_string()),
    }
}
