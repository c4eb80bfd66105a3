//! The event feed (`GET /events`, docs/integrations.md): what each change
//! records, in commit order per organisation, paged without a gap or a
//! duplicate (also while two instances write), and nothing for a write
//! that was refused or rolled back.

use serde_json::{json, Value};

use crate::csv::{fixture, world as csv_world};
use crate::db_test;
use crate::fixtures;
use crate::helpers::*;
use crate::invoices::count_rows;
use crate::signatures::{month, sign_everything};
use crate::time_reports::{report, row};

/// Every event the token sees, paged `limit` at a time from the start.
pub async fn all_events(app: &TestApp, token: &str, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = expect(
            &app.get(
                &format!("/api/v1/events?limit={limit}&cursor={cursor}"),
                token,
            )
            .await,
            200,
        );
        let items = page["items"].as_array().unwrap();
        let next = page["next_cursor"].as_str().unwrap().to_string();
        if items.is_empty() {
            let kept = if cursor.is_empty() {
                "0"
            } else {
                cursor.as_str()
            };
            assert_eq!(next, kept, "an empty page keeps the cursor");
            return out;
        }
        out.extend(items.iter().cloned());
        cursor = next;
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

async fn each_change_records_its_event_in_commit_order(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let other = fixtures::world(&app, 1).await;
    let a = &other.assistants[0];
    expect(
        &app.post(
            "/api/v1/time-reports",
            &other.org.token,
            &report(
                &other,
                "2026-10",
                vec![row(a, "2026-10-01", "08:00", "16:00", "active")],
            ),
        )
        .await,
        201,
    );
    sign_everything(&app, &m, 1).await;
    expect(
        &app.post(
            &format!("/api/v1/months/2026-10/close?assistance_user_id={}", w.user),
            &w.org.token,
            &json!({}),
        )
        .await,
        200,
    );
    // Reopening is announced too, with the closing's ids; the reason (free
    // text) stays in the audit trail.
    expect(
        &app.post(
            &format!(
                "/api/v1/months/2026-10/reopen?assistance_user_id={}",
                w.user
            ),
            &w.org.token,
            &json!({"reason": "Rättelse för Anna Andersson"}),
        )
        .await,
        200,
    );
    let mine = all_events(&app, &w.org.token, 2).await;
    assert_eq!(
        types(&mine),
        [
            "report.created",
            "invoice.created",
            "month.closed",
            "month.reopened"
        ]
    );
    assert_eq!(mine[3]["data"], mine[2]["data"]);
    assert!(!mine[3].to_string().contains("Anna"), "{}", mine[3]);
    let created = &mine[0];
    assert_eq!(created["organisation_id"], w.org.id.as_str());
    assert_eq!(created["occurred_at"], "2026-11-10T10:00:00Z");
    assert_eq!(
        created["data"],
        json!({"report_id": m.report, "assistance_user_id": w.user, "month": "2026-10", "version": 1})
    );
    assert_eq!(
        mine[1]["data"],
        json!({"invoice_id": m.invoice, "assistance_user_id": w.user, "month": "2026-10", "version": 1})
    );
    assert_eq!(mine[2]["data"]["time_report_version"], 1);
    assert_eq!(mine[2]["data"]["invoice_id"], m.invoice.as_str());
    assert_eq!(mine[2]["occurred_at"], "2026-11-12T10:00:00Z");
    // No personal data: neither personnummer nor names in any event.
    let text = serde_json::to_string(&mine).unwrap();
    for p in w.assistant_pnrs.iter().chain([&w.user_pnr]) {
        assert!(!text.contains(p.as_str()), "{text}");
    }
    // Another organisation sees only its own; an admin sees both, in the
    // order they were committed, whatever the page size.
    let theirs = all_events(&app, &other.org.token, 50).await;
    assert_eq!(types(&theirs), ["report.created"]);
    let everything = all_events(&app, &app.admin(), 1).await;
    assert_eq!(
        types(&everything),
        [
            "report.created",
            "invoice.created",
            "report.created",
            "month.closed",
            "month.reopened"
        ]
    );
    assert_eq!(everything[2]["id"], theirs[0]["id"]);
    let res = app
        .get(
            &format!("/api/v1/events?organisation_id={}", other.org.id),
            &app.auditor(),
        )
        .await;
    assert_eq!(expect(&res, 200)["items"], json!(theirs));
    // From a cursor on: only what came after it.
    let page = expect(&app.get("/api/v1/events?limit=2", &w.org.token).await, 200);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = expect(
        &app.get(&format!("/api/v1/events?cursor={cursor}"), &w.org.token)
            .await,
        200,
    );
    assert_eq!(rest["items"], json!([mine[2], mine[3]]));
    // Bad paging parameters are 422, naming the parameter.
    for (q, field) in [
        ("cursor=abc", "cursor"),
        ("cursor=-1", "cursor"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        let p = expect_problem(
            &app.get(&format!("/api/v1/events?{q}"), &w.org.token).await,
            422,
        );
        assert_eq!(p["errors"][0]["field"], field, "{q}: {p}");
    }
}
db_test!(each_change_records_its_event_in_commit_order);

async fn corrections_imports_and_stale_invoices(app: TestApp) {
    crate::invoices::set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    let first = expect(
        &app.post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(
                &w,
                "2026-10",
                vec![row(a, "2026-10-01", "08:00", "16:00", "active")],
            ),
        )
        .await,
        201,
    );
    let d = expect(
        &app.get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-10",
                w.user
            ),
            &w.org.token,
        )
        .await,
        200,
    );
    let inv = expect(
        &app.post(
            "/api/v1/invoices",
            &w.org.token,
            &json!({"assistance_user_id": w.user, "month": "2026-10",
                    "payable_hours": d["payable_hours"], "sek_per_hour": d["sek_per_hour"],
                    "amount_sek": d["amount_sek"]}),
        )
        .await,
        201,
    );
    let correct = |start: &str, end: &str| {
        let mut body = report(
            &w,
            "2026-10",
            vec![row(a, "2026-10-01", start, end, "active")],
        );
        body["correction_reason"] = json!("Payroll correction");
        body
    };
    // The same hours at other times: the invoice stays current.
    expect(
        &app.post(
            "/api/v1/time-reports",
            &w.org.token,
            &correct("09:00", "17:00"),
        )
        .await,
        201,
    );
    // One more hour: stale, once; a further correction of a stale invoice
    // says nothing new about it.
    expect(
        &app.post(
            "/api/v1/time-reports",
            &w.org.token,
            &correct("08:00", "17:00"),
        )
        .await,
        201,
    );
    expect(
        &app.post(
            "/api/v1/time-reports",
            &w.org.token,
            &correct("08:00", "18:00"),
        )
        .await,
        201,
    );
    let events = all_events(&app, &w.org.token, 50).await;
    assert_eq!(
        types(&events),
        [
            "report.created",
            "invoice.created",
            "report.corrected",
            "report.corrected",
            "invoice.stale",
            "report.corrected",
        ]
    );
    assert_eq!(events[2]["data"]["version"], 2);
    assert_eq!(events[2]["data"]["report_id"], first["id"]);
    assert_eq!(
        events[4]["data"],
        json!({"invoice_id": inv["id"], "assistance_user_id": w.user, "month": "2026-10",
               "version": 1, "reasons": ["changed"]})
    );

    // A file: one event per stored report and one for the import.
    let cw = csv_world(&app).await;
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports",
            &cw.org.token,
            "text/csv",
            fixture("sv_semicolon_bom_crlf.csv"),
            &[],
        )
        .await;
    expect(&res, 201);
    let events = all_events(&app, &cw.org.token, 50).await;
    assert_eq!(types(&events), ["report.created", "import.completed"]);
    assert_eq!(
        events[1]["data"],
        json!({"rows": 6, "reports_stored": 1, "reports_unchanged": 0})
    );
    assert_eq!(events[0]["data"]["assistance_user_id"], cw.u1.as_str());
}
db_test!(corrections_imports_and_stale_invoices);

