//! Swedish identity numbers: *personnummer*, *samordningsnummer* and
//! *organisationsnummer*.
//!
//! Personal numbers are personal data, so [`PersonalNumber`] never prints
//! itself through `Debug`, and [`IdentityError`] never carries the input:
//! neither can leak a number into logs.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why an identity number was rejected.
///
/// Carries no part of the input on purpose (it is personal data); the
/// [`code`](IdentityError::code) is stable for API clients, the message is
/// for humans.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("expected 10 or 12 digits, optionally with a separator before the last four")]
    Format,
    #[error("the date part is not a valid date, or lies in the future")]
    Date,
    #[error("the check digit is incorrect")]
    Checksum,
    #[error("not an organisation number: the third digit must be at least 2")]
    OrgThirdDigit,
}

impl IdentityError {
    /// Stable machine-readable code, used in API error responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format => "invalid_format",
            Self::Date => "invalid_date",
            Self::Checksum => "invalid_checksum",
            Self::OrgThirdDigit => "invalid_organisation_number",
        }
    }
}

/// Splits trimmed input into its digits and optional separator.
///
/// Accepts 10 digits with an optional separator before the last four
/// (`YYMMDD-NNNC`) or 12 digits likewise (`YYYYMMDD-NNNC`); which separators
/// are allowed where is up to the caller.
fn split(input: &str) -> Result<(String, Option<u8>), IdentityError> {
    let bytes = input.trim().as_bytes();
    let sep_at = match bytes.len() {
        10 | 12 => None,
        11 => Some(6),
        13 => Some(8),
        _ => return Err(IdentityError::Format),
    };
    let mut digits = String::with_capacity(12);
    let mut sep = None;
    for (i, &b) in bytes.iter().enumerate() {
        if Some(i) == sep_at && (b == b'-' || b == b'+') {
            sep = Some(b);
        } else if b.is_ascii_digit() {
            digits.push(char::from(b));
        } else {
            return Err(IdentityError::Format);
        }
    }
    Ok((digits, sep))
}

/// Value of a run of ASCII digits (already validated by [`split`]).
fn num(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
}

/// The Luhn check digit (weights 2,1,2,1,… from the first digit, digit sums
/// of the products) for the first nine digits of a 10-digit number; also used
/// to make valid numbers (demo data, benchmarks). Panics on non-digits.
pub fn luhn_check_digit(nine: &[u8]) -> u32 {
    let sum: u32 = nine
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            assert!(b.is_ascii_digit(), "digits only");
            let p = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Luhn check over the 10-digit form.
fn luhn_valid(ten: &[u8]) -> bool {
    luhn_check_digit(&ten[..9]) == u32::from(ten[9] - b'0')
}

/// Today's date in Sweden, which decides the century of 10-digit numbers.
fn today_in_sweden() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive()
}

/// A *personnummer* or *samordningsnummer*, stored in the unambiguous
/// 12-digit form `YYYYMMDDNNNC`.
///
/// `Debug` is redacted; `Display` and serde use the 12-digit form (API
/// responses and CSV export need the real number).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonalNumber {
    /// 12 ASCII digits, no separator.
    digits: String,
    /// Derived from `digits` at parse time, so accessors cannot fail.
    birth_date: NaiveDate,
}

impl PersonalNumber {
    /// The notations [`PersonalNumber::parse`] reads (`YYYYMMDD-NNNC`,
    /// `YYYYMMDDNNNC`, `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`), as an
    /// ECMA-262 pattern for the OpenAPI document. The date and the check
    /// digit are checked on top of it.
    pub const PATTERN: &'static str = "^([0-9]{8}-?[0-9]{4}|[0-9]{6}[-+]?[0-9]{4})$";

