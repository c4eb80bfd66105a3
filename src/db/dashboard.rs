//! Read models for the compliance dashboard: per-version totals only, never
//! time-report rows.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::register::DecisionRow;
use super::schema::{assistants, decisions, time_report_days, time_report_versions, time_reports};
use super::DbConn;
use crate::db::Scope;

/// Decisions overlapping `[from, to]` in scope.
pub fn decisions_overlapping(
    conn: &mut DbConn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DecisionRow>> {
    let mut q = decisions::table
        .filter(decisions::valid_from.le(to))
        .filter(
            decisions::valid_to
                .is_null()
                .or(decisions::valid_to.ge(from)),
        )
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(decisions::organisation_id.eq(org.to_string()));
    }
    q.select(DecisionRow::as_select()).load(conn)
}

/// The current versions of the reports of months in `[from, to]`
/// ("YYYY-MM" sorts as dates) that `scope` may see.
fn current_in<'a>(
    scope: &Scope,
    from: &str,
    to: &str,
) -> diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::InnerJoin<time_reports::table, time_report_versions::table>,
    <DbConn as diesel::Connection>::Backend,
> {
    let mut q = time_reports::table
        .inner_join(time_report_versions::table)
        .into_boxed()
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .filter(time_reports::month.ge(from.to_string()))
        .filter(time_reports::month.le(to.to_string()));
    if let Some(org) = scope.org() {
        q = q.filter(time_reports::organisation_id.eq(org.to_string()));
    }
    q
}

/// The current version of a report, as the dashboard needs it.
#[derive(Debug, Clone, Queryable)]
pub struct ReportStatusRow {
    pub report_id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: String,
    pub version: i32,
    pub on_time: bool,
    pub payable_units: i64,
    pub warning_counts: String,
}

/// Current versions of reports for months in `[from, to]` ("YYYY-MM" sorts as dates).
pub fn current_versions(
    conn: &mut DbConn,
    scope: &Scope,
    from: &str,
    to: &str,
) -> QueryResult<Vec<ReportStatusRow>> {
    current_in(scope, from, to)
        // A voided report counts as missing.
        .filter(time_report_versions::voided_at.is_null())
        .select((
            time_reports::id,
            time_reports::organisation_id,
            time_reports::assistance_user_id,
            time_reports::month,
            time_report_versions::version,
            time_report_versions::on_time,
            time_report_versions::payable_units,
            time_report_versions::warning_counts,
        ))
        .load(conn)
}

/// Payable units of the current versions for months in `[from, to]`:
/// (organisation, user, month, units).
pub fn monthly_payable(
    conn: &mut DbConn,
    scope: &Scope,
    from: &str,
    to: &str,
) -> QueryResult<Vec<(String, String, String, i64)>> {
    current_in(scope, from, to)
        .select((
            time_reports::organisation_id,
            time_reports::assistance_user_id,
            time_reports::month,
            time_report_versions::payable_units,
        ))
        .load(conn)
}

/// Whether the first version of each report of a month arrived on time.
pub fn first_versions_on_time(
    conn: &mut DbConn,
    scope: &Scope,
    month: &str,
) -> QueryResult<Vec<(String, bool)>> {
    let mut q = time_reports::table
        .inner_join(time_report_versions::table)
        .filter(time_report_versions::version.eq(1))
        .filter(time_reports::month.eq(month.to_string()))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(time_reports::organisation_id.eq(org.to_string()));
    }
    q.select((time_reports::id, time_report_versions::on_time))
        .load(conn)
}

/// Personnummer and the working-time rule of the organisation's assistants
/// who appear in its current reports of the month.
pub fn persons_in_month(
    conn: &mut DbConn,
    org: &str,
    month: &str,
) -> QueryResult<Vec<(String, String)>> {
    time_report_days::table
        .inner_join(assistants::table)
        .inner_join(time_report_versions::table.inner_join(time_reports::table))
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::month.eq(month))
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .select((assistants::id, assistants::personnummer))
        .distinct()
        .load(conn)
}

/// Total working minutes per person over `[from, to]` from every employer's
/// current reports, summed by the database (one row per person).
pub fn working_totals(
    conn: &mut DbConn,
    persons: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, i64)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let mut out = Vec::new();
    for chunk in persons.chunks(200) {
        out.extend(
            time_report_days::table
                .inner_join(assistants::table)
                .inner_join(time_report_versions::table.inner_join(time_reports::table))
                .filter(assistants::personnummer.eq_any(chunk))
                .filter(time_reports::current_version.eq(time_report_versions::version))
                .filter(time_report_days::work_date.ge(from))
                .filter(time_report_days::work_date.le(to))
                .group_by(assistants::personnummer)
                // CAST: PostgreSQL sums BIGINT into NUMERIC.
                .select((
                    assistants::personnummer,
                    sql::<BigInt>("CAST(SUM(time_report_days.working_minutes) AS BIGINT)"),
                ))
                .load::<(String, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// Working minutes per person and day from every employer's current reports.
pub fn working_days(
    conn: &mut DbConn,
    persons: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, NaiveDate, i64)>> {
    let mut out = Vec::new();
    for chunk in persons.chunks(200) {
        out.extend(
            time_report_days::table
                .inner_join(assistants::table)
                .inner_join(time_report_versions::table.inner_join(time_reports::table))
                .filter(assistants::personnummer.eq_any(chunk))
                .filter(time_reports::current_version.eq(time_report_versions::version))
                .filter(time_report_days::work_date.ge(from))
                .filter(time_report_days::work_date.le(to))
                .select((
                    assistants::personnummer,
                    time_report_days::work_date,
                    time_report_days::working_minutes,
                ))
                .load::<(String, NaiveDate, i64)>(conn)?,
        );
    }
    Ok(out)
}
