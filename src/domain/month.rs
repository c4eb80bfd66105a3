//! The reported month (*redovisningsmånad*).
//!
//! Every report to Försäkringskassan covers exactly one calendar month, so the
//! month is the key for deadlines, lateness and storage. It is kept as its own
//! type rather than a `NaiveDate` so that "some day in March" can never be
//! confused with "the March report".

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A reported calendar month (*redovisningsmånad*), "YYYY-MM".
///
/// Ordered chronologically (field order `year`, `month` makes the derived
/// `Ord` do the right thing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportMonth {
    year: i32,
    month: u32,
}

/// The text was not a month in the form `YYYY-MM` (year 1900–9999).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected YYYY-MM")]
pub struct MonthParseError;

/// Years accepted by [`ReportMonth::parse`]. Narrower than what
/// [`ReportMonth::new`] accepts: text from clients with a two- or five-digit
/// year is a mistake, not a month we want to store.
const PARSE_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

impl ReportMonth {
    /// What [`ReportMonth::parse`] accepts, as an ECMA-262 pattern for the
    /// OpenAPI document.
    pub const PATTERN: &'static str = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$";

    /// `None` unless `month` is 1–12 and the whole month lies in chrono's
    /// supported date range.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        if !(1..=12).contains(&month) {
            return None;
        }
        let m = ReportMonth { year, month };
        // Both ends must be representable, or first_day/last_day could panic.
        NaiveDate::from_ymd_opt(year, month, 1)?;
        NaiveDate::from_ymd_opt(year, month, m.days())?;
        Some(m)
    }

    /// Parses exactly `YYYY-MM`: four ASCII digits, `-`, two ASCII digits,
    /// nothing else (no whitespace, no sign), year 1900–9999, month 01–12.
    pub fn parse(s: &str) -> Result<Self, MonthParseError> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
            return Err(MonthParseError);
        }
        // All ASCII digits, so these cannot fail.
        let year: i32 = s[0..4].parse().map_err(|_| MonthParseError)?;
        let month: u32 = s[5..7].parse().map_err(|_| MonthParseError)?;
        if !PARSE_YEARS.contains(&year) {
            return Err(MonthParseError);
        }
        Self::new(year, month).ok_or(MonthParseError)
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Self {
        ReportMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// 1–12.
    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn first_day(&self) -> NaiveDate {
        self.day(1)
    }

    pub fn last_day(&self) -> NaiveDate {
        self.day(self.days())
    }

    /// The given day of this month, clamped to 1..=[`days`](Self::days) so
    /// that e.g. "day 31" of February is its last day.
    pub fn day_clamped(&self, day: u32) -> NaiveDate {
        self.day(day.clamp(1, self.days()))
    }

    /// Number of days in the month (28–31).
    pub fn days(&self) -> u32 {
        match self.month {
            4 | 6 | 9 | 11 => 30,
            2 if is_leap_year(self.year) => 29,
            2 => 28,
            _ => 31,
        }
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        Self::of(d) == *self
    }

    /// The month `n` months later (earlier when `n` is negative).
    ///
    /// # Panics
    /// If the result is outside chrono's date range (about ±262 000 years).
    pub fn add_months(&self, n: i32) -> Self {
        self.checked_add_months(n)
            .expect("ReportMonth::add_months: out of chrono's date range")
    }

    /// Like [`add_months`](Self::add_months) but `None` instead of panicking.
    pub fn checked_add_months(&self, n: i32) -> Option<Self> {
        // Count months from year 0 in i64 so no intermediate can overflow.
        let index = i64::from(self.year) * 12 + i64::from(self.month - 1) + i64::from(n);
        let year = i32::try_from(index.div_euclid(12)).ok()?;
        let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
        Self::new(year, month)
    }

    /// Every date of the month, first to last.
    pub fn iter_days(&self) -> impl Iterator<Item = NaiveDate> {
        self.first_day().iter_days().take(self.days() as usize)
    }

    fn day(&self, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, day)
            .expect("ReportMonth invariant: valid year/month and day within days()")
    }
}

fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

impl fmt::Display for ReportMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for ReportMonth {
    type Err = MonthParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ReportMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReportMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than `<&str>::deserialize` so that owned/escaped
        // strings (e.g. from a reader) work too.
        struct V;
        impl de::Visitor<'_> for V {
            type Value = ReportMonth;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a month as \"YYYY-MM\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ReportMonth, E> {
                ReportMonth::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_agrees_with_parse() {
        let re = regex::Regex::new(ReportMonth::PATTERN).unwrap();
        for s in [
            "2026-10", "1900-01", "9999-12", "1899-12", "2026-13", "2026-00", "2026-1", "26-10",
            " 2026-10", "2026-10 ", "20261", "+2026-10",
        ] {
            assert_eq!(re.is_match(s), ReportMonth::parse(s).is_ok(), "{s}");
        }
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rm(y: i32, m: u32) -> ReportMonth {
        ReportMonth::new(y, m).unwrap()
    }

    #[test]
    fn new_validates_month() {
        assert!(ReportMonth::new(2026, 0).is_none());
        assert!(ReportMonth::new(2026, 13).is_none());
        assert_eq!(rm(2026, 12).month(), 12);
        assert_eq!(rm(2026, 1).year(), 2026);
        assert!(ReportMonth::new(i32::MAX, 1).is_none());
    }

    #[test]
    fn parse_accepts_exact_form() {
        assert_eq!(ReportMonth::parse("2026-01"), Ok(rm(2026, 1)));
        assert_eq!(ReportMonth::parse("2026-12"), Ok(rm(2026, 12)));
        assert_eq!(ReportMonth::parse("1900-01"), Ok(rm(1900, 1)));
        assert_eq!(ReportMonth::parse("9999-12"), Ok(rm(9999, 12)));
        assert_eq!("2024-02".parse::<ReportMonth>(), Ok(rm(2024, 2)));
    }

    #[test]
    fn parse_rejects_edge_cases() {
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            " 2026-01",
            "2026-01 ",
            "2026-01\n",
            "2026/01",
            "2026-1a",
            "+026-01",
            "-026-01",
            "2026--1",
            "2026-+1",
            "1899-12",
            "0000-01",
            "10000-01",
            "2026-01-01",
            "2026",
            "",
            "2026_01",
            "２０２６-01",
            "2026-0１",
        ] {
            assert_eq!(ReportMonth::parse(bad), Err(MonthParseError), "{bad:?}");
        }
        assert_eq!(MonthParseError.to_string(), "expected YYYY-MM");
    }

