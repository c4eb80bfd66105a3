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
/// they never rescan rows. `payable`, `unpaid` and `double` are
/// [`Checked`](super::Checked)'s `payable`, `unpaid_minutes` and
/// `double_minutes` (empty: none).
pub fn day_totals<'a>(
    rows: &'a [ParsedRow],
    payable: &[bool],
    unpaid: &[i64],
    double: &[i64],
) -> Vec<DayTotal<'a>> {
    let mut map: BTreeMap<(&str, NaiveDate), DayTotal> = BTreeMap::new();
    for (k, (row, &ok)) in rows.iter().zip(payable).enumerate() {
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
        let unpaid = unpaid.get(k).copied().unwrap_or(0);
        if ok {
            let paid = PayableUnits::of(row.kind, row.minutes() - unpaid);
            t.payable += paid;
            t.not_payable += PayableUnits::of(row.kind, unpaid);
            if row.double {
                t.double += paid;
            }
            let extra = double.get(k).copied().unwrap_or(0);
            t.double += PayableUnits::of(row.kind, extra);
        } else {
            t.not_payable += units;
        }
        if row.kind.is_working_time() {
            t.working_minutes += row.minutes();
        }
    }
    map.into_values().collect()
}
