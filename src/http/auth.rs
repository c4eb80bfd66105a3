//! Bearer authentication and the caller's rights. A bearer value is either
//! an HS256 JWT (bootstrapping, single sign-on) or an API key `rdv_…`
//! (`domain::api_key`, looked up in storage on every request so that a
//! revocation holds at once on every instance).
//!
//! Roles: `admin` manages organisations and rates and reads everything;
//! `provider` reads and writes its own organisation's data only;
//! `provider_read` reads its own organisation's data and writes nothing;
//! `auditor` reads everything and writes nothing. The read-only roles are
//! enforced here, once, by method: the extractor refuses them any request
//! that is not GET, HEAD or OPTIONS, whatever the handler.
//!
//! The API takes bearer credentials; the pages' session cookie works too
//! (the pages call the same API), and then a request that changes anything
//! must carry the session's CSRF token in `X-CSRF-Token`.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::api_keys;
pub use crate::db::Scope;
use crate::domain::api_key::{self, Presented, Unusable};
use crate::error::ApiError;
use crate::http::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Provider,
    /// A provider's read-only credential (e.g. a reporting integration).
    #[value(alias = "provider_read")]
    ProviderRead,
    Auditor,
}

impl Role {
    /// The role's name on the wire and in storage (`provider_read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Provider => "provider",
            Role::ProviderRead => "provider_read",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Admin,
            Role::Provider,
            Role::ProviderRead,
            Role::Auditor,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Roles that read and never write.
    pub fn read_only(self) -> bool {
        matches!(self, Role::ProviderRead | Role::Auditor)
    }

    /// Roles that belong to one organisation (the `org` claim).
    pub fn needs_org(self) -> bool {
        matches!(self, Role::Provider | Role::ProviderRead)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        // Only HS256 is accepted: `alg: none` and every other algorithm fail
        // validation. No leeway: an expired token is expired, and a token
        // whose `nbf` (not before) lies in the future is not valid yet.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// Checks signature, algorithm, expiry and the claims this API needs.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet (`nbf`)",
                    ErrorKind::InvalidSignature => "the token signature is invalid",
                    ErrorKind::InvalidAlgorithm => "the token must be signed with HS256",
                    ErrorKind::MissingRequiredClaim(_) | ErrorKind::Json(_) => {
                        "the token lacks a required claim (sub, role, exp) or has an invalid one"
                    }
                    _ => "the token is malformed",
                };
                ApiError::unauthorized(format!("Invalid bearer token: {why}."))
            })?;
        let claims = data.claims;
        if claims.sub.trim().is_empty() {
            return Err(ApiError::unauthorized("Invalid bearer token: empty `sub`."));
        }
        if claims.role.needs_org() && claims.org.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::unauthorized(
                "Invalid bearer token: a provider token needs the `org` claim.",
            ));
        }
        Ok(claims)
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's `sub`, or `api_key:<id>` for an API key.
    pub sub: String,
    pub role: Role,
    pub org: Option<String>,
    /// The API key the request was made with, if any.
    pub api_key_id: Option<String>,
    /// What the request read, for its one read-audit entry
    /// (`http::read_audit`).
    pub reads: crate::http::read_audit::ReadLog,
    /// Refusals for another employer's overlapping shift this request got
    /// (audited and limited by `http::rate_limit`).
    pub probes: crate::service::submission::Probes,
}

impl Caller {
    pub fn scope(&self) -> Scope {
        match (self.role.needs_org(), &self.org) {
            (true, Some(org)) => Scope::Org(org.clone()),
            _ => Scope::All,
        }
    }

    /// The organisation a provider writes to; other roles may not write
    /// organisation data.
    pub fn writer_org(&self) -> Result<&str, ApiError> {
        match self.role {
            Role::Provider => Ok(self.org.as_deref().unwrap_or_default()),
            Role::Auditor | Role::ProviderRead => Err(read_only(self.role)),
            Role::Admin => Err(ApiError::forbidden(
                "Organisation data is written with a provider token for that organisation.",
            )),
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Auditor | Role::ProviderRead => Err(read_only(self.role)),
            Role::Provider => Err(ApiError::forbidden("This needs an admin token.")),
        }
    }

