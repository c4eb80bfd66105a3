//! The read audit (GDPR art. 9 data): every request that reads an
//! assistance user, assistant, time report, invoice, document, export or
//! the dashboard leaves one entry in the audit trail, naming who (role,
//! subject, API key: the actor), what (kind and id, or the ids a list
//! returned), when and the request id.
//!
//! One mechanism for every handler: a handler says what it read through
//! the [`Caller`] (`caller.read_one(..)`, `read_list`, `read_export`,
//! `read_aggregate`), and [`record_reads`], a middleware, writes the one
//! entry once the response is known to be a success. When the entry cannot
//! be stored the response is replaced by a 500: nothing is shown unaudited.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, ResponseError};

use super::AppState;
use crate::db::audit::{self, AuditRow};
use crate::db::{Backend, DbConn};
use crate::error::ApiError;
use crate::http::auth::Caller;
use crate::service::facts::Facts;
use crate::service::idempotency::Reply;

/// The kinds of subject a read entry names (`subject_kind`).
pub mod kind {
    pub const ASSISTANCE_USER: &str = "assistance_user";
    pub const ASSISTANT: &str = "assistant";
    pub const TIME_REPORT: &str = "time_report";
    pub const INVOICE: &str = "invoice";
    pub const DOCUMENT: &str = "document";
    pub const EXPORT: &str = "export";
    pub const DASHBOARD: &str = "dashboard";
}

/// What one request read (filled by its handler through the [`Caller`]).
#[derive(Debug, Clone, Default)]
pub struct ReadLog(Arc<Mutex<Option<Read>>>);

#[derive(Debug, Clone)]
struct Read {
    kind: &'static str,
    /// One record (`GET /x/{id}`), an export's name, or none for a list.
    subject_id: Option<String>,
    /// A list's or an export's records.
    ids: Vec<String>,
    /// Whose data it was, when it was one organisation's.
    org: Option<String>,
}

impl ReadLog {
    fn set(&self, read: Read) {
        let mut slot = self.0.lock().expect("read log lock");
        match slot.as_mut() {
            // A handler that reads twice (a record, then what hangs off it)
            // still makes one entry.
            Some(r) if r.kind == read.kind => {
                r.ids.extend(read.ids);
                r.subject_id = r.subject_id.take().or(read.subject_id);
            }
            _ => *slot = Some(read),
        }
    }

    fn take(&self) -> Option<Read> {
        self.0.lock().expect("read log lock").take()
    }
}

impl Caller {
    /// This request read record `id` of `kind`, which belongs to `org`.
    pub fn read_one(&self, kind: &'static str, org: &str, id: &str) {
        self.reads.set(Read {
            kind,
            subject_id: Some(id.to_string()),
            ids: Vec::new(),
            org: self.entry_org([org]),
        });
    }

    /// This request returned a list of `kind`: `(organisation, id)` of
    /// each (the organisation when known).
    pub fn read_list(&self, kind: &'static str, rows: Vec<(Option<String>, String)>) {
        let (orgs, ids): (Vec<Option<String>>, Vec<String>) = rows.into_iter().unzip();
        let org = if orgs.iter().all(Option::is_some) {
            self.entry_org(orgs.iter().flatten().map(String::as_str))
        } else {
            self.entry_org(None)
        };
        self.reads.set(Read {
            kind,
            subject_id: None,
            ids,
            org,
        });
    }

    /// This request exported `what` (e.g. `paxml:2026-10`), made of `ids`.
    pub fn read_export(&self, what: String, org: Option<&str>, ids: Vec<String>) {
        self.reads.set(Read {
            kind: kind::EXPORT,
            subject_id: Some(what),
            ids,
            org: self.entry_org(org),
        });
    }

    /// This request read an aggregate view (the dashboard): one entry,
    /// whatever it covered.
    pub fn read_aggregate(&self, kind: &'static str, org: Option<&str>) {
        self.reads.set(Read {
            kind,
            subject_id: org.map(str::to_string),
            ids: Vec::new(),
            org: self.entry_org(org),
        });
    }

    /// The organisation an entry is filed under, so that a provider sees
    /// every read of its data: the caller's own, or else the one
    /// organisation the data belonged to (none when it spanned several).
    fn entry_org<'a>(&self, orgs: impl IntoIterator<Item = &'a str>) -> Option<String> {
        if let (true, Some(org)) = (self.role.needs_org(), &self.org) {
            return Some(org.clone());
        }
        let mut orgs = orgs.into_iter();
        let first = orgs.next()?;
        orgs.all(|o| o == first).then(|| first.to_string())
    }
}

/// Who read, kept in the request's extensions for [`record_reads`].
#[derive(Clone)]
struct Reader {
    caller: Caller,
}

/// Called by the [`Caller`] extractor once the caller is known.
pub fn attach(req: &HttpRequest, caller: &Caller) {
    req.extensions_mut().insert(Reader {
        caller: caller.clone(),
    });
}

