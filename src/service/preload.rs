//! Set-based reads for a file of many reports (CSV, PAXml): everything the
//! submission pipeline would ask the database for each (user, month) of the
//! file is read once, with a few queries per 500 ids, and then answered
//! from memory; the new versions are gathered and written together, with
//! multi-row inserts (SQLite) or `COPY` (PostgreSQL). The rules and what is
//! written stay those of [`super::submission::submit_with`]; only how the
//! facts are read and the rows written differ.
//!
//! Each answer is what the database would give at that point of the file's
//! transaction had every group before been written when it was decided:
//! after a group is stored ([`Facts::store`]), its version replaces the
//! report's earlier one, so later groups of the file are checked against
//! it, exactly as one submission after another would be.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::agreements::UserAgreements;
use super::facts::{Facts, NewVersion};
use super::late::{self, Arrivals, LateContext};
use super::submission::{assistant_facts, decision_facts, stored_shift, stored_window, Receipt};
use crate::db::audit::AuditRow;
use crate::db::late::VersionArrival;
use crate::db::register::{self as reg, AssistantRow, DecisionRow, EmploymentRow};
use crate::db::time_reports::{self as store, Batch, ReportRow, RowRow, VersionRow};
use crate::db::{DbConn, Scope};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::PayableUnits;
use crate::domain::register::WorkingTimeRule;
use crate::domain::report::{Context, ParsedRow, StoredShift};
use crate::domain::shift::ShiftKind;

/// A stored shift and the report it belongs to (an index into `report_ids`).
struct Shift {
    report: u32,
    shift: StoredShift,
}

/// The facts of one file's reports, read once.
pub struct FileFacts {
    org: String,
    users: HashSet<String>,
    /// (user, month) → the report and its current version.
    reports: HashMap<(String, String), (ReportRow, VersionRow)>,
    /// (user, month) closed.
    closed: HashSet<(String, String)>,
    assistants: HashMap<String, AssistantRow>,
    /// By assistant id, in any organisation.
    employments: HashMap<String, Vec<EmploymentRow>>,
    /// By user, oldest first.
    decisions: HashMap<String, Vec<DecisionRow>>,
    /// Double-assistance days of the users' stored reports around the
    /// file's months: (user, month, date, units).
    double_days: Vec<(String, String, NaiveDate, i64)>,
    /// Current-version shifts of the file's people, by personnummer.
    shifts: HashMap<String, Vec<Shift>>,
    report_ids: Vec<String>,
    report_index: HashMap<String, u32>,
    /// Whose shifts each report holds (by report index).
    people_of_report: HashMap<u32, HashSet<String>>,
    cutoff: u32,
    /// PAXml postids: at most one per row of the file, reserved on first
    /// use; `(next, end)` of the reserved range.
    postids: Option<(i64, i64)>,
    rows_bound: usize,
    /// The 2027 rule's arrivals of the file's months it covers (`None`:
    /// it covers none of them).
    arrivals: Option<Arrivals>,
    agreements: UserAgreements,
    pending: Pending,
}

