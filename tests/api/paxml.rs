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
