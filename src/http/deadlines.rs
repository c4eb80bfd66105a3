//! `/deadlines/{month}`: FK's deadline for a month's report and the
//! caller's internal cut-off.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::AppState;
use crate::db::register as repo;
use crate::domain::deadline::{
    days_until, fk_due_date, internal_due_date, stockholm_date, DEFAULT_INTERNAL_CUTOFF_DAY,
};
use crate::domain::month::ReportMonth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/deadlines/{month}", web::get().to(get));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deadline {
    pub month: String,
    /// FK's deadline: the report must have arrived by this date (FKFS 2016:4),
    /// moved to the next weekday when the weekday rule is on.
    pub due_date: NaiveDate,
    /// The 5th of the second month after, before any move.
    pub nominal_due_date: NaiveDate,
    /// The organisation's own cut-off (`internal_cutoff_day` of the month after).
    pub internal_due_date: NaiveDate,
    pub internal_cutoff_day: u32,
    /// Whether deadlines are moved off weekends and holidays (lag 1930:173).
    pub weekday_rule: bool,
    /// Days from today (Europe/Stockholm) to `due_date`; negative when past.
    pub days_until_due: i64,
    pub days_until_internal_due: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// Admins and auditors: whose internal cut-off to use (default day 5).
    pub organisation_id: Option<String>,
}

/// Parses a `YYYY-MM` path or query value.
pub fn parse_month(s: &str, field: &str) -> ApiResult<ReportMonth> {
    ReportMonth::parse(s).map_err(|_| {
        ApiError::validation(vec![FieldError::field(
            field,
            "invalid_month",
            "The month must be written YYYY-MM, e.g. 2026-02.",
        )])
    })
}

/// A list's optional `?month=` filter, as stored (YYYY-MM).
pub fn optional_month(s: Option<&str>) -> ApiResult<Option<String>> {
    Ok(s.map(|m| parse_month(m, "month"))
        .transpose()?
        .map(|m| m.to_string()))
}

/// The deadlines for a month's report.
#[utoipa::path(get, path = "/api/v1/deadlines/{month}", operation_id = "getDeadline", tag = "deadlines", params(("month" = String, Path, description = "YYYY-MM"), DeadlineQuery),
    responses((status = 200, body = Deadline), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    month: web::Path<String>,
    q: Query<DeadlineQuery>,
) -> ApiResult<HttpResponse> {
    let month = parse_month(&month, "month")?;
    let org = match caller.scope() {
        Scope::Org(o) => Some(o),
        Scope::All => q.organisation_id.clone(),
    };
    let cutoff = match org {
        None => DEFAULT_INTERNAL_CUTOFF_DAY,
        Some(org) => {
            let scope = caller.scope();
            state
                .db(move |conn| {
                    repo::get_organisation(conn, &scope, &org)?
                        .ok_or_else(|| ApiError::not_found("Organisation"))?;
                    Ok(repo::cutoff_day(conn, &org)?)
                })
                .await?
        }
    };
    Ok(HttpResponse::Ok().json(deadline_for(month, cutoff, &state)))
}

pub fn deadline_for(month: ReportMonth, cutoff: u32, state: &AppState) -> Deadline {
    let policy = state.deadline_policy;
    let today = stockholm_date(state.now());
    let due = fk_due_date(month, policy);
    let internal = internal_due_date(month, cutoff, policy);
    Deadline {
        month: month.to_string(),
        due_date: due,
        nominal_due_date: month
            .add_months(2)
            .day_clamped(crate::domain::deadline::FK_DUE_DAY),
        internal_due_date: internal,
        internal_cutoff_day: cutoff,
        weekday_rule: policy.weekday_rule,
        days_until_due: days_until(today, due),
        days_until_internal_due: days_until(today, internal),
    }
}
