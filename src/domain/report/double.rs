//! Double assistance (*dubbelassistans*) whether marked or not (issue 11
//! §6): rows of different assistants for the user at overlapping times are
//! two assistants at once. Marked rows (`double` on both) keep the rules of
//! [`check_double`](super::check): granted, and alongside a marked partner.
//! Any other overlap is unmarked double assistance:
//!
//! - without a double grant on the day it is accepted, but the overlapping
//!   minutes are paid once: the later-starting row's overlap is not payable;
//!   both rows get the warning `unmarked_double_assistance`;
//! - with a grant the overlap is paid, and counts once against the double
//!   grant; when the grant period's double hours are exceeded, both rows get
//!   the warning `double_over_grant`.
//!
//! Source: `../shared/domain.md`, "The monthly report" (two assistants at
//! once is only payable where the decision grants it). See
//! `docs/validation-rules.md`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::grant::{fifths, grant_on, granted_between, hours_string, Fifths};
use crate::domain::quantity::{minutes_to_hours_string, PayableUnits};
use crate::domain::report::context::Context;
use crate::domain::report::issue::Issue;
use crate::domain::report::parse::ParsedRow;

/// What unmarked double assistance does to each row (same order as the rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoubleOutcome {
    /// Minutes of the row that are not payable: the later row's overlap,
    /// without a grant.
    pub unpaid_minutes: Vec<i64>,
    /// Minutes of the row counted against the double grant: the later row's
    /// overlap, with a grant (the overlap once, not once per row).
    pub double_minutes: Vec<i64>,
}

/// Total length of the union of intervals, in whole minutes.
fn union_minutes(mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)>) -> i64 {
    spans.sort();
    let mut total = 0;
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (a, b) in spans {
        match current {
            Some((s, e)) if a <= e => current = Some((s, e.max(b))),
            _ => {
                if let Some((s, e)) = current {
                    total += (e - s).num_minutes();
                }
                current = Some((a, b));
            }
        }
    }
    if let Some((s, e)) = current {
        total += (e - s).num_minutes();
    }
    total
}

/// Finds unmarked double assistance among `rows` (`payable` from the
/// per-row rules), decides what each row is paid and adds the warnings.
pub(super) fn check_unmarked_double(
    rows: &[ParsedRow],
    payable: &[bool],
    ctx: &Context,
    warnings: &mut Vec<Issue>,
) -> DoubleOutcome {
    let n = rows.len();
    let mut out = DoubleOutcome {
        unpaid_minutes: vec![0; n],
        double_minutes: vec![0; n],
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&k| (rows[k].shift.start_utc, rows[k].index));
    // For each later-starting row: the earlier rows it overlaps.
    let mut partners: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (pos, &b) in order.iter().enumerate() {
        let rb = &rows[b];
        let mut spans = Vec::new();
        for &a in &order[..pos] {
            let ra = &rows[a];
            if ra.assistant_id == rb.assistant_id
                || (ra.double && rb.double)
                || !payable[a]
                || ra.shift.end_utc <= rb.shift.start_utc
            {
                continue;
            }
            spans.push((rb.shift.start_utc, ra.shift.end_utc.min(rb.shift.end_utc)));
            partners.entry(b).or_default().push(a);
        }
        if spans.is_empty() || !payable[b] {
            continue;
        }
        let minutes = union_minutes(spans);
        if granted_on(ctx, rb.date) {
            out.double_minutes[b] = minutes;
        } else {
            out.unpaid_minutes[b] = minutes;
        }
    }
    // Warnings, once per row and code, in row order.
    let mut unmarked: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (&b, list) in &partners {
        if out.unpaid_minutes[b] == 0 {
            continue;
        }
        for &a in list {
            unmarked
                .entry(rows[a].index)
                .or_default()
                .insert(rows[b].index);
            unmarked
                .entry(rows[b].index)
                .or_default()
                .insert(rows[a].index);
        }
    }
    let unpaid_of: BTreeMap<usize, i64> = (0..n)
        .filter(|&k| out.unpaid_minutes[k] > 0)
        .map(|k| (rows[k].index, out.unpaid_minutes[k]))
        .collect();
    for (index, others) in &unmarked {
        let others: Vec<usize> = others.iter().copied().collect();
        let list = others
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let message = match unpaid_of.get(index) {
            Some(m) => format!(
                "Another assistant works for the user at the same time (row {list}) and no decision grants double assistance: the {} h of overlap in this later shift are not payable.",
                minutes_to_hours_string(*m)
            ),
            None => format!(
                "Another assistant works for the user at the same time (row {list}) and no decision grants double assistance: the overlap is paid once, on this shift."
            ),
        };
        warnings
            .push(Issue::row(*index, None, "unmarked_double_assistance", message).related(others));
    }
    over_grant(rows, payable, ctx, &out, &partners, warnings);
    out
}

