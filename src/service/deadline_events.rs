//! `deadline.approaching` (docs/integrations.md): once a day per reminder
//! item that is due within [`DEFAULT_WITHIN_DAYS`] days, counted from today
//! in Europe/Stockholm (`days_left` 0 to 7 inclusive). Overdue items are not
//! "approaching" and are not announced (they would be announced every day
//! for up to a year); the reminders API lists them.
//!
//! An emitter started with the server runs [`run_once`] every interval
//! (`REDOVISA_DEADLINE_EVENTS_INTERVAL_SECONDS`) by the application's clock.
//! Each item is marked for the day (`db::deadline_events`) in the same write
//! transaction as its event, and that transaction takes one lock, so two
//! instances never both announce an item on the same day.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::config::DeadlineEventSettings;
use crate::db::deadline_events as marks;
use crate::db::{DbConn, DbPool, Scope};
use crate::domain::deadline::{stockholm_date, DeadlinePolicy};
use crate::domain::event::EventType;
use crate::domain::reminder::{Reminder, DEFAULT_WITHIN_DAYS};
use crate::service::events;

/// The write lock every run takes: one run at a time, across instances.
const LOCK_KEY: &str = "deadline-events";

/// Whether a reminder is approaching: due today or within the window.
pub fn is_approaching(r: &Reminder) -> bool {
    (0..=DEFAULT_WITHIN_DAYS).contains(&r.days_left)
}

/// What identifies an item from one day to the next: its kind, user and
/// month (reports, invoices) or change notice (birthdays: kind and user).
pub fn item_key(r: &Reminder) -> String {
    let what = match (&r.month, &r.change_notice_id) {
        (Some(m), _) => m.to_string(),
        (None, Some(id)) => id.clone(),
        (None, None) => String::new(),
    };
    format!("{}:{}:{}", r.kind.as_str(), r.assistance_user_id, what)
}

/// The event's `data`: the item as `GET /api/v1/reminders` returns it (ids,
/// month and dates only; no personnummer, no name).
pub fn data_of(r: &Reminder) -> Value {
    let mut v = json!({
        "kind": r.kind.as_str(),
        "organisation_id": r.organisation_id,
        "assistance_user_id": r.assistance_user_id,
        "due_date": r.due_date,
        "days_left": r.days_left,
        "severity": r.severity.as_str(),
    });
    if let Some(m) = r.month {
        v["month"] = json!(m.to_string());
    }
    if let Some(id) = &r.change_notice_id {
        v["change_notice_id"] = json!(id);
    }
    if let Some(d) = r.internal_due_date {
        v["internal_due_date"] = json!(d);
    }
    v
}

/// Records `deadline.approaching` for every approaching item of every
/// organisation not yet announced on `now`'s Stockholm day; returns how
/// many were recorded.
pub fn run_once(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    policy: DeadlinePolicy,
) -> diesel::QueryResult<usize> {
    let today = stockholm_date(now);
    let approaching: Vec<Reminder> = crate::service::reminders::reminders(
        conn,
        &Scope::All,
        today,
        policy,
        DEFAULT_WITHIN_DAYS,
    )?
    .into_iter()
    .filter(is_approaching)
    .collect();
    conn.write_transaction(&[LOCK_KEY.to_string()], |conn| {
        marks::prune_before(conn, today)?;
        let mut recorded = 0;
        let mut done: HashMap<String, HashSet<String>> = HashMap::new();
        for r in &approaching {
            let org = &r.organisation_id;
            if !done.contains_key(org) {
                done.insert(org.clone(), marks::marked(conn, org, today)?);
            }
            let key = item_key(r);
            if !done.get_mut(org).is_some_and(|d| d.insert(key.clone())) {
                continue;
            }
            marks::mark(conn, org, &key, today)?;
            events::record(conn, org, EventType::DeadlineApproaching, now, data_of(r))?;
            recorded += 1;
        }
        Ok(recorded)
    })
}

/// The running emitter; [`EmitterHandle::stop`] ends it.
pub struct EmitterHandle {
    stop: Option<Arc<Stop>>,
}

#[derive(Default)]
struct Stop {
    asked: AtomicBool,
    notify: Notify,
}

impl EmitterHandle {
    /// Asks the emitter to stop; a run in progress finishes (its
    /// transaction commits or rolls back as a whole).
    pub fn stop(&self) {
        if let Some(stop) = &self.stop {
            stop.asked.store(true, Ordering::SeqCst);
            stop.notify.notify_one();
        }
    }
}

/// Starts the emitter on the current (actix) runtime, unless it is off.
pub fn start(
    pool: DbPool,
    settings: DeadlineEventSettings,
    clock: Arc<dyn Clock>,
    policy: DeadlinePolicy,
) -> EmitterHandle {
    if !settings.enabled {
        return EmitterHandle { stop: None };
    }
    let stop = Arc::new(Stop::default());
    let s = stop.clone();
    actix_web::rt::spawn(async move {
        while !s.asked.load(Ordering::SeqCst) {
            let (pool, now) = (pool.clone(), clock.now());
            let ran = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let mut conn = pool.get()?;
                Ok(run_once(&mut conn, now, policy)?)
            })
            .await;
            match ran {
                Ok(Ok(n)) if n > 0 => tracing::info!(recorded = n, "deadline.approaching"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "deadline.approaching run failed"),
                Err(e) => tracing::warn!(error = %e, "deadline.approaching run panicked"),
            }
            tokio::select! {
                _ = s.notify.notified() => {}
                _ = actix_web::rt::time::sleep(settings.interval) => {}
            }
        }
    });
    EmitterHandle { stop: Some(stop) }
}
