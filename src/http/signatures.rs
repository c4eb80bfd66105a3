//! Sign payloads and signatures of time reports (per assistant) and
//! invoices: `GET …/versions/{n}/sign-payload`, `POST/GET …/signatures`.
//! See `docs/signatures.md`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::read_audit::kind;
use super::AppState;
use crate::db::invoices;
use crate::db::signatures as store;
use crate::db::time_reports as reports;
use crate::domain::signing::{Method, Role};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};
use crate::service::signing::{
    self as service, SignError, SignOutcome, SignPayload, SignRequest, Signature,
};
use crate::service::submission::Env;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/time-reports/{id}/versions/{version}/sign-payload",
        web::get().to(report_payload),
    )
    .route("/time-reports/{id}/signatures", web::post().to(sign_report))
    .route(
        "/time-reports/{id}/signatures",
        web::get().to(report_signatures),
    )
    .route(
        "/invoices/{id}/versions/{version}/sign-payload",
        web::get().to(invoice_payload),
    )
    .route("/invoices/{id}/signatures", web::post().to(sign_invoice))
    .route(
        "/invoices/{id}/signatures",
        web::get().to(invoice_signatures),
    );
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PayloadQuery {
    /// Whose part of the time report.
    pub assistant_id: String,
}

/// The canonical text of one assistant's part of a time-report version,
/// and the SHA-256 of its UTF-8 bytes: what a signing app shows and signs.
/// The same version always gives byte-identical text.
#[utoipa::path(get, path = "/api/v1/time-reports/{id}/versions/{version}/sign-payload", operation_id = "getTimeReportSignPayload", tag = "signatures",
    params(PayloadQuery),
    responses((status = 200, body = SignPayload), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem, description = "`assistant_not_in_report`")),
    security(("bearer" = [])))]
pub async fn report_payload(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i32)>,
    q: Query<PayloadQuery>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let (id, n) = path.into_inner();
    let assistant = q.assistant_id.clone();
    let now = state.now().naive_utc();
    let (payload, org, id) = state
        .db(move |conn| {
            let report = reports::get_report(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Time report"))?;
            let keys = service::report_lock_keys(&report);
            let payload = conn.write_transaction(&keys, |conn| {
                let v = reports::get_version(conn, &report.id, n)?
                    .ok_or_else(|| ApiError::not_found("Version"))?;
                service::report_payload(conn, &report, &v, &assistant, now)?.ok_or_else(|| {
                    ApiError::validation(vec![FieldError::field(
                        "assistant_id",
                        "assistant_not_in_report",
                        format!("The assistant has no row in version {n}."),
                    )])
                })
            })?;
            Ok((payload, report.organisation_id, report.id))
        })
        .await?;
    // The text names the user and the assistant: a read of the report.
    caller.read_one(kind::TIME_REPORT, &org, &id);
    Ok(HttpResponse::Ok().json(SignPayload::from(payload)))
}

/// The canonical text of an invoice version and its SHA-256.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/versions/{version}/sign-payload", operation_id = "getInvoiceSignPayload", tag = "signatures",
    responses((status = 200, body = SignPayload), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn invoice_payload(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i32)>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let (id, n) = path.into_inner();
    let now = state.now().naive_utc();
    let (payload, org, id) = state
        .db(move |conn| {
            let inv = invoices::get_invoice(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Invoice"))?;
            let keys = service::invoice_lock_keys(&inv);
            let payload = conn.write_transaction(&keys, |conn| {
                let v = invoices::get_version(conn, &inv.id, n)?
                    .ok_or_else(|| ApiError::not_found("Version"))?;
                Ok::<_, ApiError>(service::invoice_payload(conn, &inv, &v, now)?)
            })?;
            Ok((payload, inv.organisation_id, inv.id))
        })
        .await?;
    caller.read_one(kind::INVOICE, &org, &id);
    Ok(HttpResponse::Ok().json(SignPayload::from(payload)))
}

/// A signature over one assistant's part of a time-report version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSignatureInput {
    /// The version signed; only the current version can be.
    pub version: i32,
    pub assistant_id: String,
    /// `assistant` (attests) or `employer` (signs).
    pub role: Role,
    /// 10 or 12 digits.
    pub signer_personnummer: String,
    pub method: Method,
    /// When it was signed (RFC 3339); not in the future, not before the
    /// version was received.
    pub signed_at: DateTime<Utc>,
    /// `payload_hash` of the version's sign payload for this assistant.
    pub payload_hash: String,
    /// Opaque base64 (e.g. BankID's signature and OCSP response), stored as
    /// sent; at most 64 KiB decoded.
    pub evidence: Option<String>,
}

