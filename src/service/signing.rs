//! Signatures: the canonical sign payload of a version (frozen the first
//! time it is rendered), recording a signature after every check of
//! [`crate::domain::signing`], and which signatures a version has and lacks.
//! See `docs/signatures.md`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::invoices::{self as invoices, InvoiceRow, InvoiceVersionRow};
use crate::db::register as reg;
use crate::db::signatures::{
    self as store, InvoiceSignatureRow, PayloadRow, ReportSignatureRow, INVOICE, TIME_REPORT,
};
use crate::db::signers;
use crate::db::time_reports::{self as reports, ReportRow, RowRow, VersionRow};
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::deadline::stockholm_date;
use crate::domain::document::{invoice_text, payload_hash, time_report_text};
use crate::domain::identity::PersonalNumber;
use crate::domain::month::ReportMonth;
use crate::domain::register::OrganisationKind;
use crate::domain::signing::{
    allowed_signer, check_evidence, check_signed_at, Agent, Method, RepresentativeKind, Role,
    SignerFacts, Validity,
};
use crate::error::FieldError;
use crate::service::documents::{assistants_of, invoice_doc, time_report_doc};
use crate::service::months;
use crate::service::submission::Env;

// ---- views -----------------------------------------------------------------

/// A recorded signature.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Signature {
    pub id: String,
    /// `time_report` or `invoice`.
    pub document: String,
    /// The time report's or invoice's id.
    pub document_id: String,
    pub version: i32,
    /// The assistant whose part was signed (time reports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    /// `assistant`, `employer` or `assistance_user`.
    pub role: String,
    /// 12 digits.
    pub signer_personnummer: String,
    pub signer_name: String,
    /// In what capacity: `assistant`, `signatory`, `assistance_user`,
    /// `guardian`, `trustee`, `administrator` or `agent`.
    pub signer_capacity: String,
    /// `bankid`, `freja`, `paper` or `other`.
    pub method: String,
    pub signed_at: String,
    pub payload_hash: String,
    /// The evidence as sent (base64), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

impl From<ReportSignatureRow> for Signature {
    fn from(s: ReportSignatureRow) -> Self {
        Self {
            id: s.id,
            document: TIME_REPORT.into(),
            document_id: s.report_id,
            version: s.version,
            assistant_id: Some(s.assistant_id),
            role: s.role,
            signer_personnummer: s.signer_personnummer,
            signer_name: s.signer_name,
            signer_capacity: s.signer_capacity,
            method: s.method,
            signed_at: crate::db::utc_string(s.signed_at),
            payload_hash: s.payload_hash,
            evidence: s.evidence,
            recorded_at: crate::db::utc_string(s.recorded_at),
            recorded_by: s.recorded_by,
        }
    }
}

impl From<InvoiceSignatureRow> for Signature {
    fn from(s: InvoiceSignatureRow) -> Self {
        Self {
            id: s.id,
            document: INVOICE.into(),
            document_id: s.invoice_id,
            version: s.version,
            assistant_id: None,
            role: s.role,
            signer_personnummer: s.signer_personnummer,
            signer_name: s.signer_name,
            signer_capacity: s.signer_capacity,
            method: s.method,
            signed_at: crate::db::utc_string(s.signed_at),
            payload_hash: s.payload_hash,
            evidence: s.evidence,
            recorded_at: crate::db::utc_string(s.recorded_at),
            recorded_by: s.recorded_by,
        }
    }
}

/// A signature in a status: who, in which role and capacity, when, how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignatureBrief {
    pub id: String,
    pub role: String,
    pub signer_name: String,
    pub signer_capacity: String,
    pub method: String,
    pub signed_at: String,
}

impl From<&ReportSignatureRow> for SignatureBrief {
    fn from(s: &ReportSignatureRow) -> Self {
        Self {
            id: s.id.clone(),
            role: s.role.clone(),
            signer_name: s.signer_name.clone(),
            signer_capacity: s.signer_capacity.clone(),
            method: s.method.clone(),
            signed_at: crate::db::utc_string(s.signed_at),
        }
    }
}

/// One assistant's part of a version: the signatures it has, the roles it lacks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssistantSignatures {
    pub assistant_id: String,
    pub signatures: Vec<SignatureBrief>,
    /// Roles without a signature: `assistant`, `employer`.
    pub missing: Vec<String>,
}

