//! Invoice storage: invoices (*räkning*), their immutable versions, and the
//! reads an invoice is computed from.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::register::DecisionRow;
use super::schema::{
    decisions, invoice_versions, invoices, time_report_rows, time_report_versions, time_reports,
};
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: String,
    pub current_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoice_versions)]
pub struct InvoiceVersionRow {
    pub id: String,
    pub invoice_id: String,
    pub version: i32,
    pub received_at: NaiveDateTime,
    pub submitted_by: String,
    pub content_hash: String,
    pub due_date: NaiveDate,
    pub internal_due_date: NaiveDate,
    pub on_time: bool,
    pub invoice_number: Option<String>,
    pub time_report_id: String,
    pub time_report_version: i32,
    pub payable_hundredths: i64,
    pub sek_per_hour_ore: Option<i64>,
    pub amount_ore: i64,
    pub computed_amount_ore: i64,
    /// JSON object of the four cost categories in öre, or null.
    pub costs: Option<String>,
    /// JSON array of dates.
    pub hospital_days: String,
    /// JSON array of lines as shown.
    pub lines: String,
    /// JSON [`crate::domain::invoice::Summary`].
    pub summary: String,
    /// Fingerprint of the inputs (report version, decisions, rate).
    pub basis_token: String,
    /// JSON array of grant periods as flagged.
    pub grant_periods: String,
    /// JSON array of `{code, message}`.
    pub warnings: String,
}

pub fn find_invoice(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
) -> QueryResult<Option<InvoiceRow>> {
    invoices::table
        .filter(invoices::organisation_id.eq(org))
        .filter(invoices::assistance_user_id.eq(user))
        .filter(invoices::month.eq(month))
        .select(InvoiceRow::as_select())
        .first(conn)
        .optional()
}

pub fn get_invoice(conn: &mut DbConn, scope: &Scope, id: &str) -> QueryResult<Option<InvoiceRow>> {
    let mut q = invoices::table.filter(invoices::id.eq(id)).into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(invoices::organisation_id.eq(org.to_string()));
    }
    q.select(InvoiceRow::as_select()).first(conn).optional()
}

pub fn get_version(
    conn: &mut DbConn,
    invoice_id: &str,
    version: i32,
) -> QueryResult<Option<InvoiceVersionRow>> {
    invoice_versions::table
        .filter(invoice_versions::invoice_id.eq(invoice_id))
        .filter(invoice_versions::version.eq(version))
        .select(InvoiceVersionRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_versions(conn: &mut DbConn, invoice_id: &str) -> QueryResult<Vec<InvoiceVersionRow>> {
    invoice_versions::table
        .filter(invoice_versions::invoice_id.eq(invoice_id))
        .order(invoice_versions::version.asc())
        .select(InvoiceVersionRow::as_select())
        .load(conn)
}

pub fn insert_invoice(conn: &mut DbConn, row: &InvoiceRow) -> QueryResult<()> {
    diesel::insert_into(invoices::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn insert_version(conn: &mut DbConn, v: &InvoiceVersionRow) -> QueryResult<()> {
    diesel::insert_into(invoice_versions::table)
        .values(v)
        .execute(conn)
        .map(drop)
}

pub fn set_current_version(
    conn: &mut DbConn,
    invoice_id: &str,
    version: i32,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(invoices::table.filter(invoices::id.eq(invoice_id)))
        .set((
            invoices::current_version.eq(version),
            invoices::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Current versions of invoices in scope, filtered, one page by id.
pub fn list_invoices(
    conn: &mut DbConn,
    scope: &Scope,
    month: Option<&str>,
    user: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<(InvoiceRow, InvoiceVersionRow)>> {
    let mut q = invoices::table
        .inner_join(invoice_versions::table)
        .filter(invoices::current_version.eq(invoice_versions::version))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(invoices::organisation_id.eq(org.to_string()));
    }
    if let Some(m) = month {
        q = q.filter(invoices::month.eq(m.to_string()));
    }
    if let Some(u) = user {
        q = q.filter(invoices::assistance_user_id.eq(u.to_string()));
    }
    if let Some(after) = &page.after {
        q = q.filter(invoices::id.gt(after.clone()));
    }
    q.order(invoices::id.asc())
        .limit(page.limit + 1)
        .select((InvoiceRow::as_select(), InvoiceVersionRow::as_select()))
        .load(conn)
}

/// Current versions of every invoice in scope for a month (no paging).
pub fn invoices_of_month(
    conn: &mut DbConn,
    scope: &Scope,
    month: &str,
) -> QueryResult<Vec<(InvoiceRow, InvoiceVersionRow)>> {
    invoices_between(conn, scope, month, month)
}

/// Current versions of every invoice in scope for months in `[from, to]`
/// ("YYYY-MM" sorts as dates; no paging).
pub fn invoices_between(
    conn: &mut DbConn,
    scope: &Scope,
    from: &str,
    to: &str,
) -> QueryResult<Vec<(InvoiceRow, InvoiceVersionRow)>> {
    let mut q = invoices::table
        .inner_join(invoice_versions::table)
        .filter(invoices::current_version.eq(invoice_versions::version))
        .filter(invoices::month.ge(from.to_string()))
        .filter(invoices::month.le(to.to_string()))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(invoices::organisation_id.eq(org.to_string()));
    }
    q.order(invoices::id.asc())
        .select((InvoiceRow::as_select(), InvoiceVersionRow::as_select()))
        .load(conn)
}

/// Every decision in scope, per user in the order of [`decisions_of_user`].
pub fn decisions_in_scope(conn: &mut DbConn, scope: &Scope) -> QueryResult<Vec<DecisionRow>> {
    let mut q = decisions::table.into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(decisions::organisation_id.eq(org.to_string()));
    }
    q.order((
        decisions::organisation_id.asc(),
        decisions::assistance_user_id.asc(),
        decisions::valid_from.asc(),
        decisions::created_at.asc(),
        decisions::id.asc(),
    ))
    .select(DecisionRow::as_select())
    .load(conn)
}

/// Every decision of a user, in the order recorded within equal start
/// dates (`valid_from`, then `created_at`, then id): the invoice rules pick
/// the latest-starting, last-recorded decision for a day.
pub fn decisions_of_user(
    conn: &mut DbConn,
    org: &str,
    user: &str,
) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::organisation_id.eq(org))
        .filter(decisions::assistance_user_id.eq(user))
        .order((
            decisions::valid_from.asc(),
            decisions::created_at.asc(),
            decisions::id.asc(),
        ))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// A payable row of a current time-report version.
#[derive(Debug, Clone, Queryable)]
pub struct PayableRow {
    pub work_date: NaiveDate,
    pub kind: String,
    pub minutes: i64,
    /// Of `minutes`, not paid (unmarked double assistance).
    pub unpaid_minutes: i64,
}

/// Payable rows dated in `[from, to]` of the current versions of a user's
/// reports (any month), for hours against the grant.
pub fn payable_rows_between(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<PayableRow>> {
    time_report_rows::table
        .inner_join(time_report_versions::table.inner_join(time_reports::table))
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::assistance_user_id.eq(user))
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .filter(time_report_rows::payable.eq(true))
        .filter(time_report_rows::work_date.ge(from))
        .filter(time_report_rows::work_date.le(to))
        .select((
            time_report_rows::work_date,
            time_report_rows::kind,
            time_report_rows::minutes,
            time_report_rows::unpaid_minutes,
        ))
        .load(conn)
}
