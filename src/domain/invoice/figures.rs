//! The invoice figures of a month: payable rows cut into lines of one
//! governing decision and one rate, each priced once (see the rules in
//! [`crate::domain::invoice`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::grant::{governing, Grant};
use crate::domain::invoice::drift::Summary;
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{amount_for, Ore, PayableUnits};
use crate::domain::register::DecisionRate;
use crate::domain::shift::ShiftKind;

/// One stored row of the time report, as far as the invoice needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidRow {
    pub date: NaiveDate,
    pub kind: ShiftKind,
    /// Real elapsed minutes.
    pub minutes: i64,
    /// False when the time report excluded it (assistant not registered with FK).
    pub payable: bool,
    /// Minutes of a payable row that are not paid (unmarked double
    /// assistance without a grant; see `domain::report::double`).
    pub unpaid_minutes: i64,
    /// Assistance during a hospital stay.
    pub hospital: bool,
}

/// Where a line's rate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateBasis {
    /// The decision grants the standard rate: the year's *schablonbelopp*.
    Standard,
    /// The decision grants a higher rate (*förhöjt timbelopp*).
    Higher,
    /// No decision covers these days: the standard rate, flagged.
    NoDecision,
}

impl RateBasis {
    pub fn as_str(&self) -> &'static str {
        match self {
            RateBasis::Standard => "standard",
            RateBasis::Higher => "higher",
            RateBasis::NoDecision => "no_decision",
        }
    }
}

/// The rate of a day governed by `grant` (`None`: no decision covers it):
/// the decision's higher rate, else the year's standard rate
/// (*schablonbelopp*), which is `None` when the rate table lacks the year.
pub fn day_rate(grant: Option<&Grant>, standard: Option<Ore>) -> (RateBasis, Option<Ore>) {
    match grant.map(|g| &g.rate) {
        None => (RateBasis::NoDecision, standard),
        Some(DecisionRate::Higher(ore)) => (RateBasis::Higher, Some(*ore)),
        Some(DecisionRate::Standard) => (RateBasis::Standard, standard),
    }
}

/// Elapsed minutes per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindMinutes {
    pub active: i64,
    pub waiting: i64,
    pub standby: i64,
}

impl KindMinutes {
    fn add(&mut self, kind: ShiftKind, minutes: i64) {
        match kind {
            ShiftKind::Active => self.active += minutes,
            ShiftKind::Waiting => self.waiting += minutes,
            ShiftKind::Standby => self.standby += minutes,
        }
    }
}

/// A run of days with one governing decision, and so one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `None` for days no decision covers.
    pub decision_id: Option<String>,
    pub basis: RateBasis,
    pub rate: Ore,
    /// Elapsed minutes of the payable rows, per kind.
    pub minutes: KindMinutes,
    /// Exact payable time of the line.
    pub units: PayableUnits,
    /// `units × rate`, rounded once to the öre.
    pub amount: Ore,
}

/// What the current time report gives for the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub month: ReportMonth,
    pub lines: Vec<Line>,
    /// Elapsed minutes of payable rows, per kind.
    pub minutes: KindMinutes,
    /// Exact payable total.
    pub units: PayableUnits,
    /// Converted time of rows the report marked not payable.
    pub not_payable_units: PayableUnits,
    /// Sum of the lines' amounts.
    pub amount: Ore,
    /// Days with a row marked as assistance during a hospital stay.
    pub hospital_days: Vec<NaiveDate>,
    /// Days with payable rows that no decision covers.
    pub no_decision_days: Vec<NaiveDate>,
}

impl Figures {
    /// The one rate of the month, or `None` when the lines have more than
    /// one rate (or there are no lines).
    pub fn sek_per_hour(&self) -> Option<Ore> {
        let rates: BTreeSet<Ore> = self.lines.iter().map(|l| l.rate).collect();
        if rates.len() == 1 {
            rates.into_iter().next()
        } else {
            None
        }
    }

    /// Payable hours in hundredths, rounded once.
    pub fn payable_hundredths(&self) -> i64 {
        self.units.hundredths_of_hour()
    }

