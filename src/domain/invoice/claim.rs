//! A payroll system's claim for the month (*räkning*) against the computed
//! figures: what must be equal, and a self-employer's actual costs.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::invoice::drift::dates_json;
use crate::domain::invoice::figures::Figures;
use crate::domain::quantity::{hundredths_to_string, Ore};

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
