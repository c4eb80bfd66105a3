//! HTTP layer: thin handlers that parse, authorise, call the domain rules
//! and storage, and shape responses. One module per resource family.

pub mod accounts;
pub mod agreements;
pub mod api_keys;
pub mod assistance_users;
pub mod assistants;
pub mod audit;
pub mod auth;
pub mod balances;
pub mod change_notices;
pub mod corrections;
pub mod dashboard;
pub mod deadlines;
pub mod decisions;
pub mod documents;
pub mod employments;
pub mod events;
pub mod extract;
pub mod group_commit;
pub mod health;
pub mod html;
pub mod i18n;
pub mod idempotent;
pub mod imports;
pub mod invoices;
pub mod late_exceptions;
pub mod middleware;
pub mod months;
pub mod openapi;
pub mod organisations;
pub mod page;
pub mod pagination;
pub mod paxml;
pub mod pdfs;
pub mod rate_limit;
pub mod rates;
pub mod read_audit;
pub mod records;
pub mod reminders;
pub mod representatives;
pub mod session;
pub mod signatories;
pub mod signatures;
pub mod template;
pub mod time_reports;
pub mod upload;
pub mod webhooks;

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::clock::Clock;
use crate::db::{DbConn, DbPool};
use crate::domain::deadline::DeadlinePolicy;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::Caller;
use crate::service::submission::Env;

/// Shared, stateless application context: everything in it is either
/// immutable configuration or a handle to the database, so any number of
/// instances can serve the same database.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub clock: Arc<dyn Clock>,
    pub deadline_policy: DeadlinePolicy,
    /// From which month a late report is not paid (the 2027 rule).
    pub late_rule: crate::domain::late::LateRule,
    /// The writer that batches time-report submissions into one
    /// transaction (`group_commit`).
    pub group_commit: group_commit::GroupCommit,
    /// How long read entries of the audit trail are kept, and when they
    /// were last purged (`read_audit`).
    pub audit_retention: read_audit::Retention,
}

impl AppState {
    /// Runs database work on the blocking thread pool, off the async workers.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        // Audit entries written by the work name the request.
        let request = middleware::current_request_id();
        web::block(move || {
            crate::db::audit::with_request(request, || {
                let mut conn = pool.get()?;
                f(&mut conn)
            })
        })
        .await?
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// What the 2027 rule needs to read a month as it stands now.
    pub fn late(&self) -> crate::service::late::LateContext {
        crate::service::late::LateContext {
            rule: self.late_rule,
            policy: self.deadline_policy,
            today: crate::domain::deadline::stockholm_date(self.now()),
        }
    }

    /// What the submission pipeline needs to know of a write by `caller`
    /// to organisation `org`: who, when, and the deadline policy.
    pub fn env(&self, caller: &Caller, org: &str) -> Env {
        Env {
            org_id: org.to_string(),
            actor: caller.actor(),
            now: self.now(),
            policy: self.deadline_policy,
            late: self.late_rule,
            probes: caller.probes.clone(),
        }
    }
}

pub use crate::db::{new_id, utc_string};

/// Distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`) in PATCH bodies.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Routes under `/api/v1` plus health checks and the 404 fallback.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(openapi::routes)
            .configure(organisations::routes)
            .configure(accounts::routes)
            .configure(assistance_users::routes)
            .configure(balances::routes)
            .configure(dashboard::routes)
            .configure(decisions::routes)
            .configure(assistants::routes)
            .configure(employments::routes)
            .configure(rates::routes)
            .configure(deadlines::routes)
            .configure(late_exceptions::routes)
            .configure(imports::routes)
            .configure(paxml::routes)
            .configure(time_reports::routes)
            .configure(corrections::routes)
            .configure(invoices::routes)
            .configure(documents::routes)
            .configure(months::routes)
            .configure(representatives::routes)
            .configure(signatories::routes)
            .configure(signatures::routes)
            .configure(pdfs::routes)
            .configure(api_keys::routes)
            .configure(change_notices::routes)
            .configure(agreements::routes)
            .configure(reminders::routes)
            .configure(events::routes)
            .configure(webhooks::routes)
            .configure(audit::routes),
    )
    .configure(health::routes)
    .configure(page::routes)
    .configure(session::routes)
    .configure(upload::routes)
    .default_service(web::to(not_found));
}

/// No route matched: 405 with `Allow` when the path exists with other
/// methods (known from the OpenAPI document, which lists every route), else 404.
async fn not_found(req: HttpRequest) -> ApiResult<HttpResponse> {
    let allowed = openapi::allowed_methods(req.path());
    if allowed.is_empty() {
        return Err(ApiError::not_found("Resource"));
    }
    Err(ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed here; use {}.",
            req.method(),
            allowed.join(", ")
        ),
    )
    .with_header("Allow", allowed.join(", ")))
}

/// Problem responses for actix's own extractors (query and path parsing).
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    // Handlers use `extract::Query`, which names the parameter; this only
    // covers a stray use of actix's own extractor.
    ApiError::validation(vec![crate::error::FieldError::field(
        "query",
        "invalid_parameter",
        format!("Invalid query string: {err}"),
    )])
    .into()
}

pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::validation(vec![crate::error::FieldError::field(
        "path",
        "invalid_path",
        format!("Invalid path parameter: {err}"),
    )])
    .into()
}

/// 201 with a JSON body and the `Location` of what was created.
pub fn created_at<T: serde::Serialize>(location: &str, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(body)
}

/// Validation helper: collects faults, then fails with all of them.
#[derive(Debug, Default)]
pub struct Faults(pub Vec<crate::error::FieldError>);

impl Faults {
    pub fn push(&mut self, pointer: &str, code: impl Into<String>, message: impl Into<String>) {
        self.0
            .push(crate::error::FieldError::at(pointer, code, message));
    }

    pub fn rule(&mut self, pointer: &str, v: crate::domain::register::RuleViolation) {
        self.push(pointer, v.code, v.message);
    }

    /// The value a register rule accepted, or its violation recorded at
    /// `pointer`.
    pub fn check<T>(
        &mut self,
        pointer: &str,
        r: Result<T, crate::domain::register::RuleViolation>,
    ) -> Option<T> {
        r.map_err(|v| self.rule(pointer, v)).ok()
    }

    /// [`Faults::check`] of an optional field (a PATCH): `None` when absent.
    pub fn check_some<V, T>(
        &mut self,
        pointer: &str,
        value: Option<V>,
        rule: impl FnOnce(V) -> Result<T, crate::domain::register::RuleViolation>,
    ) -> Option<T> {
        value.and_then(|v| self.check(pointer, rule(v)))
    }

    /// Records the error of `r` at `pointer` and returns its value.
    pub fn take<T, E: std::fmt::Display>(
        &mut self,
        pointer: &str,
        code: impl Fn(&E) -> &'static str,
        r: Result<T, E>,
    ) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(pointer, code(&e), e.to_string());
                None
            }
        }
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}