/// Writes the request's read entry after a successful response, and the
/// entry of an `overlaps_other_employer` refusal (`rate_limit`).
pub async fn record_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let res = next.call(req).await?;
    let reader = res.request().extensions().get::<Reader>().cloned();
    let state = res.request().app_data::<web::Data<AppState>>().cloned();
    let (Some(reader), Some(state)) = (reader, state) else {
        return Ok(res.map_into_left_body());
    };
    let probed = reader.caller.probes.take();
    if !probed.is_empty() {
        let limits = res
            .request()
            .app_data::<web::Data<super::rate_limit::Limits>>()
            .cloned();
        probe_refused(
            &state,
            limits.as_ref().map(|l| l.get_ref()),
            &reader,
            probed,
        )
        .await;
    }
    let read = reader.caller.reads.take();
    let Some(read) = read.filter(|_| res.status().is_success()) else {
        return Ok(res.map_into_left_body());
    };
    let row = AuditRow {
        id: crate::db::new_id(),
        organisation_id: read.org,
        actor: reader.caller.actor(),
        action: "read".to_string(),
        entity: read.kind.to_string(),
        entity_id: read.subject_id.unwrap_or_default(),
        content_hash: None,
        reason: None,
        at: state.now().naive_utc(),
        request_id: super::middleware::current_request_id(),
        subject_ids: audit::joined_ids(&read.ids),
    };
    match store(&state, row).await {
        Ok(()) => {
            state.audit_retention.purge_if_due(&state).await;
            Ok(res.map_into_left_body())
        }
        Err(e) => {
            tracing::error!(error = %e.detail, "a read could not be audited; the response is withheld");
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::new(req, e.error_response()).map_into_right_body())
        }
    }
}

/// An `overlaps_other_employer` refusal: audited with the assistants it
/// was about (ids, in the audit trail only) and counted against the
/// credential. The refused request stored nothing; this entry is written
/// apart from it.
async fn probe_refused(
    state: &AppState,
    limits: Option<&super::rate_limit::Limits>,
    reader: &Reader,
    probed: Vec<String>,
) {
    super::rate_limit::overlap_refusals(state, limits, &reader.caller, probed.len());
    let row = AuditRow {
        id: crate::db::new_id(),
        organisation_id: reader.caller.org.clone(),
        actor: reader.caller.actor(),
        action: "overlap_refused".to_string(),
        entity: kind::ASSISTANT.to_string(),
        entity_id: String::new(),
        content_hash: None,
        reason: None,
        at: state.now().naive_utc(),
        request_id: super::middleware::current_request_id(),
        subject_ids: audit::joined_ids(&probed),
    };
    if let Err(e) = store(state, row).await {
        tracing::error!(error = %e.detail, "an overlap refusal could not be audited");
    }
}

/// On SQLite the entry joins the group commit (one write transaction for
/// many requests, no wait on the busy handler); on PostgreSQL it is a
/// plain insert.
async fn store(state: &AppState, row: AuditRow) -> Result<(), ApiError> {
    match state.group_commit.backend() {
        Backend::Sqlite => {
            state
                .group_commit
                .run(
                    None,
                    Box::new(move |conn: &mut DbConn, _: &mut dyn Facts| {
                        audit::insert_rows(conn, std::slice::from_ref(&row))?;
                        Ok(Reply::raw(200, String::new()))
                    }),
                )
                .await?;
            Ok(())
        }
        Backend::Postgres => {
            state
                .db(move |conn| Ok(audit::insert_rows(conn, std::slice::from_ref(&row))?))
                .await
        }
    }
}

/// How long read entries are kept (`REDOVISA_AUDIT_RETENTION_DAYS`). Old
/// ones are deleted at most once a day, after a read: no timer, no thread,
/// and every instance may do it (deleting twice deletes nothing).
#[derive(Clone, Default)]
pub struct Retention {
    keep: Option<chrono::Duration>,
    /// The day (days since the epoch, UTC) of the last purge.
    last: Arc<AtomicI64>,
}

impl Retention {
    /// 0 days: read entries are kept for ever.
    pub fn days(days: u32) -> Retention {
        Retention {
            keep: (days > 0).then(|| chrono::Duration::days(days.into())),
            last: Arc::new(AtomicI64::new(i64::MIN)),
        }
    }

    async fn purge_if_due(&self, state: &AppState) {
        let Some(keep) = self.keep else { return };
        let now = state.now();
        let day = now.timestamp().div_euclid(86_400);
        if self.last.swap(day, Ordering::Relaxed) == day {
            return;
        }
        let before = (now - keep).naive_utc();
        match state
            .db(move |conn| Ok(audit::purge_reads(conn, before)?))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "read entries past the audit retention deleted"),
            Err(e) => tracing::warn!(error = %e.detail, "could not purge old read entries"),
        }
    }
}
