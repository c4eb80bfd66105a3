//! Exact quantities: payable time, hours and money.
//!
//! Försäkringskassan pays *assistansersättning* per hour, but not every
//! hour counts fully: *väntetid* counts as 1/4 and *beredskap* as 1/7 of
//! an hour of *aktiv assistans*. Summing such fractions in floating point
//! (or rounding per row) drifts, so payable time is kept as an integer in
//! units of 1/28 minute (28 = lcm(4, 7)) and rounded exactly once, when it
//! is shown or paid. No `f32`/`f64` is used anywhere in this module.
//!
//! On the wire, hours and money are decimal strings with exactly two
//! decimals (`"12.25"`, `"7247.10"`); internally they are integers
//! (hundredths of an hour, öre).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use crate::domain::shift::ShiftKind;

/// Payable units per clock minute of *aktiv assistans* (counts × 1).
pub const UNITS_PER_ACTIVE_MINUTE: i64 = 28;
/// Payable units per clock minute of *väntetid* (counts × 1/4).
pub const UNITS_PER_WAITING_MINUTE: i64 = 7;
/// Payable units per clock minute of *beredskap* (counts × 1/7).
pub const UNITS_PER_STANDBY_MINUTE: i64 = 4;
/// Payable units in one payable hour (28 × 60).
pub const UNITS_PER_HOUR: i64 = 28 * 60;

/// Divides `n` by `d` (`d > 0`), rounding half away from zero.
///
/// The single rounding primitive of the domain, so every quantity (hours,
/// money, granted time) rounds the same way.
pub fn div_round_half_away(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d {
        q + n.signum()
    } else {
        q
    }
}

/// Narrows an `i128` result to `i64`, saturating (only reachable with
/// absurd inputs far beyond any real report).
fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Payable time in 1/28 minute, exact.
///
/// 28 units = one minute of *aktiv assistans*; one minute of *väntetid*
/// is 7 units and one minute of *beredskap* 4 units, so any mix of rows
/// sums without loss. Round only via [`PayableUnits::hundredths_of_hour`]
/// or [`amount_for`], once, on the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PayableUnits(pub i64);

impl PayableUnits {
    /// Zero payable time.
    pub const ZERO: PayableUnits = PayableUnits(0);

    /// Payable units for `minutes` of real elapsed time of the given kind.
    pub fn of(kind: ShiftKind, minutes: i64) -> Self {
        PayableUnits(minutes * units_per_minute(kind))
    }

    /// Payable units for `min` minutes of *aktiv assistans*.
    pub fn from_minutes_active(min: i64) -> Self {
        Self::of(ShiftKind::Active, min)
    }

    /// Payable time in hundredths of an hour, rounded once, half away
    /// from zero.
    pub fn hundredths_of_hour(&self) -> i64 {
        saturate(div_round_half_away(
            i128::from(self.0) * 100,
            i128::from(UNITS_PER_HOUR),
        ))
    }

    /// Payable hours as a two-decimal string, e.g. `"0.14"` for one hour
    /// of *beredskap*.
    pub fn to_hours_string(&self) -> String {
        hundredths_to_string(self.hundredths_of_hour())
    }
}

/// Payable units per clock minute of `kind` (its weight × 28).
pub fn units_per_minute(kind: ShiftKind) -> i64 {
    match kind {
        ShiftKind::Active => UNITS_PER_ACTIVE_MINUTE,
        ShiftKind::Waiting => UNITS_PER_WAITING_MINUTE,
        ShiftKind::Standby => UNITS_PER_STANDBY_MINUTE,
    }
}

impl Add for PayableUnits {
    type Output = PayableUnits;
    fn add(self, rhs: Self) -> Self {
        PayableUnits(self.0 + rhs.0)
    }
}

impl AddAssign for PayableUnits {
    fn add_assign(&mut self, rhs: Self) {
        self.0 += rhs.0;
    }
}

impl Sub for PayableUnits {
    type Output = PayableUnits;
    fn sub(self, rhs: Self) -> Self {
        PayableUnits(self.0 - rhs.0)
    }
}

impl SubAssign for PayableUnits {
    fn sub_assign(&mut self, rhs: Self) {
        self.0 -= rhs.0;
    }
}

impl Neg for PayableUnits {
    type Output = PayableUnits;
    fn neg(self) -> Self {
        PayableUnits(-self.0)
    }
}

