//! Swedish working-day calendar: public holidays (*allmänna helgdagar*, lag
//! 1989:253) and the days that lag (1930:173) om beräkning av lagstadgad tid
//! treats like them when a deadline falls on one.
//!
//! Everything is computed (Easter by the Gregorian computus), never looked up
//! in a year table, so it cannot silently run out. The current set of
//! holidays (in force since 2005, when *Sveriges nationaldag* replaced
//! *annandag pingst*) is applied to every year; older reports are out of
//! scope.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday (*påskdagen*) of `year` in the Gregorian calendar
/// (proleptic before 1583).
///
/// Meeus/Jones/Butcher ("anonymous Gregorian") algorithm. Euclidean division
/// keeps it well-defined for years ≤ 0 as well.
///
/// # Panics
/// If the date is outside chrono's range (about ±262 000 years).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4, n % 31 + 1 is 1..=31: both fit u32.
    NaiveDate::from_ymd_opt(year, (n / 31) as u32, (n % 31 + 1) as u32)
        .expect("easter_sunday: year outside chrono's range")
}

/// Name (Swedish) of the public holiday (*allmän helgdag*) on this date, if any.
///
/// Only the named holidays: ordinary Sundays are also *allmän helgdag* in law
/// but have no name here; [`is_non_working_day`] covers them.
pub fn public_holiday(d: NaiveDate) -> Option<&'static str> {
    let fixed = match (d.month(), d.day()) {
        (1, 1) => Some("nyårsdagen"),
        (1, 6) => Some("trettondedag jul"),
        (5, 1) => Some("första maj"),
        (6, 6) => Some("Sveriges nationaldag"),
        (12, 25) => Some("juldagen"),
        (12, 26) => Some("annandag jul"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let saturday = d.weekday() == Weekday::Sat;
    // *Midsommardagen*: the Saturday 20–26 June.
    if saturday && d.month() == 6 && (20..=26).contains(&d.day()) {
        return Some("midsommardagen");
    }
    // *Alla helgons dag*: the Saturday 31 October – 6 November.
    if saturday && ((d.month() == 10 && d.day() == 31) || (d.month() == 11 && d.day() <= 6)) {
        return Some("alla helgons dag");
    }
    // The movable feasts all sit between March and June; skip computing
    // Easter for the rest of the year.
    if !(3..=6).contains(&d.month()) {
        return None;
    }
    match (d - easter_sunday(d.year())).num_days() {
        -2 => Some("långfredagen"),
        0 => Some("påskdagen"),
        1 => Some("annandag påsk"),
        39 => Some("Kristi himmelsfärds dag"),
        49 => Some("pingstdagen"),
        _ => None,
    }
}

/// Name of the eve (*afton*) on this date, if it is one that lag (1930:173)
/// treats like a public holiday: *midsommarafton* (the Friday 19–25 June),
/// *julafton* (24 December) and *nyårsafton* (31 December).
pub fn holiday_eve(d: NaiveDate) -> Option<&'static str> {
    match (d.month(), d.day()) {
        (12, 24) => Some("julafton"),
        (12, 31) => Some("nyårsafton"),
        (6, 19..=25) if d.weekday() == Weekday::Fri => Some("midsommarafton"),
        _ => None,
    }
}

/// True on Saturday, Sunday, public holiday, Midsummer Eve, Christmas Eve, New Year's Eve.
pub fn is_non_working_day(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
        || public_holiday(d).is_some()
        || holiday_eve(d).is_some()
}

