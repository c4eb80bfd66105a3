//! Reminders (*påminnelser*): what FK must hear of, and by when. FK sends no
//! reminders from 2027 (`../shared/domain.md`, "The 2027 rule"), so redovisa
//! lists every open obligation of the month reports, the change notices and
//! the two birthdays that change the rules. The due dates themselves come
//! from `domain::deadline`, `domain::change_notice` and `domain::birthdays`;
//! this module only decides what is open, how urgent it is and whether it is
//! listed. See `docs/deadlines.md#reminders`.

use std::cmp::Ordering;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::birthdays::REMIND_DAYS_AHEAD;
use crate::domain::deadline::{days_until, fk_due_date, internal_due_date, DeadlinePolicy};
use crate::domain::month::ReportMonth;

/// `within_days` when the caller names none.
pub const DEFAULT_WITHIN_DAYS: i64 = 7;
/// Largest `within_days` accepted.
pub const MAX_WITHIN_DAYS: i64 = 366;
/// A due date this close (days) is `due_soon`.
pub const DUE_SOON_DAYS: i64 = 7;
/// How many ended months back a missing or stale report or invoice is
/// still listed: older ones are beyond any reminder's use (and a provider
/// that starts using redovisa is not told of every month it reported on
/// paper).
pub const LOOKBACK_MONTHS: i32 = 12;

/// What is to be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A month has ended and its time report has not arrived.
    TimeReportMissing,
    /// The month's time report is in, its invoice (*räkning*) is not.
    InvoiceMissing,
    /// The invoice no longer equals what the current report gives.
    InvoiceStale,
    /// A change notice (*ändringsanmälan*) not yet reported to FK.
    ChangeNotice,
    /// The user turns 18: signs their own documents from then.
    #[serde(rename = "turns_18")]
    Turns18,
    /// The user turns 66.
    #[serde(rename = "turns_66")]
    Turns66,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 6] = [
        Self::TimeReportMissing,
        Self::InvoiceMissing,
        Self::InvoiceStale,
        Self::ChangeNotice,
        Self::Turns18,
        Self::Turns66,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::TimeReportMissing => "time_report_missing",
            Self::InvoiceMissing => "invoice_missing",
            Self::InvoiceStale => "invoice_stale",
            Self::ChangeNotice => "change_notice",
            Self::Turns18 => "turns_18",
            Self::Turns66 => "turns_66",
        }
    }

    /// Birthdays are listed from [`REMIND_DAYS_AHEAD`] days ahead, whatever
    /// the caller's window, and not once the day has passed.
    pub fn is_birthday(&self) -> bool {
        matches!(self, Self::Turns18 | Self::Turns66)
    }
}

/// How urgent a reminder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The due date has passed.
    Overdue,
    /// The internal cut-off has passed, or the due date is at most
    /// [`DUE_SOON_DAYS`] away.
    DueSoon,
    Upcoming,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::DueSoon => "due_soon",
            Self::Upcoming => "upcoming",
        }
    }
}

/// The severity on `today` of something due on `due` (and internally on
/// `internal`). "Passed" means strictly before today: on the due date
/// itself there is still time.
pub fn severity(today: NaiveDate, due: NaiveDate, internal: Option<NaiveDate>) -> Severity {
    if due < today {
        Severity::Overdue
    } else if internal.is_some_and(|i| i < today) || days_until(today, due) <= DUE_SOON_DAYS {
        Severity::DueSoon
    } else {
        Severity::Upcoming
    }
}

/// Whether a reminder is listed for a caller who asked for `within_days`:
/// overdue always, otherwise when due within that many days; a birthday
/// from [`REMIND_DAYS_AHEAD`] days ahead until the day itself.
pub fn is_listed(kind: ReminderKind, days_left: i64, within_days: i64) -> bool {
    if kind.is_birthday() {
        (0..=REMIND_DAYS_AHEAD).contains(&days_left)
    } else {
        days_left < 0 || days_left <= within_days
    }
}

/// Where a month's invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceState {
    Missing,
    Current,
    Stale,
}

