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
