//! PAXml 2.0 for payroll systems (`docs/paxml.md`): `GET /exports/paxml`,
//! a month's time reports as `tidtrans`, and `POST /imports/paxml`, a file
//! through the same import as CSV.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::deadlines::parse_month;
use super::extract::Query;
use super::imports::{import_file, Format, ImportQuery};
use super::AppState;
use crate::db::register as reg;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};
use crate::import::paxml::export::{content_type, month_document};
use crate::import::paxml::import::{self as paxml_import, PaxmlImportResult, Places};
use crate::import::paxml::text::XmlEncoding;
use crate::import::{ImportFailure, ImportResult, Prepared};
use crate::service::submission::Env;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/exports/paxml", web::get().to(export))
        .route("/imports/paxml", web::post().to(import));
}

/// A PAXml 2.0 file, for the shared import.
struct Paxml;

impl Format for Paxml {
    const FILE_TYPES: &'static [&'static str] =
        &["application/xml", "text/xml", "application/octet-stream"];
    const HINT: &'static str = "Send the PAXml file as the body with `Content-Type: application/xml`, or as the part `file` of `multipart/form-data`.";
    type Places = Places;

    fn prepare(
        conn: &mut crate::db::DbConn,
        env: &Env,
        file: std::fs::File,
        max_errors: usize,
    ) -> ApiResult<(Prepared, Places)> {
        paxml_import::prepare(conn, env, file, max_errors)
    }

    fn body(places: &Places, result: ImportResult) -> String {
        serde_json::to_string(&places.result(result)).expect("result serialises")
    }

    fn failure(places: &Places, f: ImportFailure) -> ApiError {
        places.failure(f)
    }
}

/// Import a PAXml 2.0 file of time reports (`tidtrans`): one report
/// (version) per assistance user and month in the file, by the
/// organisation's code table, all through the same rules and guarantees as
/// the CSV import: every row is good and all are stored, or nothing is.
#[utoipa::path(post, path = "/api/v1/imports/paxml", operation_id = "importPaxml", tag = "imports",
    params(ImportQuery, ("Idempotency-Key" = Option<String>, Header, description = "A repeat with the same file and parameters returns the first result (not for dry runs)")),
    request_body(description = "The PAXml 2.0 file (docs/paxml.md; ISO-8859-1 or UTF-8, as declared), as the body or as the part `file` of a form",
        content((String = "application/xml"), (String = "multipart/form-data"))),
    responses(
        (status = 201, body = PaxmlImportResult, description = "Receipts of the versions created; months identical to the stored version are listed in `unchanged`"),
        (status = 200, body = PaxmlImportResult, description = "A dry run (nothing stored), or every month unchanged"),
        (status = 409, body = crate::error::Problem, description = "The file would replace stored months and has no `correction_reason`; `reports` names them"),
        (status = 413, body = crate::error::Problem, description = "Larger than REDOVISA_MAX_IMPORT_BYTES"),
        (status = 415, body = crate::error::Problem, description = "Neither application/xml nor multipart/form-data"),
        (status = 422, body = crate::error::Problem, description = "Every fault, each with `element` (`/paxml/tidtransaktioner/tidtrans[17]`), `line`, and `child` or `attribute`; `errors_omitted` counts those past the limit")),
    security(("bearer" = [])))]
pub async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    import_file::<Paxml>(state, caller, req, q, payload).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The month, YYYY-MM.
    pub month: Option<String>,
    /// Only this assistance user's report.
    pub assistance_user_id: Option<String>,
    /// Admins and auditors: the organisation (required for them).
    pub organisation_id: Option<String>,
    /// `iso-8859-1` (default, what most payroll systems read) or `utf-8`.
    pub encoding: Option<String>,
}

/// The organisation a read names: a provider's own (another id is not
/// found), or for admins and auditors the one in `organisation_id`.
fn organisation_of(caller: &Caller, requested: Option<&str>) -> ApiResult<String> {
    match (caller.scope(), requested) {
        (Scope::Org(own), None) => Ok(own),
        (Scope::Org(own), Some(o)) if o == own => Ok(own),
        (Scope::Org(_), Some(_)) => Err(ApiError::not_found("Organisation")),
        (Scope::All, Some(o)) => Ok(o.to_string()),
        (Scope::All, None) => Err(ApiError::validation(vec![FieldError::field(
            "organisation_id",
            "missing_parameter",
            "Name the organisation (`organisation_id`): a PAXml file is one organisation's.",
        )])),
    }
}

/// A month's time reports as PAXml 2.0: one `tidtrans` per row of the
/// current version of each report, with the organisation's codes
/// (`paxml_codes`).
#[utoipa::path(get, path = "/api/v1/exports/paxml", operation_id = "exportPaxml", tag = "imports", params(ExportQuery),
    responses(
        (status = 200, description = "PAXml 2.0, ISO-8859-1 unless `encoding=utf-8`; the XML declaration names the encoding of the bytes",
            content_type = "application/xml", body = String),
        (status = 404, body = crate::error::Problem, description = "No such organisation or assistance user visible to the caller"),
        (status = 422, body = crate::error::Problem, description = "`month` missing or invalid, unknown `encoding`, or `organisation_id` missing for admins and auditors")),
    security(("bearer" = [])))]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let mut faults = Vec::new();
    let month = match q.month.as_deref() {
        Some(m) => parse_month(m, "month")
            .map_err(|e| faults.extend(e.errors))
            .ok(),
        None => {
            faults.push(FieldError::field(
                "month",
                "missing_parameter",
                "Name the month (`month=YYYY-MM`).",
            ));
            None
        }
    };
    let encoding = match q.encoding.as_deref().map(XmlEncoding::from_label) {
        None => Some(XmlEncoding::Latin1),
        Some(Some(e @ (XmlEncoding::Latin1 | XmlEncoding::Utf8 { .. }))) => Some(e),
        Some(_) => {
            faults.push(FieldError::field(
                "encoding",
                "invalid_parameter",
                "`encoding` is `iso-8859-1` (default) or `utf-8`.",
            ));
            None
        }
    };
    let org = match organisation_of(&caller, q.organisation_id.as_deref()) {
        Ok(o) => Some(o),
        Err(e) if e.status.as_u16() == 422 => {
            faults.extend(e.errors);
            None
        }
        Err(e) => return Err(e),
    };
    let (Some(month), Some(encoding), Some(org), true) = (month, encoding, org, faults.is_empty())
    else {
        return Err(ApiError::validation(faults));
    };
    let user = q.assistance_user_id.clone();
    let now = state.now();
    // One entry for the file, naming the month and, when asked for, the user.
    caller.read_export(
        format!("paxml:{month}"),
        Some(&org),
        user.iter().cloned().collect(),
    );
    let body = state
        .db(move |conn| {
            let org = reg::get_organisation(conn, &Scope::All, &org)?
                .ok_or_else(|| ApiError::not_found("Organisation"))?;
            if let Some(u) = &user {
                reg::get_assistance_user(conn, &Scope::Org(org.id.clone()), u)?
                    .ok_or_else(|| ApiError::not_found("Assistance user"))?;
            }
            Ok(month_document(
                conn,
                &org,
                month,
                user.as_deref(),
                now,
                encoding,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type(encoding))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"paxml-{month}.xml\""),
        ))
        .body(body))
}
