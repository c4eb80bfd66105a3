//! What integrations are told: the kinds of event in the feed
//! (`GET /events`) and in webhook deliveries, one vocabulary for both.

use std::fmt;

/// A kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A month's first time report was stored.
    ReportCreated,
    /// A later version of a time report was stored (a correction).
    ReportCorrected,
    /// A time report was voided.
    ReportVoided,
    /// An invoice version was stored.
    InvoiceCreated,
    /// An invoice that was current no longer matches what would be
    /// computed now.
    InvoiceStale,
    /// A file import (CSV or PAXml) was stored.
    ImportCompleted,
    /// A reminder's due date is near (once a day per item).
    DeadlineApproaching,
    /// A month was closed for an assistance user.
    MonthClosed,
    /// A closed month was opened again (with a reason).
    MonthReopened,
}

impl EventType {
    /// Every type, in the order the documentation lists them.
    pub const ALL: [EventType; 9] = [
        EventType::ReportCreated,
        EventType::ReportCorrected,
        EventType::ReportVoided,
        EventType::InvoiceCreated,
        EventType::InvoiceStale,
        EventType::ImportCompleted,
        EventType::DeadlineApproaching,
        EventType::MonthClosed,
        EventType::MonthReopened,
    ];

    /// The wire name (`report.created`).
    pub fn as_str(&self) -> &'static str {
        match self {
            EventType::ReportCreated => "report.created",
            EventType::ReportCorrected => "report.corrected",
            EventType::ReportVoided => "report.voided",
            EventType::InvoiceCreated => "invoice.created",
            EventType::InvoiceStale => "invoice.stale",
            EventType::ImportCompleted => "import.completed",
            EventType::DeadlineApproaching => "deadline.approaching",
            EventType::MonthClosed => "month.closed",
            EventType::MonthReopened => "month.reopened",
        }
    }

    /// The type of a wire name; exact and case-sensitive.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("Report.Created"), None);
        assert_eq!(EventType::parse("report.*"), None);
    }
}
