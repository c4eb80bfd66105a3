//! `/api-keys`: credentials for integrations (`domain::api_key`). The
//! secret is returned once, by the POST that creates it; storage keeps its
//! hash. A key is revoked, never deleted.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{new_id, utc_string, AppState, Faults};
use crate::db::api_keys::{self as store, ApiKeyRow};
use crate::db::audit::{self, AuditEntry};
use crate::db::register::get_organisation;
use crate::db::{DbConn, Scope};
use crate::domain::api_key::{NewSecret, SECRET_BYTES};
use crate::domain::register::check_name;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Caller, Role};

/// API keys as handlers read them by id.
const API_KEY: Record<ApiKeyRow> = Record {
    what: "API key",
    read: store::get,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api-keys", web::post().to(create))
        .route("/api-keys", web::get().to(list))
        .route("/api-keys/{id}", web::delete().to(revoke));
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for, e.g. "Lönesystem"; 1–200 characters.
    pub name: String,
    /// A provider may create `provider` and `provider_read` keys; an admin any.
    pub role: Role,
    /// The key's organisation: required for `provider` and `provider_read`
    /// (a provider's own by default), absent for `admin` and `auditor`.
    pub organisation_id: Option<String>,
    /// When the key stops working (RFC 3339); never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The secret's first characters (`rdv_` and 12 hex digits), to tell keys apart.
    pub prefix: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    /// The audit actor that created it.
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// Recorded at most once a minute.
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A key just created, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// `rdv_…`: send it as `Authorization: Bearer rdv_…`. It cannot be shown again.
    pub secret: String,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        Self {
            role: Role::parse(&r.role).unwrap_or(Role::ProviderRead),
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            organisation_id: r.organisation_id,
            created_by: r.created_by,
            created_at: utc_string(r.created_at),
            expires_at: r.expires_at.map(utc_string),
            last_used_at: r.last_used_at.map(utc_string),
            revoked_at: r.revoked_at.map(utc_string),
        }
    }
}

/// The organisation a key for `role` belongs to, as `caller` may create it:
/// a provider only its own organisation's `provider`/`provider_read` keys
/// (else 403); an admin any key, organisation keys naming an organisation.
fn key_organisation(
    caller: &Caller,
    b: &CreateApiKey,
    faults: &mut Faults,
) -> ApiResult<Option<String>> {
    match caller.role {
        Role::Provider => {
            let own = caller.writer_org()?;
            if !b.role.needs_org() {
                return Err(ApiError::forbidden(
                    "A provider may create `provider` and `provider_read` keys only.",
                ));
            }
            if b.organisation_id.as_deref().is_some_and(|o| o != own) {
                return Err(ApiError::forbidden(
                    "A provider may create keys for its own organisation only.",
                ));
            }
            Ok(Some(own.to_string()))
        }
        Role::Admin => match (&b.organisation_id, b.role.needs_org()) {
            (Some(org), true) => Ok(Some(org.clone())),
            (None, true) => {
                faults.push(
                    "/organisation_id",
                    "missing_field",
                    format!("A `{}` key belongs to an organisation.", b.role.as_str()),
                );
                Ok(None)
            }
            (Some(_), false) => {
                faults.push(
                    "/organisation_id",
                    "not_allowed",
                    format!(
                        "An `{}` key sees every organisation; leave `organisation_id` out.",
                        b.role.as_str()
                    ),
                );
                Ok(None)
            }
            (None, false) => Ok(None),
        },
        // Read-only roles are refused before this (`auth::Caller`).
        _ => Err(ApiError::forbidden("This needs a provider or admin token.")),
    }
}

/// Create an API key. The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/api-keys", operation_id = "createApiKey", tag = "api keys", request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey, headers(("Location" = String))),
              (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateApiKey>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let mut faults = Faults::default();
    let org = key_organisation(&caller, &b, &mut faults)?;
    let name = faults.check("/name", check_name(&b.name));
    let now = state.now();
    if b.expires_at.is_some_and(|e| e <= now) {
        faults.push(
            "/expires_at",
            "expires_in_past",
            "`expires_at` must be in the future.",
        );
    }
    let mut random = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let secret = NewSecret::from_random(random);
    let row = ApiKeyRow {
        id: new_id(),
        organisation_id: org,
        name: name.unwrap_or_default(),
        role: b.role.as_str().to_string(),
        prefix: secret.prefix.clone(),
        secret_hash: secret.hash.clone(),
        created_by: caller.actor(),
        created_at: now.naive_utc(),
        expires_at: b.expires_at.map(|e| e.naive_utc()),
        revoked_at: None,
        last_used_at: None,
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
        if let Some(org) = &row.organisation_id {
            if get_organisation(conn, &Scope::All, org)?.is_none() {
                faults.push(
                    "/organisation_id",
                    "unknown_organisation",
                    "No such organisation.",
                );
            }
        }
        faults.finish()?;
        let row = conn.write_transaction(&[], |conn| {
            store::insert(conn, &row)?;
            record(conn, &row, "create", row.created_at, &row.created_by)?;
            Ok::<_, ApiError>(row)
        })?;
        tracing::info!(api_key_id = %row.id, "API key created");
        Ok(Reply::created(
            format!("/api/v1/api-keys/{}", row.id),
            &CreatedApiKey {
                key: ApiKey::from(row),
                secret: secret.secret,
            },
        ))
    })
    .await
}

/// The audit entry of a key's creation or revocation (the role in `reason`).
fn record(
    conn: &mut DbConn,
    row: &ApiKeyRow,
    action: &str,
    at: NaiveDateTime,
    actor: &str,
) -> diesel::QueryResult<()> {
    audit::record(
        conn,
        AuditEntry {
            organisation_id: row.organisation_id.as_deref(),
            actor,
            action,
            entity: "api_key",
            entity_id: &row.id,
            content_hash: None,
            reason: Some(&row.role),
            at,
        },
    )
}

/// List API keys (without secrets): a provider its organisation's, an admin or auditor all.
#[utoipa::path(get, path = "/api/v1/api-keys", operation_id = "listApiKeys", tag = "api keys", params(PageParams),
    responses((status = 200, body = Paginated<ApiKey>)), security(("bearer" = [])))]
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
        ApiKey::from,
    )
    .await
}

/// Revoke an API key at once: the next request with it is 401. Revoking a
/// revoked key changes nothing.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", operation_id = "revokeApiKey", tag = "api keys",
    responses((status = 200, body = ApiKey), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let scope = match caller.role {
        Role::Admin => Scope::All,
        _ => Scope::Org(caller.writer_org()?.to_string()),
    };
    let (actor, now) = (caller.actor(), state.now().naive_utc());
    let id = id.into_inner();
    let row = state
        .db(move |conn| {
            conn.write_transaction(&[format!("record:{id}")], |conn| {
                let row = API_KEY.find(conn, &scope, &id)?;
                if row.revoked_at.is_none() {
                    store::revoke(conn, &row.id, now)?;
                    record(conn, &row, "revoke", now, &actor)?;
                }
                API_KEY.find(conn, &scope, &id)
            })
        })
        .await?;
    tracing::info!(api_key_id = %row.id, "API key revoked");
    Ok(HttpResponse::Ok().json(ApiKey::from(row)))
}
