//! Report deadlines (*sista inlämningsdag*) and lateness.
//!
//! Försäkringskassan's rule (FKFS 2016:4) is that the report for a month must
//! have *arrived* by the 5th of the second month after it; HFD's ruling of 2023-02-10 confirms
//! FK may refuse payment for a late report. Whether lag (1930:173) om
//! beräkning av lagstadgad tid moves that date past weekends and holidays is
//! our reading, not FK's stated practice, hence [`DeadlinePolicy`].
//! See `docs/deadlines.md`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;

use crate::domain::calendar::next_working_day_from;
use crate::domain::month::ReportMonth;

/// How due dates are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// Apply lag (1930:173): a due date on a Saturday, Sunday, public holiday,
    /// *midsommarafton*, *julafton* or *nyårsafton* moves to the next working
    /// day. Off means the nominal date stands whatever day it is.
    pub weekday_rule: bool,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy { weekday_rule: true }
    }
}

impl DeadlinePolicy {
    /// The due date this policy makes of a nominal date.
    pub fn apply(self, nominal: NaiveDate) -> NaiveDate {
        if self.weekday_rule {
            next_working_day_from(nominal)
        } else {
            nominal
        }
    }
}

/// Day of the second following month by which FK must have the report.
pub const FK_DUE_DAY: u32 = 5;

/// Default day of the following month by which a provider (*anordnare*) wants
/// reports in, leaving a month of margin before FK's deadline. Organisations
/// may set their own (`internal_cutoff_day`, 1–28).
pub const DEFAULT_INTERNAL_CUTOFF_DAY: u32 = 5;

/// Försäkringskassan's due date for the report of `month`: the 5th of the
/// second month after, moved by the policy.
///
/// ```text
/// 2026-01 → 2026-03-05;  2026-02 → 2026-04-07 (Easter)
/// ```
pub fn fk_due_date(month: ReportMonth, policy: DeadlinePolicy) -> NaiveDate {
    policy.apply(month.add_months(2).day_clamped(FK_DUE_DAY))
}

/// The provider's own cut-off for the report of `month`: day `cutoff_day` of
/// the following month, moved by the policy.
///
/// `cutoff_day` is meant to be 1–28; anything outside is clamped to the
/// month's days (0 → 1, 31 in February → the 28th/29th) rather than rejected,
/// so a bad setting cannot make a deadline uncomputable.
pub fn internal_due_date(month: ReportMonth, cutoff_day: u32, policy: DeadlinePolicy) -> NaiveDate {
    policy.apply(month.add_months(1).day_clamped(cutoff_day))
}

/// Local (Europe/Stockholm) date of an instant.
///
/// Deadlines are Swedish calendar dates, so a report that arrives at 00:30 CET
/// on the 6th is late even though it is still the 5th in UTC.
pub fn stockholm_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Stockholm).date_naive()
}

/// On time iff the report arrived (Stockholm local date) on or before `due`.
pub fn is_on_time(received_at: DateTime<Utc>, due: NaiveDate) -> bool {
    stockholm_date(received_at) <= due
}

/// What a receipt (time report or invoice) says when it arrived after FK's
/// deadline `due`; `None` when on time.
pub fn lateness(on_time: bool, due: NaiveDate) -> Option<String> {
    (!on_time).then(|| {
        format!(
            "Received after FK's deadline {due}. FK may refuse payment for a month reported late (FKFS 2016:4; HFD 2023)."
        )
    })
}

