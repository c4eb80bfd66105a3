//! PAXml 2.0 (*PAXml*, the Swedish standard XML for payroll input) as far as
//! the rules go: an organisation's code table (*tidkod* per kind of time),
//! the codes the standard defines, and how `timmar` becomes minutes. Reading
//! and writing the XML itself is in `import::paxml`.

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Stockholm;

use crate::domain::register::RuleViolation;
use crate::domain::shift::{resolve_shift, ClockTime, ShiftKind};

/// Every `tidkod` of PAXml 2.0 (`tidkodTYPE` of the standard's schema).
pub const TIDKOD_2_0: &[&str] = &[
    "SJK", "SJK_KAR", "SJK_LÖN", "SJK_ERS", "SJK_PEN", "ASK", "HAV", "FPE", "VAB", "SMB", "UTB",
    "MIL", "SVE", "NÄR", "TJL", "SEM", "SEM_BET", "SEM_SPA", "SEM_OBE", "SEM_FÖR", "KOM", "PEM",
    "PER", "FAC", "ATK", "KON", "PAP", "ATF", "FR1", "FR2", "FR3", "FR4", "FR5", "FR6", "FR7",
    "FR8", "FR9", "FLX", "TS1", "TS2", "TS3", "TS4", "TS5", "TS6", "TS7", "TS8", "TS9", "TID",
    "ARB", "MER", "ÖT1", "ÖT2", "ÖT3", "ÖT4", "ÖT5", "ÖK1", "ÖK2", "ÖK3", "ÖK4", "ÖK5", "OB1",
    "OB2", "OB3", "OB4", "OB5", "OS1", "OS2", "OS3", "OS4", "OS5", "JR1", "JR2", "JR3", "JS1",
    "JS2", "JS3", "BE1", "BE2", "BE3", "BS1", "BS2", "BS3", "RE1", "RE2", "RE3", "RE4", "HLG",
    "SKI", "LT1", "LT2", "LT3", "LT4", "LT5", "LT6", "LT7", "LT8", "LT9", "NV1", "NV2", "NV3",
    "NV4", "NV5", "NV6", "NV7", "NV8", "NV9",
];

/// Whether `code` is one of PAXml 2.0's `tidkod` values.
pub fn in_paxml_2_0(code: &str) -> bool {
    TIDKOD_2_0.contains(&code)
}

/// The longest code accepted in a code table.
const MAX_CODE_CHARS: usize = 20;

/// An organisation's `tidkod` for each kind of time. Payroll systems name
/// codes differently (Fortnox renames some), so each organisation sets its
/// own; the defaults are the standard's: `ARB` work, `JR1` on-call
/// (*jour*, now *väntetid*), `BE1` standby (*beredskap*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaxmlCodes {
    /// Active assistance.
    #[schema(example = "ARB")]
    pub active: String,
    /// Waiting time (*väntetid*).
    #[schema(example = "JR1")]
    pub waiting: String,
    /// Standby (*beredskap*).
    #[schema(example = "BE1")]
    pub standby: String,
}

impl Default for PaxmlCodes {
    fn default() -> Self {
        Self {
            active: "ARB".into(),
            waiting: "JR1".into(),
            standby: "BE1".into(),
        }
    }
}

/// A change of some codes of a table (`PATCH /organisations/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaxmlCodesPatch {
    pub active: Option<String>,
    pub waiting: Option<String>,
    pub standby: Option<String>,
}

/// A code outside PAXml 2.0's list: accepted, by the customer's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeWarning {
    pub kind: ShiftKind,
    pub code: &'static str,
    pub message: String,
}

impl PaxmlCodes {
    /// The code of a kind of time.
    pub fn code(&self, kind: ShiftKind) -> &str {
        match kind {
            ShiftKind::Active => &self.active,
            ShiftKind::Waiting => &self.waiting,
            ShiftKind::Standby => &self.standby,
        }
    }

    /// The kind of time a code stands for: exact match, never a guess.
    pub fn kind(&self, code: &str) -> Option<ShiftKind> {
        ShiftKind::ALL.into_iter().find(|&k| self.code(k) == code)
    }

    /// The stored form (a JSON object); a stored value that does not parse
    /// (never written by this code) reads as the defaults.
    pub fn from_json(s: &str) -> Self {
        serde_json::from_str(s).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("codes serialise")
    }

