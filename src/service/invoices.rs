//! Invoices (*räkning*): the one computation shared by the draft, the
//! submission check and the status (`current` | `stale`) shown on every read,
//! and the month's completeness check. See `docs/invoices.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::Scope;
use crate::db::documents as docs;
use crate::db::invoices::{self as store, InvoiceRow, InvoiceVersionRow};
use crate::db::register::{self as reg, DecisionRow};
use crate::db::time_reports::{self as reports, ReportRow, VersionRow};
use crate::db::DbConn;
use crate::domain::deadline::{fk_due_date, internal_due_date, is_on_time};
use crate::domain::invoice::{
    self as rules, check_claim, Claim, Costs, DecisionSpan, Difference, Figures, GrantUse, PaidRow,
    Summary,
};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{
    hundredths_to_string, minutes_to_hours_string, parse_hundredths, DecimalError, Ore,
    PayableUnits,
};
use crate::domain::register::{DecisionRate, OrganisationKind};
use crate::domain::shift::ShiftKind;
use crate::error::FieldError;
use crate::service::submission::Env;

// ---- views ----------------------------------------------------------------

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
    /// `over_grant`, `no_decision` or `assistant_not_registered_with_fk`.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub invoiced: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub computed: Option<Value>,
}

/// Whether an invoice still equals what would be computed now.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Current,
    Stale(Vec<StaleReason>),
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Stale(_) => "stale",
        }
    }
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

// ---- computing ------------------------------------------------------------

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
struct Inputs {
    report: ReportRow,
    version: VersionRow,
    decisions: Vec<DecisionRow>,
    rate_ore: Option<i64>,
}

