//! Change notices (*ändringsanmälan*): what must reach FK at the latest 14
//! days after it happened, for adults and for children.
//!
//! Source: both seed pages (`../shared/seeds/`, summarised in
//! `../shared/domain.md`, "Change notices"): "Du måste meddela ändringar
//! senast 14 dagar efter att förändringen har inträffat", with one list of
//! changes for adults (seed `000_…`) and one for children (seed `002_…`).
//! See `docs/change-notices.md`.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::birthdays::ADULT_AGE;
use crate::domain::deadline::DeadlinePolicy;
use crate::domain::register::RuleViolation;

/// Days after the change by which FK must have the notice.
pub const NOTICE_DAYS: u64 = 14;

/// Longest `note`, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// What changed. The seeds list the changes for adults and for children
/// separately; the kinds below are their union, and two of them exist for
/// adults only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Moving to another home (*flytta till en annan bostad*).
    MovingHome,
    /// Moving in with or away from a partner (*flytta ihop med eller ifrån
    /// någon som du har eller haft en parrelation med*). Adults only.
    PartnerMovingInOrOut,
    /// Starting, ending or changing a job (*börja, sluta eller byta ett
    /// jobb*). Adults only.
    WorkStartEndChange,
    /// Adults: school or daily activity (*skola eller daglig verksamhet*);
    /// children: preschool or school (*förskola eller skola*).
    SchoolOrDailyActivityChange,
    /// Changed disability or need for help (*funktionsnedsättning eller
    /// hjälpbehov har förändrats*).
    NeedChanged,
    /// Support from the municipality or region starts or changes (*stöd från
    /// kommunen eller regionen*).
    MunicipalOrRegionalSupportChanged,
    /// Abroad for one or more longer periods (*utomlands under en eller flera
    /// längre perioder*).
    AbroadLongPeriods,
    /// Self-care starts being done as health care (*egenvård börjar utföras
    /// som sjukvård*).
    SelfCareBecameHealthCare,
    /// Anything else that affects the assistance.
    Other,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 9] = [
        Self::MovingHome,
        Self::PartnerMovingInOrOut,
        Self::WorkStartEndChange,
        Self::SchoolOrDailyActivityChange,
        Self::NeedChanged,
        Self::MunicipalOrRegionalSupportChanged,
        Self::AbroadLongPeriods,
        Self::SelfCareBecameHealthCare,
        Self::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MovingHome => "moving_home",
            Self::PartnerMovingInOrOut => "partner_moving_in_or_out",
            Self::WorkStartEndChange => "work_start_end_change",
            Self::SchoolOrDailyActivityChange => "school_or_daily_activity_change",
            Self::NeedChanged => "need_changed",
            Self::MunicipalOrRegionalSupportChanged => "municipal_or_regional_support_changed",
            Self::AbroadLongPeriods => "abroad_long_periods",
            Self::SelfCareBecameHealthCare => "self_care_became_health_care",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// On the seeds' list for adults only (seed `002_…` has no such item for
    /// children).
    pub fn adults_only(&self) -> bool {
        matches!(self, Self::PartnerMovingInOrOut | Self::WorkStartEndChange)
    }
}

/// A kind allowed for the user's age on the day of the change: a child is
/// under [`ADULT_AGE`] (18) on `occurred_on`; the seeds' list for children
/// applies to them.
pub fn check_kind_for_age(kind: ChangeKind, age_on_change: u32) -> Result<(), RuleViolation> {
    if kind.adults_only() && age_on_change < ADULT_AGE {
        return Err(RuleViolation::new(
            "kind_not_for_child",
            format!(
                "`{}` is a change FK asks of adults only; the assistance user was {age_on_change} on the day of the change (Försäkringskassan's list for children).",
                kind.as_str()
            ),
        ));
    }
    Ok(())
}

/// The free-text note: at most [`MAX_NOTE_CHARS`] characters.
pub fn check_note(note: &str) -> Result<(), RuleViolation> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(RuleViolation::new(
            "too_long",
            format!("`note` is longer than {MAX_NOTE_CHARS} characters."),
        ));
    }
    Ok(())
}

