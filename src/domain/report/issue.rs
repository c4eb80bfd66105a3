//! Faults and warnings of a time report: a stable code, a message, and
//! where it is (the month, or a row and its field).

use std::collections::BTreeMap;

/// The field of a row that a fault concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The assistant who worked the shift.
    AssistantId,
    /// The day the shift starts.
    Date,
    /// Local clock time the shift starts.
    Start,
    /// Local clock time it ends (the next day when not after the start).
    End,
    /// Active, waiting or standby.
    Kind,
    /// *Dubbelassistans*.
    Double,
    /// Assistance during a hospital stay.
    Hospital,
}

impl Field {
    /// The JSON member name.
    pub fn name(&self) -> &'static str {
        match self {
            Field::AssistantId => "assistant_id",
            Field::Date => "date",
            Field::Start => "start",
            Field::End => "end",
            Field::Kind => "kind",
            Field::Double => "double",
            Field::Hospital => "hospital",
        }
    }
}

/// Where a fault is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Month,
    Row { index: usize, field: Option<Field> },
}

/// A refusal or a warning, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub code: &'static str,
    pub message: String,
    pub target: Target,
    /// Other rows involved (the other side of an overlap).
    pub related_rows: Vec<usize>,
}

impl Issue {
    pub(super) fn month(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            target: Target::Month,
            related_rows: Vec::new(),
        }
    }

    pub(super) fn row(
        index: usize,
        field: Option<Field>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            target: Target::Row { index, field },
            related_rows: Vec::new(),
        }
    }

    pub(super) fn related(mut self, rows: Vec<usize>) -> Self {
        self.related_rows = rows;
        self
    }
}

/// Warning counts by code.
pub fn warning_counts(warnings: &[Issue]) -> BTreeMap<&'static str, u32> {
    let mut m = BTreeMap::new();
    for w in warnings {
        *m.entry(w.code).or_default() += 1;
    }
    m
}
