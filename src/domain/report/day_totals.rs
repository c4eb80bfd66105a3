//! Per assistant and day, the totals stored with each version for the read
//! side (balances, dashboard, working-time breaches).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::quantity::PayableUnits;
use crate::domain::report::parse::ParsedRow;

/// Totals of one assistant's shifts starting on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTotal<'a> {
    pub assistant_id: &'a str,
    pub date: NaiveDate,
    pub payable: PayableUnits,
    pub not_payable: PayableUnits,
    /// Payable converted time of double-assistance rows.
    pub double: PayableUnits,
    /// Active and waiting minutes (working time).
    pub working_minutes: i64,
}

/// Per assistant and day, the figures balances and dashboards need, so that
/// they never rescan rows. `payable` is [`Checked::payable`].
pub fn day_totals<'a>(rows: &'a [ParsedRow], payable: &[bool]) -> Vec<DayTotal<'a>> {
    let mut map: BTreeMap<(&str, NaiveDate), DayTotal> = BTreeMap::new();
    for (row, &ok) in rows.iter().zip(payable) {
        let t = map
            .entry((row.assistant_id.as_str(), row.date))
            .or_insert(DayTotal {
                assistant_id: &row.assistant_id,
                date: row.date,
                payable: PayableUnits::ZERO,
                not_payable: PayableUnits::ZERO,
                double: PayableUnits::ZERO,
                working_minutes: 0,
            });
        let units = PayableUnits::of(row.kind, row.minutes());
        if ok {
            t.payable += units;
            if row.double {
                t.double += units;
            }
        } else {
            t.not_payable += units;
        }
        if row.kind.is_working_time() {
            t.working_minutes += row.minutes();
        }
    }
    map.into_values().collect()
}
