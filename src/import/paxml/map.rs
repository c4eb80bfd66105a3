//! One `tidtrans` → one row of a time report: the assistant from `persnr`,
//! the assistance user from `kundnr` (their id, or their personnummer), the
//! kind from `tidkod` by the organisation's code table (never guessed), the
//! clock times from `starttid`/`sluttid`, or assumed from `datum` + `timmar`
//! (a person's entries of a day laid end to end from 00:00 in file order).
//! Every fault of the element is reported at once.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::domain::identity::PersonalNumber;
use crate::domain::paxml::{
    assumed_times, hours_to_minutes, parse_date, parse_date_time, parse_info, AssumeError,
    HoursError, PaxmlCodes,
};
use crate::domain::shift::{resolve_shift, ClockTime, ShiftKind};

use super::fault::XmlFault;
use super::read::{Located, TidTrans};

/// The organisation's register, as the mapping needs it.
pub trait Directory {
    /// The id of the organisation's assistant with this personnummer.
    fn assistant(&mut self, personnummer: &str) -> diesel::QueryResult<Option<String>>;
    /// Whether the organisation has an assistance user with this id.
    fn user_id(&mut self, id: &str) -> diesel::QueryResult<bool>;
    /// The id of the organisation's assistance user with this personnummer.
    fn user_by_number(&mut self, personnummer: &str) -> diesel::QueryResult<Option<String>>;
}

/// A `tidtrans` as a row of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub position: u32,
    pub section: u32,
    pub line: u64,
    pub user: String,
    pub assistant: String,
    pub date: NaiveDate,
    pub start: ClockTime,
    pub end: ClockTime,
    pub kind: ShiftKind,
    pub double: bool,
    pub hospital: bool,
    /// Clock times assumed from `datum` + `timmar`.
    pub assumed: bool,
}

/// Maps the `tidtrans` of one file, in file order.
pub struct Mapper {
    codes: PaxmlCodes,
    today: NaiveDate,
    /// Real minutes already laid per (assistant, day), for `datum` + `timmar`.
    laid: HashMap<(String, NaiveDate), i64>,
}

/// Where the clock times of a `tidtrans` come from.
enum Times {
    Clock {
        date: NaiveDate,
        start: ClockTime,
        end: ClockTime,
    },
    Hours {
        date: NaiveDate,
        minutes: i64,
    },
}

impl Mapper {
    pub fn new(codes: PaxmlCodes, today: NaiveDate) -> Self {
        Self {
            codes,
            today,
            laid: HashMap::new(),
        }
    }

    pub fn codes(&self) -> &PaxmlCodes {
        &self.codes
    }

