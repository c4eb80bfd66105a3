//! `/webhooks`: where an organisation's events are delivered
//! (docs/integrations.md, "Webhooks"). The signing secret is returned once,
//! by the POST that creates the webhook. Deliveries are made by
//! `service::webhooks::worker`; `/webhooks/{id}/deliveries` shows them.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Json, Query};
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{new_id, utc_string, AppState, Faults};
use crate::db::register::get_organisation;
use crate::db::webhook_deliveries::{self as deliveries, DeliveryRow};
use crate::db::webhooks::{self as store, WebhookRow};
use crate::db::{DbConn, Scope};
use crate::domain::event::EventType;
use crate::domain::webhook::{secret_from_random, SECRET_BYTES};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Role};
use crate::service::webhooks::target;

/// Webhooks as handlers read them by id.
const WEBHOOK: Record<WebhookRow> = Record {
    what: "Webhook",
    read: store::get,
};

/// Whether targets on non-public addresses and plain `http` are allowed
/// (`REDOVISA_WEBHOOK_ALLOW_PRIVATE`).
#[derive(Debug, Clone, Copy)]
pub struct WebhookPolicy {
    pub allow_private: bool,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks", web::post().to(create))
        .route("/webhooks", web::get().to(list))
        .route("/webhooks/{id}", web::get().to(get))
        .route("/webhooks/{id}", web::patch().to(patch))
        .route("/webhooks/{id}", web::delete().to(delete))
        .route("/webhooks/{id}/deliveries", web::get().to(list_deliveries));
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where deliveries are POSTed: an `https` URL on a public address.
    #[schema(example = "https://lon.example.se/redovisa/webhook")]
    pub url: String,
    /// The event types to deliver (at least one), e.g. `["report.created"]`.
    pub events: Vec<String>,
    /// Admins: the organisation whose events are delivered. Providers:
    /// their own (the default).
    pub organisation_id: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhook {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = String)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Vec<String>)]
    pub events: Option<Vec<String>>,
}