    /// This table with the codes `patch` names replaced.
    pub fn patched(&self, patch: &PaxmlCodesPatch) -> Self {
        Self {
            active: patch.active.clone().unwrap_or_else(|| self.active.clone()),
            waiting: patch
                .waiting
                .clone()
                .unwrap_or_else(|| self.waiting.clone()),
            standby: patch
                .standby
                .clone()
                .unwrap_or_else(|| self.standby.clone()),
        }
    }

    /// Validates a table: every code 1–20 characters without whitespace or
    /// control characters, and one code per kind (else an import could not
    /// tell the kinds apart). Returns the table with codes trimmed, or the
    /// faults by kind.
    pub fn checked(&self) -> Result<Self, Vec<(ShiftKind, RuleViolation)>> {
        let mut faults = Vec::new();
        let mut seen: BTreeMap<&str, ShiftKind> = BTreeMap::new();
        for kind in ShiftKind::ALL {
            let code = self.code(kind).trim();
            let len = code.chars().count();
            if len == 0 || len > MAX_CODE_CHARS {
                faults.push((
                    kind,
                    RuleViolation::new(
                        "invalid_code",
                        format!("A PAXml code is 1–{MAX_CODE_CHARS} characters."),
                    ),
                ));
            } else if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
                faults.push((
                    kind,
                    RuleViolation::new(
                        "invalid_code",
                        "A PAXml code has no spaces or control characters.",
                    ),
                ));
            } else if let Some(other) = seen.insert(code, kind) {
                faults.push((
                    kind,
                    RuleViolation::new(
                        "duplicate_code",
                        format!("`{code}` is already the code of {other}; each kind needs its own code."),
                    ),
                ));
            }
        }
        if !faults.is_empty() {
            return Err(faults);
        }
        Ok(Self {
            active: self.active.trim().to_string(),
            waiting: self.waiting.trim().to_string(),
            standby: self.standby.trim().to_string(),
        })
    }

    /// One warning `code_not_in_paxml_2_0` per code outside the standard's
    /// list: an export with it is no longer valid against PAXml 2.0's schema.
    pub fn warnings(&self) -> Vec<CodeWarning> {
        ShiftKind::ALL
            .into_iter()
            .filter(|&k| !in_paxml_2_0(self.code(k)))
            .map(|k| CodeWarning {
                kind: k,
                code: "code_not_in_paxml_2_0",
                message: format!(
                    "`{}` is not a tidkod of PAXml 2.0; payroll systems that check the schema will refuse exports with it.",
                    self.code(k)
                ),
            })
            .collect()
    }
}

/// The `info` word of a row of double assistance (*dubbelassistans*).
pub const INFO_DOUBLE: &str = "dubbel";
/// The `info` word of a row during a hospital stay (*sjukhusvistelse*).
pub const INFO_HOSPITAL: &str = "sjukhus";

/// A row's markers as `info`: `dubbel`, `sjukhus`, both (`dubbel, sjukhus`)
/// or none.
pub fn info_of(double: bool, hospital: bool) -> Option<String> {
    match (double, hospital) {
        (false, false) => None,
        (true, false) => Some(INFO_DOUBLE.into()),
        (false, true) => Some(INFO_HOSPITAL.into()),
        (true, true) => Some(format!("{INFO_DOUBLE}, {INFO_HOSPITAL}")),
    }
}

/// `info` mixes the markers with other words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmbiguousInfo;

/// What an `info` text says about a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InfoMarkers {
    pub double: bool,
    pub hospital: bool,
}

/// Reads `info`: words separated by commas, semicolons or spaces, any case.
/// Only the markers (`dubbel`/`dubbelassistans`, `sjukhus`/
/// `sjukhusvistelse`) → those flags; text without any marker is a free
/// note → no flags. Markers mixed with other words are refused (`Err`):
/// whether `Sjukhus Danderyd` marks a hospital stay is not guessed.
pub fn parse_info(text: &str) -> Result<InfoMarkers, AmbiguousInfo> {
    let mut m = InfoMarkers::default();
    let mut other = false;
    for word in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        match word.to_lowercase().as_str() {
            "dubbel" | "dubbelassistans" => m.double = true,
            "sjukhus" | "sjukhusvistelse" => m.hospital = true,
            _ => other = true,
        }
    }
    match (m.double || m.hospital, other) {
        (true, true) => Err(AmbiguousInfo),
        (false, _) => Ok(InfoMarkers::default()),
        (true, false) => Ok(m),
    }
}

