//! Phase 2: [`check_report`] runs every rule that needs the register and
//! the stored reports, and sums the report's totals. The per-row rules
//! (employment, registration with FK, decision, age, EEA, hospital) and
//! double assistance are here; overlaps, the 24-hour day and working time
//! have their own files.

use chrono::NaiveDate;

use crate::domain::month::ReportMonth;
use crate::domain::quantity::{minutes_to_hours_string, PayableUnits};
use crate::domain::report::context::Context;
use crate::domain::report::day_limit::check_day_totals;
use crate::domain::report::double::check_unmarked_double;
use crate::domain::report::issue::{Field, Issue};
use crate::domain::report::overlaps::check_overlaps;
use crate::domain::report::parse::ParsedRow;
use crate::domain::report::working_time::check_working_time;
use crate::domain::shift::ShiftKind;

/// Minutes per kind and the payable total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub active_minutes: i64,
    pub waiting_minutes: i64,
    pub standby_minutes: i64,
    pub payable: PayableUnits,
    /// Converted hours excluded from `payable` (assistant not yet
    /// registered with FK; unmarked double assistance paid once).
    pub not_payable: PayableUnits,
}

/// The result of the second phase.
#[derive(Debug, Clone)]
pub struct Checked {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    /// Per parsed row (same order): whether its hours are payable.
    pub payable: Vec<bool>,
    /// Per parsed row: minutes of a payable row that are not paid (the
    /// later row's overlap in unmarked double assistance without a grant).
    pub unpaid_minutes: Vec<i64>,
    /// Per parsed row: minutes counted against the double grant besides
    /// rows marked `double` (unmarked double assistance with a grant).
    pub double_minutes: Vec<i64>,
    pub totals: Totals,
}

/// Checks parsed rows against the register and other reports.
pub fn check_report(month: ReportMonth, rows: &[ParsedRow], ctx: &Context) -> Checked {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if let Some(today) = ctx.today {
        if ReportMonth::of(today) == month {
            warnings.push(Issue::month(
                "month_in_progress",
                format!("{month} is still in progress; the report may need a correction when the month is over."),
            ));
        }
    }
    let mut payable = vec![true; rows.len()];
    for (k, row) in rows.iter().enumerate() {
        let i = row.index;
        let Some(a) = ctx.assistants.get(&row.assistant_id) else {
            errors.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "unknown_assistant",
                "No such assistant in your organisation.",
            ));
            continue;
        };
        match a.employments.iter().find(|e| e.covers(row.date)) {
            None => errors.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "not_employed",
                format!(
                    "The assistant has no employment with you for this assistance user on {}.",
                    row.date
                ),
            )),
            Some(e) => {
                if e.registered_with_fk_on.is_none_or(|r| row.date < r) {
                    payable[k] = false;
                    let when = match e.registered_with_fk_on {
                        Some(r) => format!("only from {r}"),
                        None => "not yet".to_string(),
                    };
                    warnings.push(Issue::row(
                        i,
                        Some(Field::AssistantId),
                        "assistant_not_registered_with_fk",
                        format!(
                            "FK has the assistant's details (form 3066) {when}; the {} h on {} are not payable.",
                            minutes_to_hours_string(row.minutes()),
                            row.date
                        ),
                    ));
                }
            }
        }
        if !ctx.decisions.iter().any(|d| d.covers(row.date)) {
            warnings.push(Issue::row(
                i,
                Some(Field::Date),
                "no_decision",
                format!(
                    "No decision covers {}; report it anyway if an application is pending.",
                    row.date
                ),
            ));
        }
        if age_on(a.birth_date, row.date) < 18 {
            warnings.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "assistant_under_18",
                "The assistant is under 18 on this date.",
            ));
        }
        if !a.lives_in_eea {
            warnings.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "assistant_outside_eea",
                "The assistant lives outside the EEA; FK pays only for special reasons.",
            ));
        }
        if row.hospital {
            warnings.push(Issue::row(
                i,
                Some(Field::Hospital),
                "hospital_stay",
                "Assistance during a hospital stay is paid only for special reasons (SFB 106 kap. 24–25 §§).",
            ));
        }
        if row.clock_assumed {
            warnings.push(Issue::row(
                i,
                Some(Field::Start),
                "clock_times_assumed",
                format!(
                    "Only the hours were given; the clock times {}–{} are assumed (the assistant's entries of the day laid end to end from 00:00).",
                    row.start, row.end
                ),
            ));
        }
    }
    check_double(rows, ctx, &mut errors);
    let double = check_unmarked_double(rows, &payable, ctx, &mut warnings);
    check_overlaps(rows, ctx, &mut errors, &mut warnings);
    check_day_totals(rows, ctx, &mut errors);
    check_working_time(month, rows, ctx, &mut warnings);

    let mut totals = Totals::default();
    for (k, (row, &ok)) in rows.iter().zip(&payable).enumerate() {
        let m = row.minutes();
        match row.kind {
            ShiftKind::Active => totals.active_minutes += m,
            ShiftKind::Waiting => totals.waiting_minutes += m,
            ShiftKind::Standby => totals.standby_minutes += m,
        }
        if ok {
            let unpaid = double.unpaid_minutes[k];
            totals.payable += PayableUnits::of(row.kind, m - unpaid);
            totals.not_payable += PayableUnits::of(row.kind, unpaid);
        } else {
            totals.not_payable += PayableUnits::of(row.kind, m);
        }
    }
    Checked {
        errors,
        warnings,
        payable,
        unpaid_minutes: double.unpaid_minutes,
        double_minutes: double.double_minutes,
        totals,
    }
}

fn age_on(birth: NaiveDate, d: NaiveDate) -> u32 {
    d.years_since(birth).unwrap_or(0)
}

/// *Dubbelassistans* only where granted, and only alongside another
/// assistant's double row for the same user.
fn check_double(rows: &[ParsedRow], ctx: &Context, errors: &mut Vec<Issue>) {
    for row in rows.iter().filter(|r| r.double) {
        let granted = ctx
            .decisions
            .iter()
            .any(|d| d.covers(row.date) && d.double_centi.unwrap_or(0) > 0);
        if !granted {
            errors.push(Issue::row(
                row.index,
                Some(Field::Double),
                "double_not_granted",
                format!("No decision grants double assistance on {}.", row.date),
            ));
            continue;
        }
        let partner = rows.iter().any(|o| {
            o.double && o.assistant_id != row.assistant_id && o.shift.overlaps(&row.shift)
        });
        if !partner {
            errors.push(Issue::row(
                row.index,
                Some(Field::Double),
                "double_without_overlap",
                "A double-assistance row must overlap another assistant's double-assistance row for the same user; mark both.",
            ));
        }
    }
}
