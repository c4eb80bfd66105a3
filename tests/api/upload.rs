//! The upload page (`/upload`, *Ladda upp tidrapport*) as its script uses
//! the API: a signed-in person's session cookie and `X-CSRF-Token`, a dry
//! run, Swedish problems, then the confirmation; on both databases. The
//! page in a real browser: `browser.rs`.

use serde_json::json;

use crate::accounts::{hidden, person, Browser, PASSWORD};
use crate::csv::{fixture, multipart, world};
use crate::db_test;
use crate::helpers::*;

const IMPORT: &str = "/api/v1/imports/time-reports";

/// The value of a `data-` attribute of the page.
fn data(html: &str, name: &str) -> String {
    let marker = format!("data-{name}=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no data-{name}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

async fn a_signed_in_person_checks_then_stores_a_file(app: TestApp) {
    let w = world(&app).await;
    let mut b = Browser::new(&app);
    // Not signed in: to the sign-in page, and back here once signed in.
    let res = b.get("/upload").await;
    assert_eq!(res.status.as_u16(), 303);
    assert_eq!(res.headers.get("location").unwrap(), "/login?next=/upload");
    let email = person(&app, &w.org, "karin@example.se").await;
    let form = b.get("/login?next=/upload").await;
    assert_eq!(hidden(&form.text, "next"), "/upload");
    // Only the known pages: any other `next` lands on the dashboard.
    for next in [
        "https://evil.example/",
        "//evil.example",
        "/upload/../x",
        "/api/v1/session",
    ] {
        let form = b.get(&format!("/login?next={next}")).await;
        assert_eq!(hidden(&form.text, "next"), "/dashboard", "{next}");
        let res = b.sign_in_at("/login", &email, PASSWORD, Some(next)).await;
        assert_eq!(res.headers.get("location").unwrap(), "/dashboard", "{next}");
    }
    let res = b
        .sign_in_at(
            "/login?m=session_expired&next=/upload",
            &email,
            PASSWORD,
            None,
        )
        .await;
    assert_eq!(res.status.as_u16(), 303);
    assert_eq!(res.headers.get("location").unwrap(), "/upload");
    let page = b.get("/upload").await;
    assert_eq!(page.status.as_u16(), 200, "{page:?}");
    assert!(page.text.contains("<html lang=\"sv\">"));
    assert!(page.text.contains("Ladda upp tidrapport"));
    assert!(page
        .text
        .contains("href=\"/api/v1/imports/template?format=xlsx\""));
    assert!(page.text.contains("<label for=\"file\">"));
    assert!(page
        .text
        .contains("<script src=\"/upload/upload.js\" defer></script>"));
    assert_eq!(
        page.headers.get("cache-control").unwrap().to_str().unwrap(),
        "no-store"
    );
    let csrf = data(&page.text, "csrf");
    assert_eq!(csrf, b.csrf().await);
    let english = b.get("/upload?lang=en").await;
    assert!(english.text.contains("<html lang=\"en\">"));
    assert!(english.text.contains("Upload time report"));

    // The template with the session alone (a link of the page).
    let res = b.get("/api/v1/imports/template?format=xlsx").await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.bytes.starts_with(b"PK"));

    // The script's calls: a form with the file, the CSRF header.
    let file = fixture("windows1252_crlf.csv");
    let (ct, body) = multipart(&[("file", Some("oktober.csv"), file.as_slice())]);
    let res = b
        .post_raw(&format!("{IMPORT}?dry_run=true"), &ct, body.clone(), &[])
        .await;
    assert_eq!(expect_problem(&res, 403)["code"], "csrf_failed");
    let sv = [("X-CSRF-Token", csrf.as_str()), ("Accept-Language", "sv")];
    let res = b
        .post_raw(&format!("{IMPORT}?dry_run=true"), &ct, body.clone(), &sv)
        .await;
    let dry = expect(&res, 200);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["receipts"][0]["hours"]["payable"], "25.82");
    let res = app.get("/api/v1/time-reports", &w.org.token).await;
    assert_eq!(expect(&res, 200)["items"], json!([]));
    // A bad file: every fault, the problem's words in Swedish.
    let bad = fixture("bad_rows.csv");
    let (bct, bbody) = multipart(&[("file", Some("fel.csv"), bad.as_slice())]);
    let res = b
        .post_raw(&format!("{IMPORT}?dry_run=true"), &bct, bbody, &sv)
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(p["title"], "Kan inte behandlas");
    assert_eq!(p["code"], "validation_failed");
    assert_eq!(error_with(&p, "invalid_time")["line"], 4);
    // Confirmed: stored.
    let with_key = [
        ("X-CSRF-Token", csrf.as_str()),
        ("Accept-Language", "sv"),
        ("Idempotency-Key", "upload-page-1"),
    ];
    let res = b.post_raw(IMPORT, &ct, body.clone(), &with_key).await;
    let stored = expect(&res, 201);
    assert_eq!(stored["receipts"][0]["month"], "2026-10");
    // A double click sends the same key: the first result, nothing more.
    let res = b.post_raw(IMPORT, &ct, body, &with_key).await;
    assert_eq!(
        expect(&res, 201)["receipts"][0]["id"],
        stored["receipts"][0]["id"]
    );
    let res = app.get("/api/v1/time-reports", &w.org.token).await;
    assert_eq!(expect(&res, 200)["items"].as_array().unwrap().len(), 1);
    // A correction: the page is told to ask for the reason.
    let changed = String::from_utf8_lossy(&fixture("sv_semicolon_bom_crlf.csv"))
        .replace("8:00;12:00;beredskap", "8:00;11:00;beredskap");
    let (cct, cbody) = multipart(&[("file", Some("ny.csv"), changed.as_bytes())]);
    let res = b
        .post_raw(&format!("{IMPORT}?dry_run=true"), &cct, cbody.clone(), &sv)
        .await;
    let p = expect_problem(&res, 409);
    assert_eq!(p["code"], "correction_reason_required");
    assert_eq!(p["reports"][0]["month"], "2026-10");
    let res = b
        .post_raw(
            &format!("{IMPORT}?dry_run=true&correction_reason=Fel%20sluttid"),
            &cct,
            cbody,
            &sv,
        )
        .await;
    assert_eq!(expect(&res, 200)["receipts"][0]["version"], 2);
}
db_test!(a_signed_in_person_checks_then_stores_a_file);

async fn the_upload_script_is_served_with_strict_headers(app: TestApp) {
    let res = app.get("/upload/upload.js", "").await;
    assert_eq!(res.status.as_u16(), 200);
    assert_eq!(res.content_type, "text/javascript; charset=utf-8");
    let csp = res
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"));
    assert!(res.text.contains("X-CSRF-Token"));
}
db_test!(the_upload_script_is_served_with_strict_headers);
