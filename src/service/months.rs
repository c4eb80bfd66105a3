//! The month of one assistance user as a whole: its state (`open`, `ready`,
//! `closed`), what it still lacks before it can go to FK, and closing and
//! reopening it. A closed month refuses new time-report versions, invoices
//! and signatures (`month_closed`). See `docs/signatures.md`.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::db::invoices;
use crate::db::months::{self as store, ClosureRow};
use crate::db::signatures as sigs;
use crate::db::time_reports as reports;
use crate::db::DbConn;
use crate::domain::agreement::Cover;
use crate::domain::event::EventType;
use crate::domain::month::ReportMonth;
use crate::service::invoices::{completeness, MissingItem, StaleReason};
use crate::service::signing::report_status;
use crate::service::submission::Env;
use crate::service::{agreements, events};

/// Lock keys of a month: the same keys the time-report pipeline
/// (`report:`) and the invoice submission (`invoice:`) take, so that a
/// close never interleaves with a submission or a signature.
pub fn lock_keys(org: &str, user: &str, month: ReportMonth) -> Vec<String> {
    vec![
        format!("invoice:{org}:{user}:{month}"),
        format!("report:{org}:{user}:{month}"),
    ]
}

/// Whether (organisation, user, month) is closed. `month` as stored (`YYYY-MM`).
pub fn is_closed(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
) -> diesel::QueryResult<bool> {
    Ok(store::closure(conn, org, user, month)?.is_some())
}

// ---- status -----------------------------------------------------------------

/// Something the month lacks before it is ready for FK.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Missing {
    /// `time_report_missing`, `invoice_missing`, `invoice_stale`,
    /// `assistant_not_registered_with_fk`, `employment_contract_missing`
    /// (the completeness codes), `signature_missing` (with `assistant_id`
    /// and `role`), `invoice_signature_missing` or `agreement_missing`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    /// `assistant` or `employer` (for `signature_missing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<NaiveDate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_report_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_reasons: Option<Vec<StaleReason>>,
}

impl Missing {
    fn new(code: &str, message: String) -> Self {
        Self {
            code: code.into(),
            message,
            assistant_id: None,
            role: None,
            days: None,
            time_report_id: None,
            invoice_id: None,
            version: None,
            stale_reasons: None,
        }
    }
}

impl From<MissingItem> for Missing {
    fn from(m: MissingItem) -> Self {
        Self {
            assistant_id: m.assistant_id,
            days: m.days,
            invoice_id: m.invoice_id,
            stale_reasons: m.stale_reasons,
            ..Self::new(&m.code, m.message)
        }
    }
}

/// `open`, `ready` or `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonthState {
    /// Something is missing.
    Open,
    /// Nothing is missing; the month can be closed.
    Ready,
    /// Closed: no new versions, invoices or signatures until reopened.
    Closed,
}

impl MonthState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Ready => "ready",
            Self::Closed => "closed",
        }
    }
}

/// Who closed the month, when, and the versions it was closed with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Closing {
    pub closed_at: String,
    pub closed_by: String,
    pub time_report_id: String,
    pub time_report_version: i32,
    pub invoice_id: String,
    pub invoice_version: i32,
}

impl From<ClosureRow> for Closing {
    fn from(c: ClosureRow) -> Self {
        Self {
            closed_at: crate::db::utc_string(c.closed_at),
            closed_by: c.closed_by,
            time_report_id: c.time_report_id,
            time_report_version: c.time_report_version,
            invoice_id: c.invoice_id,
            invoice_version: c.invoice_version,
        }
    }
}

/// Where the month of one assistance user stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthStatus {
    pub assistance_user_id: String,
    pub month: String,
    pub state: MonthState,
    /// Everything still missing (empty when `ready`; for a closed month,
    /// what would be missing now).
    pub missing: Vec<Missing>,
    /// Set when `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing: Option<Closing>,
}

