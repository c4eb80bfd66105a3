//! The one pipeline every time report passes through, whether it came as
//! JSON, as a CSV file or from the CLI: gather what the database knows, run
//! the domain rules, and store a new immutable version, or refuse and store
//! nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::audit::AuditRow;
use crate::db::register as reg;
use crate::db::register::{AssistantRow, EmploymentRow};
use crate::db::time_reports::StoredShiftRow;
use crate::db::time_reports::{self as store, DayRow, ReportRow, RowRow, VersionRow};
use crate::db::DbConn;
use crate::domain::deadline::{
    fk_due_date, internal_due_date, is_on_time, stockholm_date, DeadlinePolicy,
};
use crate::domain::identity::PersonalNumber;
use crate::domain::late::LateRule;
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{minutes_to_hours_string, PayableUnits};
use crate::domain::register::WorkingTimeRule;
use crate::domain::report::{
    check_report, content_hash, day_totals, parse_report, warning_counts, AssistantFacts, Context,
    DecisionFacts, EmploymentFacts, Issue, ParsedRow, RawRow, StoredShift, Target,
};
use crate::domain::shift::ShiftKind;
use crate::service::events;
use crate::service::facts::{Facts, Live, NewVersion};
use crate::service::late::LateContext;

/// One month's report for one assistance user.
#[derive(Debug, Clone)]
pub struct Submission {
    pub assistance_user_id: String,
    pub month: String,
    pub rows: Vec<RawRow>,
    pub correction_reason: Option<String>,
}

/// Who submits, and when.
#[derive(Debug, Clone)]
pub struct Env {
    pub org_id: String,
    pub actor: String,
    pub now: DateTime<Utc>,
    pub policy: DeadlinePolicy,
    /// From which month a late report is not paid (the 2027 rule).
    pub late: LateRule,
    /// Where refusals for another employer's overlapping shift are noted.
    pub probes: Probes,
}

