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
    let (i, n) = (invoiced, now);
    let sek = |o: &i64| Value::from(Ore(*o).to_sek_string());
    differs(
        &mut out,
        "/payable_hours",
        &i.payable_units,
        &n.payable_units,
        |u| PayableUnits(*u).to_hours_string().into(),
    );
    differs(
        &mut out,
        "/hours",
        &i.minutes,
        &n.minutes,
        kind_minutes_json,
    );
    differs(
        &mut out,
        "/sek_per_hour",
        &i.sek_per_hour_ore,
        &n.sek_per_hour_ore,
        |o| o.as_ref().map_or(Value::Null, sek),
    );
    differs(&mut out, "/amount_sek", &i.amount_ore, &n.amount_ore, sek);
    differs(
        &mut out,
        "/lines",
        &i.units_per_rate,
        &n.units_per_rate,
        |v| per_rate_json(v),
    );
    differs(
        &mut out,
        "/hospital_days",
        &i.hospital_days,
        &n.hospital_days,
        |v| dates_json(v),
    );
    out
}

/// Adds a [`Drift`] at `pointer` when the two values differ, each shown as
/// the invoice field shows it.
fn differs<T: PartialEq>(
    out: &mut Vec<Drift>,
    pointer: &'static str,
    invoiced: &T,
    now: &T,
    show: impl Fn(&T) -> Value,
) {
    if invoiced != now {
        out.push(Drift {
            pointer,
            invoiced: show(invoiced),
            computed: show(now),
        });
    }
}
