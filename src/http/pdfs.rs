//! The month's documents as PDF (`application/pdf`): one assistant's part of
//! a time-report version, an invoice version, and a whole month.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::deadlines::parse_month;
use super::extract::Query;
use super::AppState;
use crate::db::invoices;
use crate::db::register as reg;
use crate::db::time_reports as reports;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;
use crate::service::documents::{self as service, PdfError};

/// Most pages of a month PDF (`REDOVISA_MAX_PDF_PAGES`).
#[derive(Debug, Clone, Copy)]
pub struct PdfLimit(pub usize);

impl Default for PdfLimit {
    fn default() -> Self {
        Self(crate::config::DEFAULT_MAX_PDF_PAGES)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/time-reports/{id}/versions/{version}/pdf",
        web::get().to(report_pdf),
    )
    .route(
        "/invoices/{id}/versions/{version}/pdf",
        web::get().to(invoice_pdf),
    )
    .route("/months/{month}/pdf", web::get().to(month_pdf));
}

fn pdf(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{filename}\""),
        ))
        .body(bytes)
}

fn limit(state: &web::Data<PdfLimit>) -> usize {
    state.0
}

impl From<PdfError> for ApiError {
    fn from(e: PdfError) -> Self {
        match e {
            PdfError::NoSuchPart => ApiError::validation(vec![FieldError::field(
                "assistant_id",
                "assistant_not_in_report",
                "The assistant has no row in this version.",
            )]),
            PdfError::TooLarge(t) => ApiError::unprocessable(
                "too_large",
                format!(
                    "The PDF would have more than {} pages; ask for one assistance user at a time with `assistance_user_id`.",
                    t.max_pages
                ),
            )
            .with("max_pages", t.max_pages as u64)
            .with_errors(vec![FieldError::field(
                "assistance_user_id",
                "too_large",
                format!(
                    "More than {} pages: filter the month by `assistance_user_id`.",
                    t.max_pages
                ),
            )]),
            PdfError::Db(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportPdfQuery {
    /// Whose part of the time report.
    pub assistant_id: String,
}

/// One assistant's part of a time-report version as PDF, laid out like FK's
/// time report (3059), with its signatures or empty signature lines.
#[utoipa::path(get, path = "/api/v1/time-reports/{id}/versions/{version}/pdf", operation_id = "getTimeReportPdf", tag = "documents",
    params(ReportPdfQuery),
    responses((status = 200, content_type = "application/pdf", description = "The PDF"),
              (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn report_pdf(
    state: web::Data<AppState>,
    pages: web::Data<PdfLimit>,
    caller: Caller,
    path: web::Path<(String, i32)>,
    q: Query<ReportPdfQuery>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let (id, n) = path.into_inner();
    let assistant = q.assistant_id.clone();
    let max = limit(&pages);
    let (bytes, name, report) = state
        .db(move |conn| {
            let report = reports::get_report(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Time report"))?;
            let v = reports::get_version(conn, &report.id, n)?
                .ok_or_else(|| ApiError::not_found("Version"))?;
            let bytes = service::report_pdf(conn, &report, &v, &assistant, max)?;
            let name = format!("tidsredovisning-{}-v{n}.pdf", report.month);
            Ok((bytes, name, report))
        })
        .await?;
    caller.read_export(
        format!("pdf:time_report:v{n}"),
        Some(&report.organisation_id),
        vec![report.id, q.assistant_id.clone()],
    );
    Ok(pdf(bytes, &name))
}

/// An invoice version as PDF, laid out like FK's invoice (3057).
#[utoipa::path(get, path = "/api/v1/invoices/{id}/versions/{version}/pdf", operation_id = "getInvoicePdf", tag = "documents",
    responses((status = 200, content_type = "application/pdf", description = "The PDF"),
              (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn invoice_pdf(
    state: web::Data<AppState>,
    pages: web::Data<PdfLimit>,
    caller: Caller,
    path: web::Path<(String, i32)>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let (id, n) = path.into_inner();
    let max = limit(&pages);
    let (bytes, name, inv) = state
        .db(move |conn| {
            let inv = invoices::get_invoice(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Invoice"))?;
            let v = invoices::get_version(conn, &inv.id, n)?
                .ok_or_else(|| ApiError::not_found("Version"))?;
            let bytes = service::invoice_pdf(conn, &inv, &v, max)?;
            let name = format!("rakning-{}-v{n}.pdf", inv.month);
            Ok((bytes, name, inv))
        })
        .await?;
    caller.read_export(
        format!("pdf:invoice:v{n}"),
        Some(&inv.organisation_id),
        vec![inv.id],
    );
    Ok(pdf(bytes, &name))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MonthPdfQuery {
    pub organisation_id: String,
    /// Only this assistance user's documents.
    pub assistance_user_id: Option<String>,
}

/// Every current time report (per assistant) and invoice of the
/// organisation's month in one PDF, for printing and the archive. Above
/// `REDOVISA_MAX_PDF_PAGES` pages (default 500): 422 `too_large`, naming
/// the `assistance_user_id` filter.
#[utoipa::path(get, path = "/api/v1/months/{month}/pdf", operation_id = "getMonthPdf", tag = "documents",
    params(("month" = String, Path, description = "YYYY-MM"), MonthPdfQuery),
    responses((status = 200, content_type = "application/pdf", description = "The PDF"),
              (status = 404, body = crate::error::Problem, description = "No such organisation or user, or no document for the month"),
              (status = 422, body = crate::error::Problem, description = "`too_large`")),
    security(("bearer" = [])))]
pub async fn month_pdf(
    state: web::Data<AppState>,
    pages: web::Data<PdfLimit>,
    caller: Caller,
    month: web::Path<String>,
    q: Query<MonthPdfQuery>,
) -> ApiResult<HttpResponse> {
    let month = parse_month(&month, "month")?;
    let scope = caller.scope();
    let (org, user) = (q.organisation_id.clone(), q.assistance_user_id.clone());
    caller.read_export(
        format!("pdf:month:{month}"),
        Some(&org),
        user.iter().cloned().collect(),
    );
    let max = limit(&pages);
    let bytes = state
        .db(move |conn| {
            let org = reg::get_organisation(conn, &scope, &org)?
                .ok_or_else(|| ApiError::not_found("Organisation"))?;
            if let Some(u) = &user {
                reg::get_assistance_user(conn, &crate::http::auth::Scope::Org(org.id.clone()), u)?
                    .ok_or_else(|| ApiError::not_found("Assistance user"))?;
            }
            service::month_pdf(conn, &org.id, user.as_deref(), month, max)?
                .ok_or_else(|| ApiError::not_found("Time report or invoice for the month"))
        })
        .await?;
    Ok(pdf(bytes, &format!("assistansersattning-{month}.pdf")))
}
