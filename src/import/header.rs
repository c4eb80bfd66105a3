//! The header row: which column holds what. Names are Swedish or English,
//! case-insensitive, in any order; the first five columns are required.

use super::CsvError;

/// A column the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    AssistanceUser,
    Assistant,
    Date,
    Start,
    End,
    Kind,
    Double,
    Hospital,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::AssistanceUser,
        Column::Assistant,
        Column::Date,
        Column::Start,
        Column::End,
        Column::Kind,
        Column::Double,
        Column::Hospital,
    ];

    /// The Swedish header, as the export writes it.
    pub fn swedish(&self) -> &'static str {
        match self {
            Column::AssistanceUser => "brukare",
            Column::Assistant => "assistent",
            Column::Date => "datum",
            Column::Start => "start",
            Column::End => "slut",
            Column::Kind => "typ",
            Column::Double => "dubbel",
            Column::Hospital => "sjukhus",
        }
    }

    pub fn english(&self) -> &'static str {
        match self {
            Column::AssistanceUser => "assistance_user",
            Column::Assistant => "assistant",
            Column::Date => "date",
            Column::Start => "start",
            Column::End => "end",
            Column::Kind => "kind",
            Column::Double => "double",
            Column::Hospital => "hospital",
        }
    }

    pub fn required(&self) -> bool {
        matches!(
            self,
            Column::AssistanceUser | Column::Assistant | Column::Date | Column::Start | Column::End
        )
    }

    /// Header text (already trimmed) → column. Case-insensitive; spaces and
    /// hyphens count as underscores (`Assistance user`).
    pub fn from_header(name: &str) -> Option<Column> {
        let n: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect();
        Column::ALL
            .into_iter()
            .find(|c| c.swedish() == n || c.english() == n)
    }
}

/// Where each column is, and its name as written in the file.
#[derive(Debug, Clone)]
pub struct Header {
    /// Per column of the file: the column, or `None` for an ignored one
    /// (empty header cell).
    pub by_position: Vec<Option<Column>>,
    /// Header cells as written (trimmed), by position.
    pub names: Vec<String>,
}

impl Header {
    /// Maps the header cells; collects every fault (unknown, duplicate or
    /// missing columns) at `line`.
    pub fn parse(cells: &[&str], line: u64) -> Result<Header, Vec<CsvError>> {
        let mut errors = Vec::new();
        let mut by_position = Vec::with_capacity(cells.len());
        let mut names = Vec::with_capacity(cells.len());
        for (i, raw) in cells.iter().enumerate() {
            let name = raw.trim_start_matches('\u{feff}').trim();
            names.push(name.to_string());
            if name.is_empty() {
                by_position.push(None);
                continue;
            }
            match Column::from_header(name) {
                Some(c) if by_position.contains(&Some(c)) => {
                    errors.push(
                        CsvError::new(
                            line,
                            Some(name.to_string()),
                            "duplicate_column",
                            format!("The column `{name}` appears twice; keep one."),
                        )
                        .at_position(i),
                    );
                    by_position.push(None);
                }
                Some(c) => by_position.push(Some(c)),
                None => {
                    errors.push(CsvError::new(
                        line,
                        Some(name.to_string()),
                        "unknown_column",
                        format!(
                            "`{name}` is not a column of a time report; the columns are brukare, assistent, datum, start, slut, typ, dubbel, sjukhus (or assistance_user, assistant, date, start, end, kind, double, hospital). Remove other columns."
                        ),
                    ).at_position(i));
                    by_position.push(None);
                }
            }
        }
        for c in Column::ALL.iter().filter(|c| c.required()) {
            if !by_position.contains(&Some(*c)) {
                errors.push(
                    CsvError::new(
                        line,
                        Some(c.swedish().to_string()),
                        "missing_column",
                        format!(
                            "The header has no `{}` (or `{}`) column; it is required.",
                            c.swedish(),
                            c.english()
                        ),
                    )
                    .at_position(usize::MAX),
                );
            }
        }
        if errors.is_empty() {
            Ok(Header { by_position, names })
        } else {
            Err(errors)
        }
    }

    /// Position of a column in the file.
    pub fn position(&self, c: Column) -> Option<usize> {
        self.by_position.iter().position(|p| *p == Some(c))
    }

    /// The column's header as written in the file; the Swedish name when the
    /// file has no such column.
    pub fn name(&self, c: Column) -> String {
        match self.position(c) {
            Some(i) => self.names[i].clone(),
            None => c.swedish().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_english_any_case_any_order() {
        let h = Header::parse(
            &["\u{feff}Brukare", "DATUM", "assistant", "Start", "slut", ""],
            1,
        )
        .unwrap();
        assert_eq!(h.position(Column::Assistant), Some(2));
        assert_eq!(h.name(Column::Date), "DATUM");
        assert_eq!(h.name(Column::AssistanceUser), "Brukare");
        assert_eq!(h.position(Column::Kind), None);
        assert_eq!(h.by_position[5], None);
        let h = Header::parse(
            &[
                "Assistance user",
                "assistant",
                "date",
                "start",
                "end",
                "kind",
                "double",
                "hospital",
            ],
            1,
        )
        .unwrap();
        assert_eq!(h.position(Column::Hospital), Some(7));
    }

    #[test]
    fn faults_are_all_reported() {
        let errs = Header::parse(&["brukare", "datum", "datum", "stat", "slut"], 1).unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.code.as_str(), e.column.clone().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("duplicate_column", "datum".to_string()),
                ("unknown_column", "stat".to_string()),
                ("missing_column", "assistent".to_string()),
                ("missing_column", "start".to_string()),
            ]
        );
    }
}
