//! The month's documents as plain data ([`crate::domain::document`]), read
//! from storage: one assistant's part of a time-report version, and an
//! invoice version. The sign payloads and the PDFs are made from these.

use chrono::NaiveDate;

use crate::db::invoices::{InvoiceRow, InvoiceVersionRow};
use crate::db::register as reg;
use crate::db::time_reports::{self as reports, ReportRow, RowRow, VersionRow};
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::agreement::{Cover, Payee};
use crate::domain::document::{InvoiceDoc, InvoiceLine, Party, Person, Row, TimeReportDoc};
use crate::domain::invoice::{Costs, Summary};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{parse_hundredths, Ore};
use crate::domain::register::OrganisationKind;
use crate::domain::shift::ShiftKind;
use crate::service::agreements;

fn party(conn: &mut DbConn, org: &str) -> diesel::QueryResult<(Party, bool)> {
    let o = reg::get_organisation(conn, &Scope::All, org)?;
    let self_employer = o.as_ref().and_then(|o| OrganisationKind::parse(&o.kind))
        == Some(OrganisationKind::SelfEmployer);
    Ok((
        Party {
            name: o.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            identity_number: o.map(|o| o.identity_number).unwrap_or_default(),
        },
        self_employer,
    ))
}

fn user(conn: &mut DbConn, org: &str, id: &str) -> diesel::QueryResult<Person> {
    let u = reg::get_assistance_user(conn, &Scope::Org(org.to_string()), id)?;
    Ok(Person {
        name: u.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        personnummer: u.map(|u| u.personnummer).unwrap_or_default(),
    })
}

fn row(r: &RowRow) -> Row {
    Row {
        date: r.work_date,
        start: r.start_time.clone(),
        end: r.end_time.clone(),
        kind: ShiftKind::parse(&r.kind).unwrap_or(ShiftKind::Active),
        double: r.is_double,
        hospital: r.hospital,
        minutes: r.minutes,
        payable: r.payable,
        unpaid_minutes: r.unpaid_minutes,
    }
}

/// The assistants of a version, in the order of their first row.
pub fn assistants_of(rows: &[RowRow]) -> Vec<String> {
    let mut seen = Vec::new();
    for r in rows {
        if !seen.contains(&r.assistant_id) {
            seen.push(r.assistant_id.clone());
        }
    }
    seen
}

/// One assistant's part of a version; `None` when the assistant has no
/// row in it. `rows` are the version's rows (all assistants).
pub fn time_report_doc(
    conn: &mut DbConn,
    report: &ReportRow,
    version: &VersionRow,
    rows: &[RowRow],
    assistant_id: &str,
) -> diesel::QueryResult<Option<TimeReportDoc>> {
    let mut mine: Vec<Row> = rows
        .iter()
        .filter(|r| r.assistant_id == assistant_id)
        .map(row)
        .collect();
    if mine.is_empty() {
        return Ok(None);
    }
    mine.sort_by(|a, b| (a.date, &a.start).cmp(&(b.date, &b.start)));
    let org = report.organisation_id.as_str();
    let assistant = reg::get_assistant(conn, &Scope::Org(org.to_string()), assistant_id)?;
    let (organisation, _) = party(conn, org)?;
    Ok(Some(TimeReportDoc {
        report_id: report.id.clone(),
        version: version.version,
        received_at: version.received_at.and_utc(),
        content_hash: version.content_hash.clone(),
        month: ReportMonth::parse(&report.month)
            .unwrap_or_else(|_| ReportMonth::of(version.due_date)),
        organisation,
        user: user(conn, org, &report.assistance_user_id)?,
        assistant: Person {
            name: assistant
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            personnummer: assistant.map(|a| a.personnummer).unwrap_or_default(),
        },
        rows: mine,
    }))
}

/// [`time_report_doc`] loading the version's rows itself.
pub fn time_report_doc_of(
    conn: &mut DbConn,
    report: &ReportRow,
    version: &VersionRow,
    assistant_id: &str,
) -> diesel::QueryResult<Option<TimeReportDoc>> {
    let rows = reports::rows_of_version(conn, &version.id)?;
    time_report_doc(conn, report, version, &rows, assistant_id)
}

fn hundredths(s: &str) -> i64 {
    parse_hundredths(s, true).unwrap_or(0)
}