fn load_inputs(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> Result<Inputs, ComputeError> {
    let report = reports::find_report(conn, org, user, &month.to_string())?
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
fn basis_token(i: &Inputs) -> String {
    basis_token_of(&i.report.id, i.version.version, &i.decisions, i.rate_ore)
}

fn basis_token_of(
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

fn spans(decisions: &[DecisionRow]) -> Vec<DecisionSpan> {
    decisions
        .iter()
        .map(|d| DecisionSpan {
            id: d.id.clone(),
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            hours_per_week_centi: d.hours_per_week_centi,
            grant_period_months: d.grant_period_months.max(1) as u32,
            rate: match d.higher_rate_ore {
                Some(ore) if d.rate_kind == "higher" => DecisionRate::Higher(Ore(ore)),
                _ => DecisionRate::Standard,
            },
        })
        .collect()
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
        }
    }
}

fn figures_for(
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
            hospital: r.hospital,
        })
        .collect();
    let decisions = spans(&inputs.decisions);
    let figures = rules::compute(month, &rows, &decisions, inputs.rate_ore.map(Ore))
        .map_err(|e| ComputeError::RateMissing(e.year))?;
    let periods = rules::grant_periods(month, &decisions);
    let grant = match (
        periods.iter().map(|p| p.from).min(),
        periods.iter().map(|p| p.to).max(),
    ) {
        (Some(from), Some(to)) => {
            let mut by_date: BTreeMap<NaiveDate, PayableUnits> = BTreeMap::new();
            for r in store::payable_rows_between(conn, org, user, from, to)? {
                let kind = ShiftKind::parse(&r.kind).unwrap_or(ShiftKind::Active);
                *by_date.entry(r.work_date).or_default() += PayableUnits::of(kind, r.minutes);
            }
            rules::grant_use(&periods, &decisions, &by_date)
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

/// The status of an invoice version: recomputed now and compared with the
/// figures it was accepted with. When nothing it depends on changed (same
/// time-report version, decisions and rate), no rows are read.
pub fn status_of(
    conn: &mut DbConn,
    inv: &InvoiceRow,
    v: &InvoiceVersionRow,
) -> diesel::QueryResult<Status> {
    /// The invoice can no longer be computed at all.
    fn uncomputable(e: ComputeError) -> diesel::QueryResult<Status> {
        let (code, message) = match e {
            ComputeError::Db(e) => return Err(e),
            ComputeError::NoTimeReport => (
                "time_report_missing",
                "The time report the invoice was computed from is no longer there.".to_string(),
            ),
            ComputeError::RateMissing(year) => (
                "rate_missing",
                format!(
                    "The invoice can no longer be computed: there is no standard rate for {year} in the rate table."
                ),
            ),
        };
        Ok(Status::Stale(vec![StaleReason {
            code: code.into(),
            message,
            pointer: None,
            invoiced: None,
            computed: None,
        }]))
    }
    let Ok(month) = ReportMonth::parse(&inv.month) else {
        return Ok(Status::Current);
    };
    let inputs = match load_inputs(conn, &inv.organisation_id, &inv.assistance_user_id, month) {
        Ok(i) => i,
        Err(e) => return uncomputable(e),
    };
    if basis_token(&inputs) == v.basis_token {
        return Ok(Status::Current);
    }
    let now = match figures_for(
        conn,
        &inv.organisation_id,
        &inv.assistance_user_id,
        month,
        inputs,
    ) {
        Ok(c) => c,
        Err(e) => return uncomputable(e),
    };
    let invoiced: Summary = match serde_json::from_str(&v.summary) {
        Ok(s) => s,
        Err(_) => return Ok(Status::Current),
    };
    let drift = rules::drift(&invoiced, &now.figures.summary());
    if drift.is_empty() {
        return Ok(Status::Current);
    }
    Ok(Status::Stale(
        drift
            .into_iter()
            .map(|d| StaleReason {
                code: "changed".into(),
                message: format!(
                    "`{}` differs from what the current time report, decisions and rates give.",
                    d.pointer.trim_start_matches('/')
                ),
                pointer: Some(d.pointer.to_string()),
                invoiced: Some(d.invoiced),
                computed: Some(d.computed),
            })
            .collect(),
    ))
}

/// `current` / `stale` of every invoice of the month in scope, keyed by
/// (organisation, assistance user): for the compliance dashboard.
pub fn statuses(
    conn: &mut DbConn,
    scope: &Scope,
    month: ReportMonth,
) -> diesel::QueryResult<HashMap<(String, String), String>> {
    // Batched fast path: the month's current report versions, every decision
    // in scope and the year's rate in three queries; only an invoice whose
    // basis changed is recomputed one by one.
    let m = month.to_string();
    let invoices = store::invoices_of_month(conn, scope, &m)?;
    if invoices.is_empty() {
        return Ok(HashMap::new());
    }
    let reports: HashMap<(String, String), (String, i32)> =
        crate::db::dashboard::current_versions(conn, scope, &m, &m)?
            .into_iter()
            .map(|r| {
                (
                    (r.organisation_id, r.assistance_user_id),
                    (r.report_id, r.version),
                )
            })
            .collect();
    let mut decisions: HashMap<(String, String), Vec<DecisionRow>> = HashMap::new();
    for d in store::decisions_in_scope(conn, scope)? {
        decisions
            .entry((d.organisation_id.clone(), d.assistance_user_id.clone()))
            .or_default()
            .push(d);
    }
    let rate_ore = reg::get_rate(conn, month.year())?.map(|r| r.ore_per_hour);
    let mut out = HashMap::new();
    for (inv, v) in invoices {
        let key = (inv.organisation_id.clone(), inv.assistance_user_id.clone());
        let unchanged = reports.get(&key).is_some_and(|(id, version)| {
            let ds = decisions.get(&key).map(Vec::as_slice).unwrap_or_default();
            basis_token_of(id, *version, ds, rate_ore) == v.basis_token
        });
        let status = if unchanged {
            Status::Current
        } else {
            status_of(conn, &inv, &v)?
        };
        out.insert(key, status.as_str().to_string());
    }
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
        lateness: (!v.on_time).then(|| {
            format!(
                "Received after FK's deadline {}. FK may refuse payment for a month reported late (FKFS 2016:4; HFD 2023).",
                v.due_date
            )
        }),
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

// ---- submitting ------------------------------------------------------------

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

/// Why an invoice was refused (nothing was stored).
#[derive(Debug)]
pub enum InvoiceError {
    /// Malformed fields, each with its pointer.
    Invalid(Vec<FieldError>),
    UnknownUser,
    NoTimeReport(ReportMonth),
    RateMissing(i32),
    /// The claim differs from the computed figures.
    Mismatch {
        differences: Vec<Difference>,
        time_report_id: String,
        time_report_version: i32,
    },
    /// The month is closed (`service::months`).
    MonthClosed(ReportMonth),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for InvoiceError {
    fn from(e: diesel::result::Error) -> Self {
        InvoiceError::Db(e)
    }
}

/// The result of an accepted submission.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A new version was stored.
    Created(InvoiceView),
    /// Equal to the current version: nothing stored.
    Unchanged(InvoiceView),
}

/// Lock keys for an invoice submission: the invoice, and the time report it
/// is computed from (so that a correction cannot slip in between).
pub fn lock_keys(org: &str, user: &str, month: ReportMonth) -> Vec<String> {
    vec![
        format!("invoice:{org}:{user}:{month}"),
        format!("report:{org}:{user}:{month}"),
    ]
}

/// SHA-256 of the normalised claim: what makes two submissions the same.
fn claim_hash(s: &Submission, hospital_days: &[NaiveDate]) -> String {
    let c = &s.claim;
    let canonical = serde_json::json!({
        "payable_hundredths": c.payable_hundredths,
        "sek_per_hour_ore": c.sek_per_hour.map(|o| o.0),
        "amount_ore": c.amount.0,
        "invoice_number": s.invoice_number,
        "hospital_days": hospital_days.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "costs": c.costs,
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Checks a submission against the current time report and stores it as a
/// new version when it equals the computed figures. Call inside a write
/// transaction holding [`lock_keys`].
pub fn submit(conn: &mut DbConn, env: &Env, s: &Submission) -> Result<Outcome, InvoiceError> {
    let org = env.org_id.as_str();
    let scope = Scope::Org(org.to_string());
    if reg::get_assistance_user(conn, &scope, &s.assistance_user_id)?.is_none() {
        return Err(InvoiceError::UnknownUser);
    }
    if crate::service::months::is_closed(conn, org, &s.assistance_user_id, &s.month.to_string())? {
        // Only the same claim again is answered (unchanged), as before the close.
        if let Some(inv) =
            store::find_invoice(conn, org, &s.assistance_user_id, &s.month.to_string())?
        {
            if let Some(cur) = store::get_version(conn, &inv.id, inv.current_version)? {
                let days: Vec<NaiveDate> =
                    serde_json::from_str(&cur.hospital_days).unwrap_or_default();
                if cur.content_hash == claim_hash(s, &days) {
                    let status = status_of(conn, &inv, &cur)?;
                    return Ok(Outcome::Unchanged(view(&inv, &cur, Some(status))));
                }
            }
        }
        return Err(InvoiceError::MonthClosed(s.month));
    }
    let computed = match compute(conn, org, &s.assistance_user_id, s.month) {
        Ok(c) => c,
        Err(ComputeError::NoTimeReport) => return Err(InvoiceError::NoTimeReport(s.month)),
        Err(ComputeError::RateMissing(y)) => return Err(InvoiceError::RateMissing(y)),
        Err(ComputeError::Db(e)) => return Err(e.into()),
    };
    let self_employer = reg::get_organisation(conn, &Scope::All, org)?
        .and_then(|o| OrganisationKind::parse(&o.kind))
        == Some(OrganisationKind::SelfEmployer);
    let differences = check_claim(&s.claim, &computed.figures, self_employer);
    if !differences.is_empty() {
        return Err(InvoiceError::Mismatch {
            differences,
            time_report_id: computed.report.id.clone(),
            time_report_version: computed.version.version,
        });
    }
    let f = &computed.figures;
    let hash = claim_hash(s, &f.hospital_days);
    let month = s.month.to_string();
    let existing = store::find_invoice(conn, org, &s.assistance_user_id, &month)?;
    let current = match &existing {
        Some(inv) => store::get_version(conn, &inv.id, inv.current_version)?,
        None => None,
    };
    if let (Some(inv), Some(cur)) = (&existing, &current) {
        if cur.content_hash == hash {
            let status = status_of(conn, inv, cur)?;
            return Ok(Outcome::Unchanged(view(inv, cur, Some(status))));
        }
    }
    let now = env.now.naive_utc();
    let inv = match existing {
        Some(inv) => inv,
        None => {
            let inv = InvoiceRow {
                id: crate::db::new_id(),
                organisation_id: org.to_string(),
                assistance_user_id: s.assistance_user_id.clone(),
                month: month.clone(),
                current_version: 0,
                created_at: now,
                updated_at: now,
            };
            store::insert_invoice(conn, &inv)?;
            inv
        }
    };
    let version = current.as_ref().map_or(1, |c| c.version + 1);
    let due = fk_due_date(s.month, env.policy);
    let internal = internal_due_date(s.month, reg::cutoff_day(conn, org)?, env.policy);
    let v = InvoiceVersionRow {
        id: crate::db::new_id(),
        invoice_id: inv.id.clone(),
        version,
        received_at: now,
        submitted_by: env.actor.clone(),
        content_hash: hash,
        due_date: due,
        internal_due_date: internal,
        on_time: is_on_time(env.now, due),
        invoice_number: s.invoice_number.clone(),
        time_report_id: computed.report.id.clone(),
        time_report_version: computed.version.version,
        payable_hundredths: s.claim.payable_hundredths,
        sek_per_hour_ore: s.claim.sek_per_hour.map(|o| o.0),
        amount_ore: s.claim.amount.0,
        computed_amount_ore: f.amount.0,
        costs: s.claim.costs.as_ref().map(to_json),
        hospital_days: to_json(&f.hospital_days),
        lines: to_json(&computed.lines()),
        summary: to_json(&f.summary()),
        basis_token: computed.basis_token.clone(),
        grant_periods: to_json(&computed.grant_periods()),
        warnings: to_json(&computed.warnings()),
    };
    store::insert_version(conn, &v)?;
    store::set_current_version(conn, &inv.id, version, now)?;
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEntry {
            organisation_id: Some(org),
            actor: &env.actor,
            action: if version == 1 { "submit" } else { "resubmit" },
            entity: "invoice",
            entity_id: &inv.id,
            content_hash: Some(&v.content_hash),
            reason: None,
            at: now,
        },
    )?;
    let mut inv = inv;
    inv.current_version = version;
    Ok(Outcome::Created(view(&inv, &v, Some(Status::Current))))
}

/// A JSON snapshot column (plain data, cannot fail).
fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

// ---- completeness -----------------------------------------------------------

/// Something the month still lacks.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct MissingItem {
    /// `time_report_missing`, `invoice_missing`, `invoice_stale`,
    /// `assistant_not_registered_with_fk` or `employment_contract_missing`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    /// The days concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<NaiveDate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_reasons: Option<Vec<StaleReason>>,
}

impl MissingItem {
    fn new(code: &str, message: String) -> Self {
        Self {
            code: code.into(),
            message,
            assistant_id: None,
            days: None,
            invoice_id: None,
            stale_reasons: None,
        }
    }
}

/// Whether a month's report to FK is complete for one assistance user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Completeness {
    pub assistance_user_id: String,
    pub month: String,
    pub complete: bool,
    pub missing: Vec<MissingItem>,
}

/// What the month of (organisation, user) still lacks: the time report, a
/// current invoice, and for each assistant in the report the FK registration
/// on the days worked and an employment contract on file.
pub fn completeness(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> diesel::QueryResult<Completeness> {
    let m = month.to_string();
    let mut missing = Vec::new();
    let report = reports::find_report(conn, org, user, &m)?;
    let rows = match &report {
        Some(r) => match reports::get_version(conn, &r.id, r.current_version)? {
            Some(v) => reports::rows_of_version(conn, &v.id)?,
            None => Vec::new(),
        },
        None => {
            missing.push(MissingItem::new(
                "time_report_missing",
                format!("No time report for {m} has been received."),
            ));
            Vec::new()
        }
    };
    match store::find_invoice(conn, org, user, &m)? {
        None => missing.push(MissingItem::new(
            "invoice_missing",
            format!("No invoice (räkning) for {m} has been received."),
        )),
        Some(inv) => {
            if let Some(v) = store::get_version(conn, &inv.id, inv.current_version)? {
                if let Status::Stale(reasons) = status_of(conn, &inv, &v)? {
                    let mut item = MissingItem::new(
                        "invoice_stale",
                        format!(
                            "The invoice for {m} (version {}) no longer equals what the time report, decisions and rates give; submit a new one.",
                            v.version
                        ),
                    );
                    item.invoice_id = Some(inv.id.clone());
                    item.stale_reasons = Some(reasons);
                    missing.push(item);
                }
            }
        }
    }
    // Per assistant in the report: days not payable, in date order.
    let mut assistants: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    for r in &rows {
        let days = assistants.entry(r.assistant_id.clone()).or_default();
        if !r.payable {
            days.insert(r.work_date);
        }
    }
    let ids: Vec<String> = assistants.keys().cloned().collect();
    let with_contract =
        docs::assistants_with_document(conn, org, user, "employment_contract", &ids)?;
    for (id, days) in &assistants {
        if !days.is_empty() {
            let list: Vec<String> = days.iter().map(|d| d.to_string()).collect();
            let mut item = MissingItem::new(
                "assistant_not_registered_with_fk",
                format!(
                    "FK did not have the details (form 3066) of assistant {id} on {}; those hours are not payable.",
                    list.join(", ")
                ),
            );
            item.assistant_id = Some(id.clone());
            item.days = Some(days.iter().copied().collect());
            missing.push(item);
        }
        if !with_contract.contains(id) {
            let mut item = MissingItem::new(
                "employment_contract_missing",
                format!("No employment contract is on file for assistant {id}."),
            );
            item.assistant_id = Some(id.clone());
            missing.push(item);
        }
    }
    Ok(Completeness {
        assistance_user_id: user.to_string(),
        month: m,
        complete: missing.is_empty(),
        missing,
    })
}
