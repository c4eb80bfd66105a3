//! `/late-exceptions`: exceptions FK granted for a month reported late,
//! which make the month's expected payable hours the current version's
//! (see `docs/deadlines.md`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::deadlines::optional_month;
use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{utc_string, AppState, Faults};
use crate::db::late::{self as store, ExceptionRow};
use crate::db::DbConn;
use crate::domain::deadline::stockholm_date;
use crate::domain::deadline::DeadlinePolicy;
use crate::domain::month::ReportMonth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;
use crate::service::late::outer_limit_of;
use crate::service::late_exceptions::{lock_key, record, ExceptionError, NewException, Refusal};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/late-exceptions", web::post().to(create))
        .route("/late-exceptions", web::get().to(list))
        .route("/late-exceptions/{id}", web::get().to(get));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLateException {
    pub assistance_user_id: String,
    /// The month reported late, YYYY-MM.
    pub month: String,
    /// FK's reference (*diarienummer*) of the decision.
    pub fk_reference: String,
    /// The day FK decided; not in the future.
    #[serde(deserialize_with = "super::extract::date::required")]
    pub decided_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LateException {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: String,
    pub fk_reference: String,
    pub decided_on: NaiveDate,
    /// The last day a version of the month counts under the exception: the
    /// 5th of the second month after the grant period ended (weekday rule).
    pub outer_limit: NaiveDate,
    pub recorded_by: String,
    pub created_at: String,
}

fn view(r: ExceptionRow, outer_limit: NaiveDate) -> LateException {
    LateException {
        id: r.id,
        organisation_id: r.organisation_id,
        assistance_user_id: r.assistance_user_id,
        month: r.month,
        fk_reference: r.fk_reference,
        decided_on: r.decided_on,
        outer_limit,
        recorded_by: r.recorded_by,
        created_at: utc_string(r.created_at),
    }
}

/// The view of a stored exception, its outer limit from today's decisions.
fn shown(conn: &mut DbConn, policy: DeadlinePolicy, r: ExceptionRow) -> ApiResult<LateException> {
    let month = ReportMonth::parse(&r.month)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored month {}: {e}", r.month)))?;
    let limit = outer_limit_of(
        conn,
        policy,
        &r.organisation_id,
        &r.assistance_user_id,
        month,
    )?;
    Ok(view(r, limit))
}

fn refusal_problem(e: ExceptionError) -> ApiError {
    match e {
        ExceptionError::Db(e) => e.into(),
        ExceptionError::Refused(r) => match r {
            Refusal::UnknownUser => ApiError::validation(vec![FieldError::at(
                "/assistance_user_id",
                "unknown_assistance_user",
                "No such assistance user in your organisation.",
            )]),
            Refusal::Exists { id } => ApiError::conflict(
                "late_exception_exists",
                "An exception is already recorded for this assistance user and month.",
            )
            .with("late_exception_id", id),
            Refusal::TimeReportMissing => ApiError::validation(vec![FieldError::at(
                "/month",
                "time_report_missing",
                "There is no time report for this month; an exception applies to a report that has arrived.",
            )]),
            Refusal::OuterLimitPassed {
                outer_limit,
                received_on,
            } => ApiError::validation(vec![FieldError::at(
                "/month",
                "outer_limit_passed",
                format!(
                    "The month's last version arrived on {received_on}, after the outer limit {outer_limit} (the 5th of the second month after the grant period ended); FK pays nothing on it, exception or not."
                ),
            )
            .with("outer_limit", outer_limit.to_string())]),
        },
    }
}

/// Record an exception FK granted for a month reported late. 201; 409
/// `late_exception_exists`; 422 `time_report_missing`, `outer_limit_passed`,
/// `decided_on_in_future`, `decided_on_before_month_end`.
#[utoipa::path(post, path = "/api/v1/late-exceptions", operation_id = "createLateException", tag = "deadlines",
    request_body = CreateLateException,
    responses((status = 201, body = LateException),
              (status = 409, body = crate::error::Problem, description = "`late_exception_exists`: the month has one"),
              (status = 422, body = crate::error::Problem, description = "`time_report_missing`, `outer_limit_passed`, `decided_on_in_future`, `decided_on_before_month_end`, `invalid_month`, `invalid_fk_reference`")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateLateException>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let now = state.now();
    let mut faults = Faults::default();
    let month = ReportMonth::parse(&b.month)
        .map_err(|_| {
            faults.push(
                "/month",
                "invalid_month",
                "The month must be written YYYY-MM, e.g. 2027-01.",
            )
        })
        .ok();
    let reference = b.fk_reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 100 {
        faults.push(
            "/fk_reference",
            "invalid_fk_reference",
            "`fk_reference` must be 1–100 characters.",
        );
    }
    if b.decided_on > stockholm_date(now) {
        faults.push(
            "/decided_on",
            "decided_on_in_future",
            format!(
                "{} is in the future; record FK's decision once it is made.",
                b.decided_on
            ),
        );
    }
    // FK decides on a report of a month that has ended; a decision dated
    // within or before the month is a mistyped date.
    if let Some(m) = month.filter(|m| b.decided_on <= m.last_day()) {
        faults.push(
            "/decided_on",
            "decided_on_before_month_end",
            format!(
                "{} is not after {m} ended; FK decides on a month's report after the month.",
                b.decided_on
            ),
        );
    }
    faults.finish()?;
    let month = month.expect("checked");
    let new = NewException {
        assistance_user_id: b.assistance_user_id,
        month,
        fk_reference: reference,
        decided_on: b.decided_on,
    };
    let (actor, policy) = (caller.actor(), state.deadline_policy);
    super::idempotent::write(&state, &caller, &req, move |conn| {
        let key = lock_key(&org, &new.assistance_user_id, month);
        let (row, limit) = conn.write_transaction(&[key], |conn| {
            record(conn, &org, &actor, now, policy, new).map_err(refusal_problem)
        })?;
        tracing::info!(late_exception_id = %row.id, organisation_id = %row.organisation_id, month = %row.month, "late exception recorded");
        let location = format!("/api/v1/late-exceptions/{}", row.id);
        Ok(Reply::created(location, &view(row, limit)))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LateExceptionQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// YYYY-MM.
    pub month: Option<String>,
    pub assistance_user_id: Option<String>,
}

/// The exceptions recorded (a provider's own; all for admins and auditors).
#[utoipa::path(get, path = "/api/v1/late-exceptions", operation_id = "listLateExceptions", tag = "deadlines", params(LateExceptionQuery),
    responses((status = 200, body = Paginated<LateException>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<LateExceptionQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let month = optional_month(q.month.as_deref())?;
    let (scope, user, policy) = (
        caller.scope(),
        q.assistance_user_id.clone(),
        state.deadline_policy,
    );
    pagination::respond(
        &state,
        page,
        move |conn, p| -> ApiResult<Vec<LateException>> {
            store::list_exceptions(conn, &scope, month.as_deref(), user.as_deref(), p)?
                .into_iter()
                .map(|r| shown(conn, policy, r))
                .collect()
        },
        |e| e.id.clone(),
        |e| e,
    )
    .await
}

const LATE_EXCEPTION: Record<ExceptionRow> = Record {
    what: "Late exception",
    read: store::get_exception,
};

/// One exception.
#[utoipa::path(get, path = "/api/v1/late-exceptions/{id}", operation_id = "getLateException", tag = "deadlines",
    responses((status = 200, body = LateException), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let policy = state.deadline_policy;
    let e = LATE_EXCEPTION
        .with(&state, caller.scope(), id, move |conn, r| {
            shown(conn, policy, r)
        })
        .await?;
    Ok(HttpResponse::Ok().json(e))
}
