//! Shifts on a time report: wall-clock times, and their placement
//! on the real (UTC) time line.
//!
//! Rows are entered as the assistant saw the clock in Europe/Stockholm.
//! What Försäkringskassan pays for is *real* elapsed time, so a night
//! shift over the autumn change to *normaltid* is an hour longer and one
//! over the spring change to *sommartid* an hour shorter than the clock
//! suggests. Resolving to UTC here keeps every later sum honest.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;

/// Re-exported: the kind of time and its vocabulary live in [`crate::domain::kind`].
pub use crate::domain::kind::ShiftKind;

const MINUTES_PER_DAY: u32 = 24 * 60;

/// A wall-clock time of day, 00:00..=24:00, minute precision.
///
/// `24:00` exists so that a shift ending at midnight can be written the
/// way people write it (`16:00–24:00`); it is only valid as an end time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime {
    /// Minutes since midnight, 0..=1440.
    minutes: u32,
}

impl ClockTime {
    /// What [`ClockTime::parse`] accepts, as an ECMA-262 pattern for the
    /// OpenAPI document.
    pub const PATTERN: &'static str = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)(:00)?$";

    /// 00:00.
    pub const MIDNIGHT: ClockTime = ClockTime { minutes: 0 };
    /// 24:00, midnight at the end of the day.
    pub const END_OF_DAY: ClockTime = ClockTime {
        minutes: MINUTES_PER_DAY,
    };

    /// Parses `"HH:MM"`, `"H:MM"` or `"HH:MM:SS"` (seconds must be `00`,
    /// since reports have minute precision). Hours 0–23, minutes 0–59,
    /// plus exactly `24:00`. No surrounding whitespace.
    pub fn parse(s: &str) -> Result<Self, ShiftError> {
        let mut parts = s.split(':');
        let (h, m, sec) = (parts.next(), parts.next(), parts.next());
        if parts.next().is_some() {
            return Err(ShiftError::InvalidTime);
        }
        let digits = |p: &str, min_len: usize| {
            (min_len..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
        };
        let (Some(h), Some(m)) = (h, m) else {
            return Err(ShiftError::InvalidTime);
        };
        if !digits(h, 1) || !digits(m, 2) {
            return Err(ShiftError::InvalidTime);
        }
        if let Some(sec) = sec {
            if sec != "00" {
                return Err(ShiftError::InvalidTime);
            }
        }
        // Both are at most two ASCII digits, so this cannot fail.
        let h: u32 = h.parse().map_err(|_| ShiftError::InvalidTime)?;
        let m: u32 = m.parse().map_err(|_| ShiftError::InvalidTime)?;
        match (h, m) {
            (24, 0) => Ok(Self::END_OF_DAY),
            (0..=23, 0..=59) => Ok(ClockTime {
                minutes: h * 60 + m,
            }),
            _ => Err(ShiftError::InvalidTime),
        }
    }

    /// Builds a time from minutes since midnight; `None` above 1440.
    pub fn from_minutes(minutes: u32) -> Option<Self> {
        (minutes <= MINUTES_PER_DAY).then_some(ClockTime { minutes })
    }

    /// Minutes since midnight, 0..=1440.
    pub fn minutes(&self) -> u32 {
        self.minutes
    }

    /// True for `24:00`.
    pub fn is_end_of_day(&self) -> bool {
        self.minutes == MINUTES_PER_DAY
    }

    /// Time of day on the calendar date it actually falls on: `24:00` is
    /// `00:00` with a one-day offset.
    fn to_naive(self) -> (NaiveTime, i64) {
        let (days, m) = (
            self.minutes / MINUTES_PER_DAY,
            self.minutes % MINUTES_PER_DAY,
        );
        let t = NaiveTime::from_hms_opt(m / 60, m % 60, 0).expect("minutes < 1440 is a valid time");
        (t, i64::from(days))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

impl FromStr for ClockTime {
    type Err = ShiftError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClockTime::parse(s)
    }
}

/// Why a clock time or shift was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShiftError {
    /// Not a clock time in an accepted format or range.
    #[error("invalid clock time; expected HH:MM between 00:00 and 23:59 (24:00 only as end time)")]
    InvalidTime,
    /// `24:00` given as start; a shift starting at midnight starts at
    /// `00:00` of the following day.
    #[error("24:00 is not a valid start time; use 00:00 (on the following date)")]
    StartAtEndOfDay,
    /// The start time falls in the spring gap (*sommartid* begins) and
    /// never showed on a Swedish clock.
    #[error("start time {time} does not exist on {date} in Swedish local time (clocks jump forward to summer time)")]
    NonexistentStart { date: NaiveDate, time: ClockTime },
    /// The end time falls in the spring gap; `date` is the date the end
    /// falls on (the next day for shifts over midnight).
    #[error("end time {time} does not exist on {date} in Swedish local time (clocks jump forward to summer time)")]
    NonexistentEnd { date: NaiveDate, time: ClockTime },
}

impl ShiftError {
    /// Stable machine-readable error code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            ShiftError::InvalidTime | ShiftError::StartAtEndOfDay => "invalid_time",
            ShiftError::NonexistentStart { .. } | ShiftError::NonexistentEnd { .. } => {
                "nonexistent_local_time"
            }
        }
    }
}

