//! Cell values as a spreadsheet writes them, read into the types the time
//! report rules take. Each failure carries a stable code and a message that
//! says how to write the value; messages never repeat a personnummer.

use chrono::NaiveDate;

use crate::domain::identity::PersonalNumber;
use crate::domain::shift::{ClockTime, ShiftKind};

/// A cell that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub code: &'static str,
    pub message: String,
}

impl ValueError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// A personnummer or samordningsnummer (10 or 12 digits, with or without
/// `-`/`+`), as the 12-digit form. A number that Excel turned into a
/// number (`1,95804E+11`, or a 10-digit number that lost its leading zero)
/// gets its own code: its digits are lost, and only the spreadsheet can fix
/// it.
pub fn personnummer(cell: &str, today: NaiveDate) -> Result<PersonalNumber, ValueError> {
    if looks_like_excel_number(cell) {
        return Err(ValueError::new(
            "personnummer_as_number",
            "Excel has turned this personnummer into a number and lost digits. Format the column as Text and type the numbers again (or write them with a hyphen, YYYYMMDD-NNNN), then save the file again.",
        ));
    }
    PersonalNumber::parse_on(cell, today).map_err(|e| {
        ValueError::new(
            "invalid_personnummer",
            format!("Not a valid personnummer or samordningsnummer: {e}. Write YYYYMMDD-NNNN."),
        )
    })
}

/// Scientific notation (`1,95804E+11`, `1.95804e11`) or nine bare digits (a
/// ten-digit number starting with 0 that Excel stored as a number).
fn looks_like_excel_number(s: &str) -> bool {
    if s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let Some((mantissa, exponent)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let mut parts = mantissa.splitn(2, [',', '.']);
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next().unwrap_or("0");
    !whole.is_empty()
        && !exponent.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// `2026-10-01`, or as Excel may write a date cell: `2026-10-01 00:00:00`,
/// `2026-10-01 00:00` (also with `T`). A time part other than midnight is
/// refused: the start time belongs in its own column.
pub fn date(cell: &str) -> Result<NaiveDate, ValueError> {
    let (day, time) = match cell.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (cell, None),
    };
    let midnight = time.is_none_or(|t| matches!(t, "00:00" | "00:00:00" | "0:00" | "0:00:00"));
    match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(d) if midnight && day.len() == 10 => Ok(d),
        _ => Err(ValueError::new(
            "invalid_date",
            format!("`{cell}` is not a date; write YYYY-MM-DD, e.g. 2026-10-01."),
        )),
    }
}

/// `7:00`, `07:00`, `07:00:00`, and the Swedish `07.00`; `24:00` as an end.
pub fn clock(cell: &str) -> Result<ClockTime, ValueError> {
    let normalised;
    let s = match cell.split_once('.') {
        // `07.00`: the Swedish way of writing a time of day.
        Some((h, m)) if m.len() == 2 && !m.contains('.') => {
            normalised = format!("{h}:{m}");
            normalised.as_str()
        }
        _ => cell,
    };
    ClockTime::parse(s).map_err(|e| {
        ValueError::new(
            e.code(),
            format!("`{cell}` is not a clock time; write HH:MM (00:00–24:00), e.g. 07:00."),
        )
    })
}

/// The kind of time, in the words people write (see [`ShiftKind::from_file_word`]);
/// empty means active.
pub fn kind(cell: &str) -> Result<ShiftKind, ValueError> {
    ShiftKind::from_file_word(cell).map_err(|e| ValueError::new(e.code(), e.to_string()))
}

/// Yes or no; empty means no. Also Excel's own TRUE/FALSE in Swedish.
pub fn yes_no(cell: &str) -> Result<bool, ValueError> {
    match cell.to_lowercase().as_str() {
        "ja" | "j" | "yes" | "y" | "1" | "sant" | "true" | "x" => Ok(true),
        "" | "nej" | "n" | "no" | "0" | "falskt" | "false" => Ok(false),
        _ => Err(ValueError::new(
            "invalid_yes_no",
            format!("`{cell}` is not yes or no; write ja or nej (or yes/no, 1/0), or leave it empty for no."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        "2026-11-10".parse().unwrap()
    }

    #[test]
    fn personnummer_forms() {
        let p = personnummer("19580412-1234", today());
        // Checksum of this made-up number is wrong: a Luhn error, not the Excel one.
        assert_eq!(p.unwrap_err().code, "invalid_personnummer");
        for ok in ["195804121233", "19580412-1233", "580412-1233", "5804121233"] {
            assert_eq!(
                personnummer(ok, today()).unwrap().as_str(),
                "195804121233",
                "{ok}"
            );
        }
    }

    #[test]
    fn excel_numbers_get_their_own_code() {
        for mangled in [
            "1,95804E+11",
            "1.95804E+11",
            "1,95804e+11",
            "2E+11",
            "501011234",
        ] {
            let e = personnummer(mangled, today()).unwrap_err();
            assert_eq!(e.code, "personnummer_as_number", "{mangled}");
            assert!(!e.message.contains(mangled));
        }
        assert_eq!(
            personnummer("E+11", today()).unwrap_err().code,
            "invalid_personnummer"
        );
    }

    #[test]
    fn dates_as_excel_writes_them() {
        let d: NaiveDate = "2026-10-01".parse().unwrap();
        for ok in [
            "2026-10-01",
            "2026-10-01 00:00:00",
            "2026-10-01 00:00",
            "2026-10-01T00:00:00",
        ] {
            assert_eq!(date(ok).unwrap(), d, "{ok}");
        }
        for bad in [
            "2026-10-32",
            "1/10/2026",
            "2026-10-01 07:00",
            "2026-1-1",
            "",
            "20261001",
        ] {
            assert_eq!(date(bad).unwrap_err().code, "invalid_date", "{bad}");
        }
    }

    #[test]
    fn clock_times() {
        for (s, m) in [
            ("7:00", 420),
            ("07:00", 420),
            ("07:00:00", 420),
            ("07.00", 420),
            ("24:00", 1440),
        ] {
            assert_eq!(clock(s).unwrap().minutes(), m, "{s}");
        }
        for bad in ["7", "07:00:30", "25:00", "7.5", "", "0,291666667"] {
            assert_eq!(clock(bad).unwrap_err().code, "invalid_time", "{bad}");
        }
    }

    #[test]
    fn kinds_and_yes_no() {
        assert_eq!(kind("").unwrap(), ShiftKind::Active);
        assert_eq!(kind("Aktiv").unwrap(), ShiftKind::Active);
        assert_eq!(kind("VÄNTETID").unwrap(), ShiftKind::Waiting);
        assert_eq!(kind("jour").unwrap(), ShiftKind::Waiting);
        assert_eq!(kind("beredskap").unwrap(), ShiftKind::Standby);
        assert_eq!(kind("standby").unwrap(), ShiftKind::Standby);
        assert_eq!(kind("sömn").unwrap_err().code, "invalid_kind");
        for t in ["ja", "Ja", "yes", "1", "SANT", "x"] {
            assert!(yes_no(t).unwrap(), "{t}");
        }
        for f in ["", "nej", "NEJ", "no", "0", "FALSKT"] {
            assert!(!yes_no(f).unwrap(), "{f}");
        }
        assert_eq!(yes_no("kanske").unwrap_err().code, "invalid_yes_no");
    }
}
