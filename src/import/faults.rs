//! A file's faults, located where the user sees them (line and column),
//! and why an import stored nothing: the problem each becomes.

use std::io;

use serde::Serialize;
use serde_json::{json, Map};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};

/// A fault in the file, where the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CsvError {
    /// Line in the file as a spreadsheet numbers it: the header is line 1
    /// (when nothing precedes it); empty lines count.
    pub line: u64,
    /// The column's header as written in the file; null when the fault is
    /// the row as a whole (an overlap) or the file.
    pub column: Option<String>,
    pub code: String,
    pub message: String,
    /// The other lines involved (the other side of an overlap).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_lines: Vec<u64>,
    /// In an `.xlsx` file, the cell (`"C4"`); absent for CSV, or when the
    /// fault is the row as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// Column position in the file, for ordering.
    #[serde(skip)]
    position: usize,
}

impl CsvError {
    pub fn new(
        line: u64,
        column: Option<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            line,
            column,
            code: code.into(),
            message: message.into(),
            related_lines: Vec::new(),
            cell: None,
            position: usize::MAX,
        }
    }

    pub(crate) fn at_position(mut self, position: usize) -> Self {
        self.position = position;
        self
    }

    /// The column's position in the file (0-based), when the fault is one
    /// cell.
    pub fn position(&self) -> Option<usize> {
        (self.position != usize::MAX && self.column.is_some()).then_some(self.position)
    }

    fn sort_key(&self) -> (u64, usize, &str) {
        (self.line, self.position, &self.code)
    }

    /// As an entry of a problem's `errors`.
    pub fn to_field_error(&self) -> FieldError {
        let mut extra = Map::new();
        extra.insert("line".into(), json!(self.line));
        extra.insert("column".into(), json!(self.column));
        if !self.related_lines.is_empty() {
            extra.insert("related_lines".into(), json!(self.related_lines));
        }
        if let Some(cell) = &self.cell {
            extra.insert("cell".into(), json!(cell));
        }
        FieldError {
            pointer: None,
            field: None,
            code: self.code.clone(),
            message: self.message.clone(),
            extra,
        }
    }
}

/// Keeps the first `max` errors by line while counting all, in bounded
/// memory however many rows are bad.
#[derive(Debug)]
pub(super) struct ErrorSink {
    pub(super) max: usize,
    kept: Vec<CsvError>,
    pub(super) total: usize,
}

impl ErrorSink {
    pub(super) fn new(max: usize) -> Self {
        Self {
            max,
            kept: Vec::new(),
            total: 0,
        }
    }

    pub(super) fn push(&mut self, e: CsvError) {
        self.total += 1;
        self.kept.push(e);
        if self.kept.len() >= 2 * self.max + 64 {
            self.compact();
        }
    }

    fn compact(&mut self) {
        self.kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.kept.truncate(self.max);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub(super) fn finish(mut self) -> ImportFailure {
        self.compact();
        let omitted = self.total - self.kept.len();
        ImportFailure::Invalid {
            errors: self.kept,
            omitted,
        }
    }
}

/// A month that exists with other rows, and the file gave no reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conflict {
    pub report_id: String,
    pub current_version: i32,
    pub assistance_user_id: String,
    pub month: String,
    /// The first line of the file with a row of this month.
    pub line: u64,
}

/// Why nothing was stored.
#[derive(Debug)]
pub enum ImportFailure {
    /// Every fault found (the first `max_errors` by line) and how many more.
    Invalid {
        errors: Vec<CsvError>,
        omitted: usize,
    },
    /// Months that would be replaced, without `correction_reason`.
    CorrectionRequired(Vec<Conflict>),
    /// Months of the file that are closed (each fault names the first line
    /// of its month in the file).
    MonthClosed(Vec<CsvError>),
    Io(io::Error),
    Db(diesel::result::Error),
}

impl From<io::Error> for ImportFailure {
    fn from(e: io::Error) -> Self {
        ImportFailure::Io(e)
    }
}

impl From<diesel::result::Error> for ImportFailure {
    fn from(e: diesel::result::Error) -> Self {
        ImportFailure::Db(e)
    }
}

impl ImportFailure {
    /// Every fault of the refusal passed through `f` (to name cells).
    pub fn map_faults(self, f: impl Fn(&mut CsvError)) -> Self {
        match self {
            ImportFailure::Invalid {
                mut errors,
                omitted,
            } => {
                errors.iter_mut().for_each(f);
                ImportFailure::Invalid { errors, omitted }
            }
            ImportFailure::MonthClosed(mut faults) => {
                faults.iter_mut().for_each(f);
                ImportFailure::MonthClosed(faults)
            }
            other => other,
        }
    }

    pub(super) fn file(code: &'static str, message: impl Into<String>) -> Self {
        ImportFailure::Invalid {
            errors: vec![CsvError::new(1, None, code, message)],
            omitted: 0,
        }
    }
}

/// The 422 of a refused file (CSV or PAXml): every fault listed, and how
/// many more there were.
pub fn refused_file(errors: Vec<FieldError>, omitted: usize) -> ApiError {
    let total = errors.len() + omitted;
    let detail = if total == 1 {
        format!(
            "The file was not imported; nothing was stored. 1 error: {}",
            errors.first().map_or("", |e| e.message.as_str())
        )
    } else if omitted > 0 {
        format!("The file was not imported; nothing was stored. {total} errors; the first {} by line are listed.", errors.len())
    } else {
        format!("The file was not imported; nothing was stored. {total} errors; see `errors`.")
    };
    let mut e = ApiError::validation(errors).with("errors_omitted", omitted);
    e.detail = detail;
    e
}

impl From<ImportFailure> for ApiError {
    fn from(f: ImportFailure) -> Self {
        match f {
            ImportFailure::Invalid { errors, omitted } => refused_file(
                errors.iter().map(CsvError::to_field_error).collect(),
                omitted,
            ),
            ImportFailure::CorrectionRequired(conflicts) => {
                let first = conflicts.first().cloned();
                let mut e = ApiError::conflict(
                    "correction_reason_required",
                    format!(
                        "The file would replace {} stored month(s) with other rows; nothing was stored. Send `correction_reason` to store new versions.",
                        conflicts.len()
                    ),
                )
                .with(
                    "reports",
                    serde_json::to_value(&conflicts).expect("conflicts serialise"),
                );
                if let Some(c) = first {
                    e = e
                        .with("report_id", c.report_id)
                        .with("current_version", c.current_version);
                }
                e
            }
            ImportFailure::MonthClosed(faults) => ApiError::conflict(
                "month_closed",
                format!(
                    "The file touches {} closed month(s); nothing was stored. Reopen the month (POST /api/v1/months/{{month}}/reopen) or leave it out of the file.",
                    faults.len()
                ),
            )
            .with_errors(faults.iter().map(CsvError::to_field_error).collect()),
            ImportFailure::Io(e) => ApiError::internal(e),
            ImportFailure::Db(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_sink_keeps_the_first_by_line_and_counts_all() {
        let mut sink = ErrorSink::new(2);
        for line in (1..=500u64).rev() {
            sink.push(CsvError::new(line, None, "x", "m"));
        }
        match sink.finish() {
            ImportFailure::Invalid { errors, omitted } => {
                assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2]);
                assert_eq!(omitted, 498);
            }
            other => panic!("{other:?}"),
        }
    }
}