/// The assistance user's signature over an invoice version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceSignatureInput {
    pub version: i32,
    /// `assistance_user`.
    pub role: Role,
    pub signer_personnummer: String,
    pub method: Method,
    pub signed_at: DateTime<Utc>,
    pub payload_hash: String,
    /// Opaque base64, at most 64 KiB decoded.
    pub evidence: Option<String>,
}

/// The problem's code: the first fault's (each refusal has one), so that a
/// client can switch on `code` alone.
fn first_code(code: &str) -> &'static str {
    const CODES: [&str; 12] = [
        "version_not_current",
        "hash_mismatch",
        "signed_at_invalid",
        "signer_not_allowed",
        "invalid_role",
        "assistant_not_in_report",
        "missing_field",
        "invalid_evidence",
        "evidence_too_large",
        "invalid_format",
        "invalid_date",
        "invalid_checksum",
    ];
    CODES
        .into_iter()
        .find(|c| *c == code)
        .unwrap_or("validation_failed")
}

impl From<SignError> for ApiError {
    fn from(e: SignError) -> Self {
        match e {
            SignError::NotFound => ApiError::not_found("Document"),
            SignError::Refused(faults) => {
                let code = faults
                    .first()
                    .map_or("validation_failed", |f| first_code(&f.code));
                let detail = match faults.as_slice() {
                    [one] => one.message.clone(),
                    many => format!(
                        "The signature was refused for {} reasons; see `errors`.",
                        many.len()
                    ),
                };
                ApiError::unprocessable(code, detail).with_errors(faults)
            }
            SignError::MonthClosed(month) => month_closed(&month),
            SignError::Db(e) => e.into(),
        }
    }
}

/// 409 `month_closed`.
pub fn month_closed(month: &str) -> ApiError {
    ApiError::conflict(
        "month_closed",
        format!("The month {month} is closed for this assistance user; reopen it (POST /api/v1/months/{month}/reopen) to change or sign anything."),
    )
    .with("month", month.to_string())
}

/// 201 with the signature and where it is listed; 200 with the one stored.
fn reply(outcome: SignOutcome) -> Reply {
    match outcome {
        SignOutcome::Created(s) => {
            let collection = if s.document == "invoice" {
                "invoices"
            } else {
                "time-reports"
            };
            let location = format!("/api/v1/{collection}/{}/signatures", s.document_id);
            Reply::created(location, &s)
        }
        SignOutcome::Existing(s) => Reply::json(200, &s),
    }
}

/// Record a signature over one assistant's part of the current version:
/// 201, or 200 with the stored signature when the same signer already
/// signed the version in this role.
#[utoipa::path(post, path = "/api/v1/time-reports/{id}/signatures", operation_id = "signTimeReport", tag = "signatures",
    request_body = ReportSignatureInput,
    responses((status = 201, body = Signature), (status = 200, body = Signature, description = "The same signer and role on this version: the stored signature"),
              (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`month_closed`"),
              (status = 422, body = crate::error::Problem, description = "`hash_mismatch`, `signer_not_allowed`, `signed_at_invalid`, `version_not_current`, … each with its pointer")),
    security(("bearer" = [])))]
