//! The delivery worker: started with the server, it claims webhooks that
//! have work due (`db::webhooks::claim_due`, a lease), and for each sends
//! its deliveries one after another in commit order until one fails or
//! nothing more is due, then gives the lease back. A failed delivery is
//! tried again after the retry wait; until it succeeds or is given up, the
//! webhook's later events wait.
//!
//! At-least-once: an attempt is recorded after the target answered, so an
//! instance that stops between the two sends that event again (after its
//! lease expired, from whichever instance claims the webhook next).
//! Receivers deduplicate by the event's `id`.
//!
//! Times here are the real time of the machine (a `SystemClock`), not the
//! application's clock: waits are slept for real, and the signature's `t`
//! is checked by receivers against their own clock.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::send::{Sender, REQUEST_TIMEOUT};
use crate::clock::Clock;
use crate::config::WebhookSettings;
use crate::db::webhook_deliveries::{self as deliveries, Attempt};
use crate::db::webhooks::{self as hooks, WebhookRow};
use crate::db::{DbConn, DbPool};
use crate::domain::webhook::{give_up, retry_wait};
use crate::service::events::Event;

/// How long a claim lasts without renewal: well over one attempt
/// (`REQUEST_TIMEOUT`), renewed after each. An instance that stops holding
/// a lease delays that webhook by at most this long.
const LEASE: Duration = Duration::from_secs(60);

/// Webhooks one instance delivers to at once.
const MAX_IN_FLIGHT: usize = 16;

/// The running worker; [`WorkerHandle::stop`] ends it. Dropping the handle
/// leaves it running until its runtime ends.
pub struct WorkerHandle {
    stop: Arc<Stop>,
    done: actix_web::rt::task::JoinHandle<()>,
}

#[derive(Default)]
struct Stop {
    asked: AtomicBool,
    notify: Notify,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits for the attempts in flight to be
    /// answered and recorded (at most about one request timeout).
    pub async fn stop(self) {
        self.stop.asked.store(true, Ordering::SeqCst);
        self.stop.notify.notify_one();
        let _ = tokio::time::timeout(REQUEST_TIMEOUT + Duration::from_secs(5), self.done).await;
    }
}

/// Starts the worker on the current (actix) runtime.
pub fn start(
    pool: DbPool,
    settings: WebhookSettings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<WorkerHandle> {
    let sender = Sender::new(settings.allow_private)?;
    let stop = Arc::new(Stop::default());
    let ctx = Rc::new(Ctx {
        pool,
        sender,
        settings,
        clock,
        owner: crate::db::new_id(),
        in_flight: RefCell::new(HashSet::new()),
        wake: Notify::new(),
        stop: stop.clone(),
    });
    let done = actix_web::rt::spawn(run(ctx));
    Ok(WorkerHandle { stop, done })
}

struct Ctx {
    pool: DbPool,
    sender: Sender,
    settings: WebhookSettings,
    clock: Arc<dyn Clock>,
    /// This worker's lease owner id.
    owner: String,
    /// Webhooks this worker is delivering to now.
    in_flight: RefCell<HashSet<String>>,
    /// Woken when a webhook's task ends, to look again at what is due.
    wake: Notify,
    stop: Arc<Stop>,
}

impl Ctx {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn stopping(&self) -> bool {
        self.stop.asked.load(Ordering::SeqCst)
    }

    fn lease_until(&self) -> chrono::NaiveDateTime {
        (self.now() + LEASE).naive_utc()
    }
}

/// Database work on the blocking pool.
async fn db<T, F>(pool: &DbPool, f: F) -> anyhow::Result<T>
where
    F: FnOnce(&mut DbConn) -> diesel::QueryResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<T> {
        let mut conn = pool.get()?;
        Ok(f(&mut conn)?)
    })
    .await?
}