/// Who FK pays for the month, in words (form 3079; see
/// [`crate::service::agreements::cover`]).
pub fn payee_words(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
    self_employer: bool,
) -> diesel::QueryResult<String> {
    if self_employer {
        return Ok("den assistansberättigade (egen arbetsgivare)".into());
    }
    Ok(match agreements::cover(conn, org, user, month)? {
        Some(Cover::Sent { payee }) => match payee {
            Payee::Provider => "anordnaren (enligt avtal)".into(),
            Payee::AssistanceUser => "den assistansberättigade (enligt avtal)".into(),
        },
        Some(Cover::NotSentToFk { payee }) => match payee {
            Payee::Provider => {
                "anordnaren (enligt avtal, ännu inte skickat till Försäkringskassan)".into()
            }
            Payee::AssistanceUser => {
                "den assistansberättigade (enligt avtal, ännu inte skickat till Försäkringskassan)"
                    .into()
            }
        },
        Some(Cover::Missing) | None => "den assistansberättigade (huvudregeln; inget avtal)".into(),
    })
}

/// An invoice version as a document.
pub fn invoice_doc(
    conn: &mut DbConn,
    inv: &InvoiceRow,
    v: &InvoiceVersionRow,
) -> diesel::QueryResult<InvoiceDoc> {
    let org = inv.organisation_id.as_str();
    let month = ReportMonth::parse(&inv.month).unwrap_or_else(|_| ReportMonth::of(v.due_date));
    let (organisation, self_employer) = party(conn, org)?;
    let lines: Vec<crate::service::invoices::InvoiceLine> =
        serde_json::from_str(&v.lines).unwrap_or_default();
    let summary: Option<Summary> = serde_json::from_str(&v.summary).ok();
    let costs: Option<Costs> = v
        .costs
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok());
    let hospital_days: Vec<NaiveDate> = serde_json::from_str(&v.hospital_days).unwrap_or_default();
    Ok(InvoiceDoc {
        invoice_id: inv.id.clone(),
        version: v.version,
        received_at: v.received_at.and_utc(),
        content_hash: v.content_hash.clone(),
        invoice_number: v.invoice_number.clone(),
        month,
        organisation,
        user: user(conn, org, &inv.assistance_user_id)?,
        payee: payee_words(conn, org, &inv.assistance_user_id, month, self_employer)?,
        time_report_version: v.time_report_version,
        minutes: summary.map(|s| s.minutes).unwrap_or_default(),
        payable_hundredths: v.payable_hundredths,
        rate: v.sek_per_hour_ore.map(Ore),
        amount: Ore(v.amount_ore),
        lines: lines
            .iter()
            .map(|l| InvoiceLine {
                from: l.from,
                to: l.to,
                rate_basis: l.rate_basis.clone(),
                rate: Ore(hundredths(&l.sek_per_hour)),
                payable_hundredths: hundredths(&l.payable_hours),
                amount: Ore(hundredths(&l.amount_sek)),
            })
            .collect(),
        hospital_days,
        costs,
    })
}

// ---- PDFs ---------------------------------------------------------------------

use crate::db::signatures::{self as sigs, InvoiceSignatureRow, ReportSignatureRow};
use crate::domain::deadline::stockholm_date;
use crate::domain::signing::{Capacity, Method, Role};
use crate::service::pdf::{self, SignatureLine, TooLarge, Writer};

fn signature_line(
    role: &str,
    name: &str,
    capacity: &str,
    method: &str,
    signed_at: chrono::NaiveDateTime,
) -> SignatureLine {
    SignatureLine {
        role: Role::parse(role).map_or(role, |r| r.swedish()).to_string(),
        name: name.to_string(),
        capacity: Capacity::parse(capacity)
            .map_or(capacity, |c| c.swedish())
            .to_string(),
        date: stockholm_date(signed_at.and_utc()).to_string(),
        method: Method::parse(method)
            .map_or(method, |m| m.swedish())
            .to_string(),
    }
}

fn report_lines(sigs: &[ReportSignatureRow], assistant_id: &str) -> Vec<SignatureLine> {
    sigs.iter()
        .filter(|s| s.assistant_id == assistant_id)
        .map(|s| {
            signature_line(
                &s.role,
                &s.signer_name,
                &s.signer_capacity,
                &s.method,
                s.signed_at,
            )
        })
        .collect()
}

fn invoice_lines(sigs: &[InvoiceSignatureRow]) -> Vec<SignatureLine> {
    sigs.iter()
        .map(|s| {
            signature_line(
                &s.role,
                &s.signer_name,
                &s.signer_capacity,
                &s.method,
                s.signed_at,
            )
        })
        .collect()
}

