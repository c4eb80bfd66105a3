//! What the submission pipeline reads before it decides, and how it writes
//! what it decided, behind one trait, so that every channel runs the same
//! rules on the same facts and differs only in how the facts are fetched
//! and the versions written:
//! - [`Live`] asks the database for each submission and writes at once (the
//!   JSON API, the demo);
//! - [`super::preload::FileFacts`] reads a whole file's register and stored
//!   shifts once, then answers each (user, month) of the file from memory,
//!   keeping up with the groups the file has already stored, and writes
//!   the file's new versions together, in a few bulk statements.

use chrono::NaiveDate;

use crate::db::audit::AuditRow;
use crate::db::register as reg;
use crate::db::time_reports::{self as store, DayRow, ReportRow, RowRow, VersionRow};
use crate::db::{DbConn, Scope};
use crate::domain::month::ReportMonth;
use crate::domain::report::{Context, ParsedRow};
use crate::service::late::{self, LateContext};
use crate::service::submission::Receipt;

/// The reads of [`super::submission::submit_with`], in the order it makes them.
pub trait Facts {
    /// The assistance user is the organisation's.
    fn user_exists(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
    ) -> diesel::QueryResult<bool>;

    /// The report of (organisation, user, month), if any.
    fn report(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: &str,
    ) -> diesel::QueryResult<Option<ReportRow>>;

    /// The month is closed for the user (`service::months`).
    fn is_closed(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: &str,
    ) -> diesel::QueryResult<bool>;

    /// The report's current version.
    fn current_version(
        &mut self,
        conn: &mut DbConn,
        report: &ReportRow,
    ) -> diesel::QueryResult<Option<VersionRow>>;

    /// What phase 2 is given for these rows (see `submission::context_of`).
    #[allow(clippy::too_many_arguments)]
    fn context(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: ReportMonth,
        rows: &[ParsedRow],
        existing: Option<&ReportRow>,
        today: NaiveDate,
    ) -> diesel::QueryResult<Context>;

    /// The organisation's internal cut-off day.
    fn cutoff_day(&mut self, conn: &mut DbConn, org: &str) -> diesel::QueryResult<u32>;

    /// The first of `n` fresh PAXml `postid`s of the organisation.
    fn reserve_postids(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        n: usize,
    ) -> diesel::QueryResult<i32>;

    /// The receipt of a stored version, with the 2027 rule applied
    /// (`service::late::receipt`).
    fn receipt(
        &mut self,
        conn: &mut DbConn,
        ctx: &LateContext,
        report: &ReportRow,
        version: &VersionRow,
    ) -> diesel::QueryResult<Receipt>;

    /// The month's agreement warning (`service::agreements::warning`).
    fn agreement_warning(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: ReportMonth,
    ) -> diesel::QueryResult<Option<(&'static str, String)>>;

    /// Writes a new version, so that later reads see it as the database
    /// then does. [`Live`] writes at once; a file's facts may gather the
    /// writes of many versions and make them together, before the
    /// transaction commits.
    fn store(&mut self, conn: &mut DbConn, new: NewVersion) -> diesel::QueryResult<()>;

    /// Writes what [`Facts::store`] has gathered and not written yet, so
    /// that a read of the database sees it (a month's invoice is compared
    /// with the rows as stored).
    fn write_pending(&mut self, _conn: &mut DbConn) -> diesel::QueryResult<()> {
        Ok(())
    }
}

/// What a submission writes: a version with its rows and day totals, the
/// report (new, or now pointing at the version) and the audit entry.
#[derive(Debug)]
pub struct NewVersion {
    /// The report, with `current_version` the new version's.
    pub report: ReportRow,
    /// The report is new (else it was stored before).
    pub new_report: bool,
    pub version: VersionRow,
    pub rows: Vec<RowRow>,
    pub days: Vec<DayRow>,
    pub audit: AuditRow,
}

impl NewVersion {
    /// Writes it now, one statement per table.
    pub fn write(&self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        if self.new_report {
            store::insert_report(conn, &self.report)?;
        } else {
            store::set_current_version(
                conn,
                &self.report.id,
                self.report.current_version,
                self.report.updated_at,
            )?;
        }
        store::insert_version(conn, &self.version, &self.rows, &self.days)?;
        crate::db::audit::insert_rows(conn, std::slice::from_ref(&self.audit))
    }
}

/// Every read asks the database.
pub struct Live;

impl Facts for Live {
    fn user_exists(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
    ) -> diesel::QueryResult<bool> {
        Ok(reg::get_assistance_user(conn, &Scope::Org(org.to_string()), user)?.is_some())
    }

    fn report(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: &str,
    ) -> diesel::QueryResult<Option<ReportRow>> {
        store::find_report(conn, org, user, month)
    }

    fn is_closed(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: &str,
    ) -> diesel::QueryResult<bool> {
        crate::service::months::is_closed(conn, org, user, month)
    }

    fn current_version(
        &mut self,
        conn: &mut DbConn,
        report: &ReportRow,
    ) -> diesel::QueryResult<Option<VersionRow>> {
        store::get_version(conn, &report.id, report.current_version)
    }

    fn context(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: ReportMonth,
        rows: &[ParsedRow],
        existing: Option<&ReportRow>,
        today: NaiveDate,
    ) -> diesel::QueryResult<Context> {
        super::submission::load_context(conn, org, user, month, rows, existing, today)
    }

    fn cutoff_day(&mut self, conn: &mut DbConn, org: &str) -> diesel::QueryResult<u32> {
        reg::cutoff_day(conn, org)
    }

    fn reserve_postids(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        n: usize,
    ) -> diesel::QueryResult<i32> {
        reg::reserve_postids(conn, org, n)
    }

    fn receipt(
        &mut self,
        conn: &mut DbConn,
        ctx: &LateContext,
        report: &ReportRow,
        version: &VersionRow,
    ) -> diesel::QueryResult<Receipt> {
        late::receipt(conn, ctx, report, version)
    }

    fn agreement_warning(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        user: &str,
        month: ReportMonth,
    ) -> diesel::QueryResult<Option<(&'static str, String)>> {
        crate::service::agreements::warning(conn, org, user, month)
    }

    fn store(&mut self, conn: &mut DbConn, new: NewVersion) -> diesel::QueryResult<()> {
        new.write(conn)
    }
}
