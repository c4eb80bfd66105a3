//! The one computation of a month's invoice from the current time report,
//! its decisions and the year's rate, shared by the draft, the submission
//! check and the status.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::db::invoices as store;
use crate::db::register::{self as reg, DecisionRow};
use crate::db::time_reports::{self as reports, ReportRow, VersionRow};
use crate::db::DbConn;
use crate::domain::grant::{self, GrantUse};
use crate::domain::invoice::{self as rules, Figures, PaidRow};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{hundredths_to_string, Ore, PayableUnits};
use crate::domain::shift::ShiftKind;
use crate::service::grants::grants_of;
use crate::service::invoices::views::{Draft, GrantPeriodUse, InvoiceLine, LateNotPayable, Notice};

/// Why an invoice cannot be computed.
#[derive(Debug)]
pub enum ComputeError {
    /// No time report for the month: nothing to invoice.
    NoTimeReport,
    /// No standard rate for the year.
    RateMissing(i32),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for ComputeError {
    fn from(e: diesel::result::Error) -> Self {
        ComputeError::Db(e)
    }
}

/// What the figures depend on, loaded cheaply (no rows).
pub(super) struct Inputs {
    report: ReportRow,
    version: VersionRow,
    decisions: Vec<DecisionRow>,
    rate_ore: Option<i64>,
}

pub(super) fn load_inputs(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> Result<Inputs, ComputeError> {
    let report = reports::find_reported(conn, org, user, &month.to_string())?
        .ok_or(ComputeError::NoTimeReport)?;
    let version = reports::get_version(conn, &report.id, report.current_version)?
        .ok_or(ComputeError::NoTimeReport)?;
    let decisions = store::decisions_of_user(conn, org, user)?;
    let rate_ore = reg::get_rate(conn, month.year())?.map(|r| r.ore_per_hour);
    Ok(Inputs {
        report,
        version,
        decisions,
        rate_ore,
    })
}

/// Fingerprint of everything the figures depend on: the time-report
/// version, the decisions' dates and rates (in order) and the year's rate.
/// Equal tokens mean equal figures, so a status check can skip the rows.
pub(super) fn basis_token(i: &Inputs) -> String {
    basis_token_of(&i.report.id, i.version.version, &i.decisions, i.rate_ore)
}

pub(super) fn basis_token_of(
    report_id: &str,
    version: i32,
    decisions: &[DecisionRow],
    rate_ore: Option<i64>,
) -> String {
    let mut h = Sha256::new();
    h.update(format!("report {report_id} {version}\n"));
    for d in decisions {
        h.update(format!(
            "decision {} {} {:?} {} {:?}\n",
            d.id, d.valid_from, d.valid_to, d.rate_kind, d.higher_rate_ore
        ));
    }
    h.update(format!("rate {rate_ore:?}\n"));
    hex::encode(h.finalize())
}

/// An invoice computed from the current time report.
pub struct Computed {
    pub month: ReportMonth,
    pub assistance_user_id: String,
    pub report: ReportRow,
    pub version: VersionRow,
    pub figures: Figures,
    pub grant: Vec<GrantUse>,
    pub basis_token: String,
}

impl Computed {
    pub fn lines(&self) -> Vec<InvoiceLine> {
        self.figures
            .lines
            .iter()
            .map(|l| InvoiceLine {
                from: l.from,
                to: l.to,
                decision_id: l.decision_id.clone(),
                rate_basis: l.basis.as_str().to_string(),
                sek_per_hour: l.rate.to_sek_string(),
                hours: l.minutes.into(),
                payable_hours: l.units.to_hours_string(),
                amount_sek: l.amount.to_sek_string(),
            })
            .collect()
    }

    pub fn grant_periods(&self) -> Vec<GrantPeriodUse> {
        self.grant.iter().map(GrantPeriodUse::from).collect()
    }

    pub fn warnings(&self) -> Vec<Notice> {
        let mut out = Vec::new();
        for g in self.grant.iter().filter(|g| g.over) {
            out.push(Notice {
                code: "over_grant".into(),
                message: format!(
                    "Payable hours in the grant period {} – {} ({} h) exceed the {} h granted by decision {} by {} h.",
                    g.from,
                    g.to,
                    g.used.to_hours_string(),
                    hundredths_to_string(g.granted_hundredths),
                    g.decision_id,
                    hundredths_to_string(g.over_hundredths)
                ),
            });
        }
        if !self.figures.no_decision_days.is_empty() {
            let days: Vec<String> = self
                .figures
                .no_decision_days
                .iter()
                .map(|d| d.to_string())
                .collect();
            out.push(Notice {
                code: "no_decision".into(),
                message: format!(
                    "No decision covers {}; those hours are priced at the standard rate until a decision says otherwise.",
                    days.join(", ")
                ),
            });
        }
        if self.figures.not_payable_units.0 > 0 {
            out.push(Notice {
                code: "assistant_not_registered_with_fk".into(),
                message: format!(
                    "{} h of the time report are not payable (FK did not yet have the assistant's details) and are not invoiced.",
                    self.figures.not_payable_units.to_hours_string()
                ),
            });
        }
        out
    }

    pub fn draft(&self) -> Draft {
        let f = &self.figures;
        Draft {
            assistance_user_id: self.assistance_user_id.clone(),
            month: self.month.to_string(),
            time_report_id: self.report.id.clone(),
            time_report_version: self.version.version,
            hours: f.minutes.into(),
            payable_hours: f.units.to_hours_string(),
            not_payable_hours: f.not_payable_units.to_hours_string(),
            sek_per_hour: f.sek_per_hour().map(|o| o.to_sek_string()),
            amount_sek: f.amount.to_sek_string(),
            lines: self.lines(),
            hospital_days: f.hospital_days.clone(),
            grant_periods: self.grant_periods(),
            warnings: self.warnings(),
            // As claimed; `service::late::draft` applies the 2027 rule.
            expected_payable_hours: f.units.to_hours_string(),
            late_not_payable: LateNotPayable {
                hours: PayableUnits::ZERO.to_hours_string(),
                amount_sek: Some(Ore(0).to_sek_string()),
            },
        }
    }
}

pub(super) fn figures_for(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
    inputs: Inputs,
) -> Result<Computed, ComputeError> {
    let rows: Vec<PaidRow> = reports::rows_of_version(conn, &inputs.version.id)?
        .into_iter()
        .map(|r| PaidRow {
            date: r.work_date,
            kind: ShiftKind::parse(&r.kind).unwrap_or(ShiftKind::Active),
            minutes: r.minutes,
            payable: r.payable,
            unpaid_minutes: r.unpaid_minutes,
            hospital: r.hospital,
        })
        .collect();
    let decisions = grants_of(&inputs.decisions);
    let figures = rules::compute(month, &rows, &decisions, inputs.rate_ore.map(Ore))
        .map_err(|e| ComputeError::RateMissing(e.year))?;
    let periods = grant::grant_periods(month, &decisions);
    let grant = match (
        periods.iter().map(|p| p.from).min(),
        periods.iter().map(|p| p.to).max(),
    ) {
        (Some(from), Some(to)) => {
            let mut by_date: BTreeMap<NaiveDate, PayableUnits> = BTreeMap::new();
            for r in store::payable_rows_between(conn, org, user, from, to)? {
                let kind = ShiftKind::parse(&r.kind).unwrap_or(ShiftKind::Active);
                *by_date.entry(r.work_date).or_default() +=
                    PayableUnits::of(kind, r.minutes - r.unpaid_minutes);
            }
            grant::grant_use(&periods, &decisions, &by_date)
        }
        _ => Vec::new(),
    };
    let basis_token = basis_token(&inputs);
    Ok(Computed {
        month,
        assistance_user_id: user.to_string(),
        report: inputs.report,
        version: inputs.version,
        figures,
        grant,
        basis_token,
    })
}

/// Computes the invoice of (organisation, user, month) from the current
/// time-report version. The caller has checked that the user is the
/// organisation's.
pub fn compute(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> Result<Computed, ComputeError> {
    let inputs = load_inputs(conn, org, user, month)?;
    figures_for(conn, org, user, month, inputs)
}
