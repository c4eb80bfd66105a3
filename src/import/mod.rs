//! CSV import of time reports, for employers who keep their time sheets in a
//! spreadsheet (format: `docs/csv-format.md`).
//!
//! One file may hold several assistance users and months. Its rows become
//! one [`Submission`] per (assistance user, month) and go through the very
//! same pipeline as the JSON API ([`submission::lock_keys`] and
//! [`submission::submit`]), all inside ONE write transaction: one bad row
//! anywhere and nothing is stored. Every fault comes back with the line and
//! column the user sees in the spreadsheet.
//!
//! Two phases:
//! 1. [`prepare`] streams the file (any size; only a compact form of each
//!    good row is kept): encoding and delimiter detection, header mapping,
//!    cell values, personnummer → ids of the caller's organisation.
//! 2. [`Prepared::run`] submits each (user, month) group, inside the
//!    caller's write transaction ([`execute`] opens it).

pub mod cli;
pub mod decode;
pub mod export;
pub mod header;
pub mod values;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::rc::Rc;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::{json, Map};
use utoipa::ToSchema;

use crate::db::register as reg;
use crate::db::DbConn;
use crate::domain::deadline::stockholm_date;
use crate::domain::month::ReportMonth;
use crate::domain::report::{Field, Issue, RawRow, Target};
use crate::domain::shift::{resolve_shift, ClockTime, ShiftKind};
use crate::error::{ApiError, FieldError};
use crate::service::submission::{self, Env, Outcome, Receipt, Refusal, Submission, SubmitError};

use self::decode::{detect_encoding, read_through_header, DecodeError, Utf8Reader};
use self::header::{Column, Header};

