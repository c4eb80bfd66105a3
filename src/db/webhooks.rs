//! Webhooks: the targets an organisation's events are delivered to, and the
//! lease by which one delivery worker (of possibly several instances) has
//! a webhook to itself while it delivers. Deliveries are
//! `db::webhook_deliveries`.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::page::Page;
use super::schema::{events, webhook_deliveries, webhooks};
use super::{DbConn, Scope};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub organisation_id: String,
    pub url: String,
    /// The event types delivered, as a JSON array of wire names.
    pub event_types: String,
    /// `whsec_…`, as issued: every delivery is signed with it.
    pub secret: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The last event (`events.seq`) this webhook has dealt with.
    pub cursor_seq: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
}

impl WebhookRow {
    /// The event types it receives (wire names).
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }
}

pub fn insert(conn: &mut DbConn, row: &WebhookRow) -> QueryResult<()> {
    diesel::insert_into(webhooks::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A webhook the scope may see.
pub fn get(conn: &mut DbConn, scope: &Scope, id: &str) -> QueryResult<Option<WebhookRow>> {
    let mut q = webhooks::table.filter(webhooks::id.eq(id)).into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(webhooks::organisation_id.eq(org.to_string()));
    }
    q.select(WebhookRow::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConn, scope: &Scope, page: &Page) -> QueryResult<Vec<WebhookRow>> {
    let mut q = webhooks::table.into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(webhooks::organisation_id.eq(org.to_string()));
    }
    if let Some(after) = &page.after {
        q = q.filter(webhooks::id.gt(after.clone()));
    }
    q.order(webhooks::id.asc())
        .limit(page.limit + 1)
        .select(WebhookRow::as_select())
        .load(conn)
}

/// Changes a webhook's target and types.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    url: &str,
    event_types: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(webhooks::table.filter(webhooks::id.eq(id)))
        .set((
            webhooks::url.eq(url),
            webhooks::event_types.eq(event_types),
            webhooks::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Deletes a webhook and its deliveries.
pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
        .execute(conn)?;
    diesel::delete(webhooks::table.filter(webhooks::id.eq(id)))
        .execute(conn)
        .map(drop)
}

/// The last event recorded so far: a new webhook starts after it.
pub fn last_event_seq(conn: &mut DbConn) -> QueryResult<i64> {
    events::table
        .select(diesel::dsl::max(events::seq))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// Claims up to `limit` webhooks with work due at `now` whose lease is free
/// (never taken, released, or expired), for `owner` until `until`.
///
/// Due: a pending delivery whose next attempt is due, or no pending
/// delivery and an event of the organisation after the webhook's cursor.
/// On PostgreSQL the candidates are locked `FOR UPDATE SKIP LOCKED`, so
/// instances claiming at once each get other webhooks without waiting; the
/// lease itself is what keeps a webhook to one worker while it delivers
/// (no transaction stays open across an HTTP request). SQLite has one
/// writer at a time.
pub fn claim_due(
    conn: &mut DbConn,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<WebhookRow>> {
    macro_rules! due {
        () => {{
            let pending = webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(webhooks::id))
                .filter(webhook_deliveries::status.eq(PENDING));
            let retry_due = pending
                .clone()
                .filter(webhook_deliveries::next_attempt_at.le(now));
            let new_event = events::table
                .filter(events::organisation_id.eq(webhooks::organisation_id))
                .filter(events::seq.gt(webhooks::cursor_seq));
            webhooks::table
                .filter(
                    webhooks::lease_until
                        .is_null()
                        .or(webhooks::lease_until.lt(now)),
                )
                .filter(exists(retry_due).or(not(exists(pending)).and(exists(new_event))))
                .order(webhooks::id.asc())
                .limit(limit)
                .select(webhooks::id)
        }};
    }
    // Most polls find nothing: look first without the write lock.
    let any: Vec<String> = match conn {
        DbConn::Postgres(c) => due!().load(c)?,
        DbConn::Sqlite(c) => due!().load(c)?,
    };
    if any.is_empty() {
        return Ok(Vec::new());
    }
    conn.write_transaction(&[], |conn| {
        let ids: Vec<String> = match conn {
            DbConn::Postgres(c) => due!().for_update().skip_locked().load(c)?,
            DbConn::Sqlite(c) => due!().load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(
            webhooks::table.filter(webhooks::id.eq_any(&ids)).filter(
                webhooks::lease_until
                    .is_null()
                    .or(webhooks::lease_until.lt(now)),
            ),
        )
        .set((
            webhooks::lease_owner.eq(owner),
            webhooks::lease_until.eq(until),
        ))
        .execute(conn)?;
        webhooks::table
            .filter(webhooks::id.eq_any(&ids))
            .filter(webhooks::lease_owner.eq(owner))
            .select(WebhookRow::as_select())
            .load(conn)
    })
}

/// Extends `owner`'s lease of a webhook to `until`; `false` when the lease
/// was lost (expired and taken by another worker, or the webhook deleted).
pub fn renew(conn: &mut DbConn, id: &str, owner: &str, until: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(id))
            .filter(webhooks::lease_owner.eq(owner)),
    )
    .set(webhooks::lease_until.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives a webhook's lease back, so any worker may claim it when it next
/// has work.
pub fn release(conn: &mut DbConn, id: &str, owner: &str) -> QueryResult<()> {
    diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(id))
            .filter(webhooks::lease_owner.eq(owner)),
    )
    .set((
        webhooks::lease_owner.eq(None::<String>),
        webhooks::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(drop)
}

/// Moves a webhook's cursor to `seq`.
pub fn advance(conn: &mut DbConn, id: &str, seq: i64) -> QueryResult<()> {
    diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(id))
            .filter(webhooks::cursor_seq.lt(seq)),
    )
    .set(webhooks::cursor_seq.eq(seq))
    .execute(conn)
    .map(drop)
}

/// A delivery's status while it is still to be (re)tried.
pub const PENDING: &str = "pending";
/// A delivery the target accepted (2xx).
pub const DELIVERED: &str = "delivered";
/// A delivery given up after retrying for the retry period.
pub const FAILED: &str = "failed";