pub async fn sign_report(
    state: web::Data<AppState>,
    caller: Caller,
    http: HttpRequest,
    id: web::Path<String>,
    body: Json<ReportSignatureInput>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let req = SignRequest {
        version: b.version,
        assistant_id: Some(b.assistant_id),
        role: b.role,
        signer_personnummer: b.signer_personnummer,
        method: b.method,
        signed_at: b.signed_at,
        payload_hash: b.payload_hash,
        evidence: b.evidence,
    };
    let env = Env {
        org_id: org.clone(),
        actor: caller.actor(),
        now: state.now(),
        policy: state.deadline_policy,
        late: state.late_rule,
        probes: Default::default(),
    };
    let id = id.into_inner();
    super::idempotent::write(&state, &caller, &http, move |conn| {
        let report = reports::get_report(conn, &Scope::Org(org), &id)?
            .ok_or_else(|| ApiError::not_found("Time report"))?;
        let keys = service::report_lock_keys(&report);
        conn.write_transaction(&keys, |conn| {
            service::sign_report(conn, &env, &report.id, &req).map_err(ApiError::from)
        })
        .map(reply)
    })
    .await
}

/// Record the assistance user's (or a representative's) signature over the
/// current invoice version: 201, or 200 with the stored one.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/signatures", operation_id = "signInvoice", tag = "signatures",
    request_body = InvoiceSignatureInput,
    responses((status = 201, body = Signature), (status = 200, body = Signature, description = "The same signer and role on this version: the stored signature"),
              (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem, description = "`month_closed`"),
              (status = 422, body = crate::error::Problem, description = "`hash_mismatch`, `signer_not_allowed`, `signed_at_invalid`, `version_not_current`, …")),
    security(("bearer" = [])))]
pub async fn sign_invoice(
    state: web::Data<AppState>,
    caller: Caller,
    http: HttpRequest,
    id: web::Path<String>,
    body: Json<InvoiceSignatureInput>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let req = SignRequest {
        version: b.version,
        assistant_id: None,
        role: b.role,
        signer_personnummer: b.signer_personnummer,
        method: b.method,
        signed_at: b.signed_at,
        payload_hash: b.payload_hash,
        evidence: b.evidence,
    };
    let env = Env {
        org_id: org.clone(),
        actor: caller.actor(),
        now: state.now(),
        policy: state.deadline_policy,
        late: state.late_rule,
        probes: Default::default(),
    };
    let id = id.into_inner();
    super::idempotent::write(&state, &caller, &http, move |conn| {
        let inv = invoices::get_invoice(conn, &Scope::Org(org), &id)?
            .ok_or_else(|| ApiError::not_found("Invoice"))?;
        let keys = service::invoice_lock_keys(&inv);
        conn.write_transaction(&keys, |conn| {
            service::sign_invoice(conn, &env, &inv.id, &req).map_err(ApiError::from)
        })
        .map(reply)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SignaturesQuery {
    /// Only this version's.
    pub version: Option<i32>,
}

/// The signatures of a time report, every version's (oldest first) or one's.
#[utoipa::path(get, path = "/api/v1/time-reports/{id}/signatures", operation_id = "listTimeReportSignatures", tag = "signatures",
    params(SignaturesQuery),
    responses((status = 200, body = Vec<Signature>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn report_signatures(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<SignaturesQuery>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let id = id.into_inner();
    let version = q.version;
    let (list, org, id) = state
        .db(move |conn| {
            let report = reports::get_report(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Time report"))?;
            let list = store::report_signatures(conn, &report.id, version)?
                .into_iter()
                .map(Signature::from)
                .collect::<Vec<_>>();
            Ok((list, report.organisation_id, report.id))
        })
        .await?;
    // Signers' numbers and names: a read of the document's personal data.
    caller.read_one(kind::TIME_REPORT, &org, &id);
    Ok(HttpResponse::Ok().json(list))
}

/// The signatures of an invoice, every version's (oldest first) or one's.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/signatures", operation_id = "listInvoiceSignatures", tag = "signatures",
    params(SignaturesQuery),
    responses((status = 200, body = Vec<Signature>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn invoice_signatures(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<SignaturesQuery>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let id = id.into_inner();
    let version = q.version;
    let (list, org, id) = state
        .db(move |conn| {
            let inv = invoices::get_invoice(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Invoice"))?;
            let list = store::invoice_signatures(conn, &inv.id, version)?
                .into_iter()
                .map(Signature::from)
                .collect::<Vec<_>>();
            Ok((list, inv.organisation_id, inv.id))
        })
        .await?;
    // Signers' numbers and names: a read of the document's personal data.
    caller.read_one(kind::INVOICE, &org, &id);
    Ok(HttpResponse::Ok().json(list))
}
