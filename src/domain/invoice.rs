//! The invoice (*räkning*, FK form 3057): the month's payable hours, the
//! hourly rate and the amount, computed from the current time report.
//!
//! Rules (see `docs/invoices.md` for worked examples):
//! - Only rows the time report marked payable count (hours before FK had the
//!   assistant's details are not paid).
//! - Each day is governed by one decision: among the decisions covering the
//!   day, the one with the latest `valid_from` (a new decision replaces the
//!   old one from its first day); on equal `valid_from`, the one recorded
//!   last (the caller passes decisions in the order they were recorded).
//! - The rate of a day is the governing decision's higher rate, or the
//!   calendar year's *schablonbelopp* for a standard-rate decision. A day
//!   that no decision covers is paid at the standard rate and flagged
//!   (`no_decision`), so that a pending application does not hide hours.
//!   A year without a standard rate is [`RateMissing`], never a guess.
//! - The month is cut into *lines*: contiguous runs of days with the same
//!   governing decision (and so the same rate). Only lines with payable rows
//!   are kept. A line's amount is `payable units × rate`, rounded once, half
//!   away from zero, to the öre ([`amount_for`]); the invoice amount is the
//!   sum of its lines. With one line (the usual case) that is one rounding
//!   of the month's exact total.
//! - Payable hours are the exact total (1/28-minute units) rounded once to
//!   hundredths; the amount is computed from the exact units, not from the
//!   rounded hours.
//!
//! No floating point anywhere; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::month::ReportMonth;
use crate::domain::quantity::{
    amount_for, div_round_half_away, hundredths_to_string, minutes_to_hours_string, Ore,
    PayableUnits, UNITS_PER_HOUR,
};
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
    /// Assistance during a hospital stay.
    pub hospital: bool,
}

/// A decision (*beslut*) as far as the invoice needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionSpan {
    pub id: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Granted hours per week, in hundredths.
    pub hours_per_week_centi: i64,
    /// Length of each grant period (*beviljandeperiod*); periods run back to
    /// back from `valid_from`.
    pub grant_period_months: u32,
    pub rate: DecisionRate,
}

impl DecisionSpan {
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d <= t)
    }

    /// First day of grant period `k` (0-based), or `None` beyond chrono's range.
    fn period_start(&self, k: u32) -> Option<NaiveDate> {
        let months = k.checked_mul(self.grant_period_months.max(1))?;
        self.valid_from.checked_add_months(Months::new(months))
    }

    /// The grant period containing `d` (which must be on or after
    /// `valid_from`): its index, first and last day (clipped at `valid_to`).
    pub fn period_of(&self, d: NaiveDate) -> Option<(u32, NaiveDate, NaiveDate)> {
        if d < self.valid_from {
            return None;
        }
        let mut k = 0u32;
        loop {
            let next = self.period_start(k + 1)?;
            if d < next {
                let start = self.period_start(k)?;
                let mut end = next.pred_opt()?;
                if let Some(t) = self.valid_to {
                    end = end.min(t);
                }
                return Some((k, start, end));
            }
            k += 1;
        }
    }
}

/// The index of the decision governing `d`, if any: the latest `valid_from`
/// among those covering it; on a tie, the one later in the slice.
pub fn governing(decisions: &[DecisionSpan], d: NaiveDate) -> Option<usize> {
    decisions
        .iter()
        .enumerate()
        .filter(|(_, x)| x.covers(d))
        .max_by(|(i, a), (j, b)| a.valid_from.cmp(&b.valid_from).then(i.cmp(j)))
        .map(|(i, _)| i)
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
    decisions: &[DecisionSpan],
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
        minutes.add(r.kind, r.minutes);
        units += u;
        let e = by_day.entry(r.date).or_default();
        e.0.add(r.kind, r.minutes);
        e.1 += u;
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
        let standard = || standard_rate.ok_or(RateMissing { year: month.year() });
        let (basis, rate, decision_id) = match g.map(|i| &decisions[i]) {
            None => (RateBasis::NoDecision, standard()?, None),
            Some(d) => match d.rate {
                DecisionRate::Higher(ore) => (RateBasis::Higher, ore, Some(d.id.clone())),
                DecisionRate::Standard => (RateBasis::Standard, standard()?, Some(d.id.clone())),
            },
        };
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

/// The figures an invoice version was computed from, kept with it so that
/// a later recomputation can tell whether it is still current. Exact
/// integers only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub payable_units: i64,
    pub minutes: KindMinutes,
    pub sek_per_hour_ore: Option<i64>,
    /// The computed amount (a self-employer may have claimed less).
    pub amount_ore: i64,
    /// `(öre per hour, payable units)` per distinct rate, by rate.
    pub units_per_rate: Vec<(i64, i64)>,
    pub hospital_days: Vec<NaiveDate>,
}