async fn a_refused_or_rolled_back_write_records_nothing(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    // A report that breaks a rule.
    let bad = report(
        &w,
        "2026-10",
        vec![row(a, "2026-10-01", "08:00", "16:00", "sleeping")],
    );
    expect_problem(
        &app.post("/api/v1/time-reports", &w.org.token, &bad).await,
        422,
    );
    // A dry run of a good file, and a file with one bad row after good ones.
    let cw = csv_world(&app).await;
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports?dry_run=true",
            &cw.org.token,
            "text/csv",
            fixture("sv_semicolon_bom_crlf.csv"),
            &[],
        )
        .await;
    assert_eq!(expect(&res, 200)["dry_run"], true);
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports",
            &cw.org.token,
            "text/csv",
            fixture("two_users_two_months_bad_last.csv"),
            &[],
        )
        .await;
    expect_problem(&res, 422);
    assert!(all_events(&app, &app.admin(), 50).await.is_empty());
    assert_eq!(count_rows(&app, "SELECT COUNT(*) AS n FROM events"), 0);
    // The same report, valid: one event, numbered from the start (the
    // rolled-back writes used no number).
    let good = report(
        &w,
        "2026-10",
        vec![row(a, "2026-10-01", "08:00", "16:00", "active")],
    );
    expect(
        &app.post("/api/v1/time-reports", &w.org.token, &good).await,
        201,
    );
    // The same rows again change nothing and record nothing.
    expect(
        &app.post("/api/v1/time-reports", &w.org.token, &good).await,
        200,
    );
    let page = expect(&app.get("/api/v1/events", &w.org.token).await, 200);
    assert_eq!(types(page["items"].as_array().unwrap()), ["report.created"]);
    assert_eq!(page["next_cursor"], "1");
}
db_test!(a_refused_or_rolled_back_write_records_nothing);