impl FileFacts {
    /// Reads the facts of a file naming these users and assistants (ids
    /// already resolved in the organisation), in these months, with at
    /// most `rows_bound` rows; `late` is the 2027 rule as it stands now.
    pub fn load(
        conn: &mut DbConn,
        org: &str,
        users: &[String],
        assistants: &[String],
        months: &[ReportMonth],
        rows_bound: usize,
        late: &LateContext,
    ) -> diesel::QueryResult<FileFacts> {
        let month_names: Vec<String> = months.iter().map(|m| m.to_string()).collect();
        let (first, last) = match (months.iter().min(), months.iter().max()) {
            (Some(&f), Some(&l)) => (f, l),
            _ => (late.rule.unpaid_from, late.rule.unpaid_from),
        };
        let under_rule = months.iter().filter(|m| late.rule.applies(**m)).min();
        let scope = Scope::Org(org.to_string());
        let arrivals = match under_rule {
            Some(&from) => Some(late::arrivals(conn, late, &scope, from, last, Some(users))?),
            None => None,
        };
        let mut facts = FileFacts {
            org: org.to_string(),
            users: reg::get_assistance_users(conn, org, users)?
                .into_iter()
                .map(|u| u.id)
                .collect(),
            reports: HashMap::new(),
            closed: HashSet::new(),
            assistants: reg::get_assistants(conn, org, assistants)?
                .into_iter()
                .map(|a| (a.id.clone(), a))
                .collect(),
            employments: HashMap::new(),
            decisions: HashMap::new(),
            double_days: Vec::new(),
            shifts: HashMap::new(),
            report_ids: Vec::new(),
            report_index: HashMap::new(),
            people_of_report: HashMap::new(),
            cutoff: reg::cutoff_day(conn, org)?,
            postids: None,
            rows_bound,
            arrivals,
            agreements: UserAgreements::load(conn, org, first, last)?,
            pending: Pending::default(),
        };
        for (r, v) in store::reports_of_users(conn, org, users, &month_names)? {
            facts
                .reports
                .insert((r.assistance_user_id.clone(), r.month.clone()), (r, v));
        }
        for m in &month_names {
            for (_, user) in crate::db::months::closed_in_month(conn, &scope, m)? {
                facts.closed.insert((user, m.clone()));
            }
        }
        let ids: Vec<String> = facts.assistants.keys().cloned().collect();
        for e in reg::employments_of_assistants(conn, &ids)? {
            facts
                .employments
                .entry(e.assistant_id.clone())
                .or_default()
                .push(e);
        }
        for d in reg::decisions_of_users(conn, org, users)? {
            facts
                .decisions
                .entry(d.assistance_user_id.clone())
                .or_default()
                .push(d);
        }
        // Grant periods reach at most two years either side of a month.
        facts.double_days = store::double_days_of_users(
            conn,
            org,
            users,
            first.add_months(-24).first_day(),
            last.add_months(24).last_day(),
        )?;
        facts.load_shifts(conn, months)?;
        Ok(facts)
    }