impl InvoiceState {
    /// From the invoice service's `current` / `stale` (absent: missing).
    pub fn of(status: Option<&str>) -> Self {
        match status {
            None => Self::Missing,
            Some("stale") => Self::Stale,
            Some(_) => Self::Current,
        }
    }
}

/// What is still open of an ended month's report: the time report first
/// (without it no invoice can equal it, so a month is listed once, as
/// `time_report_missing`), then the invoice.
pub fn month_obligation(has_report: bool, invoice: InvoiceState) -> Option<ReminderKind> {
    match (has_report, invoice) {
        (false, _) => Some(ReminderKind::TimeReportMissing),
        (true, InvoiceState::Missing) => Some(ReminderKind::InvoiceMissing),
        (true, InvoiceState::Stale) => Some(ReminderKind::InvoiceStale),
        (true, InvoiceState::Current) => None,
    }
}

/// The months whose report can be reminded of on `today`: those that have
/// ended, at most [`LOOKBACK_MONTHS`] back, oldest first.
pub fn reminder_months(today: NaiveDate) -> Vec<ReportMonth> {
    let current = ReportMonth::of(today);
    (1..=LOOKBACK_MONTHS)
        .rev()
        .map(|n| current.add_months(-n))
        .collect()
}

/// One open obligation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub kind: ReminderKind,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub month: Option<ReportMonth>,
    pub change_notice_id: Option<String>,
    pub due_date: NaiveDate,
    pub internal_due_date: Option<NaiveDate>,
    pub days_left: i64,
    pub severity: Severity,
}

impl Reminder {
    /// A reminder due on `due` (internally on `internal`), as of `today`.
    pub fn new(
        kind: ReminderKind,
        organisation_id: &str,
        assistance_user_id: &str,
        today: NaiveDate,
        due: NaiveDate,
        internal: Option<NaiveDate>,
    ) -> Self {
        Reminder {
            kind,
            organisation_id: organisation_id.to_string(),
            assistance_user_id: assistance_user_id.to_string(),
            month: None,
            change_notice_id: None,
            due_date: due,
            internal_due_date: internal,
            days_left: days_until(today, due),
            severity: severity(today, due, internal),
        }
    }

    /// The report or invoice of `month`: FK's deadline and the
    /// organisation's cut-off (`cutoff_day`), by the one deadline rule.
    pub fn of_month(
        kind: ReminderKind,
        organisation_id: &str,
        assistance_user_id: &str,
        month: ReportMonth,
        today: NaiveDate,
        cutoff_day: u32,
        policy: DeadlinePolicy,
    ) -> Self {
        let due = fk_due_date(month, policy);
        let internal = internal_due_date(month, cutoff_day, policy);
        Reminder {
            month: Some(month),
            ..Self::new(
                kind,
                organisation_id,
                assistance_user_id,
                today,
                due,
                Some(internal),
            )
        }
    }
}

