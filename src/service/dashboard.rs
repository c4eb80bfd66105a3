//! The monthly compliance dashboard: per assistance user with a decision
//! covering the month, where the month's report and invoice stand, against
//! the grant and the deadlines. Reads per-version totals only (see
//! `db::dashboard`), never time-report rows, so it stays fast at national
//! scale.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::dashboard as q;
use crate::db::page::Page;
use crate::db::register::{self as reg, DecisionRow};
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::deadline::{days_until, fk_due_date, internal_due_date};
use crate::domain::grant::{fifths, granted_between, hours_string, Fifths, Grant};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{Ore, PayableUnits};
use crate::domain::register::{WorkingTimeLimit, WorkingTimeRule};
use crate::domain::report::{weekly_average_centi, working_time_breach};
use crate::service::grants::grants_of;
use crate::service::late::{self, LateContext, Standing};

/// Warning codes the dashboard always counts (0 when none).
pub const COUNTED_WARNINGS: [&str; 8] = [
    "working_time_exceeded",
    "assistant_under_18",
    "assistant_outside_eea",
    "hospital_stay",
    "over_grant",
    "assistant_not_registered_with_fk",
    "no_agreement",
    "agreement_not_sent_to_fk",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Missing,
    OnTime,
    Late,
    /// First sent on time, corrected after FK's deadline.
    CorrectedAfterDeadline,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DashboardRow {
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub granted_hours: String,
    /// Payable hours of the current version as FK is expected to pay them
    /// (the 2027 rule; see docs/deadlines.md).
    pub reported_payable_hours: String,
    /// Payable hours of the current version not expected to be paid because
    /// the report or invoice arrived late.
    pub late_not_payable_hours: String,
    pub report_id: Option<String>,
    pub report_version: Option<i32>,
    pub report_status: ReportStatus,
    /// `current` or `stale`; without an invoice, `not_yet_due` until the
    /// month's FK due date (`days_until_due` ≥ 0), then `missing`.
    pub invoice_status: String,
    pub internal_due_date: NaiveDate,
    /// Days until FK's deadline (negative: past).
    pub days_until_due: i64,
    /// Days until the organisation's internal cut-off (negative: past).
    pub days_until_internal_due: i64,
    /// Warning counts by code on the current version, plus `over_grant`.
    #[schema(value_type = Object)]
    pub warnings: BTreeMap<String, u32>,
    /// The month's state (`open`, `ready` or `closed`; see
    /// `GET /months/{month}/status`).
    pub month_state: String,
    /// The user's change notices not yet reported to FK whose due date has
    /// not passed (today, whatever the month).
    pub change_notices_open: u32,
    /// The user's change notices not reported to FK by their due date.
    pub change_notices_overdue: u32,
    /// What the agreements with the user (FK form 3079) say about the
    /// month: `sent_to_fk`, `not_sent_to_fk`, `missing`, or `not_required`
    /// (a self-employer). The last two but one also count as the warnings
    /// `agreement_not_sent_to_fk` and `no_agreement`.
    pub agreement: String,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Totals {
    pub users: u32,
    pub reports_missing: u32,
    pub reports_on_time: u32,
    pub reports_late: u32,
    pub reports_corrected_after_deadline: u32,
    /// Without an invoice after the month's due date.
    pub invoices_missing: u32,
    /// Without an invoice, before the month's due date.
    pub invoices_not_yet_due: u32,
    pub invoices_current: u32,
    pub invoices_stale: u32,
    /// Months `ready` to close.
    pub ready: u32,
    /// Months `closed`.
    pub closed: u32,
    /// Change notices not yet reported whose due date has not passed
    /// (every user in scope, as of today).
    pub change_notices_open: u32,
    /// Change notices not reported by their due date.
    pub change_notices_overdue: u32,
    pub granted_hours: String,
    /// Expected payable hours (see the rows).
    pub reported_payable_hours: String,
    /// Reports not yet received whose FK due date is still ahead, for a
    /// month under the 2027 rule: money that is lost if they come late.
    pub at_risk: AtRisk,
    /// Payable hours not expected to be paid because a report or invoice
    /// arrived late, and their worth.
    pub lost: Lost,
    #[serde(skip)]
    granted: Fifths,
    #[serde(skip)]
    reported: Fifths,
    #[serde(skip)]
    lost_units: PayableUnits,
    #[serde(skip)]
    lost_ore: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AtRisk {
    pub count: u32,
    /// FK's due date for the month.
    pub due_date: NaiveDate,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Lost {
    pub hours: String,
    /// Null when a year involved has no rate in the rate table.
    pub amount_sek: Option<String>,
}

impl Totals {
    /// Zero everywhere; nothing lost is worth 0.00.
    fn fresh() -> Self {
        Totals {
            lost_ore: Some(0),
            ..Totals::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationTotals {
    pub organisation_id: String,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkingTimeBreach {
    /// The organisation's assistant record.
    pub assistant_id: String,
    pub rule: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Average working hours per week over the period, all employers.
    pub hours_per_week: String,
    pub limit_hours_per_week: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Compliance {
    pub month: String,
    pub due_date: NaiveDate,
    /// The organisation's internal cut-off (default day for several organisations).
    pub internal_due_date: NaiveDate,
    pub days_until_due: i64,
    /// One page of rows, in (organisation, assistance user) order.
    pub rows: Vec<DashboardRow>,
    /// The cursor of the next page of rows (`null` on the last).
    pub next_cursor: Option<String>,
    /// Over every row of the view, not only this page.
    pub totals: Totals,
    /// Over every row of the view, not only this page.
    pub totals_by_organisation: Vec<OrganisationTotals>,
}

/// Working-time breaches of one organisation's assistants in a month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkingTime {
    pub month: String,
    pub organisation_id: String,
    pub breaches: Vec<WorkingTimeBreach>,
}

/// How the invoice of a (organisation, user, month) stands; supplied by the
/// invoice service.
pub type InvoiceStatuses = HashMap<(String, String), String>;

pub fn compliance(
    conn: &mut DbConn,
    scope: &Scope,
    month: ReportMonth,
    late: &LateContext,
    invoices: &InvoiceStatuses,
) -> diesel::QueryResult<Compliance> {
    let (today, policy) = (late.today, late.policy);
    let m = month.to_string();
    // One query for every decision that can matter: those covering the month
    // and those whose grant periods (up to 24 months) reach into it.
    let decisions = q::decisions_overlapping(
        conn,
        scope,
        month.add_months(-24).first_day(),
        month.last_day(),
    )?;
    let mut by_user: BTreeMap<(String, String), Vec<DecisionRow>> = BTreeMap::new();
    for d in decisions {
        by_user
            .entry((d.organisation_id.clone(), d.assistance_user_id.clone()))
            .or_default()
            .push(d);
    }
    by_user.retain(|_, ds| {
        ds.iter().any(|d| {
            d.valid_from <= month.last_day() && d.valid_to.is_none_or(|e| e >= month.first_day())
        })
    });
    // Grant periods reach back at most 24 months: monthly totals from there.
    let window_from = month.add_months(-24).to_string();
    let history = q::monthly_payable(conn, scope, &window_from, &m)?;
    // Months under the 2027 rule count what FK is expected to pay.
    let standings: HashMap<(String, String, ReportMonth), Standing> = late::standings(
        conn,
        late,
        scope,
        month.add_months(-24).max(late.rule.unpaid_from),
        month,
        None,
    )?
    .into_values()
    .map(|s| {
        (
            (
                s.organisation_id.clone(),
                s.assistance_user_id.clone(),
                s.month,
            ),
            s,
        )
    })
    .collect();
    let mut monthly: HashMap<(&str, &str), BTreeMap<ReportMonth, i64>> = HashMap::new();
    for (org, user, vm, units) in &history {
        if let Ok(vm) = ReportMonth::parse(vm) {
            let units = standings
                .get(&(org.clone(), user.clone(), vm))
                .map_or(*units, |s| s.expected_units().0);
            monthly
                .entry((org.as_str(), user.as_str()))
                .or_default()
                .insert(vm, units);
        }
    }
    let versions = q::current_versions(conn, scope, &m, &m)?;
    let current: HashMap<(&str, &str), &q::ReportStatusRow> = versions
        .iter()
        .map(|v| {
            (
                (v.organisation_id.as_str(), v.assistance_user_id.as_str()),
                v,
            )
        })
        .collect();
    let first_on_time: HashMap<String, bool> = q::first_versions_on_time(conn, scope, &m)?
        .into_iter()
        .collect();
    let due = fk_due_date(month, policy);
    let mut cutoffs: HashMap<String, u32> = HashMap::new();

    let mut rows = Vec::new();
    let mut totals = Totals::fresh();
    let mut per_org: BTreeMap<String, Totals> = BTreeMap::new();
    for ((org, user), decisions) in &by_user {
        let grants = grants_of(decisions);
        let (granted, _) = granted_between(&grants, month.first_day(), month.last_day());
        let cur = current.get(&(org.as_str(), user.as_str()));
        let standing = standings.get(&(org.clone(), user.clone(), month));
        let reported = match (cur, standing) {
            (_, Some(s)) => fifths(s.expected_units()),
            (Some(v), None) => fifths(PayableUnits(v.payable_units)),
            (None, None) => 0,
        };
        let (lost_units, lost_ore) = match (cur, standing) {
            (Some(v), Some(s)) => {
                match late::loss(
                    conn,
                    s,
                    &s.current().version_id,
                    PayableUnits(v.payable_units),
                    None,
                )? {
                    Some(l) => (l.units, l.amount.ok().map(|a| a.0)),
                    None => (PayableUnits::ZERO, Some(0)),
                }
            }
            _ => (PayableUnits::ZERO, Some(0)),
        };
        let at_risk = cur.is_none() && late.rule.applies(month) && today <= due;
        let status = match cur {
            None => ReportStatus::Missing,
            Some(v) if v.on_time => ReportStatus::OnTime,
            Some(v)
                if v.version > 1 && first_on_time.get(&v.report_id).copied().unwrap_or(false) =>
            {
                ReportStatus::CorrectedAfterDeadline
            }
            Some(_) => ReportStatus::Late,
        };
        let mut warnings: BTreeMap<String, u32> = COUNTED_WARNINGS
            .iter()
            .map(|c| (c.to_string(), 0))
            .collect();
        if let Some(v) = cur {
            let counts: BTreeMap<String, u32> =
                serde_json::from_str(&v.warning_counts).unwrap_or_default();
            for (k, n) in counts {
                *warnings.entry(k).or_default() += n;
            }
        }
        if over_grant(&grants, month, monthly.get(&(org.as_str(), user.as_str()))) {
            warnings.insert("over_grant".into(), 1);
        }
        let cutoff = match cutoffs.get(org) {
            Some(c) => *c,
            None => {
                let c = reg::cutoff_day(conn, org)?;
                cutoffs.insert(org.clone(), c);
                c
            }
        };
        let internal = internal_due_date(month, cutoff, policy);
        let invoice_status = invoices
            .get(&(org.clone(), user.clone()))
            .cloned()
            .unwrap_or_else(|| {
                // Not there yet is not missing while the month is not due.
                if today <= due {
                    "not_yet_due"
                } else {
                    "missing"
                }
                .to_string()
            });
        for t in [
            &mut totals,
            per_org.entry(org.clone()).or_insert_with(Totals::fresh),
        ] {
            t.users += 1;
            match status {
                ReportStatus::Missing => t.reports_missing += 1,
                ReportStatus::OnTime => t.reports_on_time += 1,
                ReportStatus::Late => t.reports_late += 1,
                ReportStatus::CorrectedAfterDeadline => t.reports_corrected_after_deadline += 1,
            }
            match invoice_status.as_str() {
                "current" => t.invoices_current += 1,
                "stale" => t.invoices_stale += 1,
                "not_yet_due" => t.invoices_not_yet_due += 1,
                _ => t.invoices_missing += 1,
            }
            t.granted += granted;
            t.reported += reported;
            t.at_risk.count += u32::from(at_risk);
            t.lost_units += lost_units;
            t.lost_ore = t.lost_ore.zip(lost_ore).map(|(a, b)| a + b);
        }
        rows.push(DashboardRow {
            organisation_id: org.clone(),
            assistance_user_id: user.clone(),
            granted_hours: hours_string(granted),
            reported_payable_hours: hours_string(reported),
            late_not_payable_hours: lost_units.to_hours_string(),
            report_id: cur.map(|v| v.report_id.clone()),
            report_version: cur.map(|v| v.version),
            report_status: status,
            invoice_status,
            internal_due_date: internal,
            days_until_due: days_until(today, due),
            days_until_internal_due: days_until(today, internal),
            warnings,
            month_state: "open".into(),
            change_notices_open: 0,
            change_notices_overdue: 0,
            agreement: "not_required".into(),
        });
    }
    let finish = |t: &mut Totals| {
        t.granted_hours = hours_string(t.granted);
        t.reported_payable_hours = hours_string(t.reported);
        t.at_risk.due_date = due;
        t.lost = Lost {
            hours: t.lost_units.to_hours_string(),
            amount_sek: t.lost_ore.map(|o| Ore(o).to_sek_string()),
        };
    };
    finish(&mut totals);
    let totals_by_organisation = per_org
        .into_iter()
        .map(|(organisation_id, mut t)| {
            finish(&mut t);
            OrganisationTotals {
                organisation_id,
                totals: t,
            }
        })
        .collect();
    let internal_cutoff = match scope.org() {
        Some(org) => reg::cutoff_day(conn, org)?,
        None => crate::domain::deadline::DEFAULT_INTERNAL_CUTOFF_DAY,
    };
    Ok(Compliance {
        month: m,
        due_date: due,
        internal_due_date: internal_due_date(month, internal_cutoff, policy),
        days_until_due: days_until(today, due),
        rows,
        next_cursor: None,
        totals,
        totals_by_organisation,
    })
}

/// A row's place in the view: `{organisation_id}:{assistance_user_id}`.
fn row_cursor(r: &DashboardRow) -> String {
    format!("{}:{}", r.organisation_id, r.assistance_user_id)
}

/// Keeps one page of the rows: `page.limit` rows after the cursor, in
/// (organisation, assistance user) order, and the cursor of the next page.
/// The totals, computed over every row, stay as they are.
pub fn page_rows(c: &mut Compliance, page: &Page) {
    let after = page
        .after
        .as_deref()
        .map(|a| a.split_once(':').unwrap_or((a, "")));
    let mut rest = std::mem::take(&mut c.rows).into_iter().filter(|r| {
        after.is_none_or(|(org, user)| {
            (r.organisation_id.as_str(), r.assistance_user_id.as_str()) > (org, user)
        })
    });
    c.rows = rest.by_ref().take(page.limit as usize).collect();
    c.next_cursor = if rest.next().is_some() {
        c.rows.last().map(row_cursor)
    } else {
        None
    };
}

/// Fills in each row's month state and counts `ready` and `closed` in the
/// totals (`states` from `service::months::states`).
pub fn apply_month_states(
    c: &mut Compliance,
    states: &HashMap<(String, String), crate::service::months::MonthState>,
) {
    use crate::service::months::MonthState;
    for r in &mut c.rows {
        let state = states
            .get(&(r.organisation_id.clone(), r.assistance_user_id.clone()))
            .copied()
            .unwrap_or(MonthState::Open);
        r.month_state = state.as_str().to_string();
        let org = c
            .totals_by_organisation
            .iter_mut()
            .find(|t| t.organisation_id == r.organisation_id)
            .map(|t| &mut t.totals);
        for t in std::iter::once(&mut c.totals).chain(org) {
            match state {
                MonthState::Ready => t.ready += 1,
                MonthState::Closed => t.closed += 1,
                MonthState::Open => {}
            }
        }
    }
}

/// Fills in each row's agreement column and its warning
/// (`service::agreements::covers_in_month`; rows of self-employers are not
/// in `covers` and stay `not_required`).
pub fn apply_agreements(
    c: &mut Compliance,
    covers: &HashMap<(String, String), crate::domain::agreement::Cover>,
) {
    use crate::domain::agreement::Cover;
    for r in &mut c.rows {
        let key = (r.organisation_id.clone(), r.assistance_user_id.clone());
        let Some(cover) = covers.get(&key) else {
            continue;
        };
        let (column, warning) = match cover {
            Cover::Sent { .. } => ("sent_to_fk", None),
            Cover::NotSentToFk { .. } => ("not_sent_to_fk", Some("agreement_not_sent_to_fk")),
            Cover::Missing => ("missing", Some("no_agreement")),
        };
        r.agreement = column.into();
        if let Some(w) = warning {
            *r.warnings.entry(w.into()).or_default() += 1;
        }
    }
}

/// Counts the unreported change notices (`db::change_notices::unreported_counts`:
/// organisation, user, open, overdue) in the rows and the totals. Every
/// notice in scope counts in the totals, also a user's without a row.
pub fn apply_change_notices(c: &mut Compliance, counts: &[(String, String, u32, u32)]) {
    let rows: HashMap<(String, String), usize> = c
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.organisation_id.clone(), r.assistance_user_id.clone()), i))
        .collect();
    for (org, user, open, overdue) in counts {
        if let Some(&i) = rows.get(&(org.clone(), user.clone())) {
            c.rows[i].change_notices_open += open;
            c.rows[i].change_notices_overdue += overdue;
        }
        let per_org = c
            .totals_by_organisation
            .iter_mut()
            .find(|t| &t.organisation_id == org)
            .map(|t| &mut t.totals);
        for t in std::iter::once(&mut c.totals).chain(per_org) {
            t.change_notices_open += open;
            t.change_notices_overdue += overdue;
        }
    }
}

/// Whether, by the end of `month`, the reported hours of the grant period
/// containing it exceed the period's grant. Monthly totals are used, so a
/// period that starts mid-month counts its first month whole (the balance
/// endpoint is exact to the day).
fn over_grant(
    grants: &[Grant],
    month: ReportMonth,
    monthly: Option<&BTreeMap<ReportMonth, i64>>,
) -> bool {
    let Some(monthly) = monthly else { return false };
    let Some(g) = crate::domain::grant::grant_on(grants, month.last_day()) else {
        return false;
    };
    let Some(&(start, end)) = g
        .periods(month.last_day())
        .iter()
        .find(|p| p.0 <= month.last_day() && month.last_day() <= p.1)
    else {
        return false;
    };
    let (granted, _) = granted_between(grants, start, end);
    let used: Fifths = monthly
        .range(ReportMonth::of(start)..=month)
        .map(|(_, u)| fifths(PayableUnits(*u)))
        .sum();
    used > granted
}

/// Working-time breaches of an organisation's assistants in the month,
/// counting every employer's current reports. Reads each person's day totals
/// over the reference period, so it is kept out of the compliance view.
pub fn working_time(
    conn: &mut DbConn,
    org: &str,
    month: ReportMonth,
) -> diesel::QueryResult<WorkingTime> {
    Ok(WorkingTime {
        month: month.to_string(),
        organisation_id: org.to_string(),
        breaches: breaches(conn, org, month)?,
    })
}

fn breaches(
    conn: &mut DbConn,
    org: &str,
    month: ReportMonth,
) -> diesel::QueryResult<Vec<WorkingTimeBreach>> {
    let persons = q::persons_in_month(conn, org, &month.to_string())?;
    if persons.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = persons.iter().map(|(id, _)| id.clone()).collect();
    let employments = reg::employments_of_assistants(conn, &ids)?;
    let own: HashMap<&str, &crate::db::register::EmploymentRow> = employments
        .iter()
        .filter(|e| e.organisation_id == org)
        .map(|e| (e.assistant_id.as_str(), e))
        .collect();
    let limits: Vec<(String, String, WorkingTimeRule, WorkingTimeLimit)> = persons
        .into_iter()
        .map(|(assistant_id, person)| {
            let (rule, limit) = own
                .get(assistant_id.as_str())
                .map(|e| e.working_time())
                .unwrap_or((
                    WorkingTimeRule::WorkingHoursAct,
                    WorkingTimeRule::WorkingHoursAct.limit(),
                ));
            (assistant_id, person, rule, limit)
        })
        .collect();
    let longest = limits.iter().map(|l| l.3.reference_days).max().unwrap_or(0);
    let from = month.first_day() - Duration::days(longest);
    // A person can only breach if their total over the whole span exceeds
    // the limit of one reference period: the database sums that per person,
    // and day rows are read only for those who pass.
    let all: Vec<String> = limits.iter().map(|l| l.1.clone()).collect();
    let totals: HashMap<String, i64> = q::working_totals(conn, &all, from, month.last_day())?
        .into_iter()
        .collect();
    let limits: Vec<_> = limits
        .into_iter()
        .filter(|(_, person, _, limit)| {
            totals.get(person).is_some_and(|&total| {
                total * 700 > limit.hours_per_week_centi * 60 * limit.reference_days
            })
        })
        .collect();
    let numbers: Vec<String> = limits.iter().map(|l| l.1.clone()).collect();
    let mut daily: HashMap<String, BTreeMap<NaiveDate, i64>> = HashMap::new();
    for (person, date, minutes) in q::working_days(conn, &numbers, from, month.last_day())? {
        *daily.entry(person).or_default().entry(date).or_default() += minutes;
    }
    let mut out = Vec::new();
    for (assistant_id, person, rule, limit) in limits {
        let Some(days) = daily.get(&person) else {
            continue;
        };
        if let Some((end, minutes)) = working_time_breach(days, limit, month) {
            out.push(WorkingTimeBreach {
                assistant_id,
                rule: rule.as_str().to_string(),
                period_start: end - Duration::days(limit.reference_days - 1),
                period_end: end,
                hours_per_week: crate::domain::quantity::hundredths_to_string(
                    weekly_average_centi(minutes, limit.reference_days),
                ),
                limit_hours_per_week: crate::domain::quantity::hundredths_to_string(
                    limit.hours_per_week_centi,
                ),
            });
        }
    }
    out.sort_by(|a, b| a.assistant_id.cmp(&b.assistant_id));
    Ok(out)
}