/// The first working day on or after `d` (`d` itself if it is a working day).
///
/// Terminates quickly: the longest run of non-working days is five (the
/// weekend before a Monday *julafton*, then *juldagen* and *annandag jul*).
pub fn next_working_day_from(d: NaiveDate) -> NaiveDate {
    let mut day = d;
    while is_non_working_day(day) {
        day = day
            .checked_add_days(Days::new(1))
            .expect("next_working_day_from: end of chrono's date range");
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Gauss's Easter algorithm with its two exception rules — deliberately a
    /// different formulation from the Meeus/Jones/Butcher one in the code.
    fn gauss_easter(y: i32) -> NaiveDate {
        let a = y % 19;
        let b = y % 4;
        let c = y % 7;
        let k = y / 100;
        let p = (13 + 8 * k) / 25;
        let q = k / 4;
        let m = (15 - p + k - q).rem_euclid(30);
        let n = (4 + k - q).rem_euclid(7);
        let d = (19 * a + m) % 30;
        let e = (2 * b + 4 * c + 6 * d + n) % 7;
        if d == 29 && e == 6 {
            return ymd(y, 4, 19);
        }
        if d == 28 && e == 6 && (11 * m + 11) % 30 < 19 {
            return ymd(y, 4, 18);
        }
        let day = 22 + d + e;
        if day <= 31 {
            ymd(y, 3, day as u32)
        } else {
            ymd(y, 4, (day - 31) as u32)
        }
    }

    #[test]
    fn easter_known_dates() {
        for (y, m, d) in [
            (1818, 3, 22), // earliest possible date
            (1943, 4, 25), // latest possible date
            (1954, 4, 18),
            (1981, 4, 19),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2016, 3, 27),
            (2019, 4, 21),
            (2021, 4, 4),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(y), ymd(y, m, d), "{y}");
        }
    }

    #[test]
    fn easter_agrees_with_gauss_1990_2040() {
        for y in 1990..=2040 {
            assert_eq!(easter_sunday(y), gauss_easter(y), "{y}");
        }
    }

    #[test]
    fn easter_agrees_with_gauss_and_is_a_sunday_in_range() {
        for y in 1583..=4099 {
            let e = easter_sunday(y);
            assert_eq!(e, gauss_easter(y), "{y}");
            assert_eq!(e.weekday(), Weekday::Sun, "{y}");
            assert!(e >= ymd(y, 3, 22) && e <= ymd(y, 4, 25), "{y}: {e}");
        }
    }

    #[test]
    fn easter_defined_for_early_years() {
        for y in [-500, -1, 0, 1, 1000] {
            let e = easter_sunday(y);
            assert_eq!(e.weekday(), Weekday::Sun, "{y}");
            assert!(e >= ymd(y, 3, 22) && e <= ymd(y, 4, 25), "{y}: {e}");
        }
    }

    #[test]
    fn every_holiday_kind_2024_2025_2026() {
        // One row per holiday kind: its dates in 2024, 2025, 2026.
        #[rustfmt::skip]
        let expected = [
            ("nyårsdagen",              [(2024, 1, 1),   (2025, 1, 1),   (2026, 1, 1)]),
            ("trettondedag jul",        [(2024, 1, 6),   (2025, 1, 6),   (2026, 1, 6)]),
            ("långfredagen",            [(2024, 3, 29),  (2025, 4, 18),  (2026, 4, 3)]),
            ("påskdagen",               [(2024, 3, 31),  (2025, 4, 20),  (2026, 4, 5)]),
            ("annandag påsk",           [(2024, 4, 1),   (2025, 4, 21),  (2026, 4, 6)]),
            ("första maj",              [(2024, 5, 1),   (2025, 5, 1),   (2026, 5, 1)]),
            ("Kristi himmelsfärds dag", [(2024, 5, 9),   (2025, 5, 29),  (2026, 5, 14)]),
            ("pingstdagen",             [(2024, 5, 19),  (2025, 6, 8),   (2026, 5, 24)]),
            ("Sveriges nationaldag",    [(2024, 6, 6),   (2025, 6, 6),   (2026, 6, 6)]),
            ("midsommardagen",          [(2024, 6, 22),  (2025, 6, 21),  (2026, 6, 20)]),
            ("alla helgons dag",        [(2024, 11, 2),  (2025, 11, 1),  (2026, 10, 31)]),
            ("juldagen",                [(2024, 12, 25), (2025, 12, 25), (2026, 12, 25)]),
            ("annandag jul",            [(2024, 12, 26), (2025, 12, 26), (2026, 12, 26)]),
        ];
        for (name, dates) in expected {
            for (y, m, d) in dates {
                assert_eq!(public_holiday(ymd(y, m, d)), Some(name), "{y}-{m}-{d}");
                assert!(is_non_working_day(ymd(y, m, d)));
            }
        }
        // Exactly these 13 in each year, nothing else.
        for y in 2024..=2026 {
            let count = (1..=12)
                .flat_map(|m| {
                    crate::domain::month::ReportMonth::new(y, m)
                        .unwrap()
                        .iter_days()
                })
                .filter(|d| public_holiday(*d).is_some())
                .count();
            assert_eq!(count, 13, "{y}");
        }
    }

    #[test]
    fn eves() {
        assert_eq!(holiday_eve(ymd(2026, 12, 24)), Some("julafton"));
        assert_eq!(holiday_eve(ymd(2026, 12, 31)), Some("nyårsafton"));
        assert_eq!(holiday_eve(ymd(2026, 6, 19)), Some("midsommarafton"));
        assert_eq!(holiday_eve(ymd(2025, 6, 20)), Some("midsommarafton"));
        assert_eq!(holiday_eve(ymd(2024, 6, 21)), Some("midsommarafton"));
        assert_eq!(holiday_eve(ymd(2026, 6, 26)), None); // Friday, but too late
        assert_eq!(holiday_eve(ymd(2026, 12, 23)), None);
        // Eves are not public holidays, but are non-working.
        assert_eq!(public_holiday(ymd(2026, 12, 24)), None);
        assert!(is_non_working_day(ymd(2026, 12, 24))); // Thursday
        assert!(is_non_working_day(ymd(2026, 12, 31))); // Thursday
        assert!(is_non_working_day(ymd(2026, 6, 19))); // Friday
    }

    #[test]
    fn midsummer_edges() {
        // Earliest: 20 June is a Saturday (2026), eve on the 19th.
        assert_eq!(public_holiday(ymd(2026, 6, 20)), Some("midsommardagen"));
        assert_eq!(holiday_eve(ymd(2026, 6, 19)), Some("midsommarafton"));
        // Latest: 26 June is a Saturday (2021), eve on the 25th.
        assert_eq!(public_holiday(ymd(2021, 6, 26)), Some("midsommardagen"));
        assert_eq!(holiday_eve(ymd(2021, 6, 25)), Some("midsommarafton"));
        assert_eq!(holiday_eve(ymd(2021, 6, 18)), None); // Friday before the window
                                                         // Saturdays outside 20–26 June are not midsummer.
        assert_eq!(public_holiday(ymd(2026, 6, 27)), None);
        assert_eq!(public_holiday(ymd(2021, 6, 19)), None);
        // Exactly one midsummer day and eve each year, a day apart.
        for y in 1950..=2100 {
            let june = crate::domain::month::ReportMonth::new(y, 6).unwrap();
            let days: Vec<_> = june
                .iter_days()
                .filter(|d| public_holiday(*d) == Some("midsommardagen"))
                .collect();
            let eves: Vec<_> = june
                .iter_days()
                .filter(|d| holiday_eve(*d).is_some())
                .collect();
            assert_eq!(days.len(), 1, "{y}");
            assert_eq!(eves, vec![days[0].pred_opt().unwrap()], "{y}");
        }
    }

    #[test]
    fn all_saints_edges() {
        // Earliest: 31 October is a Saturday (2026).
        assert_eq!(public_holiday(ymd(2026, 10, 31)), Some("alla helgons dag"));
        // Latest: 6 November is a Saturday (2021).
        assert_eq!(public_holiday(ymd(2021, 11, 6)), Some("alla helgons dag"));
        assert_eq!(public_holiday(ymd(2021, 10, 30)), None); // Saturday before the window
        assert_eq!(public_holiday(ymd(2026, 11, 7)), None); // Saturday after it
        assert_eq!(public_holiday(ymd(2025, 10, 31)), None); // Friday
        assert_eq!(public_holiday(ymd(2025, 11, 1)), Some("alla helgons dag"));
        for y in 1950..=2100 {
            let n = ymd(y, 10, 31)
                .iter_days()
                .take(7)
                .filter(|d| public_holiday(*d) == Some("alla helgons dag"))
                .count();
            assert_eq!(n, 1, "{y}");
        }
    }

    #[test]
    fn whit_monday_and_easter_saturday_are_ordinary() {
        // *Annandag pingst* stopped being a holiday in 2005.
        assert_eq!(public_holiday(ymd(2026, 5, 25)), None);
        assert!(!is_non_working_day(ymd(2026, 5, 25)));
        // *Påskafton* is a Saturday but not a holiday in its own right.
        assert_eq!(public_holiday(ymd(2026, 4, 4)), None);
        // *Skärtorsdagen* is a working day.
        assert!(!is_non_working_day(ymd(2026, 4, 2)));
    }

    #[test]
    fn holidays_in_late_easter_and_early_easter_years() {
        // 2038: Easter 25 April, Ascension 3 June, Whitsun 13 June.
        assert_eq!(public_holiday(ymd(2038, 4, 23)), Some("långfredagen"));
        assert_eq!(public_holiday(ymd(2038, 4, 26)), Some("annandag påsk"));
        assert_eq!(
            public_holiday(ymd(2038, 6, 3)),
            Some("Kristi himmelsfärds dag")
        );
        assert_eq!(public_holiday(ymd(2038, 6, 13)), Some("pingstdagen"));
        // 2285: Easter 22 March, Good Friday 20 March, Ascension 30 April.
        assert_eq!(public_holiday(ymd(2285, 3, 20)), Some("långfredagen"));
        assert_eq!(
            public_holiday(ymd(2285, 4, 30)),
            Some("Kristi himmelsfärds dag")
        );
        // Ascension on 1 May (2008): the fixed name wins; it is non-working either way.
        assert_eq!(public_holiday(ymd(2008, 5, 1)), Some("första maj"));
        assert!(is_non_working_day(ymd(2008, 5, 1)));
    }

    #[test]
    fn weekends_and_ordinary_days() {
        assert!(is_non_working_day(ymd(2026, 3, 7))); // Saturday
        assert!(is_non_working_day(ymd(2026, 3, 8))); // Sunday
        assert!(!is_non_working_day(ymd(2026, 3, 9))); // Monday
        assert_eq!(public_holiday(ymd(2026, 3, 8)), None);
    }

    #[test]
    fn next_working_day() {
        assert_eq!(next_working_day_from(ymd(2026, 3, 9)), ymd(2026, 3, 9));
        assert_eq!(next_working_day_from(ymd(2026, 3, 7)), ymd(2026, 3, 9));
        // Easter 2026: Fri 3 Apr → Tue 7 Apr.
        assert_eq!(next_working_day_from(ymd(2026, 4, 3)), ymd(2026, 4, 7));
        // Christmas 2026: Thu 24 Dec → Mon 28 Dec.
        assert_eq!(next_working_day_from(ymd(2026, 12, 24)), ymd(2026, 12, 28));
        // New Year 2026/27: Thu 31 Dec → Mon 4 Jan.
        assert_eq!(next_working_day_from(ymd(2026, 12, 31)), ymd(2027, 1, 4));
        // Midsummer 2026: Fri 19 June → Mon 22 June.
        assert_eq!(next_working_day_from(ymd(2026, 6, 19)), ymd(2026, 6, 22));
        // Longest possible run: Sat 22 Dec 2029 → Thu 27 Dec.
        assert_eq!(next_working_day_from(ymd(2029, 12, 22)), ymd(2029, 12, 27));
        // National day on a Saturday 2026 → Mon 8 June.
        assert_eq!(next_working_day_from(ymd(2026, 6, 6)), ymd(2026, 6, 8));
    }

    #[test]
    fn next_working_day_is_first_working_day() {
        let mut d = ymd(1950, 1, 1);
        while d.year() <= 2100 {
            let w = next_working_day_from(d);
            assert!(!is_non_working_day(w));
            assert!(w >= d && (w - d).num_days() <= 5, "{d} → {w}");
            assert!(d.iter_days().take_while(|x| *x < w).all(is_non_working_day));
            d = d.succ_opt().unwrap();
        }
    }
}
