//! The OpenAPI document, generated from the handlers' annotations.

use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(document));
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        // Every authenticated operation can answer 401 and 403 (and any
        // operation 500); declare them once here instead of on each handler.
        let problem = |description: &str| {
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content(
                    crate::error::PROBLEM_JSON,
                    utoipa::openapi::content::Content::new(Some(
                        utoipa::openapi::Ref::from_schema_name("Problem"),
                    )),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_params = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let takes_input = op.request_body.is_some()
                    || op.parameters.as_ref().is_some_and(|p| !p.is_empty())
                    || has_path_params;
                let responses = &mut op.responses.responses;
                if takes_input {
                    responses.entry("422".into()).or_insert_with(|| {
                        problem("Invalid input: every fault with its pointer or field").into()
                    });
                }
                if op.request_body.is_some() {
                    for (code, what) in [
                        ("400", "The body is not valid JSON"),
                        ("413", "The body is larger than the configured limit"),
                        ("415", "Unsupported Content-Type"),
                    ] {
                        responses
                            .entry(code.into())
                            .or_insert_with(|| problem(what).into());
                    }
                }
                if has_path_params {
                    responses.entry("404".into()).or_insert_with(|| {
                        problem("No such record (or another organisation's)").into()
                    });
                }
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    responses.entry("401".into()).or_insert_with(|| {
                        problem("Missing, malformed, expired or wrongly signed bearer token").into()
                    });
                    responses.entry("403".into()).or_insert_with(|| {
                        problem("The role may not do this (e.g. auditors are read-only)").into()
                    });
                }
                responses.entry("500".into()).or_insert_with(|| {
                    problem("Internal error; the cause is logged, not sent").into()
                });
                // Handlers declare `body = Problem`, which utoipa files under
                // application/json; errors are sent as application/problem+json.
                for response in responses.values_mut() {
                    if let utoipa::openapi::RefOr::T(r) = response {
                        let is_problem = |c: &utoipa::openapi::content::Content| matches!(&c.schema, Some(utoipa::openapi::RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
                        if r.content.get("application/json").is_some_and(is_problem) {
                            if let Some(c) = r.content.shift_remove("application/json") {
                                r.content.insert(crate::error::PROBLEM_JSON.to_string(), c);
                            }
                        }
                    }
                }
            }
        }
    }
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
        super::page::stylesheet,
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
        super::imports::create,
        super::paxml::export,
        super::paxml::import,
        super::time_reports::create,
        super::time_reports::list,
        super::time_reports::get,
        super::time_reports::versions,
        super::time_reports::version,
        super::time_reports::audit,
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
        super::change_notices::create,
        super::change_notices::list,
        super::change_notices::get,
        super::change_notices::patch,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document of this API (no auth needed).
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
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
    use super::allowed_methods;

    #[test]
    fn allowed_methods_follow_the_routes() {
        assert_eq!(allowed_methods("/api/v1/assistants/abc"), ["GET", "PATCH"]);
        assert_eq!(allowed_methods("/api/v1/rates"), ["GET"]);
        assert_eq!(allowed_methods("/api/v1/rates/2025"), ["PUT"]);
        assert!(allowed_methods("/api/v1/nothing").is_empty());
        assert!(allowed_methods("/api/v1/assistants/").is_empty());
    }
}
