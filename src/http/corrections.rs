//! Corrections of what was registered by mistake: voiding a time report
//! (`POST /time-reports/{id}/void`, see `service::void`) and deleting a
//! decision, employment, agreement or document while nothing depends on it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::idempotent::Reply;
use super::records::Record;
use super::AppState;
use crate::db::dependents as deps;
use crate::db::time_reports as reports;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};
use crate::service::signing::report_lock_keys;
use crate::service::void::{void_report, Voided};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/time-reports/{id}/void", web::post().to(void))
        .route("/decisions/{id}", web::delete().to(delete_decision))
        .route("/employments/{id}", web::delete().to(delete_employment))
        .route("/agreements/{id}", web::delete().to(delete_agreement))
        .route("/documents/{id}", web::delete().to(delete_document));
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInput {
    /// Why the report is voided (e.g. filed for the wrong assistance user),
    /// 1–1000 characters; kept in the version and the audit trail.
    pub reason: String,
}

/// Void a time report filed by mistake: 200 with the report, whose current
/// version is now a voided one (`status: voided`, no rows); earlier versions
/// stay readable. The month then counts as not reported, its invoice goes
/// stale, and the month can be filed again (without `correction_reason`).
/// Voiding a voided report changes nothing (200).
#[utoipa::path(post, path = "/api/v1/time-reports/{id}/void", operation_id = "voidTimeReport", tag = "time reports",
    request_body = VoidInput,
    responses((status = 200, body = super::time_reports::TimeReport, description = "The report, `status: voided`"),
              (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`month_closed`"),
              (status = 422, body = crate::error::Problem, description = "`invalid_reason`")),
    security(("bearer" = [])))]
pub async fn void(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<VoidInput>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let reason = body.0.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::validation(vec![FieldError::at(
            "/reason",
            "invalid_reason",
            "`reason` says why the report is voided: 1–1000 characters.",
        )]));
    }
    let env = state.env(&caller, &org);
    let ctx = state.late();
    let id = id.into_inner();
    super::idempotent::write(&state, &caller, &req, move |conn| {
        let scope = Scope::Org(org);
        let report =
            reports::get_report(conn, &scope, &id)?.ok_or_else(|| ApiError::not_found("Time report"))?;
        conn.write_transaction(&report_lock_keys(&report), |conn| {
            match void_report(conn, &env, &report, &reason)? {
                Voided::Now(r, v) => {
                    tracing::info!(time_report_id = %r.id, version = v.version, "time report voided")
                }
                Voided::Already(..) => {}
            }
            let (report, _) = super::time_reports::load(conn, &ctx, &scope, &id, None)?;
            Ok(Reply::json(200, &report))
        })
    })
    .await
}

/// Delete a decision registered by mistake: 204, or 409 `in_use` naming the
/// invoices computed with it.
#[utoipa::path(delete, path = "/api/v1/decisions/{id}", operation_id = "deleteDecision", tag = "register",
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`in_use`: `invoices` lists what depends on it")),
    security(("bearer" = [])))]
pub async fn delete_decision(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    const DECISION: Record<crate::db::register::DecisionRow> = Record {
        what: "Decision",
        read: crate::db::register::get_decision,
    };
    let who = (caller.writer_org()?, caller.actor());
    DECISION
        .remove(
            &state,
            who,
            "decision",
            id,
            |conn, d| Ok(vec![("invoices", deps::invoices_using_decision(conn, d)?)]),
            deps::delete_decision,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete an employment registered by mistake: 204, or 409 `in_use` naming
/// the time reports with its assistant's shifts for the user in its period
/// and its documents.
#[utoipa::path(delete, path = "/api/v1/employments/{id}", operation_id = "deleteEmployment", tag = "register",
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`in_use`: `time_reports` and `documents` list what depends on it")),
    security(("bearer" = [])))]
pub async fn delete_employment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    const EMPLOYMENT: Record<crate::db::register::EmploymentRow> = Record {
        what: "Employment",
        read: crate::db::register::get_employment,
    };
    let who = (caller.writer_org()?, caller.actor());
    EMPLOYMENT
        .remove(
            &state,
            who,
            "employment",
            id,
            |conn, e| {
                Ok(vec![
                    ("time_reports", deps::reports_using_employment(conn, e)?),
                    ("documents", deps::documents_of_employment(conn, &e.id)?),
                ])
            },
            deps::delete_employment,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete an agreement registered by mistake: 204, or 409 `in_use` naming
/// the closed months it covers.
#[utoipa::path(delete, path = "/api/v1/agreements/{id}", operation_id = "deleteAgreement", tag = "register",
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`in_use`: `closed_months` lists the closed months it covers")),
    security(("bearer" = [])))]
pub async fn delete_agreement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    const AGREEMENT: Record<crate::db::agreements::AgreementRow> = Record {
        what: "Agreement",
        read: crate::db::agreements::get,
    };
    let who = (caller.writer_org()?, caller.actor());
    AGREEMENT
        .remove(
            &state,
            who,
            "agreement",
            id,
            |conn, a| {
                let months = deps::closed_months(
                    conn,
                    &a.organisation_id,
                    &a.assistance_user_id,
                    a.valid_from,
                    a.valid_to,
                )?;
                Ok(vec![("closed_months", months)])
            },
            deps::delete_agreement,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete a document uploaded by mistake: 204, or 409 `in_use` naming the
/// closed months of its employment (a close relied on the file).
#[utoipa::path(delete, path = "/api/v1/documents/{id}", operation_id = "deleteDocument", tag = "documents",
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`in_use`: `closed_months` lists the closed months of its employment")),
    security(("bearer" = [])))]
pub async fn delete_document(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    const DOCUMENT: Record<crate::db::documents::DocumentRow> = Record {
        what: "Document",
        read: crate::db::documents::get_document,
    };
    let who = (caller.writer_org()?, caller.actor());
    DOCUMENT
        .remove(
            &state,
            who,
            "document",
            id,
            |conn, d| {
                let scope = Scope::Org(d.organisation_id.clone());
                let months =
                    match crate::db::register::get_employment(conn, &scope, &d.employment_id)? {
                        Some(e) => deps::closed_months(
                            conn,
                            &e.organisation_id,
                            &e.assistance_user_id,
                            e.start_date,
                            e.end_date,
                        )?,
                        None => Vec::new(),
                    };
                Ok(vec![("closed_months", months)])
            },
            deps::delete_document,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
