//! Hours granted by decisions (*beslut*) against hours reported.
//!
//! Granted hours per grant period (*beviljandeperiod*) = weekly hours × days /
//! 7 (domain brief, "Hours against the grant"). Per day that is
//! `hours_per_week / 7`; in payable units (1/28 minute) that is
//! `centi × 60 × 28 / (100 × 7) = centi × 12 / 5` — not whole, so granted time
//! is kept in *fifths* of a payable unit and nothing is rounded until shown.

use chrono::{Duration, NaiveDate};

use crate::domain::month::ReportMonth;
use crate::domain::quantity::{div_round_half_away as div_round, PayableUnits};

/// Fifths of a payable unit (1/140 minute): exact for granted and reported time.
pub type Fifths = i128;

pub fn fifths(units: PayableUnits) -> Fifths {
    i128::from(units.0) * 5
}

/// A decision's terms as far as the grant goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub grant_period_months: u32,
    /// Hundredths of an hour per week.
    pub hours_per_week_centi: i64,
    pub double_hours_per_week_centi: Option<i64>,
    /// Higher rate in öre, when granted.
    pub higher_rate_ore: Option<i64>,
}

impl Grant {
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|e| d <= e)
    }

    /// The grant periods, back to back from `valid_from`, the last one cut
    /// at `valid_to`; open-ended decisions yield periods until `until`.
    pub fn periods(&self, until: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        let months = self.grant_period_months.max(1);
        let mut start = self.valid_from;
        let mut n = 1u32;
        while start <= until && self.valid_to.is_none_or(|e| start <= e) {
            let next = self
                .valid_from
                .checked_add_months(chrono::Months::new(months * n))
                .expect("date in range");
            let mut end = next - Duration::days(1);
            if let Some(e) = self.valid_to {
                end = end.min(e);
            }
            out.push((start, end));
            start = next;
            n += 1;
        }
        out
    }
}

/// The decision that applies on a day: the latest-starting one covering it.
pub fn grant_on(grants: &[Grant], d: NaiveDate) -> Option<&Grant> {
    grants
        .iter()
        .filter(|g| g.covers(d))
        .max_by_key(|g| g.valid_from)
}

/// Granted time over `[from, to]`, and the double-assistance part, in fifths.
pub fn granted_between(grants: &[Grant], from: NaiveDate, to: NaiveDate) -> (Fifths, Fifths) {
    let mut total = 0i128;
    let mut double = 0i128;
    let mut d = from;
    while d <= to {
        if let Some(g) = grant_on(grants, d) {
            total += i128::from(g.hours_per_week_centi) * 12;
            double += i128::from(g.double_hours_per_week_centi.unwrap_or(0)) * 12;
        }
        d += Duration::days(1);
    }
    (total, double)
}

pub fn granted_in_month(grants: &[Grant], m: ReportMonth) -> (Fifths, Fifths) {
    granted_between(grants, m.first_day(), m.last_day())
}

/// Fifths of a payable unit as hours with two decimals, rounded once, half
/// away from zero.
pub fn hours_string(v: Fifths) -> String {
    // 1 h = 1680 units = 8400 fifths; hundredths = v / 84.
    let centi = div_round(v, 84);
    crate::domain::quantity::hundredths_to_string(centi as i64)
}

/// Projection of a period's use at the pace so far: reported × period days /
/// elapsed days (elapsed counted to `today`, at most the period's length).
pub fn projected(
    reported: Fifths,
    period: (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Option<Fifths> {
    let total_days = i128::from((period.1 - period.0).num_days() + 1);
    let elapsed = i128::from((today.min(period.1) - period.0).num_days() + 1);
    (elapsed > 0).then(|| div_round(reported * total_days, elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn grant(from: &str, to: Option<&str>, centi: i64) -> Grant {
        Grant {
            valid_from: d(from),
            valid_to: to.map(d),
            grant_period_months: 6,
            hours_per_week_centi: centi,
            double_hours_per_week_centi: None,
            higher_rate_ore: None,
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
                                                         // 92 days elapsed with 100 h reported → 200 h projected.
        let reported = fifths(PayableUnits(100 * 1680));
        assert_eq!(
            hours_string(projected(reported, period, d("2026-09-30")).unwrap()),
            "200.00"
        );
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
    }
}
