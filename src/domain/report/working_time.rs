//! Working time (*arbetstid*): each person's active and waiting time,
//! counting every employer, averaged per week over the rule's reference
//! period against the rule's limit.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};

use crate::domain::month::ReportMonth;
use crate::domain::quantity::hundredths_to_string;
use crate::domain::register::{WorkingTimeLimit, WorkingTimeRule};
use crate::domain::report::context::Context;
use crate::domain::report::issue::{Field, Issue};
use crate::domain::report::parse::ParsedRow;

/// Working time (active and waiting time; standby is not working time) of
/// each person, averaged per week over the rule's reference period, for every
/// period that ends on a day of the reported month.
pub(super) fn check_working_time(
    month: ReportMonth,
    rows: &[ParsedRow],
    ctx: &Context,
    warnings: &mut Vec<Issue>,
) {
    // Working minutes per person and day, from this report and stored
    // shifts, gathered in one pass.
    let mut persons: BTreeMap<&str, ((WorkingTimeRule, WorkingTimeLimit), usize)> = BTreeMap::new();
    let mut minutes: HashMap<&str, Vec<(NaiveDate, i64)>> = HashMap::new();
    for row in rows {
        if let Some(a) = ctx.assistants.get(&row.assistant_id) {
            let rule = a.working_time.unwrap_or((
                WorkingTimeRule::WorkingHoursAct,
                WorkingTimeRule::WorkingHoursAct.limit(),
            ));
            persons
                .entry(a.person.as_str())
                .or_insert((rule, row.index));
            if row.kind.is_working_time() {
                minutes
                    .entry(a.person.as_str())
                    .or_default()
                    .push((row.date, row.minutes()));
            }
        }
    }
    for s in &ctx.stored {
        if s.kind.is_working_time() && persons.contains_key(s.person.as_str()) {
            minutes
                .entry(s.person.as_str())
                .or_default()
                .push((s.date, s.minutes));
        }
    }
    for (person, ((rule, limit), first_row)) in persons {
        let from = month.first_day() - Duration::days(limit.reference_days - 1);
        let mut daily: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for &(date, m) in minutes.get(person).map(Vec::as_slice).unwrap_or_default() {
            if date >= from && date <= month.last_day() {
                *daily.entry(date).or_default() += m;
            }
        }
        let days = limit.reference_days;
        let worst = working_time_breach(&daily, limit, month);
        if let Some((end, total)) = worst {
            let avg_centi = weekly_average_centi(total, days);
            warnings.push(Issue::row(
                first_row,
                Some(Field::AssistantId),
                "working_time_exceeded",
                format!(
                    "The assistant works on average {} h/week over the {days} days ending {end}, above the limit of {} h/week ({}), counting all employers.",
                    hundredths_to_string(avg_centi),
                    hundredths_to_string(limit.hours_per_week_centi),
                    rule.as_str()
                ),
            ));
        }
    }
}

/// The worst reference period ending on a day of `month` whose average
/// working time per week exceeds the rule's limit: `(last day, minutes)`.
/// `daily` holds a person's working minutes (active + waiting) per day,
/// from all employers.
pub fn working_time_breach(
    daily: &BTreeMap<NaiveDate, i64>,
    limit: WorkingTimeLimit,
    month: ReportMonth,
) -> Option<(NaiveDate, i64)> {
    let days = limit.reference_days;
    let mut worst: Option<(NaiveDate, i64)> = None;
    for end in month.iter_days() {
        let start = end - Duration::days(days - 1);
        let total: i64 = daily.range(start..=end).map(|(_, m)| m).sum();
        // Over `days` days the limit is centi/100 h/week × 60 × days/7
        // minutes; compared exactly as minutes × 700 > centi × 60 × days.
        if total * 700 > limit.hours_per_week_centi * 60 * days
            && worst.is_none_or(|(_, w)| total > w)
        {
            worst = Some((end, total));
        }
    }
    worst
}

/// Average hours per week (in hundredths) of `minutes` over `days` days.
pub fn weekly_average_centi(minutes: i64, days: i64) -> i64 {
    (minutes * 700 + 30 * days) / (60 * days)
}
