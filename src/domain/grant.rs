//! Decisions (*beslut*) as grants: which decision governs a day, its grant
//! periods (*beviljandeperiod*), and hours granted against hours reported.
//! Invoices, balances and the dashboard all read decisions through [`Grant`].
//!
//! Granted hours per grant period = weekly hours × days / 7 (domain brief,
//! "Hours against the grant"). Per day that is `hours_per_week / 7`; in
//! payable units (1/28 minute) that is `centi × 60 × 28 / (100 × 7) =
//! centi × 12 / 5` — not whole, so granted time is kept in *fifths* of a
//! payable unit and nothing is rounded until shown.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate, NaiveDateTime};

use crate::domain::month::ReportMonth;
use crate::domain::quantity::{div_round_half_away as div_round, Ore, PayableUnits};
use crate::domain::register::DecisionRate;

/// Fifths of a payable unit (1/140 minute): exact for granted and reported time.
pub type Fifths = i128;

pub fn fifths(units: PayableUnits) -> Fifths {
    i128::from(units.0) * 5
}

/// Fifths as hundredths of an hour, rounded once, half away from zero.
pub fn hundredths(v: Fifths) -> i64 {
    // 1 h = 1680 units = 8400 fifths; hundredths = v / 84.
    div_round(v, 84) as i64
}

/// A decision's terms as far as the grant and the rate go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The decision's id.
    pub id: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// When the decision was recorded: breaks a tie between decisions that
    /// start on the same day (see [`governing`]).
    pub recorded_at: NaiveDateTime,
    /// Length of each grant period (at least 1); periods run back to back
    /// from `valid_from`.
    pub grant_period_months: u32,
    /// Hundredths of an hour per week.
    pub hours_per_week_centi: i64,
    pub double_hours_per_week_centi: Option<i64>,
    pub rate: DecisionRate,
}

impl Grant {
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|e| d <= e)
    }

    /// Which of two decisions prevails where both apply: the later
    /// `valid_from`, then the later recording, then the greater id.
    fn precedence(&self) -> (NaiveDate, NaiveDateTime, &str) {
        (self.valid_from, self.recorded_at, &self.id)
    }

    /// The higher rate (*förhöjt timbelopp*), when granted.
    pub fn higher_rate(&self) -> Option<Ore> {
        match self.rate {
            DecisionRate::Higher(ore) => Some(ore),
            DecisionRate::Standard => None,
        }
    }

    /// Granted time per day the decision governs: `hours_per_week / 7`.
    pub fn granted_per_day(&self) -> Fifths {
        i128::from(self.hours_per_week_centi) * 12
    }

    /// Granted double assistance per day the decision governs.
    pub fn double_granted_per_day(&self) -> Fifths {
        i128::from(self.double_hours_per_week_centi.unwrap_or(0)) * 12
    }

    /// First day of grant period `k` (0-based), or `None` beyond chrono's range.
    fn period_start(&self, k: u32) -> Option<NaiveDate> {
        let months = k.checked_mul(self.grant_period_months.max(1))?;
        self.valid_from.checked_add_months(Months::new(months))
    }

    /// Grant period `k`: its first and last day (cut at `valid_to`).
    fn period(&self, k: u32) -> Option<(NaiveDate, NaiveDate)> {
        let start = self.period_start(k)?;
        let mut end = self.period_start(k.checked_add(1)?)?.pred_opt()?;
        if let Some(t) = self.valid_to {
            end = end.min(t);
        }
        Some((start, end))
    }

    /// The grant periods, back to back from `valid_from`, the last one cut
    /// at `valid_to`; open-ended decisions yield periods until `until`.
    pub fn periods(&self, until: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        (0..)
            .map_while(|k| self.period(k))
            .take_while(|(start, _)| *start <= until && self.valid_to.is_none_or(|e| *start <= e))
            .collect()
    }

    /// The grant period containing `d` (on or after `valid_from`): its
    /// index, first and last day (cut at `valid_to`).
    pub fn period_of(&self, d: NaiveDate) -> Option<(u32, NaiveDate, NaiveDate)> {
        if d < self.valid_from {
            return None;
        }
        (0..)
            .map_while(|k: u32| Some((k, self.period_start(k.checked_add(1)?)?)))
            .find(|(_, next)| d < *next)
            .and_then(|(k, _)| self.period(k).map(|(from, to)| (k, from, to)))
    }
}