/// The assistants a submission was refused for because another employer
/// reports them at the same time (`overlaps_other_employer`). The refusal
/// is FK's rule, but it also tells the sender that someone works elsewhere,
/// so the HTTP layer audits it and limits how often a credential may see it
/// (docs/security.md, the overlap oracle).
#[derive(Debug, Clone, Default)]
pub struct Probes(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Probes {
    /// The assistant ids noted so far, emptying the list.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("probe lock"))
    }

    fn note(&self, sub: &Submission, issues: &[Issue]) {
        let mut ids: Vec<String> = issues
            .iter()
            .filter(|i| i.code == "overlaps_other_employer")
            .filter_map(|i| match i.target {
                Target::Row { index, .. } => sub.rows.get(index).map(|r| r.assistant_id.clone()),
                Target::Month => None,
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        let mut list = self.0.lock().expect("probe lock");
        ids.retain(|id| !list.contains(id));
        ids.dedup();
        list.extend(ids);
    }
}

impl Env {
    /// What the 2027 rule needs to read a month as it stands now.
    pub fn late_context(&self) -> LateContext {
        LateContext {
            rule: self.late,
            policy: self.policy,
            today: stockholm_date(self.now),
        }
    }
}

/// Why a report was refused (nothing was stored).
#[derive(Debug, Clone)]
pub enum Refusal {
    /// Rule violations, every one found.
    Invalid(Vec<Issue>),
    /// The assistance user is not the organisation's.
    UnknownUser,
    /// A report exists for the month and this one has other rows but no
    /// `correction_reason`.
    CorrectionRequired {
        report_id: String,
        current_version: i32,
    },
    /// The month is closed (`service::months`): only the same rows again
    /// are answered (as unchanged).
    MonthClosed { month: String },
}

#[derive(Debug)]
pub enum SubmitError {
    Refused(Refusal),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for SubmitError {
    fn from(e: diesel::result::Error) -> Self {
        SubmitError::Db(e)
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// A new version was stored (or, on a dry run, would be).
    Created(Receipt),
    /// The rows equal the current version's: nothing was stored.
    Unchanged(Receipt),
}

impl Outcome {
    pub fn receipt(&self) -> &Receipt {
        match self {
            Outcome::Created(r) | Outcome::Unchanged(r) => r,
        }
    }
}

/// Hours of a report version, as decimal strings with two decimals.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Hours {
    /// Elapsed hours of active assistance.
    pub active: String,
    /// Elapsed hours of waiting time (*väntetid*), counted ¼.
    pub waiting: String,
    /// Elapsed hours of standby (*beredskap*), counted 1/7.
    pub standby: String,
    /// Converted hours that are payable: active + waiting/4 + standby/7,
    /// summed exactly and rounded once (half away from zero).
    pub payable: String,
    /// Converted hours excluded from `payable` (assistant not registered
    /// with FK on the day).
    pub not_payable: String,
    /// The month's payable hours as FK is expected to pay them, as it stands
    /// when read: for a month under the 2027 rule, the lower of the last
    /// on-time version's and the current version's, 0 when none arrived on
    /// time or the invoice is late; else the current version's `payable`
    /// (see docs/deadlines.md).
    pub expected_payable: String,
}

/// A warning stored with the version, or (`late_not_payable`,
/// `rate_missing`) worked out when the receipt is read.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ToSchema, PartialEq, Eq)]
pub struct Warning {
    pub pointer: String,
    pub code: String,
    pub message: String,
    /// `late_not_payable`: the version's payable hours that are not expected
    /// to be paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// `late_not_payable`: what those hours are worth at each day's rate;
    /// null (with a `rate_missing` warning) when the year has no rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub amount_sek: Option<Option<String>>,
}

/// What the submitter gets back: the proof of what was received, when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Receipt {
    /// The report (organisation, assistance user, month); the same across versions.
    pub id: String,
    pub version: i32,
    pub assistance_user_id: String,
    pub month: String,
    /// `submitted`, or `voided` (*makulerad*): this version has no rows and
    /// the month counts as not reported until it is filed again.
    #[schema(pattern = "^(submitted|voided)$")]
    pub status: String,
    /// When the version was voided; null unless `status` is `voided`.
    pub voided_at: Option<String>,
    /// Why it was voided; null unless `status` is `voided`.
    pub void_reason: Option<String>,
    pub received_at: String,
    /// FK's deadline for the month.
    pub due_date: String,
    /// The organisation's internal cut-off.
    pub internal_due_date: String,
    /// Arrived (Europe/Stockholm date) by `due_date`.
    pub on_time: bool,
    /// When late, what it means; null when on time.
    pub lateness: Option<String>,
    pub correction_reason: Option<String>,
    pub row_count: i32,
    pub hours: Hours,
    /// SHA-256 of the normalised rows.
    pub content_hash: String,
    pub warnings: Vec<Warning>,
}

/// The JSON pointer of an issue in the submitted body.
pub fn pointer(issue: &Issue) -> String {
    match issue.target {
        Target::Month => "/month".to_string(),
        Target::Row { index, field: None } => format!("/rows/{index}"),
        Target::Row {
            index,
            field: Some(f),
        } => format!("/rows/{index}/{}", f.name()),
    }
}

pub fn receipt(report: &ReportRow, v: &VersionRow) -> Receipt {
    let warnings: Vec<Warning> = serde_json::from_str(&v.warnings).unwrap_or_default();
    Receipt {
        id: report.id.clone(),
        version: v.version,
        assistance_user_id: report.assistance_user_id.clone(),
        month: report.month.clone(),
        status: if v.voided_at.is_some() {
            "voided"
        } else {
            "submitted"
        }
        .to_string(),
        voided_at: v.voided_at.map(crate::db::utc_string),
        void_reason: v.void_reason.clone(),
        received_at: crate::db::utc_string(v.received_at),
        due_date: v.due_date.to_string(),
        internal_due_date: v.internal_due_date.to_string(),
        on_time: v.on_time,
        lateness: crate::domain::deadline::lateness(v.on_time, v.due_date),
        correction_reason: v.correction_reason.clone(),
        row_count: v.row_count,
        hours: Hours {
            active: minutes_to_hours_string(v.active_minutes),
            waiting: minutes_to_hours_string(v.waiting_minutes),
            standby: minutes_to_hours_string(v.standby_minutes),
            payable: PayableUnits(v.payable_units).to_hours_string(),
            not_payable: PayableUnits(v.not_payable_units).to_hours_string(),
            // As stored; `service::late::receipt` fills in the month's figure.
            expected_payable: PayableUnits(v.payable_units).to_hours_string(),
        },
        content_hash: v.content_hash.clone(),
        warnings,
    }
}

/// Lock keys for a set of submissions: one per report and one per person,
/// so that concurrent submissions that could overlap are serialised (on
/// PostgreSQL, across instances).
pub fn lock_keys(
    conn: &mut DbConn,
    org: &str,
    subs: &[Submission],
) -> diesel::QueryResult<Vec<String>> {
    let mut keys = HashSet::new();
    let mut ids = HashSet::new();
    for s in subs {
        keys.insert(format!(
            "report:{org}:{}:{}",
            s.assistance_user_id,
            s.month.trim()
        ));
        ids.extend(s.rows.iter().map(|r| r.assistant_id.trim().to_string()));
    }
    let ids: Vec<String> = ids.into_iter().collect();
    for a in reg::get_assistants(conn, org, &ids)? {
        keys.insert(format!("person:{}", a.personnummer));
    }
    let mut keys: Vec<String> = keys.into_iter().collect();
    keys.sort();
    Ok(keys)
}

/// Validates and stores one submission. Call inside a write transaction
/// (see [`DbConn::write_transaction`]) holding [`lock_keys`]; on `Err` the
/// caller's transaction rolls back. The receipt carries the agreement
/// warning of the month as it stands (`service::agreements`).
pub fn submit(conn: &mut DbConn, env: &Env, sub: &Submission) -> Result<Outcome, SubmitError> {
    submit_with(conn, env, sub, &mut Live)
}

/// [`submit`] with the facts read through `facts`: the same rules and the
/// same writes, whichever way the facts are fetched (a file's are preloaded,
/// see [`super::preload::FileFacts`]).
pub fn submit_with(
    conn: &mut DbConn,
    env: &Env,
    sub: &Submission,
    facts: &mut dyn Facts,
) -> Result<Outcome, SubmitError> {
    let mut outcome = store_or_refuse(conn, env, sub, facts)?;
    let (Outcome::Created(receipt) | Outcome::Unchanged(receipt)) = &mut outcome;
    if let Ok(month) = ReportMonth::parse(&receipt.month) {
        let w = facts.agreement_warning(conn, &env.org_id, &receipt.assistance_user_id, month)?;
        crate::service::agreements::push_warning(receipt, w);
    }
    Ok(outcome)
}

fn store_or_refuse(
    conn: &mut DbConn,
    env: &Env,
    sub: &Submission,
    facts: &mut dyn Facts,
) -> Result<Outcome, SubmitError> {
    let org = env.org_id.as_str();
    if !facts.user_exists(conn, org, &sub.assistance_user_id)? {
        return Err(SubmitError::Refused(Refusal::UnknownUser));
    }
    let today = stockholm_date(env.now);
    let parsed = parse_report(&sub.month, &sub.rows, today);
    let Some(month) = parsed.month else {
        return Err(SubmitError::Refused(Refusal::Invalid(parsed.errors)));
    };
    let existing = facts.report(conn, org, &sub.assistance_user_id, &month.to_string())?;
    if facts.is_closed(conn, org, &sub.assistance_user_id, &month.to_string())? {
        // A closed month takes nothing new; the same rows again get the
        // current receipt, as they would before the close.
        if parsed.errors.is_empty() {
            if let Some(report) = &existing {
                if let Some(cur) = facts.current_version(conn, report)? {
                    if cur.content_hash == content_hash(&parsed.rows) {
                        return Ok(Outcome::Unchanged(facts.receipt(
                            conn,
                            &env.late_context(),
                            report,
                            &cur,
                        )?));
                    }
                }
            }
        }
        return Err(SubmitError::Refused(Refusal::MonthClosed {
            month: month.to_string(),
        }));
    }
    let ctx = facts.context(
        conn,
        org,
        &sub.assistance_user_id,
        month,
        &parsed.rows,
        existing.as_ref(),
        today,
    )?;
    let checked = check_report(month, &parsed.rows, &ctx);
    let mut errors = parsed.errors;
    errors.extend(checked.errors);
    if !errors.is_empty() {
        errors.sort_by_key(|e| match e.target {
            Target::Month => (0, 0),
            Target::Row { index, .. } => (1, index),
        });
        env.probes.note(sub, &errors);
        return Err(SubmitError::Refused(Refusal::Invalid(errors)));
    }
    let hash = content_hash(&parsed.rows);
    let current = match &existing {
        Some(r) => facts.current_version(conn, r)?,
        None => None,
    };
    // A voided month is filed afresh: no comparison, no reason needed.
    let voided = current.as_ref().is_some_and(|c| c.voided_at.is_some());
    if let (Some(report), Some(cur)) = (&existing, current.as_ref().filter(|_| !voided)) {
        if cur.content_hash == hash {
            return Ok(Outcome::Unchanged(facts.receipt(
                conn,
                &env.late_context(),
                report,
                cur,
            )?));
        }
        if sub
            .correction_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            return Err(SubmitError::Refused(Refusal::CorrectionRequired {
                report_id: report.id.clone(),
                current_version: cur.version,
            }));
        }
    }

    // A correction may make the month's invoice stale (`invoice.stale`).
    let invoice = match &existing {
        Some(r) => events::watch_invoice(conn, org, &r.assistance_user_id, &r.month)?,
        None => None,
    };
    let now = env.now.naive_utc();
    let new_report = existing.is_none();
    let mut report = existing.unwrap_or_else(|| ReportRow {
        id: crate::db::new_id(),
        organisation_id: org.to_string(),
        assistance_user_id: sub.assistance_user_id.clone(),
        month: month.to_string(),
        current_version: 0,
        created_at: now,
        updated_at: now,
    });
    let due = fk_due_date(month, env.policy);
    let internal = internal_due_date(month, facts.cutoff_day(conn, org)?, env.policy);
    let version = current.as_ref().map_or(1, |c| c.version + 1);
    let warnings: Vec<Warning> = checked
        .warnings
        .iter()
        .map(|w| Warning {
            pointer: pointer(w),
            code: w.code.to_string(),
            message: w.message.clone(),
            ..Warning::default()
        })
        .collect();
    let v = VersionRow {
        id: crate::db::new_id(),
        report_id: report.id.clone(),
        version,
        received_at: now,
        submitted_by: env.actor.clone(),
        correction_reason: if version > 1 {
            sub.correction_reason.as_ref().map(|r| r.trim().to_string())
        } else {
            None
        },
        content_hash: hash,
        due_date: due,
        internal_due_date: internal,
        on_time: is_on_time(env.now, due),
        row_count: parsed.rows.len() as i32,
        active_minutes: checked.totals.active_minutes,
        waiting_minutes: checked.totals.waiting_minutes,
        standby_minutes: checked.totals.standby_minutes,
        payable_units: checked.totals.payable.0,
        not_payable_units: checked.totals.not_payable.0,
        warnings: serde_json::to_string(&warnings).expect("warnings serialise"),
        warning_counts: serde_json::to_string(&warning_counts(&checked.warnings))
            .expect("counts serialise"),
        voided_at: None,
        void_reason: None,
    };
    let days: Vec<DayRow> = day_totals(
        &parsed.rows,
        &checked.payable,
        &checked.unpaid_minutes,
        &checked.double_minutes,
    )
    .into_iter()
    .map(|t| DayRow {
        version_id: v.id.clone(),
        assistant_id: t.assistant_id.to_string(),
        work_date: t.date,
        payable_units: t.payable.0,
        not_payable_units: t.not_payable.0,
        double_units: t.double.0,
        working_minutes: t.working_minutes,
    })
    .collect();
    let postids = postids(conn, facts, org, current.as_ref(), &parsed.rows)?;
    let rows: Vec<RowRow> = parsed
        .rows
        .iter()
        .zip(checked.payable.iter().zip(&checked.unpaid_minutes))
        .zip(postids)
        .map(|((r, (&payable, &unpaid_minutes)), postid)| RowRow {
            version_id: v.id.clone(),
            row_index: r.index as i32,
            assistant_id: r.assistant_id.clone(),
            work_date: r.date,
            start_time: r.start.to_string(),
            end_time: r.end.to_string(),
            kind: r.kind.as_str().to_string(),
            is_double: r.double,
            hospital: r.hospital,
            start_utc: r.shift.start_utc.naive_utc(),
            end_utc: r.shift.end_utc.naive_utc(),
            minutes: r.minutes(),
            payable,
            postid,
            clock_assumed: r.clock_assumed,
            unpaid_minutes,
        })
        .collect();
    report.current_version = version;
    report.updated_at = now;
    let audit = AuditRow {
        id: crate::db::new_id(),
        organisation_id: Some(org.to_string()),
        actor: env.actor.clone(),
        action: if version == 1 || voided {
            "submit"
        } else {
            "correct"
        }
        .to_string(),
        entity: "time_report".to_string(),
        entity_id: report.id.clone(),
        content_hash: Some(v.content_hash.clone()),
        reason: v.correction_reason.clone(),
        at: now,
        // Now: a batch's entries may be written after its request's work.
        request_id: crate::db::audit::current_request(),
        subject_ids: None,
    };
    facts.store(
        conn,
        NewVersion {
            report: report.clone(),
            new_report,
            version: v.clone(),
            rows,
            days,
            audit,
        },
    )?;
    events::report_stored(conn, &report, version == 1 || voided, env.now)?;
    if invoice.is_some() {
        // The invoice's status is worked out from the rows as stored.
        facts.write_pending(conn)?;
    }
    events::invoice_after_change(conn, invoice, env.now)?;
    Ok(Outcome::Created(facts.receipt(
        conn,
        &env.late_context(),
        &report,
        &v,
    )?))
}

/// PAXml `postid`s for the rows of a new version, in order: a row equal to
/// one of the previous version keeps that row's number, so a payroll system
/// sees the same transaction again; the others get new numbers.
fn postids(
    conn: &mut DbConn,
    facts: &mut dyn Facts,
    org: &str,
    previous: Option<&VersionRow>,
    rows: &[ParsedRow],
) -> diesel::QueryResult<Vec<i32>> {
    type Key = (
        String,
        chrono::NaiveDate,
        String,
        String,
        String,
        bool,
        bool,
    );
    let mut kept: HashMap<Key, i32> = HashMap::new();
    if let Some(v) = previous {
        for r in store::rows_of_version(conn, &v.id)? {
            kept.insert(
                (
                    r.assistant_id,
                    r.work_date,
                    r.start_time,
                    r.end_time,
                    r.kind,
                    r.is_double,
                    r.hospital,
                ),
                r.postid,
            );
        }
    }
    let mut out: Vec<Option<i32>> = rows
        .iter()
        .map(|r| {
            kept.remove(&(
                r.assistant_id.clone(),
                r.date,
                r.start.to_string(),
                r.end.to_string(),
                r.kind.as_str().to_string(),
                r.double,
                r.hospital,
            ))
        })
        .collect();
    let fresh = out.iter().filter(|p| p.is_none()).count();
    if fresh > 0 {
        let first = facts.reserve_postids(conn, org, fresh)?;
        for (n, p) in (first..).zip(out.iter_mut().filter(|p| p.is_none())) {
            *p = Some(n);
        }
    }
    Ok(out
        .into_iter()
        .map(|p| p.expect("every row numbered"))
        .collect())
}

/// The context of one submission, read from the database (see
/// [`Live`]); a file's is preloaded ([`super::preload::FileFacts`]), and
/// both are made by the same functions below.
pub(crate) fn load_context(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
    rows: &[ParsedRow],
    existing: Option<&ReportRow>,
    today: chrono::NaiveDate,
) -> diesel::QueryResult<Context> {
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.assistant_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let assistants = reg::get_assistants(conn, org, &ids)?;
    let employments = reg::employments_of_assistants(conn, &ids)?;
    let mut facts = HashMap::new();
    for a in &assistants {
        let theirs: Vec<&EmploymentRow> = employments
            .iter()
            .filter(|e| e.assistant_id == a.id)
            .collect();
        facts.insert(a.id.clone(), assistant_facts(org, user, a, &theirs));
    }
    let decisions = reg::decisions_for_user(conn, org, user, month.first_day(), month.last_day())?
        .iter()
        .map(decision_facts)
        .collect();
    let persons: Vec<String> = assistants.iter().map(|a| a.personnummer.clone()).collect();
    let stored = if persons.is_empty() {
        Vec::new()
    } else {
        let (from, to) = stored_window(month, &facts);
        store::stored_shifts(conn, &persons, from, to, existing.map(|r| r.id.as_str()))?
            .into_iter()
            .map(|s| stored_shift(org, s))
            .collect()
    };
    let all = reg::all_decisions_for_user(conn, org, user)?;
    let (grants, stored_double) = double_facts(conn, user, month, &all, |conn, from, to| {
        store::double_days_of_users(conn, org, &[user.to_string()], from, to)
    })?;
    Ok(Context {
        today: Some(today),
        assistants: facts,
        decisions,
        stored,
        grants,
        stored_double,
    })
}

/// Double-assistance units per day: (user, month, date, units).
pub(crate) type DoubleDays = Vec<(String, String, chrono::NaiveDate, i64)>;

/// What the double-assistance rule needs beyond the month: the user's
/// decisions as grants, and the user's other months' double time per day.
pub(crate) type DoubleFacts = (
    Vec<crate::domain::grant::Grant>,
    Vec<(chrono::NaiveDate, PayableUnits)>,
);

/// The user's decisions as grants and the double-assistance time of the
/// user's other months in the grant periods of `month` (see
/// `domain::report::double`); `double_days` reads [`DoubleDays`] in a date
/// range.
pub(crate) fn double_facts(
    conn: &mut DbConn,
    user: &str,
    month: ReportMonth,
    decisions: &[crate::db::register::DecisionRow],
    double_days: impl FnOnce(
        &mut DbConn,
        chrono::NaiveDate,
        chrono::NaiveDate,
    ) -> diesel::QueryResult<DoubleDays>,
) -> diesel::QueryResult<DoubleFacts> {
    let grants = crate::service::grants::grants_of(decisions);
    let Some((from, to)) = crate::domain::report::double::period_window(&grants, month) else {
        return Ok((grants, Vec::new()));
    };
    let m = month.to_string();
    let days = double_days(conn, from, to)?
        .into_iter()
        .filter(|(u, mo, _, _)| u == user && *mo != m)
        .map(|(_, _, d, units)| (d, PayableUnits(units)))
        .collect();
    Ok((grants, days))
}

/// What the rules know of one of the organisation's assistants reported
/// for `user`, from the assistant's employments (in any organisation).
pub(crate) fn assistant_facts(
    org: &str,
    user: &str,
    a: &AssistantRow,
    employments: &[&EmploymentRow],
) -> AssistantFacts {
    let mine: Vec<&&EmploymentRow> = employments
        .iter()
        .filter(|e| e.assistant_id == a.id && e.organisation_id == org)
        .collect();
    let for_user: Vec<EmploymentFacts> = mine
        .iter()
        .filter(|e| e.assistance_user_id == user)
        .map(|e| EmploymentFacts {
            start: e.start_date,
            end: e.end_date,
            registered_with_fk_on: e.registered_with_fk_on,
            rule: e.working_time().0,
        })
        .collect();
    // The employment for this user decides; else any with this organisation.
    let working_time = mine
        .iter()
        .find(|e| e.assistance_user_id == user)
        .or(mine.first())
        .map(|e| e.working_time());
    let birth_date = PersonalNumber::parse(&a.personnummer)
        .map(|p| p.birth_date())
        .unwrap_or(chrono::NaiveDate::MIN);
    AssistantFacts {
        person: a.personnummer.clone(),
        birth_date,
        lives_in_eea: a.lives_in_eea,
        employments: for_user,
        working_time,
    }
}

pub(crate) fn decision_facts(d: &crate::db::register::DecisionRow) -> DecisionFacts {
    DecisionFacts {
        valid_from: d.valid_from,
        valid_to: d.valid_to,
        double_centi: d.double_hours_per_week_centi,
    }
}

/// The span of stored shifts the rules need for a month: shifts are at most
/// 24 h (+1 at DST), so a day's margin each side catches every overlap; the
/// working-time check needs the reference period before the month.
pub(crate) fn stored_window(
    month: ReportMonth,
    facts: &HashMap<String, AssistantFacts>,
) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let longest = facts
        .values()
        .filter_map(|f| f.working_time.map(|w| w.1.reference_days))
        .max()
        .unwrap_or(WorkingTimeRule::WorkingHoursAct.limit().reference_days);
    let from = (month.first_day() - Duration::days(longest + 1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    let to = (month.last_day() + Duration::days(3))
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    (from, to)
}

pub(crate) fn stored_shift(org: &str, s: StoredShiftRow) -> StoredShift {
    StoredShift {
        same_org: s.organisation_id == org,
        person: s.personnummer,
        start_utc: s.start_utc.and_utc(),
        end_utc: s.end_utc.and_utc(),
        date: s.work_date,
        kind: ShiftKind::parse(&s.kind).unwrap_or(ShiftKind::Active),
        minutes: s.minutes,
        report_month: s.month,
        clock_assumed: s.clock_assumed,
    }
}
