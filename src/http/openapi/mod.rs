//! The OpenAPI document, generated from the handlers' annotations, with
//! what annotations cannot say added by modifiers: the responses every
//! operation shares (`responses`) and the constraints the server enforces
//! (`constraints`). `docs/openapi.json` is its snapshot
//! (`tests/api/openapi.rs`).

mod constraints;
use constraints::Constraints;
mod idempotency;
use idempotency::Idempotency;
mod responses;
use responses::CommonResponses;

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(document));
}

#[derive(OpenApi)]
#[openapi(
    info(title = "redovisa", description = "Monthly reports of assistansersättning to Försäkringskassan. Errors are application/problem+json."),
    paths(
        super::health::health,
        super::health::ready,
        document,
        super::page::dashboard,
        super::page::script,
        super::page::reminders_script,
        super::page::stylesheet,
        super::page::upload_script,
        super::upload::upload_page,
        super::session::login_page,
        super::session::login,
        super::session::logout,
        super::session::invite_page,
        super::session::accept_invite,
        super::accounts::create,
        super::accounts::current_session,
        super::organisations::create,
        super::organisations::list,
        super::organisations::get,
        super::organisations::patch,
        super::assistance_users::create,
        super::assistance_users::list,
        super::assistance_users::get,
        super::balances::get,
        super::dashboard::compliance,
        super::dashboard::working_time,
        super::decisions::create,
        super::decisions::list,
        super::decisions::get,
        super::decisions::patch,
        super::assistants::create,
        super::assistants::list,
        super::assistants::get,
        super::assistants::patch,
        super::employments::create,
        super::employments::list,
        super::employments::get,
        super::employments::patch,
        super::rates::list,
        super::rates::put,
        super::deadlines::get,
        super::late_exceptions::create,
        super::late_exceptions::list,
        super::late_exceptions::get,
        super::imports::create,
        super::template::template,
        super::paxml::export,
        super::paxml::import,
        super::time_reports::create,
        super::time_reports::list,
        super::time_reports::get,
        super::time_reports::versions,
        super::time_reports::version,
        super::time_reports::audit,
        super::corrections::void,
        super::corrections::delete_decision,
        super::corrections::delete_employment,
        super::corrections::delete_agreement,
        super::corrections::delete_document,
        super::invoices::draft,
        super::invoices::create,
        super::invoices::list,
        super::invoices::get,
        super::invoices::versions,
        super::documents::upload,
        super::documents::list,
        super::documents::get,
        super::documents::content,
        super::months::completeness,
        super::months::status,
        super::months::close,
        super::months::reopen,
        super::representatives::create,
        super::representatives::list,
        super::representatives::get,
        super::representatives::patch,
        super::signatories::create,
        super::signatories::list,
        super::signatories::patch,
        super::signatures::report_payload,
        super::signatures::invoice_payload,
        super::signatures::sign_report,
        super::signatures::sign_invoice,
        super::signatures::report_signatures,
        super::signatures::invoice_signatures,
        super::pdfs::report_pdf,
        super::pdfs::invoice_pdf,
        super::pdfs::month_pdf,
        super::api_keys::create,
        super::api_keys::list,
        super::api_keys::revoke,
        super::change_notices::create,
        super::change_notices::list,
        super::change_notices::get,
        super::change_notices::patch,
        super::agreements::create,
        super::agreements::list,
        super::agreements::get,
        super::agreements::patch,
        super::reminders::list,
        super::events::list,
        super::webhooks::create,
        super::webhooks::list,
        super::webhooks::get,
        super::webhooks::patch,
        super::webhooks::delete,
        super::webhooks::list_deliveries,
        super::audit::list,
    ),
    modifiers(&CommonResponses, &Constraints, &Idempotency)
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document of this API (no auth needed).
#[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "getOpenApiDocument", tag = "operations",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// The document as `docs/openapi.json` holds it: pretty-printed, with a
/// final newline.
pub fn pretty_json() -> String {
    let mut json = serde_json::to_string_pretty(&ApiDoc::openapi()).expect("serialisable");
    json.push('\n');
    json
}

/// The methods the API has for a concrete path (`/api/v1/assistants/42` →
/// `GET, PATCH`), from the generated document; empty when no route matches.
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    use std::sync::OnceLock;
    static ROUTES: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let mut methods = Vec::new();
                for (m, op) in [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ] {
                    if op.is_some() {
                        methods.push(m);
                    }
                }
                (template.split('/').map(str::to_string).collect(), methods)
            })
            .collect()
    });
    let segments: Vec<&str> = path.split('/').collect();
    let mut out: Vec<&'static str> = routes
        .iter()
        .filter(|(t, _)| {
            t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
        })
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::{allowed_methods, ApiDoc};
    use utoipa::OpenApi;

    /// Client generators name methods after `operationId`s: each must be
    /// unique and say what the operation does (`createTimeReport`).
    #[test]
    fn operation_ids_are_unique_verbs_in_camel_case() {
        let doc = ApiDoc::openapi();
        let mut seen = std::collections::BTreeMap::new();
        for (path, item) in &doc.paths.paths {
            for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                let id = op.operation_id.clone().unwrap_or_default();
                let verb_first = [
                    "list", "get", "create", "update", "delete", "set", "sign", "import", "export",
                    "upload", "close", "reopen", "void", "revoke",
                ]
                .iter()
                .any(|v| {
                    id.strip_prefix(v)
                        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
                });
                assert!(
                    verb_first && id.chars().all(|c| c.is_ascii_alphanumeric()),
                    "{path}: operationId `{id}` should be a verb and a noun in camelCase; add operation_id = \"verbNoun\" to its #[utoipa::path]"
                );
                if let Some(other) = seen.insert(id.clone(), path.clone()) {
                    panic!("operationId `{id}` is used by {other} and {path}");
                }
            }
        }
    }

    #[test]
    fn allowed_methods_follow_the_routes() {
        assert_eq!(allowed_methods("/api/v1/assistants/abc"), ["GET", "PATCH"]);
        assert_eq!(allowed_methods("/api/v1/rates"), ["GET"]);
        assert_eq!(allowed_methods("/api/v1/rates/2025"), ["PUT"]);
        assert!(allowed_methods("/api/v1/nothing").is_empty());
        assert!(allowed_methods("/api/v1/assistants/").is_empty());
    }
}