/// The index of the decision governing `d`, if any. Among the decisions
/// covering the day, the one with the latest `valid_from` governs (a new
/// decision replaces the old one from its first day); on equal `valid_from`,
/// the one recorded last (then the greater id, so the choice never depends
/// on the order of the slice).
pub fn governing(grants: &[Grant], d: NaiveDate) -> Option<usize> {
    grants
        .iter()
        .enumerate()
        .filter(|(_, g)| g.covers(d))
        .max_by(|(_, a), (_, b)| a.precedence().cmp(&b.precedence()))
        .map(|(i, _)| i)
}

/// The decision that prevails over all others (as [`governing`] would pick
/// on a day they all covered): the latest one.
pub fn latest(grants: &[Grant]) -> Option<&Grant> {
    grants
        .iter()
        .max_by(|a, b| a.precedence().cmp(&b.precedence()))
}

/// The decision that governs a day ([`governing`]).
pub fn grant_on(grants: &[Grant], d: NaiveDate) -> Option<&Grant> {
    governing(grants, d).map(|i| &grants[i])
}

/// Granted time over `[from, to]`, and the double-assistance part, in fifths.
pub fn granted_between(grants: &[Grant], from: NaiveDate, to: NaiveDate) -> (Fifths, Fifths) {
    let mut total = 0i128;
    let mut double = 0i128;
    for d in from.iter_days().take_while(|d| *d <= to) {
        if let Some(g) = grant_on(grants, d) {
            total += g.granted_per_day();
            double += g.double_granted_per_day();
        }
    }
    (total, double)
}

pub fn granted_in_month(grants: &[Grant], m: ReportMonth) -> (Fifths, Fifths) {
    granted_between(grants, m.first_day(), m.last_day())
}

/// Fifths of a payable unit as hours with two decimals, rounded once, half
/// away from zero.
pub fn hours_string(v: Fifths) -> String {
    crate::domain::quantity::hundredths_to_string(hundredths(v))
}

/// Projection of a period's use at the pace of the months reported so far:
/// `reported` × period days / the days of the reported months that fall in
/// the period. Months not yet reported do not count as zero use (that would
/// understate every projection by the reporting lag). Returns the projection
/// and the months it is based on (those of `reported_months` in the period,
/// in order); `None` when no reported month falls in the period.
pub fn projected(
    reported: Fifths,
    period: (NaiveDate, NaiveDate),
    reported_months: &[ReportMonth],
) -> Option<(Fifths, Vec<ReportMonth>)> {
    let total_days = i128::from((period.1 - period.0).num_days() + 1);
    let mut months: Vec<ReportMonth> = reported_months
        .iter()
        .copied()
        .filter(|m| m.first_day() <= period.1 && m.last_day() >= period.0)
        .collect();
    months.sort();
    months.dedup();
    let days: i128 = months
        .iter()
        .map(|m| {
            let (a, b) = (m.first_day().max(period.0), m.last_day().min(period.1));
            i128::from((b - a).num_days() + 1)
        })
        .sum();
    (days > 0).then(|| (div_round(reported * total_days, days), months))
}

// ---- one decision's grant periods ------------------------------------------

/// A grant period of a decision that governs some day of a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPeriod {
    /// Index into the grants slice.
    pub decision: usize,
    pub index: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The grant periods of the decisions governing the days of `month`, in
/// order of first appearance.
pub fn grant_periods(month: ReportMonth, grants: &[Grant]) -> Vec<GrantPeriod> {
    let mut out: Vec<GrantPeriod> = Vec::new();
    for d in month.iter_days() {
        let Some(i) = governing(grants, d) else {
            continue;
        };
        let Some((k, from, to)) = grants[i].period_of(d) else {
            continue;
        };
        if !out.iter().any(|p| p.decision == i && p.index == k) {
            out.push(GrantPeriod {
                decision: i,
                index: k,
                from,
                to,
            });
        }
    }
    out
}