/// Whole days from `today` until `due` (negative when past).
pub fn days_until(today: NaiveDate, due: NaiveDate) -> i64 {
    (due - today).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::is_non_working_day;
    use chrono::Datelike;

    const ON: DeadlinePolicy = DeadlinePolicy { weekday_rule: true };
    const OFF: DeadlinePolicy = DeadlinePolicy {
        weekday_rule: false,
    };

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rm(s: &str) -> ReportMonth {
        ReportMonth::parse(s).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn default_policy_applies_weekday_rule() {
        assert_eq!(DeadlinePolicy::default(), ON);
    }

    #[test]
    fn fk_worked_examples() {
        // Easter Sunday 5 Apr, Easter Monday 6 Apr.
        assert_eq!(fk_due_date(rm("2026-02"), ON), ymd(2026, 4, 7));
        // Ascension Day 5 May 2016.
        assert_eq!(fk_due_date(rm("2016-03"), ON), ymd(2016, 5, 6));
        // 5 July 2026 is a Sunday.
        assert_eq!(fk_due_date(rm("2026-05"), ON), ymd(2026, 7, 6));
        // Across the year boundary; 5 Jan 2026 is a Monday.
        assert_eq!(fk_due_date(rm("2025-11"), ON), ymd(2026, 1, 5));
        // Ordinary weekday: January's report is due 5 March.
        assert_eq!(fk_due_date(rm("2026-01"), ON), ymd(2026, 3, 5));
    }

    #[test]
    fn fk_more_examples() {
        // Easter Monday 5 Apr 2021.
        assert_eq!(fk_due_date(rm("2021-02"), ON), ymd(2021, 4, 6));
        // Sat 5 June 2021, then national day on the Sunday.
        assert_eq!(fk_due_date(rm("2021-04"), ON), ymd(2021, 6, 7));
        // Sat 5 Nov 2022 is also All Saints' Day.
        assert_eq!(fk_due_date(rm("2022-09"), ON), ymd(2022, 11, 7));
        // Sat 5 Jan 2019, Sun 6 Jan is also Epiphany.
        assert_eq!(fk_due_date(rm("2018-11"), ON), ymd(2019, 1, 7));
        // Sat 5 Dec 2026.
        assert_eq!(fk_due_date(rm("2026-10"), ON), ymd(2026, 12, 7));
        // December's report is due in February of the next year.
        assert_eq!(fk_due_date(rm("2025-12"), ON), ymd(2026, 2, 5));
    }

    #[test]
    fn fk_policy_off_keeps_the_fifth() {
        assert_eq!(fk_due_date(rm("2026-05"), OFF), ymd(2026, 7, 5));
        assert_eq!(fk_due_date(rm("2026-02"), OFF), ymd(2026, 4, 5));
        assert_eq!(fk_due_date(rm("2016-03"), OFF), ymd(2016, 5, 5));
        assert_eq!(fk_due_date(rm("2025-11"), OFF), ymd(2026, 1, 5));
    }

    #[test]
    fn internal_cutoff_examples() {
        let d = DEFAULT_INTERNAL_CUTOFF_DAY;
        assert_eq!(internal_due_date(rm("2026-01"), d, ON), ymd(2026, 2, 5));
        // 5 Apr 2026 is Easter Sunday.
        assert_eq!(internal_due_date(rm("2026-03"), d, ON), ymd(2026, 4, 7));
        assert_eq!(internal_due_date(rm("2026-03"), d, OFF), ymd(2026, 4, 5));
        // December → January of the next year.
        assert_eq!(internal_due_date(rm("2025-12"), d, ON), ymd(2026, 1, 5));
        // Cut-off on *julafton* 2026 (Thursday) → Monday 28 Dec.
        assert_eq!(internal_due_date(rm("2026-11"), 24, ON), ymd(2026, 12, 28));
        assert_eq!(internal_due_date(rm("2026-08"), 1, ON), ymd(2026, 9, 1));
        assert_eq!(internal_due_date(rm("2026-08"), 20, ON), ymd(2026, 9, 21)); // Sun 20 Sep
    }

    #[test]
    fn internal_cutoff_is_clamped() {
        // Day 31 in February 2026 → 28th, a Saturday → Monday 2 March.
        assert_eq!(internal_due_date(rm("2026-01"), 31, OFF), ymd(2026, 2, 28));
        assert_eq!(internal_due_date(rm("2026-01"), 31, ON), ymd(2026, 3, 2));
        assert_eq!(internal_due_date(rm("2024-01"), 30, OFF), ymd(2024, 2, 29));
        // Day 31 in December 2026: *nyårsafton*, *nyårsdagen*, weekend → 4 Jan.
        assert_eq!(internal_due_date(rm("2026-11"), 31, ON), ymd(2027, 1, 4));
        assert_eq!(internal_due_date(rm("2026-08"), 0, OFF), ymd(2026, 9, 1));
        assert_eq!(
            internal_due_date(rm("2026-08"), u32::MAX, OFF),
            ymd(2026, 9, 30)
        );
    }

    #[test]
    fn every_due_date_1950_2100_is_a_working_day_on_or_after_the_nominal() {
        for y in 1950..=2100 {
            for m in 1..=12 {
                let month = ReportMonth::new(y, m).unwrap();
                let fk_month = month.add_months(2);

                let due = fk_due_date(month, ON);
                assert!(!is_non_working_day(due), "{month}: {due}");
                assert!(fk_month.contains(due), "{month}: {due}");
                assert!(due.day() >= FK_DUE_DAY, "{month}: {due}");
                // The *first* working day from the 5th: nothing skipped.
                let nominal = fk_due_date(month, OFF);
                assert_eq!(nominal, fk_month.day_clamped(5));
                assert!(nominal
                    .iter_days()
                    .take_while(|d| *d < due)
                    .all(is_non_working_day));

                for cutoff in [1, DEFAULT_INTERNAL_CUTOFF_DAY, 28] {
                    let internal = internal_due_date(month, cutoff, ON);
                    assert!(
                        !is_non_working_day(internal),
                        "{month} {cutoff}: {internal}"
                    );
                    assert!(internal >= internal_due_date(month, cutoff, OFF));
                    // The internal cut-off always leaves margin before FK's.
                    assert!(internal < due, "{month} {cutoff}: {internal} vs {due}");
                }
            }
        }
    }

    #[test]
    fn stockholm_date_follows_dst() {
        // Summer time (CEST, UTC+2).
        assert_eq!(stockholm_date(utc("2026-04-07T21:59:59Z")), ymd(2026, 4, 7));
        assert_eq!(stockholm_date(utc("2026-04-07T22:00:00Z")), ymd(2026, 4, 8));
        // Winter time (CET, UTC+1).
        assert_eq!(stockholm_date(utc("2026-01-05T22:59:59Z")), ymd(2026, 1, 5));
        assert_eq!(stockholm_date(utc("2026-01-05T23:00:00Z")), ymd(2026, 1, 6));
        // Evening before the spring change (29 Mar 2026) is still CET ...
        assert_eq!(
            stockholm_date(utc("2026-03-28T22:59:59Z")),
            ymd(2026, 3, 28)
        );
        assert_eq!(
            stockholm_date(utc("2026-03-28T23:00:00Z")),
            ymd(2026, 3, 29)
        );
        // ... and the evening before the autumn change (25 Oct 2026) still CEST.
        assert_eq!(
            stockholm_date(utc("2026-10-24T21:59:59Z")),
            ymd(2026, 10, 24)
        );
        assert_eq!(
            stockholm_date(utc("2026-10-24T22:00:00Z")),
            ymd(2026, 10, 25)
        );
    }

    #[test]
    fn lateness_uses_stockholm_local_date() {
        let due = fk_due_date(rm("2026-02"), ON); // 2026-04-07, CEST
        assert!(is_on_time(utc("2026-04-07T21:59:59Z"), due));
        assert!(!is_on_time(utc("2026-04-07T22:00:00Z"), due));
        assert!(is_on_time(utc("2026-03-01T08:00:00Z"), due)); // early is fine
                                                               // Still the 7th in UTC, already the 8th in Stockholm.
        assert!(!is_on_time(utc("2026-04-07T23:30:00Z"), due));

        let due = fk_due_date(rm("2025-11"), ON); // 2026-01-05, CET
        assert!(is_on_time(utc("2026-01-05T22:59:59Z"), due));
        assert!(!is_on_time(utc("2026-01-05T23:00:00Z"), due));
        // Previous evening UTC that is already the 5th locally: on time.
        assert!(is_on_time(utc("2026-01-04T23:30:00Z"), due));
    }

    #[test]
    fn days_until_counts_whole_days() {
        assert_eq!(days_until(ymd(2026, 4, 7), ymd(2026, 4, 7)), 0);
        assert_eq!(days_until(ymd(2026, 4, 6), ymd(2026, 4, 7)), 1);
        assert_eq!(days_until(ymd(2026, 4, 10), ymd(2026, 4, 7)), -3);
        assert_eq!(days_until(ymd(2025, 12, 20), ymd(2026, 1, 5)), 16);
        assert_eq!(days_until(ymd(2024, 2, 1), ymd(2024, 3, 1)), 29);
    }
}