    /// The actor recorded in the audit trail: `<role>:<sub>`, so a change
    /// made with an API key reads `provider:api_key:<key id>`.
    pub fn actor(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.sub)
    }

    /// The one gate of the read-only roles: any method but GET, HEAD and
    /// OPTIONS is refused before a handler runs.
    fn may_use(&self, method: &actix_web::http::Method) -> Result<(), ApiError> {
        if self.role.read_only() && !method.is_safe() {
            return Err(read_only(self.role));
        }
        Ok(())
    }
}

fn read_only(role: Role) -> ApiError {
    ApiError::forbidden(format!(
        "The role `{}` has read-only access.",
        role.as_str()
    ))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A bearer credential wins; the session cookie only when there is none.
        let has_session = req
            .cookie(crate::http::session::SESSION_COOKIE)
            .is_some_and(|c| !c.value().is_empty());
        let bearer = req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION)
            || !has_session;
        let req = req.clone();
        Box::pin(async move {
            let caller = if bearer {
                authenticate(&req).await?
            } else {
                from_session(&req).await?
            };
            caller.may_use(req.method())?;
            if !req.method().is_safe() {
                crate::http::rate_limit::check_write(&req, &caller)?;
            }
            let state = req.app_data::<web::Data<AppState>>().cloned();
            let known = req.app_data::<web::Data<KnownOrganisations>>().cloned();
            if let (Role::Provider | Role::ProviderRead, Some(org), Some(state), Some(known)) =
                (caller.role, caller.org.as_deref(), state, known)
            {
                if !known.exists(&state, org).await? {
                    return Err(ApiError::unauthorized(
                        "Invalid bearer token: the token's organisation (`org`) is not registered.",
                    ));
                }
            }
            crate::http::read_audit::attach(&req, &caller);
            Ok(caller)
        })
    }
}

/// Which organisations a provider token may name: those registered. A
/// signed token for an organisation that does not exist is refused (401)
/// rather than shown empty lists. Organisations are never deleted, so a
/// registered one is remembered for good; an unknown one only for
/// [`KnownOrganisations::NEGATIVE_TTL`], so that a provider can use its
/// token moments after the organisation is created.
#[derive(Default)]
pub struct KnownOrganisations {
    registered: Mutex<HashSet<String>>,
    unknown: Mutex<HashMap<String, Instant>>,
}

impl KnownOrganisations {
    /// How long "no such organisation" is believed without asking again.
    pub const NEGATIVE_TTL: Duration = Duration::from_secs(5);
    /// Bound on either cache; past it the cache starts over.
    const MAX_ENTRIES: usize = 100_000;

    async fn exists(&self, state: &AppState, org: &str) -> Result<bool, ApiError> {
        if self.registered.lock().expect("cache lock").contains(org) {
            return Ok(true);
        }
        if let Some(at) = self.unknown.lock().expect("cache lock").get(org) {
            if at.elapsed() < Self::NEGATIVE_TTL {
                return Ok(false);
            }
        }
        let id = org.to_string();
        let found = state
            .db(move |conn| {
                Ok(crate::db::register::get_organisation(
                    conn,
                    &Scope::All,
                    &id,
                )?)
            })
            .await?
            .is_some();
        if found {
            let mut registered = self.registered.lock().expect("cache lock");
            if registered.len() >= Self::MAX_ENTRIES {
                registered.clear();
            }
            registered.insert(org.to_string());
            self.unknown.lock().expect("cache lock").remove(org);
        } else {
            let mut unknown = self.unknown.lock().expect("cache lock");
            if unknown.len() >= Self::MAX_ENTRIES {
                unknown.retain(|_, at| at.elapsed() < Self::NEGATIVE_TTL);
            }
            unknown.insert(org.to_string(), Instant::now());
        }
        Ok(found)
    }
}

