//! Hours against the grant: per month and per grant period, with money at
//! the rate of each day (see `docs/balances.md`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::register as reg;
use crate::db::time_reports::UserDay;
use crate::db::DbConn;
use crate::domain::grant::{
    fifths, grant_on, granted_between, hours_string, latest, projected, Fifths, Grant,
};
use crate::domain::invoice::day_rate;
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{div_round_half_away, Ore, PayableUnits, UNITS_PER_HOUR};
pub use crate::service::grants::grants_of;
use crate::service::late::{expected_days, LateContext};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoubleHours {
    pub granted_hours: String,
    pub reported_hours: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthBalance {
    pub month: String,
    /// Hours per week × days / 7 of the decisions covering each day.
    pub granted_hours: String,
    /// Payable converted hours of the month as FK is expected to pay them:
    /// the current report version's, less what the 2027 rule leaves unpaid
    /// (`late_not_payable_hours`; see docs/deadlines.md).
    pub reported_payable_hours: String,
    /// Payable hours of the current version not expected to be paid because
    /// the report or invoice arrived late.
    pub late_not_payable_hours: String,
    /// granted − reported (negative: more used than the month's share).
    pub difference_hours: String,
    /// Running totals from the start of the requested range.
    pub cumulative_granted_hours: String,
    pub cumulative_reported_hours: String,
    pub double_assistance: DoubleHours,
    /// Payable hours × the rate of each day, to the öre; null when a rate is missing.
    pub amount_sek: Option<String>,
    /// The grant period containing this month is exceeded by the end of it.
    pub over_grant_period: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodBalance {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub granted_hours: String,
    pub reported_payable_hours: String,
    pub remaining_hours: String,
    /// The period's reported hours at the pace of the reported months:
    /// reported × period days / the days of `projection_based_on` in the
    /// period; null when no month of the period is reported yet.
    pub projected_hours: Option<String>,
    /// The months (`YYYY-MM`) with a time report whose days set the pace.
    pub projection_based_on: Vec<String>,
    pub projected_to_exceed: bool,
    /// Months (up to the current one) by whose end the period's granted
    /// total was exceeded.
    pub exceeded_in_months: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceWarning {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Balance {
    pub assistance_user_id: String,
    pub from: String,
    pub to: String,
    pub months: Vec<MonthBalance>,
    pub periods: Vec<PeriodBalance>,
    pub warnings: Vec<BalanceWarning>,
}

/// The default range: the grant period containing today of the decision in
/// force (or the last one), else the six months up to this one.
pub fn default_range(grants: &[Grant], today: NaiveDate) -> (ReportMonth, ReportMonth) {
    let current = grant_on(grants, today).or_else(|| latest(grants));
    if let Some(g) = current {
        let periods = g.periods(today.max(g.valid_from));
        if let Some(p) = periods
            .iter()
            .find(|p| p.0 <= today && today <= p.1)
            .or(periods.last())
        {
            return (ReportMonth::of(p.0), ReportMonth::of(p.1));
        }
    }
    let m = ReportMonth::of(today);
    (m.add_months(-5), m)
}

/// Computes the balance of one user over `[from, to]`.
pub fn balance(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    range: Option<(ReportMonth, ReportMonth)>,
    late: &LateContext,
) -> diesel::QueryResult<Balance> {
    let today = late.today;
    let decisions = reg::all_decisions_for_user(conn, org, user)?;
    let grants = grants_of(&decisions);
    let (from, to) = range.unwrap_or_else(|| default_range(&grants, today));
    let (first, last) = (from.first_day(), to.last_day());
    let periods: Vec<(NaiveDate, NaiveDate)> = grants
        .iter()
        .flat_map(|g| g.periods(last))
        .filter(|p| p.0 <= last && p.1 >= first)
        .collect();
    let q_from = periods
        .iter()
        .map(|p| p.0)
        .min()
        .unwrap_or(first)
        .min(first);
    let q_to = periods.iter().map(|p| p.1).max().unwrap_or(last).max(last);
    let (days, lost) = expected_days(conn, late, org, user, q_from, q_to)?;
    let reported_months: Vec<ReportMonth> = crate::db::time_reports::report_months(
        conn,
        org,
        user,
        &ReportMonth::of(q_from).to_string(),
        &ReportMonth::of(q_to).to_string(),
    )?
    .iter()
    .filter_map(|m| ReportMonth::parse(m).ok())
    .collect();
    let rates: HashMap<i32, i64> = reg::list_rates(conn)?
        .into_iter()
        .map(|r| (r.year, r.ore_per_hour))
        .collect();
    Ok(compute(
        user,
        from,
        to,
        &grants,
        &periods,
        (&days, &reported_months),
        &lost,
        &rates,
        today,
    ))
}

#[allow(clippy::too_many_arguments)]
fn compute(
    user: &str,
    from: ReportMonth,
    to: ReportMonth,
    grants: &[Grant],
    periods: &[(NaiveDate, NaiveDate)],
    (days, reported_months): (&[UserDay], &[ReportMonth]),
    lost: &BTreeMap<ReportMonth, PayableUnits>,
    rates: &HashMap<i32, i64>,
    today: NaiveDate,
) -> Balance {
    let mut by_day: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for d in days {
        let e = by_day.entry(d.work_date).or_default();
        e.0 += d.payable_units;
        e.1 += d.double_units;
    }
    let reported_between = |a: NaiveDate, b: NaiveDate| -> Fifths {
        by_day
            .range(a..=b)
            .map(|(_, v)| fifths(PayableUnits(v.0)))
            .sum()
    };

    let mut warnings = Vec::new();
    let mut period_out = Vec::new();
    let mut exceeded_months: Vec<ReportMonth> = Vec::new();
    for &(start, end) in periods {
        let (granted, _) = granted_between(grants, start, end);
        let reported = reported_between(start, end);
        let mut exceeded_in = Vec::new();
        let mut m = ReportMonth::of(start);
        // Months up to the current one: later months have no reports yet.
        while m.first_day() <= end && m <= ReportMonth::of(today) {
            let upto = m.last_day().min(end);
            if reported_between(start, upto) > granted {
                exceeded_in.push(m.to_string());
                exceeded_months.push(m);
            }
            m = m.add_months(1);
        }
        let projection =
            projected(reported, (start, end), reported_months).filter(|_| today >= start);
        period_out.push(PeriodBalance {
            start,
            end,
            granted_hours: hours_string(granted),
            reported_payable_hours: hours_string(reported),
            remaining_hours: hours_string(granted - reported),
            projected_to_exceed: projection.as_ref().is_some_and(|p| p.0 > granted),
            projected_hours: projection.as_ref().map(|p| hours_string(p.0)),
            projection_based_on: projection
                .map(|p| p.1.iter().map(ReportMonth::to_string).collect())
                .unwrap_or_default(),
            exceeded_in_months: exceeded_in,
        });
    }

    let mut months = Vec::new();
    let (mut cum_granted, mut cum_reported) = (0i128, 0i128);
    let mut missing_years = std::collections::BTreeSet::new();
    let mut m = from;
    while m <= to {
        let (granted, double_granted) = granted_between(grants, m.first_day(), m.last_day());
        let reported = reported_between(m.first_day(), m.last_day());
        let double_reported: Fifths = by_day
            .range(m.first_day()..=m.last_day())
            .map(|(_, v)| fifths(PayableUnits(v.1)))
            .sum();
        cum_granted += granted;
        cum_reported += reported;
        // Money: each day's payable units at that day's rate, rounded once.
        let mut numerator: i128 = 0;
        let mut rate_missing = false;
        for (date, (units, _)) in by_day.range(m.first_day()..=m.last_day()) {
            let standard = rates.get(&date.year()).copied().map(Ore);
            match day_rate(grant_on(grants, *date), standard).1 {
                Some(r) => numerator += i128::from(*units) * i128::from(r.0),
                None if *units != 0 => {
                    rate_missing = true;
                    missing_years.insert(date.year());
                }
                None => {}
            }
        }
        months.push(MonthBalance {
            month: m.to_string(),
            granted_hours: hours_string(granted),
            reported_payable_hours: hours_string(reported),
            late_not_payable_hours: lost.get(&m).copied().unwrap_or_default().to_hours_string(),
            difference_hours: hours_string(granted - reported),
            cumulative_granted_hours: hours_string(cum_granted),
            cumulative_reported_hours: hours_string(cum_reported),
            double_assistance: DoubleHours {
                granted_hours: hours_string(double_granted),
                reported_hours: hours_string(double_reported),
            },
            amount_sek: (!rate_missing).then(|| {
                Ore(div_round_half_away(numerator, i128::from(UNITS_PER_HOUR)) as i64)
                    .to_sek_string()
            }),
            over_grant_period: exceeded_months.contains(&m),
        });
        m = m.add_months(1);
    }
    for year in missing_years {
        warnings.push(BalanceWarning {
            code: "rate_missing".into(),
            message: format!("No standard rate (schablonbelopp) for {year} in the rate table; amounts for those months are null."),
            year: Some(year),
        });
    }
    Balance {
        assistance_user_id: user.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        months,
        periods: period_out,
        warnings,
    }
}