/// One way an invoice differs from what would be computed now.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    /// JSON pointer of the invoice field.
    pub pointer: &'static str,
    pub invoiced: Value,
    pub computed: Value,
}

fn per_rate_json(v: &[(i64, i64)]) -> Value {
    Value::Array(
        v.iter()
            .map(|(rate, units)| {
                json!({
                    "sek_per_hour": Ore(*rate).to_sek_string(),
                    "payable_hours": PayableUnits(*units).to_hours_string(),
                })
            })
            .collect(),
    )
}

fn dates_json(v: &[NaiveDate]) -> Value {
    Value::Array(v.iter().map(|d| Value::String(d.to_string())).collect())
}

fn kind_minutes_json(m: &KindMinutes) -> Value {
    json!({
        "active": minutes_to_hours_string(m.active),
        "waiting": minutes_to_hours_string(m.waiting),
        "standby": minutes_to_hours_string(m.standby),
    })
}

/// Field-by-field differences between an invoice's summary and a fresh one;
/// empty when the invoice is current.
pub fn drift(invoiced: &Summary, now: &Summary) -> Vec<Drift> {
    let mut out = Vec::new();
    if invoiced.payable_units != now.payable_units {
        out.push(Drift {
            pointer: "/payable_hours",
            invoiced: PayableUnits(invoiced.payable_units)
                .to_hours_string()
                .into(),
            computed: PayableUnits(now.payable_units).to_hours_string().into(),
        });
    }
    if invoiced.minutes != now.minutes {
        out.push(Drift {
            pointer: "/hours",
            invoiced: kind_minutes_json(&invoiced.minutes),
            computed: kind_minutes_json(&now.minutes),
        });
    }
    if invoiced.sek_per_hour_ore != now.sek_per_hour_ore {
        let show = |o: Option<i64>| o.map_or(Value::Null, |o| Ore(o).to_sek_string().into());
        out.push(Drift {
            pointer: "/sek_per_hour",
            invoiced: show(invoiced.sek_per_hour_ore),
            computed: show(now.sek_per_hour_ore),
        });
    }
    if invoiced.amount_ore != now.amount_ore {
        out.push(Drift {
            pointer: "/amount_sek",
            invoiced: Ore(invoiced.amount_ore).to_sek_string().into(),
            computed: Ore(now.amount_ore).to_sek_string().into(),
        });
    }
    if invoiced.units_per_rate != now.units_per_rate {
        out.push(Drift {
            pointer: "/lines",
            invoiced: per_rate_json(&invoiced.units_per_rate),
            computed: per_rate_json(&now.units_per_rate),
        });
    }
    if invoiced.hospital_days != now.hospital_days {
        out.push(Drift {
            pointer: "/hospital_days",
            invoiced: dates_json(&invoiced.hospital_days),
            computed: dates_json(&now.hospital_days),
        });
    }
    out
}

// ---- the claim ------------------------------------------------------------

/// A self-employer's (*egen arbetsgivare*) actual costs in FK's four
/// categories, in öre.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    /// Wages and social fees (*lön och sociala avgifter*).
    pub wages_and_social_fees: i64,
    /// Assistance expenses (*assistansomkostnader*).
    pub assistance_expenses: i64,
    /// Training (*utbildning*).
    pub training: i64,
    /// Work environment and staff (*arbetsmiljö och personal*).
    pub work_environment_and_staff: i64,
}