/// What the month lacks: the completeness codes, then the signatures of
/// the current time-report version (per assistant and role), the
/// invoice's signature and the agreement.
pub fn missing(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> diesel::QueryResult<Vec<Missing>> {
    let m = month.to_string();
    let mut out: Vec<Missing> = completeness(conn, org, user, month)?
        .missing
        .into_iter()
        .map(Missing::from)
        .collect();
    if let Some(report) = reports::find_reported(conn, org, user, &m)? {
        if let Some(v) = reports::get_version(conn, &report.id, report.current_version)? {
            let rows = reports::rows_of_version(conn, &v.id)?;
            let signed = sigs::report_signatures(conn, &report.id, Some(v.version))?;
            for a in report_status(&rows, &signed) {
                for role in a.missing {
                    let mut item = Missing::new(
                        "signature_missing",
                        format!(
                            "Version {} of the time report lacks the {} signature for assistant {}.",
                            v.version,
                            if role == "assistant" {
                                "assistant's (attesting)"
                            } else {
                                "employer's"
                            },
                            a.assistant_id
                        ),
                    );
                    item.assistant_id = Some(a.assistant_id.clone());
                    item.role = Some(role);
                    item.time_report_id = Some(report.id.clone());
                    item.version = Some(v.version);
                    out.push(item);
                }
            }
        }
    }
    if let Some(inv) = invoices::find_invoice(conn, org, user, &m)? {
        if sigs::invoice_signatures(conn, &inv.id, Some(inv.current_version))?.is_empty() {
            let mut item = Missing::new(
                "invoice_signature_missing",
                format!(
                    "Version {} of the invoice is not signed by the assistance user or someone allowed to sign for them.",
                    inv.current_version
                ),
            );
            item.invoice_id = Some(inv.id.clone());
            item.version = Some(inv.current_version);
            out.push(item);
        }
    }
    // Not for a self-employer (`None`), who buys no assistance.
    if agreements::cover(conn, org, user, month)? == Some(Cover::Missing) {
        out.push(Missing::new(
            "agreement_missing",
            format!("Inget avtal mellan brukaren och anordnaren (blankett 3079) gäller någon dag i {m}. (No agreement between the assistance user and the provider covers {m}.)"),
        ));
    }
    Ok(out)
}

/// The month's state and what it lacks. The caller has checked that the
/// user is the organisation's.
pub fn status(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> diesel::QueryResult<MonthStatus> {
    let closing = store::closure(conn, org, user, &month.to_string())?;
    let missing = missing(conn, org, user, month)?;
    let state = match (&closing, missing.is_empty()) {
        (Some(_), _) => MonthState::Closed,
        (None, true) => MonthState::Ready,
        (None, false) => MonthState::Open,
    };
    Ok(MonthStatus {
        assistance_user_id: user.to_string(),
        month: month.to_string(),
        state,
        missing,
        closing: closing.map(Closing::from),
    })
}

#[derive(Debug)]
pub enum CloseError {
    /// Something is missing: the status says what.
    NotReady(Box<MonthStatus>),
    /// Reopening a month that is not closed.
    NotClosed,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for CloseError {
    fn from(e: diesel::result::Error) -> Self {
        CloseError::Db(e)
    }
}

/// Closes the month when nothing is missing (a closed month stays closed,
/// unchanged). Call in a write transaction holding [`lock_keys`].
pub fn close(
    conn: &mut DbConn,
    env: &Env,
    user: &str,
    month: ReportMonth,
) -> Result<MonthStatus, CloseError> {
    let org = env.org_id.as_str();
    let st = status(conn, org, user, month)?;
    match st.state {
        MonthState::Closed => return Ok(st),
        MonthState::Open => return Err(CloseError::NotReady(Box::new(st))),
        MonthState::Ready => {}
    }
    let m = month.to_string();
    // Ready means both exist.
    let report = reports::find_reported(conn, org, user, &m)?.ok_or(CloseError::NotClosed)?;
    let inv = invoices::find_invoice(conn, org, user, &m)?.ok_or(CloseError::NotClosed)?;
    let version = reports::get_version(conn, &report.id, report.current_version)?;
    let now = env.now.naive_utc();
    store::insert_closure(
        conn,
        &ClosureRow {
            id: crate::db::new_id(),
            organisation_id: org.to_string(),
            assistance_user_id: user.to_string(),
            month: m.clone(),
            time_report_id: report.id.clone(),
            time_report_version: report.current_version,
            invoice_id: inv.id.clone(),
            invoice_version: inv.current_version,
            closed_at: now,
            closed_by: env.actor.clone(),
            reopened_at: None,
            reopened_by: None,
            reopen_reason: None,
        },
    )?;
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEntry {
            organisation_id: Some(org),
            actor: &env.actor,
            action: "close_month",
            entity: "time_report",
            entity_id: &report.id,
            content_hash: version.as_ref().map(|v| v.content_hash.as_str()),
            reason: Some(&format!(
                "month {m} closed with time report version {} and invoice version {}",
                report.current_version, inv.current_version
            )),
            at: now,
        },
    )?;
    events::record(
        conn,
        org,
        EventType::MonthClosed,
        env.now,
        json!({
            "assistance_user_id": user,
            "month": m,
            "time_report_id": report.id,
            "time_report_version": report.current_version,
            "invoice_id": inv.id,
            "invoice_version": inv.current_version,
        }),
    )?;
    Ok(status(conn, org, user, month)?)
}

/// Opens a closed month again, with the reason recorded. Call in a write
/// transaction holding [`lock_keys`].
pub fn reopen(
    conn: &mut DbConn,
    env: &Env,
    user: &str,
    month: ReportMonth,
    reason: &str,
) -> Result<MonthStatus, CloseError> {
    let org = env.org_id.as_str();
    let m = month.to_string();
    let closing = store::closure(conn, org, user, &m)?.ok_or(CloseError::NotClosed)?;
    let now = env.now.naive_utc();
    store::mark_reopened(conn, &closing.id, now, &env.actor, reason)?;
    let hash = reports::get_version(conn, &closing.time_report_id, closing.time_report_version)?
        .map(|v| v.content_hash);
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEntry {
            organisation_id: Some(org),
            actor: &env.actor,
            action: "reopen_month",
            entity: "time_report",
            entity_id: &closing.time_report_id,
            content_hash: hash.as_deref(),
            reason: Some(reason),
            at: now,
        },
    )?;
    // The reason stays in the audit trail: it is free text and may name
    // people, and events carry no personal data.
    events::record(
        conn,
        org,
        EventType::MonthReopened,
        env.now,
        json!({
            "assistance_user_id": user,
            "month": m,
            "time_report_id": closing.time_report_id,
            "time_report_version": closing.time_report_version,
            "invoice_id": closing.invoice_id,
            "invoice_version": closing.invoice_version,
        }),
    )?;
    Ok(status(conn, org, user, month)?)
}

/// The state of every (organisation, user) month in scope that has a time
/// report, for the compliance dashboard; users without one are `open`.
/// Cheap first: closings, signatures of the current versions and the
/// invoices' status are read in batches; only a month whose every
/// signature and invoice is in place is then checked in full ([`missing`]),
/// so `ready` here means exactly what the month status says.
pub fn states(
    conn: &mut DbConn,
    scope: &crate::db::Scope,
    month: ReportMonth,
    invoice_statuses: &std::collections::HashMap<(String, String), String>,
) -> diesel::QueryResult<std::collections::HashMap<(String, String), MonthState>> {
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
    let m = month.to_string();
    let mut out: HashMap<(String, String), MonthState> = HashMap::new();
    for key in store::closed_in_month(conn, scope, &m)? {
        out.insert(key, MonthState::Closed);
    }
    // (org, user) → (report, version, assistants)
    let mut parts: BTreeMap<(String, String), (String, i32, BTreeSet<String>)> = BTreeMap::new();
    for (org, user, report, version, assistant) in
        store::assistants_of_current_versions(conn, scope, &m)?
    {
        parts
            .entry((org, user))
            .or_insert_with(|| (report, version, BTreeSet::new()))
            .2
            .insert(assistant);
    }
    let versions: Vec<(String, i32)> = parts.values().map(|(r, v, _)| (r.clone(), *v)).collect();
    let mut signed: HashSet<(String, String, String)> = HashSet::new();
    for s in sigs::signatures_of_report_versions(conn, &versions)? {
        signed.insert((s.report_id, s.assistant_id, s.role));
    }
    let invoices_signed: HashSet<String> = {
        let current: Vec<(String, i32)> = invoices::invoices_of_month(conn, scope, &m)?
            .into_iter()
            .map(|(i, _)| (i.id, i.current_version))
            .collect();
        let with = sigs::signed_invoice_versions(conn, &current)?;
        let mut ids = HashSet::new();
        for (id, _) in current {
            if with.iter().any(|(i, _)| *i == id) {
                ids.insert(id);
            }
        }
        ids
    };
    let signed_invoice_of =
        |conn: &mut DbConn, org: &str, user: &str| -> diesel::QueryResult<bool> {
            Ok(invoices::find_invoice(conn, org, user, &m)?
                .is_some_and(|i| invoices_signed.contains(&i.id)))
        };
    for ((org, user), (report, _, assistants)) in parts {
        if out.contains_key(&(org.clone(), user.clone())) {
            continue;
        }
        let all_signed = assistants.iter().all(|a| {
            crate::domain::signing::Role::TIME_REPORT
                .iter()
                .all(|r| signed.contains(&(report.clone(), a.clone(), r.as_str().to_string())))
        });
        let invoice_current = invoice_statuses
            .get(&(org.clone(), user.clone()))
            .is_some_and(|s| s == "current");
        let state = if all_signed
            && invoice_current
            && signed_invoice_of(conn, &org, &user)?
            && missing(conn, &org, &user, month)?.is_empty()
        {
            MonthState::Ready
        } else {
            MonthState::Open
        };
        out.insert((org, user), state);
    }
    Ok(out)
}
