//! `Idempotency-Key`: a request sent again with the same key gets the first
//! reply, byte for byte; the same key with another request is refused.
//!
//! The record is written in the caller's write transaction, with the work it
//! stands for, so a refused or failed request leaves no key behind.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::{idempotency, DbConn};
use crate::error::{ApiError, ApiResult};

/// The stored reply to an idempotent request: status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// A reply with `body` as JSON.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        Reply {
            status,
            body: serde_json::to_string(body).expect("replies serialise"),
        }
    }
}

/// The write lock a request with `key` takes along with its own, so that two
/// requests with one key run one after the other.
pub fn lock_key(org: &str, key: &str) -> String {
    format!("idempotency:{org}:{key}")
}

/// The reply stored for (organisation, scope, key), if any. A stored key
/// whose request hash differs is 422 `idempotency_key_reused`.
pub fn replay(
    conn: &mut DbConn,
    org: &str,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> ApiResult<Option<Reply>> {
    let Some(stored) = idempotency::find(conn, org, scope, key)? else {
        return Ok(None);
    };
    if stored.request_hash != request_hash {
        return Err(ApiError::unprocessable(
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request; use a new key.",
        ));
    }
    Ok(Some(Reply {
        status: stored.status as u16,
        body: stored.response,
    }))
}

/// Runs `work` once per (organisation, scope, Idempotency-Key): a repeat with
/// the same request returns the first reply; with another request it is
/// refused. Runs inside the caller's write transaction, which must hold the
/// lock `idempotency:{org}:{key}`.
pub fn idempotent(
    conn: &mut DbConn,
    org: &str,
    scope: &str,
    key: Option<&str>,
    request_hash: &str,
    now: NaiveDateTime,
    work: impl FnOnce(&mut DbConn) -> ApiResult<Reply>,
) -> ApiResult<Reply> {
    if let Some(key) = key {
        if let Some(reply) = replay(conn, org, scope, key, request_hash)? {
            return Ok(reply);
        }
    }
    let reply = work(conn)?;
    if let Some(key) = key {
        idempotency::store(
            conn,
            &idempotency::StoredResponse {
                organisation_id: org.to_string(),
                scope: scope.to_string(),
                idempotency_key: key.to_string(),
                request_hash: request_hash.to_string(),
                status: i32::from(reply.status),
                response: reply.body.clone(),
                created_at: now,
            },
        )?;
    }
    Ok(reply)
}
