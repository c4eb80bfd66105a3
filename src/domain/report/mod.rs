//! A month's time report (*tidsredovisning*): every rule a report must meet,
//! as plain functions over plain types. The JSON API, the CSV import and the
//! CLI all feed [`parse_report`] and [`check_report`]; they differ only in how
//! they name the place of a fault (JSON pointer, or CSV line and column).
//!
//! Two phases: [`parse_report`] needs nothing but the input (dates, clock
//! times, kinds, the month); [`check_report`] needs what the database knows
//! (employments, decisions, the same people's other shifts), gathered by the
//! caller into a [`Context`].
//!
//! The files, one job each: [`issue`] (faults and where they are),
//! [`parse`] (phase 1), [`context`] (what phase 2 is given), [`check`]
//! (phase 2 and the per-row rules), [`overlaps`], [`day_limit`] (24 h a
//! day), [`working_time`], [`double`] (unmarked double assistance), [`day_totals`] (per-day figures for the read
//! side) and [`content_hash`].

pub mod check;
pub mod content_hash;
pub mod context;
pub mod day_limit;
pub mod day_totals;
pub mod double;
pub mod issue;
pub mod overlaps;
pub mod parse;
pub mod working_time;

pub use check::{check_report, Checked, Totals};
pub use content_hash::content_hash;
pub use context::{AssistantFacts, Context, DecisionFacts, EmploymentFacts, StoredShift};
pub use day_totals::{day_totals, DayTotal};
pub use issue::{warning_counts, Field, Issue, Target};
pub use parse::{parse_report, Parsed, ParsedRow, RawRow};
pub use working_time::{weekly_average_centi, working_time_breach};

#[cfg(test)]
mod tests;
