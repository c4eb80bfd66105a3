//! PAXml export of a month: one `tidtrans` per stored row of the current
//! versions of the organisation's reports (or one assistance user's).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Europe::Stockholm;

use crate::db::register::{self as reg, OrganisationRow};
use crate::db::time_reports as store;
use crate::db::DbConn;
use crate::domain::month::ReportMonth;
use crate::domain::paxml::{info_of, PaxmlCodes};
use crate::domain::shift::ShiftKind;

use super::text::XmlEncoding;
use super::write::{document, Header, TimeTrans};

/// `application/xml` with the charset of the bytes.
pub fn content_type(encoding: XmlEncoding) -> String {
    format!(
        "application/xml; charset={}",
        encoding.label().to_ascii_lowercase()
    )
}

/// A UTC instant as a Stockholm wall-clock reading.
fn local(utc: NaiveDateTime) -> NaiveDateTime {
    utc.and_utc().with_timezone(&Stockholm).naive_local()
}

/// The document for `org`'s current report versions of `month` (one
/// user's, with `user`), written at `now`.
pub fn month_document(
    conn: &mut DbConn,
    org: &OrganisationRow,
    month: ReportMonth,
    user: Option<&str>,
    now: DateTime<Utc>,
    encoding: XmlEncoding,
) -> diesel::QueryResult<Vec<u8>> {
    let codes = PaxmlCodes::from_json(&org.paxml_codes);
    let rows = store::current_rows_of_month(conn, &org.id, &month.to_string(), user)?;
    let mut ids: Vec<String> = rows.iter().map(|(_, r)| r.assistant_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let persnr: HashMap<String, String> = reg::get_assistants(conn, &org.id, &ids)?
        .into_iter()
        .map(|a| (a.id, a.personnummer))
        .collect();
    let trans: Vec<TimeTrans> = rows
        .into_iter()
        .map(|(user, r)| TimeTrans {
            postid: r.postid,
            persnr: persnr.get(&r.assistant_id).cloned().unwrap_or_default(),
            tidkod: codes
                .code(ShiftKind::parse(&r.kind).unwrap_or(ShiftKind::Active))
                .to_string(),
            // From the stored instants, so that a shift across midnight
            // (or 24:00) ends on the day it really ends.
            start: local(r.start_utc),
            end: local(r.end_utc),
            kundnr: user,
            info: info_of(r.is_double, r.hospital),
        })
        .collect();
    let header = Header {
        datum: local(now.naive_utc()),
        foretagorgnr: org.identity_number.clone(),
        foretagnamn: org.name.clone(),
    };
    Ok(document(&header, &trans, encoding))
}
