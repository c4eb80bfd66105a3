//! The 2027 rule on stored reports: each month's expected payable hours
//! (`domain::late`) from when its time-report and invoice versions arrived,
//! what the difference is worth, and the receipts that show it. Shared by
//! receipts, the invoice draft, balances and the dashboard, so all four
//! count the same hours (see `docs/deadlines.md`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::late::{self as store, VersionArrival};
use crate::db::register as reg;
use crate::db::time_reports::{user_days, ReportRow, UserDay, VersionRow};
use crate::db::{DbConn, Scope};
use crate::domain::deadline::{fk_due_date, DeadlinePolicy};
use crate::domain::late::{
    expected, outer_limit, value_of_days, Arrival, Expected, LateRule, MonthArrivals, RateMissing,
    Shortfall,
};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{Ore, PayableUnits};
use crate::service::grants::grants_of;
use crate::service::invoices::{Computed, Draft, LateNotPayable};
use crate::service::submission::{receipt as stored_receipt, Receipt, Warning};

/// What the rule needs to know besides the database.
#[derive(Debug, Clone, Copy)]
pub struct LateContext {
    pub rule: LateRule,
    pub policy: DeadlinePolicy,
    /// Today in Europe/Stockholm.
    pub today: NaiveDate,
}

/// One report's month under the rule.
#[derive(Debug, Clone)]
pub struct Standing {
    pub report_id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: ReportMonth,
    pub due: NaiveDate,
    /// Oldest first; the last is the current version.
    pub versions: Vec<VersionArrival>,
    pub expected: Expected,
    /// The outer limit, when FK granted an exception.
    pub exception: Option<NaiveDate>,
}

impl Standing {
    pub fn current(&self) -> &VersionArrival {
        self.versions.last().expect("a standing has versions")
    }

    /// The version whose figures FK is expected to pay; `None`: nothing.
    pub fn basis(&self) -> Option<&VersionArrival> {
        self.expected.basis.map(|i| &self.versions[i])
    }

    /// The month's expected payable units.
    pub fn expected_units(&self) -> PayableUnits {
        self.expected.payable
    }

    /// The units of a version with `payable` that are not expected to be paid.
    pub fn not_payable(&self, payable: PayableUnits) -> PayableUnits {
        (payable - self.expected.payable).max(PayableUnits::ZERO)
    }
}

/// The (organisation, user, month) of a report or an invoice.
type Key = (String, String, String);

/// What the rule reads for the reports of some months: every version's
/// arrival, every invoice version's, and the exceptions FK granted. Read
/// once ([`arrivals`]), it answers any report's [`Standing`] from memory,
/// and keeps up with versions stored after it was read ([`Arrivals::push`]):
/// a file's receipts are made this way, without a query per report.
#[derive(Debug, Default)]
pub struct Arrivals {
    /// By report id, oldest version first.
    versions: BTreeMap<String, Vec<VersionArrival>>,
    invoices: HashMap<Key, Vec<DateTime<Utc>>>,
    /// The outer limit of each exception.
    exceptions: HashMap<Key, NaiveDate>,
}

/// What the rule needs of the months `[from, to]` in scope (of some users
/// only, with `users`): three queries (per 500 users), and one more per
/// exception granted.
pub fn arrivals(
    conn: &mut DbConn,
    ctx: &LateContext,
    scope: &Scope,
    from: ReportMonth,
    to: ReportMonth,
    users: Option<&[String]>,
) -> diesel::QueryResult<Arrivals> {
    let mut out = Arrivals::default();
    if from > to {
        return Ok(out);
    }
    let (f, t) = (from.to_string(), to.to_string());
    for v in store::version_arrivals(conn, scope, &f, &t, users)? {
        out.push(v);
    }
    if out.versions.is_empty() {
        return Ok(out);
    }
    for (org, u, m, at) in store::invoice_arrivals(conn, scope, &f, &t, users)? {
        out.invoices
            .entry((org, u, m))
            .or_default()
            .push(at.and_utc());
    }
    for e in store::exceptions_between(conn, scope, &f, &t, users)? {
        let Ok(month) = ReportMonth::parse(&e.month) else {
            continue;
        };
        let limit = outer_limit_of(
            conn,
            ctx.policy,
            &e.organisation_id,
            &e.assistance_user_id,
            month,
        )?;
        out.exceptions
            .insert((e.organisation_id, e.assistance_user_id, e.month), limit);
    }
    Ok(out)
}

