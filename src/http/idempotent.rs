//! The one way a POST handler writes: with an `Idempotency-Key` its work
//! runs once, in a write transaction that stores the reply with it, and a
//! retry gets that reply again (`Idempotent-Replayed: true`), status,
//! `Location` and body alike. docs/integrations.md describes the contract.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::extract::idempotency_key;
use super::AppState;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::http::auth::Caller;
pub use crate::service::idempotency::Reply;
use crate::service::idempotency::{idempotent, Idempotency};

/// SHA-256 of a request's JSON body, put in the request's extensions by the
/// `Json` extractor when the request has an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct BodyHash(pub String);

/// The request's `Idempotency-Key` use, if it sent one: scoped to the
/// caller's organisation and credential; `content` is the hash of what the
/// request asks (its body, or a file's digest).
pub fn of(caller: &Caller, req: &HttpRequest, content: &str) -> ApiResult<Option<Idempotency>> {
    let Some(key) = idempotency_key(req)? else {
        return Ok(None);
    };
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update(b" ");
    h.update(req.path());
    h.update(b"?");
    h.update(req.query_string());
    h.update(b"\n");
    h.update(content);
    Ok(Some(Idempotency {
        org: caller.org.clone().unwrap_or_default(),
        scope: caller.actor(),
        key,
        request_hash: hex::encode(h.finalize()),
    }))
}

/// The hash of the request's JSON body (see [`BodyHash`]); of nothing for a
/// request without one.
pub fn body_hash(req: &HttpRequest) -> String {
    req.extensions()
        .get::<BodyHash>()
        .map(|h| h.0.clone())
        .unwrap_or_default()
}

/// Runs a POST handler's `work` (on the blocking pool) once per
/// `Idempotency-Key`, and answers with its reply.
pub async fn write<F>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    work: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConn) -> ApiResult<Reply> + Send + 'static,
{
    write_hashed(state, caller, req, &body_hash(req), work).await
}

/// [`write`] for a request whose content is not a JSON body (an upload):
/// `content` is its hash.
pub async fn write_hashed<F>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    content: &str,
    work: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConn) -> ApiResult<Reply> + Send + 'static,
{
    let idem = of(caller, req, content)?;
    let now = state.now().naive_utc();
    let reply = state
        .db(move |conn| match idem {
            None => work(conn),
            Some(idem) => conn.write_transaction(&[idem.lock_key()], |conn| {
                idempotent(conn, Some(&idem), now, work)
            }),
        })
        .await?;
    Ok(respond(reply))
}

/// A reply as sent: its status, `Location`, JSON body, and
/// `Idempotent-Replayed: true` when it is a stored one sent again.
pub fn respond(reply: Reply) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK));
    res.content_type("application/json");
    if let Some(location) = &reply.location {
        res.insert_header((header::LOCATION, location.as_str()));
    }
    if reply.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.body(reply.body)
}
