//! An invoice as a payroll system sends it, parsed field by field into a
//! [`Submission`], every fault with its JSON pointer.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::invoice::{Claim, Costs};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{parse_hundredths, DecimalError, Ore};
use crate::error::FieldError;

/// A self-employer's costs as sent: SEK strings; a category left out is 0.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostsInput {
    /// Wages and social fees (*lön och sociala avgifter*).
    pub wages_and_social_fees: Option<String>,
    /// Assistance expenses (*assistansomkostnader*).
    pub assistance_expenses: Option<String>,
    /// Training (*utbildning*).
    pub training: Option<String>,
    /// Work environment and staff (*arbetsmiljö och personal*).
    pub work_environment_and_staff: Option<String>,
}

/// An invoice as a payroll system sends it. Money and hours are decimal
/// strings with at most two decimals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    pub assistance_user_id: String,
    /// YYYY-MM.
    pub month: String,
    /// Converted payable hours, e.g. "535.00".
    pub payable_hours: String,
    /// The month's rate; null (or left out) when the draft's is null.
    pub sek_per_hour: Option<String>,
    pub amount_sek: String,
    /// The payroll system's own number for the invoice.
    pub invoice_number: Option<String>,
    /// Days with assistance during a hospital stay; when sent they must equal
    /// the time report's.
    pub hospital_days: Option<Vec<String>>,
    /// Self-employers only: actual costs in four categories summing to `amount_sek`.
    pub costs: Option<CostsInput>,
}

/// A parsed submission.
#[derive(Debug, Clone)]
pub struct Submission {
    pub assistance_user_id: String,
    pub month: ReportMonth,
    pub invoice_number: Option<String>,
    pub claim: Claim,
}

impl InvoiceInput {
    /// Parses every field, reporting every fault with its JSON pointer.
    pub fn parse(&self) -> Result<Submission, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut dec = |pointer: String, r: Result<i64, DecimalError>| match r {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(FieldError::at(pointer, e.code(), e.to_string()));
                None
            }
        };
        let hours = dec(
            "/payable_hours".into(),
            parse_hundredths(&self.payable_hours, false),
        );
        let rate = self
            .sek_per_hour
            .as_deref()
            .map(|s| dec("/sek_per_hour".into(), parse_hundredths(s, false)));
        let amount = dec(
            "/amount_sek".into(),
            parse_hundredths(&self.amount_sek, false),
        );
        let costs = self.costs.as_ref().map(|c| {
            let mut one = |name: &str, v: &Option<String>| {
                v.as_deref().map_or(Some(0), |s| {
                    dec(format!("/costs/{name}"), parse_hundredths(s, false))
                })
            };
            (
                one("wages_and_social_fees", &c.wages_and_social_fees),
                one("assistance_expenses", &c.assistance_expenses),
                one("training", &c.training),
                one("work_environment_and_staff", &c.work_environment_and_staff),
            )
        });
        let month = ReportMonth::parse(&self.month).ok();
        if month.is_none() {
            errors.push(FieldError::at(
                "/month",
                "invalid_month",
                "The month must be written YYYY-MM, e.g. 2026-02.",
            ));
        }
        let mut days = Vec::new();
        for (i, s) in self.hospital_days.iter().flatten().enumerate() {
            match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => days.push(d),
                Err(_) => errors.push(FieldError::at(
                    format!("/hospital_days/{i}"),
                    "invalid_date",
                    "Dates are written YYYY-MM-DD.",
                )),
            }
        }
        let invoice_number = match self.invoice_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) if n.chars().count() > 100 || n.chars().any(char::is_control) => {
                errors.push(FieldError::at(
                    "/invoice_number",
                    "invalid_invoice_number",
                    "`invoice_number` is at most 100 printable characters.",
                ));
                None
            }
            Some(n) => Some(n.to_string()),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let costs = match costs {
            None => None,
            Some((Some(a), Some(b), Some(c), Some(d))) => Some(Costs {
                wages_and_social_fees: a,
                assistance_expenses: b,
                training: c,
                work_environment_and_staff: d,
            }),
            Some(_) => unreachable!("cost errors returned above"),
        };
        let (Some(hours), Some(amount), Some(month)) = (hours, amount, month) else {
            unreachable!("errors returned above")
        };
        Ok(Submission {
            assistance_user_id: self.assistance_user_id.clone(),
            month,
            invoice_number,
            claim: Claim {
                payable_hundredths: hours,
                sek_per_hour: rate.flatten().map(Ore),
                amount: Ore(amount),
                hospital_days: self.hospital_days.as_ref().map(|_| days),
                costs,
            },
        })
    }
}
