//! `/months/{month}/…` for one assistance user: `completeness` (time report,
//! current invoice, FK registration of the assistants, employment
//! contracts), `status` (that plus signatures and agreement: `open`,
//! `ready` or `closed`), `close` and `reopen`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::deadlines::parse_month;
use super::extract::Json;
use super::extract::Query;
use super::idempotent::Reply;
use super::AppState;
use crate::db::register as reg;
use crate::domain::month::ReportMonth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;
use crate::http::auth::Scope;
use crate::service::invoices::{self as service, Completeness};
use crate::service::months::{self as months, CloseError, MonthStatus};
use crate::service::submission::Env;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/months/{month}/completeness", web::get().to(completeness))
        .route("/months/{month}/status", web::get().to(status))
        .route("/months/{month}/close", web::post().to(close))
        .route("/months/{month}/reopen", web::post().to(reopen));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CompletenessQuery {
    pub assistance_user_id: String,
}

/// Whether the month is complete for an assistance user, and if not, what is
/// missing: `time_report_missing`, `invoice_missing`, `invoice_stale`,
/// `assistant_not_registered_with_fk` (with the assistant and the days),
/// `employment_contract_missing` (with the assistant).
#[utoipa::path(get, path = "/api/v1/months/{month}/completeness", operation_id = "getMonthCompleteness", tag = "invoices",
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

/// Where the month stands for an assistance user: `open` (something is
/// missing), `ready` (nothing is) or `closed`, and everything missing: the
/// completeness codes plus `signature_missing` (per assistant and role),
/// `invoice_signature_missing` and `agreement_missing`.
#[utoipa::path(get, path = "/api/v1/months/{month}/status", operation_id = "getMonthStatus", tag = "signatures",
    params(("month" = String, Path, description = "YYYY-MM"), CompletenessQuery),
    responses((status = 200, body = MonthStatus), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn status(
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
            Ok(months::status(conn, &org, &user, month)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

impl From<CloseError> for ApiError {
    fn from(e: CloseError) -> Self {
        match e {
            CloseError::NotReady(st) => {
                let n = st.missing.len();
                ApiError::conflict(
                    "month_not_ready",
                    format!(
                        "The month cannot be closed: {n} thing{} missing; see `missing`.",
                        if n == 1 { " is" } else { "s are" }
                    ),
                )
                .with("state", st.state.as_str())
                .with(
                    "missing",
                    serde_json::to_value(&st.missing).expect("plain data serialises"),
                )
            }
            CloseError::NotClosed => ApiError::conflict(
                "month_not_closed",
                "The month is not closed, so there is nothing to reopen.",
            ),
            CloseError::Db(e) => e.into(),
        }
    }
}

/// Runs a close or reopen for the provider's own assistance user.
async fn change(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    month: ReportMonth,
    user: String,
    work: impl FnOnce(&mut crate::db::DbConn, &Env, &str, ReportMonth) -> Result<MonthStatus, CloseError>
        + Send
        + 'static,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let env = Env {
        org_id: org.clone(),
        actor: caller.actor(),
        now: state.now(),
        policy: state.deadline_policy,
        late: state.late_rule,
        probes: Default::default(),
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
        reg::get_assistance_user(conn, &Scope::Org(org.clone()), &user)?
            .ok_or_else(|| ApiError::not_found("Assistance user"))?;
        let keys = months::lock_keys(&org, &user, month);
        let status = conn.write_transaction(&keys, |conn| {
            work(conn, &env, &user, month).map_err(ApiError::from)
        })?;
        Ok(Reply::json(200, &status))
    })
    .await
}

/// Close the month when nothing is missing: 200 with the status (`closed`;
/// closing a closed month changes nothing), or 409 `month_not_ready` with
/// the same `missing` list. A closed month refuses new time-report
/// versions, invoices and signatures with 409 `month_closed`.
#[utoipa::path(post, path = "/api/v1/months/{month}/close", operation_id = "closeMonth", tag = "signatures",
    params(("month" = String, Path, description = "YYYY-MM"), CompletenessQuery),
    responses((status = 200, body = MonthStatus), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`month_not_ready` with `missing`")),
    security(("bearer" = [])))]
pub async fn close(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    month: web::Path<String>,
    q: Query<CompletenessQuery>,
) -> ApiResult<HttpResponse> {
    let month = parse_month(&month, "month")?;
    let user = q.assistance_user_id.clone();
    change(state, caller, req, month, user, months::close).await
}

/// Why a closed month is opened again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    /// Kept in the audit trail; 1–1000 characters.
    pub reason: String,
}

/// Open a closed month again (audited with the reason); 200 with the
/// status, 409 `month_not_closed` when it is not closed.
#[utoipa::path(post, path = "/api/v1/months/{month}/reopen", operation_id = "reopenMonth", tag = "signatures",
    params(("month" = String, Path, description = "YYYY-MM"), CompletenessQuery),
    request_body = ReopenInput,
    responses((status = 200, body = MonthStatus), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`month_not_closed`")),
    security(("bearer" = [])))]
pub async fn reopen(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    month: web::Path<String>,
    q: Query<CompletenessQuery>,
    body: Json<ReopenInput>,
) -> ApiResult<HttpResponse> {
    let month = parse_month(&month, "month")?;
    let reason = body.0.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::validation(vec![FieldError::at(
            "/reason",
            "invalid_reason",
            "`reason` says why the month is reopened: 1–1000 characters.",
        )]));
    }
    let user = q.assistance_user_id.clone();
    change(
        state,
        caller,
        req,
        month,
        user,
        move |conn, env, user, month| months::reopen(conn, env, user, month, &reason),
    )
    .await
}
