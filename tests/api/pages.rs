//! A person from an invitation to a stored month, in headless Chromium
//! driven over WebDriver (`webdriver.rs`), on both databases: set the
//! password, sign in, upload a Windows-1252 `;` file as Excel in Swedish
//! saves it, read the dry run, confirm, see the month on the dashboard,
//! sign out. Every page in Swedish. With `REDOVISA_SCREENSHOTS` set, the
//! main pages are saved to `docs/screenshots/` (scripts/screenshots.sh).

use serde_json::{json, Value};

use crate::csv::{fixture, world, A1};
use crate::db_test;
use crate::helpers::*;
use crate::webdriver::{self, Browser};

const PASSWORD: &str = "sommarens långa ljusa kvällar";

async fn from_an_invitation_to_a_stored_month(app: TestApp) {
    if !webdriver::available() {
        return;
    }
    let w = world(&app).await;
    let res = app
        .post(
            "/api/v1/users",
            &w.org.token,
            &json!({"email": "maria@example.se", "name": "Maria Berg", "role": "provider"}),
        )
        .await;
    let invite = expect(&res, 201)["invite_url"]
        .as_str()
        .unwrap()
        .to_string();
    // The file as Excel in Swedish saves "CSV (semikolonavgränsad)".
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tidrapport oktober.csv");
    std::fs::write(&file, fixture("windows1252_crlf.csv")).unwrap();
    assert!(
        fixture("windows1252_crlf.csv").contains(&0xE4),
        "a cp1252 ä"
    );
    let bad = dir.path().join("fel.csv");
    std::fs::write(&bad, fixture("bad_rows.csv")).unwrap();

    let b = Browser::start(1280, 1000).await;
    // The invitation: choose a password.
    b.open(&invite).await;
    b.wait_for("#invite-form").await;
    assert!(b.source().await.contains("<html lang=\"sv\">"));
    b.screenshot("invite").await;
    b.type_into("#password", PASSWORD).await;
    b.click("#invite-form button[type=submit]").await;
    b.wait_for("#login-form").await;
    assert!(b
        .text("#login-message")
        .await
        .contains("Lösenordet är sparat"));
    // Sign in.
    b.type_into("#email", "maria@example.se").await;
    b.type_into("#password", PASSWORD).await;
    b.screenshot("login").await;
    b.click("#login-form button[type=submit]").await;
    b.wait_for("#users-table").await;
    assert!(
        b.url().await.contains("/dashboard"),
        "signed in, to the dashboard"
    );

    // Upload: a bad file first: every fault with line and column, in Swedish.
    b.open(&app.url("/upload")).await;
    b.wait_for("#upload-form").await;
    assert!(b.text("h1").await.contains("Ladda upp tidrapport"));
    b.type_into("#file", bad.to_str().unwrap()).await;
    b.click("#check-button").await;
    b.wait_for("#faults-table").await;
    let faults = b.text("#faults-table").await;
    assert!(faults.contains("Klockslaget är inte giltigt"), "{faults}");
    assert!(faults.contains("Okänd typ"), "{faults}");
    assert!(b.text("#result-heading").await.contains("inget sparades"));
    b.screenshot("upload-faults").await;
    // The good file: the dry run, then store it.
    b.type_into("#file", file.to_str().unwrap()).await;
    b.click("#check-button").await;
    b.wait_for("#summary-table").await;
    assert!(b
        .text("#result-heading")
        .await
        .contains("inget är sparat ännu"));
    let summary = b.text("#summary-table").await;
    assert!(summary.contains("oktober 2026"), "{summary}");
    assert!(
        summary.contains("25,82"),
        "Swedish number format: {summary}"
    );
    assert!(summary.contains("Ny"), "{summary}");
    let res = app.get("/api/v1/time-reports", &w.org.token).await;
    assert_eq!(
        expect(&res, 200)["items"],
        json!([]),
        "a dry run stores nothing"
    );
    b.screenshot("upload-dry-run").await;
    b.click("#confirm-button").await;
    b.wait_for("#stored-message").await;
    assert!(b.text("#stored-message").await.contains("sparad"));
    let res = app.get("/api/v1/time-reports", &w.org.token).await;
    let items = expect(&res, 200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["assistance_user_id"], w.u1.as_str());
    b.screenshot("upload-stored").await;

    // The month on the dashboard.
    b.click("#to-dashboard").await;
    b.wait_for(&format!("#users-table tr[data-user-id=\"{}\"]", w.u1))
        .await;
    let dom = b.source().await;
    assert!(dom.contains("<html lang=\"sv\">"));
    let row = b
        .text(&format!("#users-table tr[data-user-id=\"{}\"]", w.u1))
        .await;
    assert!(row.contains("I tid"), "{row}");
    assert!(
        row.contains("Ej förfallen"),
        "the invoice is not yet due: {row}"
    );
    assert!(row.contains("25,82"), "{row}");
    assert!(b
        .text("#users-table caption")
        .await
        .contains("oktober 2026"));
    // The filter: only late reports (none).
    b.script(
        "const s = document.getElementById('filter-select'); s.value = 'late'; s.dispatchEvent(new Event('change'));",
        json!([]),
    )
    .await;
    assert!(b
        .text("#users-table")
        .await
        .contains("Ingen brukare matchar"));
    b.script(
        "const s = document.getElementById('filter-select'); s.value = 'all'; s.dispatchEvent(new Event('change'));",
        json!([]),
    )
    .await;
    b.screenshot("dashboard").await;
    // A phone-sized screen.
    b.resize(390, 844).await;
    b.screenshot("dashboard-phone").await;
    b.resize(1280, 1000).await;

    // Sign out.
    b.click("#sign-out-button").await;
    b.wait_for("#login-form").await;
    assert!(b.text("#login-message").await.contains("Du är utloggad"));
    b.open(&app.url("/upload")).await;
    b.wait_for("#login-form").await;
    b.quit().await;
}
db_test!(from_an_invitation_to_a_stored_month);

