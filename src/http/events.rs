//! `/events`: the event feed, in commit order (docs/integrations.md).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use super::AppState;
use crate::db::Scope;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::Caller;
use crate::service::events::Event;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(list));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventQuery {
    /// `next_cursor` of the previous page; absent or empty: from the first event.
    pub cursor: Option<String>,
    /// Events per page, 1–500 (default 50).
    pub limit: Option<i64>,
    /// Admins and auditors: one organisation's events (default: all).
    pub organisation_id: Option<String>,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// In commit order, oldest first.
    pub items: Vec<Event>,
    /// Where the next page starts: pass it as `cursor`. Never null; an empty
    /// page means there is nothing newer yet (poll again with the same cursor).
    pub next_cursor: String,
}

/// The caller's organisation's events (admins and auditors: every
/// organisation's) after `cursor`, in commit order: no gap, no duplicate.
#[utoipa::path(get, path = "/api/v1/events", operation_id = "listEvents", tag = "events",
    params(EventQuery), responses((status = 200, body = EventPage), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<EventQuery>,
) -> ApiResult<HttpResponse> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::field(
            "limit",
            "out_of_range",
            format!("`limit` must be between 1 and {MAX_LIMIT}."),
        )]));
    }
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::validation(vec![FieldError::field(
                "cursor",
                "invalid_cursor",
                "`cursor` must be a `next_cursor` this endpoint returned.",
            )])
        })?,
    };
    let scope = match (caller.scope(), &q.organisation_id) {
        (Scope::All, Some(org)) => Scope::Org(org.clone()),
        (s, _) => s,
    };
    let rows = state
        .db(move |conn| Ok(crate::db::events::list(conn, &scope, after, limit)?))
        .await?;
    let next_cursor = rows.last().map_or(after, |r| r.seq).to_string();
    Ok(HttpResponse::Ok().json(EventPage {
        items: rows.into_iter().map(Event::from).collect(),
        next_cursor,
    }))
}
