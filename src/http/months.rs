//! `/months/{month}/completeness`: what a month's report to FK still lacks
//! for one assistance user (time report, current invoice, FK registration of
//! the assistants, employment contracts).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::deadlines::parse_month;
use super::extract::Query;
use super::AppState;
use crate::auth::Caller;
use crate::db::register as reg;
use crate::error::{ApiError, ApiResult};
use crate::service::invoices::{self as service, Completeness};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/months/{month}/completeness", web::get().to(completeness));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CompletenessQuery {
    pub assistance_user_id: String,
}

/// Whether the month is complete for an assistance user, and if not, what is
/// missing: `time_report_missing`, `invoice_missing`, `invoice_stale`,
/// `assistant_not_registered_with_fk` (with the assistant and the days),
/// `employment_contract_missing` (with the assistant).
#[utoipa::path(get, path = "/api/v1/months/{month}/completeness", tag = "invoices",
    params(("month" = String, Path, description = "YYYY-MM"), CompletenessQuery),
    responses((status = 200, body = Completeness), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn completeness(
    state: web::Data<AppState>,
    caller: Caller,
    month: web::Path<String>,
    q: Query<CompletenessQuery>,
) -> ApiResult<HttpResponse> {
    let month = parse_month(&month, "month")?;
    let scope = caller.scope();
    let user = q.assistance_user_id.clone();
    let result = state
        .db(move |conn| {
            let org = reg::get_assistance_user(conn, &scope, &user)?
                .ok_or_else(|| ApiError::not_found("Assistance user"))?
                .organisation_id;
            Ok(service::completeness(conn, &org, &user, month)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
