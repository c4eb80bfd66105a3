//! What the invoice endpoints return: the draft, a stored version with its
//! receipt and status, and their parts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::invoices::{InvoiceRow, InvoiceVersionRow};
use crate::domain::deadline::lateness;
use crate::domain::grant::GrantUse;
use crate::domain::invoice::{self as rules, Costs, Summary};
use crate::domain::quantity::{hundredths_to_string, minutes_to_hours_string, Ore};
use crate::service::invoices::status::Status;

/// Elapsed hours per kind (payable rows only), two decimals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct KindHours {
    pub active: String,
    /// *Väntetid*, counted ¼.
    pub waiting: String,
    /// *Beredskap*, counted 1/7.
    pub standby: String,
}

impl From<rules::KindMinutes> for KindHours {
    fn from(m: rules::KindMinutes) -> Self {
        Self {
            active: minutes_to_hours_string(m.active),
            waiting: minutes_to_hours_string(m.waiting),
            standby: minutes_to_hours_string(m.standby),
        }
    }
}

/// Days with one governing decision, and so one rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct InvoiceLine {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Null for days that no decision covers.
    pub decision_id: Option<String>,
    /// `standard`, `higher` or `no_decision` (standard rate, flagged).
    pub rate_basis: String,
    pub sek_per_hour: String,
    pub hours: KindHours,
    /// Converted hours: active + waiting/4 + standby/7, exact then rounded once.
    pub payable_hours: String,
    /// Exact payable time × rate, rounded once to the öre.
    pub amount_sek: String,
}

/// Payable hours in a grant period (*beviljandeperiod*) against the hours granted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct GrantPeriodUse {
    pub decision_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Hours per week × days the decision governs in the period / 7.
    pub granted_hours: String,
    /// Payable hours of the current time-report versions dated in the period.
    pub used_hours: String,
    /// Hours used beyond the grant (0.00 when within).
    pub over_hours: String,
    pub over: bool,
}

impl From<&GrantUse> for GrantPeriodUse {
    fn from(g: &GrantUse) -> Self {
        Self {
            decision_id: g.decision_id.clone(),
            from: g.from,
            to: g.to,
            granted_hours: hundredths_to_string(g.granted_hundredths),
            used_hours: g.used.to_hours_string(),
            over_hours: hundredths_to_string(g.over_hundredths),
            over: g.over,
        }
    }
}

/// A flag on a draft or an invoice (nothing refused).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Notice {
    /// `over_grant`, `no_decision`, `assistant_not_registered_with_fk`,
    /// `no_agreement` or `agreement_not_sent_to_fk`.
    pub code: String,
    pub message: String,
}

/// What the current time report gives for a month's invoice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Draft {
    pub assistance_user_id: String,
    pub month: String,
    pub time_report_id: String,
    pub time_report_version: i32,
    pub hours: KindHours,
    /// Converted payable hours, two decimals.
    pub payable_hours: String,
    /// Converted hours the time report marked not payable (not on the invoice).
    pub not_payable_hours: String,
    /// The month's rate; null when the lines have more than one rate (or none).
    pub sek_per_hour: Option<String>,
    pub amount_sek: String,
    pub lines: Vec<InvoiceLine>,
    /// Days with assistance during a hospital stay.
    pub hospital_days: Vec<NaiveDate>,
    pub grant_periods: Vec<GrantPeriodUse>,
    pub warnings: Vec<Notice>,
    /// The month's payable hours as FK is expected to pay them under the
    /// 2027 rule (see docs/deadlines.md); `payable_hours` stays the claim.
    pub expected_payable_hours: String,
    /// What the claim holds beyond `expected_payable_hours`.
    pub late_not_payable: LateNotPayable,
}

/// Payable hours of the claim that are not expected to be paid because the
/// report or invoice arrived late, and their worth.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct LateNotPayable {
    pub hours: String,
    /// Null when a year of the month has no rate.
    pub amount_sek: Option<String>,
}

/// A self-employer's actual costs, SEK with two decimals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CostsView {
    pub wages_and_social_fees: String,
    pub assistance_expenses: String,
    pub training: String,
    pub work_environment_and_staff: String,
    pub total: String,
}

impl From<Costs> for CostsView {
    fn from(c: Costs) -> Self {
        Self {
            wages_and_social_fees: Ore(c.wages_and_social_fees).to_sek_string(),
            assistance_expenses: Ore(c.assistance_expenses).to_sek_string(),
            training: Ore(c.training).to_sek_string(),
            work_environment_and_staff: Ore(c.work_environment_and_staff).to_sek_string(),
            total: c.total().to_sek_string(),
        }
    }
}

