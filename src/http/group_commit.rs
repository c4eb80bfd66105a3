//! Group commit: one writer thread takes the time-report submissions that
//! arrive together and runs them in one write transaction, each in its own
//! savepoint, so that each is still refused or accepted alone while the
//! batch pays one commit (one `fsync`), one set of locks, and reads its
//! facts once: the register, reports and stored shifts of every submission
//! of the batch are read together ([`FileFacts`], as for a file), and the
//! new versions are written together at the end. On SQLite no request waits
//! on the busy handler for another's write lock; on PostgreSQL a report
//! costs a few statements instead of about twenty round trips.
//!
//! A submission's work is the same closure the request would have run in
//! its own transaction, given the batch's facts; the reply is sent back only
//! after the batch has committed. If the batch fails (a database error in
//! any submission, or the commit), every accepted submission of the batch
//! gets the error (nothing of it was stored); refused ones keep their
//! refusal.

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};

use actix_web::web;

use crate::db::{Backend, DbConn, DbPool};
use crate::domain::month::ReportMonth;
use crate::error::{ApiError, ApiResult};
use crate::service::facts::{Facts, Live};
use crate::service::idempotency::Reply;
use crate::service::late::LateContext;
use crate::service::preload::FileFacts;
use crate::service::submission::{lock_keys, Submission};

/// A submission's work, run inside the batch's transaction with the facts
/// of its organisation's submissions in the batch.
pub type Work = Box<dyn FnOnce(&mut DbConn, &mut dyn Facts) -> ApiResult<Reply> + Send>;

/// What a submission names, so that the batch can read every fact it needs
/// at once and take the locks it needs.
pub struct Plan {
    pub org: String,
    pub sub: Submission,
    /// The 2027 rule as it stands for the submission.
    pub late: LateContext,
    /// Locks beyond the report's and its people's (an `Idempotency-Key`'s).
    pub extra_keys: Vec<String>,
}

struct Job {
    /// `None`: work that reads no facts (an audit entry).
    plan: Option<Plan>,
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
    backend: Backend,
}

