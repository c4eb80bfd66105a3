//! `Idempotency-Key`: a request sent again with the same key gets the first
//! reply, byte for byte; the same key with another request is refused.
//!
//! The record is written in the caller's write transaction, with the work it
//! stands for, so a refused or failed request leaves no key behind.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::{idempotency, DbConn};
use crate::error::{ApiError, ApiResult};

/// The reply to an idempotent request: status, JSON body and, for a 201,
/// the `Location` of what was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    /// A stored reply sent again (`Idempotent-Replayed: true`).
    pub replayed: bool,
}

impl Reply {
    /// A reply with `body` as JSON.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        Reply::raw(
            status,
            serde_json::to_string(body).expect("replies serialise"),
        )
    }

    /// A reply with an already serialised JSON body.
    pub fn raw(status: u16, body: String) -> Self {
        Reply {
            status,
            body,
            location: None,
            replayed: false,
        }
    }

    /// 201 with `body` and the `Location` of the created record.
    pub fn created(location: impl Into<String>, body: &impl Serialize) -> Self {
        Reply::json(201, body).at(location)
    }

    /// This reply with `Location: location`.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

/// One request's use of an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The caller's organisation ("" for a caller of none, an admin).
    pub org: String,
    /// The caller's credential (`Caller::actor`): a stored reply, which may
    /// hold a secret shown once (an API key's, an invitation link), is only
    /// ever replayed to the credential whose request made it.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the method, path, query and content of the request: the
    /// same key sent to another endpoint is another request, so refused.
    pub request_hash: String,
}

impl Idempotency {
    /// The write lock a request with this key takes along with its own, so
    /// that two requests with one key run one after the other.
    pub fn lock_key(&self) -> String {
        format!("idempotency:{}:{}", self.org, self.key)
    }

    /// The reply stored for this key, if any (marked replayed). A stored key
    /// whose request hash differs is 422 `idempotency_key_reused`.
    pub fn replay(&self, conn: &mut DbConn) -> ApiResult<Option<Reply>> {
        let Some(stored) = idempotency::find(conn, &self.org, &self.scope, &self.key)? else {
            return Ok(None);
        };
        if stored.request_hash != self.request_hash {
            return Err(ApiError::unprocessable(
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different request; use a new key.",
            ));
        }
        Ok(Some(Reply {
            status: stored.status as u16,
            body: stored.response,
            location: stored.location,
            replayed: true,
        }))
    }

    fn store(&self, conn: &mut DbConn, reply: &Reply, now: NaiveDateTime) -> ApiResult<()> {
        idempotency::store(
            conn,
            &idempotency::StoredResponse {
                organisation_id: self.org.clone(),
                scope: self.scope.clone(),
                idempotency_key: self.key.clone(),
                request_hash: self.request_hash.clone(),
                status: i32::from(reply.status),
                response: reply.body.clone(),
                created_at: now,
                location: reply.location.clone(),
            },
        )?;
        Ok(())
    }
}

/// Runs `work` once per Idempotency-Key: a repeat of the request returns the
/// first reply; another request with the key is refused; without a key
/// `work` just runs. Runs inside the caller's write transaction, which must
/// hold [`Idempotency::lock_key`].
pub fn idempotent(
    conn: &mut DbConn,
    idem: Option<&Idempotency>,
    now: NaiveDateTime,
    work: impl FnOnce(&mut DbConn) -> ApiResult<Reply>,
) -> ApiResult<Reply> {
    let Some(idem) = idem else {
        return work(conn);
    };
    if let Some(reply) = idem.replay(conn)? {
        return Ok(reply);
    }
    let reply = work(conn)?;
    idem.store(conn, &reply, now)?;
    Ok(reply)
}