/// Two instances write at once while a reader follows the feed: the reader
/// ends with every event exactly once, in the order a full read gives.
async fn two_instances_write_while_a_reader_follows(app: TestApp) {
    let second = app.second_instance();
    let mut worlds = Vec::new();
    for _ in 0..6 {
        worlds.push(fixtures::world(&app, 1).await);
    }
    let admin = app.admin();
    let writes = futures_util::future::join_all(worlds.iter().enumerate().map(|(i, w)| {
        let target = if i % 2 == 0 { &app } else { &second };
        async move {
            for day in 1..=4 {
                let rows: Vec<Value> = (1..=day)
                    .map(|d| {
                        row(
                            &w.assistants[0],
                            &format!("2026-10-{d:02}"),
                            "08:00",
                            "12:00",
                            "active",
                        )
                    })
                    .collect();
                let mut body = report(w, "2026-10", rows);
                body["correction_reason"] = json!("More days");
                expect(
                    &target
                        .post("/api/v1/time-reports", &w.org.token, &body)
                        .await,
                    201,
                );
            }
        }
    }));
    let follow = async {
        let mut seen: Vec<Value> = Vec::new();
        let mut cursor = String::new();
        for _ in 0..10_000 {
            if seen.len() >= 24 {
                break;
            }
            let page = expect(
                &app.get(&format!("/api/v1/events?limit=5&cursor={cursor}"), &admin)
                    .await,
                200,
            );
            seen.extend(page["items"].as_array().unwrap().iter().cloned());
            cursor = page["next_cursor"].as_str().unwrap().to_string();
        }
        seen
    };
    let (_, seen) = futures_util::future::join(writes, follow).await;
    let full = all_events(&second, &admin, 500).await;
    assert_eq!(full.len(), 24);
    assert_eq!(seen, full);
    // Per report, its versions in order.
    for w in &worlds {
        let versions: Vec<i64> = full
            .iter()
            .filter(|e| e["data"]["assistance_user_id"] == w.user.as_str())
            .map(|e| e["data"]["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions, [1, 2, 3, 4]);
    }
}
db_test!(two_instances_write_while_a_reader_follows);
