//! Time-report storage: reports, their immutable versions and rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    assistants, time_report_days, time_report_rows, time_report_versions, time_reports,
};
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = time_reports)]
pub struct ReportRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: String,
    pub current_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = time_report_versions)]
pub struct VersionRow {
    pub id: String,
    pub report_id: String,
    pub version: i32,
    pub received_at: NaiveDateTime,
    pub submitted_by: String,
    pub correction_reason: Option<String>,
    pub content_hash: String,
    pub due_date: NaiveDate,
    pub internal_due_date: NaiveDate,
    pub on_time: bool,
    pub row_count: i32,
    pub active_minutes: i64,
    pub waiting_minutes: i64,
    pub standby_minutes: i64,
    pub payable_units: i64,
    pub not_payable_units: i64,
    /// JSON array of `{pointer, code, message}`.
    pub warnings: String,
    /// JSON object: warning code → count.
    pub warning_counts: String,
    /// A voided version (*makulerad*) has no rows: the month counts as not
    /// reported while it is current (`service::void`).
    pub voided_at: Option<NaiveDateTime>,
    pub void_reason: Option<String>,
}

/// Totals of one assistant's shifts starting on one day, per version.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = time_report_days)]
pub struct DayRow {
    pub version_id: String,
    pub assistant_id: String,
    pub work_date: NaiveDate,
    pub payable_units: i64,
    pub not_payable_units: i64,
    pub double_units: i64,
    pub working_minutes: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = time_report_rows)]
pub struct RowRow {
    pub version_id: String,
    pub row_index: i32,
    pub assistant_id: String,
    pub work_date: NaiveDate,
    pub start_time: String,
    pub end_time: String,
    pub kind: String,
    pub is_double: bool,
    pub hospital: bool,
    pub start_utc: NaiveDateTime,
    pub end_utc: NaiveDateTime,
    pub minutes: i64,
    pub payable: bool,
    /// PAXml's `postid`: a 32-bit number per row, unique in the
    /// organisation, kept by the same row in later versions.
    pub postid: i32,
    /// The clock times were assumed (PAXml `datum` + `timmar`).
    pub clock_assumed: bool,
    /// Minutes of a payable row that are not paid (unmarked double
    /// assistance without a grant: the later row's overlap).
    pub unpaid_minutes: i64,
}

pub fn find_report(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
) -> QueryResult<Option<ReportRow>> {
    time_reports::table
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::assistance_user_id.eq(user))
        .filter(time_reports::month.eq(month))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()
}

/// The month's report if it counts as reported: one exists and its current
/// version is not voided.
pub fn find_reported(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
) -> QueryResult<Option<ReportRow>> {
    time_reports::table
        .inner_join(time_report_versions::table)
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::assistance_user_id.eq(user))
        .filter(time_reports::month.eq(month))
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .filter(time_report_versions::voided_at.is_null())
        .select(ReportRow::as_select())
        .first(conn)
        .optional()
}

