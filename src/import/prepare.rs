//! Phase 1: streams the file (any size) into compact rows grouped by
//! (assistance user, month): encoding and delimiter detection, header
//! mapping, cell values, personnummer → ids of the caller's organisation.
//! Every fault of the file itself is collected on the way.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::rc::Rc;

use chrono::NaiveDate;

use super::decode::{detect_encoding, read_through_header, DecodeError, Utf8Reader};
use super::faults::{CsvError, ErrorSink, ImportFailure};
use super::header::{Column, Header};
use super::lines::{Counting, Lines, Tap};
use super::options::Progress;
use super::values;
use crate::db::register as reg;
use crate::db::DbConn;
use crate::domain::deadline::stockholm_date;
use crate::domain::month::ReportMonth;
use crate::domain::shift::{ClockTime, ShiftKind};
use crate::domain::text;
use crate::service::submission::Env;

/// A good row, compactly: ids are indices into [`Prepared`]'s tables.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    /// Where the row is in the file: its line in a CSV file; in a PAXml
    /// file, the `tidtrans`'s ordinal (see `paxml::import`).
    pub(super) line: u32,
    pub(super) assistant: u32,
    pub(super) date: NaiveDate,
    pub(super) start: ClockTime,
    pub(super) end: ClockTime,
    pub(super) kind: ShiftKind,
    pub(super) double: bool,
    pub(super) hospital: bool,
    /// Clock times assumed (PAXml `datum` + `timmar`).
    pub(super) assumed: bool,
}

/// The rows of one (assistance user, month).
#[derive(Debug)]
pub(super) struct Group {
    pub(super) user: u32,
    pub(super) month: ReportMonth,
    pub(super) rows: Vec<Row>,
}

/// Good rows grouped by (assistance user, month of the row's date), the
/// groups in the order the file first names them.
#[derive(Debug, Default)]
pub(super) struct Grouping {
    groups: Vec<Group>,
    index: HashMap<(u32, ReportMonth), usize>,
}

impl Grouping {
    pub(super) fn push(&mut self, user: u32, row: Row) {
        let month = ReportMonth::of(row.date);
        let groups = &mut self.groups;
        let g = *self.index.entry((user, month)).or_insert_with(|| {
            groups.push(Group {
                user,
                month,
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        self.groups[g].rows.push(row);
    }

    pub(super) fn into_groups(mut self) -> Vec<Group> {
        for g in &mut self.groups {
            g.rows.shrink_to_fit();
        }
        self.groups
    }
}

/// A file read and mapped, ready to be submitted.
#[derive(Debug)]
pub struct Prepared {
    pub(super) org: String,
    pub(super) header: Header,
    /// Assistance user ids, by index.
    pub(super) users: Vec<String>,
    /// Assistant ids, by index.
    pub(super) assistants: Vec<String>,
    /// In the order the file first names them.
    pub(super) groups: Vec<Group>,
    pub(super) errors: ErrorSink,
    pub(super) rows: u64,
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
    // The organisation's people, read once: no query per person named.
    let (user_ids, assistant_ids) = reg::people_by_number(conn, &org).map_err(ImportFailure::Db)?;
    let mut groups = Grouping::default();
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
        // A control character anywhere in the row refuses the cell that
        // holds it, before any value is read (the rule of every text field).
        let mut dirty = false;
        for (i, v) in record.iter().enumerate() {
            if let Some(c) = text::first_forbidden(v) {
                errors.push(
                    CsvError::new(
                        line,
                        h.names.get(i).filter(|n| !n.is_empty()).cloned(),
                        text::INVALID_CHARACTER,
                        text::message(c),
                    )
                    .at_position(i),
                );
                dirty = true;
            }
        }
        if dirty {
            continue;
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
                Ok(user_ids.get(n).cloned())
            })
            .map_err(ImportFailure::Db)?
            .map_err(|(code, message)| faults.push((Column::AssistanceUser, code, message)))
            .ok(),
        };
        let assistant = match cell(Column::Assistant) {
            "" => None,
            v => person(v, Column::Assistant, today, &mut assistants, &mut |n| {
                Ok(assistant_ids.get(n).cloned())
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
        groups.push(
            user,
            Row {
                line: line_no(line),
                assistant,
                date,
                start,
                end,
                kind,
                double,
                hospital,
                assumed: false,
            },
        );
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
    Ok(Prepared {
        org,
        header,
        users: users.ids,
        assistants: assistants.ids,
        groups: groups.into_groups(),
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

impl Prepared {
    /// Data rows read.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Reports (user, month) the file holds.
    pub fn reports(&self) -> usize {
        self.groups.len()
    }
}
