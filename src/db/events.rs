//! The event outbox: events are appended in the transaction of the change
//! they describe and read back in commit order.
//!
//! Commit order without gaps: `seq` is taken from the one row of
//! `event_log_head` by an `UPDATE`, whose row lock is held until the
//! transaction ends. A second writer waits on that row until the first has
//! committed (or rolled back), so numbers become visible in increasing order
//! and a rolled-back number is handed out again. A reader that pages by
//! `seq > cursor` therefore never skips an event that commits later with a
//! smaller number, on one instance or many. On SQLite (one writer) the same
//! holds trivially.
//!
//! The lock on the head row must be the last lock a transaction takes, or
//! two writers could wait on each other (one holding the head row, the other
//! a row the first needs next). So events are not written where they
//! happen: [`record`] keeps them in this thread's pending list, and
//! [`DbConn::write_transaction`](super::DbConn::write_transaction) appends
//! them all at its end, just before it commits, and drops them when it rolls
//! back. Every write goes through `write_transaction`, on one thread from
//! start to end, which is what makes a per-thread list exact.

use std::cell::RefCell;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{event_log_head, events};
use super::{DbConn, Scope};

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub organisation_id: String,
    pub event_type: &'static str,
    pub occurred_at: NaiveDateTime,
    /// The event's `data`, as JSON text.
    pub data: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    pub organisation_id: String,
    pub event_type: String,
    pub occurred_at: NaiveDateTime,
    pub data: String,
}

thread_local! {
    /// Events recorded in the write transaction open on this thread
    /// (`None`: no write transaction is open).
    static PENDING: RefCell<Option<Vec<NewEvent>>> = const { RefCell::new(None) };
}

/// Records `event` for the write transaction open on this thread: it is
/// appended when that transaction commits, and never if it rolls back.
/// Outside a write transaction the event is appended at once, in whatever
/// transaction `conn` is in.
pub fn record(conn: &mut DbConn, event: NewEvent) -> QueryResult<()> {
    let outside = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(list) => {
            list.push(event.clone());
            false
        }
        None => true,
    });
    if outside {
        append(conn, vec![event])?;
    }
    Ok(())
}

/// A write transaction's place in the pending list, from its start to its
/// end (when dropped, also on a panic).
pub(super) struct Mark {
    /// `None` for the outermost write transaction, which owns the list; a
    /// nested one's start in it.
    start: Option<usize>,
    committed: bool,
}

impl Mark {
    /// Called when a write transaction starts.
    pub(super) fn begin() -> Mark {
        PENDING.with(|p| {
            let mut p = p.borrow_mut();
            let start = match p.as_ref() {
                Some(list) => Some(list.len()),
                None => {
                    *p = Some(Vec::new());
                    None
                }
            };
            Mark {
                start,
                committed: false,
            }
        })
    }

    /// Called at the end of a write transaction's work, inside it, when the
    /// work succeeded: the outermost transaction appends everything pending
    /// (a nested one leaves that to the outermost).
    pub(super) fn flush(&self, conn: &mut DbConn) -> QueryResult<()> {
        if self.start.is_some() {
            return Ok(());
        }
        let list = PENDING.with(|p| p.borrow_mut().as_mut().map(std::mem::take));
        append(conn, list.unwrap_or_default())?;
        Ok(())
    }

    /// The transaction committed (or its savepoint was released).
    pub(super) fn committed(mut self) {
        self.committed = true;
    }
}

impl Drop for Mark {
    /// The outermost transaction closes the list; a nested one that did not
    /// commit drops what it recorded (its savepoint was rolled back).
    fn drop(&mut self) {
        PENDING.with(|p| {
            let mut p = p.borrow_mut();
            match self.start {
                None => *p = None,
                Some(len) if !self.committed => {
                    if let Some(list) = p.as_mut() {
                        list.truncate(len);
                    }
                }
                Some(_) => {}
            }
        });
    }
}

/// Appends `new` in order and returns the stored rows. The numbers stay
/// reserved (and the head row locked) until the transaction ends.
fn append(conn: &mut DbConn, new: Vec<NewEvent>) -> QueryResult<Vec<EventRow>> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let n = new.len() as i64;
    let last: i64 = diesel::update(event_log_head::table.filter(event_log_head::id.eq(1)))
        .set(event_log_head::last_seq.eq(event_log_head::last_seq + n))
        .returning(event_log_head::last_seq)
        .get_result(conn)?;
    let rows: Vec<EventRow> = new
        .into_iter()
        .zip(last - n + 1..)
        .map(|(e, seq)| EventRow {
            seq,
            id: super::new_id(),
            organisation_id: e.organisation_id,
            event_type: e.event_type.to_string(),
            occurred_at: e.occurred_at,
            data: e.data,
        })
        .collect();
    // Multi-row inserts in chunks well under both backends' bind limits
    // (MultiConnection has no batch insert: each backend does its own).
    for chunk in rows.chunks(1000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| {
                (
                    events::seq.eq(r.seq),
                    events::id.eq(&r.id),
                    events::organisation_id.eq(&r.organisation_id),
                    events::event_type.eq(&r.event_type),
                    events::occurred_at.eq(r.occurred_at),
                    events::data.eq(&r.data),
                )
            })
            .collect();
        let insert = diesel::insert_into(events::table).values(values);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(rows)
}

/// At most `limit` events in scope after `after` (a `seq`), in commit order.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut q = events::table.filter(events::seq.gt(after)).into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(events::organisation_id.eq(org.to_string()));
    }
    q.order(events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}