/// The caller of a request that carries the pages' session cookie.
async fn from_session(req: &HttpRequest) -> Result<Caller, ApiError> {
    let (session, account) = crate::http::session::signed_in(req)
        .await?
        .ok_or_else(|| ApiError::unauthorized("The session has expired; sign in again."))?;
    if !req.method().is_safe() {
        let sent = req
            .headers()
            .get(crate::http::session::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !crate::service::accounts::same_secret(&session.csrf_token, sent) {
            return Err(ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "csrf_failed",
                "A request with the session cookie that changes data needs the session's `X-CSRF-Token` header.",
            ));
        }
    }
    account_caller(&account)
}

/// An account acts with its role and organisation, as a token would; the
/// audit trail names it `account:<id>`.
pub fn account_caller(account: &crate::db::accounts::AccountRow) -> Result<Caller, ApiError> {
    let role: Role = serde_json::from_value(serde_json::Value::from(account.role.as_str()))
        .map_err(|_| ApiError::internal(anyhow::anyhow!("account with an unknown role")))?;
    // Without its organisation a provider role would read every one.
    if role.needs_org() && account.organisation_id.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::forbidden(
            "This account belongs to no organisation; ask an administrator to fix it.",
        ));
    }
    Ok(Caller {
        sub: format!("account:{}", account.id),
        role,
        org: account.organisation_id.clone(),
        api_key_id: None,
        reads: Default::default(),
        probes: Default::default(),
    })
}

async fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("Missing `Authorization: Bearer <token>` header."))?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::unauthorized("Malformed Authorization header."))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("The Authorization header must be `Bearer <token>`.")
        })?;
    if Presented::looks_like_key(token) {
        return key_caller(req, token).await;
    }
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("JwtKeys missing from app data")))?;
    let claims = keys.verify(token)?;
    Ok(Caller {
        sub: claims.sub,
        role: claims.role,
        org: claims.org,
        api_key_id: None,
        reads: Default::default(),
        probes: Default::default(),
    })
}