/// The canonical text to sign and its hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignPayload {
    pub text: String,
    /// Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
    pub payload_hash: String,
}

impl From<PayloadRow> for SignPayload {
    fn from(p: PayloadRow) -> Self {
        Self {
            text: p.text,
            payload_hash: p.payload_hash,
        }
    }
}

// ---- status ------------------------------------------------------------------

/// Per assistant of a version (in the order of their first row): its
/// signatures and the roles still missing.
pub fn report_status(
    rows: &[RowRow],
    signatures: &[ReportSignatureRow],
) -> Vec<AssistantSignatures> {
    assistants_of(rows)
        .into_iter()
        .map(|a| {
            let mine: Vec<&ReportSignatureRow> =
                signatures.iter().filter(|s| s.assistant_id == a).collect();
            let missing = Role::TIME_REPORT
                .iter()
                .filter(|r| !mine.iter().any(|s| s.role == r.as_str()))
                .map(|r| r.as_str().to_string())
                .collect();
            AssistantSignatures {
                assistant_id: a,
                signatures: mine.into_iter().map(SignatureBrief::from).collect(),
                missing,
            }
        })
        .collect()
}

/// [`report_status`] of one stored version.
pub fn report_status_of(
    conn: &mut DbConn,
    report: &ReportRow,
    version: &VersionRow,
) -> diesel::QueryResult<Vec<AssistantSignatures>> {
    let rows = reports::rows_of_version(conn, &version.id)?;
    let sigs = store::report_signatures(conn, &report.id, Some(version.version))?;
    Ok(report_status(&rows, &sigs))
}

// ---- payloads ----------------------------------------------------------------

