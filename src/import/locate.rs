//! Maps what the submission pipeline says about a (user, month) back to
//! the file: an issue or warning of row `i` becomes the line and column the
//! user sees.

use chrono::Duration;

use super::faults::CsvError;
use super::header::Column;
use super::prepare::{Group, Prepared};
use crate::domain::report::{Field, Issue, Target};
use crate::domain::shift::resolve_shift;
use crate::service::submission::Receipt;

fn column_of(f: Field) -> Column {
    match f {
        Field::AssistantId => Column::Assistant,
        Field::Date => Column::Date,
        Field::Start => Column::Start,
        Field::End => Column::End,
        Field::Kind => Column::Kind,
        Field::Double => Column::Double,
        Field::Hospital => Column::Hospital,
    }
}

fn column_of_name(name: &str) -> Option<Column> {
    [
        Field::AssistantId,
        Field::Date,
        Field::Start,
        Field::End,
        Field::Kind,
        Field::Double,
        Field::Hospital,
    ]
    .into_iter()
    .find(|f| f.name() == name)
    .map(column_of)
}

impl Prepared {
    /// Where an issue of the pipeline is in the file.
    pub(super) fn locate(&self, g: &Group, issue: &Issue) -> CsvError {
        let (line, column) = match issue.target {
            Target::Month => (g.rows[0].line, Some(Column::Date)),
            Target::Row { index, field } => (g.rows[index].line, field.map(column_of)),
        };
        let mut e = CsvError::new(
            u64::from(line),
            column.map(|c| self.header.name(c)),
            issue.code,
            issue.message.clone(),
        )
        .at_position(
            column
                .and_then(|c| self.header.position(c))
                .unwrap_or(usize::MAX),
        );
        for &i in &issue.related_rows {
            if let Some(r) = g.rows.get(i) {
                e.related_lines.push(u64::from(r.line));
                // The rules name rows of the submission; the user sees lines.
                e.message = e
                    .message
                    .replace(&format!("in row {i} ("), &format!("on line {} (", r.line));
            }
        }
        e
    }

    /// For an overlap with a stored report: the lines of this file that
    /// stored it (reports submitted earlier in the same import).
    pub(super) fn overlapping_lines(&self, g: &Group, issue: &Issue, stored: &[usize]) -> Vec<u64> {
        let Target::Row { index, .. } = issue.target else {
            return Vec::new();
        };
        let row = g.rows[index];
        let Ok(shift) = resolve_shift(row.date, row.start, row.end) else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for &si in stored {
            for other in &self.groups[si].rows {
                if other.assistant == row.assistant
                    && (other.date - row.date).abs() <= Duration::days(2)
                    && resolve_shift(other.date, other.start, other.end)
                        .is_ok_and(|s| s.overlaps(&shift))
                {
                    lines.push(u64::from(other.line));
                }
            }
        }
        lines.sort_unstable();
        lines
    }

    /// The receipt's warnings, on the lines of this file. Only for a version
    /// stored from this file's rows (see `Prepared::imported`).
    pub(super) fn warnings_in_file(&self, g: &Group, receipt: &Receipt) -> Vec<CsvError> {
        receipt
            .warnings
            .iter()
            .map(|w| {
                let mut parts = w.pointer.trim_start_matches('/').split('/');
                let (line, column) = match (parts.next(), parts.next(), parts.next()) {
                    (Some("rows"), Some(i), field) => {
                        let line = i
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| g.rows.get(i))
                            .map_or(g.rows[0].line, |r| r.line);
                        (line, field.and_then(column_of_name))
                    }
                    _ => (g.rows[0].line, Some(Column::Date)),
                };
                CsvError::new(
                    u64::from(line),
                    column.map(|c| self.header.name(c)),
                    w.code.clone(),
                    w.message.clone(),
                )
            })
            .collect()
    }
}
