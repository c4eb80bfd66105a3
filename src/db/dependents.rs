//! What depends on a register record, so that one registered by mistake
//! can be deleted only while nothing does; and the deletions themselves.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::schema::{
    agreements, decisions, employment_documents, employments, invoice_versions, invoices,
    month_closures, time_report_rows, time_report_versions, time_reports,
};
use super::DbConn;
use crate::db::register::{DecisionRow, EmploymentRow};

fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Time reports (any version, history included) with a row of the
/// employment's assistant for its assistance user within its period.
pub fn reports_using_employment(conn: &mut DbConn, e: &EmploymentRow) -> QueryResult<Vec<String>> {
    let mut q = time_report_rows::table
        .inner_join(time_report_versions::table.inner_join(time_reports::table))
        .filter(time_reports::organisation_id.eq(e.organisation_id.clone()))
        .filter(time_reports::assistance_user_id.eq(e.assistance_user_id.clone()))
        .filter(time_report_rows::assistant_id.eq(e.assistant_id.clone()))
        .filter(time_report_rows::work_date.ge(e.start_date))
        .into_boxed();
    if let Some(end) = e.end_date {
        q = q.filter(time_report_rows::work_date.le(end));
    }
    q.select(time_reports::id)
        .distinct()
        .order(time_reports::id)
        .load(conn)
}

/// The employment's documents.
pub fn documents_of_employment(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    employment_documents::table
        .filter(employment_documents::employment_id.eq(id))
        .select(employment_documents::id)
        .order(employment_documents::id)
        .load(conn)
}

/// Invoices with a version whose lines were computed with the decision.
pub fn invoices_using_decision(conn: &mut DbConn, d: &DecisionRow) -> QueryResult<Vec<String>> {
    let versions: Vec<(String, String)> = invoice_versions::table
        .inner_join(invoices::table)
        .filter(invoices::organisation_id.eq(d.organisation_id.clone()))
        .filter(invoices::assistance_user_id.eq(d.assistance_user_id.clone()))
        .select((invoices::id, invoice_versions::lines))
        .load(conn)?;
    let needle = format!("\"{}\"", d.id);
    let mut ids: Vec<String> = versions
        .into_iter()
        .filter(|(_, lines)| lines.contains(&needle))
        .map(|(id, _)| id)
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The user's closed months (not reopened) within `[from, to]`: a close
/// relied on the records of its month.
pub fn closed_months(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> QueryResult<Vec<String>> {
    let mut q = month_closures::table
        .filter(month_closures::organisation_id.eq(org.to_string()))
        .filter(month_closures::assistance_user_id.eq(user.to_string()))
        .filter(month_closures::reopened_at.is_null())
        .filter(month_closures::month.ge(month_of(from)))
        .into_boxed();
    if let Some(to) = to {
        q = q.filter(month_closures::month.le(month_of(to)));
    }
    let mut months: Vec<String> = q.select(month_closures::month).load(conn)?;
    months.sort();
    months.dedup();
    Ok(months)
}

pub fn delete_employment(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(employments::table.filter(employments::id.eq(id)))
        .execute(conn)
        .map(drop)
}

pub fn delete_decision(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(decisions::table.filter(decisions::id.eq(id)))
        .execute(conn)
        .map(drop)
}

pub fn delete_agreement(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(agreements::table.filter(agreements::id.eq(id)))
        .execute(conn)
        .map(drop)
}

/// Deletes the document record; its bytes stay (blobs are shared by
/// content and kept with the audit trail's hashes).
pub fn delete_document(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(employment_documents::table.filter(employment_documents::id.eq(id)))
        .execute(conn)
        .map(drop)
}
