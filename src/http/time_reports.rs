//! `/time-reports`: monthly time reports (*tidsredovisning*), their
//! versions and receipts.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::deadlines::optional_month;
use super::extract::{Json, Query};
use super::group_commit::Plan;
use super::pagination::{self, PageParams, Paginated};
use super::read_audit::kind;
use super::records::Record;
use super::AppState;
use crate::db::time_reports::{self as store, ReportRow, RowRow};
use crate::db::{sha256_hex, DbConn, Scope};
use crate::domain::quantity::minutes_to_hours_string;
use crate::domain::report::RawRow;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;
use crate::service::facts::Facts;
use crate::service::idempotency::{idempotent, Idempotency, Reply};
use crate::service::late::{self, LateContext};
use crate::service::submission::{self, Env, Outcome, Receipt, Refusal, Submission, SubmitError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/time-reports", web::post().to(create))
        .route("/time-reports", web::get().to(list))
        .route("/time-reports/{id}", web::get().to(get))
        .route("/time-reports/{id}/versions", web::get().to(versions))
        .route(
            "/time-reports/{id}/versions/{version}",
            web::get().to(version),
        )
        .route("/time-reports/{id}/audit", web::get().to(audit));
}

/// One shift.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowInput {
    pub assistant_id: String,
    /// The day the shift starts, YYYY-MM-DD.
    pub date: String,
    /// Local clock time (Europe/Stockholm), HH:MM.
    pub start: String,
    /// Local clock time; at or before `start` means the next day; 24:00 is midnight.
    pub end: String,
    /// `active` (default), `waiting` (*väntetid*) or `standby` (*beredskap*).
    pub kind: Option<String>,
    /// Double assistance (*dubbelassistans*).
    #[serde(default)]
    pub double: bool,
    /// Assistance during a hospital stay.
    #[serde(default)]
    pub hospital: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTimeReport {
    pub assistance_user_id: String,
    /// YYYY-MM.
    pub month: String,
    pub rows: Vec<RowInput>,
    /// Required to replace an existing report for the month.
    pub correction_reason: Option<String>,
}

impl CreateTimeReport {
    fn into_submission(self) -> Submission {
        Submission {
            assistance_user_id: self.assistance_user_id,
            month: self.month,
            rows: self
                .rows
                .into_iter()
                .map(|r| RawRow {
                    assistant_id: r.assistant_id,
                    date: r.date,
                    start: r.start,
                    end: r.end,
                    kind: r.kind,
                    double: r.double,
                    hospital: r.hospital,
                    // Clock times are always given in JSON.
                    clock_assumed: false,
                })
                .collect(),
            correction_reason: self.correction_reason,
        }
    }
}

/// A stored row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowOutput {
    pub assistant_id: String,
    pub date: String,
    pub start: String,
    pub end: String,
    pub kind: String,
    pub double: bool,
    pub hospital: bool,
    /// Elapsed hours (real time, DST included).
    pub hours: String,
    /// False when the assistant was not registered with FK on the day.
    pub payable: bool,
}

impl From<RowRow> for RowOutput {
    fn from(r: RowRow) -> Self {
        Self {
            assistant_id: r.assistant_id,
            date: r.work_date.to_string(),
            start: r.start_time,
            end: r.end_time,
            kind: r.kind,
            double: r.is_double,
            hospital: r.hospital,
            hours: minutes_to_hours_string(r.minutes),
            payable: r.payable,
        }
    }
}

/// A version with its rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeReport {
    #[serde(flatten)]
    pub receipt: Receipt,
    pub rows: Vec<RowOutput>,
    /// Per assistant of this version: the signatures it has and the roles
    /// (`assistant`, `employer`) it still lacks. Signatures of other
    /// versions do not count here.
    pub signatures: Vec<crate::service::signing::AssistantSignatures>,
}

