//! Whether a month's report to FK is complete for one assistance user:
//! the time report, a current invoice, FK registration and contracts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::documents as docs;
use crate::db::invoices as store;
use crate::db::time_reports as reports;
use crate::db::DbConn;
use crate::domain::month::ReportMonth;
use crate::service::invoices::status::{status_of, Status};
use crate::service::invoices::views::StaleReason;

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
    let report = reports::find_reported(conn, org, user, &m)?;
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
