//! Month close: which (organisation, assistance user, month) are closed.
//! A closing is reopened by filling in `reopened_*`, never deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::month_closures;
use super::DbConn;
use crate::db::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = month_closures)]
pub struct ClosureRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: String,
    pub time_report_id: String,
    pub time_report_version: i32,
    pub invoice_id: String,
    pub invoice_version: i32,
    pub closed_at: NaiveDateTime,
    pub closed_by: String,
    pub reopened_at: Option<NaiveDateTime>,
    pub reopened_by: Option<String>,
    pub reopen_reason: Option<String>,
}

/// The closing in force for the month, if it is closed.
pub fn closure(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
) -> QueryResult<Option<ClosureRow>> {
    month_closures::table
        .filter(month_closures::organisation_id.eq(org))
        .filter(month_closures::assistance_user_id.eq(user))
        .filter(month_closures::month.eq(month))
        .filter(month_closures::reopened_at.is_null())
        .select(ClosureRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_closure(conn: &mut DbConn, row: &ClosureRow) -> QueryResult<()> {
    diesel::insert_into(month_closures::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn mark_reopened(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    by: &str,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(month_closures::table.filter(month_closures::id.eq(id)))
        .set((
            month_closures::reopened_at.eq(Some(at)),
            month_closures::reopened_by.eq(Some(by)),
            month_closures::reopen_reason.eq(Some(reason)),
        ))
        .execute(conn)
        .map(drop)
}

/// (organisation, assistance user) of every closed month `month` in scope.
pub fn closed_in_month(
    conn: &mut DbConn,
    scope: &Scope,
    month: &str,
) -> QueryResult<Vec<(String, String)>> {
    let mut q = month_closures::table
        .filter(month_closures::month.eq(month))
        .filter(month_closures::reopened_at.is_null())
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(month_closures::organisation_id.eq(org.to_string()));
    }
    q.select((
        month_closures::organisation_id,
        month_closures::assistance_user_id,
    ))
    .load(conn)
}

/// The organisation's time reports of a month (one user's, if given).
pub fn reports_of_month(
    conn: &mut DbConn,
    org: &str,
    user: Option<&str>,
    month: &str,
) -> QueryResult<Vec<crate::db::time_reports::ReportRow>> {
    use super::schema::time_reports;
    let mut q = time_reports::table
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::month.eq(month))
        .into_boxed();
    if let Some(u) = user {
        q = q.filter(time_reports::assistance_user_id.eq(u.to_string()));
    }
    q.order(time_reports::id.asc())
        .select(crate::db::time_reports::ReportRow::as_select())
        .load(conn)
}

/// (organisation, user, report id, version, assistant).
pub type VersionAssistant = (String, String, String, i32, String);

/// The assistants of the current version of every report of `month` in
/// scope, from the per-version day totals.
pub fn assistants_of_current_versions(
    conn: &mut DbConn,
    scope: &Scope,
    month: &str,
) -> QueryResult<Vec<VersionAssistant>> {
    use super::schema::{time_report_days, time_report_versions, time_reports};
    let mut q = time_reports::table
        .inner_join(time_report_versions::table)
        .inner_join(
            time_report_days::table.on(time_report_days::version_id.eq(time_report_versions::id)),
        )
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .filter(time_reports::month.eq(month.to_string()))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(time_reports::organisation_id.eq(org.to_string()));
    }
    q.select((
        time_reports::organisation_id,
        time_reports::assistance_user_id,
        time_reports::id,
        time_report_versions::version,
        time_report_days::assistant_id,
    ))
    .distinct()
    .load(conn)
}
