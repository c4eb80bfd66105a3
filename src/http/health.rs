//! Liveness and readiness probes (outside `/api/v1`, no auth).

use actix_web::{web, HttpResponse};
use diesel::RunQueryDsl;

use super::AppState;
use crate::error::ApiResult;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .route("/ready", web::get().to(ready));
}

/// The process is up.
#[utoipa::path(get, path = "/health", operation_id = "getHealth", tag = "operations", responses((status = 200, description = "Process up")))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(get, path = "/ready", operation_id = "getReadiness", tag = "operations", responses(
    (status = 200, description = "Database reachable"),
    (status = 503, description = "Database not reachable", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state
        .db(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready"})))
}