/// Maps a refusal to its problem: rule violations with JSON pointers.
pub fn refusal_problem(r: Refusal) -> ApiError {
    match r {
        Refusal::Invalid(issues) => ApiError::validation(
            issues
                .iter()
                .map(|i| {
                    let mut e = FieldError::at(submission::pointer(i), i.code, i.message.clone());
                    if !i.related_rows.is_empty() {
                        let related: Vec<String> = i.related_rows.iter().map(|r| format!("/rows/{r}")).collect();
                        e = e.with("related", related);
                    }
                    e
                })
                .collect(),
        ),
        Refusal::UnknownUser => ApiError::validation(vec![FieldError::at(
            "/assistance_user_id",
            "unknown_assistance_user",
            "No such assistance user in your organisation.",
        )]),
        Refusal::CorrectionRequired {
            report_id,
            current_version,
        } => ApiError::conflict(
            "correction_reason_required",
            format!(
                "A report for this month already exists (version {current_version}); send `correction_reason` to replace it with a new version."
            ),
        )
        .with("report_id", report_id)
        .with("current_version", current_version),
        Refusal::MonthClosed { month } => super::signatures::month_closed(&month),
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Refused(r) => refusal_problem(r),
            SubmitError::Db(e) => e.into(),
        }
    }
}

/// Submit a month's time report. 201 with a receipt for a new version; 200
/// with the current receipt when the rows equal the current version.
#[utoipa::path(post, path = "/api/v1/time-reports", operation_id = "createTimeReport", tag = "time reports", request_body = CreateTimeReport,
    responses((status = 201, body = Receipt), (status = 200, body = Receipt, description = "Identical to the current version; nothing stored"),
              (status = 409, body = crate::error::Problem, description = "A report exists; `correction_reason` needed"),
              (status = 422, body = crate::error::Problem, description = "Every rule violation, each with its JSON pointer")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateTimeReport>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let request_hash = sha256_hex(&serde_json::to_vec(&body.0).expect("serialisable"));
    let idem = super::idempotent::of(&caller, &req, &request_hash)?;
    let sub = body.0.into_submission();
    let env = state.env(&caller, &org);
    // One writer batches concurrent submissions: one commit, the facts of
    // the batch read together (`group_commit`).
    let plan = Plan {
        org: org.clone(),
        sub: sub.clone(),
        late: env.late_context(),
        extra_keys: idem
            .as_ref()
            .map(Idempotency::lock_key)
            .into_iter()
            .collect(),
    };
    let reply = state
        .group_commit
        .run(
            Some(plan),
            Box::new(move |conn: &mut DbConn, facts: &mut dyn Facts| {
                submit_once(conn, &env, idem.as_ref(), &sub, facts)
            }),
        )
        .await?;
    Ok(super::idempotent::respond(reply))
}

/// [`submit`] once per `Idempotency-Key`, inside the caller's write
/// transaction.
fn submit_once(
    conn: &mut DbConn,
    env: &Env,
    idem: Option<&Idempotency>,
    sub: &Submission,
    facts: &mut dyn Facts,
) -> ApiResult<Reply> {
    idempotent(conn, idem, env.now.naive_utc(), |conn| {
        submit(conn, env, sub, facts)
    })
}

