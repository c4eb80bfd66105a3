//! Agreements between an assistance user and the provider (*avtal*) and who
//! FK pays (*betalningsmottagare*, FK form 3079).
//!
//! Source: seed `000_…`, step 2 (`../shared/domain.md`, "Agreements and
//! payee"): the main rule is that FK pays the user; a user who buys
//! assistance may ask that it be paid to the provider, and must then send FK
//! the agreement between user and provider. Seed `002_…`: the same for a
//! child. A self-employer buys nothing, so has no such agreement.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::month::ReportMonth;

/// Who FK pays the assistance allowance to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payee {
    /// The provider (*anordnaren*), at the user's request.
    Provider,
    /// The assistance user (the main rule).
    AssistanceUser,
}

impl Payee {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::AssistanceUser => "assistance_user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Provider, Self::AssistanceUser]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The terms of one agreement that decide what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub valid_from: NaiveDate,
    /// Last day (inclusive); `None`: until further notice.
    pub valid_to: Option<NaiveDate>,
    pub payee: Payee,
    pub sent_to_fk_on: Option<NaiveDate>,
}

impl Terms {
    /// Valid on at least one day of `month`.
    pub fn covers(&self, month: ReportMonth) -> bool {
        self.valid_from <= month.last_day() && self.valid_to.is_none_or(|t| t >= month.first_day())
    }
}

/// What a user's agreements say about a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    /// No agreement is valid on any day of the month.
    Missing,
    /// Covered, but no covering agreement has been sent to FK.
    NotSentToFk { payee: Payee },
    /// Covered by an agreement FK has.
    Sent { payee: Payee },
}

/// The cover of `month`: an agreement sent to FK wins over one not sent;
/// among equals the one that starts last (the newest terms).
pub fn cover(agreements: &[Terms], month: ReportMonth) -> Cover {
    let newest = |sent: bool| {
        agreements
            .iter()
            .filter(|a| a.covers(month) && a.sent_to_fk_on.is_some() == sent)
            .max_by_key(|a| a.valid_from)
    };
    match (newest(true), newest(false)) {
        (Some(a), _) => Cover::Sent { payee: a.payee },
        (None, Some(a)) => Cover::NotSentToFk { payee: a.payee },
        (None, None) => Cover::Missing,
    }
}

/// The warning a time report or invoice of a month carries for its cover:
/// `no_agreement` or `agreement_not_sent_to_fk` (code, message).
pub fn warning(cover: Cover, month: ReportMonth) -> Option<(&'static str, String)> {
    match cover {
        Cover::Missing => Some((
            "no_agreement",
            format!(
                "Inget avtal mellan brukaren och anordnaren gäller någon dag i {month}; utan avtal hos Försäkringskassan (blankett 3079) betalas inget till anordnaren. (No agreement between the assistance user and the provider is valid on any day of {month}; without it FK pays the provider nothing.)"
            ),
        )),
        Cover::NotSentToFk { .. } => Some((
            "agreement_not_sent_to_fk",
            format!(
                "Avtalet som gäller {month} är inte skickat till Försäkringskassan. (The agreement covering {month} has not been sent to FK.)"
            ),
        )),
        Cover::Sent { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rm(s: &str) -> ReportMonth {
        ReportMonth::parse(s).unwrap()
    }

    fn terms(from: NaiveDate, to: Option<NaiveDate>, sent: Option<NaiveDate>) -> Terms {
        Terms {
            valid_from: from,
            valid_to: to,
            payee: Payee::Provider,
            sent_to_fk_on: sent,
        }
    }

    #[test]
    fn one_day_of_the_month_is_enough() {
        let last_day = terms(ymd(2026, 10, 31), None, Some(ymd(2026, 10, 1)));
        assert!(last_day.covers(rm("2026-10")));
        assert!(!last_day.covers(rm("2026-09")));
        let ended = terms(ymd(2026, 1, 1), Some(ymd(2026, 9, 1)), None);
        assert!(ended.covers(rm("2026-09")));
        assert!(!ended.covers(rm("2026-10")));
    }

    #[test]
    fn cover_prefers_an_agreement_fk_has() {
        let m = rm("2026-10");
        assert_eq!(cover(&[], m), Cover::Missing);
        let unsent = terms(ymd(2026, 1, 1), None, None);
        assert_eq!(
            cover(&[unsent], m),
            Cover::NotSentToFk {
                payee: Payee::Provider
            }
        );
        let sent = Terms {
            payee: Payee::AssistanceUser,
            ..terms(ymd(2025, 1, 1), None, Some(ymd(2025, 1, 2)))
        };
        assert_eq!(
            cover(&[unsent, sent], m),
            Cover::Sent {
                payee: Payee::AssistanceUser
            }
        );
        let later = terms(ymd(2026, 11, 1), None, Some(ymd(2026, 11, 1)));
        assert_eq!(cover(&[later], m), Cover::Missing);
    }

    #[test]
    fn warnings_name_the_case() {
        let m = rm("2026-10");
        assert_eq!(warning(Cover::Missing, m).unwrap().0, "no_agreement");
        assert_eq!(
            warning(
                Cover::NotSentToFk {
                    payee: Payee::Provider
                },
                m
            )
            .unwrap()
            .0,
            "agreement_not_sent_to_fk"
        );
        assert!(warning(
            Cover::Sent {
                payee: Payee::Provider
            },
            m
        )
        .is_none());
    }
}
