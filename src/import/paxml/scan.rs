//! Phase 1 of a PAXml import: the file → rows of reports, or its faults.
//! Encoding, well-formedness, the header's checks (version,
//! `foretagorgnr`), then every `tidtrans` mapped ([`super::map`]).
//! Database access is read-only.

use std::collections::HashMap;
use std::io::{self, Read, Seek};

use crate::db::register as reg;
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::deadline::stockholm_date;
use crate::domain::paxml::PaxmlCodes;
use crate::domain::text as client_text;
use crate::service::submission::Env;

use super::fault::XmlFault;
use super::map::{Directory, Entry, Mapper};
use super::read::{self, HeaderFields, Located, ReadError, TidTrans};
use super::text::{decoded, detect};

/// The register of the caller's organisation, each lookup made once.
struct Register<'a> {
    conn: &'a mut DbConn,
    org: String,
    assistants: HashMap<String, Option<String>>,
    user_ids: HashMap<String, bool>,
    users: HashMap<String, Option<String>>,
}

impl Directory for Register<'_> {
    fn assistant(&mut self, personnummer: &str) -> diesel::QueryResult<Option<String>> {
        if let Some(hit) = self.assistants.get(personnummer) {
            return Ok(hit.clone());
        }
        let id = reg::find_assistant_by_number(self.conn, &self.org, personnummer)?.map(|a| a.id);
        self.assistants.insert(personnummer.to_string(), id.clone());
        Ok(id)
    }

    fn user_id(&mut self, id: &str) -> diesel::QueryResult<bool> {
        if let Some(&hit) = self.user_ids.get(id) {
            return Ok(hit);
        }
        // Ids are UUIDs; anything longer is not one, and not looked up.
        let found = id.len() <= 64
            && reg::get_assistance_user(self.conn, &Scope::Org(self.org.clone()), id)?.is_some();
        self.user_ids.insert(id.to_string(), found);
        Ok(found)
    }

    fn user_by_number(&mut self, personnummer: &str) -> diesel::QueryResult<Option<String>> {
        if let Some(hit) = self.users.get(personnummer) {
            return Ok(hit.clone());
        }
        let id =
            reg::find_assistance_user_by_number(self.conn, &self.org, personnummer)?.map(|u| u.id);
        self.users.insert(personnummer.to_string(), id.clone());
        Ok(id)
    }
}

/// A file read: its rows, and every fault found (the first `max` by
/// position; `omitted` counts the rest).
#[derive(Debug, Default)]
pub struct Scanned {
    pub entries: Vec<Entry>,
    pub faults: Vec<XmlFault>,
    pub omitted: usize,
    /// `tidtrans` read.
    pub rows: u64,
}

/// Why a file could not be read at all.
#[derive(Debug)]
pub enum ScanError {
    /// A fault of the file as a whole: nothing after it can be trusted.
    File(Box<XmlFault>),
    Io(io::Error),
    Db(diesel::result::Error),
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

impl From<diesel::result::Error> for ScanError {
    fn from(e: diesel::result::Error) -> Self {
        ScanError::Db(e)
    }
}

/// Whether `written` (a `foretagorgnr`) names the organisation whose
/// identity number is `ours` (`NNNNNN-NNNN`, or a 12-digit personnummer).
fn same_organisation(written: &str, ours: &str) -> bool {
    let digits = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '-' | '+' | ' '))
            .collect()
    };
    let (w, o) = (digits(written), digits(ours));
    if !w.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match (o.len(), w.len()) {
        (10, 10) => w == o,
        (10, 12) => w == format!("16{o}"),
        (12, 12) => w == o,
        (12, 10) => w == o[2..],
        _ => false,
    }
}

