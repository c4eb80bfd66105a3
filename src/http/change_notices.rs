//! `/change-notices`: changes FK must hear of at the latest 14 days after
//! they happened (*ändringsanmälan*), and when they were reported. The rules
//! are `domain::change_notice`; see `docs/change-notices.md`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{new_id, nullable, utc_string, AppState, Faults};
use crate::db::change_notices::{self as store, ChangeNoticeRow, StatusFilter};
use crate::db::register as reg;
use crate::db::DbConn;
use crate::domain::birthdays::stored_number;
use crate::domain::change_notice::{
    check_kind_for_age, check_note, due_date, reported_late, status, ChangeKind, NoticeStatus,
};
use crate::domain::deadline::{stockholm_date, DeadlinePolicy};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};

/// Change notices as handlers read and change them by id.
const CHANGE_NOTICE: Record<ChangeNoticeRow> = Record {
    what: "Change notice",
    read: store::get,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/change-notices", web::post().to(create))
        .route("/change-notices", web::get().to(list))
        .route("/change-notices/{id}", web::get().to(get))
        .route("/change-notices/{id}", web::patch().to(patch));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChangeNotice {
    pub assistance_user_id: String,
    /// What changed; `partner_moving_in_or_out` and `work_start_end_change`
    /// are for adults only (18 or older on `occurred_on`).
    pub kind: ChangeKind,
    /// The day the change happened (Europe/Stockholm date).
    #[serde(deserialize_with = "super::extract::date::required")]
    pub occurred_on: NaiveDate,
    /// The day FK was told; left out or null while not yet reported.
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub reported_to_fk_on: Option<NaiveDate>,
    /// Free text (at most 2000 characters); never logged.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchChangeNotice {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = ChangeKind)]
    pub kind: Option<ChangeKind>,
    #[serde(default, deserialize_with = "super::extract::date::present")]
    #[schema(value_type = NaiveDate)]
    pub occurred_on: Option<NaiveDate>,
    /// The day FK was told (reporting the notice); `null` un-reports it.
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub reported_to_fk_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeNotice {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub reported_to_fk_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// `occurred_on` + 14 days, moved to the next working day by the
    /// deadline's weekday rule.
    pub due_date: NaiveDate,
    /// On today's date (Europe/Stockholm): `open`, `reported` or `overdue`.
    pub status: NoticeStatus,
    /// Reported after `due_date`.
    pub reported_late: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl ChangeNotice {
    fn of(r: ChangeNoticeRow, today: NaiveDate) -> Self {
        Self {
            status: status(r.due_date, r.reported_to_fk_on, today),
            reported_late: reported_late(r.due_date, r.reported_to_fk_on),
            id: r.id,
            organisation_id: r.organisation_id,
            assistance_user_id: r.assistance_user_id,
            kind: r.kind,
            occurred_on: r.occurred_on,
            reported_to_fk_on: r.reported_to_fk_on,
            note: r.note,
            due_date: r.due_date,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// Checks a complete notice against the rules and the register (the user is
/// the organisation's; an adults-only kind needs an adult on the day of the
/// change) and sets its due date.
fn validate(
    conn: &mut DbConn,
    row: &mut ChangeNoticeRow,
    today: NaiveDate,
    policy: DeadlinePolicy,
) -> ApiResult<()> {
    let mut faults = Faults::default();
    let scope = Scope::Org(row.organisation_id.clone());
    match reg::get_assistance_user(conn, &scope, &row.assistance_user_id)? {
        None => faults.push(
            "/assistance_user_id",
            "unknown_assistance_user",
            "No such assistance user in your organisation.",
        ),
        Some(user) => {
            let kind = ChangeKind::parse(&row.kind).unwrap_or(ChangeKind::Other);
            if let Some(p) = stored_number(&user.personnummer) {
                faults.check("/kind", check_kind_for_age(kind, p.age_on(row.occurred_on)));
            }
        }
    }
    if row.reported_to_fk_on.is_some_and(|d| d > today) {
        faults.push(
            "/reported_to_fk_on",
            "date_in_future",
            "`reported_to_fk_on` is after today.",
        );
    }
    if let Some(n) = &row.note {
        faults.check("/note", check_note(n));
    }
    row.due_date = due_date(row.occurred_on, policy);
    finish(faults)
}

/// The faults as a 422. A child's adults-only kind alone is answered with its
/// own code (`kind_not_for_child`), the fault at `/kind` in `errors`.
fn finish(faults: Faults) -> ApiResult<()> {
    match faults.0.as_slice() {
        [one] if one.code == "kind_not_for_child" => Err(ApiError::unprocessable(
            "kind_not_for_child",
            one.message.clone(),
        )
        .with_errors(faults.0)),
        _ => faults.finish(),
    }
}

/// Record a change notice.
#[utoipa::path(post, path = "/api/v1/change-notices", operation_id = "createChangeNotice", tag = "change notices",
    request_body = CreateChangeNotice,
    responses((status = 201, body = ChangeNotice),
              (status = 422, body = crate::error::Problem, description = "`kind_not_for_child` (at `/kind`) or `validation_failed`")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateChangeNotice>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let now = state.now();
    let today = stockholm_date(now);
    let policy = state.deadline_policy;
    let mut row = ChangeNoticeRow {
        id: new_id(),
        organisation_id: org,
        assistance_user_id: b.assistance_user_id,
        kind: b.kind.as_str().to_string(),
        occurred_on: b.occurred_on,
        due_date: b.occurred_on,
        reported_to_fk_on: b.reported_to_fk_on,
        note: b.note,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
            validate(conn, &mut row, today, policy)?;
            store::insert(conn, &row)?;
        tracing::info!(change_notice_id = %row.id, assistance_user_id = %row.assistance_user_id, "change notice created");
            Ok(Reply::created(format!("/api/v1/change-notices/{}", row.id), &ChangeNotice::of(row, today)))
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ChangeNoticeQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub assistance_user_id: Option<String>,
    /// `open`, `overdue` or `reported` (on today's date).
    pub status: Option<String>,
}

/// List change notices.
#[utoipa::path(get, path = "/api/v1/change-notices", operation_id = "listChangeNotices", tag = "change notices", params(ChangeNoticeQuery),
    responses((status = 200, body = Paginated<ChangeNotice>), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<ChangeNoticeQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let today = stockholm_date(state.now());
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(match NoticeStatus::parse(s) {
            Some(NoticeStatus::Open) => (StatusFilter::Open, today),
            Some(NoticeStatus::Overdue) => (StatusFilter::Overdue, today),
            Some(NoticeStatus::Reported) => (StatusFilter::Reported, today),
            None => {
                return Err(ApiError::validation(vec![FieldError::field(
                    "status",
                    "invalid_parameter",
                    "`status` must be `open`, `overdue` or `reported`.",
                )]))
            }
        }),
    };
    let scope = caller.scope();
    let user = q.assistance_user_id.clone();
    pagination::respond(
        &state,
        page,
        move |conn, p| store::list(conn, &scope, user.as_deref(), status, p),
        |r| r.id.clone(),
        move |r| ChangeNotice::of(r, today),
    )
    .await
}

/// Read a change notice.
#[utoipa::path(get, path = "/api/v1/change-notices/{id}", operation_id = "getChangeNotice", tag = "change notices",
    responses((status = 200, body = ChangeNotice), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let today = stockholm_date(state.now());
    let row = CHANGE_NOTICE.get(&state, caller.scope(), id).await?;
    Ok(HttpResponse::Ok().json(ChangeNotice::of(row, today)))
}

/// Change a notice; reporting it to FK is `{"reported_to_fk_on": "YYYY-MM-DD"}`.
#[utoipa::path(patch, path = "/api/v1/change-notices/{id}", operation_id = "updateChangeNotice", tag = "change notices",
    request_body = PatchChangeNotice,
    responses((status = 200, body = ChangeNotice), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem, description = "`kind_not_for_child` (at `/kind`) or `validation_failed`")),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<PatchChangeNotice>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?;
    let b = body.0;
    let now = state.now();
    let today = stockholm_date(now);
    let policy = state.deadline_policy;
    let row = CHANGE_NOTICE
        .change(&state, org, id, move |conn, mut row| {
            if let Some(k) = b.kind {
                row.kind = k.as_str().to_string();
            }
            if let Some(d) = b.occurred_on {
                row.occurred_on = d;
            }
            if let Some(d) = b.reported_to_fk_on {
                row.reported_to_fk_on = d;
            }
            if let Some(n) = b.note {
                row.note = n;
            }
            row.updated_at = now.naive_utc();
            validate(conn, &mut row, today, policy)?;
            store::save(conn, &row)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ChangeNotice::of(row, today)))
}