    /// Parses a *personnummer* or *samordningsnummer*, inferring the century
    /// of the 10-digit form relative to `today`.
    ///
    /// The 10-digit form gets the most recent century in which the birth
    /// date is not after `today`; a `+` separator (used from the year the
    /// person turns 100) moves it another 100 years back. The 12-digit form
    /// states its century, but a birth date after `today` is rejected.
    ///
    /// Errors are checked in order format, date, checksum: a mistyped date
    /// usually breaks the checksum too, and the date error is more helpful.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, IdentityError> {
        let (digits, sep) = split(input)?;
        let b = digits.as_bytes();
        let (year, ten) = match (b.len(), sep) {
            (12, None | Some(b'-')) => (num(&b[..4]) as i32, &b[2..]),
            (10, _) => {
                let yy = num(&b[..2]) as i32;
                let mut year = today.year() - (today.year() - yy).rem_euclid(100);
                if year == today.year()
                    && (num(&b[2..4]), num(&b[4..6])) > (today.month(), today.day())
                {
                    year -= 100;
                }
                if sep == Some(b'+') {
                    year -= 100;
                }
                (year, b)
            }
            // '+' has no meaning in the 12-digit form.
            _ => return Err(IdentityError::Format),
        };
        let day = match num(&ten[4..6]) {
            // *Samordningsnummer*: day of birth plus 60.
            d if d > 60 => d - 60,
            d => d,
        };
        let birth_date = NaiveDate::from_ymd_opt(year, num(&ten[2..4]), day)
            .filter(|d| *d <= today)
            .ok_or(IdentityError::Date)?;
        if !luhn_valid(ten) {
            return Err(IdentityError::Checksum);
        }
        let digits = format!("{year:04}{}", &digits[digits.len() - 8..]);
        Ok(Self { digits, birth_date })
    }

    /// [`parse_on`](Self::parse_on) with today's date in Europe/Stockholm.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        Self::parse_on(input, today_in_sweden())
    }

    /// The 12-digit form `YYYYMMDDNNNC`.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// Date of birth (for a *samordningsnummer*, the day with 60 removed).
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Whether this is a *samordningsnummer* (day of birth plus 60).
    pub fn is_coordination_number(&self) -> bool {
        num(&self.digits.as_bytes()[6..8]) > 60
    }

    /// Completed years of age on `date`; 0 if `date` is before birth.
    ///
    /// Someone born on 29 February gains a year on 1 March in non-leap years.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        let born = self.birth_date;
        let mut age = date.year() - born.year();
        if (date.month(), date.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        u32::try_from(age).unwrap_or(0)
    }

    /// The day this person turns `age` (from which [`age_on`](Self::age_on)
    /// says `age`). Someone born on 29 February turns a year older on 1 March
    /// in a year that has no 29 February, as in `age_on`: the day after 28
    /// February, when the year since the birthday has been completed
    /// (`docs/change-notices.md`, "Birthdays").
    pub fn turns_on(&self, age: u32) -> NaiveDate {
        let born = self.birth_date;
        let year = born.year().saturating_add(age as i32);
        NaiveDate::from_ymd_opt(year, born.month(), born.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
            .unwrap_or(NaiveDate::MAX)
    }
}

impl fmt::Display for PersonalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

/// Redacted so that `{:?}` on any struct holding one never leaks the number.
impl fmt::Debug for PersonalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonalNumber(***)")
    }
}

impl FromStr for PersonalNumber {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PersonalNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits)
    }
}

impl<'de> Deserialize<'de> for PersonalNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An *organisationsnummer*, normalised to `NNNNNN-NNNN`.
///
/// Sole traders (*enskild firma*) use their personnummer instead; those are
/// rejected here by the third-digit rule and belong in [`PersonalNumber`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganisationNumber {
    formatted: String,
}

impl OrganisationNumber {
    /// Parses `NNNNNNNNNN` or `NNNNNN-NNNN`, optionally prefixed with the
    /// century-like `16` used in 12-digit registers.
    ///
    /// Errors are checked in order format, third digit, checksum: a
    /// personnummer entered by mistake then gets the more helpful error.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let (digits, sep) = split(input)?;
        let ten = match (digits.len(), sep) {
            (10, None | Some(b'-')) => &digits[..],
            (12, None | Some(b'-')) if digits.starts_with("16") => &digits[2..],
            _ => return Err(IdentityError::Format),
        };
        if ten.as_bytes()[2] < b'2' {
            return Err(IdentityError::OrgThirdDigit);
        }
        if !luhn_valid(ten.as_bytes()) {
            return Err(IdentityError::Checksum);
        }
        Ok(Self {
            formatted: format!("{}-{}", &ten[..6], &ten[6..]),
        })
    }

    /// The normalised form `NNNNNN-NNNN`.
    pub fn as_str(&self) -> &str {
        &self.formatted
    }
}

