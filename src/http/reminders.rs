//! `/reminders`: every open obligation FK must hear of, by due date, since
//! FK sends no reminders from 2027. The rules are `domain::reminder`; see
//! `docs/deadlines.md#reminders`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::AppState;
use crate::db::register as reg;
use crate::domain::deadline::stockholm_date;
use crate::domain::reminder::{
    Reminder as Rule, ReminderKind, Severity, DEFAULT_WITHIN_DAYS, MAX_WITHIN_DAYS,
};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reminders", web::get().to(list));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReminderQuery {
    /// List what is due within this many days, 0–366 (default 7); overdue
    /// obligations always, birthdays from 60 days ahead whatever this is.
    pub within_days: Option<i64>,
    /// Admins and auditors: one organisation (default: all).
    pub organisation_id: Option<String>,
    /// `csv` for a spreadsheet (same as `Accept: text/csv`), or `json`.
    #[allow(dead_code)] // read from the raw query by `imports::wants_csv`
    pub format: Option<String>,
}

/// One open obligation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reminder {
    pub kind: ReminderKind,
    pub organisation_id: String,
    pub assistance_user_id: String,
    /// The month reported (`YYYY-MM`): time reports and invoices only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// Change notices only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_notice_id: Option<String>,
    /// FK's deadline (reports and invoices), the notice's due date, or the
    /// birthday.
    pub due_date: NaiveDate,
    /// The organisation's cut-off: time reports and invoices only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_due_date: Option<NaiveDate>,
    /// Days from today (Europe/Stockholm) to `due_date`; negative when past.
    pub days_left: i64,
    pub severity: Severity,
}

impl From<Rule> for Reminder {
    fn from(r: Rule) -> Self {
        Reminder {
            kind: r.kind,
            organisation_id: r.organisation_id,
            assistance_user_id: r.assistance_user_id,
            month: r.month.map(|m| m.to_string()),
            change_notice_id: r.change_notice_id,
            due_date: r.due_date,
            internal_due_date: r.internal_due_date,
            days_left: r.days_left,
            severity: r.severity,
        }
    }
}

/// The reminders: every open obligation of the caller's organisation (admins
/// and auditors: every organisation, or `organisation_id`'s), sorted by
/// `due_date`.
#[utoipa::path(get, path = "/api/v1/reminders", operation_id = "listReminders", tag = "reminders", params(ReminderQuery),
    responses((status = 200, body = Vec<Reminder>, description = "JSON, or CSV with `Accept: text/csv`"),
              (status = 404, body = crate::error::Problem, description = "Unknown `organisation_id`"),
              (status = 422, body = crate::error::Problem, description = "`out_of_range` (`within_days`)")),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: Query<ReminderQuery>,
) -> ApiResult<HttpResponse> {
    let csv = super::imports::wants_csv(&req)?;
    let within_days = q.within_days.unwrap_or(DEFAULT_WITHIN_DAYS);
    if !(0..=MAX_WITHIN_DAYS).contains(&within_days) {
        return Err(ApiError::validation(vec![FieldError::field(
            "within_days",
            "out_of_range",
            format!("`within_days` must be between 0 and {MAX_WITHIN_DAYS}."),
        )]));
    }
    let scope = match (caller.scope(), &q.organisation_id) {
        (Scope::All, Some(org)) => Scope::Org(org.clone()),
        (s, _) => s,
    };
    let today = stockholm_date(state.now());
    let policy = state.deadline_policy;
    let reminders: Vec<Reminder> = state
        .db(move |conn| {
            if let Some(org) = scope.org() {
                reg::get_organisation(conn, &Scope::All, org)?
                    .ok_or_else(|| ApiError::not_found("Organisation"))?;
            }
            Ok(crate::service::reminders::reminders(
                conn,
                &scope,
                today,
                policy,
                within_days,
            )?)
        })
        .await?
        .into_iter()
        .map(Reminder::from)
        .collect();
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"reminders-{today}.csv\""),
            ))
            .body(to_csv(&reminders)));
    }
    Ok(HttpResponse::Ok().json(reminders))
}

/// `;`-separated with a BOM, like the dashboard's CSV; empty cells for the
/// fields a kind does not have.
fn to_csv(reminders: &[Reminder]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record([
        "kind",
        "organisation_id",
        "assistance_user_id",
        "month",
        "change_notice_id",
        "due_date",
        "internal_due_date",
        "days_left",
        "severity",
    ])
    .expect("in-memory write");
    for r in reminders {
        w.write_record([
            r.kind.as_str().to_string(),
            r.organisation_id.clone(),
            r.assistance_user_id.clone(),
            r.month.clone().unwrap_or_default(),
            r.change_notice_id.clone().unwrap_or_default(),
            r.due_date.to_string(),
            r.internal_due_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            r.days_left.to_string(),
            r.severity.as_str().to_string(),
        ])
        .expect("in-memory write");
    }
    w.into_inner().expect("in-memory flush")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_leaves_absent_fields_empty() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let due = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let r = Reminder::from(Rule::new(ReminderKind::Turns18, "o", "u", today, due, None));
        let text = String::from_utf8(to_csv(&[r])).unwrap();
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert!(lines.next().unwrap().starts_with("kind;organisation_id"));
        assert_eq!(lines.next(), Some("turns_18;o;u;;;2026-12-10;;7;due_soon"));
    }
}