/// The organisation's reports of these users in these months, and the
/// current version of each (one query per 500 users).
pub fn reports_of_users(
    conn: &mut DbConn,
    org: &str,
    users: &[String],
    months: &[String],
) -> QueryResult<Vec<(ReportRow, VersionRow)>> {
    let mut out = Vec::new();
    for chunk in users.chunks(500) {
        out.extend(
            time_reports::table
                .inner_join(time_report_versions::table)
                .filter(time_reports::organisation_id.eq(org))
                .filter(time_reports::assistance_user_id.eq_any(chunk))
                .filter(time_reports::month.eq_any(months))
                .filter(time_reports::current_version.eq(time_report_versions::version))
                .select((ReportRow::as_select(), VersionRow::as_select()))
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn get_report(conn: &mut DbConn, scope: &Scope, id: &str) -> QueryResult<Option<ReportRow>> {
    let mut q = time_reports::table
        .filter(time_reports::id.eq(id))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(time_reports::organisation_id.eq(org.to_string()));
    }
    q.select(ReportRow::as_select()).first(conn).optional()
}

pub fn get_version(
    conn: &mut DbConn,
    report_id: &str,
    version: i32,
) -> QueryResult<Option<VersionRow>> {
    time_report_versions::table
        .filter(time_report_versions::report_id.eq(report_id))
        .filter(time_report_versions::version.eq(version))
        .select(VersionRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_versions(conn: &mut DbConn, report_id: &str) -> QueryResult<Vec<VersionRow>> {
    time_report_versions::table
        .filter(time_report_versions::report_id.eq(report_id))
        .order(time_report_versions::version.asc())
        .select(VersionRow::as_select())
        .load(conn)
}

pub fn rows_of_version(conn: &mut DbConn, version_id: &str) -> QueryResult<Vec<RowRow>> {
    time_report_rows::table
        .filter(time_report_rows::version_id.eq(version_id))
        .order(time_report_rows::row_index.asc())
        .select(RowRow::as_select())
        .load(conn)
}

pub fn insert_report(conn: &mut DbConn, row: &ReportRow) -> QueryResult<()> {
    diesel::insert_into(time_reports::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn set_current_version(
    conn: &mut DbConn,
    report_id: &str,
    version: i32,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(time_reports::table.filter(time_reports::id.eq(report_id)))
        .set((
            time_reports::current_version.eq(version),
            time_reports::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn insert_version(
    conn: &mut DbConn,
    v: &VersionRow,
    rows: &[RowRow],
    days: &[DayRow],
) -> QueryResult<()> {
    diesel::insert_into(time_report_versions::table)
        .values(v)
        .execute(conn)?;
    for chunk in days.chunks(1000) {
        let insert = diesel::insert_into(time_report_days::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    // Multi-row inserts in chunks well under both backends' bind limits.
    // (MultiConnection has no batch insert: each backend does its own.)
    for chunk in rows.chunks(1000) {
        let insert = diesel::insert_into(time_report_rows::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// New versions written together: a file's reports, in a few statements
/// whatever the number of reports ([`insert_batch`]).
#[derive(Debug, Default)]
pub struct Batch {
    /// New reports, each already naming its first version as current.
    pub reports: Vec<ReportRow>,
    /// Stored reports that get a new current version: (id, version, at).
    pub current: Vec<(String, i32, NaiveDateTime)>,
    pub versions: Vec<VersionRow>,
    pub rows: Vec<RowRow>,
    pub days: Vec<DayRow>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }
}

/// Writes a batch: multi-row inserts of up to about 30 000 values each
/// (under both backends' bind limits); on PostgreSQL, the rows and day
/// totals go in by `COPY`. Reports first, so that every foreign key holds
/// at each statement.
pub fn insert_batch(conn: &mut DbConn, b: &Batch) -> QueryResult<()> {
    fn chunked<T>(
        conn: &mut DbConn,
        items: &[T],
        columns: usize,
        mut each: impl FnMut(&mut DbConn, &[T]) -> QueryResult<usize>,
    ) -> QueryResult<()> {
        for chunk in items.chunks((30_000 / columns).max(1)) {
            each(conn, chunk)?;
        }
        Ok(())
    }
    macro_rules! insert {
        ($table:expr) => {
            |conn: &mut DbConn, chunk| {
                let q = diesel::insert_into($table).values(chunk);
                match conn {
                    DbConn::Sqlite(c) => q.execute(c),
                    DbConn::Postgres(c) => q.execute(c),
                }
            }
        };
    }
    chunked(conn, &b.reports, 7, insert!(time_reports::table))?;
    for (id, version, at) in &b.current {
        set_current_version(conn, id, *version, *at)?;
    }
    chunked(conn, &b.versions, 20, insert!(time_report_versions::table))?;
    match conn {
        DbConn::Postgres(c) => copy_rows_and_days(c, &b.rows, &b.days),
        DbConn::Sqlite(_) => {
            chunked(conn, &b.rows, 16, insert!(time_report_rows::table))?;
            chunked(conn, &b.days, 7, insert!(time_report_days::table))
        }
    }
}

/// `COPY … FROM STDIN (FORMAT csv)` of report rows and day totals on
/// PostgreSQL: one statement for any number of rows. Every value written is
/// an id, a number, a date, an instant, a clock time or a kind code, none of
/// which can hold a comma, a quote or a line break.
pub fn copy_rows_and_days(
    conn: &mut diesel::PgConnection,
    rows: &[RowRow],
    days: &[DayRow],
) -> QueryResult<()> {
    use time_report_days as d;
    use time_report_rows as r;
    fn b(v: bool) -> char {
        if v {
            't'
        } else {
            'f'
        }
    }
    let fail = |e: std::io::Error| diesel::result::Error::SerializationError(Box::new(e));
    if !rows.is_empty() {
        let target = (
            r::version_id,
            r::row_index,
            r::assistant_id,
            r::work_date,
            r::start_time,
            r::end_time,
            r::kind,
            r::is_double,
            r::hospital,
            r::start_utc,
            r::end_utc,
            r::minutes,
            r::payable,
            r::postid,
            r::clock_assumed,
            r::unpaid_minutes,
        );
        diesel::copy_from(r::table)
            .from_raw_data(target, |w| {
                for x in rows {
                    writeln!(
                        w,
                        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                        x.version_id,
                        x.row_index,
                        x.assistant_id,
                        x.work_date,
                        x.start_time,
                        x.end_time,
                        x.kind,
                        b(x.is_double),
                        b(x.hospital),
                        x.start_utc,
                        x.end_utc,
                        x.minutes,
                        b(x.payable),
                        x.postid,
                        b(x.clock_assumed),
                        x.unpaid_minutes,
                    )
                    .map_err(fail)?;
                }
                QueryResult::Ok(())
            })
            .with_format(diesel::pg::CopyFormat::Csv)
            .execute(conn)?;
    }
    if !days.is_empty() {
        let target = (
            d::version_id,
            d::assistant_id,
            d::work_date,
            d::payable_units,
            d::not_payable_units,
            d::double_units,
            d::working_minutes,
        );
        diesel::copy_from(d::table)
            .from_raw_data(target, |w| {
                for x in days {
                    writeln!(
                        w,
                        "{},{},{},{},{},{},{}",
                        x.version_id,
                        x.assistant_id,
                        x.work_date,
                        x.payable_units,
                        x.not_payable_units,
                        x.double_units,
                        x.working_minutes,
                    )
                    .map_err(fail)?;
                }
                QueryResult::Ok(())
            })
            .with_format(diesel::pg::CopyFormat::Csv)
            .execute(conn)?;
    }
    Ok(())
}

/// A stored shift of one of the given people (by personnummer), from the
/// current version of any report other than `exclude_report`.
#[derive(Debug, Clone, Queryable)]
pub struct StoredShiftRow {
    pub personnummer: String,
    pub organisation_id: String,
    pub month: String,
    pub work_date: NaiveDate,
    pub kind: String,
    pub start_utc: NaiveDateTime,
    pub end_utc: NaiveDateTime,
    pub minutes: i64,
    pub clock_assumed: bool,
    /// The report it is in.
    pub report_id: String,
}

pub fn stored_shifts(
    conn: &mut DbConn,
    persons: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
    exclude_report: Option<&str>,
) -> QueryResult<Vec<StoredShiftRow>> {
    let mut out = Vec::new();
    for chunk in persons.chunks(200) {
        let mut q = time_report_rows::table
            .inner_join(assistants::table)
            .inner_join(time_report_versions::table.inner_join(time_reports::table))
            .filter(assistants::personnummer.eq_any(chunk))
            .filter(time_reports::current_version.eq(time_report_versions::version))
            .filter(time_report_rows::start_utc.lt(to))
            .filter(time_report_rows::end_utc.gt(from))
            // A shift is at most 25 h (a day over the autumn change), so this
            // bounds the index range from below too.
            .filter(time_report_rows::start_utc.gt(from - chrono::Duration::hours(26)))
            .into_boxed();
        if let Some(r) = exclude_report {
            q = q.filter(time_reports::id.ne(r.to_string()));
        }
        out.extend(
            q.select((
                assistants::personnummer,
                time_reports::organisation_id,
                time_reports::month,
                time_report_rows::work_date,
                time_report_rows::kind,
                time_report_rows::start_utc,
                time_report_rows::end_utc,
                time_report_rows::minutes,
                time_report_rows::clock_assumed,
                time_reports::id,
            ))
            .load::<StoredShiftRow>(conn)?,
        );
    }
    Ok(out)
}

/// Current versions of an organisation's reports (or all, for auditors).
pub fn list_reports(
    conn: &mut DbConn,
    scope: &Scope,
    month: Option<&str>,
    user: Option<&str>,
    late: Option<bool>,
    page: &Page,
) -> QueryResult<Vec<(ReportRow, VersionRow)>> {
    let mut q = time_reports::table
        .inner_join(time_report_versions::table)
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(time_reports::organisation_id.eq(org.to_string()));
    }
    if let Some(m) = month {
        q = q.filter(time_reports::month.eq(m.to_string()));
    }
    if let Some(u) = user {
        q = q.filter(time_reports::assistance_user_id.eq(u.to_string()));
    }
    if let Some(late) = late {
        q = q.filter(time_report_versions::on_time.eq(!late));
    }
    if let Some(after) = &page.after {
        q = q.filter(time_reports::id.gt(after.clone()));
    }
    q.order(time_reports::id.asc())
        .limit(page.limit + 1)
        .select((ReportRow::as_select(), VersionRow::as_select()))
        .load(conn)
}

/// Day totals of the current versions of one user's reports, in a date range.
#[derive(Debug, Clone, Queryable)]
pub struct UserDay {
    pub work_date: NaiveDate,
    pub payable_units: i64,
    pub double_units: i64,
}

/// Double-assistance units per day of the current versions of users'
/// reports with the organisation, dated in `[from, to]`, on days with any:
/// (user, month, date, units). Users in chunks, one query each.
pub fn double_days_of_users(
    conn: &mut DbConn,
    org: &str,
    users: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(String, String, NaiveDate, i64)>> {
    let mut out = Vec::new();
    for chunk in users.chunks(500) {
        out.extend(
            time_report_days::table
                .inner_join(time_report_versions::table.inner_join(time_reports::table))
                .filter(time_reports::organisation_id.eq(org))
                .filter(time_reports::assistance_user_id.eq_any(chunk))
                .filter(time_reports::current_version.eq(time_report_versions::version))
                .filter(time_report_days::double_units.gt(0))
                .filter(time_report_days::work_date.ge(from))
                .filter(time_report_days::work_date.le(to))
                .select((
                    time_reports::assistance_user_id,
                    time_reports::month,
                    time_report_days::work_date,
                    time_report_days::double_units,
                ))
                .load::<(String, String, NaiveDate, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// The months in `[from, to]` ("YYYY-MM") for which a user has a time
/// report stored with the organisation.
pub fn report_months(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    from: &str,
    to: &str,
) -> QueryResult<Vec<String>> {
    time_reports::table
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::assistance_user_id.eq(user))
        .filter(time_reports::month.ge(from))
        .filter(time_reports::month.le(to))
        .select(time_reports::month)
        .load(conn)
}

pub fn user_days(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<UserDay>> {
    time_report_days::table
        .inner_join(time_report_versions::table.inner_join(time_reports::table))
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::assistance_user_id.eq(user))
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .filter(time_report_days::work_date.ge(from))
        .filter(time_report_days::work_date.le(to))
        .select((
            time_report_days::work_date,
            time_report_days::payable_units,
            time_report_days::double_units,
        ))
        .load(conn)
}

/// Every row of the current versions of an organisation's reports for one
/// month (one user's, with `user`), with the report's assistance user, in
/// the order user, start, row. One query over the month's index.
pub fn current_rows_of_month(
    conn: &mut DbConn,
    org: &str,
    month: &str,
    user: Option<&str>,
) -> QueryResult<Vec<(String, RowRow)>> {
    let mut q = time_report_rows::table
        .inner_join(time_report_versions::table.inner_join(time_reports::table))
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::month.eq(month))
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .into_boxed();
    if let Some(u) = user {
        q = q.filter(time_reports::assistance_user_id.eq(u.to_string()));
    }
    q.order((
        time_reports::assistance_user_id.asc(),
        time_report_rows::start_utc.asc(),
        time_report_rows::row_index.asc(),
    ))
    .select((time_reports::assistance_user_id, RowRow::as_select()))
    .load(conn)
}
