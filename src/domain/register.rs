//! Rules for the register: organisations, decisions, employments and rates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::identity::{OrganisationNumber, PersonalNumber};
use crate::domain::quantity::Ore;

/// A violated rule: stable code and message; the caller adds the location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    pub code: &'static str,
    pub message: String,
}

impl RuleViolation {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The earliest and latest date a register record may hold: anything
/// outside is a typing error (`0026` for `2026`), never a real decision or
/// employment.
pub const EARLIEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid");
pub const LATEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid");

/// A date of a register record, if within [`EARLIEST_DATE`]–[`LATEST_DATE`];
/// else `date_out_of_range`.
pub fn check_date(date: NaiveDate) -> Result<NaiveDate, RuleViolation> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(RuleViolation::new(
            "date_out_of_range",
            format!("{date} is outside {EARLIEST_DATE}–{LATEST_DATE}."),
        ))
    }
}

/// Who organises the assistance (*anordnare*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// *Kommun*.
    Municipality,
    /// Private company (a sole trader is identified by the owner's personnummer).
    Company,
    /// *Kooperativ*.
    Cooperative,
    /// *Egen arbetsgivare*: the assistance user (or guardian) employs the assistants.
    SelfEmployer,
}

impl OrganisationKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Municipality => "municipality",
            Self::Company => "company",
            Self::Cooperative => "cooperative",
            Self::SelfEmployer => "self_employer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// Validates an organisation's identity number for its kind and returns the
/// normalised form: *organisationsnummer* `NNNNNN-NNNN`, or a 12-digit
/// personnummer for sole traders and self-employers.
pub fn organisation_identity(kind: OrganisationKind, input: &str) -> Result<String, RuleViolation> {
    let org = OrganisationNumber::parse(input);
    let person = || PersonalNumber::parse(input);
    match kind {
        OrganisationKind::Municipality | OrganisationKind::Cooperative => org
            .map(|o| o.as_str().to_string())
            .map_err(|e| RuleViolation::new(e.code(), format!("Not a valid organisationsnummer: {e}"))),
        OrganisationKind::Company => match org {
            Ok(o) => Ok(o.as_str().to_string()),
            Err(org_err) => person().map(|p| p.as_str().to_string()).map_err(|_| {
                RuleViolation::new(
                    org_err.code(),
                    format!("Not a valid organisationsnummer (or a sole trader's personnummer): {org_err}"),
                )
            }),
        },
        OrganisationKind::SelfEmployer => person()
            .map(|p| p.as_str().to_string())
            .map_err(|e| RuleViolation::new(e.code(), format!("A self-employer is identified by personnummer: {e}"))),
    }
}

/// The internal cut-off is a day of the month after the reported month; up to
/// 28 so that it exists in every month.
pub fn check_cutoff_day(day: i64) -> Result<u32, RuleViolation> {
    if (1..=28).contains(&day) {
        Ok(day as u32)
    } else {
        Err(RuleViolation::new(
            "out_of_range",
            "`internal_cutoff_day` must be between 1 and 28.",
        ))
    }
}

/// A personal name as entered: trimmed, 1–200 characters.
pub fn check_name(name: &str) -> Result<String, RuleViolation> {
    let t = name.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(RuleViolation::new(
            "invalid_name",
            "`name` must be 1–200 characters.",
        ));
    }
    Ok(t.to_string())
}

/// The working-time law that bounds an assistant's hours (SFB 51 kap. 16 §).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkingTimeRule {
    /// *Arbetstidslagen*: a provider's staff.
    WorkingHoursAct,
    /// *Lag om arbetstid i husligt arbete*: assistants employed by the user's household.
    HouseholdWorkAct,
}

