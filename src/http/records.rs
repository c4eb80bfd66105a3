//! The shapes the handlers of stored records share: read one record the
//! caller may see (and what hangs off it), and change one record of the
//! caller's organisation under its lock. (A page of a list is
//! `pagination::respond`.)

use actix_web::web;

use super::AppState;
use crate::db::{DbConn, Scope};
use crate::error::{ApiError, ApiResult};

/// A kind of record that handlers read and change by id: its name in a
/// 404 ("Decision not found") and how storage finds one within a scope.
pub struct Record<R> {
    pub what: &'static str,
    pub read: fn(&mut DbConn, &Scope, &str) -> diesel::QueryResult<Option<R>>,
}

impl<R> Clone for Record<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Record<R> {}

impl<R: Send + 'static> Record<R> {
    /// The record if `scope` may see it, else 404.
    pub fn find(self, conn: &mut DbConn, scope: &Scope, id: &str) -> ApiResult<R> {
        (self.read)(conn, scope, id)?.ok_or_else(|| ApiError::not_found(self.what))
    }

    /// `GET /{records}/{id}`: the record if the caller may see it, else 404.
    pub async fn get(self, state: &AppState, scope: Scope, id: web::Path<String>) -> ApiResult<R> {
        self.with(state, scope, id, |_, row| Ok(row)).await
    }

    /// Reads the record (404 if the caller may not see it), then runs `then`
    /// with it on the same connection: for what hangs off a record
    /// (versions, audit entries).
    pub async fn with<T, F>(
        self,
        state: &AppState,
        scope: Scope,
        id: web::Path<String>,
        then: F,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, R) -> ApiResult<T> + Send + 'static,
    {
        let id = id.into_inner();
        state
            .db(move |conn| {
                let row = self.find(conn, &scope, &id)?;
                then(conn, row)
            })
            .await
    }

    /// `PATCH /{records}/{id}`: runs `change` on the record if it is `org`'s
    /// (else 404), in a write transaction holding `record:{id}` so that two
    /// changes of one record never interleave. `change` returns the record as
    /// stored.
    pub async fn change<F>(
        self,
        state: &AppState,
        org: &str,
        id: web::Path<String>,
        change: F,
    ) -> ApiResult<R>
    where
        F: FnOnce(&mut DbConn, R) -> ApiResult<R> + Send + 'static,
    {
        let (scope, id) = (Scope::Org(org.to_string()), id.into_inner());
        state
            .db(move |conn| {
                conn.write_transaction(&[format!("record:{id}")], |conn| {
                    let row = self.find(conn, &scope, &id)?;
                    change(conn, row)
                })
            })
            .await
    }

    /// `DELETE /{records}/{id}`: deletes the record if it is `org`'s (else
    /// 404), in a write transaction holding `record:{id}`. `dependents`
    /// names what still depends on it (kind → ids); anything there is 409
    /// `in_use` naming them, else `delete` runs and the deletion is audited
    /// as `entity` by `actor`.
    pub async fn remove<D, X>(
        self,
        state: &AppState,
        (org, actor): (&str, String),
        entity: &'static str,
        id: web::Path<String>,
        dependents: D,
        delete: X,
    ) -> ApiResult<()>
    where
        D: FnOnce(&mut DbConn, &R) -> diesel::QueryResult<Vec<(&'static str, Vec<String>)>>
            + Send
            + 'static,
        X: FnOnce(&mut DbConn, &str) -> diesel::QueryResult<()> + Send + 'static,
    {
        let (scope, id, org) = (
            Scope::Org(org.to_string()),
            id.into_inner(),
            org.to_string(),
        );
        let now = state.now().naive_utc();
        let what = self.what;
        state
            .db(move |conn| {
                conn.write_transaction(&[format!("record:{id}")], |conn| {
                    let row = self.find(conn, &scope, &id)?;
                    let uses: Vec<_> = dependents(conn, &row)?
                        .into_iter()
                        .filter(|(_, ids)| !ids.is_empty())
                        .collect();
                    if !uses.is_empty() {
                        return Err(in_use(what, uses));
                    }
                    delete(conn, &id)?;
                    crate::db::audit::record(
                        conn,
                        crate::db::audit::AuditEntry {
                            organisation_id: Some(&org),
                            actor: &actor,
                            action: "delete",
                            entity,
                            entity_id: &id,
                            content_hash: None,
                            reason: None,
                            at: now,
                        },
                    )?;
                    Ok(())
                })
            })
            .await
    }
}

/// 409 `in_use`: the record cannot be deleted while these depend on it;
/// each kind is a member listing the ids (`time_reports`: [...]).
fn in_use(what: &str, uses: Vec<(&'static str, Vec<String>)>) -> ApiError {
    let names: Vec<String> = uses
        .iter()
        .map(|(kind, ids)| format!("{} {}", ids.len(), kind.replace('_', " ")))
        .collect();
    let mut e = ApiError::conflict(
        "in_use",
        format!(
            "{what} cannot be deleted: {} depend on it.",
            names.join(" and ")
        ),
    );
    for (kind, ids) in uses {
        e = e.with(kind, ids);
    }
    e
}

/// Records a change of an organisation's record that has no content hash
/// or reason (an organisation, a webhook, a representative, a signatory),
/// in the write's transaction.
pub fn audit_change(
    conn: &mut DbConn,
    org: &str,
    actor: &str,
    action: &str,
    entity: &str,
    id: &str,
    at: chrono::NaiveDateTime,
) -> diesel::QueryResult<()> {
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEntry {
            organisation_id: Some(org),
            actor,
            action,
            entity,
            entity_id: id,
            content_hash: None,
            reason: None,
            at,
        },
    )
}
