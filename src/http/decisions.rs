//! `/decisions`: grants of assistance hours (*beslut*).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{new_id, nullable, utc_string, AppState, Faults};
use crate::db::register::{self as repo, DecisionRow};
use crate::db::DbConn;
use crate::domain::quantity::{hundredths_to_string, parse_hundredths, DecimalError, Ore};
use crate::domain::register::{
    check_decision_terms, check_higher_rate, DecisionTerms, DEFAULT_GRANT_PERIOD_MONTHS,
};
use crate::error::ApiResult;
use crate::http::auth::{Caller, Scope};

/// Decisions as handlers read and change them by id.
const DECISION: Record<DecisionRow> = Record {
    what: "Decision",
    read: repo::get_decision,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/decisions", web::post().to(create))
        .route("/decisions", web::get().to(list))
        .route("/decisions/{id}", web::get().to(get))
        .route("/decisions/{id}", web::patch().to(patch));
}

/// The hourly rate of a decision.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rate {
    /// That year's *schablonbelopp*.
    Standard,
    /// A higher rate (*förhöjt timbelopp*), whole kronor, at most 12 % above standard.
    Higher { sek_per_hour: String },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDecision {
    pub assistance_user_id: String,
    /// Average hours per week granted, e.g. "134.50".
    pub hours_per_week: String,
    #[serde(deserialize_with = "super::extract::date::required")]
    pub valid_from: NaiveDate,
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub valid_to: Option<NaiveDate>,
    /// Length of each grant period (*beviljandeperiod*); periods run back to
    /// back from `valid_from`. Default 6.
    pub grant_period_months: Option<i64>,
    pub rate: Rate,
    /// The part of `hours_per_week` during which two assistants may work
    /// (*dubbelassistans*).
    pub double_assistance_hours_per_week: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDecision {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = String)]
    pub hours_per_week: Option<String>,
    #[serde(default, deserialize_with = "super::extract::date::present")]
    #[schema(value_type = NaiveDate)]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = i64)]
    pub grant_period_months: Option<i64>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Rate)]
    pub rate: Option<Rate>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub double_assistance_hours_per_week: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub hours_per_week: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub grant_period_months: i32,
    pub rate: Rate,
    pub double_assistance_hours_per_week: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<DecisionRow> for Decision {
    fn from(r: DecisionRow) -> Self {
        Self {
            rate: match r.higher_rate_ore {
                Some(ore) if r.rate_kind == "higher" => Rate::Higher {
                    sek_per_hour: Ore(ore).to_sek_string(),
                },
                _ => Rate::Standard,
            },
            id: r.id,
            organisation_id: r.organisation_id,
            assistance_user_id: r.assistance_user_id,
            hours_per_week: hundredths_to_string(r.hours_per_week_centi),
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            grant_period_months: r.grant_period_months,
            double_assistance_hours_per_week: r
                .double_hours_per_week_centi
                .map(hundredths_to_string),
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

fn hours(faults: &mut Faults, pointer: &str, s: &str) -> Option<i64> {
    faults.take(
        pointer,
        |e: &DecimalError| e.code(),
        parse_hundredths(s, false),
    )
}

fn rate_fields(faults: &mut Faults, rate: &Rate) -> Option<(String, Option<i64>)> {
    match rate {
        Rate::Standard => Some(("standard".into(), None)),
        Rate::Higher { sek_per_hour } => faults
            .take(
                "/rate/sek_per_hour",
                |e: &DecimalError| e.code(),
                Ore::parse(sek_per_hour),
            )
            .map(|o| ("higher".into(), Some(o.0))),
    }
}

/// Checks a complete decision against the rules and the database (the user
/// belongs to the organisation; a higher rate against that year's standard).
fn validate(conn: &mut DbConn, row: &DecisionRow, mut faults: Faults) -> ApiResult<()> {
    let terms = DecisionTerms {
        hours_per_week_centi: row.hours_per_week_centi,
        double_hours_per_week_centi: row.double_hours_per_week_centi,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        grant_period_months: row.grant_period_months as i64,
    };
    for (field, v) in check_decision_terms(&terms) {
        faults.rule(&format!("/{field}"), v);
    }
    let scope = Scope::Org(row.organisation_id.clone());
    if repo::get_assistance_user(conn, &scope, &row.assistance_user_id)?.is_none() {
        faults.push(
            "/assistance_user_id",
            "unknown_assistance_user",
            "No such assistance user in your organisation.",
        );
    }
    if let Some(ore) = row.higher_rate_ore {
        let year = row.valid_from.year();
        match repo::get_rate(conn, year)? {
            None => faults.push(
                "/rate/sek_per_hour",
                "rate_missing",
                format!("There is no standard rate for {year} in the rate table; a higher rate cannot be checked against it."),
            ),
            Some(standard) => {
                if let Err(v) = check_higher_rate(Ore(ore), Ore(standard.ore_per_hour)) {
                    faults.rule("/rate/sek_per_hour", v);
                }
            }
        }
    }
    faults.finish()
}

/// Record a decision.
#[utoipa::path(post, path = "/api/v1/decisions", operation_id = "createDecision", tag = "register", request_body = CreateDecision,
    responses((status = 201, body = Decision), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateDecision>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let mut faults = Faults::default();
    let hpw = hours(&mut faults, "/hours_per_week", &b.hours_per_week);
    let double = b
        .double_assistance_hours_per_week
        .as_deref()
        .map(|s| hours(&mut faults, "/double_assistance_hours_per_week", s));
    let rate = rate_fields(&mut faults, &b.rate);
    let now = state.now().naive_utc();
    let (rate_kind, higher) = rate.unwrap_or(("standard".into(), None));
    let row = DecisionRow {
        id: new_id(),
        organisation_id: org,
        assistance_user_id: b.assistance_user_id,
        // When unparseable (already a fault), the largest valid value keeps
        // the other checks from reporting spurious faults against it.
        hours_per_week_centi: hpw.unwrap_or(16_800),
        valid_from: b.valid_from,
        valid_to: b.valid_to,
        grant_period_months: b
            .grant_period_months
            .unwrap_or(DEFAULT_GRANT_PERIOD_MONTHS)
            .clamp(0, 1000) as i32,
        rate_kind,
        higher_rate_ore: higher,
        double_hours_per_week_centi: double.flatten(),
        created_at: now,
        updated_at: now,
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
        validate(conn, &row, faults)?;
        repo::insert_decision(conn, &row)?;
        tracing::info!(decision_id = %row.id, "decision created");
        Ok(Reply::created(
            format!("/api/v1/decisions/{}", row.id),
            &Decision::from(row),
        ))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DecisionQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub assistance_user_id: Option<String>,
}

/// List decisions.
#[utoipa::path(get, path = "/api/v1/decisions", operation_id = "listDecisions", tag = "register", params(DecisionQuery),
    responses((status = 200, body = Paginated<Decision>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<DecisionQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let scope = caller.scope();
    let user = q.assistance_user_id.clone();
    pagination::respond(
        &state,
        page,
        move |conn, p| repo::list_decisions(conn, &scope, user.as_deref(), p),
        |r| r.id.clone(),
        Decision::from,
    )
    .await
}

/// Read a decision.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", operation_id = "getDecision", tag = "register",
    responses((status = 200, body = Decision), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = DECISION.get(&state, caller.scope(), id).await?;
    Ok(HttpResponse::Ok().json(Decision::from(row)))
}

/// Change a decision (e.g. an end date, or new hours after a review).
#[utoipa::path(patch, path = "/api/v1/decisions/{id}", operation_id = "updateDecision", tag = "register", request_body = PatchDecision,
    responses((status = 200, body = Decision), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<PatchDecision>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?;
    let b = body.0;
    let now = state.now().naive_utc();
    let row = DECISION
        .change(&state, org, id, move |conn, mut row| {
            let mut faults = Faults::default();
            if let Some(h) = &b.hours_per_week {
                if let Some(v) = hours(&mut faults, "/hours_per_week", h) {
                    row.hours_per_week_centi = v;
                }
            }
            if let Some(d) = b.valid_from {
                row.valid_from = d;
            }
            if let Some(d) = b.valid_to {
                row.valid_to = d;
            }
            if let Some(m) = b.grant_period_months {
                row.grant_period_months = m.clamp(0, 1000) as i32;
            }
            if let Some(rate) = &b.rate {
                if let Some((kind, higher)) = rate_fields(&mut faults, rate) {
                    row.rate_kind = kind;
                    row.higher_rate_ore = higher;
                }
            }
            if let Some(d) = &b.double_assistance_hours_per_week {
                row.double_hours_per_week_centi = match d {
                    None => None,
                    Some(s) => hours(&mut faults, "/double_assistance_hours_per_week", s),
                };
            }
            row.updated_at = now;
            validate(conn, &row, faults)?;
            repo::save_decision(conn, &row)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Decision::from(row)))
}