impl Sum for PayableUnits {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(PayableUnits::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a PayableUnits> for PayableUnits {
    fn sum<I: Iterator<Item = &'a PayableUnits>>(iter: I) -> Self {
        iter.copied().sum()
    }
}

/// Clock minutes as hours with two decimals, rounded half away from zero:
/// `735` → `"12.25"`, `1` → `"0.02"`, `-90` → `"-1.50"`.
pub fn minutes_to_hours_string(minutes: i64) -> String {
    hundredths_to_string(saturate(div_round_half_away(i128::from(minutes) * 100, 60)))
}

/// Formats hundredths (of an hour, or öre as kronor) with exactly two
/// decimals: `724710` → `"7247.10"`, `-5` → `"-0.05"`.
pub fn hundredths_to_string(v: i64) -> String {
    let abs = v.unsigned_abs();
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Why a decimal string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Not a plain decimal number (empty, sign or spaces inside, comma,
    /// exponent, missing digits, …).
    #[error("invalid decimal number; expected digits with an optional '.' and at most two decimals, e.g. \"332.60\"")]
    Format,
    /// More than two decimals; hours and money carry exactly hundredths,
    /// and silently rounding input would change what the user typed.
    #[error("too many decimals; at most two are allowed")]
    TooManyDecimals,
    /// Too large to represent, or negative where only non-negative values
    /// are allowed.
    #[error("value out of range")]
    OutOfRange,
}

impl DecimalError {
    /// Stable machine-readable error code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            DecimalError::Format => "invalid_decimal",
            DecimalError::TooManyDecimals => "too_many_decimals",
            DecimalError::OutOfRange => "out_of_range",
        }
    }
}

/// Parses a plain decimal (`"332.6"`, `"332.60"`, `"332"`, `"0.25"`) into
/// hundredths (`33260`).
///
/// Deliberately strict, since these are amounts that end up in a claim:
/// no exponent, no `+`, no whitespace, no comma, no `".5"` or `"5."`, at
/// most two decimals. A leading `-` is accepted only when
/// `allow_negative`; otherwise it is [`DecimalError::OutOfRange`].
/// The non-negative decimals [`parse_hundredths`] accepts (`"332.6"`,
/// `"98"`), as an ECMA-262 pattern for the OpenAPI document.
pub const DECIMAL_PATTERN: &str = "^[0-9]+(\\.[0-9]{1,2})?$";

pub fn parse_hundredths(s: &str, allow_negative: bool) -> Result<i64, DecimalError> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) {
        return Err(DecimalError::Format);
    }
    let frac = match frac_part {
        None => 0,
        Some(f) => {
            if !all_digits(f) {
                return Err(DecimalError::Format);
            }
            if f.len() > 2 {
                return Err(DecimalError::TooManyDecimals);
            }
            let digits: i64 = f.bytes().fold(0, |acc, b| acc * 10 + i64::from(b - b'0'));
            if f.len() == 1 {
                digits * 10
            } else {
                digits
            }
        }
    };
    if negative && !allow_negative {
        return Err(DecimalError::OutOfRange);
    }
    let mut int: i64 = 0;
    for b in int_part.bytes() {
        int = int
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(DecimalError::OutOfRange)?;
    }
    let magnitude = int
        .checked_mul(100)
        .and_then(|v| v.checked_add(frac))
        .ok_or(DecimalError::OutOfRange)?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Money in öre (1/100 krona).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ore(pub i64);

impl Ore {
    /// Parses kronor with at most two decimals (`"332.60"` → 33260 öre).
    /// Negative amounts are accepted (corrections); use
    /// [`Ore::parse_non_negative`] for rates and prices.
    pub fn parse(s: &str) -> Result<Self, DecimalError> {
        parse_hundredths(s, true).map(Ore)
    }

    /// Like [`Ore::parse`] but refuses a leading `-` ([`DecimalError::OutOfRange`]).
    pub fn parse_non_negative(s: &str) -> Result<Self, DecimalError> {
        parse_hundredths(s, false).map(Ore)
    }

    /// Kronor with exactly two decimals, e.g. `"7247.10"`.
    pub fn to_sek_string(&self) -> String {
        hundredths_to_string(self.0)
    }
}

impl fmt::Display for Ore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sek_string())
    }
}

