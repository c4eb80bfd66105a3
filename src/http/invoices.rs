//! `/invoices`: the month's invoice (*räkning*, FK form 3057): a draft
//! computed from the current time report, submissions checked against it,
//! versions, and a status (`current` | `stale`) recomputed on every read.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::deadlines::{optional_month, parse_month};
use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::read_audit::kind;
use super::records::Record;
use super::AppState;
use crate::db::invoices::{self as store, InvoiceRow};
use crate::db::register as reg;
use crate::db::DbConn;
use crate::domain::month::ReportMonth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};
use crate::service::invoices::{
    self as service, ComputeError, Draft, InvoiceError, InvoiceInput, InvoiceView, Outcome,
};

/// Invoices as handlers read them by id.
const INVOICE: Record<InvoiceRow> = Record {
    what: "Invoice",
    read: store::get_invoice,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/invoices/draft` before `/invoices/{id}`.
    cfg.route("/invoices/draft", web::get().to(draft))
        .route("/invoices", web::post().to(create))
        .route("/invoices", web::get().to(list))
        .route("/invoices/{id}", web::get().to(get))
        .route("/invoices/{id}/versions", web::get().to(versions));
}

/// 422 `rate_missing`, naming the year.
pub fn rate_missing(year: i32) -> ApiError {
    ApiError::unprocessable(
        "rate_missing",
        format!(
            "There is no standard rate (schablonbelopp) for {year} in the rate table, so the amount cannot be computed; an administrator adds it with PUT /api/v1/rates/{year}. The rate is never guessed."
        ),
    )
    .with("year", year)
}

fn time_report_missing(month: ReportMonth) -> ApiError {
    ApiError::unprocessable(
        "time_report_missing",
        format!("There is no time report for {month}; the invoice is computed from it, so submit the time report first."),
    )
    .with("month", month.to_string())
}

impl From<ComputeError> for ApiError {
    fn from(e: ComputeError) -> Self {
        match e {
            // The month is not known here; callers map NoTimeReport themselves.
            ComputeError::NoTimeReport => ApiError::unprocessable(
                "time_report_missing",
                "There is no time report for this month; the invoice is computed from it.",
            ),
            ComputeError::RateMissing(y) => rate_missing(y),
            ComputeError::Db(e) => e.into(),
        }
    }
}

impl From<InvoiceError> for ApiError {
    fn from(e: InvoiceError) -> Self {
        match e {
            InvoiceError::Invalid(errors) => ApiError::validation(errors),
            InvoiceError::UnknownUser => ApiError::validation(vec![FieldError::at(
                "/assistance_user_id",
                "unknown_assistance_user",
                "No such assistance user in your organisation.",
            )]),
            InvoiceError::NoTimeReport(month) => time_report_missing(month),
            InvoiceError::RateMissing(y) => rate_missing(y),
            InvoiceError::Mismatch {
                differences,
                time_report_id,
                time_report_version,
            } => {
                let n = differences.len();
                ApiError::unprocessable(
                    "invoice_mismatch",
                    format!(
                        "The invoice differs from what the current time report (version {time_report_version}) gives in {n} field{}; see `errors` (claimed vs computed) and GET /api/v1/invoices/draft.",
                        if n == 1 { "" } else { "s" }
                    ),
                )
                .with_errors(
                    differences
                        .into_iter()
                        .map(|d| {
                            let mut e = FieldError::at(d.pointer, d.code, d.message);
                            for (k, v) in d.extra {
                                e = e.with(k, v);
                            }
                            e
                        })
                        .collect(),
                )
                .with("time_report_id", time_report_id)
                .with("time_report_version", time_report_version)
            }
            InvoiceError::MonthClosed(month) => super::signatures::month_closed(&month.to_string()),
            InvoiceError::Db(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DraftQuery {
    pub assistance_user_id: String,
    /// YYYY-MM.
    pub month: String,
}

/// The organisation whose user this is, if the caller may see the user.
fn user_org(conn: &mut DbConn, scope: &Scope, user: &str) -> ApiResult<String> {
    Ok(reg::get_assistance_user(conn, scope, user)?
        .ok_or_else(|| ApiError::not_found("Assistance user"))?
        .organisation_id)
}

/// The invoice the current time report gives for a month: hours per kind,
/// payable hours, rate and amount, split into lines where the rate changes.
#[utoipa::path(get, path = "/api/v1/invoices/draft", operation_id = "getInvoiceDraft", tag = "invoices", params(DraftQuery),
    responses((status = 200, body = Draft),
              (status = 404, body = crate::error::Problem, description = "No such assistance user (in your organisation)"),
              (status = 422, body = crate::error::Problem, description = "`rate_missing` (naming the year) or `time_report_missing`")),
    security(("bearer" = [])))]
pub async fn draft(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<DraftQuery>,
) -> ApiResult<HttpResponse> {
    let month = parse_month(&q.month, "month")?;
    let scope = caller.scope();
    let user = q.assistance_user_id.clone();
    let ctx = state.late();
    let (draft, org) = state
        .db(move |conn| {
            let org = user_org(conn, &scope, &user)?;
            let draft = match service::compute(conn, &org, &user, month) {
                Ok(c) => {
                    let mut d = crate::service::late::draft(conn, &ctx, &c)?;
                    crate::service::agreements::add_to_notices(
                        conn,
                        &org,
                        &user,
                        &d.month,
                        &mut d.warnings,
                    )?;
                    d
                }
                Err(ComputeError::NoTimeReport) => return Err(time_report_missing(month)),
                Err(e) => return Err(e.into()),
            };
            Ok((draft, org))
        })
        .await?;
    // A draft has no id of its own: the entry names the user and month.
    caller.read_one(
        kind::INVOICE,
        &org,
        &format!("draft:{}:{}", q.assistance_user_id, draft.month),
    );
    Ok(HttpResponse::Ok().json(draft))
}

/// Submit the month's invoice. Accepted only when it equals what the current
/// time report gives (a self-employer may claim actual costs below the
/// amount); 201 for a new version, 200 when equal to the current version.
#[utoipa::path(post, path = "/api/v1/invoices", operation_id = "createInvoice", tag = "invoices", request_body = InvoiceInput,
    responses((status = 201, body = InvoiceView), (status = 200, body = InvoiceView, description = "Identical to the current version; nothing stored"),
              (status = 422, body = crate::error::Problem, description = "`invoice_mismatch` with `errors: [{pointer, code: mismatch, claimed, computed}]`, `rate_missing`, `time_report_missing` or `validation_failed`")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<InvoiceInput>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let sub = body.0.parse().map_err(InvoiceError::Invalid)?;
    let env = state.env(&caller, &org);
    super::idempotent::write(&state, &caller, &req, move |conn| {
        let keys = service::lock_keys(&org, &sub.assistance_user_id, sub.month);
        let outcome = conn.write_transaction(&keys, |conn| {
            service::submit(conn, &env, &sub).map_err(ApiError::from)
        })?;
        Ok(match outcome {
            Outcome::Created(v) => Reply::created(format!("/api/v1/invoices/{}", v.id), &v),
            Outcome::Unchanged(v) => Reply::json(200, &v),
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InvoiceQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// YYYY-MM.
    pub month: Option<String>,
    pub assistance_user_id: Option<String>,
}

/// List invoices (current versions, each with its status).
#[utoipa::path(get, path = "/api/v1/invoices", operation_id = "listInvoices", tag = "invoices", params(InvoiceQuery),
    responses((status = 200, body = Paginated<InvoiceView>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<InvoiceQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let month = optional_month(q.month.as_deref())?;
    let scope = caller.scope();
    let user = q.assistance_user_id.clone();
    pagination::respond_read(
        &state,
        &caller,
        kind::INVOICE,
        page,
        move |conn, p| {
            let rows = store::list_invoices(conn, &scope, month.as_deref(), user.as_deref(), p)?;
            let mut out = Vec::with_capacity(rows.len());
            for (inv, v) in rows {
                let status = service::status_of(conn, &inv, &v)?;
                out.push((
                    inv.id.clone(),
                    inv.organisation_id.clone(),
                    service::view_now(conn, &inv, &v, Some(status))?,
                ));
            }
            Ok::<_, diesel::result::Error>(out)
        },
        |(id, _, _)| id.clone(),
        |(_, org, _)| Some(org.clone()),
        |(_, _, v)| v,
    )
    .await
}

/// The current version of an invoice, with its status.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", operation_id = "getInvoice", tag = "invoices",
    responses((status = 200, body = InvoiceView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (view, org, id) = INVOICE
        .with(&state, caller.scope(), id, |conn, inv| {
            let v = store::get_version(conn, &inv.id, inv.current_version)?
                .ok_or_else(|| ApiError::not_found("Invoice"))?;
            let status = service::status_of(conn, &inv, &v)?;
            let view = service::view_now(conn, &inv, &v, Some(status))?;
            Ok((view, inv.organisation_id, inv.id))
        })
        .await?;
    caller.read_one(kind::INVOICE, &org, &id);
    Ok(HttpResponse::Ok().json(view))
}

/// Every version of an invoice, oldest first; only the current one has a status.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/versions", operation_id = "listInvoiceVersions", tag = "invoices",
    responses((status = 200, body = Vec<InvoiceView>), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn versions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let list = INVOICE
        .with(&state, caller.scope(), id, |conn, inv| {
            let mut out = Vec::new();
            for v in store::list_versions(conn, &inv.id)? {
                let status = if v.version == inv.current_version {
                    Some(service::status_of(conn, &inv, &v)?)
                } else {
                    None
                };
                out.push(service::view_now(conn, &inv, &v, status)?);
            }
            Ok((out, inv.organisation_id, inv.id))
        })
        .await?;
    let (list, org, id) = list;
    caller.read_one(kind::INVOICE, &org, &id);
    Ok(HttpResponse::Ok().json(list))
}