/// Why a `timmar` value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursError {
    /// Not an `xs:decimal`.
    Invalid,
    /// Zero, negative, or more than a day.
    OutOfRange,
}

/// `timmar` (an `xs:decimal` number of hours) → whole minutes, rounded to
/// the nearest minute, half away from zero. Exporters write minutes as
/// long decimals (6 h 1 min as `6.01666666666667`), so the rounding is to
/// the minute those decimals stand for; hours are never floats here.
/// More than 0 and at most 25 h (a day over the autumn change).
pub fn hours_to_minutes(s: &str) -> Result<i64, HoursError> {
    let s = s.trim();
    let plain = !s.is_empty()
        && s.bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || b == b'.' || (i == 0 && b == b'+'))
        && s.bytes().filter(|&b| b == b'.').count() <= 1
        && s.bytes().any(|b| b.is_ascii_digit());
    if !plain || s.len() > 40 {
        return Err(HoursError::Invalid);
    }
    let d: Decimal = s
        .trim_start_matches('+')
        .parse()
        .map_err(|_| HoursError::Invalid)?;
    let minutes = (d * Decimal::from(60))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .ok_or(HoursError::OutOfRange)?;
    if minutes <= 0 || minutes > 25 * 60 {
        return Err(HoursError::OutOfRange);
    }
    Ok(minutes)
}

/// A local date-time of `starttid`/`sluttid` (`xs:dateTime`): PAXml writes
/// local time without offset; a value with an offset (`Z`, `+01:00`) is
/// converted to Swedish time. Reports have minute precision, so seconds
/// (and fractions) must be zero. `24:00:00` is midnight at the end of the day.
pub fn parse_date_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let (date, rest) = s.split_once('T')?;
    let date = parse_plain_date(date)?;
    if rest.len() < 8 || !rest.is_char_boundary(8) {
        return None;
    }
    let (hms, mut tail) = rest.split_at(8);
    let b = hms.as_bytes();
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let p = &hms[r];
        p.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| p.parse().ok())?
    };
    let (h, m, sec) = (num(0..2)?, num(3..5)?, num(6..8)?);
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || frac[..digits].bytes().any(|c| c != b'0') {
            return None;
        }
        tail = &frac[digits..];
    }
    if sec != 0 {
        return None;
    }
    let local = match (h, m) {
        (24, 0) => (date + Duration::days(1)).and_time(NaiveTime::MIN),
        _ => date.and_time(NaiveTime::from_hms_opt(h, m, 0)?),
    };
    let offset_minutes = match tail {
        "" => return Some(local),
        "Z" => 0,
        t if t.len() == 6 && (t.starts_with('+') || t.starts_with('-')) && &t[3..4] == ":" => {
            let (oh, om): (i64, i64) = (t[1..3].parse().ok()?, t[4..6].parse().ok()?);
            if oh > 14 || om > 59 {
                return None;
            }
            let sign = if t.starts_with('-') { -1 } else { 1 };
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    let utc = (local - Duration::minutes(offset_minutes)).and_utc();
    Some(utc.with_timezone(&Stockholm).naive_local())
}

/// `YYYY-MM-DD` with a four-digit year.
fn parse_plain_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10 && s.as_bytes()[4] == b'-')
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())?
}

/// A `datum` (`xs:date`); a time-zone suffix, which a calendar date of
/// work does not need, is ignored.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let plain = s.get(..10)?;
    let tz = &s[10..];
    let tz_ok = tz.is_empty()
        || tz == "Z"
        || (tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) && &tz[3..4] == ":");
    tz_ok.then(|| parse_plain_date(plain))?
}

/// Why an entry's clock times cannot be assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssumeError {
    /// The person's earlier entries of the day already fill it: this one
    /// would start on the next day.
    DayFull,
    /// No `date start–end` reading stands for these real minutes: the end
    /// falls in the hour the clocks repeat in autumn, or the entry is longer
    /// than the clock can show in one row.
    NotRepresentable,
}

