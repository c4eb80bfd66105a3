//! The audit trail: who changed and who read what. Rows are inserted and
//! never updated; read entries older than the retention are deleted
//! ([`purge_reads`]), the trail of changes is kept with the record.

use std::cell::RefCell;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::DbConn;

thread_local! {
    /// The id of the request whose database work runs on this thread, so
    /// that every entry written for it names it without each writer passing
    /// it along (set around the work by the HTTP layer).
    static REQUEST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` with `request_id` as the request of the entries it writes.
pub fn with_request<T>(request_id: Option<String>, f: impl FnOnce() -> T) -> T {
    let previous = REQUEST_ID.with(|r| r.replace(request_id));
    let out = f();
    REQUEST_ID.with(|r| *r.borrow_mut() = previous);
    out
}

/// The request the work on this thread answers, if known.
pub fn current_request() -> Option<String> {
    REQUEST_ID.with(|r| r.borrow().clone())
}

pub struct AuditEntry<'a> {
    pub organisation_id: Option<&'a str>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub content_hash: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub at: NaiveDateTime,
}

pub fn record(conn: &mut DbConn, e: AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(uuid::Uuid::new_v4().to_string()),
            audit_log::organisation_id.eq(e.organisation_id),
            audit_log::actor.eq(e.actor),
            audit_log::action.eq(e.action),
            audit_log::entity.eq(e.entity),
            audit_log::entity_id.eq(e.entity_id),
            audit_log::content_hash.eq(e.content_hash),
            audit_log::reason.eq(e.reason),
            audit_log::at.eq(e.at),
            audit_log::request_id.eq(current_request()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub organisation_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub content_hash: Option<String>,
    pub reason: Option<String>,
    pub at: NaiveDateTime,
    /// The request that wrote it (`x-request-id`); `None` before issue 15.
    pub request_id: Option<String>,
    /// A list read or an export: the ids it returned, comma separated.
    pub subject_ids: Option<String>,
}

/// Entries written together (a file's submissions), as multi-row inserts.
pub fn insert_rows(conn: &mut DbConn, rows: &[AuditRow]) -> QueryResult<()> {
    let request = current_request();
    let filled: Vec<AuditRow>;
    let rows = if request.is_some() && rows.iter().any(|r| r.request_id.is_none()) {
        filled = rows
            .iter()
            .cloned()
            .map(|mut r| {
                r.request_id = r.request_id.or_else(|| request.clone());
                r
            })
            .collect();
        &filled[..]
    } else {
        rows
    };
    for chunk in rows.chunks(2000) {
        let insert = diesel::insert_into(audit_log::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// The trail of changes to one record (not its reads), oldest first.
pub fn for_entity(conn: &mut DbConn, entity: &str, entity_id: &str) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .filter(audit_log::action.ne("read"))
        .order((audit_log::at.asc(), audit_log::id.asc()))
        .select(AuditRow::as_select())
        .load(conn)
}

/// What `GET /audit` asks for; every filter optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this organisation's entries (a provider's scope).
    pub organisation_id: Option<String>,
    pub entity: Option<String>,
    /// The subject itself, or a list read or export that returned it.
    pub subject_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<NaiveDateTime>,
    /// Exclusive.
    pub to: Option<NaiveDateTime>,
    /// Entries after this one in (at, id) order.
    pub after: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

/// Entries matching `f`, oldest first, at most `f.limit`.
pub fn search(conn: &mut DbConn, f: &AuditFilter) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table.into_boxed();
    if let Some(org) = &f.organisation_id {
        q = q.filter(audit_log::organisation_id.eq(org.clone()));
    }
    if let Some(entity) = &f.entity {
        q = q.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(id) = &f.subject_id {
        q = q.filter(
            audit_log::entity_id
                .eq(id.clone())
                .or(audit_log::subject_ids.like(like_pattern(id))),
        );
    }
    if let Some(actor) = &f.actor {
        q = q.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_log::at.lt(to));
    }
    if let Some((at, id)) = &f.after {
        q = q.filter(
            audit_log::at
                .gt(*at)
                .or(audit_log::at.eq(*at).and(audit_log::id.gt(id.clone()))),
        );
    }
    q.order((audit_log::at.asc(), audit_log::id.asc()))
        .limit(f.limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// `%,<id>,%` over the ids stored as `,a,b,c,`. Stored ids are UUIDs or
/// `kind:…` tokens, never holding `%`, `,` or a backslash, so those are dropped
/// (a `_` is a one-character wildcard that also matches itself).
fn like_pattern(id: &str) -> String {
    let plain: String = id
        .chars()
        .filter(|c| !matches!(c, '%' | '\\' | ','))
        .collect();
    format!("%,{plain},%")
}

/// The ids of a list read or export as stored: `,a,b,c,` (so that one id
/// is found with a LIKE without matching a longer one).
pub fn joined_ids<S: AsRef<str>>(ids: &[S]) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let mut s = String::with_capacity(ids.len() * 37 + 1);
    s.push(',');
    for id in ids {
        s.push_str(id.as_ref());
        s.push(',');
    }
    Some(s)
}

/// The ids of a stored `subject_ids`.
pub fn split_ids(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Deletes read entries written before `before`; the trail of changes is
/// part of the record and stays. Returns how many went.
pub fn purge_reads(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        audit_log::table
            .filter(audit_log::action.eq("read"))
            .filter(audit_log::at.lt(before)),
    )
    .execute(conn)
}