/// A webhook as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    pub organisation_id: String,
    pub url: String,
    /// The event types delivered.
    pub events: Vec<String>,
    /// The audit actor that created it.
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A webhook just created, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_…`: the key of each delivery's `Redovisa-Signature`. It cannot
    /// be shown again.
    pub secret: String,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Self {
            events: r.types(),
            id: r.id,
            organisation_id: r.organisation_id,
            url: r.url,
            created_by: r.created_by,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// One event's delivery to a webhook, with its attempts so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    /// The event's `id`, as in the feed and the delivered body.
    pub event_id: String,
    pub event_type: String,
    /// `pending` (to be tried at `next_attempt_at`), `delivered`, or
    /// `failed` (given up after a day of retries).
    #[schema(example = "delivered")]
    pub status: String,
    pub attempts: i32,
    /// The target's status code at the last attempt, if it answered.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub first_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Self {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            status: r.status,
            attempts: r.attempts,
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            first_attempt_at: r.first_attempt_at.map(utc_string),
            last_attempt_at: r.last_attempt_at.map(utc_string),
            next_attempt_at: r.next_attempt_at.map(utc_string),
            delivered_at: r.delivered_at.map(utc_string),
        }
    }
}

/// The organisation a webhook is created for: a provider's own (another is
/// 403), an admin's named one (422 when missing).
fn webhook_organisation(
    caller: &Caller,
    requested: Option<&str>,
    faults: &mut Faults,
) -> ApiResult<String> {
    match caller.role {
        Role::Provider => {
            let own = caller.writer_org()?;
            if requested.is_some_and(|o| o != own) {
                return Err(ApiError::forbidden(
                    "A provider may create webhooks for its own organisation only.",
                ));
            }
            Ok(own.to_string())
        }
        Role::Admin => {
            if requested.is_none() {
                faults.push(
                    "/organisation_id",
                    "missing_field",
                    "Name the organisation whose events are delivered.",
                );
            }
            Ok(requested.unwrap_or_default().to_string())
        }
        _ => Err(ApiError::forbidden("This needs a provider or admin token.")),
    }
}

/// The event types as stored (a JSON array), or faults at `/events/{i}`.
fn event_types(events: &[String], faults: &mut Faults) -> String {
    if events.is_empty() {
        faults.push(
            "/events",
            "empty_events",
            "Name at least one event type to deliver.",
        );
    }
    let mut types: Vec<&str> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match EventType::parse(e) {
            Some(t) => types.push(t.as_str()),
            None => faults.push(
                &format!("/events/{i}"),
                "unknown_event_type",
                format!(
                    "`{e}` is not an event type; known: {}.",
                    EventType::ALL.map(|t| t.as_str()).join(", ")
                ),
            ),
        }
    }
    let mut seen = std::collections::HashSet::new();
    types.retain(|t| seen.insert(*t));
    serde_json::to_string(&types).expect("serialisable")
}

/// Checks a target, recording a refusal at `/url`.
async fn checked_url(url: &str, policy: WebhookPolicy, faults: &mut Faults) -> String {
    match target::check(url, policy.allow_private).await {
        Ok(u) => u.to_string(),
        Err(refusal) => {
            faults.0.push(FieldError::at(
                "/url",
                "webhook_url_not_allowed",
                refusal.to_string(),
            ));
            String::new()
        }
    }
}

/// Create a webhook. The signing secret is in this response only.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "createWebhook", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = CreatedWebhook, headers(("Location" = String))),
              (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem, description = "An unknown event type (`/events/{i}`), or a target that is not allowed (`webhook_url_not_allowed` at `/url`)")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    policy: web::Data<WebhookPolicy>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let mut faults = Faults::default();
    let org = webhook_organisation(&caller, b.organisation_id.as_deref(), &mut faults)?;
    let url = checked_url(&b.url, **policy, &mut faults).await;
    let event_types = event_types(&b.events, &mut faults);
    let mut random = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let now = state.now().naive_utc();
    let row = WebhookRow {
        id: new_id(),
        organisation_id: org,
        url,
        event_types,
        secret: secret_from_random(random),
        created_by: caller.actor(),
        created_at: now,
        updated_at: now,
        cursor_seq: 0,
        lease_owner: None,
        lease_until: None,
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
        if !row.organisation_id.is_empty()
            && get_organisation(conn, &Scope::All, &row.organisation_id)?.is_none()
        {
            faults.push(
                "/organisation_id",
                "unknown_organisation",
                "No such organisation.",
            );
        }
        faults.finish()?;
        let row = conn.write_transaction(&[], |conn| {
            // Deliveries start with the events committed from now on.
            let row = WebhookRow {
                cursor_seq: store::last_event_seq(conn)?,
                ..row
            };
            store::insert(conn, &row)?;
            record(conn, &row, "create", now, &row.created_by)?;
            Ok::<_, ApiError>(row)
        })?;
        tracing::info!(webhook_id = %row.id, "webhook created");
        let location = format!("/api/v1/webhooks/{}", row.id);
        let secret = row.secret.clone();
        Ok(super::idempotent::Reply::created(
            location,
            &CreatedWebhook {
                webhook: Webhook::from(row),
                secret,
            },
        ))
    })
    .await
}

/// The audit entry of a webhook's creation, change or deletion.
fn record(
    conn: &mut DbConn,
    row: &WebhookRow,
    action: &str,
    at: NaiveDateTime,
    actor: &str,
) -> diesel::QueryResult<()> {
    super::records::audit_change(
        conn,
        &row.organisation_id,
        actor,
        action,
        "webhook",
        &row.id,
        at,
    )
}

/// List webhooks (without secrets): a provider its organisation's, an admin or auditor all.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "listWebhooks", tag = "webhooks", params(PageParams),
    responses((status = 200, body = Paginated<Webhook>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = q.validated()?;
    let scope = caller.scope();
    pagination::respond(
        &state,
        page,
        move |conn, p| store::list(conn, &scope, p),
        |r| r.id.clone(),
        Webhook::from,
    )
    .await
}

/// One webhook (without its secret); another organisation's is 404.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", operation_id = "getWebhook", tag = "webhooks",
    responses((status = 200, body = Webhook), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = WEBHOOK.get(&state, caller.scope(), id).await?;
    Ok(HttpResponse::Ok().json(Webhook::from(row)))
}

/// The scope a caller changes webhooks in: a provider its organisation's,
/// an admin any.
fn write_scope(caller: &Caller) -> ApiResult<Scope> {
    Ok(match caller.role {
        Role::Admin => Scope::All,
        _ => Scope::Org(caller.writer_org()?.to_string()),
    })
}

/// Change a webhook's target or event types (the secret stays). Events
/// already recorded are delivered to the new target with the new types.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", operation_id = "updateWebhook", tag = "webhooks", request_body = PatchWebhook,
    responses((status = 200, body = Webhook), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    policy: web::Data<WebhookPolicy>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<PatchWebhook>,
) -> ApiResult<HttpResponse> {
    let scope = write_scope(&caller)?;
    let b = body.0;
    let mut faults = Faults::default();
    let url = match &b.url {
        Some(u) => Some(checked_url(u, **policy, &mut faults).await),
        None => None,
    };
    let types = b.events.as_deref().map(|e| event_types(e, &mut faults));
    faults.finish()?;
    let (actor, now, id) = (caller.actor(), state.now().naive_utc(), id.into_inner());
    let row = state
        .db(move |conn| {
            conn.write_transaction(&[format!("record:{id}")], |conn| {
                let row = WEBHOOK.find(conn, &scope, &id)?;
                let url = url.unwrap_or_else(|| row.url.clone());
                let types = types.unwrap_or_else(|| row.event_types.clone());
                store::update(conn, &row.id, &url, &types, now)?;
                record(conn, &row, "update", now, &actor)?;
                WEBHOOK.find(conn, &scope, &id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Webhook::from(row)))
}

/// Delete a webhook and its delivery history: nothing more is sent to it
/// (an attempt already under way may still arrive).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", operation_id = "deleteWebhook", tag = "webhooks",
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let scope = write_scope(&caller)?;
    let (actor, now, id) = (caller.actor(), state.now().naive_utc(), id.into_inner());
    state
        .db(move |conn| {
            conn.write_transaction(&[format!("record:{id}")], |conn| {
                let row = WEBHOOK.find(conn, &scope, &id)?;
                store::delete(conn, &row.id)?;
                record(conn, &row, "delete", now, &actor)?;
                Ok::<_, ApiError>(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A webhook's deliveries, newest event first, with their attempts.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "webhooks",
    params(PageParams),
    responses((status = 200, body = Paginated<Delivery>), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = q.validated()?;
    let before = match &page.after {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::validation(vec![FieldError::field(
                "cursor",
                "invalid_cursor",
                "`cursor` must be a `next_cursor` this endpoint returned.",
            )])
        })?),
    };
    let limit = page.limit;
    let rows = WEBHOOK
        .with(&state, caller.scope(), id, move |conn, hook| {
            Ok(deliveries::list(conn, &hook.id, before, limit + 1)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |r| r.event_seq.to_string(),
        Delivery::from,
    )))
}
