//! Webhook deliveries: one row per (webhook, event) to deliver, with its
//! attempts. A webhook has at most one `pending` delivery; the next event
//! gets its row only once that one is delivered or given up, which keeps
//! deliveries in commit order.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events::EventRow;
use super::schema::{events, webhook_deliveries, webhooks};
use super::webhooks::{self as hooks, WebhookRow, DELIVERED, FAILED, PENDING};
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub event_seq: i64,
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub first_attempt_at: Option<NaiveDateTime>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
}

/// Events read per query while looking for the next one a webhook takes.
const SCAN: i64 = 200;

/// The delivery `hook` is to attempt at `now`, with its event: its pending
/// delivery if that is due, else a new one for the next event of its
/// organisation and types after its cursor (moving the cursor past the
/// events it does not take). `None` when nothing is due now.
pub fn next(
    conn: &mut DbConn,
    hook: &WebhookRow,
    now: NaiveDateTime,
) -> QueryResult<Option<(DeliveryRow, EventRow)>> {
    conn.write_transaction(&[], |conn| {
        let pending = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(&hook.id))
            .filter(webhook_deliveries::status.eq(PENDING))
            .select(DeliveryRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(d) = pending {
            if d.next_attempt_at.is_some_and(|t| t > now) {
                return Ok(None);
            }
            let event = events::table
                .filter(events::seq.eq(d.event_seq))
                .select(EventRow::as_select())
                .first(conn)?;
            return Ok(Some((d, event)));
        }
        // The cursor as stored now (the row passed in may be older).
        let mut cursor: i64 = webhooks::table
            .filter(webhooks::id.eq(&hook.id))
            .select(webhooks::cursor_seq)
            .first(conn)?;
        let types = hook.types();
        loop {
            let batch: Vec<EventRow> = events::table
                .filter(events::organisation_id.eq(&hook.organisation_id))
                .filter(events::seq.gt(cursor))
                .order(events::seq.asc())
                .limit(SCAN)
                .select(EventRow::as_select())
                .load(conn)?;
            let Some(last) = batch.last().map(|e| e.seq) else {
                return Ok(None);
            };
            if let Some(event) = batch.into_iter().find(|e| types.contains(&e.event_type)) {
                let d = DeliveryRow {
                    id: super::new_id(),
                    webhook_id: hook.id.clone(),
                    event_seq: event.seq,
                    event_id: event.id.clone(),
                    event_type: event.event_type.clone(),
                    status: PENDING.to_string(),
                    attempts: 0,
                    created_at: now,
                    first_attempt_at: None,
                    last_attempt_at: None,
                    last_status_code: None,
                    last_error: None,
                    next_attempt_at: Some(now),
                    delivered_at: None,
                };
                diesel::insert_into(webhook_deliveries::table)
                    .values(&d)
                    .execute(conn)?;
                hooks::advance(conn, &hook.id, event.seq)?;
                return Ok(Some((d, event)));
            }
            hooks::advance(conn, &hook.id, last)?;
            cursor = last;
        }
    })
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: NaiveDateTime,
    /// The target's status code, if it answered.
    pub status_code: Option<i32>,
    /// Why it failed (no answer, a refused target, a non-2xx status).
    pub error: Option<String>,
    pub delivered: bool,
    /// When to try again; `None` when delivered or given up.
    pub next_attempt_at: Option<NaiveDateTime>,
}

/// Records an attempt of a pending delivery.
pub fn record(conn: &mut DbConn, d: &DeliveryRow, a: &Attempt) -> QueryResult<()> {
    let status = match (a.delivered, a.next_attempt_at) {
        (true, _) => DELIVERED,
        (false, Some(_)) => PENDING,
        (false, None) => FAILED,
    };
    conn.write_transaction(&[], |conn| {
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(&d.id))
                .filter(webhook_deliveries::status.eq(PENDING)),
        )
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::first_attempt_at.eq(d.first_attempt_at.unwrap_or(a.at)),
            webhook_deliveries::last_attempt_at.eq(a.at),
            webhook_deliveries::last_status_code.eq(a.status_code),
            webhook_deliveries::last_error.eq(&a.error),
            webhook_deliveries::next_attempt_at.eq(a.next_attempt_at),
            webhook_deliveries::delivered_at.eq(a.delivered.then_some(a.at)),
        ))
        .execute(conn)
        .map(drop)
    })
}

/// A webhook's deliveries, newest event first, after the delivery of event
/// `before` (a `seq`) when given.
pub fn list(
    conn: &mut DbConn,
    webhook_id: &str,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(webhook_deliveries::event_seq.lt(b));
    }
    q.order(webhook_deliveries::event_seq.desc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// When the earliest pending delivery is next due (the worker sleeps until
/// then at most).
pub fn earliest_due(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
        .first(conn)
}
