//! The dashboard page (`/dashboard`): its headers, and the page itself run in
//! Debian's headless Chromium against a seeded server.
//!
//! The browser test runs on SQLite only: the page reads nothing but the JSON
//! API, whose figures are tested on both databases in `dashboard.rs` and
//! `balances.rs`; what this test adds is the page's own behaviour.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, Org, World};
use crate::helpers::*;
use crate::time_reports::{october, report, row};

const CHROMIUM: &str = "chromium";

async fn the_page_is_served_with_strict_headers(app: TestApp) {
    // The page itself is rendered per person and language: never cached.
    let page = app.get("/dashboard", "").await;
    assert_eq!(page.status.as_u16(), 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.starts_with("default-src 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert!(
        page.text.contains("<html lang=\"sv\">"),
        "Swedish by default"
    );
    let english = app
        .get_with("/dashboard", "", &[("Accept-Language", "en-GB,en;q=0.9")])
        .await;
    assert!(english.text.contains("<html lang=\"en\">"));
    for (path, kind) in [
        ("/dashboard/app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/reminders.js", "text/javascript; charset=utf-8"),
        ("/dashboard/style.css", "text/css; charset=utf-8"),
    ] {
        // No token needed: the page asks for one and sends it to the API.
        let res = app.get(path, "").await;
        assert_eq!(res.status.as_u16(), 200, "{path}: {res:?}");
        assert_eq!(res.content_type, kind, "{path}");
        let header = |name: &str| {
            res.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{path}: no {name} header"))
                .to_string()
        };
        let csp = header("content-security-policy");
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        for directive in [
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(header("cache-control"), "no-cache");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "no-referrer");
        // Revalidation: the same ETag gives 304 without a body.
        let etag = header("etag");
        let again = app
            .get_with(path, "", &[("If-None-Match", etag.as_str())])
            .await;
        assert_eq!(again.status.as_u16(), 304, "{path}: {again:?}");
        assert!(again.text.is_empty());
        let other = app
            .get_with(path, "", &[("If-None-Match", "\"something-else\"")])
            .await;
        assert_eq!(other.status.as_u16(), 200);
    }
    let html = app.get("/dashboard", "").await.text;
    assert!(html.contains("<script src=\"/dashboard/app.js\" defer></script>"));
    assert!(html.contains("role=\"alert\""));
    // Not under /api/v1, and not a catch-all: other paths stay 404.
    expect_problem(&app.get("/dashboard/other.js", "").await, 404);
    let doc = expect(&app.get("/api/v1/openapi.json", "").await, 200);
    assert!(doc["paths"]["/dashboard"]["get"].is_object());
    assert!(doc["paths"]["/dashboard/app.js"]["get"].is_object());
}
db_test!(the_page_is_served_with_strict_headers);

async fn named_user(app: &TestApp, org: &Org, name: &str, personnummer: &str) -> String {
    let res = app
        .post(
            "/api/v1/assistance-users",
            &org.token,
            &json!({"personnummer": personnummer, "name": name}),
        )
        .await;
    expect(&res, 201)["id"].as_str().unwrap().to_string()
}

/// One employed, FK-registered assistant for `user`.
async fn employed_assistant(app: &TestApp, org: &Org, user: &str, serial: u32) -> String {
    let a = fixtures::assistant(app, org, &pnr("19880303", serial)).await;
    fixtures::employment(app, org, &a, user, json!({})).await;
    a
}

struct Seeded {
    org_token: String,
    on_time: String,
    missing: String,
    late: String,
}

/// A provider with three users and 120 h/week decisions: Astrid Lind reports
/// September and October on time, Cecilia Holm reports October late, Bertil
/// Ek not at all. The clock ends at 2026-12-10, after October's FK deadline
/// (2026-12-07).
async fn seed(app: &TestApp) -> Seeded {
    let org = fixtures::org(app).await;
    let astrid = named_user(app, &org, "Astrid Lind", &pnr("19410101", 11)).await;
    let bertil = named_user(app, &org, "Bertil Ek", &pnr("19420202", 12)).await;
    let cecilia = named_user(app, &org, "Cecilia Holm", &pnr("19430303", 13)).await;
    for u in [&astrid, &bertil, &cecilia] {
        fixtures::decision(app, &org, u, json!({})).await;
    }
    let a1 = employed_assistant(app, &org, &astrid, 21).await;
    let a2 = employed_assistant(app, &org, &astrid, 22).await;
    let c1 = employed_assistant(app, &org, &cecilia, 23).await;

    // September: ten 8-hour days, on time.
    app.set_now("2026-10-01T10:00:00Z");
    let september: Vec<Value> = (1..=10)
        .map(|d| row(&a1, &format!("2026-09-{d:02}"), "08:00", "16:00", "active"))
        .collect();
    let body = json!({"assistance_user_id": astrid, "month": "2026-09", "rows": september});
    expect(
        &app.post("/api/v1/time-reports", &org.token, &body).await,
        201,
    );
    let token = org.token.clone();
    let w = World {
        org,
        user: astrid.clone(),
        user_pnr: String::new(),
        assistants: vec![a1, a2],
        assistant_pnrs: vec![],
    };
    // October on time: 535.00 payable hours (see time_reports.rs).
    app.set_now("2026-11-10T10:00:00Z");
    let res = app
        .post(
            "/api/v1/time-reports",
            &token,
            &report(&w, "2026-10", october(&w)),
        )
        .await;
    assert_eq!(expect(&res, 201)["on_time"], true);
    // Cecilia's October after FK's deadline: late.
    app.set_now("2026-12-10T10:00:00Z");
    let body = json!({"assistance_user_id": cecilia, "month": "2026-10",
        "rows": [row(&c1, "2026-10-05", "08:00", "12:00", "active")]});
    let res = app.post("/api/v1/time-reports", &token, &body).await;
    assert_eq!(expect(&res, 201)["on_time"], false);
    Seeded {
        org_token: token,
        on_time: astrid,
        missing: bertil,
        late: cecilia,
    }
}

/// Whether Debian's Chromium is installed; in CI (env `CI` set) it must be.
fn chromium_available() -> bool {
    let found = Command::new(CHROMIUM)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{CHROMIUM}` is not installed, and CI must run the browser test: \
             apt-get install chromium (.ci/run does this)"
        );
        eprintln!(
            "SKIPPED browser test: `{CHROMIUM}` is not installed \
             (apt-get install chromium to run it; with CI set the test fails instead)"
        );
    }
    found
}

/// Runs headless Chromium on `url` and returns the DOM it serialises once
/// the page has settled (virtual time: network fetches pause the clock).
fn dump_dom(url: &str) -> String {
    let profile = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=10000", "--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads so a chatty stderr cannot block the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish in 120 s; stderr:\n{}",
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dom = out.join().unwrap();
    let stderr = err.join().unwrap();
    assert!(
        status.success() && dom.contains("</html>"),
        "chromium failed ({status}); stderr:\n{stderr}\nstdout:\n{dom}"
    );
    dom
}

/// The element that starts at the first `<tag` carrying `marker`, up to its
/// closing tag (enough for the flat rows and tables the page makes).
fn element<'a>(dom: &'a str, tag: &str, marker: &str) -> &'a str {
    let at = dom
        .match_indices(&format!("<{tag}"))
        .map(|(i, _)| i)
        .find(|&i| dom[i..].split('>').next().unwrap().contains(marker))
        .unwrap_or_else(|| panic!("no <{tag}> with {marker} in the DOM:\n{dom}"));
    let end = dom[at..].find(&format!("</{tag}>")).expect("closing tag");
    &dom[at..at + end]
}

/// Whether one `<rect>` in `svg` carries all these attributes.
fn has_bar(svg: &str, attrs: &[String]) -> bool {
    svg.split("<rect")
        .skip(1)
        .map(|r| r.split('>').next().unwrap())
        .any(|r| attrs.iter().all(|a| r.contains(a.as_str())))
}

#[actix_web::test]
async fn the_page_shows_the_seeded_month_in_chromium() {
    // SQLite only: see the module comment.
    let app = TestApp::spawn(Db::Sqlite).await;
    let s = seed(&app).await;

    // The API figures the page must show.
    let c = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &s.org_token)
            .await,
        200,
    );
    let status_of = |u: &str| {
        c["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["assistance_user_id"] == u)
            .map(|r| r["report_status"].clone())
    };
    assert_eq!(status_of(&s.on_time), Some(json!("on_time")));
    assert_eq!(status_of(&s.missing), Some(json!("missing")));
    assert_eq!(status_of(&s.late), Some(json!("late")));
    let b = expect(
        &app.get(
            &format!(
                "/api/v1/assistance-users/{}/balance?from=2025-11&to=2026-10",
                s.on_time
            ),
            &s.org_token,
        )
        .await,
        200,
    );
    let months = b["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[11]["month"], "2026-10");
    assert_eq!(months[11]["granted_hours"], "531.43"); // 120 × 31 / 7
    assert_eq!(months[11]["reported_payable_hours"], "535.00");
    assert_eq!(months[10]["granted_hours"], "514.29"); // 120 × 30 / 7
    assert_eq!(months[10]["reported_payable_hours"], "80.00");

    if !chromium_available() {
        return;
    }
    let url = format!(
        "{}/dashboard?lang=en#token={}&month=2026-10&user={}",
        app.base, s.org_token, s.on_time
    );
    // On a blocking thread, so this runtime keeps driving the server.
    let dom = actix_web::rt::task::spawn_blocking(move || dump_dom(&url))
        .await
        .expect("chromium thread");

    // No error, and the token stayed out of the document.
    assert!(
        dom.contains(r#"<div id="alert" class="alert" role="alert" aria-live="assertive"></div>"#),
        "the page shows an error:\n{dom}"
    );
    assert!(!dom.contains(&s.org_token));
    assert!(!dom.contains(r#"id="token-section" class="card" aria-labelledby="token-heading">"#));

    // The table: a caption, one row per user with its name and status text.
    let table = element(&dom, "table", r#"id="users-table""#);
    assert!(table.contains("<caption>Reports for October 2026: 3 assistance users"));
    assert!(table.contains(r#"<th scope="col">Time report</th>"#));
    for (user, name, status, text) in [
        (&s.on_time, "Astrid Lind", "on_time", "On time"),
        (&s.missing, "Bertil Ek", "missing", "Missing"),
        (&s.late, "Cecilia Holm", "late", "Late"),
    ] {
        let tr = element(table, "tr", &format!(r#"data-user-id="{user}""#));
        assert!(
            tr.contains(&format!(r#"data-report-status="{status}""#)),
            "{tr}"
        );
        assert!(tr.contains(name), "{name} not in {tr}");
        assert!(
            tr.contains(&format!("</span> {text}")),
            "{text} not in {tr}"
        );
        assert!(
            tr.contains(r#"<th scope="row"><button type="button""#),
            "{tr}"
        );
    }
    let astrid = element(table, "tr", &format!(r#"data-user-id="{}""#, s.on_time));
    assert!(astrid.contains(r#"aria-pressed="true""#), "{astrid}");
    assert!(astrid.contains(">531.43</td>") && astrid.contains(">535.00</td>"));
    // Missing after FK's deadline (7 Dec; the clock is at 10 Dec).
    let bertil = element(table, "tr", &format!(r#"data-user-id="{}""#, s.missing));
    assert!(bertil.contains("status bad"), "{bertil}");

    // "Att göra" at the top: the first ten by due date (the decisions go
    // back to 2024, so Bertil's oldest missing report is among them), and
    // a button for the rest (pages.rs presses it).
    let todo = element(&dom, "table", r#"id="todo-table""#);
    assert_eq!(todo.matches("<tr class=\"todo").count(), 10, "{todo}");
    assert!(todo.contains("(the first 10 shown)"), "{todo}");
    assert!(dom.contains(r#"id="todo-toggle""#));
    let missing = element(todo, "tr", &format!(r#"data-user-id="{}""#, s.missing));
    assert!(
        missing.contains(r#"data-kind="time_report_missing" data-severity="overdue""#),
        "{missing}"
    );
    assert!(missing.contains("Bertil Ek"), "{missing}");
    assert!(missing.contains("Time report missing"), "{missing}");
    assert!(missing.contains("days ago · Overdue"), "{missing}");
    assert!(dom.find(r#"id="todo-section""#) < dom.find(r#"id="deadlines""#));

    // The countdown.
    let fk = element(&dom, "div", r#"data-deadline="fk""#);
    assert!(fk.contains("7 December 2026"), "{fk}");
    assert!(fk.contains("Passed 3 days ago"), "{fk}");
    let internal = element(&dom, "div", r#"data-deadline="internal""#);
    assert!(internal.contains("5 November 2026"), "{internal}");

    // The chart of the selected user, and the same figures in a table.
    let chart = element(&dom, "svg", r#"id="hours-chart""#);
    assert!(chart.contains(&format!(r#"data-user-id="{}""#, s.on_time)));
    assert!(chart.contains(r#"role="img""#) && chart.contains("<title>"));
    assert!(chart.contains(">Hours</text>") && chart.contains(">Month reported</text>"));
    for (month, series, hours) in [
        ("2026-10", "granted", "531.43"),
        ("2026-10", "reported", "535.00"),
        ("2026-09", "granted", "514.29"),
        ("2026-09", "reported", "80.00"),
        ("2026-08", "reported", "0.00"),
    ] {
        let attrs = [
            format!(r#"data-month="{month}""#),
            format!(r#"data-series="{series}""#),
            format!(r#"data-hours="{hours}""#),
        ];
        assert!(has_bar(chart, &attrs), "no bar {attrs:?} in {chart}");
    }
    assert_eq!(chart.matches("<rect").count(), 2 * 12 + 1); // + the hatch pattern's
    let figures = element(&dom, "table", r#"id="figures-table""#);
    let oct = element(figures, "tr", r#"data-month="2026-10""#);
    assert!(oct.contains("October 2026"));
    assert!(
        oct.contains(r#"data-series="granted">531.43</td>"#),
        "{oct}"
    );
    assert!(
        oct.contains(r#"data-series="reported">535.00</td>"#),
        "{oct}"
    );
    let sep = element(figures, "tr", r#"data-month="2026-09""#);
    assert!(
        sep.contains(r#"data-series="reported">80.00</td>"#),
        "{sep}"
    );
}