/// Amount for `units` of payable time at `ore_per_hour`, computed exactly
/// as `units × ore_per_hour / (28 × 60)` and rounded once to the öre, half
/// away from zero. Pass the *total* units of a claim, not per row, so the
/// rounding happens once.
pub fn amount_for(units: PayableUnits, ore_per_hour: Ore) -> Ore {
    Ore(saturate(div_round_half_away(
        i128::from(units.0) * i128::from(ore_per_hour.0),
        i128::from(UNITS_PER_HOUR),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_pattern_agrees_with_parse() {
        let re = regex::Regex::new(DECIMAL_PATTERN).unwrap();
        for s in [
            "332.6", "332.60", "332", "0.25", "0", "-1", "1.234", ".5", "5.", "1e3", "+1", "1,5",
            " 1", "",
        ] {
            assert_eq!(re.is_match(s), parse_hundredths(s, false).is_ok(), "{s}");
        }
    }

    #[test]
    fn units_per_kind() {
        assert_eq!(PayableUnits::of(ShiftKind::Active, 60).0, 1680);
        assert_eq!(PayableUnits::of(ShiftKind::Waiting, 60).0, 420);
        assert_eq!(PayableUnits::of(ShiftKind::Standby, 60).0, 240);
        assert_eq!(PayableUnits::from_minutes_active(2), PayableUnits(56));
    }

    #[test]
    fn seven_standby_minutes_are_exactly_one_active_minute() {
        let total: PayableUnits = (0..7)
            .map(|_| PayableUnits::of(ShiftKind::Standby, 1))
            .sum();
        assert_eq!(total, PayableUnits::from_minutes_active(1));
    }

    #[test]
    fn four_waiting_hours_are_one_hour() {
        let total: PayableUnits = (0..4)
            .map(|_| PayableUnits::of(ShiftKind::Waiting, 60))
            .sum();
        assert_eq!(total, PayableUnits::from_minutes_active(60));
        assert_eq!(total.to_hours_string(), "1.00");
    }

    #[test]
    fn one_standby_hour_is_0_14() {
        // 1/7 h = 0.142857… h
        assert_eq!(
            PayableUnits::of(ShiftKind::Standby, 60).to_hours_string(),
            "0.14"
        );
    }

    #[test]
    fn many_small_rows_round_once() {
        // 100 rows of 1 min standby = 100/7 min = 0.238 h -> "0.24";
        // rounding each row (0.00 h) would give "0.00".
        let rows = vec![PayableUnits::of(ShiftKind::Standby, 1); 100];
        let total: PayableUnits = rows.iter().sum();
        assert_eq!(total.0, 400);
        assert_eq!(total.to_hours_string(), "0.24");
        assert_eq!(rows[0].to_hours_string(), "0.00");
    }

    #[test]
    fn add_sub_assign() {
        let mut u = PayableUnits::of(ShiftKind::Active, 10);
        u += PayableUnits::of(ShiftKind::Waiting, 4);
        assert_eq!(u.0, 280 + 28);
        u -= PayableUnits(8);
        assert_eq!(u - PayableUnits(300), PayableUnits::ZERO);
        assert_eq!(-PayableUnits(3), PayableUnits(-3));
        assert_eq!(PayableUnits(1) + PayableUnits(2), PayableUnits(3));
    }

    #[test]
    fn hundredths_round_half_away_from_zero() {
        // 0.005 h = 8.4 units: 9 units -> 0.0054 h -> 0.01; 8 units -> 0.0048 h -> 0.00
        assert_eq!(PayableUnits(9).hundredths_of_hour(), 1);
        assert_eq!(PayableUnits(8).hundredths_of_hour(), 0);
        // Exactly half: 42 units = 0.025 h -> 0.03, and negative -> -0.03.
        assert_eq!(PayableUnits(42).hundredths_of_hour(), 3);
        assert_eq!(PayableUnits(-42).hundredths_of_hour(), -3);
        assert_eq!(PayableUnits(-42).to_hours_string(), "-0.03");
    }

    #[test]
    fn minutes_to_hours() {
        assert_eq!(minutes_to_hours_string(735), "12.25");
        assert_eq!(minutes_to_hours_string(1), "0.02");
        assert_eq!(minutes_to_hours_string(0), "0.00");
        assert_eq!(minutes_to_hours_string(-90), "-1.50");
        assert_eq!(minutes_to_hours_string(-1), "-0.02");
        // 3 min = 0.05 h exactly; 0.3 min would be the half case, not reachable.
        assert_eq!(minutes_to_hours_string(3), "0.05");
        assert_eq!(minutes_to_hours_string(1440), "24.00");
    }

    #[test]
    fn hundredths_formatting() {
        assert_eq!(hundredths_to_string(724710), "7247.10");
        assert_eq!(hundredths_to_string(-5), "-0.05");
        assert_eq!(hundredths_to_string(0), "0.00");
        assert_eq!(hundredths_to_string(100), "1.00");
        assert_eq!(hundredths_to_string(-100), "-1.00");
        assert_eq!(hundredths_to_string(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn parse_hundredths_accepts_plain_decimals() {
        assert_eq!(parse_hundredths("332.6", false), Ok(33260));
        assert_eq!(parse_hundredths("332.60", false), Ok(33260));
        assert_eq!(parse_hundredths("332", false), Ok(33200));
        assert_eq!(parse_hundredths("0.25", false), Ok(25));
        assert_eq!(parse_hundredths("0.05", false), Ok(5));
        assert_eq!(parse_hundredths("134.5", false), Ok(13450));
        assert_eq!(parse_hundredths("007.10", false), Ok(710));
        assert_eq!(parse_hundredths("-1.5", true), Ok(-150));
        assert_eq!(parse_hundredths("-0.05", true), Ok(-5));
    }

    #[test]
    fn parse_hundredths_rejects_bad_input() {
        use DecimalError::*;
        for bad in [
            "", " ", "-", ".", ".5", "5.", "1e3", "1E3", "+1", " 1", "1 ", "1 000", "1,5", "1.2.3",
            "--1", "1-", "abc", "0x10", "١٢", "1._5", "1.-5", "NaN", "inf",
        ] {
            assert_eq!(parse_hundredths(bad, true), Err(Format), "{bad:?}");
        }
        assert_eq!(parse_hundredths("1.234", true), Err(TooManyDecimals));
        assert_eq!(parse_hundredths("1.000", true), Err(TooManyDecimals));
        assert_eq!(parse_hundredths("-1", false), Err(OutOfRange));
        assert_eq!(parse_hundredths("-0", false), Err(OutOfRange));
        assert_eq!(
            parse_hundredths("99999999999999999999", true),
            Err(OutOfRange)
        );
        // i64::MAX / 100 + 1 overflows only after scaling.
        assert_eq!(parse_hundredths("92233720368547759", true), Err(OutOfRange));
        assert_eq!(parse_hundredths("92233720368547758.07", true), Ok(i64::MAX));
    }

    #[test]
    fn decimal_error_codes() {
        assert_eq!(DecimalError::Format.code(), "invalid_decimal");
        assert_eq!(DecimalError::TooManyDecimals.code(), "too_many_decimals");
        assert_eq!(DecimalError::OutOfRange.code(), "out_of_range");
    }

    #[test]
    fn ore_parse_and_format() {
        assert_eq!(Ore::parse("7247.1"), Ok(Ore(724710)));
        assert_eq!(Ore(724710).to_sek_string(), "7247.10");
        assert_eq!(Ore::parse("-12.00"), Ok(Ore(-1200)));
        assert_eq!(
            Ore::parse_non_negative("-12.00"),
            Err(DecimalError::OutOfRange)
        );
        assert_eq!(Ore::parse("12,00"), Err(DecimalError::Format));
        assert_eq!(Ore(-5).to_string(), "-0.05");
    }

    #[test]
    fn amounts() {
        let rate = Ore::parse("332.60").unwrap();
        assert_eq!(
            amount_for(PayableUnits::from_minutes_active(600), rate).to_sek_string(),
            "3326.00"
        );
        // 332.60 / 7 = 47.514… -> 47.51
        assert_eq!(
            amount_for(PayableUnits::of(ShiftKind::Standby, 60), rate).to_sek_string(),
            "47.51"
        );
        // 332.60 / 4 = 83.15 exactly
        assert_eq!(
            amount_for(PayableUnits::of(ShiftKind::Waiting, 60), rate),
            Ore(8315)
        );
        assert_eq!(amount_for(PayableUnits::ZERO, rate), Ore(0));
    }

    #[test]
    fn amount_rounds_half_away_from_zero_once() {
        // One active minute at 1.50 kr/h = 2.5 öre exactly -> 3 öre (and -3 for a correction).
        let rate = Ore(150);
        assert_eq!(
            amount_for(PayableUnits::from_minutes_active(1), rate),
            Ore(3)
        );
        assert_eq!(
            amount_for(PayableUnits::from_minutes_active(-1), rate),
            Ore(-3)
        );
        // Two such minutes together are exactly 5 öre, not 3 + 3.
        assert_eq!(
            amount_for(PayableUnits::from_minutes_active(2), rate),
            Ore(5)
        );
        // Just below half rounds down: 1 standby minute at 1.50 kr/h = 0.357… öre.
        assert_eq!(
            amount_for(PayableUnits::of(ShiftKind::Standby, 1), rate),
            Ore(0)
        );
    }
}