/// Defaults of the configurable limits (see `config.rs`).
pub const DEFAULT_MAX_ERRORS: usize = 1000;
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Check everything, store nothing.
    pub dry_run: bool,
    /// Needed when the file replaces a stored month with other rows.
    pub correction_reason: Option<String>,
    /// Errors listed at most; the rest are counted.
    pub max_errors: usize,
}

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
            position: usize::MAX,
        }
    }

    pub(crate) fn at_position(mut self, position: usize) -> Self {
        self.position = position;
        self
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
struct ErrorSink {
    max: usize,
    kept: Vec<CsvError>,
    total: usize,
}

impl ErrorSink {
    fn new(max: usize) -> Self {
        Self {
            max,
            kept: Vec::new(),
            total: 0,
        }
    }

    fn push(&mut self, e: CsvError) {
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

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn finish(mut self) -> ImportFailure {
        self.compact();
        let omitted = self.total - self.kept.len();
        ImportFailure::Invalid {
            errors: self.kept,
            omitted,
        }
    }
}

/// A report created (or, on a dry run, that would be), or found unchanged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedReport {
    #[serde(flatten)]
    pub receipt: Receipt,
    /// The first line of the file with a row of this report.
    pub first_line: u64,
    /// The receipt's warnings, located in the file. Empty for an unchanged
    /// month: its receipt is of the version stored earlier.
    pub csv_warnings: Vec<CsvError>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportResult {
    /// True when nothing was stored: ids of new reports in `receipts` are
    /// then not kept.
    pub dry_run: bool,
    /// Data rows read (lines with content after the header).
    pub rows: u64,
    /// One per (assistance user, month) for which a new version was stored,
    /// in the order the file first names them.
    pub receipts: Vec<ImportedReport>,
    /// Months whose rows equal the stored version: nothing created.
    pub unchanged: Vec<ImportedReport>,
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
    fn file(code: &'static str, message: impl Into<String>) -> Self {
        ImportFailure::Invalid {
            errors: vec![CsvError::new(1, None, code, message)],
            omitted: 0,
        }
    }
}

impl From<ImportFailure> for ApiError {
    fn from(f: ImportFailure) -> Self {
        match f {
            ImportFailure::Invalid { errors, omitted } => {
                let total = errors.len() + omitted;
                let mut e =
                    ApiError::validation(errors.iter().map(CsvError::to_field_error).collect())
                        .with("errors_omitted", omitted);
                e.detail = if total == 1 {
                    format!(
                        "The file was not imported; nothing was stored. 1 error: {}",
                        errors.first().map_or("", |e| e.message.as_str())
                    )
                } else if omitted > 0 {
                    format!("The file was not imported; nothing was stored. {total} errors; the first {} by line are listed.", errors.len())
                } else {
                    format!("The file was not imported; nothing was stored. {total} errors; see `errors`.")
                };
                e
            }
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

/// Reported while a file is read and its reports checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Bytes of the file read so far, of `total`.
    Reading { bytes: u64, total: u64 },
    /// Reports (user, month) submitted so far, of `total`.
    Checking { done: usize, total: usize },
}

/// A good row, compactly: ids are indices into [`Prepared`]'s tables.
#[derive(Debug, Clone, Copy)]
struct Row {
    line: u32,
    assistant: u32,
    date: NaiveDate,
    start: ClockTime,
    end: ClockTime,
    kind: ShiftKind,
    double: bool,
    hospital: bool,
}

/// The rows of one (assistance user, month).
#[derive(Debug)]
struct Group {
    user: u32,
    month: ReportMonth,
    rows: Vec<Row>,
}

/// A file read and mapped, ready to be submitted.
#[derive(Debug)]
pub struct Prepared {
    org: String,
    header: Header,
    /// Assistance user ids, by index.
    users: Vec<String>,
    /// Assistant ids, by index.
    assistants: Vec<String>,
    /// In the order the file first names them.
    groups: Vec<Group>,
    errors: ErrorSink,
    rows: u64,
}

/// Counts bytes read from the file, for progress.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Physical line numbers. The csv crate's own line count is off after
/// CRLF line ends and skipped empty lines, so lines are counted here from
/// the bytes it reads: a record's byte position is where the previous record
/// ended (before any empty lines the reader skipped), so its line is one
/// plus the line feeds before that position plus those in the run of CR/LF
/// bytes that follows. Only the bytes between the last record and the
/// reader's read-ahead are kept.
#[derive(Debug, Default)]
struct Lines {
    window: VecDeque<u8>,
    /// Offset of `window[0]` in the text.
    start: u64,
    /// Line feeds before `start`.
    newlines: u64,
}

impl Lines {
    fn line_at(&mut self, byte: u64) -> u64 {
        let skip = usize::try_from(byte.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.window.len());
        self.newlines += self.window.drain(..skip).filter(|&b| b == b'\n').count() as u64;
        self.start += skip as u64;
        let run = self
            .window
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .filter(|&&b| b == b'\n')
            .count() as u64;
        1 + self.newlines + run
    }
}

/// Feeds what the CSV reader reads into [`Lines`].
struct Tap<R> {
    inner: R,
    lines: Rc<RefCell<Lines>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lines.borrow_mut().window.extend(&buf[..n]);
        Ok(n)
    }
}

/// Personnummer → id in the organisation, looked up once per file.
struct Lookup {
    by_number: HashMap<String, Option<u32>>,
    ids: Vec<String>,
}

impl Lookup {
    fn new() -> Self {
        Self {
            by_number: HashMap::new(),
            ids: Vec::new(),
        }
    }

    fn get(
        &mut self,
        number: &str,
        find: impl FnOnce(&str) -> diesel::QueryResult<Option<String>>,
    ) -> diesel::QueryResult<Option<u32>> {
        if let Some(hit) = self.by_number.get(number) {
            return Ok(*hit);
        }
        let idx = find(number)?.map(|id| {
            self.ids.push(id);
            (self.ids.len() - 1) as u32
        });
        self.by_number.insert(number.to_string(), idx);
        Ok(idx)
    }
}

/// Phase 1: reads the whole file as a stream, keeps each good row compactly
/// and collects every fault of the file itself (header, cell values,
/// personnummer not in the organisation). Database access is read-only.
pub fn prepare<R: Read + Seek>(
    conn: &mut DbConn,
    env: &Env,
    mut input: R,
    max_errors: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Prepared, ImportFailure> {
    let total = input.seek(SeekFrom::End(0))?;
    let encoding = match detect_encoding(&mut input) {
        Ok(e) => e,
        Err(DecodeError::Utf16) => {
            return Err(ImportFailure::file(
                "unsupported_encoding",
                "The file is UTF-16 (Excel's \"Unicode text\"). Save it as \"CSV UTF-8\" or \"CSV (semikolonavgränsad)\".",
            ))
        }
        Err(DecodeError::Io(e)) => return Err(e.into()),
    };
    let read = Rc::new(Cell::new(0u64));
    let mut text = BufReader::with_capacity(
        64 * 1024,
        Utf8Reader::new(
            Counting {
                inner: input,
                read: read.clone(),
            },
            encoding,
        ),
    );
    let Some((head, delimiter)) = read_through_header(&mut text)? else {
        return Err(ImportFailure::file(
            "empty_file",
            "The file is empty; it needs a header row and one row per shift.",
        ));
    };
    let lines = Rc::new(RefCell::new(Lines::default()));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(Tap {
            inner: io::Cursor::new(head).chain(text),
            lines: lines.clone(),
        });
    let line_of = |p: Option<&csv::Position>| lines.borrow_mut().line_at(p.map_or(0, |p| p.byte()));

    let today = stockholm_date(env.now);
    let org = env.org_id.clone();
    let mut errors = ErrorSink::new(max_errors);
    let mut header: Option<Header> = None;
    let mut users = Lookup::new();
    let mut assistants = Lookup::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<(u32, ReportMonth), usize> = HashMap::new();
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = line_of(e.position());
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(e) => ImportFailure::Io(e),
                    csv::ErrorKind::Utf8 { .. } => ImportFailure::Invalid {
                        errors: vec![CsvError::new(
                            line,
                            None,
                            "unreadable_csv",
                            "This line is not valid UTF-8, although the file starts with a UTF-8 byte-order mark. Save the file again as \"CSV UTF-8\".",
                        )],
                        omitted: 0,
                    },
                    _ => ImportFailure::Invalid {
                        errors: vec![CsvError::new(
                            line,
                            None,
                            "unreadable_csv",
                            "The file cannot be read as CSV from this line on.",
                        )],
                        omitted: 0,
                    },
                });
            }
        }
        if record.iter().all(blank) {
            continue;
        }
        let line = line_of(record.position());
        let Some(h) = &header else {
            let cells: Vec<&str> = record.iter().collect();
            header = Some(
                Header::parse(&cells, line).map_err(|errs| ImportFailure::Invalid {
                    errors: errs,
                    omitted: 0,
                })?,
            );
            continue;
        };
        rows += 1;
        if rows.is_multiple_of(4096) {
            progress(Progress::Reading {
                bytes: read.get(),
                total,
            });
        }
        // Faults of this row's cells: (column, code, message).
        let mut faults: Faults = Vec::new();
        let mut unexpected = false;
        let cell = |c: Column| {
            h.position(c)
                .and_then(|i| record.get(i))
                .map_or("", str::trim)
        };
        // Values under columns without a header.
        for (i, v) in record.iter().enumerate() {
            if !v.trim().is_empty() && h.by_position.get(i).copied().flatten().is_none() {
                errors.push(
                    CsvError::new(
                        line,
                        h.names.get(i).filter(|n| !n.is_empty()).cloned(),
                        "unexpected_value",
                        format!(
                            "Column {} has a value but no header; give it a header of a known column or empty it.",
                            i + 1
                        ),
                    )
                    .at_position(i),
                );
                unexpected = true;
            }
        }
        for c in Column::ALL.iter().filter(|c| c.required()) {
            if cell(*c).is_empty() {
                faults.push((
                    *c,
                    "missing_value".into(),
                    format!("The row has no {}; it is required.", h.name(*c)),
                ));
            }
        }
        let user = match cell(Column::AssistanceUser) {
            "" => None,
            v => person(v, Column::AssistanceUser, today, &mut users, &mut |n| {
                Ok(reg::find_assistance_user_by_number(conn, &org, n)?.map(|u| u.id))
            })
            .map_err(ImportFailure::Db)?
            .map_err(|(code, message)| faults.push((Column::AssistanceUser, code, message)))
            .ok(),
        };
        let assistant = match cell(Column::Assistant) {
            "" => None,
            v => person(v, Column::Assistant, today, &mut assistants, &mut |n| {
                Ok(reg::find_assistant_by_number(conn, &org, n)?.map(|a| a.id))
            })
            .map_err(ImportFailure::Db)?
            .map_err(|(code, message)| faults.push((Column::Assistant, code, message)))
            .ok(),
        };
        let date = nonempty(cell(Column::Date), values::date, Column::Date, &mut faults);
        let start = nonempty(
            cell(Column::Start),
            values::clock,
            Column::Start,
            &mut faults,
        );
        let end = nonempty(cell(Column::End), values::clock, Column::End, &mut faults);
        let kind = take(values::kind(cell(Column::Kind)), Column::Kind, &mut faults);
        let double = take(
            values::yes_no(cell(Column::Double)),
            Column::Double,
            &mut faults,
        );
        let hospital = take(
            values::yes_no(cell(Column::Hospital)),
            Column::Hospital,
            &mut faults,
        );
        let bad = unexpected || !faults.is_empty();
        for (c, code, message) in faults {
            errors.push(
                CsvError::new(line, Some(h.name(c)), code, message)
                    .at_position(h.position(c).unwrap_or(usize::MAX)),
            );
        }
        let (
            false,
            Some(user),
            Some(assistant),
            Some(date),
            Some(start),
            Some(end),
            Some(kind),
            Some(double),
            Some(hospital),
        ) = (
            bad, user, assistant, date, start, end, kind, double, hospital,
        )
        else {
            continue;
        };
        let month = ReportMonth::of(date);
        let g = *group_of.entry((user, month)).or_insert_with(|| {
            groups.push(Group {
                user,
                month,
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].rows.push(Row {
            line: line_no(line),
            assistant,
            date,
            start,
            end,
            kind,
            double,
            hospital,
        });
    }
    progress(Progress::Reading {
        bytes: total,
        total,
    });
    let Some(header) = header else {
        return Err(ImportFailure::file(
            "empty_file",
            "The file is empty; it needs a header row and one row per shift.",
        ));
    };
    if rows == 0 {
        return Err(ImportFailure::file(
            "no_rows",
            "The file has a header but no rows.",
        ));
    }
    for g in &mut groups {
        g.rows.shrink_to_fit();
    }
    Ok(Prepared {
        org,
        header,
        users: users.ids,
        assistants: assistants.ids,
        groups,
        errors,
        rows,
    })
}

/// A cell of a line with no content: empty, or only separators and blanks
/// (`;;;;` read with `,` as the delimiter is one such cell).
fn blank(cell: &str) -> bool {
    cell.chars()
        .all(|c| c == ';' || c == ',' || c.is_whitespace())
}

/// Lines are kept as `u32` (4 billion lines is far past any upload).
fn line_no(line: u64) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// Faults of a row's cells: (column, code, message).
type Faults = Vec<(Column, String, String)>;

fn take<T>(r: Result<T, values::ValueError>, c: Column, faults: &mut Faults) -> Option<T> {
    r.map_err(|e| faults.push((c, e.code.to_string(), e.message)))
        .ok()
}

/// A required value: an empty cell is reported as `missing_value` already.
fn nonempty<T>(
    cell: &str,
    parse: impl Fn(&str) -> Result<T, values::ValueError>,
    c: Column,
    faults: &mut Faults,
) -> Option<T> {
    if cell.is_empty() {
        None
    } else {
        take(parse(cell), c, faults)
    }
}

/// A personnummer cell → the index of the id in the caller's organisation,
/// or the cell's fault `(code, message)`.
fn person(
    cell: &str,
    column: Column,
    today: NaiveDate,
    lookup: &mut Lookup,
    find: &mut dyn FnMut(&str) -> diesel::QueryResult<Option<String>>,
) -> diesel::QueryResult<Result<u32, (String, String)>> {
    let p = match values::personnummer(cell, today) {
        Ok(p) => p,
        Err(e) => return Ok(Err((e.code.to_string(), e.message))),
    };
    Ok(lookup.get(p.as_str(), find)?.ok_or_else(|| {
        let (code, what) = match column {
            Column::AssistanceUser => ("unknown_assistance_user", "assistance user"),
            _ => ("unknown_assistant", "assistant"),
        };
        (
            code.to_string(),
            format!("No {what} with this personnummer in your organisation; register them first."),
        )
    }))
}

fn column_of(f: Field) -> Column {
    match f {
        Field::AssistantId => Column::Assistant,
        Field::Date => Column::Date,
        Field::Start => Column::Start,
        Field::End => Column::End,
        Field::Kind => Column::Kind,
        Field::Double => Column::Double,
        Field::Hospital => Column::Hospital,
    }
}

fn column_of_name(name: &str) -> Option<Column> {
    [
        Field::AssistantId,
        Field::Date,
        Field::Start,
        Field::End,
        Field::Kind,
        Field::Double,
        Field::Hospital,
    ]
    .into_iter()
    .find(|f| f.name() == name)
    .map(column_of)
}

impl Prepared {
    /// Data rows read.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Reports (user, month) the file holds.
    pub fn reports(&self) -> usize {
        self.groups.len()
    }

    /// The locks the submissions need ([`submission::lock_keys`]): per
    /// report and per person. Only the assistants of each report matter to
    /// the keys, so each submission is given one row per assistant.
    pub fn lock_keys(&self, conn: &mut DbConn) -> diesel::QueryResult<Vec<String>> {
        let subs: Vec<Submission> = self
            .groups
            .iter()
            .map(|g| {
                let mut ids: Vec<u32> = g.rows.iter().map(|r| r.assistant).collect();
                ids.sort_unstable();
                ids.dedup();
                Submission {
                    assistance_user_id: self.users[g.user as usize].clone(),
                    month: g.month.to_string(),
                    rows: ids
                        .into_iter()
                        .map(|a| RawRow {
                            assistant_id: self.assistants[a as usize].clone(),
                            date: String::new(),
                            start: String::new(),
                            end: String::new(),
                            kind: None,
                            double: false,
                            hospital: false,
                        })
                        .collect(),
                    correction_reason: None,
                }
            })
            .collect();
        submission::lock_keys(conn, &self.org, &subs)
    }

    fn submission(&self, g: &Group, correction_reason: Option<String>) -> Submission {
        Submission {
            assistance_user_id: self.users[g.user as usize].clone(),
            month: g.month.to_string(),
            rows: g
                .rows
                .iter()
                .map(|r| RawRow {
                    assistant_id: self.assistants[r.assistant as usize].clone(),
                    date: r.date.to_string(),
                    start: r.start.to_string(),
                    end: r.end.to_string(),
                    kind: Some(r.kind.as_str().to_string()),
                    double: r.double,
                    hospital: r.hospital,
                })
                .collect(),
            correction_reason,
        }
    }

    /// Phase 2: submits every report through the pipeline. Call inside a
    /// write transaction holding [`Prepared::lock_keys`]; on `Err` the
    /// caller must roll back (reports submitted before the fault were
    /// written in that transaction).
    pub fn run(
        mut self,
        conn: &mut DbConn,
        env: &Env,
        opts: &Options,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportResult, ImportFailure> {
        let mut errors = std::mem::replace(&mut self.errors, ErrorSink::new(0));
        let mut receipts = Vec::new();
        let mut unchanged = Vec::new();
        let mut conflicts = Vec::new();
        let mut closed = Vec::new();
        // Groups whose rows are now the current version in the database.
        let mut stored: Vec<usize> = Vec::new();
        let total = self.groups.len();
        for (gi, g) in self.groups.iter().enumerate() {
            let sub = self.submission(g, opts.correction_reason.clone());
            let first_line = u64::from(g.rows[0].line);
            match submission::submit(conn, env, &sub) {
                Ok(Outcome::Created(r)) => {
                    receipts.push(self.imported(g, r, true));
                    stored.push(gi);
                }
                Ok(Outcome::Unchanged(r)) => {
                    unchanged.push(self.imported(g, r, false));
                    stored.push(gi);
                }
                Err(SubmitError::Refused(Refusal::Invalid(issues))) => {
                    for issue in &issues {
                        let mut e = self.locate(g, issue);
                        if issue.code == "overlaps_stored_report" && errors.total < errors.max {
                            e.related_lines = self.overlapping_lines(g, issue, &stored);
                        }
                        errors.push(e);
                    }
                }
                Err(SubmitError::Refused(Refusal::UnknownUser)) => errors.push(
                    CsvError::new(
                        first_line,
                        Some(self.header.name(Column::AssistanceUser)),
                        "unknown_assistance_user",
                        "No assistance user with this personnummer in your organisation; register them first.",
                    )
                    .at_position(self.header.position(Column::AssistanceUser).unwrap_or(0)),
                ),
                Err(SubmitError::Refused(Refusal::CorrectionRequired {
                    report_id,
                    current_version,
                })) => conflicts.push(Conflict {
                    report_id,
                    current_version,
                    assistance_user_id: sub.assistance_user_id.clone(),
                    month: sub.month.clone(),
                    line: first_line,
                }),
                Err(SubmitError::Refused(Refusal::MonthClosed { month })) => closed.push(
                    CsvError::new(
                        first_line,
                        Some(self.header.name(Column::Date)),
                        "month_closed",
                        format!("The month {month} is closed for this assistance user; the file changes nothing until the month is reopened."),
                    )
                    .at_position(self.header.position(Column::Date).unwrap_or(0)),
                ),
                Err(SubmitError::Db(e)) => return Err(ImportFailure::Db(e)),
            }
            if gi % 64 == 63 || gi + 1 == total {
                progress(Progress::Checking {
                    done: gi + 1,
                    total,
                });
            }
        }
        if !errors.is_empty() {
            for e in closed {
                errors.push(e);
            }
            return Err(errors.finish());
        }
        if !closed.is_empty() {
            return Err(ImportFailure::MonthClosed(closed));
        }
        if !conflicts.is_empty() {
            return Err(ImportFailure::CorrectionRequired(conflicts));
        }
        Ok(ImportResult {
            dry_run: opts.dry_run,
            rows: self.rows,
            receipts,
            unchanged,
        })
    }

    /// Where an issue of the pipeline is in the file.
    fn locate(&self, g: &Group, issue: &Issue) -> CsvError {
        let (line, column) = match issue.target {
            Target::Month => (g.rows[0].line, Some(Column::Date)),
            Target::Row { index, field } => (g.rows[index].line, field.map(column_of)),
        };
        let mut e = CsvError::new(
            u64::from(line),
            column.map(|c| self.header.name(c)),
            issue.code,
            issue.message.clone(),
        )
        .at_position(
            column
                .and_then(|c| self.header.position(c))
                .unwrap_or(usize::MAX),
        );
        for &i in &issue.related_rows {
            if let Some(r) = g.rows.get(i) {
                e.related_lines.push(u64::from(r.line));
                // The rules name rows of the submission; the user sees lines.
                e.message = e
                    .message
                    .replace(&format!("in row {i} ("), &format!("on line {} (", r.line));
            }
        }
        e
    }

    /// For an overlap with a stored report: the lines of this file that
    /// stored it (reports submitted earlier in the same import).
    fn overlapping_lines(&self, g: &Group, issue: &Issue, stored: &[usize]) -> Vec<u64> {
        let Target::Row { index, .. } = issue.target else {
            return Vec::new();
        };
        let row = g.rows[index];
        let Ok(shift) = resolve_shift(row.date, row.start, row.end) else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for &si in stored {
            for other in &self.groups[si].rows {
                if other.assistant == row.assistant
                    && (other.date - row.date).abs() <= Duration::days(2)
                    && resolve_shift(other.date, other.start, other.end)
                        .is_ok_and(|s| s.overlaps(&shift))
                {
                    lines.push(u64::from(other.line));
                }
            }
        }
        lines.sort_unstable();
        lines
    }

    /// `locate`: whether the receipt's warnings point at this file's rows
    /// (a version stored from it); an unchanged month's receipt is of a
    /// version stored earlier, whose rows may have come in another order.
    fn imported(&self, g: &Group, receipt: Receipt, locate: bool) -> ImportedReport {
        let csv_warnings = receipt
            .warnings
            .iter()
            .filter(|_| locate)
            .map(|w| {
                let mut parts = w.pointer.trim_start_matches('/').split('/');
                let (line, column) = match (parts.next(), parts.next(), parts.next()) {
                    (Some("rows"), Some(i), field) => {
                        let line = i
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| g.rows.get(i))
                            .map_or(g.rows[0].line, |r| r.line);
                        (line, field.and_then(column_of_name))
                    }
                    _ => (g.rows[0].line, Some(Column::Date)),
                };
                CsvError::new(
                    u64::from(line),
                    column.map(|c| self.header.name(c)),
                    w.code.clone(),
                    w.message.clone(),
                )
            })
            .collect();
        ImportedReport {
            first_line: u64::from(g.rows[0].line),
            receipt,
            csv_warnings,
        }
    }
}

/// Ends a transaction: a failure, or a dry run's result (rolled back too).
enum TxEnd {
    Failed(ImportFailure),
    DryRun(ImportResult),
}

impl From<diesel::result::Error> for TxEnd {
    fn from(e: diesel::result::Error) -> Self {
        TxEnd::Failed(ImportFailure::Db(e))
    }
}

/// Phase 2 in its own write transaction: every report is stored, or none.
/// A dry run runs every check and then rolls back.
pub fn execute(
    conn: &mut DbConn,
    env: &Env,
    prepared: Prepared,
    opts: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportResult, ImportFailure> {
    let keys = prepared.lock_keys(conn)?;
    let dry_run = opts.dry_run;
    let outcome = conn.write_transaction(&keys, |conn| {
        let result = prepared
            .run(conn, env, opts, progress)
            .map_err(TxEnd::Failed)?;
        if dry_run {
            Err(TxEnd::DryRun(result))
        } else {
            Ok(result)
        }
    });
    match outcome {
        Ok(r) | Err(TxEnd::DryRun(r)) => Ok(r),
        Err(TxEnd::Failed(f)) => Err(f),
    }
}

/// Both phases: what the CLI runs.
pub fn import<R: Read + Seek>(
    conn: &mut DbConn,
    env: &Env,
    input: R,
    opts: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportResult, ImportFailure> {
    let prepared = prepare(conn, env, input, opts.max_errors, progress)?;
    execute(conn, env, prepared, opts, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of the records of `data`, counted as [`prepare`] counts them.
    fn record_lines(data: &str) -> Vec<(String, u64)> {
        let lines = Rc::new(RefCell::new(Lines::default()));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .from_reader(Tap {
                inner: data.as_bytes(),
                lines: lines.clone(),
            });
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).unwrap() {
            let line = lines
                .borrow_mut()
                .line_at(record.position().unwrap().byte());
            out.push((record.get(0).unwrap().to_string(), line));
        }
        out
    }

    #[test]
    fn physical_line_numbers_with_crlf_empty_lines_and_quoted_newlines() {
        let got = record_lines("h;a\r\n1;2\r\n;;\r\n\r\n\"x\ny\";3\r\n4;4\r\n");
        let want = [("h", 1), ("1", 2), ("", 3), ("x\ny", 5), ("4", 7)];
        assert_eq!(got, want.map(|(s, l)| (s.to_string(), l)).to_vec(), "CRLF");
        let got = record_lines("h;a\n1;2\n\n\n3;4\n");
        assert_eq!(got[2], ("3".to_string(), 5));
        let got = record_lines(";;\n\nh;a\n1;2");
        assert_eq!(got[1], ("h".to_string(), 3));
        assert_eq!(got[2], ("1".to_string(), 4));
        // Far beyond the reader's buffer.
        let mut big = String::from("h;a\r\n");
        for i in 0..5000 {
            big.push_str(&format!("{i};x\r\n\r\n"));
        }
        let got = record_lines(&big);
        assert_eq!(got[5000], ("4999".to_string(), 2 + 2 * 4999));
    }

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
