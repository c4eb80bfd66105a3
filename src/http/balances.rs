//! `/assistance-users/{id}/balance`: reported hours against granted hours.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::deadlines::parse_month;
use super::extract::Query;
use super::AppState;
use crate::db::register as reg;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;
use crate::service::balance::{self, Balance};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assistance-users/{id}/balance", web::get().to(get));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BalanceQuery {
    /// First month, YYYY-MM (default: start of the current grant period).
    pub from: Option<String>,
    /// Last month, YYYY-MM (default: end of the current grant period).
    pub to: Option<String>,
}

/// Most months one request may span.
const MAX_MONTHS: i32 = 60;

/// Granted vs reported hours per month and grant period, with projection.
#[utoipa::path(get, path = "/api/v1/assistance-users/{id}/balance", operation_id = "getBalance", tag = "balances", params(BalanceQuery),
    responses((status = 200, body = Balance), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<BalanceQuery>,
) -> ApiResult<HttpResponse> {
    let from = q
        .from
        .as_deref()
        .map(|m| parse_month(m, "from"))
        .transpose()?;
    let to = q.to.as_deref().map(|m| parse_month(m, "to")).transpose()?;
    let range = match (from, to) {
        (None, None) => None,
        (Some(f), Some(t)) => Some((f, t)),
        (Some(f), None) => Some((f, f.add_months(5))),
        (None, Some(t)) => Some((t.add_months(-5), t)),
    };
    if let Some((f, t)) = range {
        let span = (t.year() - f.year()) * 12 + t.month() as i32 - f.month() as i32;
        if !(0..MAX_MONTHS).contains(&span) {
            return Err(ApiError::validation(vec![FieldError::field(
                "to",
                "invalid_range",
                format!("`to` must be on or after `from`, at most {MAX_MONTHS} months later."),
            )]));
        }
    }
    let scope = caller.scope();
    let id = id.into_inner();
    let late = state.late();
    let body = state
        .db(move |conn| {
            let user = reg::get_assistance_user(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Assistance user"))?;
            Ok(balance::balance(
                conn,
                &user.organisation_id,
                &user.id,
                range,
                &late,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
