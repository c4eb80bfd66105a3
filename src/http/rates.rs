//! `/rates`: the *schablonbelopp* table, per calendar year
//! (förordning 1993:1091 5 §). Administrators extend it as years are set.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::{utc_string, AppState, Faults};
use crate::db::register::{self as repo, RateRow};
use crate::domain::quantity::{DecimalError, Ore};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rates", web::get().to(list))
        .route("/rates/{year}", web::put().to(put));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutRate {
    /// SEK per hour with two decimals, e.g. "332.60".
    pub sek_per_hour: String,
    /// Where the figure comes from (default "admin").
    pub source: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateEntry {
    pub year: i32,
    pub sek_per_hour: String,
    pub source: String,
    pub updated_at: String,
}

impl From<RateRow> for RateEntry {
    fn from(r: RateRow) -> Self {
        Self {
            year: r.year,
            sek_per_hour: Ore(r.ore_per_hour).to_sek_string(),
            source: r.source,
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// The rate table, by year.
#[utoipa::path(get, path = "/api/v1/rates", operation_id = "listRates", tag = "rates",
    responses((status = 200, body = Vec<RateEntry>)), security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, _caller: Caller) -> ApiResult<HttpResponse> {
    let rows = state.db(|conn| Ok(repo::list_rates(conn)?)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(RateEntry::from).collect::<Vec<_>>()))
}

/// Set a year's rate (admin). 201 when the year is new, 200 when replaced.
#[utoipa::path(put, path = "/api/v1/rates/{year}", operation_id = "setRate", tag = "rates", request_body = PutRate,
    responses((status = 200, body = RateEntry), (status = 201, body = RateEntry), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    year: web::Path<String>,
    body: Json<PutRate>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (1990..=2200).contains(y))
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::field(
                "year",
                "invalid_year",
                "The year must be a number between 1990 and 2200.",
            )])
        })?;
    let mut faults = Faults::default();
    let ore = faults.take(
        "/sek_per_hour",
        |e: &DecimalError| e.code(),
        Ore::parse_non_negative(&body.0.sek_per_hour),
    );
    if ore == Some(Ore(0)) {
        faults.push(
            "/sek_per_hour",
            "out_of_range",
            "The rate must be more than zero.",
        );
    }
    faults.finish()?;
    let row = RateRow {
        year,
        ore_per_hour: ore.map(|o| o.0).unwrap_or_default(),
        source: body
            .0
            .source
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "admin".into()),
        updated_at: state.now().naive_utc(),
    };
    let actor = caller.actor();
    let (row, new) = state
        .db(move |conn| {
            conn.write_transaction(&[format!("rate:{}", row.year)], |conn| {
                let new = repo::put_rate(conn, &row)?;
                crate::db::audit::record(
                    conn,
                    crate::db::audit::AuditEntry {
                        organisation_id: None,
                        actor: &actor,
                        action: if new { "create" } else { "update" },
                        entity: "rate",
                        entity_id: &row.year.to_string(),
                        content_hash: None,
                        reason: Some(&format!("{} öre/h", row.ore_per_hour)),
                        at: row.updated_at,
                    },
                )?;
                Ok::<_, ApiError>((row, new))
            })
        })
        .await?;
    let location = format!("/api/v1/rates/{}", row.year);
    let body = RateEntry::from(row);
    Ok(if new {
        super::created_at(&location, &body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