impl GroupCommit {
    /// Starts the writer thread, which takes its connection from `pool`
    /// for each batch. It ends when the last handle is dropped.
    pub fn start(pool: DbPool, backend: Backend) -> GroupCommit {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || writer(pool, queue))
            .expect("group-commit thread starts");
        GroupCommit { jobs, backend }
    }

    /// The database the writer writes to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `work` in the next batch and returns its reply once the batch
    /// has committed; `plan` names the facts it reads, if any.
    pub async fn run(&self, plan: Option<Plan>, work: Work) -> ApiResult<Reply> {
        let request = super::middleware::current_request_id();
        let work: Work = Box::new(move |conn, facts| {
            crate::db::audit::with_request(request, || work(conn, facts))
        });
        let (done, reply) = sync_channel(1);
        let jobs = self.jobs.clone();
        web::block(move || {
            let stopped = || ApiError::internal(anyhow::anyhow!("the group-commit writer stopped"));
            jobs.send(Job { plan, work, done }).map_err(|_| stopped())?;
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

/// The lock keys of every submission of the batch (as each would take
/// alone), read with one query per organisation.
fn batch_keys(conn: &mut DbConn, batch: &[Job]) -> diesel::QueryResult<Vec<String>> {
    let mut by_org: HashMap<&str, Vec<Submission>> = HashMap::new();
    let mut keys = Vec::new();
    for plan in batch.iter().filter_map(|j| j.plan.as_ref()) {
        by_org
            .entry(plan.org.as_str())
            .or_default()
            .push(plan.sub.clone());
        keys.extend(plan.extra_keys.iter().cloned());
    }
    for (org, subs) in by_org {
        keys.extend(lock_keys(conn, org, &subs)?);
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// The facts of each organisation's submissions in the batch, read once.
fn load_facts<'a>(
    conn: &mut DbConn,
    batch: impl Iterator<Item = &'a Plan>,
) -> diesel::QueryResult<HashMap<String, FileFacts>> {
    let mut plans: HashMap<&str, Vec<&Plan>> = HashMap::new();
    for plan in batch {
        plans.entry(plan.org.as_str()).or_default().push(plan);
    }
    let mut out = HashMap::new();
    for (org, plans) in plans {
        let mut users: Vec<String> = plans
            .iter()
            .map(|p| p.sub.assistance_user_id.clone())
            .collect();
        users.sort();
        users.dedup();
        // As `parse_report` reads them.
        let mut assistants: Vec<String> = plans
            .iter()
            .flat_map(|p| p.sub.rows.iter().map(|r| r.assistant_id.trim().to_string()))
            .collect();
        assistants.sort();
        assistants.dedup();
        let mut months: Vec<ReportMonth> = plans
            .iter()
            .filter_map(|p| ReportMonth::parse(p.sub.month.trim()).ok())
            .collect();
        months.sort_unstable();
        months.dedup();
        let rows = plans.iter().map(|p| p.sub.rows.len()).sum();
        let facts = FileFacts::load(
            conn,
            org,
            &users,
            &assistants,
            &months,
            rows,
            &plans[0].late,
        )?;
        out.insert(org.to_string(), facts);
    }
    Ok(out)
}

/// Why a batch did not commit.
enum Failed {
    Db(diesel::result::Error),
    /// A submission failed for another reason than a refusal.
    Submission(String),
}

impl From<diesel::result::Error> for Failed {
    fn from(e: diesel::result::Error) -> Self {
        Failed::Db(e)
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
    let keys = match batch_keys(&mut conn, &batch) {
        Ok(k) => k,
        Err(e) => {
            for job in batch {
                let _ = job
                    .done
                    .send(Err(ApiError::internal(anyhow::anyhow!("{e}"))));
            }
            return;
        }
    };
    let mut results: Vec<(SyncSender<ApiResult<Reply>>, ApiResult<Reply>)> =
        Vec::with_capacity(batch.len());
    let mut jobs: Vec<Option<Job>> = batch.into_iter().map(Some).collect();
    let committed = conn.write_transaction(&keys, |conn| {
        let mut facts = load_facts(conn, jobs.iter().flatten().filter_map(|j| j.plan.as_ref()))?;
        let mut live = Live;
        for slot in jobs.iter_mut() {
            let job = slot.take().expect("each job runs once");
            let f: &mut dyn Facts = match &job.plan {
                Some(plan) => facts
                    .get_mut(&plan.org)
                    .expect("facts of every organisation in the batch"),
                None => &mut live,
            };
            // A savepoint each: a refusal rolls back its own writes only,
            // and drops the events it recorded (a nested write transaction).
            let result = conn.write_transaction(&[], |c| (job.work)(c, f));
            let failed = matches!(&result, Err(e) if e.status.is_server_error());
            results.push((job.done, result));
            if failed {
                // The batch's facts may no longer be what is stored.
                return Err(Failed::Submission(
                    "a submission of the batch failed".into(),
                ));
            }
        }
        for f in facts.values_mut() {
            f.finish(conn)?;
        }
        Ok::<_, Failed>(())
    });
    if let Err(Failed::Db(e)) = &committed {
        tracing::error!(error = %e, "group commit: the batch did not commit");
    }
    for (done, result) in results {
        let reply = match (&committed, result) {
            (Ok(()), r) => r,
            (Err(_), Err(refused)) => Err(refused),
            (Err(Failed::Db(e)), Ok(_)) => Err(ApiError::internal(anyhow::anyhow!(
                "the batch did not commit: {e}"
            ))),
            (Err(Failed::Submission(why)), Ok(_)) => Err(ApiError::internal(anyhow::anyhow!(
                "the batch did not commit: {why}"
            ))),
        };
        let _ = done.send(reply);
    }
    // Submissions after the one that failed the batch: never run.
    for job in jobs.into_iter().flatten() {
        let _ = job.done.send(Err(ApiError::internal(anyhow::anyhow!(
            "the batch did not commit: a submission before this one failed"
        ))));
    }
}
