//! What the submission pipeline reads before it decides, behind one trait,
//! so that every channel runs the same rules on the same facts and differs
//! only in how the facts are fetched:
//! - [`Live`] asks the database for each submission (the JSON API, the demo);
//! - [`super::preload::FileFacts`] reads a whole file's register and stored
//!   shifts once, then answers each (user, month) of the file from memory,
//!   keeping up with the groups the file has already stored.

use chrono::NaiveDate;

use crate::db::register as reg;
use crate::db::time_reports::{self as store, ReportRow, RowRow, VersionRow};
use crate::db::{DbConn, Scope};
use crate::domain::month::ReportMonth;
use crate::domain::report::{Context, ParsedRow};

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

    /// Told after a new version was written, so that later reads see it as
    /// the database now does.
    fn stored(&mut self, _report: &ReportRow, _version: &VersionRow, _rows: &[RowRow]) {}
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
}