/// The payload of one assistant's part of a version: the frozen one, or
/// rendered now and frozen. `None` when the assistant has no row in the
/// version. Call in a write transaction holding the report's lock key.
pub fn report_payload(
    conn: &mut DbConn,
    report: &ReportRow,
    version: &VersionRow,
    assistant_id: &str,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<Option<PayloadRow>> {
    if let Some(p) =
        store::find_payload(conn, TIME_REPORT, &report.id, version.version, assistant_id)?
    {
        return Ok(Some(p));
    }
    let rows = reports::rows_of_version(conn, &version.id)?;
    let Some(doc) = time_report_doc(conn, report, version, &rows, assistant_id)? else {
        return Ok(None);
    };
    let text = time_report_text(&doc);
    let row = PayloadRow {
        document: TIME_REPORT.into(),
        document_id: report.id.clone(),
        version: version.version,
        assistant_id: assistant_id.to_string(),
        organisation_id: report.organisation_id.clone(),
        payload_hash: payload_hash(&text),
        text,
        created_at: now,
    };
    store::insert_payload(conn, &row)?;
    Ok(Some(row))
}

/// The payload of an invoice version, frozen like [`report_payload`]. Call
/// in a write transaction holding the invoice's lock key.
pub fn invoice_payload(
    conn: &mut DbConn,
    inv: &InvoiceRow,
    v: &InvoiceVersionRow,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<PayloadRow> {
    if let Some(p) = store::find_payload(conn, INVOICE, &inv.id, v.version, "")? {
        return Ok(p);
    }
    let text = invoice_text(&invoice_doc(conn, inv, v)?);
    let row = PayloadRow {
        document: INVOICE.into(),
        document_id: inv.id.clone(),
        version: v.version,
        assistant_id: String::new(),
        organisation_id: inv.organisation_id.clone(),
        payload_hash: payload_hash(&text),
        text,
        created_at: now,
    };
    store::insert_payload(conn, &row)?;
    Ok(row)
}

/// Lock keys that serialise a report's payloads and signatures with its
/// submissions and the month's close (the same keys the pipeline takes).
pub fn report_lock_keys(report: &ReportRow) -> Vec<String> {
    let month = ReportMonth::parse(&report.month).ok();
    match month {
        Some(m) => months::lock_keys(&report.organisation_id, &report.assistance_user_id, m),
        None => vec![format!("report:{}", report.id)],
    }
}

/// Like [`report_lock_keys`], for an invoice.
pub fn invoice_lock_keys(inv: &InvoiceRow) -> Vec<String> {
    match ReportMonth::parse(&inv.month).ok() {
        Some(m) => months::lock_keys(&inv.organisation_id, &inv.assistance_user_id, m),
        None => vec![format!("invoice:{}", inv.id)],
    }
}

// ---- signing -----------------------------------------------------------------

/// A signature as requested.
#[derive(Debug, Clone)]
pub struct SignRequest {
    pub version: i32,
    /// Time reports: the assistant whose part is signed.
    pub assistant_id: Option<String>,
    pub role: Role,
    pub signer_personnummer: String,
    pub method: Method,
    pub signed_at: DateTime<Utc>,
    pub payload_hash: String,
    pub evidence: Option<String>,
}

#[derive(Debug)]
pub enum SignError {
    /// No such report or invoice (in the caller's organisation).
    NotFound,
    /// Every fault found; the first decides the problem's code.
    Refused(Vec<FieldError>),
    /// The month is closed.
    MonthClosed(String),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for SignError {
    fn from(e: diesel::result::Error) -> Self {
        SignError::Db(e)
    }
}

#[derive(Debug)]
pub enum SignOutcome {
    Created(Signature),
    /// The same signer had already signed the version in this role.
    Existing(Signature),
}

/// Faults of the request itself, before anything is looked up; the
/// signer's number normalised to 12 digits when it parses.
fn request_faults(req: &SignRequest, faults: &mut Vec<FieldError>) -> Option<String> {
    let signer = match PersonalNumber::parse(&req.signer_personnummer) {
        Ok(p) => Some(p.as_str().to_string()),
        Err(e) => {
            faults.push(FieldError::at(
                "/signer_personnummer",
                e.code(),
                e.to_string(),
            ));
            None
        }
    };
    if let Some(ev) = &req.evidence {
        if let Err(e) = check_evidence(ev) {
            faults.push(FieldError::at("/evidence", e.code(), e.message()));
        }
    }
    signer
}

fn not_current(version: i32, current: i32) -> FieldError {
    FieldError::at(
        "/version",
        "version_not_current",
        format!("Version {version} is not the current version ({current}); only the current version can be signed."),
    )
    .with("current_version", current)
}

fn hash_mismatch(expected: &str) -> FieldError {
    FieldError::at(
        "/payload_hash",
        "hash_mismatch",
        "`payload_hash` is not the SHA-256 of this version's sign payload; fetch the payload again and sign its text.",
    )
    .with("expected", expected)
}

fn signed_at_invalid(why: String) -> FieldError {
    FieldError::at("/signed_at", "signed_at_invalid", why)
}

fn signer_not_allowed(why: String) -> FieldError {
    FieldError::at("/signer_personnummer", "signer_not_allowed", why)
}

/// The organisation's signatories with the signer's number, and the user's
/// representatives.
type Signers = (Vec<Agent>, Vec<(RepresentativeKind, Agent)>);

/// Representatives and signatories as the signer rules take them.
fn agents(conn: &mut DbConn, org: &str, user: &str, signer: &str) -> diesel::QueryResult<Signers> {
    let sigs = signers::signatories_with_number(conn, org, signer)?
        .into_iter()
        .map(|s| Agent {
            personnummer: s.personnummer,
            name: s.name,
            validity: Validity {
                from: s.valid_from,
                to: s.valid_to,
            },
        })
        .collect();
    let reps = signers::representatives_of(conn, user)?
        .into_iter()
        .filter(|r| r.organisation_id == org)
        .filter_map(|r| {
            Some((
                RepresentativeKind::parse(&r.kind)?,
                Agent {
                    personnummer: r.personnummer,
                    name: r.name,
                    validity: Validity {
                        from: r.valid_from,
                        to: r.valid_to,
                    },
                },
            ))
        })
        .collect();
    Ok((sigs, reps))
}

fn self_employer(conn: &mut DbConn, org: &str) -> diesel::QueryResult<bool> {
    Ok(reg::get_organisation(conn, &Scope::All, org)?
        .and_then(|o| OrganisationKind::parse(&o.kind))
        == Some(OrganisationKind::SelfEmployer))
}

fn refuse<T>(faults: Vec<FieldError>) -> Result<T, SignError> {
    Err(SignError::Refused(faults))
}

/// Records a signature over one assistant's part of a time-report version.
/// Call in a write transaction holding [`report_lock_keys`].
pub fn sign_report(
    conn: &mut DbConn,
    env: &Env,
    report_id: &str,
    req: &SignRequest,
) -> Result<SignOutcome, SignError> {
    let org = env.org_id.as_str();
    let report = reports::get_report(conn, &Scope::Org(org.to_string()), report_id)?
        .ok_or(SignError::NotFound)?;
    let mut faults = Vec::new();
    if req.role == Role::AssistanceUser {
        faults.push(FieldError::at(
            "/role",
            "invalid_role",
            "A time report is signed by the `assistant` (attests) and the `employer` (signs); `assistance_user` signs the invoice.",
        ));
    }
    let Some(assistant_id) = req.assistant_id.as_deref() else {
        faults.push(FieldError::at(
            "/assistant_id",
            "missing_field",
            "`assistant_id` names whose part of the time report is signed.",
        ));
        return refuse(faults);
    };
    let signer = request_faults(req, &mut faults);
    let Some(version) = reports::get_version(conn, &report.id, req.version)? else {
        faults.insert(0, not_current(req.version, report.current_version));
        return refuse(faults);
    };
    let rows = reports::rows_of_version(conn, &version.id)?;
    if !rows.iter().any(|r| r.assistant_id == assistant_id) {
        faults.push(FieldError::at(
            "/assistant_id",
            "assistant_not_in_report",
            format!("The assistant has no row in version {}.", version.version),
        ));
    }
    let (Some(signer), true) = (signer, faults.is_empty()) else {
        return refuse(faults);
    };
    let existing = store::report_signatures(conn, &report.id, Some(version.version))?
        .into_iter()
        .find(|s| {
            s.assistant_id == assistant_id
                && s.role == req.role.as_str()
                && s.signer_personnummer == signer
        });
    if let Some(s) = existing {
        return Ok(SignOutcome::Existing(s.into()));
    }
    if months::is_closed(conn, org, &report.assistance_user_id, &report.month)? {
        return Err(SignError::MonthClosed(report.month.clone()));
    }
    if version.version != report.current_version {
        faults.push(not_current(version.version, report.current_version));
    }
    let payload = report_payload(conn, &report, &version, assistant_id, env.now.naive_utc())?
        .expect("the assistant has rows in the version");
    if payload.payload_hash != req.payload_hash {
        faults.push(hash_mismatch(&payload.payload_hash));
    }
    if let Err(why) = check_signed_at(req.signed_at, version.received_at.and_utc(), env.now) {
        faults.push(signed_at_invalid(why));
    }
    let assistant = reg::get_assistant(conn, &Scope::Org(org.to_string()), assistant_id)?;
    let user = reg::get_assistance_user(
        conn,
        &Scope::Org(org.to_string()),
        &report.assistance_user_id,
    )?;
    let (sigs, reps) = agents(conn, org, &report.assistance_user_id, &signer)?;
    let (a_pnr, a_name) = assistant
        .map(|a| (a.personnummer, a.name))
        .unwrap_or_default();
    let (u_pnr, u_name) = user.map(|u| (u.personnummer, u.name)).unwrap_or_default();
    let facts = SignerFacts {
        assistant: Some((&a_pnr, &a_name)),
        user: (&u_pnr, &u_name),
        self_employer: self_employer(conn, org)?,
        signatories: &sigs,
        representatives: &reps,
    };
    let accepted = match allowed_signer(req.role, &signer, stockholm_date(req.signed_at), &facts) {
        Ok(s) => Some(s),
        Err(why) => {
            faults.push(signer_not_allowed(why));
            None
        }
    };
    let (Some(accepted), true) = (accepted, faults.is_empty()) else {
        return refuse(faults);
    };
    let now = env.now.naive_utc();
    let row = ReportSignatureRow {
        id: crate::db::new_id(),
        organisation_id: org.to_string(),
        report_id: report.id.clone(),
        version: version.version,
        assistant_id: assistant_id.to_string(),
        role: req.role.as_str().into(),
        signer_personnummer: signer,
        signer_name: accepted.name,
        signer_capacity: accepted.capacity.as_str().into(),
        method: req.method.as_str().into(),
        signed_at: req.signed_at.naive_utc(),
        payload_hash: payload.payload_hash,
        evidence: req.evidence.clone(),
        recorded_at: now,
        recorded_by: env.actor.clone(),
    };
    store::insert_report_signature(conn, &row)?;
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEntry {
            organisation_id: Some(org),
            actor: &env.actor,
            action: "sign",
            entity: TIME_REPORT,
            entity_id: &report.id,
            content_hash: Some(&row.payload_hash),
            reason: Some(&format!(
                "signature {}: version {}, assistant {}, role {}, capacity {}, method {}",
                row.id, row.version, row.assistant_id, row.role, row.signer_capacity, row.method
            )),
            at: now,
        },
    )?;
    Ok(SignOutcome::Created(row.into()))
}

/// Records the assistance user's signature over an invoice version. Call in
/// a write transaction holding [`invoice_lock_keys`].
pub fn sign_invoice(
    conn: &mut DbConn,
    env: &Env,
    invoice_id: &str,
    req: &SignRequest,
) -> Result<SignOutcome, SignError> {
    let org = env.org_id.as_str();
    let inv = invoices::get_invoice(conn, &Scope::Org(org.to_string()), invoice_id)?
        .ok_or(SignError::NotFound)?;
    let mut faults = Vec::new();
    if req.role != Role::AssistanceUser {
        faults.push(FieldError::at(
            "/role",
            "invalid_role",
            "An invoice is signed in the role `assistance_user` (the user, or a representative for them).",
        ));
    }
    let signer = request_faults(req, &mut faults);
    let Some(version) = invoices::get_version(conn, &inv.id, req.version)? else {
        faults.insert(0, not_current(req.version, inv.current_version));
        return refuse(faults);
    };
    let (Some(signer), true) = (signer, faults.is_empty()) else {
        return refuse(faults);
    };
    let existing = store::invoice_signatures(conn, &inv.id, Some(version.version))?
        .into_iter()
        .find(|s| s.role == req.role.as_str() && s.signer_personnummer == signer);
    if let Some(s) = existing {
        return Ok(SignOutcome::Existing(s.into()));
    }
    if months::is_closed(conn, org, &inv.assistance_user_id, &inv.month)? {
        return Err(SignError::MonthClosed(inv.month.clone()));
    }
    if version.version != inv.current_version {
        faults.push(not_current(version.version, inv.current_version));
    }
    let payload = invoice_payload(conn, &inv, &version, env.now.naive_utc())?;
    if payload.payload_hash != req.payload_hash {
        faults.push(hash_mismatch(&payload.payload_hash));
    }
    if let Err(why) = check_signed_at(req.signed_at, version.received_at.and_utc(), env.now) {
        faults.push(signed_at_invalid(why));
    }
    let user =
        reg::get_assistance_user(conn, &Scope::Org(org.to_string()), &inv.assistance_user_id)?;
    let (sigs, reps) = agents(conn, org, &inv.assistance_user_id, &signer)?;
    let (u_pnr, u_name) = user.map(|u| (u.personnummer, u.name)).unwrap_or_default();
    let facts = SignerFacts {
        assistant: None,
        user: (&u_pnr, &u_name),
        self_employer: self_employer(conn, org)?,
        signatories: &sigs,
        representatives: &reps,
    };
    let accepted = match allowed_signer(req.role, &signer, stockholm_date(req.signed_at), &facts) {
        Ok(s) => Some(s),
        Err(why) => {
            faults.push(signer_not_allowed(why));
            None
        }
    };
    let (Some(accepted), true) = (accepted, faults.is_empty()) else {
        return refuse(faults);
    };
    let now = env.now.naive_utc();
    let row = InvoiceSignatureRow {
        id: crate::db::new_id(),
        organisation_id: org.to_string(),
        invoice_id: inv.id.clone(),
        version: version.version,
        role: req.role.as_str().into(),
        signer_personnummer: signer,
        signer_name: accepted.name,
        signer_capacity: accepted.capacity.as_str().into(),
        method: req.method.as_str().into(),
        signed_at: req.signed_at.naive_utc(),
        payload_hash: payload.payload_hash,
        evidence: req.evidence.clone(),
        recorded_at: now,
        recorded_by: env.actor.clone(),
    };
    store::insert_invoice_signature(conn, &row)?;
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEntry {
            organisation_id: Some(org),
            actor: &env.actor,
            action: "sign",
            entity: INVOICE,
            entity_id: &inv.id,
            content_hash: Some(&row.payload_hash),
            reason: Some(&format!(
                "signature {}: version {}, role {}, capacity {}, method {}",
                row.id, row.version, row.role, row.signer_capacity, row.method
            )),
            at: now,
        },
    )?;
    Ok(SignOutcome::Created(row.into()))
}
