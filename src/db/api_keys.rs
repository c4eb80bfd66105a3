//! API keys (`domain::api_key`): stored by hash, found by prefix, revoked
//! rather than deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::page::Page;
use super::schema::api_keys;
use super::{DbConn, Scope};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    /// `None` for an `admin` or `auditor` key, which see every organisation.
    pub organisation_id: Option<String>,
    pub name: String,
    pub role: String,
    pub prefix: String,
    pub secret_hash: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &ApiKeyRow) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The key a presented secret names, by its unique prefix.
pub fn by_prefix(conn: &mut DbConn, prefix: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// A key the scope may see (a provider sees its organisation's keys; keys
/// of no organisation only to those who see everything).
pub fn get(conn: &mut DbConn, scope: &Scope, id: &str) -> QueryResult<Option<ApiKeyRow>> {
    let mut q = api_keys::table.filter(api_keys::id.eq(id)).into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(api_keys::organisation_id.eq(org.to_string()));
    }
    q.select(ApiKeyRow::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConn, scope: &Scope, page: &Page) -> QueryResult<Vec<ApiKeyRow>> {
    let mut q = api_keys::table.into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(api_keys::organisation_id.eq(org.to_string()));
    }
    if let Some(after) = &page.after {
        q = q.filter(api_keys::id.gt(after.clone()));
    }
    q.order(api_keys::id.asc())
        .limit(page.limit + 1)
        .select(ApiKeyRow::as_select())
        .load(conn)
}

/// Revokes a key from `at` on; a key already revoked keeps its first time.
pub fn revoke(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(at))
    .execute(conn)
    .map(drop)
}

/// Records a use at `at` unless one at most `since` ago is recorded already
/// (two instances racing write once, or twice harmlessly).
pub fn touch(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    since: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        api_keys::table.filter(api_keys::id.eq(id)).filter(
            api_keys::last_used_at
                .is_null()
                .or(api_keys::last_used_at.le(since)),
        ),
    )
    .set(api_keys::last_used_at.eq(at))
    .execute(conn)
    .map(drop)
}