/// A shift placed on the time line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedShift {
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    /// Local calendar date of the end instant: the row's date, or the next
    /// day when the shift passes midnight (including an end of `24:00`).
    pub end_date: NaiveDate,
}

impl ResolvedShift {
    /// Real elapsed minutes (not clock difference); always positive.
    pub fn minutes(&self) -> i64 {
        (self.end_utc - self.start_utc).num_minutes()
    }

    /// Whether the two shifts share any instant. Intervals are half-open,
    /// so a shift ending 07:00 does not overlap one starting 07:00.
    pub fn overlaps(&self, other: &ResolvedShift) -> bool {
        self.start_utc < other.end_utc && other.start_utc < self.end_utc
    }
}

/// Reads a Stockholm wall-clock reading as a UTC instant. In the autumn
/// fold the reading happens twice; `prefer_later` chooses which one.
fn local_to_utc(naive: NaiveDateTime, prefer_later: bool) -> Option<DateTime<Utc>> {
    match Stockholm.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earliest, latest) => {
            Some(if prefer_later { latest } else { earliest }.with_timezone(&Utc))
        }
        LocalResult::None => None,
    }
}

/// Places `date start–end` (Europe/Stockholm) on the UTC time line.
///
/// An `end` at or before `start` means the shift ends the next day (so
/// `07:00–07:00` is 24 clock hours); `24:00` as end is midnight after
/// `date` and does not wrap. In the autumn fold an ambiguous start is the
/// earlier instant and an ambiguous end the later, so the shift covers the
/// repeated hour (the assistant really worked it). Times in the spring gap
/// are refused rather than guessed. Returns all errors found, since start
/// and end may both be bad.
pub fn resolve_shift(
    date: NaiveDate,
    start: ClockTime,
    end: ClockTime,
) -> Result<ResolvedShift, Vec<ShiftError>> {
    let mut errors = Vec::new();

    if start.is_end_of_day() {
        errors.push(ShiftError::StartAtEndOfDay);
    }

    let (start_time, start_days) = start.to_naive();
    let start_date = date + Duration::days(start_days);
    let start_utc = local_to_utc(start_date.and_time(start_time), false);
    if start_utc.is_none() {
        errors.push(ShiftError::NonexistentStart {
            date: start_date,
            time: start,
        });
    }

    let (end_time, mut end_days) = end.to_naive();
    if !end.is_end_of_day() && end.minutes() <= start.minutes() {
        end_days += 1;
    }
    let end_date = date + Duration::days(end_days);
    let end_utc = local_to_utc(end_date.and_time(end_time), true);
    if end_utc.is_none() {
        errors.push(ShiftError::NonexistentEnd {
            date: end_date,
            time: end,
        });
    }

    match (start_utc, end_utc) {
        (Some(start_utc), Some(end_utc)) if errors.is_empty() => Ok(ResolvedShift {
            start_utc,
            end_utc,
            end_date,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_agrees_with_parse() {
        let re = regex::Regex::new(ClockTime::PATTERN).unwrap();
        for s in [
            "07:00", "7:00", "07:00:00", "23:59", "24:00", "24:00:00", "24:01", "25:00", "12:60",
            "12:5", "12:00:01", "", "1200", " 07:00", "007:00", "-1:00",
        ] {
            assert_eq!(re.is_match(s), ClockTime::parse(s).is_ok(), "{s}");
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(s: &str) -> ClockTime {
        ClockTime::parse(s).unwrap()
    }

    fn minutes(date: NaiveDate, start: &str, end: &str) -> i64 {
        resolve_shift(date, t(start), t(end)).unwrap().minutes()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn clock_parsing_accepts() {
        assert_eq!(t("7:00").minutes(), 420);
        assert_eq!(t("07:00").minutes(), 420);
        assert_eq!(t("07:00:00").minutes(), 420);
        assert_eq!(t("00:00").minutes(), 0);
        assert_eq!(t("23:59").minutes(), 1439);
        assert_eq!(t("0:05").minutes(), 5);
        assert!(t("24:00").is_end_of_day());
        assert!(t("24:00:00").is_end_of_day());
        assert!(!t("00:00").is_end_of_day());
        assert_eq!("12:34".parse::<ClockTime>(), Ok(t("12:34")));
    }

    #[test]
    fn clock_parsing_rejects() {
        for bad in [
            "",
            "7",
            "7.00",
            "07:00:30",
            "07:00:0",
            "07:00:00:00",
            "25:00",
            "24:01",
            "24:00:01",
            "12:60",
            "12:5",
            "012:00",
            "07:000",
            " 07:00",
            "07:00 ",
            "-1:00",
            "+7:00",
            "07:",
            ":00",
            "aa:bb",
            "7h00",
            "07-00",
            "٧:٠٠",
        ] {
            assert_eq!(
                ClockTime::parse(bad),
                Err(ShiftError::InvalidTime),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn clock_display() {
        assert_eq!(t("7:05").to_string(), "07:05");
        assert_eq!(t("24:00").to_string(), "24:00");
        assert_eq!(ClockTime::MIDNIGHT.to_string(), "00:00");
        assert_eq!(ClockTime::from_minutes(1440), Some(ClockTime::END_OF_DAY));
        assert_eq!(ClockTime::from_minutes(1441), None);
    }

    #[test]
    fn day_shift() {
        let s = resolve_shift(d(2026, 1, 15), t("08:00"), t("16:30")).unwrap();
        assert_eq!(s.minutes(), 510);
        assert_eq!(s.start_utc, utc("2026-01-15T07:00:00Z"));
        assert_eq!(s.end_utc, utc("2026-01-15T15:30:00Z"));
        assert_eq!(s.end_date, d(2026, 1, 15));
        // Summer time: UTC+2.
        let s = resolve_shift(d(2026, 7, 1), t("08:00"), t("16:00")).unwrap();
        assert_eq!(s.start_utc, utc("2026-07-01T06:00:00Z"));
        assert_eq!(s.minutes(), 480);
    }

    #[test]
    fn crossing_midnight() {
        let s = resolve_shift(d(2026, 1, 15), t("22:00"), t("07:00")).unwrap();
        assert_eq!(s.minutes(), 540);
        assert_eq!(s.end_date, d(2026, 1, 16));
        assert_eq!(s.end_utc, utc("2026-01-16T06:00:00Z"));
        // End 00:00 is the next midnight too.
        assert_eq!(minutes(d(2026, 1, 15), "16:00", "00:00"), 480);
    }

    #[test]
    fn equal_start_and_end_is_24_hours() {
        assert_eq!(minutes(d(2026, 1, 15), "07:00", "07:00"), 24 * 60);
        assert_eq!(minutes(d(2026, 1, 15), "00:00", "00:00"), 24 * 60);
        // Over the autumn change a "24-hour" shift is really 25 h.
        assert_eq!(minutes(d(2026, 10, 24), "07:00", "07:00"), 25 * 60);
    }

    #[test]
    fn end_of_day_as_end() {
        let s = resolve_shift(d(2026, 1, 15), t("16:00"), t("24:00")).unwrap();
        assert_eq!(s.minutes(), 480);
        assert_eq!(s.end_date, d(2026, 1, 16));
        assert_eq!(s.end_utc, utc("2026-01-15T23:00:00Z"));
        assert_eq!(minutes(d(2026, 1, 15), "00:00", "24:00"), 24 * 60);
    }

    #[test]
    fn end_of_day_as_start_refused() {
        let err = resolve_shift(d(2026, 1, 15), t("24:00"), t("07:00")).unwrap_err();
        assert_eq!(err, vec![ShiftError::StartAtEndOfDay]);
        assert_eq!(err[0].code(), "invalid_time");
        assert!(err[0].to_string().contains("00:00"));
    }

    #[test]
    fn autumn_night_shift_is_10_hours() {
        // 2026-10-25 03:00 CEST -> 02:00 CET.
        let s = resolve_shift(d(2026, 10, 24), t("22:00"), t("07:00")).unwrap();
        assert_eq!(s.minutes(), 600);
        assert_eq!(s.start_utc, utc("2026-10-24T20:00:00Z"));
        assert_eq!(s.end_utc, utc("2026-10-25T06:00:00Z"));
    }

    #[test]
    fn spring_night_shift_is_8_hours() {
        // 2026-03-29 02:00 CET -> 03:00 CEST.
        let s = resolve_shift(d(2026, 3, 28), t("22:00"), t("07:00")).unwrap();
        assert_eq!(s.minutes(), 480);
        assert_eq!(s.end_utc, utc("2026-03-29T05:00:00Z"));
    }

    #[test]
    fn spring_gap_start_refused() {
        let err = resolve_shift(d(2026, 3, 29), t("02:30"), t("07:00")).unwrap_err();
        assert_eq!(
            err,
            vec![ShiftError::NonexistentStart {
                date: d(2026, 3, 29),
                time: t("02:30")
            }]
        );
        assert_eq!(err[0].code(), "nonexistent_local_time");
        let msg = err[0].to_string();
        assert!(msg.contains("02:30") && msg.contains("2026-03-29"), "{msg}");
    }

    #[test]
    fn spring_gap_end_refused() {
        // Same day.
        let err = resolve_shift(d(2026, 3, 29), t("01:00"), t("02:30")).unwrap_err();
        assert_eq!(
            err,
            vec![ShiftError::NonexistentEnd {
                date: d(2026, 3, 29),
                time: t("02:30")
            }]
        );
        // Night shift from the day before: the error names the end's date.
        let err = resolve_shift(d(2026, 3, 28), t("22:00"), t("02:30")).unwrap_err();
        assert_eq!(
            err,
            vec![ShiftError::NonexistentEnd {
                date: d(2026, 3, 29),
                time: t("02:30")
            }]
        );
        assert_eq!(err[0].code(), "nonexistent_local_time");
        assert!(err[0].to_string().contains("2026-03-29"));
    }

    #[test]
    fn all_errors_reported() {
        let err = resolve_shift(d(2026, 3, 29), t("02:15"), t("02:45")).unwrap_err();
        assert_eq!(
            err,
            vec![
                ShiftError::NonexistentStart {
                    date: d(2026, 3, 29),
                    time: t("02:15")
                },
                ShiftError::NonexistentEnd {
                    date: d(2026, 3, 29),
                    time: t("02:45")
                },
            ]
        );
        // 24:00 start on the day before the gap: its 00:00 exists, the end does not.
        let err = resolve_shift(d(2026, 3, 28), t("24:00"), t("02:30")).unwrap_err();
        assert_eq!(
            err,
            vec![
                ShiftError::StartAtEndOfDay,
                ShiftError::NonexistentEnd {
                    date: d(2026, 3, 29),
                    time: t("02:30")
                },
            ]
        );
    }

    #[test]
    fn ambiguous_end_is_later_instant() {
        // 01:00 CEST (23:00Z) to the second 02:30, in CET (01:30Z).
        let s = resolve_shift(d(2026, 10, 25), t("01:00"), t("02:30")).unwrap();
        assert_eq!(s.end_utc, utc("2026-10-25T01:30:00Z"));
        assert_eq!(s.minutes(), 150);
    }

    #[test]
    fn ambiguous_start_is_earlier_instant() {
        // First 02:30, in CEST (00:30Z), to 04:00 CET (03:00Z).
        let s = resolve_shift(d(2026, 10, 25), t("02:30"), t("04:00")).unwrap();
        assert_eq!(s.start_utc, utc("2026-10-25T00:30:00Z"));
        assert_eq!(s.minutes(), 150);
    }

    #[test]
    fn spring_shift_next_to_gap() {
        // 01:59 CET to 03:00 CEST is one real minute.
        assert_eq!(minutes(d(2026, 3, 29), "01:59", "03:00"), 1);
    }

    #[test]
    fn overlaps_are_half_open() {
        let day = d(2026, 1, 15);
        let a = resolve_shift(day, t("07:00"), t("15:00")).unwrap();
        let b = resolve_shift(day, t("15:00"), t("23:00")).unwrap();
        let c = resolve_shift(day, t("14:59"), t("16:00")).unwrap();
        let night = resolve_shift(d(2026, 1, 14), t("22:00"), t("07:01")).unwrap();
        assert!(!a.overlaps(&b) && !b.overlaps(&a));
        assert!(a.overlaps(&c) && c.overlaps(&a));
        assert!(b.overlaps(&c));
        assert!(a.overlaps(&a));
        assert!(night.overlaps(&a));
        let night_exact = resolve_shift(d(2026, 1, 14), t("22:00"), t("07:00")).unwrap();
        assert!(!night_exact.overlaps(&a));
    }

    #[test]
    fn error_codes() {
        assert_eq!(ShiftError::InvalidTime.code(), "invalid_time");
        assert_eq!(ShiftError::StartAtEndOfDay.code(), "invalid_time");
        let e = ShiftError::NonexistentStart {
            date: d(2026, 3, 29),
            time: t("02:30"),
        };
        assert_eq!(e.code(), "nonexistent_local_time");
    }
}