impl Costs {
    pub fn total(&self) -> Ore {
        Ore(self.wages_and_social_fees
            + self.assistance_expenses
            + self.training
            + self.work_environment_and_staff)
    }
}

/// What a payroll system claims for the month (already parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub payable_hundredths: i64,
    pub sek_per_hour: Option<Ore>,
    pub amount: Ore,
    /// `None` when not sent (the computed days are used).
    pub hospital_days: Option<Vec<NaiveDate>>,
    pub costs: Option<Costs>,
}

/// One way a claim differs from the computed figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub pointer: &'static str,
    pub code: &'static str,
    pub message: String,
    /// Code-specific members (`claimed`, `computed`, …).
    pub extra: Vec<(&'static str, Value)>,
}

fn ore_or_null(o: Option<Ore>) -> Value {
    o.map_or(Value::Null, |o| o.to_sek_string().into())
}

/// Checks a claim against the computed figures; empty when it may be accepted.
///
/// Every field must equal what the time report gives, except that a
/// self-employer is paid actual costs up to the computed amount: their
/// `amount_sek` may be lower when they send `costs` summing to it. Only
/// self-employers send costs.
pub fn check_claim(claim: &Claim, f: &Figures, self_employer: bool) -> Vec<Difference> {
    let mut out = Vec::new();
    let mismatch = |pointer, claimed: Value, computed: Value, what: &str| Difference {
        pointer,
        code: "mismatch",
        message: format!("The claimed {what} differs from what the current time report gives."),
        extra: vec![("claimed", claimed), ("computed", computed)],
    };
    let computed_hours = f.payable_hundredths();
    if claim.payable_hundredths != computed_hours {
        out.push(mismatch(
            "/payable_hours",
            hundredths_to_string(claim.payable_hundredths).into(),
            hundredths_to_string(computed_hours).into(),
            "payable hours",
        ));
    }
    if claim.sek_per_hour != f.sek_per_hour() {
        let mut d = mismatch(
            "/sek_per_hour",
            ore_or_null(claim.sek_per_hour),
            ore_or_null(f.sek_per_hour()),
            "hourly rate",
        );
        if f.sek_per_hour().is_none() && f.lines.len() > 1 {
            d.message = "The month has more than one rate; send `sek_per_hour` as null and see the draft's `lines`.".into();
        }
        out.push(d);
    }
    if self_employer {
        if claim.amount > f.amount {
            out.push(Difference {
                pointer: "/amount_sek",
                code: "above_computed",
                message: "A self-employer is paid actual costs up to the computed amount; the claim is above it.".into(),
                extra: vec![
                    ("claimed", claim.amount.to_sek_string().into()),
                    ("computed", f.amount.to_sek_string().into()),
                ],
            });
        } else if claim.amount < f.amount && claim.costs.is_none() {
            out.push(Difference {
                pointer: "/costs",
                code: "costs_required",
                message: "An amount below the computed one is a claim of actual costs; send `costs` in the four categories summing to `amount_sek`.".into(),
                extra: vec![
                    ("claimed", claim.amount.to_sek_string().into()),
                    ("computed", f.amount.to_sek_string().into()),
                ],
            });
        }
    } else if claim.amount != f.amount {
        out.push(mismatch(
            "/amount_sek",
            claim.amount.to_sek_string().into(),
            f.amount.to_sek_string().into(),
            "amount",
        ));
    }
    if let Some(costs) = &claim.costs {
        if !self_employer {
            out.push(Difference {
                pointer: "/costs",
                code: "costs_not_allowed",
                message: "Only self-employers (egen arbetsgivare) report costs; providers are paid the computed amount.".into(),
                extra: vec![],
            });
        } else if costs.total() != claim.amount {
            out.push(Difference {
                pointer: "/costs",
                code: "costs_sum_mismatch",
                message: "The four cost categories must sum to `amount_sek`.".into(),
                extra: vec![
                    ("claimed", costs.total().to_sek_string().into()),
                    ("amount_sek", claim.amount.to_sek_string().into()),
                ],
            });
        }
    }
    if let Some(days) = &claim.hospital_days {
        let claimed: BTreeSet<NaiveDate> = days.iter().copied().collect();
        let computed: BTreeSet<NaiveDate> = f.hospital_days.iter().copied().collect();
        if claimed != computed {
            out.push(mismatch(
                "/hospital_days",
                dates_json(&claimed.into_iter().collect::<Vec<_>>()),
                dates_json(&f.hospital_days),
                "hospital-stay days",
            ));
        }
    }
    out
}

