//! What the 2027 rule reads: when each version of a month's time report and
//! invoice arrived, the exceptions FK granted, and a version's day totals.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    invoice_versions, invoices, late_exceptions, time_report_days, time_report_versions,
    time_reports,
};
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;

/// An exception FK granted for a month reported late.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = late_exceptions)]
pub struct ExceptionRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: String,
    pub fk_reference: String,
    pub decided_on: NaiveDate,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_exception(conn: &mut DbConn, row: &ExceptionRow) -> QueryResult<()> {
    diesel::insert_into(late_exceptions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find_exception(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
) -> QueryResult<Option<ExceptionRow>> {
    late_exceptions::table
        .filter(late_exceptions::organisation_id.eq(org))
        .filter(late_exceptions::assistance_user_id.eq(user))
        .filter(late_exceptions::month.eq(month))
        .select(ExceptionRow::as_select())
        .first(conn)
        .optional()
}

pub fn get_exception(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<ExceptionRow>> {
    let mut q = late_exceptions::table
        .filter(late_exceptions::id.eq(id))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(late_exceptions::organisation_id.eq(org.to_string()));
    }
    q.select(ExceptionRow::as_select()).first(conn).optional()
}

/// Exceptions in scope, optionally of one month and one user, by id.
pub fn list_exceptions(
    conn: &mut DbConn,
    scope: &Scope,
    month: Option<&str>,
    user: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<ExceptionRow>> {
    let mut q = late_exceptions::table.into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(late_exceptions::organisation_id.eq(org.to_string()));
    }
    if let Some(m) = month {
        q = q.filter(late_exceptions::month.eq(m.to_string()));
    }
    if let Some(u) = user {
        q = q.filter(late_exceptions::assistance_user_id.eq(u.to_string()));
    }
    if let Some(after) = &page.after {
        q = q.filter(late_exceptions::id.gt(after.clone()));
    }
    q.order(late_exceptions::id.asc())
        .limit(page.limit + 1)
        .select(ExceptionRow::as_select())
        .load(conn)
}

/// Exceptions of months in `[from, to]` in scope (of some users only, with
/// `users`).
pub fn exceptions_between(
    conn: &mut DbConn,
    scope: &Scope,
    from: &str,
    to: &str,
    users: Option<&[String]>,
) -> QueryResult<Vec<ExceptionRow>> {
    each_chunk(users, |chunk| {
        let mut q = late_exceptions::table
            .filter(late_exceptions::month.ge(from.to_string()))
            .filter(late_exceptions::month.le(to.to_string()))
            .into_boxed();
        if let Some(org) = scope.org() {
            q = q.filter(late_exceptions::organisation_id.eq(org.to_string()));
        }
        if let Some(us) = chunk {
            q = q.filter(late_exceptions::assistance_user_id.eq_any(us.to_vec()));
        }
        q.select(ExceptionRow::as_select()).load(conn)
    })
}

/// Users per query when a read names them: well inside SQLite's limit of
/// bound parameters.
const USERS_PER_QUERY: usize = 500;

/// Runs `query` once for every user (`None`), or once per chunk of the
/// named users, and joins what it returns. A user's rows are all in one
/// chunk, so their order within a report is kept.
fn each_chunk<T>(
    users: Option<&[String]>,
    mut query: impl FnMut(Option<&[String]>) -> QueryResult<Vec<T>>,
) -> QueryResult<Vec<T>> {
    let Some(users) = users else {
        return query(None);
    };
    let mut out = Vec::new();
    for chunk in users.chunks(USERS_PER_QUERY) {
        out.extend(query(Some(chunk))?);
    }
    Ok(out)
}

/// One version of a time report as the rule sees it.
#[derive(Debug, Clone, Queryable)]
pub struct VersionArrival {
    pub report_id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: String,
    pub version_id: String,
    pub version: i32,
    pub received_at: NaiveDateTime,
    pub payable_units: i64,
}

/// Every version of the reports of months in `[from, to]` in scope (of
/// some users only, with `users`), oldest version first within each report.
pub fn version_arrivals(
    conn: &mut DbConn,
    scope: &Scope,
    from: &str,
    to: &str,
    users: Option<&[String]>,
) -> QueryResult<Vec<VersionArrival>> {
    each_chunk(users, |chunk| {
        let mut q = time_reports::table
            .inner_join(time_report_versions::table)
            .filter(time_reports::month.ge(from.to_string()))
            .filter(time_reports::month.le(to.to_string()))
            .into_boxed();
        if let Some(org) = scope.org() {
            q = q.filter(time_reports::organisation_id.eq(org.to_string()));
        }
        if let Some(us) = chunk {
            q = q.filter(time_reports::assistance_user_id.eq_any(us.to_vec()));
        }
        q.order((time_reports::id.asc(), time_report_versions::version.asc()))
            .select((
                time_reports::id,
                time_reports::organisation_id,
                time_reports::assistance_user_id,
                time_reports::month,
                time_report_versions::id,
                time_report_versions::version,
                time_report_versions::received_at,
                time_report_versions::payable_units,
            ))
            .load(conn)
    })
}

/// When each invoice version of months in `[from, to]` arrived:
/// (organisation, user, month, received_at).
pub fn invoice_arrivals(
    conn: &mut DbConn,
    scope: &Scope,
    from: &str,
    to: &str,
    users: Option<&[String]>,
) -> QueryResult<Vec<(String, String, String, NaiveDateTime)>> {
    each_chunk(users, |chunk| {
        let mut q = invoices::table
            .inner_join(invoice_versions::table)
            .filter(invoices::month.ge(from.to_string()))
            .filter(invoices::month.le(to.to_string()))
            .into_boxed();
        if let Some(org) = scope.org() {
            q = q.filter(invoices::organisation_id.eq(org.to_string()));
        }
        if let Some(us) = chunk {
            q = q.filter(invoices::assistance_user_id.eq_any(us.to_vec()));
        }
        q.select((
            invoices::organisation_id,
            invoices::assistance_user_id,
            invoices::month,
            invoice_versions::received_at,
        ))
        .load(conn)
    })
}

/// Payable and double units per day of several versions:
/// (version id, date, payable, double).
pub fn days_of_versions(
    conn: &mut DbConn,
    version_ids: &[String],
) -> QueryResult<Vec<(String, NaiveDate, i64, i64)>> {
    let mut out = Vec::new();
    for chunk in version_ids.chunks(200) {
        out.extend(
            time_report_days::table
                .filter(time_report_days::version_id.eq_any(chunk))
                .select((
                    time_report_days::version_id,
                    time_report_days::work_date,
                    time_report_days::payable_units,
                    time_report_days::double_units,
                ))
                .load::<(String, NaiveDate, i64, i64)>(conn)?,
        );
    }
    Ok(out)
}
