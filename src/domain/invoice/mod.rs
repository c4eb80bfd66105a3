//! The invoice (*räkning*, FK form 3057): the month's payable hours, the
//! hourly rate and the amount, computed from the current time report.
//!
//! Rules (see `docs/invoices.md` for worked examples):
//! - Only rows the time report marked payable count (hours before FK had the
//!   assistant's details are not paid).
//! - Each day is governed by one decision: among the decisions covering the
//!   day, the one with the latest `valid_from` (a new decision replaces the
//!   old one from its first day); on equal `valid_from`, the one recorded
//!   last ([`crate::domain::grant::governing`], the rule balances and the
//!   dashboard use too).
//! - The rate of a day is the governing decision's higher rate, or the
//!   calendar year's *schablonbelopp* for a standard-rate decision. A day
//!   that no decision covers is paid at the standard rate and flagged
//!   (`no_decision`), so that a pending application does not hide hours.
//!   A year without a standard rate is [`RateMissing`], never a guess.
//! - The month is cut into *lines*: contiguous runs of days with the same
//!   governing decision (and so the same rate). Only lines with payable rows
//!   are kept. A line's amount is `payable units × rate`, rounded once, half
//!   away from zero, to the öre ([`amount_for`]); the invoice amount is the
//!   sum of its lines. With one line (the usual case) that is one rounding
//!   of the month's exact total.
//! - Payable hours are the exact total (1/28-minute units) rounded once to
//!   hundredths; the amount is computed from the exact units, not from the
//!   rounded hours.
//!
//! No floating point anywhere; no I/O.
//!
//! The files: [`figures`] (lines, rates and amounts of the month),
//! [`drift`] (whether an invoice still equals what would be computed now),
//! [`claim`] (a submitted claim against the figures). Hours against the
//! grant per grant period are in [`crate::domain::grant`].

pub mod claim;
pub mod drift;
pub mod figures;

pub use claim::{check_claim, Claim, Costs, Difference};
pub use drift::{drift, Drift, Summary};
pub use figures::{compute, day_rate, Figures, KindMinutes, Line, PaidRow, RateBasis, RateMissing};
// The grant periods of an invoice are the grant's: kept reachable from here.
pub use crate::domain::grant::{grant_periods, grant_use, GrantPeriod, GrantUse};

#[cfg(test)]
mod tests;
