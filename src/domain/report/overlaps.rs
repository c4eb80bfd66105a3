//! No two shifts of one person overlap: within the report, against the
//! organisation's other reports, and against other employers' reports.

use std::collections::HashMap;

use chrono::Duration;

use crate::domain::report::context::{Context, StoredShift};
use crate::domain::report::issue::Issue;
use crate::domain::report::parse::ParsedRow;

/// No two shifts of one person may overlap: within the report, against the
/// organisation's other reports, and against other employers' reports.
///
/// Assumed clock times ([`RawRow::clock_assumed`](super::RawRow)) cannot be
/// checked against another employer's real ones: such an overlap is a
/// warning. Everything else (within the report, the organisation's own
/// reports) still refuses.
pub(super) fn check_overlaps(
    rows: &[ParsedRow],
    ctx: &Context,
    errors: &mut Vec<Issue>,
    warnings: &mut Vec<Issue>,
) {
    let mut by_person: HashMap<&str, Vec<&ParsedRow>> = HashMap::new();
    for row in rows {
        if let Some(a) = ctx.assistants.get(&row.assistant_id) {
            by_person.entry(a.person.as_str()).or_default().push(row);
        }
    }
    let mut stored_by_person: HashMap<&str, Vec<&StoredShift>> = HashMap::new();
    for s in &ctx.stored {
        stored_by_person
            .entry(s.person.as_str())
            .or_default()
            .push(s);
    }
    for list in stored_by_person.values_mut() {
        list.sort_by_key(|s| s.start_utc);
    }
    for (person, mut list) in by_person {
        list.sort_by_key(|r| (r.shift.start_utc, r.index));
        // Sweep in start order, keeping the earlier shift that reaches
        // furthest: a shift that starts before it ends overlaps it. One fault
        // per overlapping shift keeps this O(n log n) however many shifts
        // pile up at one time.
        let mut reach: Option<&ParsedRow> = None;
        for b in &list {
            if let Some(a) = reach.filter(|a| b.shift.start_utc < a.shift.end_utc) {
                let (first, second) = if a.index < b.index { (a, *b) } else { (*b, a) };
                errors.push(
                    Issue::row(
                        second.index,
                        None,
                        "overlapping_shifts",
                        format!(
                            "This shift overlaps the same assistant's shift in row {} ({} {}–{}).",
                            first.index, first.date, first.start, first.end
                        ),
                    )
                    .related(vec![first.index]),
                );
            }
            if reach.is_none_or(|a| b.shift.end_utc > a.shift.end_utc) {
                reach = Some(b);
            }
        }
        if let Some(stored) = stored_by_person.get(person) {
            for row in &list {
                // The first stored shift it overlaps is enough to refuse it.
                // Stored shifts are sorted by start and last at most 25 h, so
                // only those starting in [start − 25 h, end) can overlap.
                let from = stored
                    .partition_point(|s| s.start_utc < row.shift.start_utc - Duration::hours(25));
                if let Some(s) = stored[from..]
                    .iter()
                    .take_while(|s| s.start_utc < row.shift.end_utc)
                    .find(|s| row.shift.start_utc < s.end_utc)
                {
                    if s.same_org {
                        errors.push(Issue::row(
                            row.index,
                            None,
                            "overlaps_stored_report",
                            format!(
                                "The assistant already has a shift at this time in your report for {} ({}).",
                                s.report_month, s.date
                            ),
                        ));
                    } else if row.clock_assumed || s.clock_assumed {
                        warnings.push(Issue::row(
                            row.index,
                            None,
                            "overlaps_other_employer",
                            "The assumed clock times overlap a shift another employer reports for the assistant; check the real times.",
                        ));
                    } else {
                        errors.push(Issue::row(
                            row.index,
                            None,
                            "overlaps_other_employer",
                            "The assistant is already reported as working at this time for another employer.",
                        ));
                    }
                }
            }
        }
    }
}
