//! What a late report is worth: the 2027 rule (*sen redovisning betalas inte*).
//!
//! FK announced on 22 May 2026 that for assistance performed from January
//! 2027 a report (time report and invoice) that arrives after the deadline
//! is, as the main rule, not paid; exceptions for special reasons end at the
//! outer limit, the 5th of the second month after the grant period ended
//! (`../shared/domain.md`, "The 2027 rule"). How that applies to versions is
//! our reading, documented in `docs/deadlines.md`:
//!
//! - expected payable = min(payable of the last version that arrived on time,
//!   payable of the current version); no version on time: nothing. A late
//!   correction can lower the month, never raise it.
//! - The invoice is part of the report: once the due date has passed with no
//!   invoice version in, nothing is expected.
//! - A recorded exception (FK's decision) moves the cut-off from the due
//!   date to the outer limit and waives the invoice condition.
//! - Months before the switch: expected = payable (lateness is only flagged).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::domain::deadline::{fk_due_date, is_on_time, DeadlinePolicy};
use crate::domain::grant::{grant_on, grant_periods, Grant};
use crate::domain::invoice::day_rate;
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{div_round_half_away, Ore, PayableUnits, UNITS_PER_HOUR};

/// The first month FK's 2027 rule applies to, when nothing is configured.
pub const DEFAULT_UNPAID_FROM: &str = "2027-01";

/// From which month a late report is not paid
/// (`REDOVISA_LATE_REPORTS_UNPAID_FROM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateRule {
    pub unpaid_from: ReportMonth,
}

impl Default for LateRule {
    fn default() -> Self {
        LateRule {
            unpaid_from: ReportMonth::parse(DEFAULT_UNPAID_FROM).expect("valid month"),
        }
    }
}

impl LateRule {
    /// Whether a late report for `month` loses its payment.
    pub fn applies(&self, month: ReportMonth) -> bool {
        month >= self.unpaid_from
    }
}

/// One version of a month's time report: when it reached us and what it
/// says is payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub received_at: DateTime<Utc>,
    pub payable: PayableUnits,
}

/// Everything the rule looks at for one (assistance user, month).
#[derive(Debug, Clone)]
pub struct MonthArrivals<'a> {
    pub month: ReportMonth,
    /// FK's due date for the month.
    pub due: NaiveDate,
    /// The time report's versions, oldest first; the last is current.
    pub versions: &'a [Arrival],
    /// When each of the month's invoice versions reached us.
    pub invoices: &'a [DateTime<Utc>],
    /// The outer limit, when FK granted an exception for the month.
    pub exception: Option<NaiveDate>,
    /// Today (Europe/Stockholm): before the due date has passed, a missing
    /// invoice is not yet late.
    pub today: NaiveDate,
}

/// Why less than the current version is expected to be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// No version arrived by the deadline.
    NoVersionOnTime,
    /// The due date passed with no invoice in.
    InvoiceLate,
    /// A version that arrived late says more than the last on-time one.
    LateCorrection,
}

/// The month's expected payable figure and which version it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// Index into `versions` of the version FK is expected to pay as it
    /// said; `None`: nothing is expected.
    pub basis: Option<usize>,
    pub payable: PayableUnits,
    /// Set when `payable` is below the current version's.
    pub shortfall: Option<Shortfall>,
}

/// The expected payable figure of a month. `None` without versions.
pub fn expected(rule: LateRule, m: &MonthArrivals) -> Option<Expected> {
    let current_index = m.versions.len().checked_sub(1)?;
    let current = m.versions[current_index];
    let as_reported = Expected {
        basis: Some(current_index),
        payable: current.payable,
        shortfall: None,
    };
    let nothing = |why| Expected {
        basis: None,
        payable: PayableUnits::ZERO,
        shortfall: (current.payable > PayableUnits::ZERO).then_some(why),
    };
    if !rule.applies(m.month) {
        return Some(as_reported);
    }
    let cutoff = m.exception.unwrap_or(m.due);
    let Some(on_time) = m
        .versions
        .iter()
        .rposition(|v| is_on_time(v.received_at, cutoff))
    else {
        return Some(nothing(Shortfall::NoVersionOnTime));
    };
    let invoice_in = m.invoices.iter().any(|&at| is_on_time(at, m.due));
    if m.exception.is_none() && m.today > m.due && !invoice_in {
        return Some(nothing(Shortfall::InvoiceLate));
    }
    let last_on_time = m.versions[on_time].payable;
    Some(if last_on_time < current.payable {
        Expected {
            basis: Some(on_time),
            payable: last_on_time,
            shortfall: Some(Shortfall::LateCorrection),
        }
    } else {
        as_reported
    })
}

