//! PAXml 2.0 in and out (docs/paxml.md): the export's content, encodings and
//! schema, the per-organisation code table, stable `postid`s, tenancy.
//!
//! With `REDOVISA_PAXML_XSD` naming a copy of PAXml 2.0's schema
//! (`paxml.xsd`, not in this repository: its licence is GPL), exports are
//! also validated with `xmllint --schema`; without it the structure the
//! schema requires is checked here.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, World};
use crate::helpers::*;
use crate::time_reports::row;

const EXPORT: &str = "/api/v1/exports/paxml";

/// An element of a parsed document.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> &Node {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:#?}", self.name))
    }

    pub fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Parses UTF-8 XML text into a tree (independently of the code under test).
pub fn parse(xml: &str) -> Node {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(Node {
                name: e.name().as_ref().to_string(),
                attrs: e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            a.key.as_ref().to_string(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect(),
                ..Default::default()
            }),
            Event::Empty(e) => {
                let node = Node {
                    name: e.name().as_ref().to_string(),
                    ..Default::default()
                };
                stack.last_mut().unwrap().children.push(node);
            }
            Event::End(_) => {
                let mut node = stack.pop().unwrap();
                node.text = node.text.trim().to_string();
                stack.last_mut().unwrap().children.push(node);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let s = match r.as_ref() {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    _ => r.resolve_char_ref().unwrap().unwrap().to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.remove(0)
}

/// ISO-8859-1 bytes → text.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

fn is_date_time(s: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").is_ok()
}

/// What PAXml 2.0's schema requires of what the export writes, checked
/// without the schema: root without namespace, header with version 2.0 and
/// its values' types, tidtrans with an xs:int postid, a 12-character persnr,
/// the children the schema allows, each once.
pub fn check_structure(doc: &Node) {
    assert_eq!(doc.name, "paxml");
    assert!(doc
        .names()
        .iter()
        .all(|n| ["header", "tidtransaktioner"].contains(n)));
    let header = doc.child("header");
    assert_eq!(header.child("version").text, "2.0");
    assert_eq!(header.child("format").text, "LÖNIN");
    assert!(is_date_time(&header.child("datum").text));
    assert!(header.child("foretagorgnr").text.chars().count() <= 12);
    assert_eq!(header.child("programnamn").text, "redovisa");
    if let Some(section) = doc.children.iter().find(|c| c.name == "tidtransaktioner") {
        assert!(!section.children.is_empty());
        for t in &section.children {
            assert_eq!(t.name, "tidtrans");
            let postid: i64 = t.attr("postid").unwrap().parse().unwrap();
            assert!((1..=i64::from(i32::MAX)).contains(&postid));
            let persnr = t.attr("persnr").unwrap();
            assert!(persnr.len() == 12 && persnr.bytes().all(|b| b.is_ascii_digit()));
            let mut names = t.names();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "each child once");
            for n in &names {
                assert!(["tidkod", "starttid", "sluttid", "kundnr", "info"].contains(n));
            }
            assert!(is_date_time(&t.child("starttid").text));
            assert!(is_date_time(&t.child("sluttid").text));
            assert!(!t.child("tidkod").text.is_empty());
        }
    }
}

/// Validates with xmllint against the schema named by REDOVISA_PAXML_XSD,
/// when it is set; returns whether it did.
pub fn validate_with_xsd(bytes: &[u8]) -> bool {
    let Some(xsd) = std::env::var_os("REDOVISA_PAXML_XSD") else {
        return false;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xml");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "not valid against PAXml 2.0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// An organisation with a Swedish name, two assistants and three rows of
/// October 2026: a night shift across midnight, a waiting-time row, and a
/// double-assistance row during a hospital stay.
pub async fn october(app: &TestApp) -> (World, Value) {
    let w = fixtures::world(app, 2).await;
    expect(
        &app.patch(
            &format!("/api/v1/organisations/{}", w.org.id),
            &w.org.token,
            &json!({"name": "Åsa & Örjans Assistans AB"}),
        )
        .await,
        200,
    );
    let (a, b) = (&w.assistants[0], &w.assistants[1]);
    let mut double = row(a, "2026-10-05", "10:00", "12:00", "active");
    double["double"] = json!(true);
    double["hospital"] = json!(true);
    let mut partner = row(b, "2026-10-05", "10:00", "12:00", "active");
    partner["double"] = json!(true);
    let rows = vec![
        row(a, "2026-10-03", "22:00", "07:00", "active"),
        row(b, "2026-10-03", "22:00", "06:00", "waiting"),
        row(b, "2026-10-04", "08:00", "24:00", "standby"),
        double,
        partner,
    ];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &json!({"assistance_user_id": w.user, "month": "2026-10", "rows": rows}),
        )
        .await;
    let receipt = expect(&res, 201);
    (w, receipt)
}

async fn export_is_iso_8859_1_with_one_tidtrans_per_row(app: TestApp) {
    let (w, _) = october(&app).await;
    let res = app
        .get(&format!("{EXPORT}?month=2026-10"), &w.org.token)
        .await;
    assert_eq!(res.status.as_u16(), 200, "{res:?}");
    assert_eq!(res.content_type, "application/xml; charset=iso-8859-1");
    assert!(res
        .bytes
        .starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"));
    // å, Ö and Ö as single Latin-1 bytes, not UTF-8 pairs.
    assert!(contains(&res.bytes, b"\xC5sa &amp; \xD6rjans Assistans AB"));
    assert!(contains(&res.bytes, b"<format>L\xD6NIN</format>"));
    assert!(std::str::from_utf8(&res.bytes).is_err(), "not UTF-8");

    let doc = parse(&latin1(&res.bytes));
    check_structure(&doc);
    validate_with_xsd(&res.bytes);
    let header = doc.child("header");
    assert_eq!(
        header.child("foretagnamn").text,
        "Åsa & Örjans Assistans AB"
    );
    // The test clock: 2026-11-10T10:00:00Z, 11:00 in Stockholm (CET).
    assert_eq!(header.child("datum").text, "2026-11-10T11:00:00");
    let org = expect(
        &app.get(&format!("/api/v1/organisations/{}", w.org.id), &w.org.token)
            .await,
        200,
    );
    assert_eq!(header.child("foretagorgnr").text, org["identity_number"]);

    let trans = doc.child("tidtransaktioner").all("tidtrans");
    assert_eq!(trans.len(), 5, "one tidtrans per row");
    let by = |persnr: &str, start: &str| {
        *trans
            .iter()
            .find(|t| t.attr("persnr") == Some(persnr) && t.child("starttid").text == start)
            .unwrap_or_else(|| panic!("no tidtrans {persnr} {start}"))
    };
    let (pa, pb) = (&w.assistant_pnrs[0], &w.assistant_pnrs[1]);
    let night = by(pa, "2026-10-03T22:00:00");
    assert_eq!(night.child("tidkod").text, "ARB");
    assert_eq!(
        night.child("sluttid").text,
        "2026-10-04T07:00:00",
        "real end"
    );
    assert_eq!(night.child("kundnr").text, w.user);
    assert!(night.all("info").is_empty());
    let waiting = by(pb, "2026-10-03T22:00:00");
    assert_eq!(waiting.child("tidkod").text, "JR1");
    let standby = by(pb, "2026-10-04T08:00:00");
    assert_eq!(standby.child("tidkod").text, "BE1");
    assert_eq!(
        standby.child("sluttid").text,
        "2026-10-05T00:00:00",
        "24:00"
    );
    assert_eq!(
        by(pa, "2026-10-05T10:00:00").child("info").text,
        "dubbel, sjukhus"
    );
    assert_eq!(by(pb, "2026-10-05T10:00:00").child("info").text, "dubbel");
    let mut postids: Vec<&str> = trans.iter().map(|t| t.attr("postid").unwrap()).collect();
    postids.sort_unstable();
    postids.dedup();
    assert_eq!(postids.len(), 5, "a postid per row");

    // UTF-8 on request, declared as such.
    let res = app
        .get(
            &format!("{EXPORT}?month=2026-10&encoding=utf-8"),
            &w.org.token,
        )
        .await;
    assert_eq!(res.content_type, "application/xml; charset=utf-8");
    let text = String::from_utf8(res.bytes.clone()).expect("UTF-8");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(text.contains("<foretagnamn>Åsa &amp; Örjans Assistans AB</foretagnamn>"));
    let utf8 = parse(&text);
    check_structure(&utf8);
    validate_with_xsd(&res.bytes);
    assert_eq!(utf8.child("tidtransaktioner").all("tidtrans").len(), 5);

    // One user's only; a month without reports is a document without
    // transactions.
    let res = app
        .get(
            &format!("{EXPORT}?month=2026-10&assistance_user_id={}", w.user),
            &w.org.token,
        )
        .await;
    assert_eq!(
        parse(&latin1(&res.bytes))
            .child("tidtransaktioner")
            .children
            .len(),
        5
    );
    let res = app
        .get(&format!("{EXPORT}?month=2026-09"), &w.org.token)
        .await;
    let empty = parse(&latin1(&expect_bytes(&res)));
    check_structure(&empty);
    validate_with_xsd(&res.bytes);
    assert!(empty.all("tidtransaktioner").is_empty());
}
db_test!(export_is_iso_8859_1_with_one_tidtrans_per_row);

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[track_caller]
pub fn expect_bytes(res: &Res) -> Vec<u8> {
    assert_eq!(res.status.as_u16(), 200, "{res:?}");
    res.bytes.clone()
}

async fn codes_are_per_organisation(app: TestApp) {
    let (w, _) = october(&app).await;
    let path = format!("/api/v1/organisations/{}", w.org.id);
    let org = expect(&app.get(&path, &w.org.token).await, 200);
    assert_eq!(
        org["paxml_codes"],
        json!({"active": "ARB", "waiting": "JR1", "standby": "BE1"})
    );
    assert_eq!(org["warnings"], json!([]));

    // Fortnox-style names: accepted, with a warning per code outside PAXml 2.0.
    let res = app
        .patch(
            &path,
            &w.org.token,
            &json!({"paxml_codes": {"waiting": "JOUR", "standby": "BE2"}}),
        )
        .await;
    let org = expect(&res, 200);
    assert_eq!(
        org["paxml_codes"],
        json!({"active": "ARB", "waiting": "JOUR", "standby": "BE2"})
    );
    assert_eq!(org["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(org["warnings"][0]["code"], "code_not_in_paxml_2_0");
    assert_eq!(org["warnings"][0]["pointer"], "/paxml_codes/waiting");
    let doc = parse(&latin1(&expect_bytes(
        &app.get(&format!("{EXPORT}?month=2026-10"), &w.org.token)
            .await,
    )));
    let codes: Vec<String> = doc
        .child("tidtransaktioner")
        .all("tidtrans")
        .iter()
        .map(|t| t.child("tidkod").text.clone())
        .collect();
    assert!(codes.contains(&"JOUR".to_string()) && codes.contains(&"BE2".to_string()));

    // Every kind its own code; faults name the kind; nothing is changed.
    let res = app
        .patch(
            &path,
            &w.org.token,
            &json!({"paxml_codes": {"active": "JOUR", "standby": " "}}),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        error_with(&p, "duplicate_code")["pointer"],
        "/paxml_codes/waiting"
    );
    assert_eq!(
        error_with(&p, "invalid_code")["pointer"],
        "/paxml_codes/standby"
    );
    let res = app
        .patch(
            &path,
            &w.org.token,
            &json!({"paxml_codes": {"overtime": "ÖT1"}}),
        )
        .await;
    expect_problem(&res, 422);
    let org = expect(&app.get(&path, &w.org.token).await, 200);
    assert_eq!(org["paxml_codes"]["waiting"], "JOUR");

    // Another organisation keeps the defaults; it cannot change this one's.
    let other = fixtures::org(&app).await;
    let o = expect(
        &app.get(&format!("/api/v1/organisations/{}", other.id), &other.token)
            .await,
        200,
    );
    assert_eq!(o["paxml_codes"]["waiting"], "JR1");
    let res = app
        .patch(
            &path,
            &other.token,
            &json!({"paxml_codes": {"waiting": "JR2"}}),
        )
        .await;
    expect_problem(&res, 404);
    let res = app
        .patch(
            &path,
            &app.auditor(),
            &json!({"paxml_codes": {"waiting": "JR2"}}),
        )
        .await;
    expect_problem(&res, 403);
    // Set when the organisation is created, too.
    let res = app
        .post(
            "/api/v1/organisations",
            &app.admin(),
            &json!({"kind": "company", "identity_number": orgnr("556036", 950), "name": "Lön AB",
                    "paxml_codes": {"active": "TID", "waiting": "JR2", "standby": "BE3"}}),
        )
        .await;
    assert_eq!(expect(&res, 201)["paxml_codes"]["active"], "TID");
}
db_test!(codes_are_per_organisation);

async fn postid_is_stable_per_row(app: TestApp) {
    let (w, _) = october(&app).await;
    let postids = |bytes: Vec<u8>| -> Vec<(String, String, String)> {
        let doc = parse(&latin1(&bytes));
        let mut v: Vec<_> = doc
            .child("tidtransaktioner")
            .all("tidtrans")
            .iter()
            .map(|t| {
                (
                    t.attr("persnr").unwrap().to_string(),
                    t.child("starttid").text.clone(),
                    t.attr("postid").unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let url = format!("{EXPORT}?month=2026-10");
    let first = postids(expect_bytes(&app.get(&url, &w.org.token).await));
    assert_eq!(
        first,
        postids(expect_bytes(&app.get(&url, &w.org.token).await))
    );

    // A correction: one row moved, one added. The others keep their
    // numbers; changed and new rows get new ones.
    let (a, b) = (&w.assistants[0], &w.assistants[1]);
    let mut double = row(a, "2026-10-05", "10:00", "12:00", "active");
    double["double"] = json!(true);
    double["hospital"] = json!(true);
    let mut partner = row(b, "2026-10-05", "10:00", "12:00", "active");
    partner["double"] = json!(true);
    let rows = vec![
        row(a, "2026-10-03", "22:00", "07:00", "active"),
        row(b, "2026-10-03", "22:00", "05:00", "waiting"),
        row(b, "2026-10-04", "08:00", "24:00", "standby"),
        double,
        partner,
        row(a, "2026-10-20", "08:00", "12:00", "active"),
    ];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &json!({"assistance_user_id": w.user, "month": "2026-10", "rows": rows, "correction_reason": "Fel sluttid"}),
        )
        .await;
    expect(&res, 201);
    let second = postids(expect_bytes(&app.get(&url, &w.org.token).await));
    assert_eq!(second.len(), 6);
    let kept: Vec<_> = second.iter().filter(|r| first.contains(r)).collect();
    assert_eq!(
        kept.len(),
        4,
        "unchanged rows keep their postid: {first:?} {second:?}"
    );
    let old: Vec<&String> = first.iter().map(|r| &r.2).collect();
    let fresh: Vec<_> = second.iter().filter(|r| !old.contains(&&r.2)).collect();
    assert_eq!(fresh.len(), 2, "the changed and the new row");
}
db_test!(postid_is_stable_per_row);

async fn export_tenancy(app: TestApp) {
    let (w, _) = october(&app).await;
    let url = format!("{EXPORT}?month=2026-10");
    // Admins and auditors name the organisation.
    for token in [app.admin(), app.auditor()] {
        let p = expect_problem(&app.get(&url, &token).await, 422);
        assert_eq!(
            error_with(&p, "missing_parameter")["field"],
            "organisation_id"
        );
        let res = app
            .get(&format!("{url}&organisation_id={}", w.org.id), &token)
            .await;
        let doc = parse(&latin1(&expect_bytes(&res)));
        assert_eq!(doc.child("tidtransaktioner").all("tidtrans").len(), 5);
        let res = app
            .get(&format!("{url}&organisation_id=nope"), &token)
            .await;
        expect_problem(&res, 404);
    }
    // Another provider sees nothing of it.
    let other = fixtures::world(&app, 1).await;
    let res = app
        .get(
            &format!("{url}&organisation_id={}", w.org.id),
            &other.org.token,
        )
        .await;
    expect_problem(&res, 404);
    let res = app
        .get(
            &format!("{url}&assistance_user_id={}", w.user),
            &other.org.token,
        )
        .await;
    expect_problem(&res, 404);
    let doc = parse(&latin1(&expect_bytes(
        &app.get(&url, &other.org.token).await,
    )));
    assert!(doc.all("tidtransaktioner").is_empty());
    // Parameters.
    for (q, field) in [
        ("", "month"),
        ("?month=2026-13", "month"),
        ("?month=2026-10&encoding=utf-16", "encoding"),
    ] {
        let p = expect_problem(&app.get(&format!("{EXPORT}{q}"), &w.org.token).await, 422);
        assert_eq!(p["errors"][0]["field"], field, "{q}");
    }
    expect_problem(&app.get(&url, "").await, 401);
}
db_test!(export_tenancy);

// ---- import ----------------------------------------------------------------

const IMPORT: &str = "/api/v1/imports/paxml";

async fn import(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Res {
    import_with(app, token, query, body, &[]).await
}

async fn import_with(
    app: &TestApp,
    token: &str,
    query: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Res {
    app.post_raw(
        &format!("{IMPORT}{query}"),
        token,
        "application/xml",
        body,
        headers,
    )
    .await
}

/// The line (1-based) of the `nth` (0-based) occurrence of `needle`.
fn line_of(text: &str, needle: &str, nth: usize) -> u64 {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {nth}th {needle}"))
        .0;
    1 + text[..at].matches('\n').count() as u64
}

/// A `tidtrans` with clock times.
fn clock_trans(persnr: &str, kundnr: &str, tidkod: &str, start: &str, end: &str) -> String {
    format!(
        "    <tidtrans persnr=\"{persnr}\">\n      <tidkod>{tidkod}</tidkod>\n      <starttid>{start}</starttid>\n      <sluttid>{end}</sluttid>\n      <kundnr>{kundnr}</kundnr>\n    </tidtrans>\n"
    )
}

/// A UTF-8 document around some `tidtrans`.
fn utf8_doc(header: &str, trans: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<paxml>\n  <header>\n    <version>2.0</version>\n{header}  </header>\n  <tidtransaktioner>\n{}  </tidtransaktioner>\n</paxml>\n",
        trans.concat()
    )
}

/// What the report of `user` for `month` stores, as `date start–end kind`.
async fn stored_rows(app: &TestApp, token: &str, user: &str, month: &str) -> Vec<String> {
    let list = expect(
        &app.get(
            &format!("/api/v1/time-reports?month={month}&assistance_user_id={user}"),
            token,
        )
        .await,
        200,
    );
    let Some(id) = list["items"][0]["id"].as_str() else {
        return Vec::new();
    };
    let report = expect(
        &app.get(&format!("/api/v1/time-reports/{id}"), token).await,
        200,
    );
    let mut rows: Vec<String> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}–{} {}",
                r["date"].as_str().unwrap(),
                r["start"].as_str().unwrap(),
                r["end"].as_str().unwrap(),
                r["kind"].as_str().unwrap()
            )
        })
        .collect();
    rows.sort();
    rows
}

/// The shape real time systems write: UTF-8 with a byte-order mark, the
/// header's datum with an offset, `datum` + `timmar` (minutes as long
/// decimals), the user by personnummer, sections redovisa does not read.
async fn import_a_file_as_time_systems_write_it(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let org = expect(
        &app.get(&format!("/api/v1/organisations/{}", w.org.id), &w.org.token)
            .await,
        200,
    );
    let (a, b) = (&w.assistant_pnrs[0], &w.assistant_pnrs[1]);
    let text = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<paxml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.paxml.se/2.0/paxml.xsd">
   <header>
      <format>LÖNIN</format>
      <version>2.0</version>
      <datum>2026-11-02T09:49:30.0374174+01:00</datum>
      <foretagid>30</foretagid>
      <foretagorgnr>{orgnr}</foretagorgnr>
      <foretagnamn>Tidsystemet Åre</foretagnamn>
      <programnamn>Tidrapp</programnamn>
   </header>
   <koder>
      <kod id="ARB" namn="Arbetstid"/>
   </koder>
   <tidtransaktioner>
      <tidtrans postid="69684" persnr="{a}">
         <tidkod>ARB</tidkod>
         <datum>2026-10-01</datum>
         <timmar>8.0</timmar>
         <kundnr>{user}</kundnr>
      </tidtrans>
      <tidtrans postid="69685" persnr="{b}">
         <tidkod>JR1</tidkod>
         <datum>2026-10-01</datum>
         <timmar>7.5</timmar>
         <kundnr>{user}</kundnr>
      </tidtrans>
      <tidtrans postid="67145" persnr="{a}">
         <tidkod>ARB</tidkod>
         <datum>2026-10-01</datum>
         <timmar>6.01666666666667</timmar>
         <kundnr>{user}</kundnr>
         <info>Kvällspass, ringde in</info>
      </tidtrans>
   </tidtransaktioner>
   <personal>
      <person persnr="{a}">
         <fornamn>Mårten</fornamn>
      </person>
   </personal>
</paxml>
"#,
        orgnr = org["identity_number"].as_str().unwrap(),
        user = w.user_pnr,
    );
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let res = import(&app, &w.org.token, "", bytes).await;
    let body = expect(&res, 201);
    assert_eq!(body["dry_run"], false);
    assert_eq!(body["rows"], 3);
    let receipt = &body["receipts"][0];
    assert_eq!(receipt["assistance_user_id"], w.user);
    assert_eq!(receipt["month"], "2026-10");
    assert_eq!(receipt["row_count"], 3);
    assert_eq!(receipt["hours"]["active"], "14.02");
    assert_eq!(receipt["hours"]["waiting"], "7.50");
    assert_eq!(
        receipt["first_element"],
        "/paxml/tidtransaktioner/tidtrans[1]"
    );
    assert_eq!(receipt["first_line"], line_of(&text, "<tidtrans ", 0));
    // One person's entries of a day end to end from 00:00, in file order;
    // another person's start at 00:00 too.
    assert_eq!(
        stored_rows(&app, &w.org.token, &w.user, "2026-10").await,
        [
            "2026-10-01 00:00–07:30 waiting",
            "2026-10-01 00:00–08:00 active",
            "2026-10-01 08:00–14:01 active",
        ]
    );
    // Each such row carries `clock_times_assumed`, stored with the version
    // and located on its element.
    let assumed: Vec<&Value> = receipt["paxml_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "clock_times_assumed")
        .collect();
    assert_eq!(assumed.len(), 3);
    let third = assumed
        .iter()
        .find(|w| w["element"] == "/paxml/tidtransaktioner/tidtrans[3]")
        .unwrap();
    assert_eq!(third["line"], line_of(&text, "<tidtrans ", 2));
    assert_eq!(third["child"], "timmar");
    assert_eq!(
        receipt["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["code"] == "clock_times_assumed")
            .count(),
        3
    );
    // The same file again: unchanged.
    let mut again = b"\xEF\xBB\xBF".to_vec();
    again.extend_from_slice(text.as_bytes());
    let res = import(&app, &w.org.token, "", again).await;
    let body = expect(&res, 200);
    assert_eq!(body["receipts"], json!([]));
    assert_eq!(body["unchanged"].as_array().unwrap().len(), 1);
}
db_test!(import_a_file_as_time_systems_write_it);

/// ISO-8859-1 with å, ä and ö in names, as most payroll systems write.
async fn import_iso_8859_1_with_swedish_names(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let text = utf8_doc(
        "    <foretagnamn>Åsa Öberg Ängsö Assistans</foretagnamn>\n",
        &[clock_trans(
            &w.assistant_pnrs[0],
            &w.user,
            "BE1",
            "2026-10-10T22:00:00",
            "2026-10-11T07:00:00",
        )
        .replace("</tidtrans>", "  <info>sjukhus</info>\n    </tidtrans>")],
    )
    .replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"")
    .replace(
        "</paxml>",
        "  <personal><person><fornamn>Göran Åström</fornamn></person></personal>\n</paxml>",
    );
    let latin1: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    assert!(std::str::from_utf8(&latin1).is_err());
    let res = import(&app, &w.org.token, "", latin1).await;
    let body = expect(&res, 201);
    assert_eq!(body["receipts"][0]["hours"]["standby"], "9.00");
    let warnings: Vec<&str> = body["receipts"][0]["paxml_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(warnings.contains(&"hospital_stay"), "{warnings:?}");
    assert_eq!(
        stored_rows(&app, &w.org.token, &w.user, "2026-10").await,
        ["2026-10-10 22:00–07:00 standby"]
    );

    // The declared encoding must match the bytes.
    let p = expect_problem(
        &import(&app, &w.org.token, "", text.clone().into_bytes()).await,
        422,
    );
    let e = error_with(&p, "encoding_mismatch");
    assert_eq!(e["element"], "/paxml");
    let utf8_declared = text.replace("encoding=\"ISO-8859-1\"", "encoding=\"UTF-8\"");
    let bytes: Vec<u8> = utf8_declared
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    let p = expect_problem(&import(&app, &w.org.token, "", bytes).await, 422);
    let e = error_with(&p, "encoding_mismatch");
    assert_eq!(e["line"], line_of(&utf8_declared, "Åsa", 0));
}
db_test!(import_iso_8859_1_with_swedish_names);

async fn an_export_imported_again_is_unchanged(app: TestApp) {
    let (w, _) = october(&app).await;
    for encoding in ["iso-8859-1", "utf-8"] {
        let export = expect_bytes(
            &app.get(
                &format!("{EXPORT}?month=2026-10&encoding={encoding}"),
                &w.org.token,
            )
            .await,
        );
        let res = import(&app, &w.org.token, "", export).await;
        let body = expect(&res, 200);
        assert_eq!(body["receipts"], json!([]), "{encoding}");
        assert_eq!(body["unchanged"].as_array().unwrap().len(), 1);
        assert_eq!(body["unchanged"][0]["version"], 1);
        assert_eq!(body["unchanged"][0]["paxml_warnings"], json!([]));
    }
    // Also with codes renamed by the organisation.
    expect(
        &app.patch(
            &format!("/api/v1/organisations/{}", w.org.id),
            &w.org.token,
            &json!({"paxml_codes": {"active": "TID", "waiting": "JOUR"}}),
        )
        .await,
        200,
    );
    let export = expect_bytes(
        &app.get(&format!("{EXPORT}?month=2026-10"), &w.org.token)
            .await,
    );
    assert!(contains(&export, b"<tidkod>JOUR</tidkod>"));
    let body = expect(&import(&app, &w.org.token, "", export).await, 200);
    assert_eq!(body["unchanged"].as_array().unwrap().len(), 1);
}
db_test!(an_export_imported_again_is_unchanged);

async fn every_fault_with_its_element_and_line(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let (a, b) = (&w.assistant_pnrs[0], &w.assistant_pnrs[1]);
    let trans = vec![
        clock_trans(
            a,
            &w.user,
            "ARB",
            "2026-10-01T07:00:00",
            "2026-10-01T15:00:00",
        ),
        clock_trans(
            b,
            &w.user,
            "OB1",
            "2026-10-01T07:00:00",
            "2026-10-01T15:00:00",
        ),
        clock_trans(
            &pnr("19580412", 123),
            &w.user,
            "ARB",
            "2026-10-02T07:00:00",
            "2026-10-02T15:00:00",
        ),
        clock_trans(
            a,
            &w.user,
            "ARB",
            "2026-10-01T14:00:00",
            "2026-10-01T18:00:00",
        ),
        clock_trans(
            b,
            &w.user,
            "ARB",
            "2026-10-03T07:00:00",
            "2026-10-03T07:00:30",
        ),
    ];
    let text = utf8_doc("", &trans);
    let res = import(&app, &w.org.token, "", text.clone().into_bytes()).await;
    let p = expect_problem(&res, 422);
    assert_eq!(p["code"], "validation_failed");
    let e = error_with(&p, "unknown_code");
    assert_eq!(e["element"], "/paxml/tidtransaktioner/tidtrans[2]");
    assert_eq!(e["line"], line_of(&text, "<tidtrans ", 1));
    assert_eq!(e["child"], "tidkod");
    let e = error_with(&p, "unknown_assistant");
    assert_eq!(e["element"], "/paxml/tidtransaktioner/tidtrans[3]");
    assert_eq!(e["attribute"], "persnr");
    let e = error_with(&p, "invalid_date_time");
    assert_eq!(e["element"], "/paxml/tidtransaktioner/tidtrans[5]");
    assert_eq!(e["child"], "sluttid");
    assert_eq!(p["errors"].as_array().unwrap().len(), 3, "{p:#}");

    // With the file's own faults fixed, the rules of the pipeline, on the
    // elements of the rows: an overlap names the other tidtrans.
    let trans: Vec<String> = vec![trans[0].clone(), trans[3].clone()];
    let text = utf8_doc("", &trans);
    let p = expect_problem(
        &import(&app, &w.org.token, "", text.clone().into_bytes()).await,
        422,
    );
    let e = error_with(&p, "overlapping_shifts");
    assert_eq!(e["element"], "/paxml/tidtransaktioner/tidtrans[2]");
    assert_eq!(e["line"], line_of(&text, "<tidtrans ", 1));
    assert_eq!(e["related"], json!(["/paxml/tidtransaktioner/tidtrans[1]"]));
    assert!(
        e["message"].as_str().unwrap().contains("tidtrans[1]"),
        "{e}"
    );
    // Nothing was stored.
    assert!(stored_rows(&app, &w.org.token, &w.user, "2026-10")
        .await
        .is_empty());

    // Not XML, not PAXml.
    let p = expect_problem(
        &import(
            &app,
            &w.org.token,
            "",
            b"<paxml>\n<tidtransaktioner>\n</paxml>".to_vec(),
        )
        .await,
        422,
    );
    assert_eq!(p["errors"][0]["code"], "malformed_xml");
    assert!(p["errors"][0]["line"].as_u64().unwrap() >= 2);
    let p = expect_problem(
        &import(&app, &w.org.token, "", b"<lon/>".to_vec()).await,
        422,
    );
    assert_eq!(p["errors"][0]["code"], "not_paxml");
    let p = expect_problem(
        &import(&app, &w.org.token, "", utf8_doc("", &[]).into_bytes()).await,
        422,
    );
    assert_eq!(p["errors"][0]["code"], "no_rows");
    let res = app
        .post_raw(
            IMPORT,
            &w.org.token,
            "application/json",
            b"{}".to_vec(),
            &[],
        )
        .await;
    expect_problem(&res, 415);
}
db_test!(every_fault_with_its_element_and_line);

async fn codes_are_the_organisations_and_never_guessed(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let trans = |code: &str| {
        utf8_doc(
            "",
            &[clock_trans(
                &w.assistant_pnrs[0],
                &w.user,
                code,
                "2026-10-01T22:00:00",
                "2026-10-02T06:00:00",
            )],
        )
        .into_bytes()
    };
    for code in ["JOUR", "jr1", "JR2", "TID"] {
        let p = expect_problem(
            &import(&app, &w.org.token, "?dry_run=true", trans(code)).await,
            422,
        );
        let e = error_with(&p, "unknown_code");
        assert!(e["message"].as_str().unwrap().contains("JR1"), "{e}");
    }
    expect(
        &app.patch(
            &format!("/api/v1/organisations/{}", w.org.id),
            &w.org.token,
            &json!({"paxml_codes": {"waiting": "JOUR"}}),
        )
        .await,
        200,
    );
    let body = expect(&import(&app, &w.org.token, "", trans("JOUR")).await, 201);
    assert_eq!(body["receipts"][0]["hours"]["waiting"], "8.00");
    // JR1 is no longer a code of this organisation.
    let p = expect_problem(
        &import(&app, &w.org.token, "?correction_reason=x", trans("JR1")).await,
        422,
    );
    error_with(&p, "unknown_code");
}
db_test!(codes_are_the_organisations_and_never_guessed);

async fn foretagorgnr_must_be_the_callers(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let row = clock_trans(
        &w.assistant_pnrs[0],
        &w.user,
        "ARB",
        "2026-10-01T07:00:00",
        "2026-10-01T15:00:00",
    );
    let other = orgnr("556036", 977);
    let text = utf8_doc(
        &format!("    <foretagorgnr>{other}</foretagorgnr>\n"),
        std::slice::from_ref(&row),
    );
    let p = expect_problem(
        &import(&app, &w.org.token, "", text.clone().into_bytes()).await,
        422,
    );
    let e = error_with(&p, "organisation_mismatch");
    assert_eq!(e["element"], "/paxml/header");
    assert_eq!(e["child"], "foretagorgnr");
    assert_eq!(e["line"], line_of(&text, "<foretagorgnr>", 0));
    assert!(stored_rows(&app, &w.org.token, &w.user, "2026-10")
        .await
        .is_empty());
    // Ours, in the 12-digit form: accepted; absent: accepted.
    let org = expect(
        &app.get(&format!("/api/v1/organisations/{}", w.org.id), &w.org.token)
            .await,
        200,
    );
    let ours = format!(
        "16{}",
        org["identity_number"].as_str().unwrap().replace('-', "")
    );
    let text = utf8_doc(
        &format!("    <foretagorgnr>{ours}</foretagorgnr>\n"),
        std::slice::from_ref(&row),
    );
    expect(
        &import(&app, &w.org.token, "", text.into_bytes()).await,
        201,
    );
    let p = expect_problem(
        &import(
            &app,
            &w.org.token,
            "",
            utf8_doc("", &[row])
                .replace("<version>2.0", "<version>1.1")
                .into_bytes(),
        )
        .await,
        422,
    );
    error_with(&p, "unsupported_version");
}
db_test!(foretagorgnr_must_be_the_callers);

async fn dry_run_idempotency_and_corrections(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistant_pnrs[0];
    let first = utf8_doc(
        "",
        &[clock_trans(
            a,
            &w.user,
            "ARB",
            "2026-10-01T07:00:00",
            "2026-10-01T15:00:00",
        )],
    );
    // A dry run checks everything and stores nothing.
    let body = expect(
        &import(
            &app,
            &w.org.token,
            "?dry_run=true",
            first.clone().into_bytes(),
        )
        .await,
        200,
    );
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["receipts"].as_array().unwrap().len(), 1);
    assert!(stored_rows(&app, &w.org.token, &w.user, "2026-10")
        .await
        .is_empty());
    // Idempotency-Key: a replay returns the first answer.
    let key = [("Idempotency-Key", "lonekorning-2026-10")];
    let one = import_with(&app, &w.org.token, "", first.clone().into_bytes(), &key).await;
    let body = expect(&one, 201);
    let two = import_with(&app, &w.org.token, "", first.clone().into_bytes(), &key).await;
    assert_eq!(two.status.as_u16(), 201);
    assert_eq!(two.text, one.text);
    assert_eq!(body["receipts"][0]["version"], 1);
    // Another file: 409 naming the month and its first tidtrans, unless a
    // correction reason is given.
    let second = utf8_doc(
        "",
        &[clock_trans(
            a,
            &w.user,
            "ARB",
            "2026-10-01T08:00:00",
            "2026-10-01T15:00:00",
        )],
    );
    let res = import_with(&app, &w.org.token, "", second.clone().into_bytes(), &key).await;
    let p = expect_problem(&res, 422);
    assert_eq!(p["code"], "idempotency_key_reused");
    let p = expect_problem(
        &import(&app, &w.org.token, "", second.clone().into_bytes()).await,
        409,
    );
    assert_eq!(p["code"], "correction_reason_required");
    assert_eq!(
        p["reports"][0]["element"],
        "/paxml/tidtransaktioner/tidtrans[1]"
    );
    assert_eq!(p["reports"][0]["line"], line_of(&second, "<tidtrans ", 0));
    let body = expect(
        &import(
            &app,
            &w.org.token,
            "?correction_reason=Fel%20starttid",
            second.into_bytes(),
        )
        .await,
        201,
    );
    assert_eq!(body["receipts"][0]["version"], 2);
    assert_eq!(body["receipts"][0]["correction_reason"], "Fel starttid");
}
db_test!(dry_run_idempotency_and_corrections);

async fn import_tenancy(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let file = utf8_doc(
        "",
        &[clock_trans(
            &w.assistant_pnrs[0],
            &w.user,
            "ARB",
            "2026-10-01T07:00:00",
            "2026-10-01T15:00:00",
        )],
    );
    for token in [app.admin(), app.auditor()] {
        expect_problem(
            &import(&app, &token, "", file.clone().into_bytes()).await,
            403,
        );
    }
    expect_problem(&import(&app, "", "", file.clone().into_bytes()).await, 401);
    // Another organisation cannot reach this one's people, by id or number.
    let other = fixtures::org(&app).await;
    let p = expect_problem(
        &import(&app, &other.token, "", file.into_bytes()).await,
        422,
    );
    assert_eq!(error_with(&p, "unknown_assistance_user")["child"], "kundnr");
    assert_eq!(error_with(&p, "unknown_assistant")["attribute"], "persnr");
    let by_number = utf8_doc(
        "",
        &[clock_trans(
            &w.assistant_pnrs[0],
            &w.user_pnr,
            "ARB",
            "2026-10-01T07:00:00",
            "2026-10-01T15:00:00",
        )],
    );
    let p = expect_problem(
        &import(&app, &other.token, "", by_number.into_bytes()).await,
        422,
    );
    error_with(&p, "unknown_assistance_user");
    assert!(stored_rows(&app, &w.org.token, &w.user, "2026-10")
        .await
        .is_empty());
}
db_test!(import_tenancy);

/// Assumed clock times never refuse a file for another employer's shift:
/// that overlap is a warning; real clock times are still refused.
async fn assumed_times_warn_of_other_employers(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let person = &w.assistant_pnrs[0];
    let other = fixtures::org(&app).await;
    let their_user = fixtures::user(&app, &other, &pnr("19450101", 63)).await;
    let same_person = fixtures::assistant(&app, &other, person).await;
    fixtures::employment(&app, &other, &same_person, &their_user, json!({})).await;
    expect(
        &app.post(
            "/api/v1/time-reports",
            &other.token,
            &json!({"assistance_user_id": their_user, "month": "2026-10", "rows": [row(&same_person, "2026-10-07", "06:00", "09:00", "active")]}),
        )
        .await,
        201,
    );
    let hours = utf8_doc(
        "",
        &[format!(
            "    <tidtrans persnr=\"{person}\"><tidkod>ARB</tidkod><datum>2026-10-07</datum><timmar>8</timmar><kundnr>{}</kundnr></tidtrans>\n",
            w.user
        )],
    );
    let body = expect(
        &import(&app, &w.org.token, "", hours.into_bytes()).await,
        201,
    );
    let codes: Vec<&str> = body["receipts"][0]["paxml_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"clock_times_assumed") && codes.contains(&"overlaps_other_employer"),
        "{codes:?}"
    );
    let text = body.to_string();
    assert!(!text.contains(&other.id) && !text.contains(&their_user));
    // Real clock times over the other employer's real ones: refused (and
    // the stored assumed times do not refuse the other employer's real
    // ones either: a warning for them too).
    let clock = utf8_doc(
        "",
        &[clock_trans(
            person,
            &w.user,
            "ARB",
            "2026-10-08T05:00:00",
            "2026-10-08T07:00:00",
        )],
    );
    let theirs = expect(
        &app.post(
            "/api/v1/time-reports",
            &other.token,
            &json!({"assistance_user_id": their_user, "month": "2026-10", "rows": [row(&same_person, "2026-10-07", "06:00", "09:00", "active"), row(&same_person, "2026-10-08", "06:00", "09:00", "active")], "correction_reason": "en dag till"}),
        )
        .await,
        201,
    );
    assert!(theirs["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "overlaps_other_employer"));
    let p = expect_problem(
        &import(
            &app,
            &w.org.token,
            "?correction_reason=x",
            clock.into_bytes(),
        )
        .await,
        422,
    );
    assert_eq!(
        error_with(&p, "overlaps_other_employer")["element"],
        "/paxml/tidtransaktioner/tidtrans[1]"
    );
}
db_test!(assumed_times_warn_of_other_employers);