impl Arrivals {
    /// A version stored after the arrivals were read (the newest of its
    /// report).
    pub fn push(&mut self, v: VersionArrival) {
        self.versions
            .entry(v.report_id.clone())
            .or_default()
            .push(v);
    }

    /// The standing of one report as the arrivals stand.
    pub fn standing(&self, ctx: &LateContext, report_id: &str) -> Option<Standing> {
        let versions = self.versions.get(report_id)?;
        self.standing_of(ctx, report_id, versions.clone())
    }

    fn standing_of(
        &self,
        ctx: &LateContext,
        report_id: &str,
        versions: Vec<VersionArrival>,
    ) -> Option<Standing> {
        let head = versions.first()?;
        let month = ReportMonth::parse(&head.month).ok()?;
        let key = (
            head.organisation_id.clone(),
            head.assistance_user_id.clone(),
            head.month.clone(),
        );
        let arrivals: Vec<Arrival> = versions
            .iter()
            .map(|v| Arrival {
                received_at: v.received_at.and_utc(),
                payable: PayableUnits(v.payable_units),
            })
            .collect();
        let due = fk_due_date(month, ctx.policy);
        let exception = self.exceptions.get(&key).copied();
        let m = MonthArrivals {
            month,
            due,
            versions: &arrivals,
            invoices: self.invoices.get(&key).map(Vec::as_slice).unwrap_or(&[]),
            exception,
            today: ctx.today,
        };
        let expected = expected(ctx.rule, &m)?;
        Some(Standing {
            report_id: report_id.to_string(),
            organisation_id: key.0,
            assistance_user_id: key.1,
            month,
            due,
            versions,
            expected,
            exception,
        })
    }
}

/// Standings of every report of the months `[from, to]` in scope (of some
/// users only, with `users`), by report id.
pub fn standings(
    conn: &mut DbConn,
    ctx: &LateContext,
    scope: &Scope,
    from: ReportMonth,
    to: ReportMonth,
    users: Option<&[String]>,
) -> diesel::QueryResult<HashMap<String, Standing>> {
    let mut all = arrivals(conn, ctx, scope, from, to, users)?;
    let versions = std::mem::take(&mut all.versions);
    Ok(versions
        .into_iter()
        .filter_map(|(id, vs)| Some((id.clone(), all.standing_of(ctx, &id, vs)?)))
        .collect())
}

/// The standing of one report.
pub fn standing(
    conn: &mut DbConn,
    ctx: &LateContext,
    report: &ReportRow,
) -> diesel::QueryResult<Option<Standing>> {
    let Ok(month) = ReportMonth::parse(&report.month) else {
        return Ok(None);
    };
    let scope = Scope::Org(report.organisation_id.clone());
    Ok(standings(
        conn,
        ctx,
        &scope,
        month,
        month,
        Some(std::slice::from_ref(&report.assistance_user_id)),
    )?
    .remove(&report.id))
}

/// The standings of several reports (a page of a list), read together:
/// the reports of months the rule covers, by report id. A report of a
/// month before the rule has none (FK is expected to pay what it says).
pub fn standings_of_reports<'a>(
    conn: &mut DbConn,
    ctx: &LateContext,
    reports: impl IntoIterator<Item = &'a ReportRow>,
) -> diesel::QueryResult<HashMap<String, Standing>> {
    let mut months: Option<(ReportMonth, ReportMonth)> = None;
    let mut users: Vec<String> = Vec::new();
    let mut ids: HashSet<&str> = HashSet::new();
    let mut orgs: BTreeSet<&str> = BTreeSet::new();
    for r in reports {
        let Ok(m) = ReportMonth::parse(&r.month) else {
            continue;
        };
        if !ctx.rule.applies(m) {
            continue;
        }
        months = Some(months.map_or((m, m), |(f, t)| (f.min(m), t.max(m))));
        users.push(r.assistance_user_id.clone());
        ids.insert(&r.id);
        orgs.insert(&r.organisation_id);
    }
    let Some((from, to)) = months else {
        return Ok(HashMap::new());
    };
    users.sort_unstable();
    users.dedup();
    // The page is already the caller's; the scope only narrows the reads.
    let scope = match orgs.first() {
        Some(org) if orgs.len() == 1 => Scope::Org(org.to_string()),
        _ => Scope::All,
    };
    let mut all = standings(conn, ctx, &scope, from, to, Some(&users))?;
    all.retain(|id, _| ids.contains(id.as_str()));
    Ok(all)
}

