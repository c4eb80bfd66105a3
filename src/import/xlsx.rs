//! `.xlsx` in and out. An uploaded workbook's first sheet is written out as
//! the CSV the import already reads (`;`, UTF-8, one line per sheet row), so
//! it passes through the very same phases, rules and faults as a CSV file:
//! a fault's `line` is the sheet row and its `column` the header text, and
//! [`cell`] names the cell (`"C4"`). The template (`Mall`) is written here
//! too, in both formats.
//!
//! Excel keeps dates as serial day numbers and clock times as fractions of
//! a day (binary floating point). They are read exactly: the float's exact
//! binary value is converted with integer arithmetic to the nearest
//! millisecond (Excel's own precision, far above a float's noise), and a
//! time that is not a whole minute stays visible (`07:00:30`) so that the
//! import's own rule refuses it instead of a silent rounding.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate};

use super::header::Column;

/// The media type of `.xlsx` files.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Whether the bytes are a zip archive, as every `.xlsx` file is (CSV
/// never starts with `PK\x03\x04`).
pub fn looks_like_xlsx(first_bytes: &[u8]) -> bool {
    first_bytes.starts_with(b"PK\x03\x04")
}

/// Why a workbook could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("The file is not a readable .xlsx workbook ({0}).")]
    Unreadable(String),
    #[error("The workbook has no worksheet.")]
    NoSheet,
}

/// The first worksheet as CSV text the import reads: sheet row N is line N.
pub fn sheet_as_csv<R: Read + Seek>(reader: R) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Xlsx::new(reader).map_err(|e| XlsxError::Unreadable(e.to_string()))?;
    let epoch = epoch(workbook.has_1904_epoch());
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(XlsxError::NoSheet)?
        .map_err(|e| XlsxError::Unreadable(e.to_string()))?;
    let mut out = Vec::new();
    let Some((first_row, first_col)) = range.start() else {
        return Ok(out);
    };
    // Rows above the used range are empty lines, columns left of it empty
    // cells: lines and column positions stay those of the sheet.
    for _ in 0..first_row {
        out.extend_from_slice(b"\r\n");
    }
    let mut columns: Vec<Option<Column>> = Vec::new();
    for row in range.rows() {
        let mut fields: Vec<String> = vec![String::new(); first_col as usize];
        for (j, cell) in row.iter().enumerate() {
            let column = columns.get(j).copied().flatten();
            fields.push(cell_text(cell, column, epoch));
        }
        // The header is the first row with text, as for CSV.
        if columns.is_empty() && fields.iter().any(|f| !f.trim().is_empty()) {
            columns = row
                .iter()
                .map(|c| Column::from_header(cell_text(c, None, epoch).trim()))
                .collect();
        }
        write_record(&mut out, &fields);
    }
    Ok(out)
}