fn granted_on(ctx: &Context, d: NaiveDate) -> bool {
    ctx.decisions
        .iter()
        .any(|g| g.covers(d) && g.double_centi.unwrap_or(0) > 0)
}

/// `double_over_grant` on the rows of each granted unmarked overlap whose
/// grant period's double hours are exceeded: this report's double time
/// (marked rows and the overlaps, once) plus the user's other months'.
fn over_grant(
    rows: &[ParsedRow],
    payable: &[bool],
    ctx: &Context,
    out: &DoubleOutcome,
    partners: &BTreeMap<usize, Vec<usize>>,
    warnings: &mut Vec<Issue>,
) {
    let mut periods: BTreeMap<(NaiveDate, NaiveDate), (Fifths, Fifths)> = BTreeMap::new();
    let mut flagged: BTreeMap<usize, (NaiveDate, NaiveDate)> = BTreeMap::new();
    for (&b, list) in partners {
        if out.double_minutes[b] == 0 {
            continue;
        }
        let d = rows[b].date;
        let Some((_, from, to)) = grant_on(&ctx.grants, d).and_then(|g| g.period_of(d)) else {
            continue;
        };
        let (granted, used) = *periods.entry((from, to)).or_insert_with(|| {
            let granted = granted_between(&ctx.grants, from, to).1;
            let elsewhere = ctx
                .stored_double
                .iter()
                .filter(|(day, _)| (from..=to).contains(day))
                .fold(PayableUnits::ZERO, |acc, (_, u)| acc + *u);
            let mut here = PayableUnits::ZERO;
            for (k, r) in rows.iter().enumerate() {
                if !(from..=to).contains(&r.date) || !payable[k] {
                    continue;
                }
                if r.double {
                    here += PayableUnits::of(r.kind, r.minutes());
                }
                here += PayableUnits::of(r.kind, out.double_minutes[k]);
            }
            (granted, fifths(elsewhere + here))
        });
        if used > granted {
            for k in list.iter().copied().chain([b]) {
                flagged.insert(rows[k].index, (from, to));
            }
        }
    }
    for (index, (from, to)) in flagged {
        let (granted, used) = periods[&(from, to)];
        warnings.push(Issue::row(
            index,
            None,
            "double_over_grant",
            format!(
                "Two assistants work for the user at the same time; with this report the grant period {from} – {to} has {} h of double assistance against {} h granted.",
                hours_string(used),
                hours_string(granted)
            ),
        ));
    }
}

/// The days whose double-assistance time can count in the grant periods of
/// `month`'s days: from the first such period's start to the last one's
/// end; `None` when no decision governs a day of the month.
pub fn period_window(
    grants: &[crate::domain::grant::Grant],
    month: crate::domain::month::ReportMonth,
) -> Option<(NaiveDate, NaiveDate)> {
    month
        .iter_days()
        .filter_map(|d| grant_on(grants, d).and_then(|g| g.period_of(d)))
        .fold(None, |acc, (_, from, to)| match acc {
            None => Some((from, to)),
            Some((a, b)) => Some((a.min(from), b.max(to))),
        })
}
