//! Submitting an invoice: checked against the computation, stored as a new
//! version when equal, refused with every difference when not.

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::invoices::{self as store, InvoiceRow, InvoiceVersionRow};
use crate::db::register as reg;
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::deadline::{fk_due_date, internal_due_date, is_on_time};
use crate::domain::invoice::{check_claim, Difference};
use crate::domain::month::ReportMonth;
use crate::domain::register::OrganisationKind;
use crate::error::FieldError;
use crate::service::invoices::compute::{compute, ComputeError};
use crate::service::invoices::input::Submission;
use crate::service::invoices::status::status_of;
use crate::service::invoices::views::{view_now, InvoiceView};
use crate::service::invoices::Status;
use crate::service::submission::Env;

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
                    return Ok(Outcome::Unchanged(view_now(
                        conn,
                        &inv,
                        &cur,
                        Some(status),
                    )?));
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
            return Ok(Outcome::Unchanged(view_now(conn, inv, cur, Some(status))?));
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
    crate::service::events::invoice_stored(conn, &inv, env.now)?;
    Ok(Outcome::Created(view_now(
        conn,
        &inv,
        &v,
        Some(Status::Current),
    )?))
}

/// A JSON snapshot column (plain data, cannot fail).
fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}