/// Why an invoice is stale.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct StaleReason {
    /// `changed` (a figure differs), `rate_missing` or `time_report_missing`.
    pub code: String,
    pub message: String,
    /// The invoice field that differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The invoiced value: a decimal string, an object or an array, as the
    /// field at `pointer` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value, required = false)]
    pub invoiced: Option<Value>,
    /// The value computed now, of the same shape as `invoiced`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value, required = false)]
    pub computed: Option<Value>,
}

/// An invoice version as received, with its receipt and current status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    /// The invoice (organisation, assistance user, month); the same across versions.
    pub id: String,
    pub version: i32,
    pub assistance_user_id: String,
    pub month: String,
    pub invoice_number: Option<String>,
    pub payable_hours: String,
    pub sek_per_hour: Option<String>,
    /// The amount claimed.
    pub amount_sek: String,
    /// The amount computed (equal to `amount_sek` except for a self-employer's costs).
    pub computed_amount_sek: String,
    pub costs: Option<CostsView>,
    pub hours: KindHours,
    pub lines: Vec<InvoiceLine>,
    pub hospital_days: Vec<NaiveDate>,
    pub time_report_id: String,
    pub time_report_version: i32,
    pub received_at: String,
    /// FK's deadline for the month (the same as for the time report).
    pub due_date: String,
    pub internal_due_date: String,
    /// Arrived (Europe/Stockholm date) by `due_date`.
    pub on_time: bool,
    pub lateness: Option<String>,
    /// SHA-256 of the normalised claim.
    pub content_hash: String,
    /// Grant periods as flagged when received.
    pub grant_periods: Vec<GrantPeriodUse>,
    pub warnings: Vec<Notice>,
    /// `current`, or `stale` when a new time-report version, a rate change or
    /// a decision change makes it differ from what would be computed now.
    /// Only the current version has a status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_reasons: Option<Vec<StaleReason>>,
}

/// [`view`] with the month's agreement warning as the agreements stand now
/// (`service::agreements`; not stored with the version).
pub fn view_now(
    conn: &mut crate::db::DbConn,
    inv: &InvoiceRow,
    v: &InvoiceVersionRow,
    status: Option<Status>,
) -> diesel::QueryResult<InvoiceView> {
    let mut out = view(inv, v, status);
    crate::service::agreements::add_to_notices(
        conn,
        &inv.organisation_id,
        &inv.assistance_user_id,
        &inv.month,
        &mut out.warnings,
    )?;
    Ok(out)
}

/// The view of a stored version; `status` only for the current version.
pub fn view(inv: &InvoiceRow, v: &InvoiceVersionRow, status: Option<Status>) -> InvoiceView {
    let summary: Option<Summary> = serde_json::from_str(&v.summary).ok();
    let costs: Option<Costs> = v
        .costs
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok());
    InvoiceView {
        id: inv.id.clone(),
        version: v.version,
        assistance_user_id: inv.assistance_user_id.clone(),
        month: inv.month.clone(),
        invoice_number: v.invoice_number.clone(),
        payable_hours: hundredths_to_string(v.payable_hundredths),
        sek_per_hour: v.sek_per_hour_ore.map(|o| Ore(o).to_sek_string()),
        amount_sek: Ore(v.amount_ore).to_sek_string(),
        computed_amount_sek: Ore(v.computed_amount_ore).to_sek_string(),
        costs: costs.map(CostsView::from),
        hours: summary.map(|s| s.minutes).unwrap_or_default().into(),
        lines: serde_json::from_str(&v.lines).unwrap_or_default(),
        hospital_days: serde_json::from_str(&v.hospital_days).unwrap_or_default(),
        time_report_id: v.time_report_id.clone(),
        time_report_version: v.time_report_version,
        received_at: crate::db::utc_string(v.received_at),
        due_date: v.due_date.to_string(),
        internal_due_date: v.internal_due_date.to_string(),
        on_time: v.on_time,
        lateness: lateness(v.on_time, v.due_date),
        content_hash: v.content_hash.clone(),
        grant_periods: serde_json::from_str(&v.grant_periods).unwrap_or_default(),
        warnings: serde_json::from_str(&v.warnings).unwrap_or_default(),
        status: status.as_ref().map(|s| s.as_str().to_string()),
        stale_reasons: status.map(|s| match s {
            Status::Current => Vec::new(),
            Status::Stale(r) => r,
        }),
    }
}