/// The order reminders are listed in: by due date, then kind,
/// organisation, user, month and notice, so equal dates list stably.
pub fn order(a: &Reminder, b: &Reminder) -> Ordering {
    (
        a.due_date,
        a.kind,
        &a.organisation_id,
        &a.assistance_user_id,
        a.month,
        &a.change_notice_id,
    )
        .cmp(&(
            b.due_date,
            b.kind,
            &b.organisation_id,
            &b.assistance_user_id,
            b.month,
            &b.change_notice_id,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: DeadlinePolicy = DeadlinePolicy { weekday_rule: true };

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rm(s: &str) -> ReportMonth {
        ReportMonth::parse(s).unwrap()
    }

    #[test]
    fn wire_names_are_the_vocabulary() {
        for k in ReminderKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in [Severity::Overdue, Severity::DueSoon, Severity::Upcoming] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn severity_boundaries() {
        let due = ymd(2026, 12, 7);
        // Due date passed only from the day after.
        assert_eq!(severity(ymd(2026, 12, 8), due, None), Severity::Overdue);
        assert_eq!(severity(ymd(2026, 12, 7), due, None), Severity::DueSoon);
        // Seven days left is due soon, eight is not.
        assert_eq!(severity(ymd(2026, 11, 30), due, None), Severity::DueSoon);
        assert_eq!(severity(ymd(2026, 11, 29), due, None), Severity::Upcoming);
        // The internal cut-off passed makes it due soon, however far FK's date.
        let internal = Some(ymd(2026, 11, 5));
        assert_eq!(
            severity(ymd(2026, 11, 5), due, internal),
            Severity::Upcoming
        );
        assert_eq!(severity(ymd(2026, 11, 6), due, internal), Severity::DueSoon);
        assert_eq!(severity(ymd(2026, 12, 8), due, internal), Severity::Overdue);
    }

    #[test]
    fn listing_follows_the_window_and_birthdays_their_own() {
        use ReminderKind::*;
        assert!(is_listed(TimeReportMissing, -400, 0));
        assert!(is_listed(TimeReportMissing, 7, 7));
        assert!(!is_listed(TimeReportMissing, 8, 7));
        assert!(is_listed(ChangeNotice, 30, 30));
        for kind in [Turns18, Turns66] {
            assert!(is_listed(kind, 60, 0));
            assert!(!is_listed(kind, 61, 365));
            assert!(is_listed(kind, 0, 7));
            assert!(!is_listed(kind, -1, 7));
        }
    }

    #[test]
    fn a_month_is_open_until_report_and_current_invoice_are_in() {
        use InvoiceState::*;
        assert_eq!(
            month_obligation(false, Missing),
            Some(ReminderKind::TimeReportMissing)
        );
        assert_eq!(
            month_obligation(false, Stale),
            Some(ReminderKind::TimeReportMissing)
        );
        assert_eq!(
            month_obligation(true, Missing),
            Some(ReminderKind::InvoiceMissing)
        );
        assert_eq!(
            month_obligation(true, Stale),
            Some(ReminderKind::InvoiceStale)
        );
        assert_eq!(month_obligation(true, Current), None);
        assert_eq!(InvoiceState::of(Some("current")), Current);
        assert_eq!(InvoiceState::of(Some("stale")), Stale);
        assert_eq!(InvoiceState::of(None), Missing);
    }

    #[test]
    fn only_ended_months_within_the_lookback() {
        let months = reminder_months(ymd(2026, 12, 3));
        assert_eq!(months.len(), LOOKBACK_MONTHS as usize);
        assert_eq!(months.first(), Some(&rm("2025-12")));
        assert_eq!(months.last(), Some(&rm("2026-11")));
        // The first day of a month: the month before has just ended.
        assert_eq!(
            reminder_months(ymd(2027, 1, 1)).last(),
            Some(&rm("2026-12"))
        );
    }

    #[test]
    fn a_month_reminder_uses_the_deadline_rule() {
        // October 2026: FK 5 Dec is a Saturday → 7 Dec; cut-off 5 Nov.
        let r = Reminder::of_month(
            ReminderKind::InvoiceMissing,
            "o",
            "u",
            rm("2026-10"),
            ymd(2026, 12, 3),
            5,
            ON,
        );
        assert_eq!(r.due_date, ymd(2026, 12, 7));
        assert_eq!(r.internal_due_date, Some(ymd(2026, 11, 5)));
        assert_eq!(r.days_left, 4);
        assert_eq!(r.severity, Severity::DueSoon);
        assert_eq!(r.month, Some(rm("2026-10")));
    }

    #[test]
    fn ordered_by_due_date_then_kind() {
        let today = ymd(2026, 12, 3);
        let a = Reminder::new(
            ReminderKind::Turns66,
            "o",
            "u",
            today,
            ymd(2026, 12, 4),
            None,
        );
        let b = Reminder::new(
            ReminderKind::ChangeNotice,
            "o",
            "u",
            today,
            ymd(2026, 12, 4),
            None,
        );
        let c = Reminder::new(
            ReminderKind::Turns18,
            "o",
            "u",
            today,
            ymd(2026, 12, 1),
            None,
        );
        let mut v = vec![a.clone(), b.clone(), c.clone()];
        v.sort_by(order);
        assert_eq!(v, vec![c, b, a]);
    }
}
