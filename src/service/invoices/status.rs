//! Whether an invoice is `current` or `stale`: recomputed now and compared
//! with the figures it was accepted with, cheaply when nothing it depends on
//! changed.

use std::collections::HashMap;

use crate::db::invoices::{self as store, InvoiceRow, InvoiceVersionRow};
use crate::db::register::{self as reg, DecisionRow};
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::invoice::{self as rules, Summary};
use crate::domain::month::ReportMonth;
use crate::service::invoices::compute::{
    basis_token, basis_token_of, figures_for, load_inputs, ComputeError,
};
use crate::service::invoices::views::StaleReason;

/// Whether an invoice still equals what would be computed now.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Current,
    Stale(Vec<StaleReason>),
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Stale(_) => "stale",
        }
    }
}

/// The status of an invoice version: recomputed now and compared with the
/// figures it was accepted with. When nothing it depends on changed (same
/// time-report version, decisions and rate), no rows are read.
pub fn status_of(
    conn: &mut DbConn,
    inv: &InvoiceRow,
    v: &InvoiceVersionRow,
) -> diesel::QueryResult<Status> {
    /// The invoice can no longer be computed at all.
    fn uncomputable(e: ComputeError) -> diesel::QueryResult<Status> {
        let (code, message) = match e {
            ComputeError::Db(e) => return Err(e),
            ComputeError::NoTimeReport => (
                "time_report_missing",
                "The time report the invoice was computed from is no longer there.".to_string(),
            ),
            ComputeError::RateMissing(year) => (
                "rate_missing",
                format!(
                    "The invoice can no longer be computed: there is no standard rate for {year} in the rate table."
                ),
            ),
        };
        Ok(Status::Stale(vec![StaleReason {
            code: code.into(),
            message,
            pointer: None,
            invoiced: None,
            computed: None,
        }]))
    }
    let Ok(month) = ReportMonth::parse(&inv.month) else {
        return Ok(Status::Current);
    };
    let inputs = match load_inputs(conn, &inv.organisation_id, &inv.assistance_user_id, month) {
        Ok(i) => i,
        Err(e) => return uncomputable(e),
    };
    if basis_token(&inputs) == v.basis_token {
        return Ok(Status::Current);
    }
    let now = match figures_for(
        conn,
        &inv.organisation_id,
        &inv.assistance_user_id,
        month,
        inputs,
    ) {
        Ok(c) => c,
        Err(e) => return uncomputable(e),
    };
    let invoiced: Summary = match serde_json::from_str(&v.summary) {
        Ok(s) => s,
        Err(_) => return Ok(Status::Current),
    };
    let drift = rules::drift(&invoiced, &now.figures.summary());
    if drift.is_empty() {
        return Ok(Status::Current);
    }
    Ok(Status::Stale(
        drift
            .into_iter()
            .map(|d| StaleReason {
                code: "changed".into(),
                message: format!(
                    "`{}` differs from what the current time report, decisions and rates give.",
                    d.pointer.trim_start_matches('/')
                ),
                pointer: Some(d.pointer.to_string()),
                invoiced: Some(d.invoiced),
                computed: Some(d.computed),
            })
            .collect(),
    ))
}

/// `current` / `stale` of every invoice of the month in scope, keyed by
/// (organisation, assistance user): for the compliance dashboard.
pub fn statuses(
    conn: &mut DbConn,
    scope: &Scope,
    month: ReportMonth,
) -> diesel::QueryResult<HashMap<(String, String), String>> {
    Ok(statuses_between(conn, scope, month, month)?
        .into_iter()
        .map(|((org, user, _), s)| ((org, user), s))
        .collect())
}

/// `current` / `stale` of every invoice in scope of the months in
/// `[from, to]`, keyed by (organisation, assistance user, month).
pub fn statuses_between(
    conn: &mut DbConn,
    scope: &Scope,
    from: ReportMonth,
    to: ReportMonth,
) -> diesel::QueryResult<HashMap<(String, String, String), String>> {
    // Batched fast path: the months' current report versions, every decision
    // in scope and the years' rates in a few queries; only an invoice whose
    // basis changed is recomputed one by one.
    let (f, t) = (from.to_string(), to.to_string());
    let invoices = store::invoices_between(conn, scope, &f, &t)?;
    if invoices.is_empty() {
        return Ok(HashMap::new());
    }
    let reports: HashMap<(String, String, String), (String, i32)> =
        crate::db::dashboard::current_versions(conn, scope, &f, &t)?
            .into_iter()
            .map(|r| {
                (
                    (r.organisation_id, r.assistance_user_id, r.month),
                    (r.report_id, r.version),
                )
            })
            .collect();
    let mut decisions: HashMap<(String, String), Vec<DecisionRow>> = HashMap::new();
    for d in store::decisions_in_scope(conn, scope)? {
        decisions
            .entry((d.organisation_id.clone(), d.assistance_user_id.clone()))
            .or_default()
            .push(d);
    }
    let mut rates: HashMap<i32, Option<i64>> = HashMap::new();
    for year in from.year()..=to.year() {
        rates.insert(year, reg::get_rate(conn, year)?.map(|r| r.ore_per_hour));
    }
    let mut out = HashMap::new();
    for (inv, v) in invoices {
        let user = (inv.organisation_id.clone(), inv.assistance_user_id.clone());
        let key = (user.0.clone(), user.1.clone(), inv.month.clone());
        let rate_ore = ReportMonth::parse(&inv.month)
            .ok()
            .and_then(|m| rates.get(&m.year()).copied().flatten());
        let unchanged = reports.get(&key).is_some_and(|(id, version)| {
            let ds = decisions.get(&user).map(Vec::as_slice).unwrap_or_default();
            basis_token_of(id, *version, ds, rate_ore) == v.basis_token
        });
        let status = if unchanged {
            Status::Current
        } else {
            status_of(conn, &inv, &v)?
        };
        out.insert(key, status.as_str().to_string());
    }
    Ok(out)
}