/// Payable hours used in a grant period against the hours granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantUse {
    pub decision_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days of the period that this decision governs.
    pub days: i64,
    pub hours_per_week_centi: i64,
    /// `hours_per_week × days / 7`, in hundredths, rounded once.
    pub granted_hundredths: i64,
    pub used: PayableUnits,
    /// Used beyond granted, in hundredths (0 when within), from exact values.
    pub over_hundredths: i64,
    pub over: bool,
}

/// Uses per grant period. `units_by_date` holds the payable units per day of
/// the current versions of every month the periods touch. A day counts
/// toward a period only if the period's decision governs it (a newer
/// decision takes over its days).
pub fn grant_use(
    periods: &[GrantPeriod],
    grants: &[Grant],
    units_by_date: &BTreeMap<NaiveDate, PayableUnits>,
) -> Vec<GrantUse> {
    periods
        .iter()
        .map(|p| {
            let g = &grants[p.decision];
            let mut days = 0i64;
            let mut used = PayableUnits::ZERO;
            for d in p.from.iter_days().take_while(|d| *d <= p.to) {
                if governing(grants, d) == Some(p.decision) {
                    days += 1;
                    used += units_by_date.get(&d).copied().unwrap_or_default();
                }
            }
            let granted = g.granted_per_day() * i128::from(days);
            let over = fifths(used) - granted;
            GrantUse {
                decision_id: g.id.clone(),
                from: p.from,
                to: p.to,
                days,
                hours_per_week_centi: g.hours_per_week_centi,
                granted_hundredths: hundredths(granted),
                used,
                over_hundredths: if over > 0 { hundredths(over) } else { 0 },
                over: over > 0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rm(s: &str) -> ReportMonth {
        ReportMonth::parse(s).unwrap()
    }

    fn recorded(s: &str) -> NaiveDateTime {
        d(s).and_hms_opt(12, 0, 0).unwrap()
    }

    fn grant(from: &str, to: Option<&str>, centi: i64) -> Grant {
        Grant {
            id: format!("{from}/{centi}"),
            valid_from: d(from),
            valid_to: to.map(d),
            recorded_at: recorded("2024-01-01"),
            grant_period_months: 6,
            hours_per_week_centi: centi,
            double_hours_per_week_centi: None,
            rate: DecisionRate::Standard,
        }
    }

    fn decision(id: &str, from: &str, to: Option<&str>, rate: DecisionRate) -> Grant {
        Grant {
            id: id.into(),
            rate,
            hours_per_week_centi: 12000,
            ..grant(from, to, 12000)
        }
    }

    #[test]
    fn weekly_hours_times_days_over_seven() {
        // 134 h/week in October (31 days): 134 × 31 / 7 = 593.428… → 593.43.
        let g = [grant("2026-01-01", None, 13400)];
        let (t, _) = granted_in_month(&g, ReportMonth::parse("2026-10").unwrap());
        assert_eq!(hours_string(t), "593.43");
        // February 2026: exactly 4 weeks.
        let (t, _) = granted_in_month(&g, ReportMonth::parse("2026-02").unwrap());
        assert_eq!(hours_string(t), "536.00");
    }

    #[test]
    fn decision_change_mid_month_is_prorated() {
        // 70 h/week (10 h/day) to the 14th, then 140 h/week: 14 × 10 + 17 × 20 = 480 h.
        let g = [
            grant("2026-01-01", Some("2026-10-14"), 7000),
            grant("2026-10-15", None, 14000),
        ];
        let (t, _) = granted_in_month(&g, ReportMonth::parse("2026-10").unwrap());
        assert_eq!(hours_string(t), "480.00");
        assert_eq!(hours_string(fifths(PayableUnits(1680))), "1.00");
    }

    #[test]
    fn periods_run_back_to_back() {
        let g = grant("2026-01-15", Some("2026-12-31"), 100);
        let p = g.periods(d("2030-01-01"));
        assert_eq!(
            p,
            [
                (d("2026-01-15"), d("2026-07-14")),
                (d("2026-07-15"), d("2026-12-31"))
            ]
        );
        let open = grant("2026-01-01", None, 100);
        assert_eq!(open.periods(d("2026-08-01")).len(), 2);
    }

    #[test]
    fn projection_and_rounding() {
        let period = (d("2026-07-01"), d("2026-12-31")); // 184 days
        let m = |s: &str| ReportMonth::parse(s).unwrap();
        // July and August reported (62 days) with 100 h → 296.77 h projected,
        // whatever today is: September, not yet reported, is not zero use.
        let reported = fifths(PayableUnits(100 * 1680));
        let (p, based_on) = projected(reported, period, &[m("2026-08"), m("2026-07")]).unwrap();
        assert_eq!(hours_string(p), "296.77"); // 100 × 184 / 62
        assert_eq!(based_on, [m("2026-07"), m("2026-08")]);
        // Only the days of a month inside the period count.
        let late_start = (d("2026-07-15"), d("2027-01-14")); // 184 days
        let (p, _) = projected(reported, late_start, &[m("2026-07")]).unwrap();
        assert_eq!(hours_string(p), "1082.35"); // 100 × 184 / 17
                                                // Nothing reported in the period: no projection.
        assert_eq!(projected(0, period, &[m("2026-06")]), None);
        assert_eq!(projected(0, period, &[]), None);
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
    }

    #[test]
    fn the_later_decision_governs_and_ties_go_to_the_last_recorded() {
        let decs = vec![
            decision("a", "2024-01-01", None, DecisionRate::Standard),
            decision(
                "b",
                "2026-10-16",
                Some("2026-10-20"),
                DecisionRate::Standard,
            ),
            decision("c", "2026-10-16", None, DecisionRate::Standard),
        ];
        assert_eq!(governing(&decs, d("2026-10-15")), Some(0));
        assert_eq!(governing(&decs, d("2026-10-16")), Some(2));
        assert_eq!(governing(&decs, d("2023-12-31")), None);
        // The order of recording decides, not the order of the slice.
        let mut decs = decs;
        decs[1].recorded_at = recorded("2026-10-02");
        decs[2].recorded_at = recorded("2026-10-01");
        assert_eq!(grant_on(&decs, d("2026-10-16")).unwrap().id, "b");
        decs.reverse();
        assert_eq!(grant_on(&decs, d("2026-10-16")).unwrap().id, "b");
        assert_eq!(grant_on(&decs, d("2026-10-21")).unwrap().id, "c");
    }

    #[test]
    fn grant_periods_run_back_to_back() {
        let dec = decision(
            "a",
            "2026-01-31",
            Some("2026-11-15"),
            DecisionRate::Standard,
        );
        assert_eq!(
            dec.period_of(d("2026-07-30")),
            Some((0, d("2026-01-31"), d("2026-07-30")))
        );
        assert_eq!(
            dec.period_of(d("2026-07-31")),
            Some((1, d("2026-07-31"), d("2026-11-15")))
        );
        assert_eq!(dec.period_of(d("2026-01-30")), None);
    }

    #[test]
    fn hours_above_the_grant_are_flagged() {
        // docs/invoices.md, example 4: 10 h/week, one-month periods from
        // 1 October: 31 days → 44.29 h granted.
        let mut dec = decision("a", "2026-10-01", None, DecisionRate::Standard);
        dec.hours_per_week_centi = 1000;
        dec.grant_period_months = 1;
        let decs = vec![dec];
        let periods = grant_periods(rm("2026-10"), &decs);
        assert_eq!(periods.len(), 1);
        assert_eq!(
            (periods[0].from, periods[0].to),
            (d("2026-10-01"), d("2026-10-31"))
        );
        let mut units = BTreeMap::new();
        for day in 1..=6 {
            units.insert(
                d(&format!("2026-10-{day:02}")),
                PayableUnits::from_minutes_active(8 * 60),
            );
        }
        let u = grant_use(&periods, &decs, &units);
        assert_eq!(u[0].days, 31);
        assert_eq!(u[0].granted_hundredths, 4429);
        assert_eq!(u[0].used.to_hours_string(), "48.00");
        assert!(u[0].over);
        // 48 − 44.285714… = 3.714285… → 3.71
        assert_eq!(u[0].over_hundredths, 371);
        units.remove(&d("2026-10-06"));
        let u = grant_use(&periods, &decs, &units);
        assert!(!u[0].over);
        assert_eq!(u[0].over_hundredths, 0);
    }
}