/// FK must have the notice by `occurred_on` + 14 days, moved by the
/// deadline's weekday rule (the same switch as the report deadline).
pub fn due_date(occurred_on: NaiveDate, policy: DeadlinePolicy) -> NaiveDate {
    policy.apply(
        occurred_on
            .checked_add_days(Days::new(NOTICE_DAYS))
            .unwrap_or(NaiveDate::MAX),
    )
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Not yet reported; the due date has not passed.
    Open,
    /// Reported to FK (on time or not: see `reported_late`).
    Reported,
    /// Not reported and the due date has passed.
    Overdue,
}

impl NoticeStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Reported => "reported",
            Self::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Reported, Self::Overdue]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The status on `today` (Europe/Stockholm) of a notice due `due`.
pub fn status(due: NaiveDate, reported_on: Option<NaiveDate>, today: NaiveDate) -> NoticeStatus {
    match reported_on {
        Some(_) => NoticeStatus::Reported,
        None if today > due => NoticeStatus::Overdue,
        None => NoticeStatus::Open,
    }
}

/// Reported after the due date.
pub fn reported_late(due: NaiveDate, reported_on: Option<NaiveDate>) -> bool {
    reported_on.is_some_and(|r| r > due)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: DeadlinePolicy = DeadlinePolicy { weekday_rule: true };
    const OFF: DeadlinePolicy = DeadlinePolicy {
        weekday_rule: false,
    };

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn due_fourteen_days_after_on_a_working_day() {
        // Tue 3 Nov 2026 + 14 = Tue 17 Nov.
        assert_eq!(due_date(ymd(2026, 11, 3), ON), ymd(2026, 11, 17));
        // Sat 7 Nov + 14 = Sat 21 Nov → Mon 23 Nov; off: the Saturday stands.
        assert_eq!(due_date(ymd(2026, 11, 7), ON), ymd(2026, 11, 23));
        assert_eq!(due_date(ymd(2026, 11, 7), OFF), ymd(2026, 11, 21));
        // 10 Dec + 14 = *julafton* (Thu) → Christmas, Boxing Day, weekend → Mon 28 Dec.
        assert_eq!(due_date(ymd(2026, 12, 10), ON), ymd(2026, 12, 28));
        // Across the year and *nyårsafton*/*nyårsdagen*: 17 Dec + 14 = 31 Dec → Mon 4 Jan.
        assert_eq!(due_date(ymd(2026, 12, 17), ON), ymd(2027, 1, 4));
    }

    #[test]
    fn status_and_lateness() {
        let due = ymd(2026, 11, 17);
        assert_eq!(status(due, None, ymd(2026, 11, 17)), NoticeStatus::Open);
        assert_eq!(status(due, None, ymd(2026, 11, 18)), NoticeStatus::Overdue);
        let late = Some(ymd(2026, 11, 18));
        assert_eq!(status(due, late, ymd(2026, 12, 1)), NoticeStatus::Reported);
        assert!(reported_late(due, late));
        assert!(!reported_late(due, Some(due)));
        assert!(!reported_late(due, None));
    }

    #[test]
    fn adults_only_kinds_are_refused_for_a_child() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.as_str()), Some(k));
            assert!(check_kind_for_age(k, 18).is_ok());
            let child = check_kind_for_age(k, 17);
            assert_eq!(child.is_err(), k.adults_only(), "{k:?}");
        }
        assert_eq!(
            check_kind_for_age(ChangeKind::WorkStartEndChange, 0)
                .unwrap_err()
                .code,
            "kind_not_for_child"
        );
        assert!(ChangeKind::parse("moving").is_none());
    }

    #[test]
    fn notes_are_limited() {
        assert!(check_note(&"å".repeat(MAX_NOTE_CHARS)).is_ok());
        assert_eq!(
            check_note(&"å".repeat(MAX_NOTE_CHARS + 1))
                .unwrap_err()
                .code,
            "too_long"
        );
    }
}
