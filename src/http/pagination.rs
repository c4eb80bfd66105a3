//! Keyset pagination: `?limit=&cursor=`, ordered by id so that pages are
//! stable while records are added.

use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
pub use crate::db::page::Page;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct PageParams {
    /// Items per page, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page a list query's `limit` and `cursor` ask for.
    pub fn of(limit: Option<i64>, cursor: &Option<String>) -> Result<Page, ApiError> {
        PageParams {
            limit,
            cursor: cursor.clone(),
        }
        .validated()
    }

    pub fn validated(&self) -> Result<Page, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::validation(vec![FieldError::field(
                "limit",
                "out_of_range",
                format!("`limit` must be between 1 and {MAX_LIMIT}."),
            )]));
        }
        Ok(Page {
            limit,
            after: self.cursor.clone().filter(|c| !c.is_empty()),
        })
    }
}

/// A page of items and the cursor of the next page (`null` on the last).
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Paginated<T> {
    /// `rows` was fetched with `limit + 1` to learn whether more exist.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        page: &Page,
        id: impl Fn(&R) -> String,
        map: impl Fn(R) -> T,
    ) -> Self {
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let next_cursor = if more { rows.last().map(&id) } else { None };
        Self {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

/// Answers a list request with one page: `read` fetches `limit + 1` rows
/// after the cursor (on the blocking pool), `id` is a row's cursor and `map`
/// turns a row into an item.
pub async fn respond<R, T, E>(
    state: &AppState,
    page: Page,
    read: impl FnOnce(&mut DbConn, &Page) -> Result<Vec<R>, E> + Send + 'static,
    id: impl Fn(&R) -> String,
    map: impl Fn(R) -> T,
) -> ApiResult<HttpResponse>
where
    R: Send + 'static,
    T: ToSchema + Serialize,
    ApiError: From<E>,
{
    let p = page.clone();
    let rows = state.db(move |conn| Ok(read(conn, &p)?)).await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(rows, &page, id, map)))
}

/// [`respond`] for a list of personal data: the ids on the page are
/// recorded as the request's one read-audit entry of `kind`; `org` is a
/// row's organisation (when the row knows it).
#[allow(clippy::too_many_arguments)]
pub async fn respond_read<R, T, E>(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    kind: &'static str,
    page: Page,
    read: impl FnOnce(&mut DbConn, &Page) -> Result<Vec<R>, E> + Send + 'static,
    id: impl Fn(&R) -> String,
    org: impl Fn(&R) -> Option<String>,
    map: impl Fn(R) -> T,
) -> ApiResult<HttpResponse>
where
    R: Send + 'static,
    T: ToSchema + Serialize,
    ApiError: From<E>,
{
    let p = page.clone();
    let rows = state.db(move |conn| Ok(read(conn, &p)?)).await?;
    let shown = rows.iter().take(page.limit as usize);
    caller.read_list(kind, shown.map(|r| (org(r), id(r))).collect());
    Ok(HttpResponse::Ok().json(Paginated::from_rows(rows, &page, id, map)))
}
