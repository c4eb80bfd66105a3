//! Phase 1: the month and each row as written (dates, clock times, kind),
//! placed on the UTC time line. Needs nothing but the input.

use chrono::NaiveDate;

use crate::domain::month::ReportMonth;
use crate::domain::report::issue::{Field, Issue};
use crate::domain::shift::{resolve_shift, ClockTime, ResolvedShift, ShiftError, ShiftKind};

/// A row as submitted, before any parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub assistant_id: String,
    pub date: String,
    pub start: String,
    pub end: String,
    /// `None` means active.
    pub kind: Option<String>,
    /// *Dubbelassistans*: a second assistant at the same time.
    pub double: bool,
    /// Assistance during a hospital stay.
    pub hospital: bool,
    /// The clock times were not given but assumed (a PAXml file with only
    /// `datum` + `timmar`): warned as `clock_times_assumed`, and an overlap
    /// with another employer's shift is a warning, not a refusal.
    pub clock_assumed: bool,
}

/// A row that parsed: real dates and times, placed on the UTC time line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    pub index: usize,
    pub assistant_id: String,
    pub date: NaiveDate,
    pub start: ClockTime,
    pub end: ClockTime,
    pub kind: ShiftKind,
    pub double: bool,
    pub hospital: bool,
    pub clock_assumed: bool,
    pub shift: ResolvedShift,
}

impl ParsedRow {
    pub fn minutes(&self) -> i64 {
        self.shift.minutes()
    }
}

/// The result of the first phase.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub month: Option<ReportMonth>,
    pub rows: Vec<ParsedRow>,
    pub errors: Vec<Issue>,
    /// Rows submitted (parsed or not).
    pub row_count: usize,
}

/// Parses the month and every row; collects every fault.
pub fn parse_report(month: &str, rows: &[RawRow], today: NaiveDate) -> Parsed {
    let mut errors = Vec::new();
    let month = match ReportMonth::parse(month.trim()) {
        Ok(m) => {
            if m > ReportMonth::of(today) {
                errors.push(Issue::month(
                    "month_in_future",
                    format!("{m} has not started yet; a month can be reported from its first day."),
                ));
            }
            Some(m)
        }
        Err(_) => {
            errors.push(Issue::month(
                "invalid_month",
                "The month must be written YYYY-MM, e.g. 2026-02.",
            ));
            None
        }
    };
    let mut parsed = Vec::with_capacity(rows.len());
    for (i, raw) in rows.iter().enumerate() {
        if let Some(row) = parse_row(i, raw, month, &mut errors) {
            parsed.push(row);
        }
    }
    Parsed {
        month,
        rows: parsed,
        errors,
        row_count: rows.len(),
    }
}

fn parse_row(
    i: usize,
    raw: &RawRow,
    month: Option<ReportMonth>,
    errors: &mut Vec<Issue>,
) -> Option<ParsedRow> {
    let before = errors.len();
    if raw.assistant_id.trim().is_empty() {
        errors.push(Issue::row(
            i,
            Some(Field::AssistantId),
            "missing_assistant",
            "The row names no assistant.",
        ));
    }
    let date = match NaiveDate::parse_from_str(raw.date.trim(), "%Y-%m-%d") {
        Ok(d) => {
            if let Some(m) = month {
                if !m.contains(d) {
                    errors.push(Issue::row(
                        i,
                        Some(Field::Date),
                        "date_outside_month",
                        format!("{d} is not in the reported month {m}."),
                    ));
                }
            }
            Some(d)
        }
        Err(_) => {
            errors.push(Issue::row(
                i,
                Some(Field::Date),
                "invalid_date",
                format!("`{}` is not a date; write YYYY-MM-DD.", raw.date),
            ));
            None
        }
    };
    let start = clock(i, Field::Start, &raw.start, errors);
    let end = clock(i, Field::End, &raw.end, errors);
    // JSON takes the codes only; files were read into codes before this.
    let kind = match raw.kind.as_deref().map(ShiftKind::from_code) {
        None => Some(ShiftKind::Active),
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            errors.push(Issue::row(i, Some(Field::Kind), e.code(), e.to_string()));
            None
        }
    };
    let (date, start, end, kind) = (date?, start?, end?, kind?);
    let shift = match resolve_shift(date, start, end) {
        Ok(s) => s,
        Err(errs) => {
            for e in errs {
                let field = match e {
                    ShiftError::NonexistentEnd { .. } => Field::End,
                    _ => Field::Start,
                };
                errors.push(Issue::row(i, Some(field), e.code(), e.to_string()));
            }
            return None;
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(ParsedRow {
        index: i,
        assistant_id: raw.assistant_id.trim().to_string(),
        date,
        start,
        end,
        kind,
        double: raw.double,
        hospital: raw.hospital,
        clock_assumed: raw.clock_assumed,
        shift,
    })
}

fn clock(i: usize, field: Field, s: &str, errors: &mut Vec<Issue>) -> Option<ClockTime> {
    match ClockTime::parse(s.trim()) {
        Ok(t) if field == Field::Start && t.is_end_of_day() => {
            let e = ShiftError::StartAtEndOfDay;
            errors.push(Issue::row(i, Some(field), e.code(), e.to_string()));
            None
        }
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(Issue::row(
                i,
                Some(field),
                e.code(),
                format!("`{s}` is not a clock time; write HH:MM (00:00–24:00)."),
            ));
            None
        }
    }
}