impl fmt::Display for OrganisationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted)
    }
}

impl FromStr for OrganisationNumber {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for OrganisationNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.formatted)
    }
}

impl<'de> Deserialize<'de> for OrganisationNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IdentityError::*;

    #[test]
    fn pattern_agrees_with_the_format_check() {
        let re = regex::Regex::new(PersonalNumber::PATTERN).unwrap();
        for s in [
            "19450312-1206",
            "194503121206",
            "450312-1206",
            "450312+1206",
            "4503121206",
            "19450312+1206",
            "1945031-21206",
            "45031212",
            "19450312 1206",
            "45O312-1206",
            "",
        ] {
            let format_ok = !matches!(PersonalNumber::parse(s), Err(Format));
            assert_eq!(re.is_match(s), format_ok, "{s}");
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Fixed "today" so century inference is deterministic.
    fn today() -> NaiveDate {
        date(2025, 6, 15)
    }

    fn pn(input: &str) -> Result<PersonalNumber, IdentityError> {
        PersonalNumber::parse_on(input, today())
    }

    /// Independent Luhn check digit over the last nine digits of `s`
    /// (separators and any century ignored), processed right to left.
    fn check_digit(s: &str) -> char {
        let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
        let nine = &digits[digits.len() - 9..];
        let mut sum = 0;
        for (i, d) in nine.iter().rev().enumerate() {
            // Rightmost of the nine is the first doubled from the check digit.
            let p = if i % 2 == 0 { d * 2 } else { *d };
            sum += p / 10 + p % 10;
        }
        char::from_digit((10 - sum % 10) % 10, 10).unwrap()
    }

    /// Appends the correct check digit.
    fn with_check(s: &str) -> String {
        format!("{s}{}", check_digit(s))
    }

    /// Replaces the (correct) check digit with a wrong one.
    fn with_bad_check(s: &str) -> String {
        let c = check_digit(s).to_digit(10).unwrap();
        format!("{s}{}", (c + 1) % 10)
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(Format.code(), "invalid_format");
        assert_eq!(Date.code(), "invalid_date");
        assert_eq!(Checksum.code(), "invalid_checksum");
        assert_eq!(OrgThirdDigit.code(), "invalid_organisation_number");
        assert!(!Checksum.to_string().is_empty());
    }

    #[test]
    fn test_helper_agrees_with_known_numbers() {
        // Published example numbers, verified by hand with Luhn.
        for known in [
            "19121212-1212",
            "811218-9876",
            "701063-2391",
            "556036-0793",
            "212000-0142",
        ] {
            let (body, last) = known.split_at(known.len() - 1);
            assert_eq!(check_digit(body).to_string(), last, "{known}");
        }
    }

    #[test]
    fn known_valid_personnummer() {
        let p = pn("19121212-1212").unwrap();
        assert_eq!(p.as_str(), "191212121212");
        assert_eq!(p.birth_date(), date(1912, 12, 12));
        assert!(!p.is_coordination_number());

        let p = pn("811218-9876").unwrap();
        assert_eq!(p.as_str(), "198112189876");
        assert_eq!(p.birth_date(), date(1981, 12, 18));
    }

    #[test]
    fn accepted_input_forms_normalise_to_twelve_digits() {
        for input in [
            "19121212-1212",
            "191212121212",
            "121212+1212",
            "  121212+1212\t",
            " 19121212-1212\n",
        ] {
            assert_eq!(pn(input).unwrap().as_str(), "191212121212", "{input:?}");
        }
        for input in ["8112189876", "811218-9876", "198112189876", "19811218-9876"] {
            assert_eq!(pn(input).unwrap().as_str(), "198112189876", "{input:?}");
        }
        // Same person whichever form was entered.
        assert_eq!(pn("811218-9876").unwrap(), pn("198112189876").unwrap());
    }

    #[test]
    fn ten_digit_century_is_most_recent_not_after_today() {
        // Without '+', 121212 is a child born 2012.
        assert_eq!(pn("121212-1212").unwrap().as_str(), "201212121212");
        assert_eq!(pn("1212121212").unwrap().as_str(), "201212121212");

        let cases = [
            ("250615-123", 2025), // born today
            ("250616-123", 1925), // tomorrow in 2025 is impossible
            ("250515-123", 2025),
            ("260101-123", 1926),
            ("000101-123", 2000),
            ("991231-123", 1999),
        ];
        for (body, year) in cases {
            let p = pn(&with_check(body)).unwrap();
            assert_eq!(p.birth_date().year(), year, "{body}");
            assert!(p.as_str().starts_with(&year.to_string()));
        }
    }

    #[test]
    fn plus_separator_means_another_century_back() {
        let cases = [
            ("250615+123", 1925), // turns 100 today
            ("250616+123", 1825),
            ("000101+123", 1900),
            ("991231+123", 1899),
        ];
        for (body, year) in cases {
            let p = pn(&with_check(body)).unwrap();
            assert_eq!(p.birth_date().year(), year, "{body}");
            assert!(p.age_on(today()) >= 100);
        }
    }

    #[test]
    fn century_inference_follows_the_given_today() {
        let input = with_check("250616-123");
        let p = PersonalNumber::parse_on(&input, date(2025, 6, 16)).unwrap();
        assert_eq!(p.birth_date(), date(2025, 6, 16));
        let p = PersonalNumber::parse_on(&input, date(2025, 6, 15)).unwrap();
        assert_eq!(p.birth_date(), date(1925, 6, 16));
    }

    #[test]
    fn twelve_digit_birth_date_in_the_future_is_rejected() {
        assert!(pn(&with_check("20250615-123")).is_ok());
        assert_eq!(pn(&with_check("20250616-123")), Err(Date));
        assert_eq!(pn(&with_check("20990101123")), Err(Date));
    }

    #[test]
    fn samordningsnummer() {
        let p = pn("701063-2391").unwrap();
        assert!(p.is_coordination_number());
        assert_eq!(p.as_str(), "197010632391");
        assert_eq!(p.birth_date(), date(1970, 10, 3));
        assert_eq!(pn("19701063-2391").unwrap(), p);

        // Day 61 is the 1st, day 91 the 31st.
        assert_eq!(
            pn(&with_check("700161-123")).unwrap().birth_date(),
            date(1970, 1, 1)
        );
        assert_eq!(
            pn(&with_check("700191-123")).unwrap().birth_date(),
            date(1970, 1, 31)
        );
        // Day 60 is neither a real day nor day 0 + 60; 92 is the "32nd".
        assert_eq!(pn(&with_check("700160-123")), Err(Date));
        assert_eq!(pn(&with_check("700192-123")), Err(Date));
        // 31 April as a samordningsnummer.
        assert_eq!(pn(&with_check("700491-123")), Err(Date));
        // Days 32..=59 are neither kind.
        assert_eq!(pn(&with_check("700145-123")), Err(Date));
    }

    #[test]
    fn invalid_dates() {
        for body in [
            "701301-123",
            "700001-123",
            "700100-123",
            "700431-123",
            "19700230-123",
        ] {
            assert_eq!(pn(&with_check(body)), Err(Date), "{body}");
        }
    }

    #[test]
    fn leap_day() {
        assert_eq!(
            pn(&with_check("20000229-123")).unwrap().birth_date(),
            date(2000, 2, 29)
        );
        assert_eq!(
            pn(&with_check("20240229-123")).unwrap().birth_date(),
            date(2024, 2, 29)
        );
        assert_eq!(pn(&with_check("20010229-123")), Err(Date));
        // 1900 was not a leap year (divisible by 100, not by 400).
        assert_eq!(pn(&with_check("19000229-123")), Err(Date));
        // 10-digit 000229 is 2000 (leap); with '+' it is 1900 (not leap).
        assert_eq!(
            pn(&with_check("000229-123")).unwrap().birth_date(),
            date(2000, 2, 29)
        );
        assert_eq!(pn(&with_check("000229+123")), Err(Date));
        assert_eq!(pn(&with_check("010229-123")), Err(Date));
        // Same rules for samordningsnummer.
        let p = pn(&with_check("000289-123")).unwrap();
        assert_eq!(p.birth_date(), date(2000, 2, 29));
        assert!(p.is_coordination_number());
        assert_eq!(pn(&with_check("010289-123")), Err(Date));
    }

    #[test]
    fn bad_checksum() {
        assert_eq!(pn("19121212-1213"), Err(Checksum));
        assert_eq!(pn("811218-9875"), Err(Checksum));
        assert_eq!(pn("701063-2390"), Err(Checksum));
        // Every wrong check digit is caught.
        for c in '0'..='9' {
            let input = format!("811218-987{c}");
            assert_eq!(pn(&input).is_ok(), c == '6', "{input}");
        }
        // Transposed birth-number digits.
        assert_eq!(pn("811218-8976"), Err(Checksum));
        assert_eq!(pn(&with_bad_check("19700101-123")), Err(Checksum));
    }

    #[test]
    fn bad_format() {
        for input in [
            "",
            "   ",
            "12121212",
            "121212-121",
            "1912121212123",
            "19121212+1212", // '+' only in the 10-digit form
            "191212121-212",
            "1912-12121212",
            "12121-21212",
            "121212 1212",
            "12 1212-1212",
            "121212--1212",
            "121212/1212",
            "121212\u{2013}1212", // en dash
            "abcdefghij",
            "121212-12a2",
            "-1212121212",
            "1212121212-",
            "\u{0661}\u{0662}\u{0661}\u{0662}\u{0661}\u{0662}\u{0661}\u{0662}\u{0661}\u{0662}",
        ] {
            assert_eq!(pn(input), Err(Format), "{input:?}");
        }
    }

    #[test]
    fn format_is_checked_before_date_and_date_before_checksum() {
        assert_eq!(pn("991399-999x"), Err(Format));
        assert_eq!(pn(&with_bad_check("701399-123")), Err(Date));
    }

    #[test]
    fn age_in_completed_years() {
        let p = pn("811218-9876").unwrap();
        assert_eq!(p.age_on(date(2025, 12, 17)), 43);
        assert_eq!(p.age_on(date(2025, 12, 18)), 44);
        assert_eq!(p.age_on(date(1981, 12, 18)), 0);
        assert_eq!(p.age_on(date(1981, 12, 17)), 0);
        assert_eq!(p.age_on(date(1900, 1, 1)), 0);

        let leapling = pn(&with_check("20000229-123")).unwrap();
        assert_eq!(leapling.age_on(date(2023, 2, 28)), 22);
        assert_eq!(leapling.age_on(date(2023, 3, 1)), 23);
        assert_eq!(leapling.age_on(date(2024, 2, 29)), 24);
        // Turning 18 in 2018 (no 29 February) is on 1 March, the day age_on
        // first says 18; in a leap year it is the 29th.
        assert_eq!(leapling.turns_on(18), date(2018, 3, 1));
        assert_eq!(leapling.age_on(date(2018, 3, 1)), 18);
        assert_eq!(leapling.age_on(date(2018, 2, 28)), 17);
        assert_eq!(leapling.turns_on(24), date(2024, 2, 29));
        assert_eq!(leapling.turns_on(66), date(2066, 3, 1));

        // Samordningsnummer ages from the real birth date.
        let p = pn("701063-2391").unwrap();
        assert_eq!(p.age_on(date(2025, 10, 2)), 54);
        assert_eq!(p.age_on(date(2025, 10, 3)), 55);
    }

    #[test]
    fn debug_is_redacted_display_is_not() {
        let p = pn("19121212-1212").unwrap();
        assert_eq!(format!("{p:?}"), "PersonalNumber(***)");
        assert_eq!(format!("{p:#?}"), "PersonalNumber(***)");

        #[derive(Debug)]
        #[allow(dead_code)]
        struct Assistant {
            personal_number: PersonalNumber,
        }
        let dbg = format!(
            "{:?}",
            Assistant {
                personal_number: p.clone()
            }
        );
        assert!(!dbg.contains("1212"), "{dbg}");

        assert_eq!(p.to_string(), "191212121212");
        // Errors must not echo the input either.
        let err = pn("19121212-1213").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("1212"));
    }

    #[test]
    fn from_str_and_parse_use_the_current_date() {
        let p: PersonalNumber = "19121212-1212".parse().unwrap();
        assert_eq!(p.as_str(), "191212121212");
        // Born 1912: needs '+' in the 10-digit form in any year after 2011.
        assert_eq!(PersonalNumber::parse("121212+1212").unwrap(), p);
        assert_eq!("x".parse::<PersonalNumber>(), Err(Format));
    }

    #[test]
    fn serde_round_trip() {
        let p = pn("811218-9876").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"198112189876\"");
        assert_eq!(serde_json::from_str::<PersonalNumber>(&json).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<PersonalNumber>("\"811218-9876\"").unwrap(),
            p
        );

        let err = serde_json::from_str::<PersonalNumber>("\"811218-9875\"").unwrap_err();
        assert!(err.to_string().contains(&Checksum.to_string()), "{err}");
        assert!(serde_json::from_str::<PersonalNumber>("198112189876").is_err());

        let o = OrganisationNumber::parse("5560360793").unwrap();
        assert_eq!(serde_json::to_string(&o).unwrap(), "\"556036-0793\"");
        assert_eq!(
            serde_json::from_str::<OrganisationNumber>("\"165560360793\"").unwrap(),
            o
        );
    }

    #[test]
    fn hash_and_order_follow_the_number() {
        use std::collections::HashSet;
        let a = pn("811218-9876").unwrap();
        let b = pn("19121212-1212").unwrap();
        let set: HashSet<_> = [a.clone(), pn("198112189876").unwrap(), b.clone()].into();
        assert_eq!(set.len(), 2);
        assert!(b < a); // 12-digit form sorts by birth date
    }

    #[test]
    fn organisation_number_forms() {
        for input in [
            "5560360793",
            "556036-0793",
            "165560360793",
            "16556036-0793",
            " 556036-0793 ",
        ] {
            let o = OrganisationNumber::parse(input).unwrap();
            assert_eq!(o.as_str(), "556036-0793", "{input:?}");
            assert_eq!(o.to_string(), "556036-0793");
        }
        // Municipality-type number (first digit 2).
        assert_eq!(
            OrganisationNumber::parse("212000-0142").unwrap().as_str(),
            "212000-0142"
        );
        assert_eq!(
            "2120000142".parse::<OrganisationNumber>().unwrap().as_str(),
            "212000-0142"
        );
        // Third digit exactly 2 is allowed.
        let body = "552000-012";
        assert!(OrganisationNumber::parse(&with_check(body)).is_ok());
    }

    #[test]
    fn organisation_number_third_digit() {
        for body in ["551036-079", "550036-079"] {
            assert_eq!(
                OrganisationNumber::parse(&with_check(body)),
                Err(OrgThirdDigit),
                "{body}"
            );
        }
        // A personnummer (month starts 0 or 1) is not an organisation number.
        assert_eq!(OrganisationNumber::parse("811218-9876"), Err(OrgThirdDigit));
        assert_eq!(OrganisationNumber::parse("1212121212"), Err(OrgThirdDigit));
        // Third-digit rule is reported before a bad checksum.
        assert_eq!(
            OrganisationNumber::parse(&with_bad_check("551036-079")),
            Err(OrgThirdDigit)
        );
    }

    #[test]
    fn organisation_number_checksum() {
        assert_eq!(OrganisationNumber::parse("556036-0794"), Err(Checksum));
        assert_eq!(OrganisationNumber::parse("165560360794"), Err(Checksum));
        assert_eq!(OrganisationNumber::parse("212000-0141"), Err(Checksum));
    }

    #[test]
    fn organisation_number_bad_format() {
        for input in [
            "",
            "556036+0793",
            "556036-079",
            "55603-60793",
            "175560360793",
            "195560360793",
            "16556036+0793",
            "1655603607930",
            "165560-360793",
            "556036 0793",
            "556O36-0793", // letter O
        ] {
            assert_eq!(OrganisationNumber::parse(input), Err(Format), "{input:?}");
        }
    }
}