/// Signs in through the form; the dashboard has loaded its table.
async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.open(&app.url("/login")).await;
    b.wait_for("#login-form").await;
    b.type_into("#email", email).await;
    b.type_into("#password", crate::accounts::PASSWORD).await;
    b.click("#login-form button[type=submit]").await;
    b.wait_for("#users-table").await;
}

/// The upload page with the keyboard, the template, an `.xlsx` with faults
/// (sheet row, header text and cell, in Swedish), and a session that ends
/// between the dry run and the confirmation: nothing stored, the way back
/// to sign in shown.
async fn a_workbook_and_an_expired_session_on_the_upload_page(app: TestApp) {
    use crate::xlsx::{faulty_rows, october, workbook};
    if !webdriver::available() {
        return;
    }
    let w = world(&app).await;
    let email = crate::accounts::person(&app, &w.org, "karin@example.se").await;
    let dir = tempfile::tempdir().unwrap();
    let faulty = workbook(&faulty_rows());
    let faulty_path = dir.path().join("fel.xlsx");
    std::fs::write(&faulty_path, faulty).unwrap();
    let good_path = dir.path().join("oktober.xlsx");
    std::fs::write(&good_path, october()).unwrap();

    let b = Browser::start(1280, 1000).await;
    sign_in(&b, &app, &email).await;
    b.open(&app.url("/upload")).await;
    b.wait_for("#upload-form").await;
    // The keyboard: the first Tab reaches the skip link, Enter moves to the content.
    b.press("\u{E004}").await;
    assert_eq!(b.eval("document.activeElement.className").await, "skip");
    b.press("\u{E007}").await;
    assert_eq!(b.eval("document.activeElement.id").await, "main");
    // Both templates download with the session.
    for (format, kind) in [("csv", "text/csv"), ("xlsx", "spreadsheetml")] {
        let href = b
            .eval(&format!(
                "document.getElementById('template-{format}').getAttribute('href')"
            ))
            .await;
        let got = b
            .eval(&format!(
                "fetch({href}).then(r => r.status + ' ' + r.headers.get('content-type'))"
            ))
            .await;
        let got = got.as_str().unwrap();
        assert!(got.starts_with("200 ") && got.contains(kind), "{got}");
    }
    // A workbook with faults: the sheet row, the header as written, the cell.
    b.type_into("#file", faulty_path.to_str().unwrap()).await;
    b.click("#check-button").await;
    b.wait_for("#faults-table").await;
    let time = b.text("#faults-table tr[data-code=invalid_time]").await;
    assert!(time.starts_with("3\tStart\tD3\t"), "{time}");
    assert!(time.contains("Klockslaget är inte giltigt"), "{time}");
    let kind = b.text("#faults-table tr[data-code=invalid_kind]").await;
    assert!(kind.starts_with("5\ttyp\tF5\t"), "{kind}");
    // The good workbook: the dry run, in Swedish.
    b.type_into("#file", good_path.to_str().unwrap()).await;
    b.click("#check-button").await;
    b.wait_for("#summary-table").await;
    assert!(b.text("#summary-table").await.contains("oktober 2026"));
    assert!(b.text("#dry-run-message").await.contains("6 rader"));
    // Eight hours after signing in the session is over; confirming stores nothing.
    app.set_now("2026-11-10T18:00:01Z");
    b.click("#confirm-button").await;
    b.wait_for("#session-gone").await;
    let gone = b.text("#session-gone").await;
    assert!(gone.contains("Inget sparades"), "{gone}");
    assert!(
        b.eval("document.getElementById('confirm-button').hidden")
            .await
            == json!(true)
    );
    let res = app.get("/api/v1/time-reports", &w.org.token).await;
    assert_eq!(expect(&res, 200)["items"], json!([]));
    b.click("#session-gone-link").await;
    b.wait_for("#login-form").await;
    assert!(b.text("#login-message").await.contains("gått ut"));
    // Signing in again leads back to the upload page, not the dashboard.
    b.type_into("#email", &email).await;
    b.type_into("#password", crate::accounts::PASSWORD).await;
    b.click("#login-form button[type=submit]").await;
    b.wait_for("#file").await;
    assert_eq!(b.eval("location.pathname").await, "/upload");
    b.quit().await;
}
db_test!(a_workbook_and_an_expired_session_on_the_upload_page);

