//! Birthdays that change the rules for an assistance user (issue 11 §5):
//! at 18 the user deals with FK and signs their own documents, and a
//! guardian's signature stops counting (seed `002_…`, FAQ); at 66 the rules
//! of the assistance change (seed `000_…`, FAQ "Vad händer med min
//! assistansersättning när jag fyller 66 år?"). Both from the personnummer.
//! 29 February: see [`PersonalNumber::turns_on`] and `docs/change-notices.md`.

use chrono::NaiveDate;

use crate::domain::identity::PersonalNumber;

/// Of age: signs their own documents.
pub const ADULT_AGE: u32 = 18;
/// The age the seeds' question is about.
pub const AGE_66: u32 = 66;
/// Reminders list a birthday from this many days ahead.
pub const REMIND_DAYS_AHEAD: i64 = 60;

/// The two birthdays of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthdays {
    /// The 18th birthday; `None` when the user is already 18 on `today`.
    pub turns_18_on: Option<NaiveDate>,
    /// The 66th birthday, past or not.
    pub turns_66_on: NaiveDate,
}

pub fn birthdays(p: &PersonalNumber, today: NaiveDate) -> Birthdays {
    let eighteen = p.turns_on(ADULT_AGE);
    Birthdays {
        turns_18_on: (eighteen > today).then_some(eighteen),
        turns_66_on: p.turns_on(AGE_66),
    }
}

/// A personnummer as stored (12 digits, checked when registered). Its birth
/// date is never after any day, so no `today` bounds it.
pub fn stored_number(digits: &str) -> Option<PersonalNumber> {
    PersonalNumber::parse_on(digits, NaiveDate::MAX).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn number(date: &str, serial: &str) -> PersonalNumber {
        let nine = format!("{}{serial}", &date[2..]);
        let c = crate::domain::identity::luhn_check_digit(nine.as_bytes());
        stored_number(&format!("{date}{serial}{c}")).unwrap()
    }

    #[test]
    fn a_child_has_both_birthdays_ahead() {
        let p = number("20100615", "123");
        let b = birthdays(&p, ymd(2026, 11, 10));
        assert_eq!(b.turns_18_on, Some(ymd(2028, 6, 15)));
        assert_eq!(b.turns_66_on, ymd(2076, 6, 15));
        // On the 18th birthday itself the user is 18: nothing ahead.
        assert_eq!(birthdays(&p, ymd(2028, 6, 15)).turns_18_on, None);
        assert_eq!(
            birthdays(&p, ymd(2028, 6, 14)).turns_18_on,
            Some(ymd(2028, 6, 15))
        );
    }

    #[test]
    fn an_adult_keeps_the_66th_birthday_even_when_past() {
        let p = number("19450312", "120");
        let b = birthdays(&p, ymd(2026, 11, 10));
        assert_eq!(b.turns_18_on, None);
        assert_eq!(b.turns_66_on, ymd(2011, 3, 12));
    }

    #[test]
    fn born_on_29_february_turns_a_year_older_on_1_march() {
        let p = number("20080229", "123");
        let b = birthdays(&p, ymd(2025, 1, 1));
        // Neither 18 nor 66 is a multiple of 4: those birthdays never fall
        // in a leap year (2026 and 2074 have no 29 February).
        assert_eq!(b.turns_18_on, Some(ymd(2026, 3, 1)));
        assert_eq!(b.turns_66_on, ymd(2074, 3, 1));
        assert_eq!(p.age_on(ymd(2026, 2, 28)), 17);
        assert_eq!(p.age_on(ymd(2026, 3, 1)), 18);
    }

    #[test]
    fn a_coordination_number_counts_from_the_real_day() {
        // Day 75 = the 15th.
        let p = number("19900375", "123");
        assert_eq!(birthdays(&p, ymd(2026, 1, 1)).turns_66_on, ymd(2056, 3, 15));
    }
}
