//! Whether an invoice is still current: the figures it was computed from,
//! kept with it, against a fresh computation, field by field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::invoice::figures::KindMinutes;
use crate::domain::quantity::{minutes_to_hours_string, Ore, PayableUnits};

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

pub(super) fn dates_json(v: &[NaiveDate]) -> Value {
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