/// Reads the whole file (a stream: only the mapped rows are kept).
pub fn scan<R: Read + Seek>(
    conn: &mut DbConn,
    env: &Env,
    mut input: R,
    max_errors: usize,
) -> Result<Scanned, ScanError> {
    let encoding = match detect(&mut input)? {
        Ok(e) => e,
        Err(f) => {
            return Err(ScanError::File(Box::new(XmlFault::file(
                f.line, f.code, f.message,
            ))))
        }
    };
    let org = reg::get_organisation(conn, &Scope::Org(env.org_id.clone()), &env.org_id)?;
    let (codes, identity) = match &org {
        Some(o) => (
            PaxmlCodes::from_json(&o.paxml_codes),
            Some(o.identity_number.clone()),
        ),
        None => (PaxmlCodes::default(), None),
    };
    let mut mapper = Mapper::new(codes, stockholm_date(env.now));
    let mut dir = Register {
        conn,
        org: env.org_id.clone(),
        assistants: HashMap::new(),
        user_ids: HashMap::new(),
        users: HashMap::new(),
    };
    let mut out = Scanned::default();
    let mut db_error = None;
    let result = read::read(decoded(input, encoding), &mut |t| {
        out.rows += 1;
        let dirty = control_faults(&t);
        let mapped = if dirty.is_empty() {
            mapper.map(&mut dir, &t)
        } else {
            Ok(Err(dirty))
        };
        match mapped {
            Ok(Ok(entry)) => out.entries.push(entry),
            Ok(Err(faults)) => {
                for f in faults {
                    if out.faults.len() < max_errors {
                        out.faults.push(f);
                    } else {
                        out.omitted += 1;
                    }
                }
            }
            Err(e) => {
                db_error = Some(e);
                return Err(ReadError::Io(io::Error::other("database")));
            }
        }
        Ok(())
    });
    if let Some(e) = db_error {
        return Err(ScanError::Db(e));
    }
    let header: HeaderFields = match result {
        Ok(h) => h,
        Err(ReadError::Io(e)) => return Err(ScanError::Io(e)),
        Err(ReadError::Malformed {
            code,
            line,
            message,
        }) => {
            return Err(ScanError::File(Box::new(XmlFault::file(
                line, code, message,
            ))))
        }
    };
    let mut header_faults = Vec::new();
    if let Some(v) = header.version.filter(|v| v.text.trim() != "2.0") {
        header_faults.push(
            XmlFault::new(
                "/paxml/header",
                v.line,
                "unsupported_version",
                format!(
                    "header/version is `{}`; redovisa reads PAXml 2.0.",
                    v.text.trim().chars().take(20).collect::<String>()
                ),
            )
            .child("version"),
        );
    }
    if let (Some(f), Some(ours)) = (header.foretagorgnr, identity) {
        if !f.text.trim().is_empty() && !same_organisation(f.text.trim(), &ours) {
            header_faults.push(
                XmlFault::new(
                    "/paxml/header",
                    f.line,
                    "organisation_mismatch",
                    "header/foretagorgnr is not your organisation's number: this file is another organisation's.",
                )
                .child("foretagorgnr"),
            );
        }
    }
    // The header's faults first: they concern the whole file.
    header_faults.append(&mut out.faults);
    out.faults = header_faults;
    Ok(out)
}

/// A control character in any value of a `tidtrans` refuses that value (the
/// rule of every text field), before the record is mapped.
fn control_faults(t: &TidTrans) -> Vec<XmlFault> {
    let attributes = [("persnr", &t.persnr), ("anstid", &t.anstid)];
    let children = [
        ("tidkod", &t.tidkod),
        ("datum", &t.datum),
        ("datumfrom", &t.datumfrom),
        ("datumtom", &t.datumtom),
        ("starttid", &t.starttid),
        ("sluttid", &t.sluttid),
        ("timmar", &t.timmar),
        ("kundnr", &t.kundnr),
        ("info", &t.info),
    ];
    let fault = |v: &Located| {
        client_text::first_forbidden(&v.text).map(|c| {
            XmlFault::new(
                t.element(),
                v.line,
                client_text::INVALID_CHARACTER,
                client_text::message(c),
            )
        })
    };
    let attrs = attributes
        .into_iter()
        .filter_map(|(name, v)| Some(fault(v.as_ref()?)?.attribute(name)));
    let kids = children
        .into_iter()
        .filter_map(|(name, v)| Some(fault(v.as_ref()?)?.child(name)));
    attrs.chain(kids).collect()
}

#[cfg(test)]
mod tests {
    use super::same_organisation;

    #[test]
    fn foretagorgnr_in_any_common_form() {
        for w in ["556036-0019", "5560360019", "165560360019", "16556036-0019"] {
            assert!(same_organisation(w, "556036-0019"), "{w}");
        }
        assert!(!same_organisation("556036-0027", "556036-0019"));
        assert!(!same_organisation("", "556036-0019"));
        // Sole traders and self-employers: the owner's personnummer.
        assert!(same_organisation("19800101-0019", "198001010019"));
        assert!(same_organisation("800101-0019", "198001010019"));
        assert!(!same_organisation("X5560360019", "556036-0019"));
    }
}