    /// The row, or every fault of the element.
    pub fn map(
        &mut self,
        dir: &mut dyn Directory,
        t: &TidTrans,
    ) -> diesel::QueryResult<Result<Entry, Vec<XmlFault>>> {
        let element = t.element();
        let fault = |code: &str, message: String| XmlFault::new(&element, t.line, code, message);
        let mut faults: Vec<XmlFault> = t
            .repeated
            .iter()
            .map(|r| {
                fault(
                    "duplicate_element",
                    format!("<{}> appears more than once (again on line {}); a tidtrans has each child once.", r.child, r.line),
                )
                .child(r.child)
            })
            .collect();

        let assistant = match &t.persnr {
            None => {
                let why = if t.anstid.is_some() {
                    "The tidtrans names the employee by anstid only; redovisa identifies assistants by persnr (12 digits)."
                } else {
                    "The tidtrans has no persnr: whose shift it is must be named (12 digits)."
                };
                faults.push(fault("missing_persnr", why.into()).attribute("persnr"));
                None
            }
            Some(p) => match PersonalNumber::parse_on(p.text.trim(), self.today) {
                Err(e) => {
                    faults.push(
                        fault(
                            "invalid_personnummer",
                            format!(
                                "persnr is not a valid personnummer or samordningsnummer: {e}."
                            ),
                        )
                        .attribute("persnr"),
                    );
                    None
                }
                Ok(pnr) => match dir.assistant(pnr.as_str())? {
                    Some(id) => Some(id),
                    None => {
                        faults.push(
                            fault(
                                "unknown_assistant",
                                "No assistant with this persnr in your organisation; register them first.".into(),
                            )
                            .attribute("persnr"),
                        );
                        None
                    }
                },
            },
        };

        let user = match t.kundnr.as_ref().filter(|k| !k.text.trim().is_empty()) {
            None => {
                faults.push(
                    fault(
                        "missing_kundnr",
                        "The tidtrans has no kundnr: name the assistance user by their id or their 12-digit personnummer.".into(),
                    )
                    .child("kundnr"),
                );
                None
            }
            Some(k) => {
                let k = k.text.trim();
                let found = if dir.user_id(k)? {
                    Some(k.to_string())
                } else {
                    match PersonalNumber::parse_on(k, self.today) {
                        Ok(p) => dir.user_by_number(p.as_str())?,
                        Err(_) => None,
                    }
                };
                if found.is_none() {
                    faults.push(
                        fault(
                            "unknown_assistance_user",
                            "kundnr is neither the id nor the personnummer of an assistance user in your organisation.".into(),
                        )
                        .child("kundnr"),
                    );
                }
                found
            }
        };

        let kind = match t
            .tidkod
            .as_ref()
            .map(|c| c.text.trim())
            .filter(|c| !c.is_empty())
        {
            None => {
                faults.push(
                    fault("missing_tidkod", "The tidtrans has no tidkod.".into()).child("tidkod"),
                );
                None
            }
            Some(code) => match self.codes.kind(code) {
                Some(k) => Some(k),
                None => {
                    faults.push(
                        fault(
                            "unknown_code",
                            format!(
                                "tidkod `{}` is not in your organisation's code table (active {}, waiting {}, standby {}); correct the file or set paxml_codes on the organisation.",
                                code.chars().take(40).collect::<String>(),
                                self.codes.active,
                                self.codes.waiting,
                                self.codes.standby
                            ),
                        )
                        .child("tidkod"),
                    );
                    None
                }
            },
        };

        for (child, v) in [("datumfrom", &t.datumfrom), ("datumtom", &t.datumtom)] {
            if v.is_some() {
                faults.push(
                    fault(
                        "unsupported_element",
                        format!("<{child}> gives a period (an absence); a shift is one tidtrans with starttid and sluttid, or datum and timmar."),
                    )
                    .child(child),
                );
            }
        }

        let times = self.times(t, &fault, &mut faults);

        let markers = match t.info.as_ref().map(|i| parse_info(&i.text)) {
            None => Default::default(),
            Some(Ok(m)) => m,
            Some(Err(_)) => {
                faults.push(
                    fault(
                        "ambiguous_info",
                        "info mixes the markers `dubbel`/`sjukhus` with other words; write only the markers (e.g. `dubbel, sjukhus`), or a note without them.".into(),
                    )
                    .child("info"),
                );
                Default::default()
            }
        };

        let (Some(assistant), Some(user), Some(kind), Some(times), true) =
            (assistant, user, kind, times, faults.is_empty())
        else {
            return Ok(Err(faults));
        };
        let (date, start, end, assumed) = match times {
            Times::Clock { date, start, end } => (date, start, end, false),
            Times::Hours { date, minutes } => {
                let before = self.laid.entry((assistant.clone(), date)).or_insert(0);
                match assumed_times(date, *before, minutes) {
                    Ok((start, end)) => {
                        *before += minutes;
                        (date, start, end, true)
                    }
                    Err(AssumeError::DayFull) => {
                        return Ok(Err(vec![fault(
                            "day_over_24h",
                            format!("The assistant's entries of {date} (datum + timmar, laid end to end from 00:00) add up to more than the day."),
                        )
                        .child("timmar")]))
                    }
                    Err(AssumeError::NotRepresentable) => {
                        return Ok(Err(vec![fault(
                            "clock_times_not_assumable",
                            format!("Laid end to end from 00:00, this entry would end in the hour the clocks repeat on {date}, or last longer than a row can show; send starttid and sluttid."),
                        )
                        .child("timmar")]))
                    }
                }
            }
        };
        Ok(Ok(Entry {
            position: t.position,
            section: t.section,
            line: t.line,
            user,
            assistant,
            date,
            start,
            end,
            kind,
            double: markers.double,
            hospital: markers.hospital,
            assumed,
        }))
    }

