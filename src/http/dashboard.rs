//! `/dashboard/compliance`: where each assistance user's month stands.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::deadlines::parse_month;
use super::extract::Query;
use super::pagination::{PageParams, MAX_LIMIT};
use super::AppState;
use crate::db::register as reg;
use crate::domain::deadline::stockholm_date;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Caller, Scope};
use crate::service::dashboard::{self, Compliance, WorkingTime, COUNTED_WARNINGS};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard/compliance", web::get().to(compliance))
        .route("/dashboard/working-time", web::get().to(working_time));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ComplianceQuery {
    /// YYYY-MM (default: the month before the current one).
    pub month: Option<String>,
    /// Admins and auditors: one organisation (default: all).
    pub organisation_id: Option<String>,
    /// Rows per page, 1–500 (default 500). JSON only: CSV has every row.
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// `csv` for a spreadsheet (same as `Accept: text/csv`), or `json`.
    #[allow(dead_code)] // read from the raw query by `imports::wants_csv`
    pub format: Option<String>,
}

/// The compliance dashboard for a month.
#[utoipa::path(get, path = "/api/v1/dashboard/compliance", operation_id = "getComplianceDashboard", tag = "dashboard", params(ComplianceQuery),
    responses((status = 200, body = Compliance, description = "JSON, or CSV with `Accept: text/csv`"), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn compliance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: Query<ComplianceQuery>,
) -> ApiResult<HttpResponse> {
    let csv = super::imports::wants_csv(&req)?;
    let page = PageParams::of(Some(q.limit.unwrap_or(MAX_LIMIT)), &q.cursor)?;
    let today = stockholm_date(state.now());
    let month = match q.month.as_deref() {
        Some(m) => parse_month(m, "month")?,
        None => crate::domain::month::ReportMonth::of(today).add_months(-1),
    };
    let scope = match (caller.scope(), &q.organisation_id) {
        (Scope::All, Some(org)) => Scope::Org(org.clone()),
        (s, _) => s,
    };
    let late = state.late();
    // One entry for the view, whatever it covers: the dashboard keeps its speed.
    caller.read_aggregate(super::read_audit::kind::DASHBOARD, scope.org());
    let body = state
        .db(move |conn| {
            if let Some(org) = scope.org() {
                reg::get_organisation(conn, &Scope::All, org)?
                    .ok_or_else(|| ApiError::not_found("Organisation"))?;
            }
            let invoices = crate::service::invoices::statuses(conn, &scope, month)?;
            let mut c = dashboard::compliance(conn, &scope, month, &late, &invoices)?;
            let states = crate::service::months::states(conn, &scope, month, &invoices)?;
            dashboard::apply_month_states(&mut c, &states);
            let users: Vec<(String, String)> = c
                .rows
                .iter()
                .map(|r| (r.organisation_id.clone(), r.assistance_user_id.clone()))
                .collect();
            let covers = crate::service::agreements::covers_in_month(conn, &scope, month, &users)?;
            dashboard::apply_agreements(&mut c, &covers);
            let notices = crate::db::change_notices::unreported_counts(conn, &scope, today)?;
            dashboard::apply_change_notices(&mut c, &notices);
            Ok(c)
        })
        .await?;
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"compliance-{}.csv\"", body.month),
            ))
            .body(to_csv(&body)));
    }
    let mut body = body;
    dashboard::page_rows(&mut body, &page);
    Ok(HttpResponse::Ok().json(body))
}

/// `;`-separated with a BOM so that Excel in Swedish opens it as it is.
fn to_csv(c: &Compliance) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let mut header = vec![
        "organisation_id",
        "assistance_user_id",
        "granted_hours",
        "reported_payable_hours",
        "report_status",
        "invoice_status",
        "month_state",
        "days_until_due",
        "days_until_internal_due",
        "change_notices_open",
        "change_notices_overdue",
        "agreement",
    ];
    header.extend(COUNTED_WARNINGS);
    w.write_record(&header).expect("in-memory write");
    for r in &c.rows {
        let status = serde_json::to_value(r.report_status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let mut rec = vec![
            r.organisation_id.clone(),
            r.assistance_user_id.clone(),
            r.granted_hours.clone(),
            r.reported_payable_hours.clone(),
            status,
            r.invoice_status.clone(),
            r.month_state.clone(),
            r.days_until_due.to_string(),
            r.days_until_internal_due.to_string(),
            r.change_notices_open.to_string(),
            r.change_notices_overdue.to_string(),
            r.agreement.clone(),
        ];
        rec.extend(
            COUNTED_WARNINGS
                .iter()
                .map(|c| r.warnings.get(*c).copied().unwrap_or(0).to_string()),
        );
        w.write_record(&rec).expect("in-memory write");
    }
    w.into_inner().expect("in-memory flush")
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WorkingTimeQuery {
    /// YYYY-MM (default: the month before the current one).
    pub month: Option<String>,
    /// Admins and auditors: the organisation (required for them).
    pub organisation_id: Option<String>,
}

/// Working-time breaches of one organisation's assistants: the average
/// working hours per week over each employment's reference period, across all
/// employers, above its limit.
#[utoipa::path(get, path = "/api/v1/dashboard/working-time", operation_id = "getWorkingTimeDashboard", tag = "dashboard", params(WorkingTimeQuery),
    responses((status = 200, body = WorkingTime), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn working_time(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<WorkingTimeQuery>,
) -> ApiResult<HttpResponse> {
    let today = stockholm_date(state.now());
    let month = match q.month.as_deref() {
        Some(m) => parse_month(m, "month")?,
        None => crate::domain::month::ReportMonth::of(today).add_months(-1),
    };
    let org = match (caller.scope(), &q.organisation_id) {
        (Scope::Org(org), _) => org,
        (Scope::All, Some(org)) => org.clone(),
        (Scope::All, None) => {
            return Err(ApiError::validation(vec![crate::error::FieldError::field(
                "organisation_id",
                "missing_parameter",
                "Name the organisation (`organisation_id`): breaches are computed per organisation.",
            )]))
        }
    };
    caller.read_aggregate(super::read_audit::kind::DASHBOARD, Some(&org));
    let body = state
        .db(move |conn| {
            reg::get_organisation(conn, &Scope::All, &org)?
                .ok_or_else(|| ApiError::not_found("Organisation"))?;
            Ok(dashboard::working_time(conn, &org, month)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
