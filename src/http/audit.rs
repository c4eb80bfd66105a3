//! `GET /audit`: the audit trail, reads (`http::read_audit`) and changes
//! alike. Admins and auditors see every entry; a provider the entries filed
//! under its organisation (its own requests, and others' reads and changes
//! of its data).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::pagination::{PageParams, Paginated};
use super::AppState;
use crate::db::audit::{self, AuditFilter, AuditRow};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `assistance_user`, `assistant`, `time_report`, `invoice`,
    /// `document`, `export`, `dashboard`, or the kind of a changed record
    /// (`organisation`, `rate`, `api_key`, …).
    pub subject_kind: Option<String>,
    /// The record: entries about it, and list reads and exports that
    /// returned it.
    pub subject_id: Option<String>,
    /// `<role>:<subject>` as entries name it, e.g. `provider:api_key:<id>`.
    pub actor: Option<String>,
    /// From this instant (RFC 3339) or day (YYYY-MM-DD, Europe/Stockholm).
    pub from: Option<String>,
    /// Before this instant, or up to and including this day.
    pub to: Option<String>,
    /// Entries per page, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// One entry of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: String,
    /// `<role>:<subject>`; an API key's subject is `api_key:<id>`, an
    /// account's `account:<id>`.
    pub actor: String,
    /// `read`, or what changed it (`create`, `update`, `submit`, `correct`,
    /// `sign`, `upload`, `close_month`, …).
    pub action: String,
    pub subject_kind: String,
    /// The record, or an export's name (`paxml:2026-10`); null for a list.
    pub subject_id: Option<String>,
    /// A list read's or an export's records, in the order returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_ids: Option<Vec<String>>,
    /// The organisation whose data it was (null when it spanned several).
    pub organisation_id: Option<String>,
    /// The request's `x-request-id` (null for entries written before it
    /// was kept).
    pub request_id: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            at: r
                .at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor: r.actor,
            action: r.action,
            subject_kind: r.entity,
            subject_id: Some(r.entity_id).filter(|s| !s.is_empty()),
            subject_ids: r.subject_ids.as_deref().map(audit::split_ids),
            organisation_id: r.organisation_id,
            request_id: r.request_id,
        }
    }
}

/// The audit trail, oldest first, filtered.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "listAuditEntries", tag = "operations", params(AuditQuery),
    responses((status = 200, body = Paginated<AuditEntry>), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &None)?;
    let mut faults = Vec::new();
    let from = instant(q.from.as_deref(), "from", false, &mut faults);
    let to = instant(q.to.as_deref(), "to", true, &mut faults);
    let after = q.cursor.as_deref().filter(|c| !c.is_empty()).and_then(|c| {
        let parsed = parse_cursor(c);
        if parsed.is_none() {
            faults.push(FieldError::field(
                "cursor",
                "invalid_parameter",
                "`cursor` is a `next_cursor` from an earlier page.",
            ));
        }
        parsed
    });
    for (name, value) in [
        ("subject_kind", &q.subject_kind),
        ("subject_id", &q.subject_id),
        ("actor", &q.actor),
    ] {
        if value.as_deref().is_some_and(|v| !token(v)) {
            faults.push(FieldError::field(
                name,
                "invalid_parameter",
                format!("`{name}` is an id or name as entries give it (letters, digits, `-`, `_`, `:`, `.`)."),
            ));
        }
    }
    if !faults.is_empty() {
        return Err(ApiError::validation(faults));
    }
    let filter = AuditFilter {
        organisation_id: caller.scope().org().map(str::to_string),
        entity: q.subject_kind.clone(),
        subject_id: q.subject_id.clone(),
        actor: q.actor.clone(),
        from,
        to,
        after,
        limit: page.limit + 1,
    };
    let rows = state
        .db(move |conn| Ok(audit::search(conn, &filter)?))
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |r| cursor(r.at, &r.id),
        AuditEntry::from,
    )))
}

/// Ids, kinds and actors: what the trail holds, nothing a LIKE would read
/// as a pattern.
fn token(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 200
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// `from`/`to` as a UTC instant: RFC 3339, or a Stockholm day (its start,
/// or for `to` the start of the next day, so that the day is included).
fn instant(
    v: Option<&str>,
    name: &str,
    end_of_day: bool,
    faults: &mut Vec<FieldError>,
) -> Option<NaiveDateTime> {
    let v = v?;
    if let Ok(at) = DateTime::parse_from_rfc3339(v) {
        return Some(at.with_timezone(&Utc).naive_utc());
    }
    if let Ok(day) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let day = if end_of_day { day.succ_opt()? } else { day };
        let start = chrono_tz::Europe::Stockholm
            .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
            .earliest()?;
        return Some(start.with_timezone(&Utc).naive_utc());
    }
    faults.push(FieldError::field(
        name,
        "invalid_parameter",
        format!("`{name}` is an RFC 3339 instant or a day YYYY-MM-DD."),
    ));
    None
}

/// A page boundary: the last entry's instant and id.
fn cursor(at: NaiveDateTime, id: &str) -> String {
    format!("{}~{id}", at.and_utc().timestamp_micros())
}

fn parse_cursor(c: &str) -> Option<(NaiveDateTime, String)> {
    let (micros, id) = c.split_once('~')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    token(id).then(|| (at, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::utc_string;

    #[test]
    fn a_cursor_round_trips() {
        let at = "2026-11-10T10:00:00.123456Z"
            .parse::<DateTime<Utc>>()
            .unwrap()
            .naive_utc();
        let c = cursor(at, "0b5c9d0e-1111-4222-8333-444455556666");
        assert_eq!(
            parse_cursor(&c),
            Some((at, "0b5c9d0e-1111-4222-8333-444455556666".to_string()))
        );
        assert_eq!(parse_cursor("nonsense"), None);
    }

    #[test]
    fn a_day_is_a_stockholm_day() {
        let mut f = Vec::new();
        let from = instant(Some("2026-07-01"), "from", false, &mut f).unwrap();
        let to = instant(Some("2026-07-01"), "to", true, &mut f).unwrap();
        assert_eq!(utc_string(from), "2026-06-30T22:00:00Z");
        assert_eq!(utc_string(to), "2026-07-01T22:00:00Z");
        assert!(instant(Some("yesterday"), "from", false, &mut f).is_none());
        assert_eq!(f.len(), 1);
    }
}
