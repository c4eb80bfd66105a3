//! `/assistance-users`: people granted assistance (*brukare*).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::read_audit::kind;
use super::records::Record;
use super::{new_id, utc_string, AppState, Faults};
use crate::db::register::{self as repo, AssistanceUserRow};
use crate::domain::birthdays::{birthdays, stored_number};
use crate::domain::deadline::stockholm_date;
use crate::domain::identity::PersonalNumber;
use crate::domain::register::check_name;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;

/// Assistance users as handlers read and change them by id.
const ASSISTANCE_USER: Record<AssistanceUserRow> = Record {
    what: "Assistance user",
    read: repo::get_assistance_user,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assistance-users", web::post().to(create))
        .route("/assistance-users", web::get().to(list))
        .route("/assistance-users/{id}", web::get().to(get));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssistanceUser {
    /// *Personnummer* or *samordningsnummer*, 10 or 12 digits.
    pub personnummer: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssistanceUser {
    pub id: String,
    pub organisation_id: String,
    /// Normalised 12-digit form.
    pub personnummer: String,
    pub name: String,
    pub created_at: String,
    /// The 18th birthday, from the personnummer: from that day the user
    /// signs their own documents and a guardian's signature stops counting.
    /// Null when the user is already 18.
    pub turns_18_on: Option<NaiveDate>,
    /// The 66th birthday (past or not). Someone born on 29 February has
    /// these birthdays on 1 March (docs/change-notices.md).
    #[schema(value_type = NaiveDate)]
    pub turns_66_on: Option<NaiveDate>,
}

impl AssistanceUser {
    /// The user as of `today` (Europe/Stockholm), which decides `turns_18_on`.
    fn of(r: AssistanceUserRow, today: NaiveDate) -> Self {
        let b = stored_number(&r.personnummer).map(|p| birthdays(&p, today));
        Self {
            id: r.id,
            organisation_id: r.organisation_id,
            personnummer: r.personnummer,
            name: r.name,
            created_at: utc_string(r.created_at),
            turns_18_on: b.and_then(|b| b.turns_18_on),
            turns_66_on: b.map(|b| b.turns_66_on),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Find by personnummer (any accepted form).
    pub personnummer: Option<String>,
}

/// Parses a personnummer query filter.
pub fn personnummer_filter(p: Option<&str>) -> ApiResult<Option<String>> {
    p.map(|s| {
        PersonalNumber::parse(s)
            .map(|p| p.as_str().to_string())
            .map_err(|e| {
                ApiError::validation(vec![FieldError::field(
                    "personnummer",
                    e.code(),
                    e.to_string(),
                )])
            })
    })
    .transpose()
}

/// Register an assistance user.
#[utoipa::path(post, path = "/api/v1/assistance-users", operation_id = "createAssistanceUser", tag = "register", request_body = CreateAssistanceUser,
    responses((status = 201, body = AssistanceUser), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateAssistanceUser>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let mut faults = Faults::default();
    let pnr = faults.take(
        "/personnummer",
        |e: &crate::domain::identity::IdentityError| e.code(),
        PersonalNumber::parse(&body.0.personnummer),
    );
    let name = faults.check("/name", check_name(&body.0.name));
    faults.finish()?;
    let today = stockholm_date(state.now());
    let row = AssistanceUserRow {
        id: new_id(),
        organisation_id: org,
        personnummer: pnr.map(|p| p.as_str().to_string()).unwrap_or_default(),
        name: name.unwrap_or_default(),
        created_at: state.now().naive_utc(),
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
        repo::insert_assistance_user(conn, &row).map_err(|e| {
            duplicate(
                e,
                "An assistance user with this personnummer already exists in your organisation.",
            )
        })?;
        tracing::info!(assistance_user_id = %row.id, "assistance user created");
        Ok(Reply::created(
            format!("/api/v1/assistance-users/{}", row.id),
            &AssistanceUser::of(row, today),
        ))
    })
    .await
}

/// A unique violation as a 409 naming the duplicate kind, never its value.
pub fn duplicate(e: diesel::result::Error, message: &'static str) -> ApiError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::conflict("duplicate", message),
        e => e.into(),
    }
}

/// List assistance users.
#[utoipa::path(get, path = "/api/v1/assistance-users", operation_id = "listAssistanceUsers", tag = "register", params(ListQuery),
    responses((status = 200, body = Paginated<AssistanceUser>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let pnr = personnummer_filter(q.personnummer.as_deref())?;
    let scope = caller.scope();
    let today = stockholm_date(state.now());
    pagination::respond_read(
        &state,
        &caller,
        kind::ASSISTANCE_USER,
        page,
        move |conn, p| repo::list_assistance_users(conn, &scope, pnr.as_deref(), p),
        |r| r.id.clone(),
        |r| Some(r.organisation_id.clone()),
        move |r| AssistanceUser::of(r, today),
    )
    .await
}

/// Read an assistance user.
#[utoipa::path(get, path = "/api/v1/assistance-users/{id}", operation_id = "getAssistanceUser", tag = "register",
    responses((status = 200, body = AssistanceUser), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let today = stockholm_date(state.now());
    let row = ASSISTANCE_USER.get(&state, caller.scope(), id).await?;
    caller.read_one(kind::ASSISTANCE_USER, &row.organisation_id, &row.id);
    Ok(HttpResponse::Ok().json(AssistanceUser::of(row, today)))
}