// ---- hours against the grant ----------------------------------------------

/// A grant period (*beviljandeperiod*) of a decision that governs some day
/// of the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPeriod {
    /// Index into the decisions slice.
    pub decision: usize,
    pub index: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The grant periods of the decisions governing the days of `month`, in
/// order of first appearance.
pub fn grant_periods(month: ReportMonth, decisions: &[DecisionSpan]) -> Vec<GrantPeriod> {
    let mut out: Vec<GrantPeriod> = Vec::new();
    for d in month.iter_days() {
        let Some(i) = governing(decisions, d) else {
            continue;
        };
        let Some((k, from, to)) = decisions[i].period_of(d) else {
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
    decisions: &[DecisionSpan],
    units_by_date: &BTreeMap<NaiveDate, PayableUnits>,
) -> Vec<GrantUse> {
    periods
        .iter()
        .map(|p| {
            let dec = &decisions[p.decision];
            let mut days = 0i64;
            let mut used = PayableUnits::ZERO;
            for d in p.from.iter_days().take_while(|d| *d <= p.to) {
                if governing(decisions, d) == Some(p.decision) {
                    days += 1;
                    used += units_by_date.get(&d).copied().unwrap_or_default();
                }
            }
            let hpw = i128::from(dec.hours_per_week_centi);
            // Granted, in units: hpw_centi / 100 × days / 7 × UNITS_PER_HOUR.
            // Compare over a common denominator of 700.
            let granted_x700 = hpw * i128::from(days) * i128::from(UNITS_PER_HOUR);
            let used_x700 = i128::from(used.0) * 700;
            let over_x700 = used_x700 - granted_x700;
            GrantUse {
                decision_id: dec.id.clone(),
                from: p.from,
                to: p.to,
                days,
                hours_per_week_centi: dec.hours_per_week_centi,
                granted_hundredths: div_round_half_away(hpw * i128::from(days), 7) as i64,
                used,
                // hundredths = over_x700 × 100 / (700 × UNITS_PER_HOUR)
                over_hundredths: if over_x700 > 0 {
                    div_round_half_away(over_x700, 7 * i128::from(UNITS_PER_HOUR)) as i64
                } else {
                    0
                },
                over: over_x700 > 0,
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

    fn row(date: &str, kind: ShiftKind, minutes: i64) -> PaidRow {
        PaidRow {
            date: d(date),
            kind,
            minutes,
            payable: true,
            hospital: false,
        }
    }

    fn decision(id: &str, from: &str, to: Option<&str>, rate: DecisionRate) -> DecisionSpan {
        DecisionSpan {
            id: id.into(),
            valid_from: d(from),
            valid_to: to.map(d),
            hours_per_week_centi: 12000,
            grant_period_months: 6,
            rate,
        }
    }

    const STANDARD_2026: Ore = Ore(34000);

    #[test]
    fn one_rate_rounds_once_on_the_total() {
        // docs/invoices.md, example 1: 3 × 1 h standby = 3/7 h at 340.00.
        let rows = vec![
            row("2026-10-01", ShiftKind::Standby, 60),
            row("2026-10-02", ShiftKind::Standby, 60),
            row("2026-10-03", ShiftKind::Standby, 60),
        ];
        let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
        let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
        assert_eq!(f.lines.len(), 1);
        assert_eq!(f.payable_hundredths(), 43); // 0.428571… h
        assert_eq!(f.sek_per_hour(), Some(STANDARD_2026));
        // 3/7 × 340 = 145.714… → 145.71; per row 48.57 × 3 would be 145.71 too,
        // but 0.43 h × 340 would be 146.20.
        assert_eq!(f.amount, Ore(14571));
        assert_eq!(f.lines[0].from, d("2026-10-01"));
        assert_eq!(f.lines[0].to, d("2026-10-31"));
    }

    #[test]
    fn a_new_decision_mid_month_splits_the_lines() {
        // docs/invoices.md, example 2.
        let rows = vec![
            row("2026-10-14", ShiftKind::Active, 480),
            row("2026-10-15", ShiftKind::Waiting, 540),
            row("2026-10-16", ShiftKind::Active, 480),
            row("2026-10-20", ShiftKind::Standby, 60),
        ];
        let decs = vec![
            decision("old", "2024-01-01", None, DecisionRate::Standard),
            decision("new", "2026-10-16", None, DecisionRate::Higher(Ore(38000))),
        ];
        let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
        assert_eq!(f.lines.len(), 2);
        let (a, b) = (&f.lines[0], &f.lines[1]);
        assert_eq!((a.from, a.to), (d("2026-10-01"), d("2026-10-15")));
        assert_eq!(a.basis, RateBasis::Standard);
        assert_eq!(a.decision_id.as_deref(), Some("old"));
        // 8 h + 9 h / 4 = 10.25 h × 340 = 3485.00
        assert_eq!(a.units.to_hours_string(), "10.25");
        assert_eq!(a.amount, Ore(348500));
        assert_eq!((b.from, b.to), (d("2026-10-16"), d("2026-10-31")));
        assert_eq!(b.basis, RateBasis::Higher);
        // 8 h + 1/7 h = 8.142857… h × 380 = 3094.2857… → 3094.29
        assert_eq!(b.units.to_hours_string(), "8.14");
        assert_eq!(b.amount, Ore(309429));
        assert_eq!(f.amount, Ore(348500 + 309429));
        assert_eq!(f.sek_per_hour(), None);
        assert_eq!(f.payable_hundredths(), 1839); // 18.392857… h
        assert_eq!(f.minutes.active, 960);
    }

    #[test]
    fn standard_rate_missing_is_an_error_naming_the_year() {
        let rows = vec![row("2026-10-01", ShiftKind::Active, 60)];
        let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
        assert_eq!(
            compute(rm("2026-10"), &rows, &decs, None),
            Err(RateMissing { year: 2026 })
        );
        // A higher rate alone needs no standard rate.
        let decs = vec![decision(
            "h",
            "2024-01-01",
            None,
            DecisionRate::Higher(Ore(37000)),
        )];
        let f = compute(rm("2026-10"), &rows, &decs, None).unwrap();
        assert_eq!(f.amount, Ore(37000));
        // No payable rows: nothing to price.
        let f = compute(rm("2026-10"), &[], &[], None).unwrap();
        assert_eq!(
            (f.amount, f.sek_per_hour(), f.lines.len()),
            (Ore(0), None, 0)
        );
    }

    #[test]
    fn days_without_a_decision_get_the_standard_rate_flagged() {
        let rows = vec![
            row("2026-10-01", ShiftKind::Active, 60),
            row("2026-10-20", ShiftKind::Active, 60),
        ];
        let decs = vec![decision("a", "2026-10-10", None, DecisionRate::Standard)];
        let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
        assert_eq!(f.lines.len(), 2);
        assert_eq!(f.lines[0].basis, RateBasis::NoDecision);
        assert_eq!(f.lines[0].decision_id, None);
        assert_eq!(f.no_decision_days, vec![d("2026-10-01")]);
        // Both at the standard rate: one rate for the month.
        assert_eq!(f.sek_per_hour(), Some(STANDARD_2026));
        assert_eq!(f.amount, Ore(68000));
    }

    #[test]
    fn not_payable_rows_and_hospital_days() {
        let mut r1 = row("2026-10-01", ShiftKind::Active, 120);
        r1.payable = false;
        let mut r2 = row("2026-10-02", ShiftKind::Active, 60);
        r2.hospital = true;
        let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
        let f = compute(rm("2026-10"), &[r1, r2], &decs, Some(STANDARD_2026)).unwrap();
        assert_eq!(f.units.to_hours_string(), "1.00");
        assert_eq!(f.not_payable_units.to_hours_string(), "2.00");
        assert_eq!(f.minutes.active, 60);
        assert_eq!(f.hospital_days, vec![d("2026-10-02")]);
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

    #[test]
    fn claims_are_compared_field_by_field() {
        let rows = vec![row("2026-10-01", ShiftKind::Active, 600)];
        let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
        let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
        let good = Claim {
            payable_hundredths: 1000,
            sek_per_hour: Some(STANDARD_2026),
            amount: Ore(340000),
            hospital_days: None,
            costs: None,
        };
        assert!(check_claim(&good, &f, false).is_empty());
        let bad = Claim {
            payable_hundredths: 1001,
            sek_per_hour: Some(Ore(33260)),
            amount: Ore(340001),
            hospital_days: Some(vec![d("2026-10-01")]),
            costs: None,
        };
        let diffs = check_claim(&bad, &f, false);
        let pointers: Vec<_> = diffs.iter().map(|x| x.pointer).collect();
        assert_eq!(
            pointers,
            [
                "/payable_hours",
                "/sek_per_hour",
                "/amount_sek",
                "/hospital_days"
            ]
        );
        assert!(diffs.iter().all(|x| x.code == "mismatch"));
        assert_eq!(diffs[2].extra[0], ("claimed", json!("3400.01")));
        assert_eq!(diffs[2].extra[1], ("computed", json!("3400.00")));
    }

    #[test]
    fn self_employers_claim_costs_up_to_the_computed_amount() {
        let rows = vec![row("2026-10-01", ShiftKind::Active, 600)];
        let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
        let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
        let costs = Costs {
            wages_and_social_fees: 300000,
            assistance_expenses: 20000,
            training: 5000,
            work_environment_and_staff: 5000,
        };
        let claim = Claim {
            payable_hundredths: 1000,
            sek_per_hour: Some(STANDARD_2026),
            amount: Ore(330000),
            hospital_days: None,
            costs: Some(costs),
        };
        assert!(check_claim(&claim, &f, true).is_empty());
        // A provider may not.
        let codes: Vec<_> = check_claim(&claim, &f, false)
            .iter()
            .map(|x| x.code)
            .collect();
        assert_eq!(codes, ["mismatch", "costs_not_allowed"]);
        // Less without costs; costs not adding up; above the computed amount.
        let mut c = claim.clone();
        c.costs = None;
        assert_eq!(check_claim(&c, &f, true)[0].code, "costs_required");
        let mut c = claim.clone();
        c.amount = Ore(330001);
        assert_eq!(check_claim(&c, &f, true)[0].code, "costs_sum_mismatch");
        let mut c = claim.clone();
        c.amount = Ore(340001);
        c.costs = None;
        assert_eq!(check_claim(&c, &f, true)[0].code, "above_computed");
        // The full amount needs no costs.
        let mut c = claim;
        c.amount = Ore(340000);
        c.costs = None;
        assert!(check_claim(&c, &f, true).is_empty());
    }

    #[test]
    fn drift_names_what_changed() {
        let rows = vec![row("2026-10-01", ShiftKind::Active, 600)];
        let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
        let before = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026))
            .unwrap()
            .summary();
        assert!(drift(&before, &before).is_empty());
        let after = compute(rm("2026-10"), &rows, &decs, Some(Ore(35000)))
            .unwrap()
            .summary();
        let pointers: Vec<_> = drift(&before, &after).iter().map(|x| x.pointer).collect();
        assert_eq!(pointers, ["/sek_per_hour", "/amount_sek", "/lines"]);
        let json = serde_json::to_string(&before).unwrap();
        assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), before);
    }
}