    /// The figures an invoice is checked and kept current against.
    pub fn summary(&self) -> Summary {
        let mut per_rate: BTreeMap<i64, i64> = BTreeMap::new();
        for l in &self.lines {
            *per_rate.entry(l.rate.0).or_default() += l.units.0;
        }
        Summary {
            payable_units: self.units.0,
            minutes: self.minutes,
            sek_per_hour_ore: self.sek_per_hour().map(|o| o.0),
            amount_ore: self.amount.0,
            units_per_rate: per_rate.into_iter().collect(),
            hospital_days: self.hospital_days.clone(),
        }
    }
}

/// No standard rate (*schablonbelopp*) for this year in the rate table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("there is no standard rate (schablonbelopp) for {year} in the rate table")]
pub struct RateMissing {
    pub year: i32,
}

/// Computes the invoice figures for `month` from the rows of its current
/// time report. `standard_rate` is the month's year's *schablonbelopp*, if
/// the rate table has it; it is needed only when some payable day is paid
/// at the standard rate.
pub fn compute(
    month: ReportMonth,
    rows: &[PaidRow],
    decisions: &[Grant],
    standard_rate: Option<Ore>,
) -> Result<Figures, RateMissing> {
    let mut minutes = KindMinutes::default();
    let mut units = PayableUnits::ZERO;
    let mut not_payable_units = PayableUnits::ZERO;
    let mut hospital_days = BTreeSet::new();
    // Per day: payable minutes per kind and units.
    let mut by_day: BTreeMap<NaiveDate, (KindMinutes, PayableUnits)> = BTreeMap::new();
    for r in rows {
        let u = PayableUnits::of(r.kind, r.minutes);
        if r.hospital {
            hospital_days.insert(r.date);
        }
        if !r.payable {
            not_payable_units += u;
            continue;
        }
        let paid_minutes = r.minutes - r.unpaid_minutes;
        let paid = PayableUnits::of(r.kind, paid_minutes);
        not_payable_units += u - paid;
        minutes.add(r.kind, paid_minutes);
        units += paid;
        let e = by_day.entry(r.date).or_default();
        e.0.add(r.kind, paid_minutes);
        e.1 += paid;
    }

    // Segments over the month (and any stray row dates beyond it).
    let first = by_day
        .keys()
        .next()
        .copied()
        .map_or(month.first_day(), |d| d.min(month.first_day()));
    let last = by_day
        .keys()
        .next_back()
        .copied()
        .map_or(month.last_day(), |d| d.max(month.last_day()));
    let mut segments: Vec<(NaiveDate, NaiveDate, Option<usize>)> = Vec::new();
    for d in first.iter_days().take_while(|d| *d <= last) {
        let g = governing(decisions, d);
        match segments.last_mut() {
            Some((_, to, seg)) if *seg == g => *to = d,
            _ => segments.push((d, d, g)),
        }
    }

    let mut lines = Vec::new();
    let mut no_decision_days = Vec::new();
    for (from, to, g) in segments {
        let mut line_minutes = KindMinutes::default();
        let mut line_units = PayableUnits::ZERO;
        let mut any = false;
        for (d, (m, u)) in by_day.range(from..=to) {
            any = true;
            line_minutes.active += m.active;
            line_minutes.waiting += m.waiting;
            line_minutes.standby += m.standby;
            line_units += *u;
            if g.is_none() {
                no_decision_days.push(*d);
            }
        }
        if !any {
            continue;
        }
        let grant = g.map(|i| &decisions[i]);
        let (basis, rate) = day_rate(grant, standard_rate);
        let rate = rate.ok_or(RateMissing { year: month.year() })?;
        let decision_id = grant.map(|d| d.id.clone());
        lines.push(Line {
            from,
            to,
            decision_id,
            basis,
            rate,
            minutes: line_minutes,
            units: line_units,
            amount: amount_for(line_units, rate),
        });
    }
    let amount = Ore(lines.iter().map(|l| l.amount.0).sum());
    Ok(Figures {
        month,
        lines,
        minutes,
        units,
        not_payable_units,
        amount,
        hospital_days: hospital_days.into_iter().collect(),
        no_decision_days,
    })
}
