//! The month's documents as PDF, read back with `pdftotext` (poppler-utils):
//! every field of the time report, the invoice and the month, å ä ö, more
//! pages when rows need them, the page limit, tenancy.
//!
//! `REDOVISA_WRITE_EXAMPLES=1 cargo test --test api pdfs_read_back::sqlite`
//! rewrites the examples in `docs/examples/`.

use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;
use crate::signatures::{month, payload, sign, signature, Month, SIGNATORY_PNR};

/// The text of a PDF as `pdftotext -layout` reads it.
pub fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Collapses runs of spaces, so that a check does not depend on layout.
fn squeeze(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn has(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "{n:?} not in the PDF text:\n{text}");
    }
}

fn dashed(p: &str) -> String {
    format!("{}-{}", &p[..8], &p[8..])
}

async fn get_pdf(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    let res = app.get(path, token).await;
    assert_eq!(res.status.as_u16(), 200, "{res:?}");
    assert_eq!(res.content_type, "application/pdf");
    // The body as bytes (Res keeps text lossily; fetch again raw).
    let mut resp = app
        .client
        .get(app.url(path))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .unwrap();
    let bytes = resp.body().limit(64 * 1024 * 1024).await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    bytes
}

fn write_example(name: &str, bytes: &[u8]) {
    if std::env::var("REDOVISA_WRITE_EXAMPLES").is_ok_and(|v| v == "1") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/examples")
            .join(name);
        std::fs::write(path, bytes).unwrap();
    }
}

async fn named(app: &TestApp, m: &Month) {
    for (a, name) in m.w.assistants.iter().zip(["Åsa Öberg", "Björn Ärlig"]) {
        let res = app
            .patch(
                &format!("/api/v1/assistants/{a}"),
                &m.w.org.token,
                &json!({"name": name}),
            )
            .await;
        expect(&res, 200);
    }
}