/// The outer limit for exceptions of a month: the 5th of the second month
/// after the grant period (*beviljandeperiod*) ended, moved by the weekday
/// rule as FK's deadline is. The period is that of the decision governing
/// the month's last day (else the latest period reaching into the month);
/// without a decision the month stands for its own period.
pub fn outer_limit(month: ReportMonth, grants: &[Grant], policy: DeadlinePolicy) -> NaiveDate {
    let end = grant_on(grants, month.last_day())
        .and_then(|g| g.period_of(month.last_day()).map(|p| p.2))
        .or_else(|| grant_periods(month, grants).iter().map(|p| p.to).max())
        .unwrap_or(month.last_day());
    fk_due_date(ReportMonth::of(end), policy)
}

/// A year without a standard rate (*schablonbelopp*) in the rate table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateMissing(pub i32);

/// What payable time dated on given days is worth: each day at its rate
/// (the governing decision's higher rate, else the year's standard rate),
/// summed exactly and rounded once to the öre.
pub fn value_of_days(
    days: &BTreeMap<NaiveDate, PayableUnits>,
    grants: &[Grant],
    standard: impl Fn(i32) -> Option<Ore>,
) -> Result<Ore, RateMissing> {
    let mut numerator: i128 = 0;
    for (date, units) in days.iter().filter(|(_, u)| u.0 != 0) {
        let rate = day_rate(grant_on(grants, *date), standard(date.year()))
            .1
            .ok_or(RateMissing(date.year()))?;
        numerator += i128::from(units.0) * i128::from(rate.0);
    }
    Ok(Ore(
        div_round_half_away(numerator, i128::from(UNITS_PER_HOUR)) as i64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    use crate::domain::register::DecisionRate;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hours(h: i64) -> PayableUnits {
        PayableUnits(h * UNITS_PER_HOUR)
    }

    fn v(s: &str, h: i64) -> Arrival {
        Arrival {
            received_at: at(s),
            payable: hours(h),
        }
    }

    fn rule() -> LateRule {
        LateRule {
            unpaid_from: ReportMonth::new(2027, 1).unwrap(),
        }
    }

    /// January 2027: due 2027-03-05 (a Friday).
    fn jan<'a>(versions: &'a [Arrival], invoices: &'a [DateTime<Utc>]) -> MonthArrivals<'a> {
        MonthArrivals {
            month: ReportMonth::new(2027, 1).unwrap(),
            due: ymd(2027, 3, 5),
            versions,
            invoices,
            exception: None,
            today: ymd(2027, 4, 1),
        }
    }

    const ON_TIME: &str = "2027-02-10T09:00:00Z";
    const LATE: &str = "2027-03-05T23:00:00Z"; // the 6th in Stockholm

    #[test]
    fn on_time_is_paid_as_reported() {
        let versions = [v(ON_TIME, 100)];
        let e = expected(rule(), &jan(&versions, &[at(ON_TIME)])).unwrap();
        assert_eq!(
            (e.basis, e.payable, e.shortfall),
            (Some(0), hours(100), None)
        );
    }

    #[test]
    fn the_last_instant_of_the_due_date_is_on_time() {
        let versions = [v("2027-03-05T22:59:59Z", 100)];
        let e = expected(rule(), &jan(&versions, &[at(ON_TIME)])).unwrap();
        assert_eq!(e.payable, hours(100));
        let versions = [v(LATE, 100)];
        let e = expected(rule(), &jan(&versions, &[at(ON_TIME)])).unwrap();
        assert_eq!(e.payable, PayableUnits::ZERO);
        assert_eq!(e.shortfall, Some(Shortfall::NoVersionOnTime));
        assert_eq!(e.basis, None);
    }

    #[test]
    fn a_late_correction_lowers_but_never_raises() {
        let lower = [v(ON_TIME, 100), v(LATE, 80)];
        let e = expected(rule(), &jan(&lower, &[at(ON_TIME)])).unwrap();
        assert_eq!(
            (e.basis, e.payable, e.shortfall),
            (Some(1), hours(80), None)
        );

        let higher = [v(ON_TIME, 100), v(LATE, 120)];
        let e = expected(rule(), &jan(&higher, &[at(ON_TIME)])).unwrap();
        assert_eq!(e.basis, Some(0));
        assert_eq!(e.payable, hours(100));
        assert_eq!(e.shortfall, Some(Shortfall::LateCorrection));
    }

    #[test]
    fn the_last_on_time_version_counts_not_the_first() {
        let versions = [v(ON_TIME, 100), v("2027-03-01T09:00:00Z", 90), v(LATE, 95)];
        let e = expected(rule(), &jan(&versions, &[at(ON_TIME)])).unwrap();
        assert_eq!(e.payable, hours(90));
        assert_eq!(e.basis, Some(1));
    }

    #[test]
    fn a_late_invoice_loses_the_month_once_the_due_date_has_passed() {
        let versions = [v(ON_TIME, 100)];
        let e = expected(rule(), &jan(&versions, &[at(LATE)])).unwrap();
        assert_eq!(e.payable, PayableUnits::ZERO);
        assert_eq!(e.shortfall, Some(Shortfall::InvoiceLate));
        let e = expected(rule(), &jan(&versions, &[])).unwrap();
        assert_eq!(e.shortfall, Some(Shortfall::InvoiceLate));
        // Before the due date has passed the invoice can still come.
        let mut m = jan(&versions, &[]);
        m.today = ymd(2027, 3, 5);
        assert_eq!(expected(rule(), &m).unwrap().payable, hours(100));
    }

    #[test]
    fn an_exception_pays_what_arrived_by_the_outer_limit() {
        let versions = [v(LATE, 100)];
        let mut m = jan(&versions, &[]);
        m.exception = Some(ymd(2027, 9, 6));
        assert_eq!(expected(rule(), &m).unwrap().payable, hours(100));
        // A correction after the outer limit cannot raise it.
        let versions = [v(LATE, 100), v("2027-09-07T08:00:00Z", 130)];
        m.versions = &versions;
        let e = expected(rule(), &m).unwrap();
        assert_eq!(e.payable, hours(100));
        assert_eq!(e.basis, Some(0));
    }

    #[test]
    fn months_before_the_switch_are_paid_as_reported() {
        let versions = [v(LATE, 100), v(LATE, 120)];
        let mut m = jan(&versions, &[]);
        m.month = ReportMonth::new(2026, 12).unwrap();
        let e = expected(rule(), &m).unwrap();
        assert_eq!(
            (e.basis, e.payable, e.shortfall),
            (Some(1), hours(120), None)
        );
        assert!(rule().applies(ReportMonth::new(2027, 1).unwrap()));
        assert!(!rule().applies(ReportMonth::new(2026, 12).unwrap()));
        assert_eq!(LateRule::default(), rule());
    }

    #[test]
    fn nothing_reported_nothing_lost() {
        assert_eq!(expected(rule(), &jan(&[], &[])), None);
        let versions = [v(LATE, 0)];
        let e = expected(rule(), &jan(&versions, &[])).unwrap();
        assert_eq!(e.shortfall, None);
    }

    fn grant(from: NaiveDate, months: u32, rate: DecisionRate) -> Grant {
        Grant {
            id: "d".into(),
            valid_from: from,
            valid_to: None,
            recorded_at: NaiveDateTime::default(),
            grant_period_months: months,
            hours_per_week_centi: 7000,
            double_hours_per_week_centi: None,
            rate,
        }
    }

    #[test]
    fn outer_limit_follows_the_grant_period() {
        let policy = DeadlinePolicy::default();
        let g = [grant(ymd(2027, 1, 1), 6, DecisionRate::Standard)];
        // Period 2027-01-01 – 2027-06-30: 5 Aug 2027 is a Thursday.
        let jan = ReportMonth::new(2027, 1).unwrap();
        assert_eq!(outer_limit(jan, &g, policy), ymd(2027, 8, 5));
        // The next period ends 2027-12-31: 5 Feb 2028 is a Saturday.
        let jul = ReportMonth::new(2027, 7).unwrap();
        assert_eq!(outer_limit(jul, &g, policy), ymd(2028, 2, 7));
        // Without a decision the month is its own period.
        let dec = ReportMonth::new(2026, 12).unwrap();
        assert_eq!(outer_limit(dec, &g, policy), ymd(2027, 2, 5));
    }

    #[test]
    fn value_prices_each_day_at_its_rate() {
        let g = [grant(ymd(2027, 1, 1), 6, DecisionRate::Higher(Ore(36000)))];
        let days: BTreeMap<NaiveDate, PayableUnits> =
            [(ymd(2026, 12, 31), hours(1)), (ymd(2027, 1, 1), hours(2))].into();
        let standard = |y: i32| (y == 2026).then_some(Ore(34000));
        assert_eq!(value_of_days(&days, &g, standard), Ok(Ore(34000 + 72000)));
        assert_eq!(value_of_days(&days, &g, |_| None), Err(RateMissing(2026)));
    }
}
