//! Phase 2: runs each (user, month) group of a prepared file through the
//! submission pipeline, inside one write transaction: every report is
//! stored, or none.

use std::io::{Read, Seek};

use serde::Serialize;
use utoipa::ToSchema;

use super::faults::{Conflict, CsvError, ErrorSink, ImportFailure};
use super::header::Column;
use super::options::{Options, Progress};
use super::prepare::{prepare, Group, Prepared};
use crate::db::DbConn;
use crate::domain::report::RawRow;
use crate::service::preload::FileFacts;
use crate::service::submission::{self, Env, Outcome, Receipt, Refusal, Submission, SubmitError};

/// A report created (or, on a dry run, that would be), or found unchanged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedReport {
    #[serde(flatten)]
    pub receipt: Receipt,
    /// The first line of the file with a row of this report.
    pub first_line: u64,
    /// The receipt's warnings, located in the file. Empty for an unchanged
    /// month: its receipt is of the version stored earlier.
    pub csv_warnings: Vec<CsvError>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportResult {
    /// True when nothing was stored: ids of new reports in `receipts` are
    /// then not kept.
    pub dry_run: bool,
    /// Data rows read (lines with content after the header).
    pub rows: u64,
    /// One per (assistance user, month) for which a new version was stored,
    /// in the order the file first names them.
    pub receipts: Vec<ImportedReport>,
    /// Months whose rows equal the stored version: nothing created.
    pub unchanged: Vec<ImportedReport>,
}

impl ImportResult {
    /// Every located warning passed through `f` (to name cells).
    pub fn map_warnings(mut self, f: impl Fn(&mut CsvError)) -> Self {
        for r in self.receipts.iter_mut().chain(self.unchanged.iter_mut()) {
            r.csv_warnings.iter_mut().for_each(&f);
        }
        self
    }
}

impl Prepared {
    /// The locks the submissions need ([`submission::lock_keys`]): per
    /// report and per person. Only the assistants of each report matter to
    /// the keys, so each submission is given one row per assistant.
    pub fn lock_keys(&self, conn: &mut DbConn) -> diesel::QueryResult<Vec<String>> {
        let subs: Vec<Submission> = self
            .groups
            .iter()
            .map(|g| {
                let mut ids: Vec<u32> = g.rows.iter().map(|r| r.assistant).collect();
                ids.sort_unstable();
                ids.dedup();
                Submission {
                    assistance_user_id: self.users[g.user as usize].clone(),
                    month: g.month.to_string(),
                    rows: ids
                        .into_iter()
                        .map(|a| RawRow {
                            assistant_id: self.assistants[a as usize].clone(),
                            date: String::new(),
                            start: String::new(),
                            end: String::new(),
                            kind: None,
                            double: false,
                            hospital: false,
                            clock_assumed: false,
                        })
                        .collect(),
                    correction_reason: None,
                }
            })
            .collect();
        submission::lock_keys(conn, &self.org, &subs)
    }

    fn submission(&self, g: &Group, correction_reason: Option<String>) -> Submission {
        Submission {
            assistance_user_id: self.users[g.user as usize].clone(),
            month: g.month.to_string(),
            rows: g
                .rows
                .iter()
                .map(|r| RawRow {
                    assistant_id: self.assistants[r.assistant as usize].clone(),
                    date: r.date.to_string(),
                    start: r.start.to_string(),
                    end: r.end.to_string(),
                    kind: Some(r.kind.as_str().to_string()),
                    double: r.double,
                    hospital: r.hospital,
                    clock_assumed: r.assumed,
                })
                .collect(),
            correction_reason,
        }
    }