/// Submits a report: 201 with the receipt of a new version, 200 with the
/// current receipt when the rows are unchanged.
fn submit(
    conn: &mut DbConn,
    env: &Env,
    sub: &Submission,
    facts: &mut dyn Facts,
) -> ApiResult<Reply> {
    let outcome = submission::submit_with(conn, env, sub, facts)?;
    Ok(match &outcome {
        Outcome::Created(r) => Reply::created(
            format!("/api/v1/time-reports/{}/versions/{}", r.id, r.version),
            r,
        ),
        Outcome::Unchanged(r) => Reply::json(200, r),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TimeReportQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// YYYY-MM.
    pub month: Option<String>,
    pub assistance_user_id: Option<String>,
    /// Only reports whose current version arrived after FK's deadline (true) or by it (false).
    pub late: Option<bool>,
}

/// List reports (current versions, without rows).
#[utoipa::path(get, path = "/api/v1/time-reports", operation_id = "listTimeReports", tag = "time reports",
    params(TimeReportQuery, ("format" = Option<String>, Query, description = "`csv` (or `Accept: text/csv`): every row of every report the filters select, in the import format (docs/csv-format.md)")),
    responses((status = 200, content((Paginated<Receipt> = "application/json"), (String = "text/csv")))), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: Query<TimeReportQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let month = optional_month(q.month.as_deref())?;
    let scope = caller.scope();
    let (user, late) = (q.assistance_user_id.clone(), q.late);
    if super::imports::wants_csv(&req)? {
        caller.read_export(
            format!("csv:time_reports:{}", month.as_deref().unwrap_or("all")),
            caller.org.as_deref(),
            Vec::new(),
        );
        return super::imports::list_csv(&state, scope, month, user, late).await;
    }
    let ctx = state.late();
    pagination::respond_read(
        &state,
        &caller,
        kind::TIME_REPORT,
        page,
        move |conn, p| -> ApiResult<Vec<Receipt>> {
            let page =
                store::list_reports(conn, &scope, month.as_deref(), user.as_deref(), late, p)?;
            Ok(current_receipts(conn, &ctx, &page)?)
        },
        |r| r.id.clone(),
        |_| None,
        |r| r,
    )
    .await
}

/// A stored version's receipt with the month's agreement warning as the
/// agreements stand now.
fn current_receipt(
    conn: &mut DbConn,
    ctx: &LateContext,
    report: &ReportRow,
    v: &crate::db::time_reports::VersionRow,
) -> diesel::QueryResult<Receipt> {
    let mut r = late::receipt(conn, ctx, report, v)?;
    crate::service::agreements::add_to_receipt(conn, &report.organisation_id, &mut r)?;
    Ok(r)
}

/// [`current_receipt`] of a page of reports: the 2027 rule's standings and
/// the agreements are read once for the page (a few queries), not once per
/// report; only a version that loses hours to lateness reads its days.
fn current_receipts(
    conn: &mut DbConn,
    ctx: &LateContext,
    page: &[(ReportRow, crate::db::time_reports::VersionRow)],
) -> diesel::QueryResult<Vec<Receipt>> {
    use crate::domain::month::ReportMonth;
    use crate::service::agreements::{push_warning, UserAgreements};
    let standings = late::standings_of_reports(conn, ctx, page.iter().map(|(r, _)| r))?;
    let months: Vec<ReportMonth> = page
        .iter()
        .filter_map(|(r, _)| ReportMonth::parse(&r.month).ok())
        .collect();
    let range = months.iter().min().zip(months.iter().max());
    let mut agreements: std::collections::HashMap<String, UserAgreements> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(page.len());
    for (r, v) in page {
        let mut receipt = late::annotated(conn, ctx, standings.get(&r.id), r, v)?;
        if let (Ok(month), Some((&first, &last))) = (ReportMonth::parse(&r.month), range) {
            if !agreements.contains_key(&r.organisation_id) {
                let loaded = UserAgreements::load(conn, &r.organisation_id, first, last)?;
                agreements.insert(r.organisation_id.clone(), loaded);
            }
            let terms = &agreements[&r.organisation_id];
            push_warning(&mut receipt, terms.warning(&r.assistance_user_id, month));
        }
        out.push(receipt);
    }
    Ok(out)
}

/// Time reports as handlers read them by id.
const TIME_REPORT: Record<ReportRow> = Record {
    what: "Time report",
    read: store::get_report,
};

/// Loads a version (the current one when `version` is None) with its rows,
/// and the report's organisation.
pub(super) fn load(
    conn: &mut DbConn,
    ctx: &LateContext,
    caller_scope: &Scope,
    id: &str,
    version: Option<i32>,
) -> ApiResult<(TimeReport, String)> {
    let report = TIME_REPORT.find(conn, caller_scope, id)?;
    let n = version.unwrap_or(report.current_version);
    let v =
        store::get_version(conn, &report.id, n)?.ok_or_else(|| ApiError::not_found("Version"))?;
    let rows = store::rows_of_version(conn, &v.id)?;
    let signed = crate::db::signatures::report_signatures(conn, &report.id, Some(v.version))?;
    let out = TimeReport {
        receipt: current_receipt(conn, ctx, &report, &v)?,
        signatures: crate::service::signing::report_status(&rows, &signed),
        rows: rows.into_iter().map(RowOutput::from).collect(),
    };
    Ok((out, report.organisation_id))
}

/// The current version with its rows.
#[utoipa::path(get, path = "/api/v1/time-reports/{id}", operation_id = "getTimeReport", tag = "time reports",
    params(("format" = Option<String>, Query, description = "`csv` (or `Accept: text/csv`): the rows in the import format (docs/csv-format.md)")),
    responses((status = 200, content((TimeReport = "application/json"), (String = "text/csv"))), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if super::imports::wants_csv(&req)? {
        return super::imports::report_csv(&state, &caller, id.into_inner()).await;
    }
    let scope = caller.scope();
    let id = id.into_inner();
    let ctx = state.late();
    let (report, org) = state
        .db(move |conn| load(conn, &ctx, &scope, &id, None))
        .await?;
    caller.read_one(kind::TIME_REPORT, &org, &report.receipt.id);
    Ok(HttpResponse::Ok().json(report))
}

/// Every version's receipt, oldest first.
#[utoipa::path(get, path = "/api/v1/time-reports/{id}/versions", operation_id = "listTimeReportVersions", tag = "time reports",
    responses((status = 200, body = Vec<Receipt>), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn versions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ctx = state.late();
    let (list, org, id) = TIME_REPORT
        .with(&state, caller.scope(), id, move |conn, report| {
            let versions = store::list_versions(conn, &report.id)?;
            let mut list = late::receipts_of_report(conn, &ctx, &report, &versions)?;
            for r in &mut list {
                crate::service::agreements::add_to_receipt(conn, &report.organisation_id, r)?;
            }
            Ok((list, report.organisation_id, report.id))
        })
        .await?;
    caller.read_one(kind::TIME_REPORT, &org, &id);
    Ok(HttpResponse::Ok().json(list))
}

/// One version, unchanged since it was received.
#[utoipa::path(get, path = "/api/v1/time-reports/{id}/versions/{version}", operation_id = "getTimeReportVersion", tag = "time reports",
    responses((status = 200, body = TimeReport), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn version(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i32)>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let (id, n) = path.into_inner();
    let ctx = state.late();
    let (report, org) = state
        .db(move |conn| load(conn, &ctx, &scope, &id, Some(n)))
        .await?;
    caller.read_one(kind::TIME_REPORT, &org, &report.receipt.id);
    Ok(HttpResponse::Ok().json(report))
}

/// One entry of a time report's trail: a submission, correction, void,
/// close or reopen (reads are in `GET /audit`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TrailEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub content_hash: Option<String>,
    pub reason: Option<String>,
}

/// Who submitted and corrected the report, when, with what hash and reason.
#[utoipa::path(get, path = "/api/v1/time-reports/{id}/audit", operation_id = "getTimeReportAudit", tag = "time reports",
    responses((status = 200, body = Vec<TrailEntry>), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn audit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let entries = TIME_REPORT
        .with(&state, caller.scope(), id, |conn, report| {
            Ok(crate::db::audit::for_entity(
                conn,
                "time_report",
                &report.id,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        entries
            .into_iter()
            .map(|e| TrailEntry {
                at: super::utc_string(e.at),
                actor: e.actor,
                action: e.action,
                content_hash: e.content_hash,
                reason: e.reason,
            })
            .collect::<Vec<_>>(),
    ))
}