    /// Every current-version shift of the file's people in the union of
    /// the windows any of its months could need (see [`stored_window`]).
    fn load_shifts(
        &mut self,
        conn: &mut DbConn,
        months: &[ReportMonth],
    ) -> diesel::QueryResult<()> {
        let (Some(first), Some(last)) = (months.iter().min(), months.iter().max()) else {
            return Ok(());
        };
        let longest = self
            .employments
            .values()
            .flatten()
            .filter(|e| e.organisation_id == self.org)
            .map(|e| e.working_time().1.reference_days)
            .chain([WorkingTimeRule::WorkingHoursAct.limit().reference_days])
            .max()
            .unwrap_or_default();
        let from = (first.first_day() - Duration::days(longest + 1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight");
        let to = (last.last_day() + Duration::days(3))
            .and_hms_opt(0, 0, 0)
            .expect("midnight");
        let persons: Vec<String> = self
            .assistants
            .values()
            .map(|a| a.personnummer.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if persons.is_empty() {
            return Ok(());
        }
        for row in store::stored_shifts(conn, &persons, from, to, None)? {
            let report = self.index_of(&row.report_id);
            let shift = stored_shift(&self.org, row);
            self.people_of_report
                .entry(report)
                .or_default()
                .insert(shift.person.clone());
            self.shifts
                .entry(shift.person.clone())
                .or_default()
                .push(Shift { report, shift });
        }
        Ok(())
    }

    fn index_of(&mut self, report_id: &str) -> u32 {
        if let Some(&i) = self.report_index.get(report_id) {
            return i;
        }
        let i = self.report_ids.len() as u32;
        self.report_ids.push(report_id.to_string());
        self.report_index.insert(report_id.to_string(), i);
        i
    }

    /// Writes the versions still pending and leaves the postid counter
    /// where reserving group by group would have left it. Call before the
    /// transaction commits.
    pub fn finish(&mut self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        self.flush(conn)?;
        if let Some((next, _)) = self.postids {
            reg::set_next_postid(conn, &self.org, next)?;
        }
        Ok(())
    }
}

/// The shifts `stored_shifts` would return: overlapping `[from, to]`,
/// starting after `from − 26 h`.
fn in_window(s: &StoredShift, from: NaiveDateTime, to: NaiveDateTime) -> bool {
    let (start, end) = (s.start_utc.naive_utc(), s.end_utc.naive_utc());
    start < to && end > from && start > from - Duration::hours(26)
}

impl Facts for FileFacts {
    fn user_exists(&mut self, _: &mut DbConn, _org: &str, user: &str) -> diesel::QueryResult<bool> {
        Ok(self.users.contains(user))
    }

    fn report(
        &mut self,
        _: &mut DbConn,
        _org: &str,
        user: &str,
        month: &str,
    ) -> diesel::QueryResult<Option<ReportRow>> {
        Ok(self
            .reports
            .get(&(user.to_string(), month.to_string()))
            .map(|(r, _)| r.clone()))
    }

    fn is_closed(
        &mut self,
        _: &mut DbConn,
        _org: &str,
        user: &str,
        month: &str,
    ) -> diesel::QueryResult<bool> {
        Ok(self.closed.contains(&(user.to_string(), month.to_string())))
    }

    fn current_version(
        &mut self,
        _: &mut DbConn,
        report: &ReportRow,
    ) -> diesel::QueryResult<Option<VersionRow>> {
        Ok(self
            .reports
            .get(&(report.assistance_user_id.clone(), report.month.clone()))
            .map(|(_, v)| v.clone()))
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
        let ids: HashSet<&str> = rows.iter().map(|r| r.assistant_id.as_str()).collect();
        let mut assistants = HashMap::new();
        for id in ids {
            let Some(a) = self.assistants.get(id) else {
                continue;
            };
            let theirs: Vec<&EmploymentRow> = self
                .employments
                .get(id)
                .map(|es| es.iter().collect())
                .unwrap_or_default();
            assistants.insert(a.id.clone(), assistant_facts(org, user, a, &theirs));
        }
        let decisions = self
            .decisions
            .get(user)
            .map(|ds| {
                ds.iter()
                    .filter(|d| {
                        d.valid_from <= month.last_day()
                            && d.valid_to.is_none_or(|t| t >= month.first_day())
                    })
                    .map(decision_facts)
                    .collect()
            })
            .unwrap_or_default();
        let (from, to) = stored_window(month, &assistants);
        let excluded = existing.and_then(|r| self.report_index.get(&r.id)).copied();
        let mut stored = Vec::new();
        for f in assistants.values() {
            if let Some(list) = self.shifts.get(&f.person) {
                stored.extend(
                    list.iter()
                        .filter(|s| Some(s.report) != excluded && in_window(&s.shift, from, to))
                        .map(|s| s.shift.clone()),
                );
            }
        }
        let all = self.decisions.get(user).cloned().unwrap_or_default();
        let days = &self.double_days;
        let (grants, stored_double) =
            super::submission::double_facts(conn, user, month, &all, |_, from, to| {
                Ok(days
                    .iter()
                    .filter(|(_, _, d, _)| (from..=to).contains(d))
                    .cloned()
                    .collect())
            })?;
        Ok(Context {
            today: Some(today),
            assistants,
            decisions,
            stored,
            grants,
            stored_double,
        })
    }

    fn cutoff_day(&mut self, _: &mut DbConn, _org: &str) -> diesel::QueryResult<u32> {
        Ok(self.cutoff)
    }

    fn reserve_postids(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        n: usize,
    ) -> diesel::QueryResult<i32> {
        let (next, end) = match self.postids {
            Some(range) => range,
            None => {
                let first = i64::from(reg::reserve_postids(conn, org, self.rows_bound)?);
                (first, first + self.rows_bound as i64)
            }
        };
        if next + n as i64 > end {
            return Err(diesel::result::Error::QueryBuilderError(
                "more postids asked for than the file has rows".into(),
            ));
        }
        self.postids = Some((next + n as i64, end));
        Ok(next as i32)
    }

    fn receipt(
        &mut self,
        conn: &mut DbConn,
        ctx: &LateContext,
        report: &ReportRow,
        version: &VersionRow,
    ) -> diesel::QueryResult<Receipt> {
        match &self.arrivals {
            _ if late::is_as_reported(ctx, report, version) => {
                late::annotated(conn, ctx, None, report, version)
            }
            Some(a) => {
                let s = a.standing(ctx, &report.id);
                if s.as_ref().is_some_and(|s| {
                    s.not_payable(PayableUnits(version.payable_units)) != PayableUnits::ZERO
                }) {
                    // What is lost is priced from the versions' day totals.
                    self.flush(conn)?;
                }
                late::annotated(conn, ctx, s.as_ref(), report, version)
            }
            None => late::receipt(conn, ctx, report, version),
        }
    }

    fn agreement_warning(
        &mut self,
        _: &mut DbConn,
        _org: &str,
        user: &str,
        month: ReportMonth,
    ) -> diesel::QueryResult<Option<(&'static str, String)>> {
        Ok(self.agreements.warning(user, month))
    }

    fn store(&mut self, conn: &mut DbConn, new: NewVersion) -> diesel::QueryResult<()> {
        self.remember(&new.report, &new.version, &new.rows);
        let p = &mut self.pending;
        if new.new_report {
            p.batch.reports.push(new.report);
        } else {
            p.batch.current.push((
                new.report.id,
                new.report.current_version,
                new.report.updated_at,
            ));
        }
        p.batch.versions.push(new.version);
        p.batch.rows.extend(new.rows);
        p.batch.days.extend(new.days);
        p.audit.push(new.audit);
        if p.batch.rows.len() >= FLUSH_ROWS {
            self.flush(conn)?;
        }
        Ok(())
    }

    fn write_pending(&mut self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        self.flush(conn)
    }
}

/// Rows gathered before they are written: enough that a statement carries
/// many, few enough that a big file's rows are never all in memory.
const FLUSH_ROWS: usize = 20_000;

/// Versions decided but not yet written.
#[derive(Default)]
struct Pending {
    batch: Batch,
    audit: Vec<AuditRow>,
}

impl FileFacts {
    /// Writes what is pending.
    fn flush(&mut self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        let p = std::mem::take(&mut self.pending);
        if p.batch.is_empty() {
            return Ok(());
        }
        store::insert_batch(conn, &p.batch)?;
        crate::db::audit::insert_rows(conn, &p.audit)
    }

    /// Keeps the facts as the database will be once `version` is written.
    fn remember(&mut self, report: &ReportRow, version: &VersionRow, rows: &[RowRow]) {
        if let Some(a) = &mut self.arrivals {
            a.push(VersionArrival {
                report_id: report.id.clone(),
                organisation_id: report.organisation_id.clone(),
                assistance_user_id: report.assistance_user_id.clone(),
                month: report.month.clone(),
                version_id: version.id.clone(),
                version: version.version,
                received_at: version.received_at,
                payable_units: version.payable_units,
            });
        }
        let index = self.index_of(&report.id);
        // The report's earlier version is no longer current.
        for person in self.people_of_report.remove(&index).unwrap_or_default() {
            if let Some(list) = self.shifts.get_mut(&person) {
                list.retain(|s| s.report != index);
            }
        }
        let mut people = HashSet::new();
        for r in rows {
            let Some(a) = self.assistants.get(&r.assistant_id) else {
                continue;
            };
            people.insert(a.personnummer.clone());
            self.shifts
                .entry(a.personnummer.clone())
                .or_default()
                .push(Shift {
                    report: index,
                    shift: StoredShift {
                        person: a.personnummer.clone(),
                        same_org: report.organisation_id == self.org,
                        start_utc: r.start_utc.and_utc(),
                        end_utc: r.end_utc.and_utc(),
                        date: r.work_date,
                        kind: ShiftKind::parse(&r.kind).unwrap_or(ShiftKind::Active),
                        minutes: r.minutes,
                        report_month: report.month.clone(),
                        clock_assumed: r.clock_assumed,
                    },
                });
        }
        self.people_of_report.insert(index, people);
        let mut current = report.clone();
        current.current_version = version.version;
        self.reports.insert(
            (report.assistance_user_id.clone(), report.month.clone()),
            (current, version.clone()),
        );
    }
}