/// Lays out every assistant's part of a version (or just `only`'s).
fn lay_out_report(
    conn: &mut DbConn,
    w: &mut Writer,
    report: &ReportRow,
    version: &VersionRow,
    only: Option<&str>,
) -> Result<usize, PdfError> {
    let rows = reports::rows_of_version(conn, &version.id)?;
    let signed = sigs::report_signatures(conn, &report.id, Some(version.version))?;
    let mut n = 0;
    for a in assistants_of(&rows) {
        if only.is_some_and(|o| o != a) {
            continue;
        }
        if let Some(doc) = time_report_doc(conn, report, version, &rows, &a)? {
            pdf::time_report(w, &doc, &report_lines(&signed, &a))?;
            n += 1;
        }
    }
    Ok(n)
}

fn lay_out_invoice(
    conn: &mut DbConn,
    w: &mut Writer,
    inv: &InvoiceRow,
    v: &InvoiceVersionRow,
) -> Result<(), PdfError> {
    let doc = invoice_doc(conn, inv, v)?;
    let signed = sigs::invoice_signatures(conn, &inv.id, Some(v.version))?;
    pdf::invoice(w, &doc, &invoice_lines(&signed))?;
    Ok(())
}

/// Why a PDF was not made.
#[derive(Debug)]
pub enum PdfError {
    /// The assistant has no row in the version.
    NoSuchPart,
    TooLarge(TooLarge),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for PdfError {
    fn from(e: diesel::result::Error) -> Self {
        PdfError::Db(e)
    }
}

impl From<TooLarge> for PdfError {
    fn from(e: TooLarge) -> Self {
        PdfError::TooLarge(e)
    }
}

/// One assistant's part of a time-report version as PDF.
pub fn report_pdf(
    conn: &mut DbConn,
    report: &ReportRow,
    version: &VersionRow,
    assistant_id: &str,
    max_pages: usize,
) -> Result<Vec<u8>, PdfError> {
    let mut w = Writer::new(crate::domain::document::TIME_REPORT_TITLE, max_pages);
    if lay_out_report(conn, &mut w, report, version, Some(assistant_id))? == 0 {
        return Err(PdfError::NoSuchPart);
    }
    Ok(w.finish())
}

/// An invoice version as PDF.
pub fn invoice_pdf(
    conn: &mut DbConn,
    inv: &InvoiceRow,
    v: &InvoiceVersionRow,
    max_pages: usize,
) -> Result<Vec<u8>, PdfError> {
    let mut w = Writer::new(crate::domain::document::INVOICE_TITLE, max_pages);
    lay_out_invoice(conn, &mut w, inv, v)?;
    Ok(w.finish())
}

/// Every current time report (per assistant) and invoice of an
/// organisation's month, or of one user's, in one PDF: per user (by name),
/// the time reports, then the invoice. Stops at `max_pages`
/// ([`PdfError::TooLarge`]), so memory stays bounded. `None` when the
/// month has no document.
pub fn month_pdf(
    conn: &mut DbConn,
    org: &str,
    user: Option<&str>,
    month: ReportMonth,
    max_pages: usize,
) -> Result<Option<Vec<u8>>, PdfError> {
    use crate::db::invoices as inv_store;
    let m = month.to_string();
    let scope = Scope::Org(org.to_string());
    let mut reports_of = crate::db::months::reports_of_month(conn, org, user, &m)?;
    let invoices: Vec<(InvoiceRow, InvoiceVersionRow)> =
        inv_store::invoices_of_month(conn, &scope, &m)?
            .into_iter()
            .filter(|(i, _)| user.is_none_or(|u| i.assistance_user_id == u))
            .collect();
    let mut users: Vec<(String, String)> = Vec::new();
    for id in reports_of
        .iter()
        .map(|r| r.assistance_user_id.clone())
        .chain(invoices.iter().map(|(i, _)| i.assistance_user_id.clone()))
    {
        if !users.iter().any(|(u, _)| *u == id) {
            let name = reg::get_assistance_user(conn, &scope, &id)?
                .map(|u| u.name)
                .unwrap_or_default();
            users.push((id, name));
        }
    }
    users.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    let title = format!("Assistansersättning {m}");
    let mut w = Writer::new(&title, max_pages);
    for (u, _) in &users {
        if let Some(pos) = reports_of.iter().position(|r| r.assistance_user_id == *u) {
            let report = reports_of.remove(pos);
            if let Some(v) = reports::get_version(conn, &report.id, report.current_version)? {
                lay_out_report(conn, &mut w, &report, &v, None)?;
            }
        }
        if let Some((inv, v)) = invoices.iter().find(|(i, _)| i.assistance_user_id == *u) {
            lay_out_invoice(conn, &mut w, inv, v)?;
        }
    }
    if w.page_count() == 0 {
        return Ok(None);
    }
    Ok(Some(w.finish()))
}