fn write_record(out: &mut Vec<u8>, fields: &[String]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        if f.contains([';', '"', ',']) {
            out.push(b'"');
            out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(f.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// A cell as the CSV import reads it. `column` is what the header says the
/// cell holds, which decides how a bare number is meant.
fn cell_text(cell: &Data, column: Option<Column>, epoch: NaiveDate) -> String {
    let clock = matches!(column, Some(Column::Start | Column::End));
    match cell {
        Data::Empty => String::new(),
        // A line break inside a cell would shift every later line number.
        Data::String(s) => s.replace(['\r', '\n'], " "),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::Int(i) => integer_text(*i, column, epoch),
        Data::Float(f) => number_text(*f, column, clock, epoch),
        Data::DateTime(dt) => serial_text_from(dt.as_f64(), clock, epoch),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn integer_text(i: i64, column: Option<Column>, epoch: NaiveDate) -> String {
    match column {
        // A date typed as a bare serial number.
        Some(Column::Date) if (1..=2_958_465).contains(&i) => {
            serial_text_from(i as f64, false, epoch)
        }
        _ => i.to_string(),
    }
}

fn number_text(f: f64, column: Option<Column>, clock: bool, epoch: NaiveDate) -> String {
    if clock && (0.0..=1.0).contains(&f) {
        return serial_text_from(f, true, epoch);
    }
    if column == Some(Column::Date) && (1.0..2_958_466.0).contains(&f) {
        return serial_text_from(f, false, epoch);
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Whole numbers (a personnummer kept as a number) without `.0`.
        return integer_text(f as i64, column, epoch);
    }
    f.to_string()
}

/// Milliseconds in a day: Excel keeps times to the millisecond.
const DAY_MS: i128 = 86_400_000;

/// A serial's value in whole milliseconds, rounded to the nearest, computed
/// exactly: an `f64` is the rational `mantissa × 2^exponent`, so
/// `mantissa × 86 400 000 / 2^-exponent` is integer arithmetic with no float
/// rounding on the way. `None` outside Excel's range of dates.
fn exact_millis(serial: f64) -> Option<i128> {
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let bits = serial.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    let scaled = i128::from(mantissa) * DAY_MS;
    Some(if exponent >= 0 {
        scaled << exponent
    } else if exponent <= -120 {
        0
    } else {
        let shift = (-exponent) as u32;
        (scaled + (1i128 << (shift - 1))) >> shift
    })
}

/// A serial date-time (days since 1899-12-30, the 1900 date system; `epoch`
/// moves it for a workbook in the 1904 system) as text: a date, a clock
/// time (`clock`, or a value below one day), or both. A time that is not a
/// whole minute keeps its seconds (and milliseconds) so that the import's
/// own rule refuses it rather than a silent rounding.
#[cfg(test)]
fn serial_text(serial: f64, clock: bool) -> String {
    serial_text_from(serial, clock, epoch(false))
}

/// Day 0 of the workbook's date system: 1899-12-30, or 1904-01-01 in the
/// 1904 system of old Excel for Mac.
fn epoch(is_1904: bool) -> NaiveDate {
    if is_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1).expect("a valid date")
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30).expect("a valid date")
    }
}

fn serial_text_from(serial: f64, clock: bool, epoch: NaiveDate) -> String {
    let Some(ms) = exact_millis(serial) else {
        return format!("{serial}");
    };
    let days = (ms / DAY_MS) as i64;
    let rem = ms % DAY_MS;
    let time = || {
        let (h, m, s, milli) = (
            rem / 3_600_000,
            rem / 60_000 % 60,
            rem / 1000 % 60,
            rem % 1000,
        );
        if rem % 60_000 == 0 {
            format!("{h:02}:{m:02}")
        } else if milli == 0 {
            format!("{h:02}:{m:02}:{s:02}")
        } else {
            format!("{h:02}:{m:02}:{s:02}.{milli:03}")
        }
    };
    if clock || days == 0 {
        // 24:00 (one whole day) is midnight at the end of the day.
        return if days == 1 && rem == 0 {
            "24:00".to_string()
        } else if days == 0 {
            time()
        } else {
            format!("{serial}")
        };
    }
    let Some(date) = epoch.checked_add_signed(Duration::days(days)) else {
        return format!("{serial}");
    };
    if rem == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        format!("{} {}", date.format("%Y-%m-%d"), time())
    }
}

/// The spreadsheet name of a cell: column position (0-based) and sheet row.
pub fn cell(position: usize, row: u64) -> String {
    let mut letters = Vec::new();
    let mut n = position + 1;
    while n > 0 {
        let r = (n - 1) % 26;
        letters.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8(letters).unwrap_or_default())
}

/// Names the cell of a fault (`"C4"`) when it is one cell of the sheet.
pub fn name_cell(fault: &mut super::CsvError) {
    if let Some(position) = fault.position() {
        fault.cell = Some(cell(position, fault.line));
    }
}

/// The template's header row: the Swedish names, as the export writes them.
fn template_headers() -> Vec<&'static str> {
    Column::ALL.iter().map(Column::swedish).collect()
}

/// The CSV template in Excel's Swedish dialect: `;`, CRLF, Windows-1252.
pub fn template_csv() -> Vec<u8> {
    let mut out = Vec::new();
    write_record(
        &mut out,
        &template_headers()
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(std::str::from_utf8(&out).unwrap_or(""));
    bytes.into_owned()
}

/// The `.xlsx` template: the header row, personnummer columns formatted as
/// text (so Excel keeps every digit), dates as `åååå-mm-dd`, clock times as
/// `tt:mm`, and a second sheet that says how to fill it in.
pub fn template_xlsx(instructions: &[&str]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("hh:mm");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Tidrapport")?;
    for (i, (column, name)) in Column::ALL.iter().zip(template_headers()).enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, name, &bold)?;
        let (width, format) = match column {
            Column::AssistanceUser | Column::Assistant => (16.0, &text),
            Column::Date => (12.0, &date),
            Column::Start | Column::End => (8.0, &time),
            _ => (10.0, &text),
        };
        sheet.set_column_width(col, width)?;
        sheet.set_column_format(col, format)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let help = workbook.add_worksheet();
    help.set_name("Instruktioner")?;
    help.set_column_width(0, 100.0)?;
    for (i, line) in instructions.iter().enumerate() {
        help.write_string(i as u32, 0, *line)?;
    }
    workbook.save_to_buffer()
}