/// The caller an API key stands for: found by its prefix, its hash compared
/// in constant time, refused once revoked or expired.
async fn key_caller(req: &HttpRequest, token: &str) -> Result<Caller, ApiError> {
    let invalid = || ApiError::unauthorized("Invalid API key.");
    let presented = Presented::parse(token).ok_or_else(invalid)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing from app data")))?;
    let prefix = presented.prefix.to_string();
    let row = state
        .db(move |conn| Ok(api_keys::by_prefix(conn, &prefix)?))
        .await?
        .filter(|row| presented.matches(&row.secret_hash))
        .ok_or_else(invalid)?;
    let now = state.now().naive_utc();
    api_key::usable(row.revoked_at, row.expires_at, now).map_err(|u| {
        ApiError::unauthorized(match u {
            Unusable::Revoked => "This API key has been revoked.",
            Unusable::Expired => "This API key has expired.",
        })
    })?;
    if api_key::last_used_is_stale(row.last_used_at, now) {
        // Written at most once a minute per key, after the request is
        // answered: a busy integration's reads stay reads.
        let (id, since) = (row.id.clone(), now - api_key::LAST_USED_GRANULARITY);
        actix_web::rt::spawn(async move {
            let touched = state
                .db(move |conn| Ok(api_keys::touch(conn, &id, now, since)?))
                .await;
            if let Err(e) = touched {
                tracing::warn!(error = %e.detail, "could not record an API key's last use");
            }
        });
    }
    let role = Role::parse(&row.role)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("API key with unknown role")))?;
    Ok(Caller {
        sub: format!("api_key:{}", row.id),
        role,
        org: row.organisation_id,
        api_key_id: Some(row.id),
        reads: Default::default(),
        probes: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_of_a_provider_role_without_organisation_reads_nothing() {
        let account = |role: &str, org: Option<&str>| crate::db::accounts::AccountRow {
            id: "a".into(),
            email: "a@x.se".into(),
            name: "A".into(),
            role: role.into(),
            organisation_id: org.map(String::from),
            password_hash: None,
            failed_logins: 0,
            locked_until: None,
            created_at: chrono::NaiveDateTime::default(),
        };
        for role in ["provider", "provider_read"] {
            assert!(account_caller(&account(role, None)).is_err(), "{role}");
            let c = account_caller(&account(role, Some("o"))).unwrap();
            assert_eq!(c.scope(), Scope::Org("o".into()));
        }
        assert_eq!(
            account_caller(&account("auditor", None)).unwrap().scope(),
            Scope::All
        );
    }

    fn keys() -> JwtKeys {
        JwtKeys::from_secret(b"test-secret-test-secret-test-secret")
    }

    fn claims(exp_offset: i64) -> Claims {
        Claims {
            sub: "payroll".into(),
            role: Role::Provider,
            org: Some("org-1".into()),
            exp: chrono::Utc::now().timestamp() + exp_offset,
            iat: None,
        }
    }

    #[test]
    fn round_trip() {
        let k = keys();
        let t = k.issue(&claims(60)).unwrap();
        assert_eq!(k.verify(&t).unwrap().org.as_deref(), Some("org-1"));
    }

    #[test]
    fn expired_is_refused_without_leeway() {
        let k = keys();
        let t = k.issue(&claims(-2)).unwrap();
        assert_eq!(k.verify(&t).unwrap_err().status.as_u16(), 401);
    }

    #[test]
    fn not_before_in_the_future_is_refused() {
        let k = keys();
        let now = chrono::Utc::now().timestamp();
        let with_nbf = |nbf: i64| {
            let mut c = serde_json::to_value(claims(600)).unwrap();
            c["nbf"] = nbf.into();
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &c,
                &EncodingKey::from_secret(b"test-secret-test-secret-test-secret"),
            )
            .unwrap()
        };
        let err = k.verify(&with_nbf(now + 30)).unwrap_err();
        assert_eq!(err.status.as_u16(), 401);
        assert!(k.verify(&with_nbf(now - 1)).is_ok());
    }

    #[test]
    fn other_secret_is_refused() {
        let t = JwtKeys::from_secret(b"another").issue(&claims(60)).unwrap();
        assert!(keys().verify(&t).is_err());
    }

    #[test]
    fn alg_none_and_hs512_are_refused() {
        use base64_like::encode;
        let body = encode(&serde_json::to_vec(&claims(60)).unwrap());
        let none = format!("{}.{}.", encode(br#"{"alg":"none","typ":"JWT"}"#), body);
        assert!(keys().verify(&none).is_err());
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims(60),
            &EncodingKey::from_secret(b"test-secret-test-secret-test-secret"),
        )
        .unwrap();
        assert!(keys().verify(&hs512).is_err());
    }

    #[test]
    fn provider_needs_org_and_role_is_required() {
        let k = keys();
        let mut c = claims(60);
        c.org = None;
        assert!(k.verify(&k.issue(&c).unwrap()).is_err());
        let no_role = serde_json::json!({"sub": "x", "exp": chrono::Utc::now().timestamp() + 60});
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &no_role,
            &EncodingKey::from_secret(b"test-secret-test-secret-test-secret"),
        )
        .unwrap();
        assert!(k.verify(&t).is_err());
        let no_exp = serde_json::json!({"sub": "x", "role": "admin"});
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &no_exp,
            &EncodingKey::from_secret(b"test-secret-test-secret-test-secret"),
        )
        .unwrap();
        assert!(k.verify(&t).is_err());
    }

    /// URL-safe base64 without padding, enough to forge an unsigned token.
    mod base64_like {
        pub fn encode(bytes: &[u8]) -> String {
            const A: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let b = [
                    chunk[0],
                    *chunk.get(1).unwrap_or(&0),
                    *chunk.get(2).unwrap_or(&0),
                ];
                let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
                for i in 0..=chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        }
    }
}
