//! Group commit on SQLite: one writer thread takes the time-report
//! submissions that arrive together and runs them in one write transaction,
//! each in its own savepoint, so that each is still refused or accepted
//! alone while the batch pays one commit (one `fsync`) and no request waits
//! on SQLite's busy handler for another's write lock.
//!
//! A submission's work is the same closure the request would have run in
//! its own transaction; the reply is sent back only after the batch has
//! committed. If the commit fails, every accepted submission of the batch
//! gets the error (nothing of it was stored); refused ones keep their
//! refusal. PostgreSQL has many writers and needs none of this: there,
//! handlers run their own transactions as before.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};

use actix_web::web;

use crate::db::{DbConn, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::service::idempotency::Reply;

/// A submission's work, run inside the batch's transaction.
pub type Work = Box<dyn FnOnce(&mut DbConn) -> ApiResult<Reply> + Send>;

struct Job {
    work: Work,
    done: SyncSender<ApiResult<Reply>>,
}

/// Most submissions in one transaction: a batch's first reply waits for its
/// last submission.
const MAX_BATCH: usize = 64;

/// Submissions waiting for the writer; beyond this, senders wait.
const QUEUE: usize = 1024;

/// The handle handlers send work through (cheap to clone).
#[derive(Clone)]
pub struct GroupCommit {
    jobs: SyncSender<Job>,
}

impl GroupCommit {
    /// Starts the writer thread, which takes its connection from `pool`
    /// for each batch. It ends when the last handle is dropped.
    pub fn start(pool: DbPool) -> GroupCommit {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || writer(pool, queue))
            .expect("group-commit thread starts");
        GroupCommit { jobs }
    }

    /// Runs `work` in the next batch and returns its reply once the batch
    /// has committed.
    pub async fn run(&self, work: Work) -> ApiResult<Reply> {
        let request = super::middleware::current_request_id();
        let work: Work =
            Box::new(move |conn| crate::db::audit::with_request(request, || work(conn)));
        let (done, reply) = sync_channel(1);
        let jobs = self.jobs.clone();
        web::block(move || {
            let stopped = || ApiError::internal(anyhow::anyhow!("the group-commit writer stopped"));
            jobs.send(Job { work, done }).map_err(|_| stopped())?;
            reply.recv().map_err(|_| stopped())?
        })
        .await?
    }
}

fn writer(pool: DbPool, queue: Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        // A panic fails the batch's requests (their reply channels close),
        // not the writer.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_batch(&pool, batch)));
    }
}

fn run_batch(pool: &DbPool, batch: Vec<Job>) {
    let mut conn = match pool.get() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "group commit: no database connection");
            for job in batch {
                let _ = job.done.send(Err(ApiError::unavailable(
                    "The database is not reachable right now.",
                )));
            }
            return;
        }
    };
    let mut results: Vec<(SyncSender<ApiResult<Reply>>, ApiResult<Reply>)> =
        Vec::with_capacity(batch.len());
    let committed = conn.write_transaction(&[], |conn| {
        for job in batch {
            // A savepoint each: a refusal rolls back its own writes only,
            // and drops the events it recorded (a nested write transaction).
            let result = conn.write_transaction(&[], |c| (job.work)(c));
            results.push((job.done, result));
        }
        Ok::<_, diesel::result::Error>(())
    });
    for (done, result) in results {
        let reply = match (&committed, result) {
            (Ok(()), r) => r,
            (Err(_), Err(refused)) => Err(refused),
            (Err(e), Ok(_)) => Err(ApiError::internal(anyhow::anyhow!(
                "the batch did not commit: {e}"
            ))),
        };
        let _ = done.send(reply);
    }
}