    #[test]
    fn display_round_trips() {
        assert_eq!(rm(2026, 3).to_string(), "2026-03");
        assert_eq!(rm(1900, 11).to_string(), "1900-11");
        for y in [1900, 1999, 2026, 9999] {
            for m in 1..=12 {
                let x = rm(y, m);
                assert_eq!(ReportMonth::parse(&x.to_string()), Ok(x));
            }
        }
    }

    #[test]
    fn serde_as_string() {
        let x = rm(2026, 2);
        assert_eq!(serde_json::to_string(&x).unwrap(), "\"2026-02\"");
        assert_eq!(
            serde_json::from_str::<ReportMonth>("\"2026-02\"").unwrap(),
            x
        );
        // Escaped input is not borrowable; the visitor must still cope.
        assert_eq!(
            serde_json::from_str::<ReportMonth>("\"2026\\u002d02\"").unwrap(),
            x
        );
        assert_eq!(
            serde_json::from_reader::<_, ReportMonth>(&b"\"2026-02\""[..]).unwrap(),
            x
        );
        let err = serde_json::from_str::<ReportMonth>("\"2026-2\"").unwrap_err();
        assert!(err.to_string().contains("expected YYYY-MM"), "{err}");
        assert!(serde_json::from_str::<ReportMonth>("202602").is_err());
    }

    #[test]
    fn of_and_contains() {
        assert_eq!(ReportMonth::of(ymd(2026, 2, 28)), rm(2026, 2));
        assert!(rm(2026, 2).contains(ymd(2026, 2, 1)));
        assert!(rm(2026, 2).contains(ymd(2026, 2, 28)));
        assert!(!rm(2026, 2).contains(ymd(2026, 3, 1)));
        assert!(!rm(2026, 2).contains(ymd(2025, 2, 10)));
    }

    #[test]
    fn days_and_bounds() {
        assert_eq!(rm(2026, 2).days(), 28);
        assert_eq!(rm(2024, 2).days(), 29);
        assert_eq!(rm(2000, 2).days(), 29);
        assert_eq!(rm(1900, 2).days(), 28);
        assert_eq!(rm(2100, 2).days(), 28);
        assert_eq!(rm(2026, 4).days(), 30);
        assert_eq!(rm(2026, 12).days(), 31);
        assert_eq!(rm(2024, 2).first_day(), ymd(2024, 2, 1));
        assert_eq!(rm(2024, 2).last_day(), ymd(2024, 2, 29));
        assert_eq!(rm(2026, 12).last_day(), ymd(2026, 12, 31));
        assert_eq!(rm(2026, 2).day_clamped(31), ymd(2026, 2, 28));
        assert_eq!(rm(2026, 2).day_clamped(0), ymd(2026, 2, 1));
        assert_eq!(rm(2026, 2).day_clamped(5), ymd(2026, 2, 5));
        // days() agrees with chrono for every month over four centuries.
        for y in 1900..2300 {
            for m in 1..=12 {
                let x = rm(y, m);
                assert_eq!(
                    x.last_day().succ_opt().unwrap(),
                    x.add_months(1).first_day()
                );
            }
        }
    }

    #[test]
    fn add_months_both_directions() {
        assert_eq!(rm(2026, 1).add_months(0), rm(2026, 1));
        assert_eq!(rm(2026, 1).add_months(2), rm(2026, 3));
        assert_eq!(rm(2025, 11).add_months(2), rm(2026, 1));
        assert_eq!(rm(2025, 12).add_months(1), rm(2026, 1));
        assert_eq!(rm(2026, 1).add_months(-1), rm(2025, 12));
        assert_eq!(rm(2026, 3).add_months(-15), rm(2024, 12));
        assert_eq!(rm(2026, 3).add_months(-27), rm(2023, 12));
        assert_eq!(rm(2026, 3).add_months(24), rm(2028, 3));
        assert_eq!(rm(0, 1).add_months(-1), rm(-1, 12));
        assert!(rm(2026, 1).checked_add_months(i32::MAX).is_none());
        assert!(rm(2026, 1).checked_add_months(i32::MIN).is_none());
    }

    #[test]
    fn ordering_is_chronological() {
        assert!(rm(2025, 12) < rm(2026, 1));
        assert!(rm(2026, 2) < rm(2026, 10));
        let mut v = vec![rm(2026, 10), rm(2025, 12), rm(2026, 2)];
        v.sort();
        assert_eq!(v, vec![rm(2025, 12), rm(2026, 2), rm(2026, 10)]);
    }

    #[test]
    fn iter_days_covers_month() {
        let days: Vec<_> = rm(2024, 2).iter_days().collect();
        assert_eq!(days.len(), 29);
        assert_eq!(days[0], ymd(2024, 2, 1));
        assert_eq!(days[28], ymd(2024, 2, 29));
        assert!(days.iter().all(|d| rm(2024, 2).contains(*d)));
        assert_eq!(rm(2026, 12).iter_days().count(), 31);
    }
}
