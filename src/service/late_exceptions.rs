//! Exceptions FK granted for a month reported late (*särskilda skäl*):
//! recorded once per (organisation, assistance user, month), never for a
//! month whose last version arrived after the outer limit (see
//! `docs/deadlines.md`).

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::late::{self as store, ExceptionRow};
use crate::db::register as reg;
use crate::db::time_reports as reports;
use crate::db::{DbConn, Scope};
use crate::domain::deadline::{stockholm_date, DeadlinePolicy};
use crate::domain::month::ReportMonth;
use crate::service::late::outer_limit_of;

/// An exception as the provider records it (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewException {
    pub assistance_user_id: String,
    pub month: ReportMonth,
    pub fk_reference: String,
    pub decided_on: NaiveDate,
}

/// Why an exception was not recorded (nothing was stored).
#[derive(Debug)]
pub enum Refusal {
    UnknownUser,
    /// The month already has one.
    Exists {
        id: String,
    },
    /// No time report for the month.
    TimeReportMissing,
    /// The month's last version arrived after the outer limit.
    OuterLimitPassed {
        outer_limit: NaiveDate,
        received_on: NaiveDate,
    },
}

#[derive(Debug)]
pub enum ExceptionError {
    Refused(Refusal),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for ExceptionError {
    fn from(e: diesel::result::Error) -> Self {
        ExceptionError::Db(e)
    }
}

/// The lock that serialises an exception with the month's submissions (the
/// same key `service::submission::lock_keys` takes for the report).
pub fn lock_key(org: &str, user: &str, month: ReportMonth) -> String {
    format!("report:{org}:{user}:{month}")
}

/// Records an exception. Call inside a write transaction holding
/// [`lock_key`].
pub fn record(
    conn: &mut DbConn,
    org: &str,
    actor: &str,
    now: DateTime<Utc>,
    policy: DeadlinePolicy,
    new: NewException,
) -> Result<(ExceptionRow, NaiveDate), ExceptionError> {
    let refuse = |r| Err(ExceptionError::Refused(r));
    let user = &new.assistance_user_id;
    if reg::get_assistance_user(conn, &Scope::Org(org.to_string()), user)?.is_none() {
        return refuse(Refusal::UnknownUser);
    }
    let month = new.month.to_string();
    if let Some(e) = store::find_exception(conn, org, user, &month)? {
        return refuse(Refusal::Exists { id: e.id });
    }
    let Some(report) = reports::find_reported(conn, org, user, &month)? else {
        return refuse(Refusal::TimeReportMissing);
    };
    let Some(last) = reports::get_version(conn, &report.id, report.current_version)? else {
        return refuse(Refusal::TimeReportMissing);
    };
    let outer_limit = outer_limit_of(conn, policy, org, user, new.month)?;
    let received_on = stockholm_date(last.received_at.and_utc());
    if received_on > outer_limit {
        return refuse(Refusal::OuterLimitPassed {
            outer_limit,
            received_on,
        });
    }
    let row = ExceptionRow {
        id: crate::db::new_id(),
        organisation_id: org.to_string(),
        assistance_user_id: user.clone(),
        month,
        fk_reference: new.fk_reference,
        decided_on: new.decided_on,
        recorded_by: actor.to_string(),
        created_at: now.naive_utc(),
    };
    store::insert_exception(conn, &row)?;
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEntry {
            organisation_id: Some(org),
            actor,
            action: "record",
            entity: "late_exception",
            entity_id: &row.id,
            content_hash: None,
            reason: None,
            at: row.created_at,
        },
    )?;
    Ok((row, outer_limit))
}
