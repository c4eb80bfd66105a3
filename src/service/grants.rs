//! The register's decisions as the domain's [`Grant`]: the one conversion
//! invoices, balances and the dashboard share, so that all three apply the
//! same rule for which decision governs a day and its grant periods.

use crate::db::register::DecisionRow;
use crate::domain::grant::Grant;
use crate::domain::quantity::Ore;
use crate::domain::register::DecisionRate;

pub fn grants_of(decisions: &[DecisionRow]) -> Vec<Grant> {
    decisions.iter().map(grant_of).collect()
}

pub fn grant_of(d: &DecisionRow) -> Grant {
    Grant {
        id: d.id.clone(),
        valid_from: d.valid_from,
        valid_to: d.valid_to,
        recorded_at: d.created_at,
        grant_period_months: d.grant_period_months.max(1) as u32,
        hours_per_week_centi: d.hours_per_week_centi,
        double_hours_per_week_centi: d.double_hours_per_week_centi,
        rate: match d.higher_rate_ore {
            Some(ore) if d.rate_kind == "higher" => DecisionRate::Higher(Ore(ore)),
            _ => DecisionRate::Standard,
        },
    }
}
