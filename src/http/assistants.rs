//! `/assistants`: personal assistants (*personliga assistenter*).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assistance_users::{duplicate, personnummer_filter, ListQuery};
use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::read_audit::kind;
use super::records::Record;
use super::{new_id, utc_string, AppState, Faults};
use crate::db::register::{self as repo, AssistantChanges, AssistantRow};
use crate::domain::identity::{IdentityError, PersonalNumber};
use crate::domain::register::check_name;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Caller, Scope};

/// Assistants as handlers read and change them by id.
const ASSISTANT: Record<AssistantRow> = Record {
    what: "Assistant",
    read: repo::get_assistant,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assistants", web::post().to(create))
        .route("/assistants", web::get().to(list))
        .route("/assistants/{id}", web::get().to(get))
        .route("/assistants/{id}", web::patch().to(patch));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssistant {
    /// *Personnummer* or *samordningsnummer*.
    pub personnummer: String,
    pub name: String,
    /// Lives in the EEA; outside it, hours are payable only for special reasons.
    pub lives_in_eea: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchAssistant {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = bool)]
    pub lives_in_eea: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Assistant {
    pub id: String,
    pub organisation_id: String,
    pub personnummer: String,
    pub name: String,
    pub lives_in_eea: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<AssistantRow> for Assistant {
    fn from(r: AssistantRow) -> Self {
        Self {
            id: r.id,
            organisation_id: r.organisation_id,
            personnummer: r.personnummer,
            name: r.name,
            lives_in_eea: r.lives_in_eea,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// Register an assistant.
#[utoipa::path(post, path = "/api/v1/assistants", operation_id = "createAssistant", tag = "register", request_body = CreateAssistant,
    responses((status = 201, body = Assistant), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateAssistant>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let mut faults = Faults::default();
    let pnr = faults.take(
        "/personnummer",
        |e: &IdentityError| e.code(),
        PersonalNumber::parse(&b.personnummer),
    );
    let name = faults.check("/name", check_name(&b.name));
    faults.finish()?;
    let now = state.now().naive_utc();
    let row = AssistantRow {
        id: new_id(),
        organisation_id: org,
        personnummer: pnr.map(|p| p.as_str().to_string()).unwrap_or_default(),
        name: name.unwrap_or_default(),
        lives_in_eea: b.lives_in_eea,
        created_at: now,
        updated_at: now,
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
        repo::insert_assistant(conn, &row).map_err(|e| {
            duplicate(
                e,
                "An assistant with this personnummer already exists in your organisation.",
            )
        })?;
        tracing::info!(assistant_id = %row.id, "assistant created");
        Ok(Reply::created(
            format!("/api/v1/assistants/{}", row.id),
            &Assistant::from(row),
        ))
    })
    .await
}

/// List assistants.
#[utoipa::path(get, path = "/api/v1/assistants", operation_id = "listAssistants", tag = "register", params(ListQuery),
    responses((status = 200, body = Paginated<Assistant>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let pnr = personnummer_filter(q.personnummer.as_deref())?;
    let scope = caller.scope();
    pagination::respond_read(
        &state,
        &caller,
        kind::ASSISTANT,
        page,
        move |conn, p| repo::list_assistants(conn, &scope, pnr.as_deref(), p),
        |r| r.id.clone(),
        |r| Some(r.organisation_id.clone()),
        Assistant::from,
    )
    .await
}

/// Read an assistant.
#[utoipa::path(get, path = "/api/v1/assistants/{id}", operation_id = "getAssistant", tag = "register",
    responses((status = 200, body = Assistant), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = ASSISTANT.get(&state, caller.scope(), id).await?;
    caller.read_one(kind::ASSISTANT, &row.organisation_id, &row.id);
    Ok(HttpResponse::Ok().json(Assistant::from(row)))
}

/// Change an assistant's name or EEA residence.
#[utoipa::path(patch, path = "/api/v1/assistants/{id}", operation_id = "updateAssistant", tag = "register", request_body = PatchAssistant,
    responses((status = 200, body = Assistant), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<PatchAssistant>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let mut faults = Faults::default();
    let name = faults.check_some("/name", b.name.as_deref(), check_name);
    faults.finish()?;
    let changes = AssistantChanges {
        name,
        lives_in_eea: b.lives_in_eea,
        updated_at: Some(state.now().naive_utc()),
    };
    let scope = Scope::Org(org.clone());
    let row = ASSISTANT
        .change(&state, &org, id, move |conn, row| {
            repo::update_assistant(conn, &row.id, &changes)?;
            repo::get_assistant(conn, &scope, &row.id)?
                .ok_or_else(|| ApiError::not_found("Assistant"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Assistant::from(row)))
}
