//! A PAXml file through the same import machinery as a CSV file: its rows
//! become the import's [`Prepared`] (grouped by assistance user and month,
//! submitted through `service::submission` in one transaction, dry run,
//! conflicts, every fault), and what the machinery says about a row is put
//! back on the file's `tidtrans` element and line.
//!
//! The machinery locates a row by a number (a CSV file's line); here that
//! number is the `tidtrans`'s ordinal in the file, and [`Places`] turns it
//! into the element and line.

use std::collections::HashMap;
use std::io::{Read, Seek};

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::fault::XmlFault;
use super::read::element_path;
use super::scan::{scan, ScanError};
use crate::db::DbConn;
use crate::error::ApiError;
use crate::import::faults::ErrorSink;
use crate::import::header::{Column, Header};
use crate::import::prepare::{Grouping, Row};
use crate::import::{
    refused_file, CsvError, ImportFailure, ImportResult, ImportedReport, Prepared,
};
use crate::service::submission::{Env, Receipt};

/// Where each row of the prepared file is: by ordinal (1-based).
#[derive(Debug, Default)]
pub struct Places(Vec<Place>);

#[derive(Debug)]
struct Place {
    section: u32,
    position: u32,
    line: u64,
    assumed: bool,
}

impl Place {
    fn element(&self) -> String {
        element_path(self.section, self.position)
    }
}

/// A report created (or, on a dry run, that would be), or found unchanged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaxmlImportedReport {
    #[serde(flatten)]
    pub receipt: Receipt,
    /// The first `tidtrans` of this report.
    pub first_element: String,
    /// Its line.
    pub first_line: u64,
    /// The receipt's warnings, located in the file. Empty for an unchanged
    /// month: its receipt is of the version stored earlier.
    pub paxml_warnings: Vec<XmlFault>,
}

/// What a PAXml import did (or, on a dry run, would do).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaxmlImportResult {
    /// True when nothing was stored.
    pub dry_run: bool,
    /// `tidtrans` read.
    pub rows: u64,
    /// One per (assistance user, month) for which a new version was stored,
    /// in the order the file first names them.
    pub receipts: Vec<PaxmlImportedReport>,
    /// Months whose rows equal the stored version: nothing created.
    pub unchanged: Vec<PaxmlImportedReport>,
}

/// The index of `id` in `ids`, added when new.
fn index(ids: &mut Vec<String>, map: &mut HashMap<String, u32>, id: String) -> u32 {
    *map.entry(id).or_insert_with_key(|id| {
        ids.push(id.clone());
        (ids.len() - 1) as u32
    })
}

/// The columns of the machinery's rows, named for the translation back.
fn header() -> Header {
    Header {
        by_position: Column::ALL.into_iter().map(Some).collect(),
        names: Column::ALL
            .iter()
            .map(|c| c.english().to_string())
            .collect(),
    }
}

/// Phase 1: the file read and mapped into the import's [`Prepared`].
pub fn prepare<R: Read + Seek>(
    conn: &mut DbConn,
    env: &Env,
    input: R,
    max_errors: usize,
) -> Result<(Prepared, Places), ApiError> {
    let scanned = match scan(conn, env, input, max_errors) {
        Ok(s) => s,
        Err(ScanError::File(f)) => return Err(refused_file(vec![f.to_field_error()], 0)),
        Err(ScanError::Io(e)) => return Err(ApiError::internal(e)),
        Err(ScanError::Db(e)) => return Err(e.into()),
    };
    if !scanned.faults.is_empty() {
        return Err(refused_file(
            scanned
                .faults
                .iter()
                .map(XmlFault::to_field_error)
                .collect(),
            scanned.omitted,
        ));
    }
    if scanned.entries.is_empty() {
        return Err(refused_file(
            vec![XmlFault::file(
                1,
                "no_rows",
                "The file has no tidtrans (worked time) to import.",
            )
            .to_field_error()],
            0,
        ));
    }
    let mut users: Vec<String> = Vec::new();
    let mut assistants: Vec<String> = Vec::new();
    let mut user_index: HashMap<String, u32> = HashMap::new();
    let mut assistant_index: HashMap<String, u32> = HashMap::new();
    let mut groups = Grouping::default();
    let mut places = Vec::with_capacity(scanned.entries.len());
    for e in scanned.entries {
        let user = index(&mut users, &mut user_index, e.user);
        let assistant = index(&mut assistants, &mut assistant_index, e.assistant);
        places.push(Place {
            section: e.section,
            position: e.position,
            line: e.line,
            assumed: e.assumed,
        });
        // The machinery's "line" of the row: its ordinal here (see Places).
        let ordinal = u32::try_from(places.len()).unwrap_or(u32::MAX);
        groups.push(
            user,
            Row {
                line: ordinal,
                assistant,
                date: e.date,
                start: e.start,
                end: e.end,
                kind: e.kind,
                double: e.double,
                hospital: e.hospital,
                assumed: e.assumed,
            },
        );
    }
    Ok((
        Prepared {
            org: env.org_id.clone(),
            header: header(),
            users,
            assistants,
            groups: groups.into_groups(),
            errors: ErrorSink::new(max_errors),
            rows: scanned.rows,
        },
        Places(places),
    ))
}