async fn run(ctx: Rc<Ctx>) {
    loop {
        if ctx.stopping() {
            break;
        }
        if let Err(e) = claim(&ctx).await {
            tracing::warn!(error = %e, "webhook worker: claiming failed");
        }
        let wait = next_wait(&ctx).await;
        tokio::select! {
            _ = actix_web::rt::time::sleep(wait) => {}
            _ = ctx.wake.notified() => {}
            _ = ctx.stop.notify.notified() => {}
        }
    }
    // Let the attempts in flight finish and give their leases back.
    while !ctx.in_flight.borrow().is_empty() {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Claims what is due and starts a task per webhook.
async fn claim(ctx: &Rc<Ctx>) -> anyhow::Result<()> {
    let free = MAX_IN_FLIGHT.saturating_sub(ctx.in_flight.borrow().len());
    if free == 0 {
        return Ok(());
    }
    let (owner, now, until) = (ctx.owner.clone(), ctx.now().naive_utc(), ctx.lease_until());
    let claimed = db(&ctx.pool, move |c| {
        hooks::claim_due(c, &owner, now, until, free as i64)
    })
    .await?;
    for hook in claimed {
        if !ctx.in_flight.borrow_mut().insert(hook.id.clone()) {
            continue;
        }
        let ctx = ctx.clone();
        actix_web::rt::spawn(async move {
            let id = hook.id.clone();
            if let Err(e) = deliver(&ctx, hook).await {
                tracing::warn!(webhook_id = %id, error = %e, "webhook worker: delivery step failed");
            }
            let (pool, owner, id2) = (ctx.pool.clone(), ctx.owner.clone(), id.clone());
            if let Err(e) = db(&pool, move |c| hooks::release(c, &id2, &owner)).await {
                tracing::warn!(webhook_id = %id, error = %e, "webhook worker: releasing failed");
            }
            ctx.in_flight.borrow_mut().remove(&id);
            ctx.wake.notify_one();
        });
    }
    Ok(())
}

/// How long to sleep: until the earliest pending delivery is due, at most
/// the poll interval (new events are found by polling).
async fn next_wait(ctx: &Ctx) -> Duration {
    let poll = ctx.settings.poll;
    let Ok(Some(due)) = db(&ctx.pool, deliveries::earliest_due).await else {
        return poll;
    };
    match (due.and_utc() - ctx.now()).to_std() {
        Ok(d) if d < poll => d.max(Duration::from_millis(1)),
        _ => poll,
    }
}

/// Sends `hook`'s due deliveries in order, while each succeeds and the
/// lease holds.
async fn deliver(ctx: &Ctx, hook: WebhookRow) -> anyhow::Result<()> {
    let hook = Arc::new(hook);
    loop {
        if ctx.stopping() {
            return Ok(());
        }
        let now = ctx.now().naive_utc();
        let h = hook.clone();
        let Some((delivery, event)) = db(&ctx.pool, move |c| deliveries::next(c, &h, now)).await?
        else {
            return Ok(());
        };
        let body = serde_json::to_vec(&Event::from(event))?;
        let outcome = ctx
            .sender
            .send(&hook.url, &hook.secret, body, ctx.now().timestamp())
            .await;
        let at = ctx.now();
        let first = delivery.first_attempt_at.map_or(at, |t| t.and_utc());
        let attempts = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
        let elapsed = (at - first).to_std().unwrap_or_default();
        let next_attempt_at = match outcome.delivered() {
            true => None,
            false if give_up(elapsed, ctx.settings.retry_for) => None,
            false => Some(
                at + chrono::Duration::from_std(retry_wait(ctx.settings.retry_base, attempts))?,
            ),
        };
        if !outcome.delivered() {
            tracing::info!(
                webhook_id = %hook.id, delivery_id = %delivery.id, attempts,
                status = ?outcome.status_code, error = outcome.error.as_deref().unwrap_or(""),
                given_up = next_attempt_at.is_none(),
                "webhook delivery failed"
            );
        }
        let attempt = Attempt {
            at: at.naive_utc(),
            status_code: outcome.status_code.map(i32::from),
            error: outcome.error.clone(),
            delivered: outcome.delivered(),
            next_attempt_at: next_attempt_at.map(|t| t.naive_utc()),
        };
        let (id, owner, until) = (hook.id.clone(), ctx.owner.clone(), ctx.lease_until());
        let held = db(&ctx.pool, move |c| {
            deliveries::record(c, &delivery, &attempt)?;
            hooks::renew(c, &id, &owner, until)
        })
        .await?;
        // A failure waits for its retry; the next claim takes it from there.
        if !held || next_attempt_at.is_some() {
            return Ok(());
        }
    }
}