/// The outer limit for exceptions of a user's month (`domain::late::outer_limit`
/// over the user's decisions).
pub fn outer_limit_of(
    conn: &mut DbConn,
    policy: DeadlinePolicy,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> diesel::QueryResult<NaiveDate> {
    let grants = grants_of(&reg::all_decisions_for_user(conn, org, user)?);
    Ok(outer_limit(month, &grants, policy))
}

/// Day totals of a user's reports dated in `[from, to]` as FK is expected to
/// pay them: a month under the rule counts its basis version's days (none
/// when nothing is expected) instead of the current version's. Also the
/// payable units per month that are not expected to be paid.
pub fn expected_days(
    conn: &mut DbConn,
    ctx: &LateContext,
    org: &str,
    user: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<(Vec<UserDay>, BTreeMap<ReportMonth, PayableUnits>)> {
    let mut days = user_days(conn, org, user, from, to)?;
    let scope = Scope::Org(org.to_string());
    let users = [user.to_string()];
    let first = ReportMonth::of(from).max(ctx.rule.unpaid_from);
    let mut lost = BTreeMap::new();
    let mut replaced: BTreeMap<ReportMonth, Option<String>> = BTreeMap::new();
    for s in standings(conn, ctx, &scope, first, ReportMonth::of(to), Some(&users))?.into_values() {
        let current = s.current();
        let units = s.not_payable(PayableUnits(current.payable_units));
        if s.basis().map(|b| &b.version_id) == Some(&current.version_id) {
            continue;
        }
        if units != PayableUnits::ZERO {
            lost.insert(s.month, units);
        }
        replaced.insert(s.month, s.basis().map(|b| b.version_id.clone()));
    }
    if replaced.is_empty() {
        return Ok((days, lost));
    }
    days.retain(|d| !replaced.contains_key(&ReportMonth::of(d.work_date)));
    let ids: Vec<String> = replaced.values().flatten().cloned().collect();
    for (_, work_date, payable_units, double_units) in store::days_of_versions(conn, &ids)? {
        if (from..=to).contains(&work_date) {
            days.push(UserDay {
                work_date,
                payable_units,
                double_units,
            });
        }
    }
    Ok((days, lost))
}

/// Hours a version says beyond the month's expected figure, and their worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loss {
    pub units: PayableUnits,
    pub amount: Result<Ore, RateMissing>,
}

/// What the version `version_id` (with `payable` units) loses under the
/// rule: its value less the basis version's, each day at its rate.
/// `value` is the version's value when the caller knows it (the draft's
/// amount). `None` when nothing is lost.
pub fn loss(
    conn: &mut DbConn,
    s: &Standing,
    version_id: &str,
    payable: PayableUnits,
    value: Option<Ore>,
) -> diesel::QueryResult<Option<Loss>> {
    let units = s.not_payable(payable);
    if units == PayableUnits::ZERO {
        return Ok(None);
    }
    let grants = grants_of(&reg::all_decisions_for_user(
        conn,
        &s.organisation_id,
        &s.assistance_user_id,
    )?);
    let rates: HashMap<i32, Ore> = reg::list_rates(conn)?
        .into_iter()
        .map(|r| (r.year, Ore(r.ore_per_hour)))
        .collect();
    let basis = s.basis().map(|b| b.version_id.clone());
    let ids: Vec<String> = std::iter::once(version_id.to_string())
        .chain(basis.clone())
        .collect();
    let mut days: HashMap<String, BTreeMap<NaiveDate, PayableUnits>> = HashMap::new();
    for (id, date, units, _) in store::days_of_versions(conn, &ids)? {
        *days.entry(id).or_default().entry(date).or_default() += PayableUnits(units);
    }
    let worth = |id: Option<&String>| match id.and_then(|id| days.get(id)) {
        Some(d) => value_of_days(d, &grants, |y| rates.get(&y).copied()),
        None => Ok(Ore(0)),
    };
    let amount = (|| {
        let of_version = match value {
            Some(v) => v,
            None => worth(Some(&version_id.to_string()))?,
        };
        Ok(Ore(of_version.0 - worth(basis.as_ref())?.0))
    })();
    Ok(Some(Loss { units, amount }))
}

/// A receipt of a stored version with `hours.expected_payable` and, when the
/// version says more than is expected to be paid, `late_not_payable` (and
/// `rate_missing` when its worth cannot be priced).
pub fn receipt(
    conn: &mut DbConn,
    ctx: &LateContext,
    report: &ReportRow,
    v: &VersionRow,
) -> diesel::QueryResult<Receipt> {
    if is_as_reported(ctx, report, v) {
        return annotated(conn, ctx, None, report, v);
    }
    let s = standing(conn, ctx, report)?;
    annotated(conn, ctx, s.as_ref(), report, v)
}

/// The current version of a month the rule does not cover: FK is expected
/// to pay what it says, and nothing need be read to know it.
pub fn is_as_reported(ctx: &LateContext, report: &ReportRow, v: &VersionRow) -> bool {
    v.version == report.current_version
        && ReportMonth::parse(&report.month).is_ok_and(|m| !ctx.rule.applies(m))
}

/// Receipts of several versions of one report.
pub fn receipts_of_report(
    conn: &mut DbConn,
    ctx: &LateContext,
    report: &ReportRow,
    versions: &[VersionRow],
) -> diesel::QueryResult<Vec<Receipt>> {
    let s = standing(conn, ctx, report)?;
    versions
        .iter()
        .map(|v| annotated(conn, ctx, s.as_ref(), report, v))
        .collect()
}

/// [`receipt`] with the standing known (`None`: FK is expected to pay what
/// the version says).
pub fn annotated(
    conn: &mut DbConn,
    ctx: &LateContext,
    s: Option<&Standing>,
    report: &ReportRow,
    v: &VersionRow,
) -> diesel::QueryResult<Receipt> {
    let mut r = stored_receipt(report, v);
    let Some(s) = s else {
        r.hours.expected_payable = r.hours.payable.clone();
        return Ok(r);
    };
    r.hours.expected_payable = s.expected_units().to_hours_string();
    if let Some(l) = loss(conn, s, &v.id, PayableUnits(v.payable_units), None)? {
        r.warnings.push(Warning {
            pointer: "/month".into(),
            code: "late_not_payable".into(),
            message: late_message(ctx, s, l.units),
            hours: Some(l.units.to_hours_string()),
            amount_sek: Some(l.amount.ok().map(|a| a.to_sek_string())),
        });
        if let Err(RateMissing(year)) = l.amount {
            r.warnings.push(rate_missing_warning(year));
        }
    }
    Ok(r)
}

/// The draft of a month's invoice with the 2027 rule applied: the claim
/// stays as computed (it must equal the reports), the expected figure and
/// what the claim holds beyond it are added.
pub fn draft(conn: &mut DbConn, ctx: &LateContext, c: &Computed) -> diesel::QueryResult<Draft> {
    let mut d = c.draft();
    let Some(s) = standing(conn, ctx, &c.report)? else {
        return Ok(d);
    };
    d.expected_payable_hours = s.expected_units().to_hours_string();
    let payable = PayableUnits(c.version.payable_units);
    if let Some(l) = loss(conn, &s, &c.version.id, payable, Some(c.figures.amount))? {
        d.late_not_payable = LateNotPayable {
            hours: l.units.to_hours_string(),
            amount_sek: l.amount.ok().map(|a| a.to_sek_string()),
        };
    }
    Ok(d)
}

/// `rate_missing` beside a `late_not_payable` that cannot be priced.
pub fn rate_missing_warning(year: i32) -> Warning {
    Warning {
        pointer: "/month".into(),
        code: "rate_missing".into(),
        message: format!(
            "There is no standard rate (schablonbelopp) for {year} in the rate table, so what the hours not expected to be paid are worth is not known (`amount_sek` is null)."
        ),
        ..Warning::default()
    }
}

/// Why, in a sentence, `units` of a version are not expected to be paid.
fn late_message(ctx: &LateContext, s: &Standing, units: PayableUnits) -> String {
    let h = units.to_hours_string();
    let rule = format!(
        "From {} FK does not pay a report that arrives after the deadline (FK, 22 May 2026; our reading, see docs/deadlines.md)",
        ctx.rule.unpaid_from
    );
    match s.expected.shortfall {
        Some(Shortfall::NoVersionOnTime) => format!(
            "No version of the time report for {} arrived by FK's deadline {}. {rule}: {h} h are not expected to be paid.",
            s.month, s.due
        ),
        Some(Shortfall::InvoiceLate) => format!(
            "No invoice for {} arrived by FK's deadline {}; the invoice is part of the report. {rule}: {h} h are not expected to be paid.",
            s.month, s.due
        ),
        Some(Shortfall::LateCorrection) => format!(
            "This correction arrived after FK's deadline {} and says more than the last version that arrived on time; a late correction can lower a month but not raise it. {rule}: {h} h are not expected to be paid.",
            s.due
        ),
        None => format!(
            "FK is expected to pay {} h for {} (the current version); {h} h of this version are not expected to be paid.",
            s.expected_units().to_hours_string(),
            s.month
        ),
    }
}
