//! `POST /users`: accounts for people who sign in to the pages. The role
//! rules are those of the API: an admin creates any account; a provider
//! credential creates `provider` and `provider_read` accounts of its own
//! organisation only. Both of those roles always belong to an organisation.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::idempotent::Reply;
use super::{utc_string, AppState, Faults};
use crate::config::AccountSettings;
use crate::db::register::get_organisation;
use crate::db::Scope;
use crate::domain::account::{check_account_name, normalise_email};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Role};
use crate::service::accounts::{self as service, NewAccount};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::post().to(create))
        .route("/session", web::get().to(current_session));
}

/// The signed-in person of the pages' session, and the CSRF token the
/// pages send in `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentSession {
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub organisation_name: Option<String>,
    pub csrf_token: String,
    pub expires_at: String,
}

/// The session of the cookie (for the pages' scripts); 401 without one.
#[utoipa::path(get, path = "/api/v1/session", operation_id = "getSession", tag = "accounts",
    responses((status = 200, body = CurrentSession),
              (status = 401, body = crate::error::Problem, description = "No live session cookie")))]
pub async fn current_session(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (session, account) = super::session::signed_in(&req)
        .await?
        .ok_or_else(|| ApiError::unauthorized("Not signed in."))?;
    let caller = crate::http::auth::account_caller(&account)?;
    let org = account.organisation_id.clone();
    let organisation_name = match org {
        Some(org) => {
            state
                .db(move |conn| Ok(get_organisation(conn, &Scope::All, &org)?.map(|o| o.name)))
                .await?
        }
        None => None,
    };
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CurrentSession {
            account_id: account.id,
            email: account.email,
            name: account.name,
            role: caller.role,
            organisation_id: account.organisation_id,
            organisation_name,
            csrf_token: session.csrf_token,
            expires_at: utc_string(session.expires_at),
        }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The address the person signs in with (compared without case).
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Required for `provider` and `provider_read` accounts when an admin
    /// creates them; a provider's own organisation otherwise. Not allowed
    /// for `admin` and `auditor` accounts, which see every organisation.
    pub organisation_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    /// Open once to choose a password (`GET /invite/{token}`); give it to
    /// the person. It is shown only here.
    pub invite_url: String,
    pub invite_expires_at: String,
}

/// The origin invite links point to: `REDOVISA_PUBLIC_URL`, else the
/// address this request came to.
fn public_base(req: &HttpRequest, settings: &AccountSettings) -> String {
    settings.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    })
}

/// Create an account and its one-time invite link.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "createUser", tag = "accounts", request_body = CreateUser,
    responses((status = 201, body = CreatedUser),
              (status = 409, body = crate::error::Problem, description = "An account with this e-mail address exists"),
              (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    settings: Option<web::Data<AccountSettings>>,
    caller: Caller,
    body: Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let organisation_id = match caller.role {
        Role::Auditor | Role::ProviderRead => {
            return Err(ApiError::forbidden("This role has read-only access."))
        }
        Role::Provider => {
            let own = caller.writer_org()?.to_string();
            if !matches!(b.role, Role::Provider | Role::ProviderRead) {
                return Err(ApiError::forbidden(
                    "A provider creates accounts with the role `provider` or `provider_read` only.",
                ));
            }
            if b.organisation_id.as_deref().is_some_and(|o| o != own) {
                return Err(ApiError::forbidden(
                    "A provider creates accounts of its own organisation only.",
                ));
            }
            Some(own)
        }
        Role::Admin => b.organisation_id.clone(),
    };
    let mut faults = Faults::default();
    let email = faults.check("/email", normalise_email(&b.email));
    let name = faults.check("/name", check_account_name(&b.name));
    match (b.role, &organisation_id) {
        (Role::Provider | Role::ProviderRead, None) => faults.push(
            "/organisation_id",
            "required",
            "A provider or provider_read account needs `organisation_id`.",
        ),
        (Role::Admin | Role::Auditor, Some(_)) => faults.push(
            "/organisation_id",
            "not_allowed",
            "Admin and auditor accounts belong to no organisation.",
        ),
        _ => {}
    }
    faults.finish()?;
    let settings = settings.map(|s| s.get_ref().clone()).unwrap_or_default();
    let base = public_base(&req, &settings);
    let role = serde_json::to_value(b.role)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    let new = NewAccount {
        email: email.unwrap_or_default(),
        name: name.unwrap_or_default(),
        role,
        organisation_id: organisation_id.clone(),
    };
    let now = state.now();
    let ttl = settings.invite_ttl;
    let role = b.role;
    super::idempotent::write(&state, &caller, &req, move |conn| {
        if let Some(org) = &new.organisation_id {
            if get_organisation(conn, &Scope::All, org)?.is_none() {
                return Err(ApiError::validation(vec![FieldError::at(
                    "/organisation_id",
                    "unknown_reference",
                    "No organisation has this id.",
                )]));
            }
        }
        let invited = service::create(conn, new, now, ttl)?;
        tracing::info!(account_id = %invited.account.id, "account created");
        Ok(Reply::created(
            format!("/api/v1/users/{}", invited.account.id),
            &CreatedUser {
                id: invited.account.id.clone(),
                email: invited.account.email.clone(),
                name: invited.account.name.clone(),
                role,
                organisation_id: invited.account.organisation_id.clone(),
                invite_url: service::invite_url(&base, &invited.token),
                invite_expires_at: utc_string(invited.expires_at.naive_utc()),
            },
        ))
    })
    .await
}