    /// The clock times, or the faults of the time children.
    fn times(
        &self,
        t: &TidTrans,
        fault: &dyn Fn(&str, String) -> XmlFault,
        faults: &mut Vec<XmlFault>,
    ) -> Option<Times> {
        let date_time = |child: &str, v: &Located, faults: &mut Vec<XmlFault>| {
            let parsed = parse_date_time(&v.text);
            if parsed.is_none() {
                faults.push(
                    fault(
                        "invalid_date_time",
                        format!("<{child}> must be a local date and time with whole minutes, e.g. 2026-02-01T07:00:00."),
                    )
                    .child(child),
                );
            }
            parsed
        };
        let date = |v: &Located, faults: &mut Vec<XmlFault>| {
            let parsed = parse_date(&v.text);
            if parsed.is_none() {
                faults.push(
                    fault(
                        "invalid_date",
                        "<datum> must be a date, e.g. 2026-02-01.".into(),
                    )
                    .child("datum"),
                );
            }
            parsed
        };
        let hours = |v: &Located, faults: &mut Vec<XmlFault>| match hours_to_minutes(&v.text) {
            Ok(m) => Some(m),
            Err(e) => {
                let why = match e {
                    HoursError::Invalid => "<timmar> must be a number of hours, e.g. 8 or 7.5.",
                    HoursError::OutOfRange => {
                        "<timmar> must be more than 0 and at most 25 hours (a whole minute or more)."
                    }
                };
                faults.push(fault("invalid_hours", why.into()).child("timmar"));
                None
            }
        };
        match (present(&t.starttid), present(&t.sluttid)) {
            (Some(s), Some(e)) => {
                let (start, end) = (
                    date_time("starttid", s, faults),
                    date_time("sluttid", e, faults),
                );
                let datum = present(&t.datum).and_then(|d| date(d, faults));
                let timmar = present(&t.timmar).and_then(|h| hours(h, faults));
                let (start, end) = (start?, end?);
                let Some((date, start_clock, end_clock)) = clock_row(start, end) else {
                    let message = if end <= start {
                        "<sluttid> must be after <starttid>."
                    } else {
                        "A shift from <starttid> to <sluttid> may last at most one day; split it."
                    };
                    faults.push(fault("invalid_period", message.into()).child("sluttid"));
                    return None;
                };
                if datum.is_some_and(|d| d != date) {
                    faults.push(
                        fault(
                            "date_mismatch",
                            format!("<datum> is not the date of <starttid> ({date})."),
                        )
                        .child("datum"),
                    );
                    return None;
                }
                if let (Some(m), Ok(r)) = (timmar, resolve_shift(date, start_clock, end_clock)) {
                    if (m - r.minutes()).abs() > 1 {
                        faults.push(
                            fault(
                                "hours_mismatch",
                                format!(
                                    "<timmar> ({} min) is not the time from <starttid> to <sluttid> ({} min); send one tidtrans per worked period.",
                                    m,
                                    r.minutes()
                                ),
                            )
                            .child("timmar"),
                        );
                        return None;
                    }
                }
                Some(Times::Clock {
                    date,
                    start: start_clock,
                    end: end_clock,
                })
            }
            (Some(_), None) | (None, Some(_)) => {
                let (has, lacks) = if t.starttid.is_some() {
                    ("starttid", "sluttid")
                } else {
                    ("sluttid", "starttid")
                };
                faults
                    .push(fault("missing_times", format!("<{has}> needs <{lacks}>.")).child(lacks));
                None
            }
            (None, None) => match (present(&t.datum), present(&t.timmar)) {
                (Some(d), Some(h)) => {
                    let (date, minutes) = (date(d, faults), hours(h, faults));
                    Some(Times::Hours {
                        date: date?,
                        minutes: minutes?,
                    })
                }
                _ => {
                    faults.push(fault(
                        "missing_times",
                        "A tidtrans needs <starttid> and <sluttid>, or <datum> and <timmar>."
                            .into(),
                    ));
                    None
                }
            },
        }
    }
}