async fn pdfs_read_back(app: TestApp) {
    let m = month(&app, "company").await;
    named(&app, &m).await;
    let w = &m.w;
    let (a, b) = (&w.assistants[0], &w.assistants[1]);
    // Åsa: both signatures; Björn: none (empty lines to sign on paper).
    let hash = payload(&app, &w.org.token, &m.report, 1, a).await["payload_hash"].clone();
    expect(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &signature(1, a, "assistant", &w.assistant_pnrs[0], &hash),
        )
        .await,
        201,
    );
    let mut employer = signature(1, a, "employer", SIGNATORY_PNR, &hash);
    employer["method"] = json!("paper");
    expect(&sign(&app, &w.org.token, &m.report, &employer).await, 201);
    let report = expect(
        &app.get(&format!("/api/v1/time-reports/{}", m.report), &w.org.token)
            .await,
        200,
    );
    let content_hash = report["content_hash"].as_str().unwrap();

    let bytes = get_pdf(
        &app,
        &format!(
            "/api/v1/time-reports/{}/versions/1/pdf?assistant_id={a}",
            m.report
        ),
        &w.org.token,
    )
    .await;
    write_example("tidsredovisning-2026-10.pdf", &bytes);
    let text = squeeze(&pdftotext(&bytes));
    has(
        &text,
        &[
            "Tidsredovisning – Assistansersättning",
            "Månad: 2026-10 (oktober 2026)",
            "Assistansberättigad",
            "Namn: Brukare Ett",
            &format!("Personnummer: {}", dashed(&w.user_pnr)),
            "Namn: Åsa Öberg",
            &format!("Personnummer: {}", dashed(&w.assistant_pnrs[0])),
            "Anordnare (arbetsgivare)",
            "Namn: Assistans AB",
            "Organisationsnummer: 556036-",
            "Datum Från Till Slag Dubbel Sjukhus Timmar Ersätts",
            "2026-10-01 07:00 15:00 aktiv assistans nej nej 8,00 ja",
            "2026-10-24 22:00 07:00 beredskap nej nej 10,00 ja",
            "Aktiv assistans (räknas fullt) 8,00 h",
            "Väntetid (räknas 1/4) 0,00 h",
            "Beredskap (räknas 1/7) 10,00 h",
            "Timmar att ersätta (omräknade) 9,43 h",
            "Underskrifter",
            "Assistent (intygar)",
            "Namn: Åsa Öberg I egenskap av: assistent",
            "Datum: 2026-11-11 Metod: BankID",
            "Arbetsgivare (undertecknar)",
            "Namn: Sara Firmatecknare I egenskap av: firmatecknare",
            "Datum: 2026-11-11 Metod: papper",
            content_hash,
            "Sida 1 av 1",
        ],
    );
    // Björn's rows are not on Åsa's report.
    assert!(!text.contains("15:00 22:00"), "{text}");

    // Unsigned: empty signature lines.
    let bytes = get_pdf(
        &app,
        &format!(
            "/api/v1/time-reports/{}/versions/1/pdf?assistant_id={b}",
            m.report
        ),
        &w.org.token,
    )
    .await;
    let text = squeeze(&pdftotext(&bytes));
    has(
        &text,
        &[
            "Namn: Björn Ärlig",
            "2026-10-01 15:00 22:00 aktiv assistans nej nej 7,00 ja",
            "2026-10-01 22:00 07:00 väntetid nej nej 9,00 ja",
            "Timmar att ersätta (omräknade) 9,25 h",
            "Namnteckning och namnförtydligande Datum",
        ],
    );
    assert_eq!(
        text.matches("Namnteckning och namnförtydligande").count(),
        2
    );

    // The invoice, signed by the user.
    let ip = crate::signatures::invoice_payload(&app, &w.org.token, &m.invoice, 1).await;
    let res = app
        .post(
            &format!("/api/v1/invoices/{}/signatures", m.invoice),
            &w.org.token,
            &json!({"version": 1, "role": "assistance_user", "signer_personnummer": w.user_pnr, "method": "bankid",
                    "signed_at": "2026-11-11T12:00:00Z", "payload_hash": ip["payload_hash"]}),
        )
        .await;
    expect(&res, 201);
    let inv = expect(
        &app.get(&format!("/api/v1/invoices/{}", m.invoice), &w.org.token)
            .await,
        200,
    );
    let bytes = get_pdf(
        &app,
        &format!("/api/v1/invoices/{}/versions/1/pdf", m.invoice),
        &w.org.token,
    )
    .await;
    write_example("rakning-2026-10.pdf", &bytes);
    let text = squeeze(&pdftotext(&bytes));
    has(
        &text,
        &[
            "Räkning – Assistansersättning",
            "Månad: 2026-10 (oktober 2026)",
            "Grund: tidsredovisningen version 1",
            &format!("Personnummer: {}", dashed(&w.user_pnr)),
            "Betalningsmottagare: anordnaren (enligt avtal)",
            "Aktiv assistans (räknas fullt) 15,00 h",
            "Väntetid (räknas 1/4) 9,00 h",
            "Beredskap (räknas 1/7) 10,00 h",
            "Summa faktisk tid 34,00 h",
            "Omräknade timmar att ersätta 18,68 h",
            "Timbelopp 340,00 kr",
            "2026-10-01–2026-10-31 schablonbelopp 340,00 kr 18,68 h 6 350,71 kr",
            "Dagar med sjukhusvistelse: inga",
            "Belopp att betala 6 350,71 kr",
            "Assistansberättigad",
            "Namn: Brukare Ett I egenskap av: assistansberättigad",
            "Datum: 2026-11-11 Metod: BankID",
            inv["content_hash"].as_str().unwrap(),
        ],
    );

    // The month: both parts and the invoice, each with its own page numbers.
    let path = format!("/api/v1/months/2026-10/pdf?organisation_id={}", w.org.id);
    let bytes = get_pdf(&app, &path, &w.org.token).await;
    write_example("manad-2026-10.pdf", &bytes);
    let text = squeeze(&pdftotext(&bytes));
    assert_eq!(
        text.matches("Tidsredovisning – Assistansersättning")
            .count(),
        2,
        "{text}"
    );
    assert_eq!(text.matches("Räkning – Assistansersättning").count(), 1);
    has(
        &text,
        &[
            "Namn: Åsa Öberg",
            "Namn: Björn Ärlig",
            "Belopp att betala 6 350,71 kr",
        ],
    );
    let filtered = get_pdf(
        &app,
        &format!("{path}&assistance_user_id={}", w.user),
        &app.auditor(),
    )
    .await;
    assert_eq!(
        squeeze(&pdftotext(&filtered))
            .matches("Assistansersättning")
            .count(),
        3
    );

    // Tenancy: another organisation gets 404 for every PDF.
    let stranger = crate::fixtures::org(&app).await;
    for p in [
        format!(
            "/api/v1/time-reports/{}/versions/1/pdf?assistant_id={a}",
            m.report
        ),
        format!("/api/v1/invoices/{}/versions/1/pdf", m.invoice),
        path.clone(),
        format!(
            "/api/v1/months/2026-10/pdf?organisation_id={}&assistance_user_id={}",
            stranger.id, w.user
        ),
    ] {
        expect_problem(&app.get(&p, &stranger.token).await, 404);
    }
    // Unknown version, an assistant without rows, a month with nothing.
    expect_problem(
        &app.get(
            &format!(
                "/api/v1/time-reports/{}/versions/2/pdf?assistant_id={a}",
                m.report
            ),
            &w.org.token,
        )
        .await,
        404,
    );
    let p = expect_problem(
        &app.get(
            &format!(
                "/api/v1/time-reports/{}/versions/1/pdf?assistant_id=x",
                m.report
            ),
            &w.org.token,
        )
        .await,
        422,
    );
    assert_eq!(p["errors"][0]["field"], "assistant_id");
    expect_problem(
        &app.get(
            &format!("/api/v1/months/2026-09/pdf?organisation_id={}", w.org.id),
            &w.org.token,
        )
        .await,
        404,
    );
}
db_test!(pdfs_read_back);

