//! Signatures over time-report and invoice versions, and the sign payloads
//! frozen the first time they are rendered. Rows are only inserted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{invoice_signatures, sign_payloads, time_report_signatures};
use super::DbConn;

/// Which kind of document a payload belongs to.
pub const TIME_REPORT: &str = "time_report";
pub const INVOICE: &str = "invoice";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sign_payloads)]
pub struct PayloadRow {
    pub document: String,
    pub document_id: String,
    pub version: i32,
    /// The assistant of a time-report part; empty for an invoice.
    pub assistant_id: String,
    pub organisation_id: String,
    pub text: String,
    pub payload_hash: String,
    pub created_at: NaiveDateTime,
}

pub fn find_payload(
    conn: &mut DbConn,
    document: &str,
    document_id: &str,
    version: i32,
    assistant_id: &str,
) -> QueryResult<Option<PayloadRow>> {
    sign_payloads::table
        .filter(sign_payloads::document.eq(document))
        .filter(sign_payloads::document_id.eq(document_id))
        .filter(sign_payloads::version.eq(version))
        .filter(sign_payloads::assistant_id.eq(assistant_id))
        .select(PayloadRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_payload(conn: &mut DbConn, row: &PayloadRow) -> QueryResult<()> {
    diesel::insert_into(sign_payloads::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = time_report_signatures)]
pub struct ReportSignatureRow {
    pub id: String,
    pub organisation_id: String,
    pub report_id: String,
    pub version: i32,
    pub assistant_id: String,
    pub role: String,
    pub signer_personnummer: String,
    pub signer_name: String,
    pub signer_capacity: String,
    pub method: String,
    pub signed_at: NaiveDateTime,
    pub payload_hash: String,
    pub evidence: Option<String>,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
}

pub fn insert_report_signature(conn: &mut DbConn, row: &ReportSignatureRow) -> QueryResult<()> {
    diesel::insert_into(time_report_signatures::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The signatures of a report: one version's, or every version's (oldest
/// first, then by time of signing).
pub fn report_signatures(
    conn: &mut DbConn,
    report_id: &str,
    version: Option<i32>,
) -> QueryResult<Vec<ReportSignatureRow>> {
    let mut q = time_report_signatures::table
        .filter(time_report_signatures::report_id.eq(report_id))
        .into_boxed();
    if let Some(v) = version {
        q = q.filter(time_report_signatures::version.eq(v));
    }
    q.order((
        time_report_signatures::version.asc(),
        time_report_signatures::signed_at.asc(),
        time_report_signatures::id.asc(),
    ))
    .select(ReportSignatureRow::as_select())
    .load(conn)
}

/// The signatures of these (report, version) pairs, for many reports at
/// once (the dashboard).
pub fn signatures_of_report_versions(
    conn: &mut DbConn,
    versions: &[(String, i32)],
) -> QueryResult<Vec<ReportSignatureRow>> {
    let mut out = Vec::new();
    let ids: Vec<String> = versions.iter().map(|(id, _)| id.clone()).collect();
    for chunk in ids.chunks(500) {
        out.extend(
            time_report_signatures::table
                .filter(time_report_signatures::report_id.eq_any(chunk))
                .select(ReportSignatureRow::as_select())
                .load(conn)?,
        );
    }
    let wanted: std::collections::HashSet<(&str, i32)> =
        versions.iter().map(|(id, v)| (id.as_str(), *v)).collect();
    out.retain(|s| wanted.contains(&(s.report_id.as_str(), s.version)));
    Ok(out)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoice_signatures)]
pub struct InvoiceSignatureRow {
    pub id: String,
    pub organisation_id: String,
    pub invoice_id: String,
    pub version: i32,
    pub role: String,
    pub signer_personnummer: String,
    pub signer_name: String,
    pub signer_capacity: String,
    pub method: String,
    pub signed_at: NaiveDateTime,
    pub payload_hash: String,
    pub evidence: Option<String>,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
}

pub fn insert_invoice_signature(conn: &mut DbConn, row: &InvoiceSignatureRow) -> QueryResult<()> {
    diesel::insert_into(invoice_signatures::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn invoice_signatures(
    conn: &mut DbConn,
    invoice_id: &str,
    version: Option<i32>,
) -> QueryResult<Vec<InvoiceSignatureRow>> {
    let mut q = invoice_signatures::table
        .filter(invoice_signatures::invoice_id.eq(invoice_id))
        .into_boxed();
    if let Some(v) = version {
        q = q.filter(invoice_signatures::version.eq(v));
    }
    q.order((
        invoice_signatures::version.asc(),
        invoice_signatures::signed_at.asc(),
        invoice_signatures::id.asc(),
    ))
    .select(InvoiceSignatureRow::as_select())
    .load(conn)
}

/// Invoices (of these ids) whose given version has at least one signature.
pub fn signed_invoice_versions(
    conn: &mut DbConn,
    versions: &[(String, i32)],
) -> QueryResult<std::collections::HashSet<(String, i32)>> {
    let mut out = std::collections::HashSet::new();
    let ids: Vec<String> = versions.iter().map(|(id, _)| id.clone()).collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, i32)> = invoice_signatures::table
            .filter(invoice_signatures::invoice_id.eq_any(chunk))
            .select((invoice_signatures::invoice_id, invoice_signatures::version))
            .load(conn)?;
        out.extend(rows);
    }
    let wanted: std::collections::HashSet<(String, i32)> = versions.iter().cloned().collect();
    out.retain(|k| wanted.contains(k));
    Ok(out)
}
