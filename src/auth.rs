//! JWT bearer authentication (HS256) and the caller's rights.
//!
//! Roles: `admin` manages organisations and rates and reads everything;
//! `provider` reads and writes its own organisation's data only; `auditor`
//! reads everything and writes nothing.
//!
//! The API takes bearer tokens; the pages' session cookie works too (the
//! pages call the same API), and then a request that changes anything must
//! carry the session's CSRF token in `X-CSRF-Token`.

use std::future::ready;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::db::Scope;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Provider,
    Auditor,
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
        // validation. No leeway: an expired token is expired.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = true;
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
        if claims.role == Role::Provider && claims.org.as_deref().is_none_or(str::is_empty) {
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
    pub sub: String,
    pub role: Role,
    pub org: Option<String>,
}

impl Caller {
    pub fn scope(&self) -> Scope {
        match (self.role, &self.org) {
            (Role::Provider, Some(org)) => Scope::Org(org.clone()),
            _ => Scope::All,
        }
    }

    /// The organisation a provider writes to; other roles may not write
    /// organisation data.
    pub fn writer_org(&self) -> Result<&str, ApiError> {
        match self.role {
            Role::Provider => Ok(self.org.as_deref().unwrap_or_default()),
            Role::Auditor => Err(ApiError::forbidden("Auditors have read-only access.")),
            Role::Admin => Err(ApiError::forbidden(
                "Organisation data is written with a provider token for that organisation.",
            )),
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Auditor => Err(ApiError::forbidden("Auditors have read-only access.")),
            Role::Provider => Err(ApiError::forbidden("This needs an admin token.")),
        }
    }

    /// The actor recorded in the audit trail.
    pub fn actor(&self) -> String {
        format!(
            "{}:{}",
            serde_json::to_value(self.role)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            self.sub
        )
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A bearer token wins; the session cookie only when there is none.
        let has_session = req
            .cookie(crate::http::session::SESSION_COOKIE)
            .is_some_and(|c| !c.value().is_empty());
        if req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION)
            || !has_session
        {
            return Box::pin(ready(authenticate(req)));
        }
        let req = req.clone();
        Box::pin(async move { from_session(&req).await })
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
    Ok(Caller {
        sub: format!("account:{}", account.id),
        role,
        org: account.organisation_id.clone(),
    })
}

fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("JwtKeys missing from app data")))?;
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
    let claims = keys.verify(token)?;
    Ok(Caller {
        sub: claims.sub,
        role: claims.role,
        org: claims.org,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
