//! How numbers, identity numbers and words are written for people, the
//! Swedish way: in the sign payloads, the PDFs and any page. One place, so
//! every document writes `5 440,00` the same way.
//!
//! - Hours and amounts: two decimals, decimal comma, a space between
//!   thousands (`1 234 567,89`; Språkrådet's rule). The space is an ordinary
//!   U+0020 so that text read back from a PDF (`pdftotext`) or shown by a
//!   signing app compares as written.
//! - Personnummer: `YYYYMMDD-NNNN` (the 12-digit form with a hyphen).
//! - Dates `YYYY-MM-DD` and clock times `HH:MM` are what `NaiveDate` and
//!   the stored `HH:MM` strings already print.

use crate::domain::quantity::{div_round_half_away, Ore, PayableUnits};
use crate::domain::shift::ShiftKind;

/// Hundredths (of an hour, or öre as kronor) the Swedish way:
/// `544000` → `"5 440,00"`, `-5` → `"-0,05"`.
pub fn hundredths(v: i64) -> String {
    let abs = v.unsigned_abs();
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{},{:02}", thousands(abs / 100), abs % 100)
}

/// Clock minutes as hours, rounded once to hundredths (half away from zero):
/// `735` → `"12,25"`.
pub fn minutes_as_hours(minutes: i64) -> String {
    let h = div_round_half_away(i128::from(minutes) * 100, 60);
    hundredths(i64::try_from(h).unwrap_or(i64::MAX))
}

/// Payable time as hours: `PayableUnits` rounded once.
pub fn units_as_hours(units: PayableUnits) -> String {
    hundredths(units.hundredths_of_hour())
}

/// Kronor: `Ore(18_190_000)` → `"181 900,00"`.
pub fn kronor(ore: Ore) -> String {
    hundredths(ore.0)
}

/// An unsigned integer with a space between thousands: `1234567` → `"1 234 567"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The stored 12-digit personnummer as `YYYYMMDD-NNNN`; anything else is
/// returned as it is.
pub fn personnummer(twelve: &str) -> String {
    if twelve.len() == 12 && twelve.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &twelve[..8], &twelve[8..])
    } else {
        twelve.to_string()
    }
}

/// The kind of time as a heading or a row says it.
pub fn kind(kind: ShiftKind) -> &'static str {
    match kind {
        ShiftKind::Active => "aktiv assistans",
        ShiftKind::Waiting => "väntetid",
        ShiftKind::Standby => "beredskap",
    }
}

/// `ja` / `nej`.
pub fn yes_no(b: bool) -> &'static str {
    if b {
        "ja"
    } else {
        "nej"
    }
}

/// The month in words: `2026-10` → `"oktober 2026"`.
pub fn month_name(year: i32, month: u32) -> String {
    const NAMES: [&str; 12] = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let name = NAMES
        .get(month.wrapping_sub(1) as usize)
        .copied()
        .unwrap_or("?");
    format!("{name} {year}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_swedish_way() {
        assert_eq!(hundredths(544_000), "5 440,00");
        assert_eq!(hundredths(0), "0,00");
        assert_eq!(hundredths(5), "0,05");
        assert_eq!(hundredths(-5), "-0,05");
        assert_eq!(hundredths(99_999), "999,99");
        assert_eq!(hundredths(100_000), "1 000,00");
        assert_eq!(hundredths(123_456_789), "1 234 567,89");
        assert_eq!(kronor(Ore(18_190_000)), "181 900,00");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1 000");
        assert_eq!(thousands(100_000), "100 000");
    }

    #[test]
    fn hours_round_once() {
        assert_eq!(minutes_as_hours(735), "12,25");
        assert_eq!(minutes_as_hours(1), "0,02");
        assert_eq!(minutes_as_hours(600), "10,00");
        // One hour of standby: 240 units = 0.142857… h.
        assert_eq!(units_as_hours(PayableUnits(240)), "0,14");
        assert_eq!(units_as_hours(PayableUnits(28 * 60 * 5440)), "5 440,00");
    }

    #[test]
    fn identity_numbers_and_words() {
        assert_eq!(personnummer("194503121206"), "19450312-1206");
        assert_eq!(personnummer("5599000022"), "5599000022");
        assert_eq!(kind(ShiftKind::Waiting), "väntetid");
        assert_eq!(yes_no(true), "ja");
        assert_eq!(month_name(2026, 10), "oktober 2026");
        assert_eq!(month_name(2026, 1), "januari 2026");
    }
}