/// A value that is there and not blank.
fn present(v: &Option<Located>) -> Option<&Located> {
    v.as_ref().filter(|v| !v.text.trim().is_empty())
}

/// A report row for local `start`–`end`: its date and clock times, when the
/// shift lasts at most one day on the clock (`07:00`–`07:00` next day is
/// the longest; an end at midnight is `24:00`).
fn clock_row(
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Option<(NaiveDate, ClockTime, ClockTime)> {
    let clock = |t: NaiveDateTime| ClockTime::from_minutes(t.hour() * 60 + t.minute());
    let date = start.date();
    let s = clock(start)?;
    if end <= start {
        return None;
    }
    let e = if end.date() == date {
        clock(end)?
    } else if end.date() == date + Duration::days(1) {
        let e = clock(end)?;
        if e == ClockTime::MIDNIGHT {
            ClockTime::END_OF_DAY
        } else if e <= s {
            e
        } else {
            return None;
        }
    } else {
        return None;
    };
    Some((date, s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Register;

    const ASSISTANT: &str = "199001010314";
    const USER: &str = "197001010110";

    impl Directory for Register {
        fn assistant(&mut self, p: &str) -> diesel::QueryResult<Option<String>> {
            Ok((p == ASSISTANT).then(|| "a1".to_string()))
        }
        fn user_id(&mut self, id: &str) -> diesel::QueryResult<bool> {
            Ok(id == "u1")
        }
        fn user_by_number(&mut self, p: &str) -> diesel::QueryResult<Option<String>> {
            Ok((p == USER).then(|| "u1".to_string()))
        }
    }

    fn at(text: &str) -> Option<Located> {
        Some(Located {
            text: text.into(),
            line: 9,
        })
    }

    fn trans(position: u32) -> TidTrans {
        TidTrans {
            position,
            section: 1,
            line: 4 + position as u64,
            persnr: at(ASSISTANT),
            tidkod: at("ARB"),
            kundnr: at("u1"),
            ..Default::default()
        }
    }

    fn mapper() -> Mapper {
        Mapper::new(PaxmlCodes::default(), "2026-11-10".parse().unwrap())
    }

    #[test]
    fn clock_times_with_a_night_across_midnight() {
        let mut t = trans(1);
        t.starttid = at("2026-02-01T22:00:00");
        t.sluttid = at("2026-02-02T06:00:00");
        t.kundnr = at(USER);
        t.info = at("sjukhus");
        let e = mapper().map(&mut Register, &t).unwrap().unwrap();
        assert_eq!(
            (
                e.user.as_str(),
                e.assistant.as_str(),
                e.date.to_string(),
                e.start.to_string(),
                e.end.to_string()
            ),
            (
                "u1",
                "a1",
                "2026-02-01".into(),
                "22:00".into(),
                "06:00".into()
            )
        );
        assert!(e.hospital && !e.double && !e.assumed);
        assert_eq!(e.kind, ShiftKind::Active);
    }

    #[test]
    fn datum_and_timmar_are_laid_end_to_end_per_person_and_day() {
        let mut m = mapper();
        let mut got = Vec::new();
        for (i, (day, hours)) in [
            ("2026-02-02", "8"),
            ("2026-02-03", "4"),
            ("2026-02-02", "6.01666666666667"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut t = trans(i as u32 + 1);
            t.datum = at(day);
            t.timmar = at(hours);
            let e = m.map(&mut Register, &t).unwrap().unwrap();
            assert!(e.assumed);
            got.push(format!("{} {}–{}", e.date, e.start, e.end));
        }
        assert_eq!(
            got,
            [
                "2026-02-02 00:00–08:00",
                "2026-02-03 00:00–04:00",
                "2026-02-02 08:00–14:01"
            ]
        );
    }

    #[test]
    fn every_fault_of_the_element_at_once() {
        let mut t = TidTrans {
            position: 17,
            section: 1,
            line: 120,
            anstid: at("12"),
            tidkod: at("XYZ"),
            datumfrom: at("2026-02-01"),
            info: at("sjukhus Danderyd"),
            ..Default::default()
        };
        t.starttid = at("2026-02-01T07:00:30");
        let faults = mapper().map(&mut Register, &t).unwrap().unwrap_err();
        let got: Vec<(&str, Option<&str>, Option<&str>)> = faults
            .iter()
            .map(|f| (f.code.as_str(), f.child.as_deref(), f.attribute.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("missing_persnr", None, Some("persnr")),
                ("missing_kundnr", Some("kundnr"), None),
                ("unknown_code", Some("tidkod"), None),
                ("unsupported_element", Some("datumfrom"), None),
                ("missing_times", Some("sluttid"), None),
                ("ambiguous_info", Some("info"), None),
            ]
        );
        assert!(faults
            .iter()
            .all(|f| f.element == "/paxml/tidtransaktioner/tidtrans[17]" && f.line == 120));
        assert!(faults[0].message.contains("anstid"));
    }

    #[test]
    fn unknown_people_and_impossible_times() {
        let mut t = trans(1);
        t.persnr = at("195804121233");
        t.kundnr = at("someone-else");
        t.starttid = at("2026-02-01T07:00:00");
        t.sluttid = at("2026-02-01T06:00:00");
        let codes: Vec<String> = mapper()
            .map(&mut Register, &t)
            .unwrap()
            .unwrap_err()
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(
            codes,
            [
                "unknown_assistant",
                "unknown_assistance_user",
                "invalid_period"
            ]
        );

        let mut t = trans(1);
        t.starttid = at("2026-02-01T07:00:00");
        t.sluttid = at("2026-02-02T08:00:00");
        assert_eq!(
            mapper().map(&mut Register, &t).unwrap().unwrap_err()[0].code,
            "invalid_period"
        );
        t.sluttid = at("2026-02-01T15:00:00");
        t.timmar = at("7");
        assert_eq!(
            mapper().map(&mut Register, &t).unwrap().unwrap_err()[0].code,
            "hours_mismatch"
        );
        t.timmar = at("8.0");
        t.datum = at("2026-02-02");
        assert_eq!(
            mapper().map(&mut Register, &t).unwrap().unwrap_err()[0].code,
            "date_mismatch"
        );
        t.datum = at("2026-02-01");
        assert!(mapper().map(&mut Register, &t).unwrap().is_ok());
    }

    #[test]
    fn a_full_day_of_entries_is_refused() {
        let mut m = mapper();
        for (i, h) in ["20", "5"].iter().enumerate() {
            let mut t = trans(i as u32 + 1);
            t.datum = at("2026-02-02");
            t.timmar = at(h);
            let r = m.map(&mut Register, &t).unwrap();
            if i == 0 {
                assert!(r.is_ok());
            } else {
                // 20:00 + 5 h reaches into the next day: still one day's start.
                assert_eq!(r.unwrap().end.to_string(), "01:00");
            }
        }
        let mut t = trans(3);
        t.datum = at("2026-02-02");
        t.timmar = at("1");
        assert_eq!(
            m.map(&mut Register, &t).unwrap().unwrap_err()[0].code,
            "day_over_24h"
        );
    }
}