impl WorkingTimeRule {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::WorkingHoursAct => "working_hours_act",
            Self::HouseholdWorkAct => "household_work_act",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    /// Default limit: hundredths of an hour per week on average, over a
    /// reference period of this many days. *Arbetstidslagen*: 48 h/week incl.
    /// overtime over up to four months (we use 4 × 30 days); household work:
    /// 40 h/week over four weeks (our reading; configurable per employment
    /// in a later version).
    pub fn limit(&self) -> WorkingTimeLimit {
        match self {
            Self::WorkingHoursAct => WorkingTimeLimit {
                hours_per_week_centi: 4800,
                reference_days: 120,
            },
            Self::HouseholdWorkAct => WorkingTimeLimit {
                hours_per_week_centi: 4000,
                reference_days: 28,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingTimeLimit {
    pub hours_per_week_centi: i64,
    pub reference_days: i64,
}

/// The rate of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionRate {
    Standard,
    /// *Förhöjt timbelopp*, whole kronor.
    Higher(Ore),
}

/// A decision's numbers, checked together.
#[derive(Debug, Clone)]
pub struct DecisionTerms {
    pub hours_per_week_centi: i64,
    pub double_hours_per_week_centi: Option<i64>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub grant_period_months: i64,
}

pub const DEFAULT_GRANT_PERIOD_MONTHS: i64 = 6;

/// Returns each violation with the field it concerns.
pub fn check_decision_terms(t: &DecisionTerms) -> Vec<(&'static str, RuleViolation)> {
    let mut out = Vec::new();
    // 168 h is every hour of the week; double assistance is granted as a part of it.
    if t.hours_per_week_centi <= 0 || t.hours_per_week_centi > 16_800 {
        out.push((
            "hours_per_week",
            RuleViolation::new(
                "out_of_range",
                "`hours_per_week` must be more than 0 and at most 168.",
            ),
        ));
    }
    if let Some(d) = t.double_hours_per_week_centi {
        if d < 0 || d > t.hours_per_week_centi {
            out.push((
                "double_assistance_hours_per_week",
                RuleViolation::new(
                    "out_of_range",
                    "`double_assistance_hours_per_week` is part of `hours_per_week` and cannot exceed it.",
                ),
            ));
        }
    }
    if let Some(to) = t.valid_to {
        if to < t.valid_from {
            out.push((
                "valid_to",
                RuleViolation::new("invalid_period", "`valid_to` is before `valid_from`."),
            ));
        }
    }
    if !(1..=24).contains(&t.grant_period_months) {
        out.push((
            "grant_period_months",
            RuleViolation::new(
                "out_of_range",
                "`grant_period_months` must be between 1 and 24.",
            ),
        ));
    }
    out
}

/// A higher rate is granted in whole kronor and at most 12 % above the
/// standard rate of that year (SFB 51 kap. 11 §).
pub fn check_higher_rate(rate: Ore, standard: Ore) -> Result<(), RuleViolation> {
    if rate.0 <= 0 || rate.0 % 100 != 0 {
        return Err(RuleViolation::new(
            "invalid_rate",
            "A higher rate is granted in whole kronor (e.g. \"370.00\").",
        ));
    }
    // rate ≤ 1.12 × standard, compared exactly in integers.
    if rate.0 * 100 > standard.0 * 112 {
        return Err(RuleViolation::new(
            "rate_above_limit",
            format!(
                "A higher rate may be at most 12 % above the standard rate ({} SEK/h); {} SEK/h is above that.",
                standard.to_sek_string(),
                rate.to_sek_string()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_between_1900_and_2100() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(check_date(d("1900-01-01")).is_ok());
        assert!(check_date(d("2100-12-31")).is_ok());
        assert_eq!(
            check_date(d("1899-12-31")).unwrap_err().code,
            "date_out_of_range"
        );
        assert_eq!(
            check_date(d("2101-01-01")).unwrap_err().code,
            "date_out_of_range"
        );
        assert_eq!(
            check_date(d("0026-05-01")).unwrap_err().code,
            "date_out_of_range"
        );
    }

    #[test]
    fn identity_by_kind() {
        assert_eq!(
            organisation_identity(OrganisationKind::Municipality, "2120000142").unwrap(),
            "212000-0142"
        );
        assert_eq!(
            organisation_identity(OrganisationKind::Company, "19121212-1212").unwrap(),
            "191212121212"
        );
        assert!(organisation_identity(OrganisationKind::Municipality, "19121212-1212").is_err());
        // 10 digits: the most recent century in which the date has passed.
        assert_eq!(
            organisation_identity(OrganisationKind::SelfEmployer, "121212-1212").unwrap(),
            "201212121212"
        );
        assert!(organisation_identity(OrganisationKind::SelfEmployer, "556036-0793").is_err());
        let e = organisation_identity(OrganisationKind::Company, "556036-0794").unwrap_err();
        assert_eq!(e.code, "invalid_checksum");
    }

    #[test]
    fn higher_rate_limit_is_exact() {
        let standard = Ore(33260);
        // 112 % of 332.60 = 372.512: 372 is allowed, 373 is not.
        assert!(check_higher_rate(Ore(37200), standard).is_ok());
        assert_eq!(
            check_higher_rate(Ore(37300), standard).unwrap_err().code,
            "rate_above_limit"
        );
        assert_eq!(
            check_higher_rate(Ore(37250), standard).unwrap_err().code,
            "invalid_rate"
        );
    }

    #[test]
    fn decision_terms() {
        let d = |h, dbl, to: Option<&str>, m| DecisionTerms {
            hours_per_week_centi: h,
            double_hours_per_week_centi: dbl,
            valid_from: "2026-01-01".parse().unwrap(),
            valid_to: to.map(|s| s.parse().unwrap()),
            grant_period_months: m,
        };
        assert!(check_decision_terms(&d(13400, Some(1000), Some("2026-06-30"), 6)).is_empty());
        let v = check_decision_terms(&d(0, Some(100), Some("2025-12-31"), 0));
        let fields: Vec<_> = v.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "hours_per_week",
                "double_assistance_hours_per_week",
                "valid_to",
                "grant_period_months"
            ]
        );
    }

    #[test]
    fn cutoff_day_bounds() {
        assert_eq!(check_cutoff_day(5).unwrap(), 5);
        assert!(check_cutoff_day(0).is_err());
        assert!(check_cutoff_day(29).is_err());
    }
}
