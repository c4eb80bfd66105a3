//! The 24-hour day: an assistant's shifts starting on one calendar day
//! total at most 24 real hours, counting every employer.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::quantity::minutes_to_hours_string;
use crate::domain::report::context::Context;
use crate::domain::report::issue::{Field, Issue};
use crate::domain::report::parse::ParsedRow;

/// Hours an assistant may start on one calendar day.
const MAX_MINUTES_PER_DAY: i64 = 24 * 60;

/// An assistant's shifts that start on one calendar day total at most 24 h.
pub(super) fn check_day_totals(rows: &[ParsedRow], ctx: &Context, errors: &mut Vec<Issue>) {
    struct Day {
        minutes: i64,
        rows: Vec<usize>,
        elsewhere: bool,
    }
    let mut per_day: BTreeMap<(&str, NaiveDate), Day> = BTreeMap::new();
    for row in rows {
        if let Some(a) = ctx.assistants.get(&row.assistant_id) {
            let e = per_day.entry((a.person.as_str(), row.date)).or_insert(Day {
                minutes: 0,
                rows: Vec::new(),
                elsewhere: false,
            });
            e.minutes += row.minutes();
            e.rows.push(row.index);
        }
    }
    for s in &ctx.stored {
        if let Some(e) = per_day.get_mut(&(s.person.as_str(), s.date)) {
            e.minutes += s.minutes;
            e.elsewhere |= !s.same_org;
        }
    }
    for ((_, date), day) in per_day {
        if day.minutes > MAX_MINUTES_PER_DAY {
            let last = *day.rows.iter().max().expect("at least one row");
            let others: Vec<usize> = day.rows.iter().copied().filter(|&i| i != last).collect();
            // Another employer's hours are not disclosed, only that they count.
            let message = if day.elsewhere {
                format!("The assistant's shifts starting on {date}, with those reported by another employer, add up to more than 24 h.")
            } else {
                format!(
                    "The assistant's shifts starting on {date} add up to {} h, more than 24 h.",
                    minutes_to_hours_string(day.minutes)
                )
            };
            errors
                .push(Issue::row(last, Some(Field::Date), "day_over_24h", message).related(others));
        }
    }
}