/// A compliance officer's dashboard of many users: natural order, search,
/// filters, "Att göra" cut to its first rows, an invoice not yet due not in
/// red, the month's state, links to the PDFs that exist, the keyboard.
async fn a_compliance_officer_finds_a_user_among_many(app: TestApp) {
    if !webdriver::available() {
        return;
    }
    let org = crate::fixtures::org(&app).await;
    let mut ids = std::collections::HashMap::new();
    for n in [7, 12, 1, 10, 3, 11, 2, 9, 4, 8, 5, 6] {
        let res = app
            .post(
                "/api/v1/assistance-users",
                &org.token,
                &json!({"personnummer": pnr("19400101", n), "name": format!("Brukare {n}")}),
            )
            .await;
        let id = expect(&res, 201)["id"].as_str().unwrap().to_string();
        crate::fixtures::decision(&app, &org, &id, json!({})).await;
        ids.insert(n, id);
    }
    // Brukare 2 has October's report.
    let a = crate::fixtures::assistant(&app, &org, A1).await;
    crate::fixtures::employment(&app, &org, &a, &ids[&2], json!({})).await;
    let csv = format!(
        "brukare;assistent;datum;start;slut\r\n{};{A1};2026-10-01;07:00;15:00\r\n",
        pnr("19400101", 2)
    );
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports",
            &org.token,
            "text/csv",
            csv.into_bytes(),
            &[],
        )
        .await;
    expect(&res, 201);
    let email = crate::accounts::person(&app, &org, "officer@example.se").await;

    let b = Browser::start(1280, 1000).await;
    sign_in(&b, &app, &email).await;
    b.wait_for(&format!("#users-table tr[data-user-id=\"{}\"]", ids[&12]))
        .await;
    let names = b
        .eval(
            "[...document.querySelectorAll('#users-table tbody th .name')].map(e => e.textContent)",
        )
        .await;
    let expected: Vec<String> = (1..=12).map(|n| format!("Brukare {n}")).collect();
    assert_eq!(names, json!(expected), "natural order");
    let row = |n: u32| format!("#users-table tr[data-user-id=\"{}\"]", ids[&n]);
    // October's invoice is not yet due (FK's date is 7 December): not red.
    let invoice = b
        .eval(&format!(
            "document.querySelector('{} td[data-status=not_yet_due]').className",
            row(1)
        ))
        .await;
    assert_eq!(invoice, "status pending");
    assert!(b.text(&row(1)).await.contains("Ej förfallen"));
    assert!(b.text(&row(1)).await.contains("Öppen"), "the month's state");
    // Links: the month's status always; its PDFs only when there is one.
    let links = |n: u32| {
        let sel = row(n);
        let b = &b;
        async move {
            b.eval(&format!(
                "[...document.querySelectorAll('{sel} a[data-link]')].map(a => a.dataset.link)"
            ))
            .await
        }
    };
    assert_eq!(links(1).await, json!(["status"]));
    assert_eq!(links(2).await, json!(["status", "month-pdf"]));
    for link in ["status", "month-pdf"] {
        let got = b
            .eval(&format!(
                "fetch(document.querySelector('{} a[data-link={link}]').href).then(r => r.status + ' ' + r.headers.get('content-type'))",
                row(2)
            ))
            .await;
        if !got.as_str().unwrap().starts_with("200 ") {
            let body = b.eval(&format!("fetch(document.querySelector('{} a[data-link={link}]').href).then(r => r.text())", row(2))).await;
            panic!("{link}: {got} {body}");
        }
    }
    // A click on "Månadsstatus" shows it on the page, in Swedish words,
    // with the assistant's name; the page stays the dashboard.
    b.click(&format!("{} a[data-link=status]", row(2))).await;
    b.wait_for("#month-missing").await;
    assert_eq!(
        b.eval("location.pathname").await,
        "/dashboard",
        "no JSON page"
    );
    assert_eq!(
        b.eval("document.activeElement.id").await,
        "month-status-section"
    );
    assert!(b
        .text("#month-status-heading")
        .await
        .contains("Brukare 2, oktober 2026"));
    assert!(b.text("#month-state").await.contains("Öppen"));
    let missing = b.text("#month-missing").await;
    assert!(
        missing.contains("Assistent har inte attesterat sin tidsredovisning."),
        "{missing}"
    );
    assert!(missing.contains("Räkning saknas för månaden."), "{missing}");
    assert!(!missing.contains("missing"), "no English: {missing}");
    let codes = b
        .eval("[...document.querySelectorAll('#month-missing li')].map(l => l.dataset.code)")
        .await;
    let api = expect(
        &app.get(
            &format!(
                "/api/v1/months/2026-10/status?assistance_user_id={}",
                ids[&2]
            ),
            &org.token,
        )
        .await,
        200,
    );
    let api_codes: Vec<&Value> = api["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["code"])
        .collect();
    assert_eq!(codes, json!(api_codes), "every missing item, in order");
    b.script(
        "document.getElementById('month-status-section').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("dashboard-month-status").await;
    // Search and filter.
    b.type_into("#search-input", "brukare 1").await;
    let shown =
        "[...document.querySelectorAll('#users-table tbody th .name')].map(e => e.textContent)";
    assert_eq!(
        b.eval(shown).await,
        json!(["Brukare 1", "Brukare 10", "Brukare 11", "Brukare 12"])
    );
    assert!(b.text("#filter-count").await.contains("4"));
    b.script(
        "const i = document.getElementById('search-input'); i.value = ''; i.dispatchEvent(new Event('input'));
         const s = document.getElementById('filter-select'); s.value = 'missing'; s.dispatchEvent(new Event('change'));",
        json!([]),
    )
    .await;
    let missing = b.eval(shown).await;
    assert_eq!(missing.as_array().unwrap().len(), 11);
    assert!(!missing.as_array().unwrap().contains(&json!("Brukare 2")));
    // "Att göra": the first ten, by due date and then by name; all on request.
    b.wait_for("#todo-table").await;
    let todo_rows = "document.querySelectorAll('#todo-table tbody tr').length";
    assert_eq!(b.eval(todo_rows).await, 10);
    assert!(b
        .text("#todo-table caption")
        .await
        .contains("(de 10 första visas)"));
    let first = b
        .eval("[...document.querySelectorAll('#todo-table tbody tr')].map(r => r.cells[3].textContent)")
        .await;
    assert_eq!(first[0], "Brukare 1", "{first}");
    let numbers: Vec<u32> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap()[8..].parse().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] <= w[1]), "{numbers:?}");
    b.click("#todo-toggle").await;
    assert!(b.eval(todo_rows).await.as_u64().unwrap() > 10);
    assert_eq!(
        b.eval("document.getElementById('todo-toggle').getAttribute('aria-expanded')")
            .await,
        "true"
    );
    // The keyboard: Enter on a user's name shows the user's hours.
    b.script(
        "document.querySelector(arguments[0] + ' button.select').focus()",
        json!([row(1)]),
    )
    .await;
    b.press("\u{E007}").await;
    b.wait_for(&format!("#figures-table[data-user-id=\"{}\"]", ids[&1]))
        .await;
    assert!(b.text("#chart-heading").await.contains("Brukare 1"));
    b.quit().await;
}
db_test!(a_compliance_officer_finds_a_user_among_many);
