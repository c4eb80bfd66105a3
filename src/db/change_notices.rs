//! Change notices (*ändringsanmälan*). Reads take the caller's [`Scope`].

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::change_notices as cn;
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = cn, treat_none_as_null = true)]
pub struct ChangeNoticeRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub kind: String,
    pub occurred_on: NaiveDate,
    /// Computed when written: `occurred_on` + 14 days, the weekday rule.
    pub due_date: NaiveDate,
    pub reported_to_fk_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ChangeNoticeRow) -> QueryResult<()> {
    diesel::insert_into(cn::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn save(conn: &mut DbConn, row: &ChangeNoticeRow) -> QueryResult<()> {
    diesel::update(cn::table.filter(cn::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(drop)
}

pub fn get(conn: &mut DbConn, scope: &Scope, id: &str) -> QueryResult<Option<ChangeNoticeRow>> {
    let mut q = cn::table.filter(cn::id.eq(id)).into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(cn::organisation_id.eq(org.to_string()));
    }
    q.select(ChangeNoticeRow::as_select())
        .first(conn)
        .optional()
}

/// Which notices a list selects, by status on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Not reported, due date not passed.
    Open,
    /// Not reported, due date passed.
    Overdue,
    Reported,
}

/// A page of notices in scope, by id.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    user: Option<&str>,
    status: Option<(StatusFilter, NaiveDate)>,
    page: &Page,
) -> QueryResult<Vec<ChangeNoticeRow>> {
    let mut q = cn::table
        .order(cn::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(cn::organisation_id.eq(org.to_string()));
    }
    if let Some(u) = user {
        q = q.filter(cn::assistance_user_id.eq(u.to_string()));
    }
    match status {
        None => {}
        Some((StatusFilter::Reported, _)) => q = q.filter(cn::reported_to_fk_on.is_not_null()),
        Some((StatusFilter::Open, today)) => {
            q = q
                .filter(cn::reported_to_fk_on.is_null())
                .filter(cn::due_date.ge(today))
        }
        Some((StatusFilter::Overdue, today)) => {
            q = q
                .filter(cn::reported_to_fk_on.is_null())
                .filter(cn::due_date.lt(today))
        }
    }
    if let Some(after) = &page.after {
        q = q.filter(cn::id.gt(after.clone()));
    }
    q.select(ChangeNoticeRow::as_select()).load(conn)
}

/// Every notice in scope not yet reported to FK whose due date is on or
/// before `until` (overdue ones included), by due date.
pub fn unreported_due_by(
    conn: &mut DbConn,
    scope: &Scope,
    until: NaiveDate,
) -> QueryResult<Vec<ChangeNoticeRow>> {
    let mut q = cn::table
        .filter(cn::reported_to_fk_on.is_null())
        .filter(cn::due_date.le(until))
        .order((cn::due_date.asc(), cn::id.asc()))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(cn::organisation_id.eq(org.to_string()));
    }
    q.select(ChangeNoticeRow::as_select()).load(conn)
}

/// Unreported notices in scope per (organisation, user): how many are still
/// open and how many overdue on `today`.
pub fn unreported_counts(
    conn: &mut DbConn,
    scope: &Scope,
    today: NaiveDate,
) -> QueryResult<Vec<(String, String, u32, u32)>> {
    let mut q = cn::table
        .filter(cn::reported_to_fk_on.is_null())
        .select((cn::organisation_id, cn::assistance_user_id, cn::due_date))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(cn::organisation_id.eq(org.to_string()));
    }
    let rows: Vec<(String, String, NaiveDate)> = q.load(conn)?;
    let mut out: std::collections::BTreeMap<(String, String), (u32, u32)> = Default::default();
    for (org, user, due) in rows {
        let e = out.entry((org, user)).or_default();
        if due < today {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    Ok(out
        .into_iter()
        .map(|((o, u), (open, overdue))| (o, u, open, overdue))
        .collect())
}
