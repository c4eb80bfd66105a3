//! `/employments`: an assistant employed to assist one assistance user.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{new_id, nullable, utc_string, AppState, Faults};
use crate::db::register::{self as repo, EmploymentRow};
use crate::db::DbConn;
use crate::domain::register::{OrganisationKind, WorkingTimeRule};
use crate::error::ApiResult;
use crate::http::auth::{Caller, Scope};

/// Employments as handlers read and change them by id.
const EMPLOYMENT: Record<EmploymentRow> = Record {
    what: "Employment",
    read: repo::get_employment,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/employments", web::post().to(create))
        .route("/employments", web::get().to(list))
        .route("/employments/{id}", web::get().to(get))
        .route("/employments/{id}", web::patch().to(patch));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployment {
    pub assistant_id: String,
    pub assistance_user_id: String,
    #[serde(deserialize_with = "super::extract::date::required")]
    pub start_date: NaiveDate,
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub end_date: Option<NaiveDate>,
    /// The date FK received the assistant's details (form 3066); hours
    /// before it are not payable. Null until known.
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub registered_with_fk_on: Option<NaiveDate>,
    /// The assistant lives in the assistance user's household. Default false.
    #[serde(default)]
    pub shares_household: bool,
    /// Default: `household_work_act` for self-employers, else `working_hours_act`.
    pub working_time_rule: Option<WorkingTimeRule>,
    /// Average working hours per week allowed over the reference period,
    /// e.g. "48.00" (default: the rule's, 48 or 40).
    pub working_time_limit_hours_per_week: Option<String>,
    /// Reference period in days, 1–366 (default: the rule's, 120 or 28).
    pub working_time_reference_days: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchEmployment {
    #[serde(default, deserialize_with = "super::extract::date::present")]
    #[schema(value_type = NaiveDate)]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub registered_with_fk_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = bool)]
    pub shares_household: Option<bool>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = WorkingTimeRule)]
    pub working_time_rule: Option<WorkingTimeRule>,
    /// `null` restores the rule's default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub working_time_limit_hours_per_week: Option<Option<String>>,
    /// `null` restores the rule's default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub working_time_reference_days: Option<Option<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Employment {
    pub id: String,
    pub organisation_id: String,
    pub assistant_id: String,
    pub assistance_user_id: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub registered_with_fk_on: Option<NaiveDate>,
    pub shares_household: bool,
    pub working_time_rule: String,
    /// The limit in force (the rule's default unless set).
    pub working_time_limit_hours_per_week: String,
    pub working_time_reference_days: i64,
    /// Whether the limit is this employment's own setting.
    pub working_time_limit_custom: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<EmploymentRow> for Employment {
    fn from(r: EmploymentRow) -> Self {
        let (_, limit) = r.working_time();
        Self {
            working_time_limit_hours_per_week: crate::domain::quantity::hundredths_to_string(
                limit.hours_per_week_centi,
            ),
            working_time_reference_days: limit.reference_days,
            working_time_limit_custom: r.working_time_limit_centi.is_some()
                || r.working_time_reference_days.is_some(),
            id: r.id,
            organisation_id: r.organisation_id,
            assistant_id: r.assistant_id,
            assistance_user_id: r.assistance_user_id,
            start_date: r.start_date,
            end_date: r.end_date,
            registered_with_fk_on: r.registered_with_fk_on,
            shares_household: r.shares_household,
            working_time_rule: r.working_time_rule,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// Parses the optional working-time settings into `row`, recording faults.
fn set_limits(
    faults: &mut Faults,
    row: &mut EmploymentRow,
    hours: Option<Option<&str>>,
    days: Option<Option<i64>>,
) {
    if let Some(h) = hours {
        row.working_time_limit_centi = match h {
            None => None,
            Some(s) => match crate::domain::quantity::parse_hundredths(s, false) {
                Ok(v) if v > 0 && v <= 16_800 => Some(v),
                Ok(_) => {
                    faults.push(
                        "/working_time_limit_hours_per_week",
                        "out_of_range",
                        "The limit must be more than 0 and at most 168 h/week.",
                    );
                    None
                }
                Err(e) => {
                    faults.push(
                        "/working_time_limit_hours_per_week",
                        e.code(),
                        e.to_string(),
                    );
                    None
                }
            },
        };
    }
    if let Some(d) = days {
        row.working_time_reference_days = match d {
            None => None,
            Some(d) if (1..=366).contains(&d) => Some(d as i32),
            Some(_) => {
                faults.push(
                    "/working_time_reference_days",
                    "out_of_range",
                    "The reference period must be 1–366 days.",
                );
                None
            }
        };
    }
}

fn validate(conn: &mut DbConn, row: &EmploymentRow, mut faults: Faults) -> ApiResult<()> {
    let scope = Scope::Org(row.organisation_id.clone());
    if repo::get_assistant(conn, &scope, &row.assistant_id)?.is_none() {
        faults.push(
            "/assistant_id",
            "unknown_assistant",
            "No such assistant in your organisation.",
        );
    }
    if repo::get_assistance_user(conn, &scope, &row.assistance_user_id)?.is_none() {
        faults.push(
            "/assistance_user_id",
            "unknown_assistance_user",
            "No such assistance user in your organisation.",
        );
    }
    if let Some(end) = row.end_date {
        if end < row.start_date {
            faults.push(
                "/end_date",
                "invalid_period",
                "`end_date` is before `start_date`.",
            );
        }
    }
    faults.finish()
}

/// Record an employment.
#[utoipa::path(post, path = "/api/v1/employments", operation_id = "createEmployment", tag = "register", request_body = CreateEmployment,
    responses((status = 201, body = Employment), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateEmployment>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let now = state.now().naive_utc();
    super::idempotent::write(&state, &caller, &req, move |conn| {
        let kind = repo::get_organisation(conn, &Scope::All, &org)?
            .and_then(|o| OrganisationKind::parse(&o.kind));
        let rule = b.working_time_rule.unwrap_or(match kind {
            Some(OrganisationKind::SelfEmployer) => WorkingTimeRule::HouseholdWorkAct,
            _ => WorkingTimeRule::WorkingHoursAct,
        });
        let row = EmploymentRow {
            id: new_id(),
            organisation_id: org,
            assistant_id: b.assistant_id,
            assistance_user_id: b.assistance_user_id,
            start_date: b.start_date,
            end_date: b.end_date,
            registered_with_fk_on: b.registered_with_fk_on,
            shares_household: b.shares_household,
            working_time_rule: rule.as_str().to_string(),
            created_at: now,
            updated_at: now,
            working_time_limit_centi: None,
            working_time_reference_days: None,
        };
        let mut row = row;
        let mut faults = Faults::default();
        set_limits(
            &mut faults,
            &mut row,
            Some(b.working_time_limit_hours_per_week.as_deref()),
            Some(b.working_time_reference_days),
        );
        validate(conn, &row, faults)?;
        repo::insert_employment(conn, &row)?;
        tracing::info!(employment_id = %row.id, "employment created");
        Ok(Reply::created(
            format!("/api/v1/employments/{}", row.id),
            &Employment::from(row),
        ))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EmploymentQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub assistant_id: Option<String>,
    pub assistance_user_id: Option<String>,
}

/// List employments.
#[utoipa::path(get, path = "/api/v1/employments", operation_id = "listEmployments", tag = "register", params(EmploymentQuery),
    responses((status = 200, body = Paginated<Employment>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<EmploymentQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let scope = caller.scope();
    let (a, u) = (q.assistant_id.clone(), q.assistance_user_id.clone());
    pagination::respond(
        &state,
        page,
        move |conn, p| repo::list_employments(conn, &scope, a.as_deref(), u.as_deref(), p),
        |r| r.id.clone(),
        Employment::from,
    )
    .await
}

/// Read an employment.
#[utoipa::path(get, path = "/api/v1/employments/{id}", operation_id = "getEmployment", tag = "register",
    responses((status = 200, body = Employment), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = EMPLOYMENT.get(&state, caller.scope(), id).await?;
    Ok(HttpResponse::Ok().json(Employment::from(row)))
}

/// Change an employment: an end date or the FK registration date arrives later.
#[utoipa::path(patch, path = "/api/v1/employments/{id}", operation_id = "updateEmployment", tag = "register", request_body = PatchEmployment,
    responses((status = 200, body = Employment), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<PatchEmployment>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?;
    let b = body.0;
    let now = state.now().naive_utc();
    let row = EMPLOYMENT
        .change(&state, org, id, move |conn, mut row| {
            if let Some(d) = b.start_date {
                row.start_date = d;
            }
            if let Some(d) = b.end_date {
                row.end_date = d;
            }
            if let Some(d) = b.registered_with_fk_on {
                row.registered_with_fk_on = d;
            }
            if let Some(s) = b.shares_household {
                row.shares_household = s;
            }
            if let Some(r) = b.working_time_rule {
                row.working_time_rule = r.as_str().to_string();
            }
            row.updated_at = now;
            let mut faults = Faults::default();
            set_limits(
                &mut faults,
                &mut row,
                b.working_time_limit_hours_per_week
                    .as_ref()
                    .map(|h| h.as_deref()),
                b.working_time_reference_days,
            );
            validate(conn, &row, faults)?;
            repo::save_employment(conn, &row)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Employment::from(row)))
}