async fn long_reports_take_more_pages_and_the_month_has_a_limit(app: TestApp) {
    let app = TestApp::spawn_with(app.db, |s| s.max_pdf_pages = 3).await;
    let m = month(&app, "company").await;
    let w = &m.w;
    // Every day of October, three rows a day for one assistant: 93 rows.
    let mut rows: Vec<Value> = Vec::new();
    for d in 1..=31 {
        let date = format!("2026-10-{d:02}");
        rows.push(crate::time_reports::row(
            &w.assistants[0],
            &date,
            "06:00",
            "08:00",
            "active",
        ));
        let mut r = crate::time_reports::row(&w.assistants[0], &date, "09:00", "12:00", "waiting");
        r["hospital"] = json!(d == 5);
        rows.push(r);
        let mut r = crate::time_reports::row(&w.assistants[0], &date, "13:00", "15:00", "active");
        r["double"] = json!(d == 6);
        rows.push(r);
    }
    // Double assistance: both assistants, marked.
    let mut r =
        crate::time_reports::row(&w.assistants[1], "2026-10-06", "13:00", "15:00", "active");
    r["double"] = json!(true);
    rows.push(r);
    let mut body = crate::time_reports::report(w, "2026-10", rows);
    body["correction_reason"] = json!("Hela månaden");
    expect(
        &app.post("/api/v1/time-reports", &w.org.token, &body).await,
        201,
    );
    let bytes = get_pdf(
        &app,
        &format!(
            "/api/v1/time-reports/{}/versions/2/pdf?assistant_id={}",
            m.report, w.assistants[0]
        ),
        &w.org.token,
    )
    .await;
    let text = squeeze(&pdftotext(&bytes));
    let pages = text.matches("Sida ").count();
    assert!(pages >= 2, "{text}");
    has(
        &text,
        &[
            &format!("Sida 1 av {pages}"),
            &format!("Sida {pages} av {pages}"),
            "Rader (forts.)",
        ],
    );
    for d in 1..=31 {
        has(
            &text,
            &[&format!("2026-10-{d:02} 06:00 08:00 aktiv assistans")],
        );
    }
    has(
        &text,
        &[
            "2026-10-05 09:00 12:00 väntetid nej ja 3,00 ja",
            "2026-10-06 13:00 15:00 aktiv assistans ja nej 2,00 ja",
            "Aktiv assistans (räknas fullt) 124,00 h",
            "Väntetid (räknas 1/4) 93,00 h",
        ],
    );
    // The invoice of version 2 names its hospital day.
    let inv = crate::signatures::submit_invoice(&app, w).await;
    let bytes = get_pdf(
        &app,
        &format!(
            "/api/v1/invoices/{}/versions/{}/pdf",
            inv["id"].as_str().unwrap(),
            inv["version"]
        ),
        &w.org.token,
    )
    .await;
    has(
        &squeeze(&pdftotext(&bytes)),
        &[
            "Grund: tidsredovisningen version 2",
            "Dagar med sjukhusvistelse: 2026-10-05",
        ],
    );
    // The month needs more than 3 pages: 422 `too_large`, naming the filter.
    let res = app
        .get(
            &format!("/api/v1/months/2026-10/pdf?organisation_id={}", w.org.id),
            &w.org.token,
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(p["code"], "too_large");
    assert_eq!(p["max_pages"], 3);
    assert!(p["detail"].as_str().unwrap().contains("assistance_user_id"));
    assert_eq!(p["errors"][0]["field"], "assistance_user_id");
}
db_test!(long_reports_take_more_pages_and_the_month_has_a_limit);
