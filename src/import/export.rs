//! CSV export of time reports in the import format, so that Excel in
//! Swedish opens it as it is and the file can be imported again unchanged:
//! `;`, UTF-8 with BOM, CRLF, Swedish headers, personnummer in the 12-digit
//! form `YYYYMMDD-NNNN` (with the hyphen, so that Excel keeps it as text
//! instead of turning it into `1,95804E+11`), `aktiv`/`väntetid`/`beredskap`
//! and `ja`/`nej`.

use std::collections::HashMap;

use crate::db::page::Page;
use crate::db::register as reg;
use crate::db::time_reports::{self as store, ReportRow, VersionRow};
use crate::db::DbConn;
use crate::db::Scope;

use super::header::Column;

/// `text/csv` with its charset, as sent.
pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The 12-digit form with a hyphen before the last four digits.
pub fn personnummer(twelve: &str) -> String {
    if twelve.len() == 12 && twelve.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &twelve[..8], &twelve[8..])
    } else {
        twelve.to_string()
    }
}

/// Stored kind → the Swedish word.
pub fn kind(stored: &str) -> &str {
    crate::domain::kind::ShiftKind::parse(stored).map_or(stored, |k| k.swedish_word())
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "ja"
    } else {
        "nej"
    }
}

/// Writes reports' rows, looking up personnummer once per person.
pub struct CsvWriter {
    out: csv::Writer<Vec<u8>>,
    users: HashMap<String, String>,
    assistants: HashMap<String, String>,
    rows: u64,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    /// Starts the file: BOM and header line.
    pub fn new() -> Self {
        let mut out = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer("\u{feff}".as_bytes().to_vec());
        out.write_record(Column::ALL.iter().map(|c| c.swedish()))
            .expect("writing to memory");
        Self {
            out,
            users: HashMap::new(),
            assistants: HashMap::new(),
            rows: 0,
        }
    }

    /// Appends every row of a version of `report`.
    pub fn report(
        &mut self,
        conn: &mut DbConn,
        report: &ReportRow,
        version: &VersionRow,
    ) -> diesel::QueryResult<()> {
        let org = report.organisation_id.as_str();
        let rows = store::rows_of_version(conn, &version.id)?;
        if !self.users.contains_key(&report.assistance_user_id) {
            let pnr = reg::get_assistance_user(
                conn,
                &Scope::Org(org.to_string()),
                &report.assistance_user_id,
            )?
            .map(|u| personnummer(&u.personnummer))
            .unwrap_or_default();
            self.users.insert(report.assistance_user_id.clone(), pnr);
        }
        let mut missing: Vec<String> = rows
            .iter()
            .filter(|r| !self.assistants.contains_key(&r.assistant_id))
            .map(|r| r.assistant_id.clone())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            for a in reg::get_assistants(conn, org, &missing)? {
                self.assistants.insert(a.id, personnummer(&a.personnummer));
            }
        }
        let user = &self.users[&report.assistance_user_id];
        for r in &rows {
            let assistant = self
                .assistants
                .get(&r.assistant_id)
                .map_or("", String::as_str);
            let date = r.work_date.to_string();
            self.out
                .write_record([
                    user.as_str(),
                    assistant,
                    date.as_str(),
                    r.start_time.as_str(),
                    r.end_time.as_str(),
                    kind(&r.kind),
                    yes_no(r.is_double),
                    yes_no(r.hospital),
                ])
                .expect("writing to memory");
            self.rows += 1;
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn finish(self) -> Vec<u8> {
        self.out.into_inner().expect("writing to memory")
    }
}

/// The current version of one report, or `None` when the caller cannot see
/// it (another organisation's report is not found).
pub fn report_csv(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> diesel::QueryResult<Option<(ReportRow, Vec<u8>)>> {
    let Some(report) = store::get_report(conn, scope, id)? else {
        return Ok(None);
    };
    let Some(version) = store::get_version(conn, &report.id, report.current_version)? else {
        return Ok(None);
    };
    let mut w = CsvWriter::new();
    w.report(conn, &report, &version)?;
    Ok(Some((report, w.finish())))
}

/// Every row of the current versions the list filters select (all pages).
pub fn reports_csv(
    conn: &mut DbConn,
    scope: &Scope,
    month: Option<&str>,
    user: Option<&str>,
    late: Option<bool>,
) -> diesel::QueryResult<Vec<u8>> {
    const PAGE: i64 = 500;
    let mut w = CsvWriter::new();
    let mut after = None;
    loop {
        let page = Page {
            limit: PAGE,
            after: after.take(),
        };
        let list = store::list_reports(conn, scope, month, user, late, &page)?;
        let more = list.len() as i64 > PAGE;
        for (report, version) in list.iter().take(PAGE as usize) {
            w.report(conn, report, version)?;
        }
        if !more {
            break;
        }
        after = Some(list[PAGE as usize - 1].0.id.clone());
    }
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personnummer_keeps_its_hyphen_for_excel() {
        assert_eq!(personnummer("195804121233"), "19580412-1233");
        assert_eq!(personnummer("x"), "x");
    }

    #[test]
    fn header_bom_and_line_ends() {
        let w = CsvWriter::new();
        let bytes = w.finish();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\r\n"
        );
        assert_eq!(kind("waiting"), "väntetid");
        assert_eq!(kind("standby"), "beredskap");
        assert_eq!(kind("active"), "aktiv");
    }
}