/// The clock times of a `datum` + `timmar` entry (*antagna klockslag*): a
/// person's entries of a day are laid end to end from 00:00
/// (Europe/Stockholm) in file order, so this one starts `before` real
/// minutes after midnight and lasts `minutes` real minutes. Real time, so
/// across a change to or from summer time the clock moves by the real
/// minutes (8 h from 00:00 on the spring night ends 09:00).
pub fn assumed_times(
    date: NaiveDate,
    before: i64,
    minutes: i64,
) -> Result<(ClockTime, ClockTime), AssumeError> {
    let midnight = Stockholm
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()
        .ok_or(AssumeError::NotRepresentable)?;
    let start = midnight + Duration::minutes(before);
    let end = start + Duration::minutes(minutes);
    let local_start = start.naive_local();
    if local_start.date() != date {
        return Err(AssumeError::DayFull);
    }
    let clock = |t: NaiveDateTime| ClockTime::from_minutes(t.hour() * 60 + t.minute());
    let local_end = end.naive_local();
    let end_clock =
        if local_end.date() == date + Duration::days(1) && local_end.time() == NaiveTime::MIN {
            Some(ClockTime::END_OF_DAY)
        } else {
            clock(local_end)
        };
    let (Some(s), Some(e)) = (clock(local_start), end_clock) else {
        return Err(AssumeError::NotRepresentable);
    };
    // The reading must stand for exactly this interval.
    match resolve_shift(date, s, e) {
        Ok(r) if r.start_utc == start.with_timezone(&Utc) && r.minutes() == minutes => Ok((s, e)),
        _ => Err(AssumeError::NotRepresentable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_standards_codes() {
        let c = PaxmlCodes::default();
        assert_eq!(
            c.to_json(),
            r#"{"active":"ARB","waiting":"JR1","standby":"BE1"}"#
        );
        assert!(c.warnings().is_empty());
        assert_eq!(c.kind("JR1"), Some(ShiftKind::Waiting));
        assert_eq!(c.kind("jr1"), None, "exact match, never a guess");
        assert_eq!(c.kind("TID"), None);
        assert_eq!(c.code(ShiftKind::Standby), "BE1");
    }

    #[test]
    fn a_code_outside_the_standard_is_a_warning_not_a_fault() {
        let c = PaxmlCodes::default()
            .patched(&PaxmlCodesPatch {
                waiting: Some(" JOUR ".into()),
                ..Default::default()
            })
            .checked()
            .unwrap();
        assert_eq!(c.waiting, "JOUR");
        let w = c.warnings();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].kind, ShiftKind::Waiting);
        assert_eq!(w[0].code, "code_not_in_paxml_2_0");
        assert!(in_paxml_2_0("ÖT1") && in_paxml_2_0("NV9") && !in_paxml_2_0("ot1"));
    }

    #[test]
    fn each_kind_needs_its_own_valid_code() {
        let dup = PaxmlCodes {
            active: "ARB".into(),
            waiting: "ARB".into(),
            standby: "".into(),
        };
        let faults = dup.checked().unwrap_err();
        let got: Vec<_> = faults.iter().map(|(k, v)| (*k, v.code)).collect();
        assert_eq!(
            got,
            [
                (ShiftKind::Waiting, "duplicate_code"),
                (ShiftKind::Standby, "invalid_code")
            ]
        );
        let spaced = PaxmlCodes {
            active: "A B".into(),
            ..Default::default()
        };
        assert_eq!(spaced.checked().unwrap_err()[0].1.code, "invalid_code");
    }

    #[test]
    fn info_markers_round_trip_and_free_text_is_a_note() {
        for (d, h) in [(false, false), (true, false), (false, true), (true, true)] {
            let info = info_of(d, h);
            let back = parse_info(info.as_deref().unwrap_or("")).unwrap();
            assert_eq!((back.double, back.hospital), (d, h));
        }
        assert_eq!(
            parse_info("Dubbelassistans; SJUKHUSVISTELSE"),
            Ok(InfoMarkers {
                double: true,
                hospital: true
            })
        );
        assert_eq!(parse_info("Kvällspass hos Eva"), Ok(InfoMarkers::default()));
        assert_eq!(parse_info("Sjukhus Danderyd"), Err(AmbiguousInfo));
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn times(date: &str, before: i64, minutes: i64) -> Result<(String, String), AssumeError> {
        assumed_times(d(date), before, minutes).map(|(s, e)| (s.to_string(), e.to_string()))
    }

    #[test]
    fn entries_of_a_day_are_laid_from_midnight_in_real_time() {
        let t = |s: &str, e: &str| Ok((s.to_string(), e.to_string()));
        assert_eq!(times("2026-02-02", 0, 480), t("00:00", "08:00"));
        assert_eq!(times("2026-02-02", 480, 510), t("08:00", "16:30"));
        assert_eq!(times("2026-02-02", 960, 480), t("16:00", "24:00"));
        assert_eq!(
            times("2026-02-02", 1200, 480),
            t("20:00", "04:00"),
            "into the next day"
        );
        assert_eq!(times("2026-02-02", 0, 1440), t("00:00", "24:00"));
        assert_eq!(times("2026-02-02", 1440, 60), Err(AssumeError::DayFull));
        assert_eq!(
            times("2026-02-02", 0, 1500),
            Err(AssumeError::NotRepresentable)
        );
        // Spring: 02:00 → 03:00, so 8 real hours from midnight end at 09:00.
        assert_eq!(times("2026-03-29", 0, 480), t("00:00", "09:00"));
        // The spring day has 23 hours.
        assert_eq!(times("2026-03-29", 1380, 60), Err(AssumeError::DayFull));
        // Autumn: 03:00 → 02:00, so 8 real hours end at 07:00; the day has 25.
        assert_eq!(times("2026-10-25", 0, 480), t("00:00", "07:00"));
        assert_eq!(times("2026-10-25", 0, 1500), t("00:00", "24:00"));
        // An end in the repeated hour (the first 02:30) cannot be written.
        assert_eq!(
            times("2026-10-25", 0, 150),
            Err(AssumeError::NotRepresentable)
        );
    }

    #[test]
    fn local_date_times_with_minute_precision() {
        let dt = |s: &str| parse_date_time(s).map(|t| t.to_string());
        assert_eq!(
            dt("2026-02-01T07:00:00").as_deref(),
            Some("2026-02-01 07:00:00")
        );
        assert_eq!(
            dt("2026-02-01T07:00:00.000").as_deref(),
            Some("2026-02-01 07:00:00")
        );
        assert_eq!(
            dt("2026-02-01T24:00:00").as_deref(),
            Some("2026-02-02 00:00:00")
        );
        // With an offset: converted to Swedish time (CET in February).
        assert_eq!(
            dt("2026-02-01T06:00:00Z").as_deref(),
            Some("2026-02-01 07:00:00")
        );
        assert_eq!(
            dt("2026-07-01T07:00:00+02:00").as_deref(),
            Some("2026-07-01 07:00:00")
        );
        for bad in [
            "2026-02-01T07:00:30",
            "2026-02-01T07:00:00.5",
            "2026-02-01 07:00:00",
            "2026-02-01T7:00:00",
            "2026-02-30T07:00:00",
            "2026-02-01T24:30:00",
            "2026-02-01T07:00:00+1",
            "26-02-01T07:00:00",
            "",
        ] {
            assert_eq!(dt(bad), None, "{bad}");
        }
        assert_eq!(parse_date("2026-02-01"), Some(d("2026-02-01")));
        assert_eq!(parse_date("2026-02-01+01:00"), Some(d("2026-02-01")));
        assert_eq!(parse_date("2026-2-1"), None);
        assert_eq!(parse_date("2026-02-01T00:00:00"), None);
    }

    #[test]
    fn hours_become_whole_minutes() {
        assert_eq!(hours_to_minutes("8"), Ok(480));
        assert_eq!(hours_to_minutes("8.5"), Ok(510));
        assert_eq!(hours_to_minutes("6.01666666666667"), Ok(361));
        assert_eq!(hours_to_minutes("1.56666666666667"), Ok(94));
        assert_eq!(hours_to_minutes("0.33"), Ok(20));
        assert_eq!(
            hours_to_minutes("0.0083334"),
            Ok(1),
            "half a minute and more rounds up"
        );
        assert_eq!(hours_to_minutes(".5"), Ok(30));
        assert_eq!(hours_to_minutes("+7.25"), Ok(435));
        assert_eq!(hours_to_minutes("25"), Ok(1500));
        assert_eq!(hours_to_minutes("25.01"), Err(HoursError::OutOfRange));
        assert_eq!(hours_to_minutes("0"), Err(HoursError::OutOfRange));
        assert_eq!(hours_to_minutes("0.001"), Err(HoursError::OutOfRange));
        for bad in ["", "-1", "8,5", "1e2", "8.5.1", ".", "NaN", "8 h"] {
            assert_eq!(hours_to_minutes(bad), Err(HoursError::Invalid), "{bad}");
        }
    }
}
