//! What the database knows that phase 2 needs: the assistants'
//! employments and facts, the user's decisions, and the same people's
//! stored shifts (in every organisation).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::grant::Grant;
use crate::domain::quantity::PayableUnits;
use crate::domain::register::{WorkingTimeLimit, WorkingTimeRule};
use crate::domain::shift::ShiftKind;

/// One employment of an assistant for the reported user, in the reporting
/// organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmploymentFacts {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// FK received the assistant's details (form 3066) on this date; hours
    /// before it are not payable.
    pub registered_with_fk_on: Option<NaiveDate>,
    pub rule: WorkingTimeRule,
}

impl EmploymentFacts {
    pub(super) fn covers(&self, d: NaiveDate) -> bool {
        self.start <= d && self.end.is_none_or(|e| d <= e)
    }
}

/// What the reporting organisation knows about an assistant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantFacts {
    /// Identifies the person across organisations (the personnummer).
    pub person: String,
    pub birth_date: NaiveDate,
    pub lives_in_eea: bool,
    /// Employments for the reported assistance user only.
    pub employments: Vec<EmploymentFacts>,
    /// The working-time rule and limit of the assistant's employment with
    /// the reporting organisation (any user), for the working-time check.
    pub working_time: Option<(WorkingTimeRule, WorkingTimeLimit)>,
}

/// A decision of the reported user (*beslut*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionFacts {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Hundredths of an hour per week of *dubbelassistans*; none or 0 = not granted.
    pub double_centi: Option<i64>,
}

impl DecisionFacts {
    pub(super) fn covers(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|e| d <= e)
    }
}

/// A shift of the same person already stored (current versions of other
/// reports), possibly with another employer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredShift {
    pub person: String,
    /// Stored by the reporting organisation (else: another employer, of
    /// which nothing may be revealed).
    pub same_org: bool,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    pub date: NaiveDate,
    pub kind: ShiftKind,
    pub minutes: i64,
    /// For the same organisation: which report and month it is in.
    pub report_month: String,
    /// Its clock times were assumed (PAXml `datum` + `timmar`).
    pub clock_assumed: bool,
}

/// Everything the database knows that the rules need.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub today: Option<NaiveDate>,
    /// By assistant id, for the assistants the report names that belong to
    /// the reporting organisation.
    pub assistants: HashMap<String, AssistantFacts>,
    pub decisions: Vec<DecisionFacts>,
    pub stored: Vec<StoredShift>,
    /// Every decision of the user as a grant (their grant periods reach
    /// beyond the month), for the double grant's period total.
    pub grants: Vec<Grant>,
    /// Double-assistance time per day of the user's other months' current
    /// reports in the organisation, where any.
    pub stored_double: Vec<(NaiveDate, PayableUnits)>,
}