    /// Phase 2: submits every report through the pipeline. Call inside a
    /// write transaction holding [`Prepared::lock_keys`]; on `Err` the
    /// caller must roll back (reports submitted before the fault were
    /// written in that transaction).
    pub fn run(
        mut self,
        conn: &mut DbConn,
        env: &Env,
        opts: &Options,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportResult, ImportFailure> {
        let mut errors = std::mem::replace(&mut self.errors, ErrorSink::new(0));
        let mut receipts = Vec::new();
        let mut unchanged = Vec::new();
        let mut conflicts = Vec::new();
        let mut closed = Vec::new();
        // Groups whose rows are now the current version in the database.
        let mut stored: Vec<usize> = Vec::new();
        let total = self.groups.len();
        // Set-based: the file's facts are read once, and every group runs
        // the pipeline against them.
        let mut months: Vec<_> = self.groups.iter().map(|g| g.month).collect();
        months.sort_unstable();
        months.dedup();
        let rows_bound = self.groups.iter().map(|g| g.rows.len()).sum();
        let mut facts = FileFacts::load(
            conn,
            &self.org,
            &self.users,
            &self.assistants,
            &months,
            rows_bound,
            &env.late_context(),
        )?;
        for (gi, g) in self.groups.iter().enumerate() {
            let sub = self.submission(g, opts.correction_reason.clone());
            let first_line = u64::from(g.rows[0].line);
            match submission::submit_with(conn, env, &sub, &mut facts) {
                Ok(Outcome::Created(r)) => {
                    receipts.push(self.imported(g, r, true));
                    stored.push(gi);
                }
                Ok(Outcome::Unchanged(r)) => {
                    unchanged.push(self.imported(g, r, false));
                    stored.push(gi);
                }
                Err(SubmitError::Refused(Refusal::Invalid(issues))) => {
                    for issue in &issues {
                        let mut e = self.locate(g, issue);
                        if issue.code == "overlaps_stored_report" && errors.total < errors.max {
                            e.related_lines = self.overlapping_lines(g, issue, &stored);
                        }
                        errors.push(e);
                    }
                }
                Err(SubmitError::Refused(Refusal::UnknownUser)) => errors.push(
                    CsvError::new(
                        first_line,
                        Some(self.header.name(Column::AssistanceUser)),
                        "unknown_assistance_user",
                        "No assistance user with this personnummer in your organisation; register them first.",
                    )
                    .at_position(self.header.position(Column::AssistanceUser).unwrap_or(0)),
                ),
                Err(SubmitError::Refused(Refusal::CorrectionRequired {
                    report_id,
                    current_version,
                })) => conflicts.push(Conflict {
                    report_id,
                    current_version,
                    assistance_user_id: sub.assistance_user_id.clone(),
                    month: sub.month.clone(),
                    line: first_line,
                }),
                Err(SubmitError::Refused(Refusal::MonthClosed { month })) => closed.push(
                    CsvError::new(
                        first_line,
                        Some(self.header.name(Column::Date)),
                        "month_closed",
                        format!("The month {month} is closed for this assistance user; the file changes nothing until the month is reopened."),
                    )
                    .at_position(self.header.position(Column::Date).unwrap_or(0)),
                ),
                Err(SubmitError::Db(e)) => return Err(ImportFailure::Db(e)),
            }
            if gi % 64 == 63 || gi + 1 == total {
                progress(Progress::Checking {
                    done: gi + 1,
                    total,
                });
            }
        }
        if !errors.is_empty() {
            for e in closed {
                errors.push(e);
            }
            return Err(errors.finish());
        }
        if !closed.is_empty() {
            return Err(ImportFailure::MonthClosed(closed));
        }
        if !conflicts.is_empty() {
            return Err(ImportFailure::CorrectionRequired(conflicts));
        }
        if !opts.dry_run {
            crate::service::events::import_completed(
                conn,
                env,
                self.rows,
                receipts.len(),
                unchanged.len(),
            )?;
        }
        facts.finish(conn)?;
        Ok(ImportResult {
            dry_run: opts.dry_run,
            rows: self.rows,
            receipts,
            unchanged,
        })
    }

    /// `locate`: whether the receipt's warnings point at this file's rows
    /// (a version stored from it); an unchanged month's receipt is of a
    /// version stored earlier, whose rows may have come in another order.
    fn imported(&self, g: &Group, receipt: Receipt, locate: bool) -> ImportedReport {
        let csv_warnings = if locate {
            self.warnings_in_file(g, &receipt)
        } else {
            Vec::new()
        };
        ImportedReport {
            first_line: u64::from(g.rows[0].line),
            receipt,
            csv_warnings,
        }
    }
}

/// Ends a transaction: a failure, or a dry run's result (rolled back too).
enum TxEnd {
    Failed(ImportFailure),
    DryRun(ImportResult),
}

impl From<diesel::result::Error> for TxEnd {
    fn from(e: diesel::result::Error) -> Self {
        TxEnd::Failed(ImportFailure::Db(e))
    }
}

/// Phase 2 in its own write transaction: every report is stored, or none.
/// A dry run runs every check and then rolls back.
pub fn execute(
    conn: &mut DbConn,
    env: &Env,
    prepared: Prepared,
    opts: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportResult, ImportFailure> {
    let keys = prepared.lock_keys(conn)?;
    let dry_run = opts.dry_run;
    let outcome = conn.write_transaction(&keys, |conn| {
        let result = prepared
            .run(conn, env, opts, progress)
            .map_err(TxEnd::Failed)?;
        if dry_run {
            Err(TxEnd::DryRun(result))
        } else {
            Ok(result)
        }
    });
    match outcome {
        Ok(r) => {
            if r.rows >= ANALYZE_AFTER_ROWS {
                // Committed already: stale statistics only cost speed.
                if let Err(e) = crate::db::refresh_statistics(conn) {
                    tracing::warn!(error = %e, "refreshing statistics after an import failed");
                }
            }
            Ok(r)
        }
        Err(TxEnd::DryRun(r)) => Ok(r),
        Err(TxEnd::Failed(f)) => Err(f),
    }
}

/// An import of at least this many rows refreshes the planners' statistics.
const ANALYZE_AFTER_ROWS: u64 = 10_000;

/// Both phases: what the CLI runs.
pub fn import<R: Read + Seek>(
    conn: &mut DbConn,
    env: &Env,
    input: R,
    opts: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportResult, ImportFailure> {
    let prepared = prepare(conn, env, input, opts.max_errors, progress)?;
    execute(conn, env, prepared, opts, progress)
}