impl Places {
    fn place(&self, ordinal: u64) -> Option<&Place> {
        usize::try_from(ordinal)
            .ok()
            .and_then(|o| o.checked_sub(1))
            .and_then(|i| self.0.get(i))
    }

    /// A fault or warning the machinery located on row `line` (an ordinal)
    /// and column, on the `tidtrans` it came from.
    fn fault(&self, e: &CsvError, warning: bool) -> XmlFault {
        let Some(place) = self.place(e.line) else {
            return XmlFault::file(1, e.code.clone(), e.message.clone());
        };
        let mut message = e.message.clone();
        let mut related = Vec::new();
        for &o in &e.related_lines {
            if let Some(p) = self.place(o) {
                message = message.replace(
                    &format!("on line {o} ("),
                    &format!("in {} (line {}, ", p.element(), p.line),
                );
                related.push(p.element());
            }
        }
        if place.assumed && !warning {
            message.push_str(" (The clock times were assumed from datum + timmar.)");
        }
        let f = XmlFault {
            related,
            ..XmlFault::new(place.element(), place.line, e.code.clone(), message)
        };
        let clock = |given: &'static str| if place.assumed { "timmar" } else { given };
        match e
            .column
            .as_deref()
            .and_then(|c| Column::ALL.into_iter().find(|k| k.english() == c))
        {
            None => f,
            Some(Column::AssistanceUser) => f.child("kundnr"),
            Some(Column::Assistant) => f.attribute("persnr"),
            Some(Column::Date) => f.child(if place.assumed { "datum" } else { "starttid" }),
            Some(Column::Start) => f.child(clock("starttid")),
            Some(Column::End) => f.child(clock("sluttid")),
            Some(Column::Kind) => f.child("tidkod"),
            Some(Column::Double | Column::Hospital) => f.child("info"),
        }
    }

    fn report(&self, r: ImportedReport) -> PaxmlImportedReport {
        let first = self.place(r.first_line);
        PaxmlImportedReport {
            first_element: first.map_or_else(|| "/paxml".into(), Place::element),
            first_line: first.map_or(1, |p| p.line),
            paxml_warnings: r.csv_warnings.iter().map(|w| self.fault(w, true)).collect(),
            receipt: r.receipt,
        }
    }

    /// The machinery's result, on the file's elements.
    pub fn result(&self, r: ImportResult) -> PaxmlImportResult {
        PaxmlImportResult {
            dry_run: r.dry_run,
            rows: r.rows,
            receipts: r.receipts.into_iter().map(|x| self.report(x)).collect(),
            unchanged: r.unchanged.into_iter().map(|x| self.report(x)).collect(),
        }
    }

    /// Why nothing was stored, on the file's elements.
    pub fn failure(&self, f: ImportFailure) -> ApiError {
        match f {
            ImportFailure::Invalid { errors, omitted } => refused_file(
                errors
                    .iter()
                    .map(|e| self.fault(e, false).to_field_error())
                    .collect(),
                omitted,
            ),
            ImportFailure::CorrectionRequired(mut conflicts) => {
                let elements: Vec<String> = conflicts
                    .iter_mut()
                    .map(|c| {
                        let p = self.place(c.line);
                        c.line = p.map_or(1, |p| p.line);
                        p.map_or_else(|| "/paxml".into(), Place::element)
                    })
                    .collect();
                let mut e = ApiError::from(ImportFailure::CorrectionRequired(conflicts));
                if let Some(Value::Array(reports)) = e.extra.get_mut("reports") {
                    for (r, element) in reports.iter_mut().zip(elements) {
                        r["element"] = Value::String(element);
                    }
                }
                e
            }
            ImportFailure::MonthClosed(faults) => {
                let located = faults
                    .iter()
                    .map(|f| self.fault(f, false).to_field_error())
                    .collect();
                let mut e = ApiError::from(ImportFailure::MonthClosed(faults));
                e.errors = located;
                e
            }
            other => other.into(),
        }
    }
}