/// Reads a workbook from memory (tests and the template's round trip).
pub fn sheet_as_csv_from_bytes(bytes: &[u8]) -> Result<Vec<u8>, XlsxError> {
    sheet_as_csv(Cursor::new(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_read_exactly() {
        assert_eq!(serial_text(46296.0, false), "2026-10-01");
        // 07:00 as Excel stores it.
        assert_eq!(serial_text(0.291_666_666_666_666_7, true), "07:00");
        assert_eq!(serial_text(7.0 / 24.0, true), "07:00");
        assert_eq!(serial_text(22.0 / 24.0 + 30.0 / 1440.0, true), "22:30");
        assert_eq!(serial_text(1.0, true), "24:00");
        assert_eq!(serial_text(0.0, true), "00:00");
        // Half a minute is not rounded away: the import refuses it.
        assert_eq!(serial_text(7.0 / 24.0 + 30.0 / 86_400.0, true), "07:00:30");
        assert_eq!(
            serial_text(7.0 / 24.0 + 0.25 / 86_400.0, true),
            "07:00:00.250"
        );
        // Float noise from a formula (=A2+1/24) is below a millisecond.
        assert_eq!(serial_text(6.0 / 24.0 + 1.0 / 24.0, true), "07:00");
        assert_eq!(exact_millis(0.5), Some(43_200_000));
        assert_eq!(exact_millis(-1.0), None);
        // A date and time far from the epoch keeps its minutes.
        assert_eq!(
            serial_text(46296.0 + 22.5 / 24.0, false),
            "2026-10-01 22:30"
        );
        assert_eq!(serial_text(46296.25, false), "2026-10-01 06:00");
        // Every minute of a day survives the float.
        for m in 0..1440 {
            let text = serial_text(m as f64 / 1440.0, true);
            assert_eq!(text, format!("{:02}:{:02}", m / 60, m % 60));
            // With a date in front, too (the float has fewer bits left).
            let text = serial_text(46296.0 + m as f64 / 1440.0, false);
            assert_eq!(
                text,
                format!("2026-10-01 {:02}:{:02}", m / 60, m % 60).replace(" 00:00", "")
            );
        }
    }

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell(0, 1), "A1");
        assert_eq!(cell(2, 4), "C4");
        assert_eq!(cell(25, 9), "Z9");
        assert_eq!(cell(26, 2), "AA2");
        assert_eq!(cell(27, 2), "AB2");
    }

    #[test]
    fn the_template_reads_back_as_its_header() {
        let bytes = template_xlsx(&["Fyll i en rad per pass."]).unwrap();
        assert!(looks_like_xlsx(&bytes));
        let csv = String::from_utf8(sheet_as_csv_from_bytes(&bytes).unwrap()).unwrap();
        assert_eq!(
            csv,
            "brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\r\n"
        );
        assert_eq!(
            template_csv(),
            b"brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\r\n"
        );
    }

    #[test]
    fn numbers_become_the_text_people_typed() {
        assert_eq!(
            cell_text(
                &Data::Float(197001010110.0),
                Some(Column::Assistant),
                epoch(false)
            ),
            "197001010110"
        );
        assert_eq!(
            cell_text(&Data::Float(46296.0), Some(Column::Date), epoch(false)),
            "2026-10-01"
        );
        assert_eq!(
            cell_text(&Data::Float(0.75), Some(Column::End), epoch(false)),
            "18:00"
        );
        assert_eq!(
            cell_text(&Data::String("a\nb;c".into()), None, epoch(false)),
            "a b;c"
        );
        assert_eq!(
            cell_text(&Data::Bool(true), Some(Column::Double), epoch(false)),
            "TRUE"
        );
    }
}
