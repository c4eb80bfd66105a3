//! Time reports: receipts, every refusal, warnings, corrections, idempotency.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, World};
use crate::helpers::*;

pub fn row(assistant: &str, date: &str, start: &str, end: &str, kind: &str) -> Value {
    json!({"assistant_id": assistant, "date": date, "start": start, "end": end, "kind": kind, "double": false, "hospital": false})
}

pub fn report(w: &World, month: &str, rows: Vec<Value>) -> Value {
    json!({"assistance_user_id": w.user, "month": month, "rows": rows})
}

/// A realistic month: two assistants in turns, day and night, every day.
pub fn october(w: &World) -> Vec<Value> {
    let mut rows = Vec::new();
    for day in 1..=31 {
        let date = format!("2026-10-{day:02}");
        let (a, b) = if day % 2 == 0 {
            (&w.assistants[0], &w.assistants[1])
        } else {
            (&w.assistants[1], &w.assistants[0])
        };
        rows.push(row(a, &date, "07:00", "15:00", "active"));
        rows.push(row(b, &date, "15:00", "22:00", "active"));
        rows.push(row(b, &date, "22:00", "07:00", "waiting"));
    }
    rows
}

async fn a_realistic_month_gets_a_receipt(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", october(&w)),
        )
        .await;
    let r = expect(&res, 201);
    assert_eq!(r["version"], 1);
    assert_eq!(r["month"], "2026-10");
    assert_eq!(r["due_date"], "2026-12-07"); // 5 Dec 2026 is a Saturday
    assert_eq!(r["internal_due_date"], "2026-11-05");
    assert_eq!(r["on_time"], true);
    assert_eq!(r["lateness"], Value::Null);
    assert_eq!(r["row_count"], 93);
    // 31 × 15 h active; waiting 31 × 9 h, plus one hour for the autumn change
    // (night 24–25 Oct is 10 h): 280 h waiting → 70 h payable.
    assert_eq!(r["hours"]["active"], "465.00");
    assert_eq!(r["hours"]["waiting"], "280.00");
    assert_eq!(r["hours"]["standby"], "0.00");
    assert_eq!(r["hours"]["payable"], "535.00");
    assert_eq!(r["hours"]["not_payable"], "0.00");
    assert_eq!(r["content_hash"].as_str().unwrap().len(), 64);
    assert_eq!(r["warnings"], json!([]));
    let id = r["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/time-reports/{id}"), &w.org.token)
        .await;
    let full = expect(&res, 200);
    assert_eq!(full["rows"].as_array().unwrap().len(), 93);
    assert_eq!(full["rows"][0]["hours"], "8.00");
    assert_eq!(full["content_hash"], r["content_hash"]);
    let res = app
        .get("/api/v1/time-reports?month=2026-10", &w.org.token)
        .await;
    let list = expect(&res, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("rows").is_none());
}
db_test!(a_realistic_month_gets_a_receipt);

async fn every_refusal_is_reported_at_once(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let (a, b) = (&w.assistants[0], &w.assistants[1]);
    let mut double_alone = row(a, "2026-10-20", "08:00", "10:00", "active");
    double_alone["double"] = json!(true);
    let rows = vec![
        row(a, "2026-09-30", "08:00", "10:00", "active"), // 0 outside month
        row(a, "2026-10-02", "08:00", "16:00", "active"), // 1
        row(a, "2026-10-02", "15:00", "17:00", "active"), // 2 overlaps 1
        row(a, "2026-10-03", "7:0", "25:00", "active"),   // 3 bad times
        row(a, "2026-10-04", "08:00", "09:00", "nap"),    // 4 bad kind
        row("no-such", "2026-10-05", "08:00", "09:00", "active"), // 5 unknown assistant
        double_alone,                                     // 6 no partner
        row(b, "2026-10-06", "00:00", "23:00", "active"), // 7
        row(b, "2026-10-06", "23:00", "02:00", "active"), // 8 > 24 h on the 6th
    ];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", rows),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        error_with(&p, "date_outside_month")["pointer"],
        "/rows/0/date"
    );
    let overlap = error_with(&p, "overlapping_shifts");
    assert_eq!(overlap["pointer"], "/rows/2");
    assert_eq!(overlap["related"], json!(["/rows/1"]));
    let times: Vec<_> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "invalid_time")
        .map(|e| e["pointer"].clone())
        .collect();
    assert_eq!(times, [json!("/rows/3/start"), json!("/rows/3/end")]);
    assert_eq!(error_with(&p, "invalid_kind")["pointer"], "/rows/4/kind");
    assert_eq!(
        error_with(&p, "unknown_assistant")["pointer"],
        "/rows/5/assistant_id"
    );
    assert_eq!(
        error_with(&p, "double_without_overlap")["pointer"],
        "/rows/6/double"
    );
    assert_eq!(error_with(&p, "day_over_24h")["pointer"], "/rows/8/date");
    // Nothing stored.
    let res = app.get("/api/v1/time-reports", &w.org.token).await;
    assert_eq!(expect(&res, 200)["items"], json!([]));
}
db_test!(every_refusal_is_reported_at_once);

async fn month_and_clock_rules(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-12", vec![]),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "month_in_future")["pointer"],
        "/month"
    );
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-13", vec![]),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_month")["pointer"],
        "/month"
    );
    // 02:30 does not exist on 2026-03-29.
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(
                &w,
                "2026-03",
                vec![row(a, "2026-03-29", "02:30", "06:00", "active")],
            ),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "nonexistent_local_time")["pointer"],
        "/rows/0/start"
    );
    // Spring night: 8 h. 16:00–24:00 is 8 h.
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(
                &w,
                "2026-03",
                vec![
                    row(a, "2026-03-28", "22:00", "07:00", "active"),
                    row(a, "2026-03-27", "16:00", "24:00", "active"),
                ],
            ),
        )
        .await;
    assert_eq!(expect(&res, 201)["hours"]["active"], "16.00");
    // The current month may be reported, with a warning.
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(
                &w,
                "2026-11",
                vec![row(a, "2026-11-02", "08:00", "12:00", "standby")],
            ),
        )
        .await;
    let r = expect(&res, 201);
    assert_eq!(r["warnings"][0]["code"], "month_in_progress");
    assert_eq!(r["warnings"][0]["pointer"], "/month");
    assert_eq!(r["hours"]["payable"], "0.57");
    // Unknown user.
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &json!({"assistance_user_id": "x", "month": "2026-10", "rows": []}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "unknown_assistance_user")["pointer"],
        "/assistance_user_id"
    );
}
db_test!(month_and_clock_rules);

async fn employment_and_registration(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let late_starter = fixtures::assistant(&app, &w.org, &pnr("19920202", 31)).await;
    fixtures::employment(
        &app,
        &w.org,
        &late_starter,
        &w.user,
        json!({"start_date": "2026-10-10", "registered_with_fk_on": "2026-10-20"}),
    )
    .await;
    let rows = vec![
        row(&late_starter, "2026-10-05", "08:00", "12:00", "active"), // not employed
    ];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", rows),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "not_employed")["pointer"],
        "/rows/0/assistant_id"
    );
    let rows = vec![
        row(&late_starter, "2026-10-12", "08:00", "12:00", "active"),
        row(&late_starter, "2026-10-21", "08:00", "12:00", "active"),
    ];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", rows),
        )
        .await;
    let r = expect(&res, 201);
    assert_eq!(r["hours"]["active"], "8.00");
    assert_eq!(r["hours"]["payable"], "4.00");
    assert_eq!(r["hours"]["not_payable"], "4.00");
    let warning = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "assistant_not_registered_with_fk")
        .unwrap();
    assert_eq!(warning["pointer"], "/rows/0/assistant_id");
    let res = app
        .get(
            &format!("/api/v1/time-reports/{}", r["id"].as_str().unwrap()),
            &w.org.token,
        )
        .await;
    let full = expect(&res, 200);
    assert_eq!(full["rows"][0]["payable"], false);
    assert_eq!(full["rows"][1]["payable"], true);
}
db_test!(employment_and_registration);

async fn warnings_are_stored_with_the_receipt(app: TestApp) {
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19600101", 41)).await;
    let young = fixtures::assistant(&app, &org, &pnr("20090101", 42)).await;
    let res = app
        .post(
            "/api/v1/assistants",
            &org.token,
            &json!({"personnummer": pnr("19800101", 43), "name": "Far", "lives_in_eea": false}),
        )
        .await;
    let abroad = expect(&res, 201)["id"].as_str().unwrap().to_string();
    for a in [&young, &abroad] {
        fixtures::employment(&app, &org, a, &user, json!({})).await;
    }
    // No decision at all: rows still accepted, with `no_decision`.
    let mut hospital = row(&abroad, "2026-10-02", "08:00", "12:00", "active");
    hospital["hospital"] = json!(true);
    let res = app
        .post(
            "/api/v1/time-reports",
            &org.token,
            &json!({"assistance_user_id": user, "month": "2026-10", "rows": [row(&young, "2026-10-01", "08:00", "12:00", "active"), hospital]}),
        )
        .await;
    let r = expect(&res, 201);
    let got: Vec<(String, String)> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_string(),
                w["pointer"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("no_decision", "/rows/0/date"),
        ("assistant_under_18", "/rows/0/assistant_id"),
        ("assistant_outside_eea", "/rows/1/assistant_id"),
        ("hospital_stay", "/rows/1/hospital"),
        ("no_decision", "/rows/1/date"),
    ] {
        assert!(
            got.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {got:?}"
        );
    }
    let id = r["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/time-reports/{id}"), &org.token)
        .await;
    assert_eq!(expect(&res, 200)["warnings"], r["warnings"]);
}
db_test!(warnings_are_stored_with_the_receipt);

async fn double_assistance(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let (a, b) = (&w.assistants[0], &w.assistants[1]);
    let mut r1 = row(a, "2026-10-05", "08:00", "12:00", "active");
    let mut r2 = row(b, "2026-10-05", "10:00", "14:00", "active");
    r1["double"] = json!(true);
    r2["double"] = json!(true);
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", vec![r1.clone(), r2.clone()]),
        )
        .await;
    assert_eq!(expect(&res, 201)["hours"]["payable"], "8.00");
    // Where no decision grants it, refused.
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19650101", 51)).await;
    let x = fixtures::assistant(&app, &org, &pnr("19900101", 52)).await;
    let y = fixtures::assistant(&app, &org, &pnr("19900101", 53)).await;
    for a in [&x, &y] {
        fixtures::employment(&app, &org, a, &user, json!({})).await;
    }
    fixtures::decision(&app, &org, &user, json!({})).await;
    r1["assistant_id"] = json!(x);
    r2["assistant_id"] = json!(y);
    let res = app
        .post(
            "/api/v1/time-reports",
            &org.token,
            &json!({"assistance_user_id": user, "month": "2026-10", "rows": [r1, r2]}),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(codes(&p), ["double_not_granted", "double_not_granted"]);
}
db_test!(double_assistance);

async fn overlaps_across_reports_and_employers(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    let pnr_a = &w.assistant_pnrs[0];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(
                &w,
                "2026-10",
                vec![row(a, "2026-10-31", "22:00", "06:00", "active")],
            ),
        )
        .await;
    expect(&res, 201);
    // Same organisation, another user, next month: the night shift reaches into 1 Nov.
    let other_user = fixtures::user(&app, &w.org, &pnr("19550101", 61)).await;
    fixtures::employment(&app, &w.org, a, &other_user, json!({})).await;
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &json!({"assistance_user_id": other_user, "month": "2026-11", "rows": [row(a, "2026-11-01", "05:00", "09:00", "active")]}),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert!(error_with(&p, "overlaps_stored_report")["message"]
        .as_str()
        .unwrap()
        .contains("2026-10"));
    // Another employer with the same person: only `overlaps_other_employer`.
    let other = fixtures::org(&app).await;
    let their_user = fixtures::user(&app, &other, &pnr("19450101", 62)).await;
    let same_person = fixtures::assistant(&app, &other, pnr_a).await;
    fixtures::employment(&app, &other, &same_person, &their_user, json!({})).await;
    let res = app
        .post(
            "/api/v1/time-reports",
            &other.token,
            &json!({"assistance_user_id": their_user, "month": "2026-10", "rows": [row(&same_person, "2026-10-31", "23:00", "23:30", "active")]}),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(codes(&p), ["overlaps_other_employer"]);
    let text = p.to_string();
    assert!(!text.contains(&w.org.id) && !text.contains(&w.user) && !text.contains("Assistans AB"));
    // Back to back is fine.
    let res = app
        .post(
            "/api/v1/time-reports",
            &other.token,
            &json!({"assistance_user_id": their_user, "month": "2026-10", "rows": [row(&same_person, "2026-10-31", "18:00", "22:00", "active")]}),
        )
        .await;
    expect(&res, 201);
}
db_test!(overlaps_across_reports_and_employers);

async fn corrections_keep_history(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let a = &w.assistants[0];
    let v1_rows = vec![row(a, "2026-10-01", "08:00", "16:00", "active")];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", v1_rows.clone()),
        )
        .await;
    let v1 = expect(&res, 201);
    let id = v1["id"].as_str().unwrap().to_string();
    // Identical rows (other notation, other order): 200, nothing new.
    let same =
        vec![json!({"assistant_id": a, "date": "2026-10-01", "start": "8:00", "end": "16:00:00"})];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", same),
        )
        .await;
    let r = expect(&res, 200);
    assert_eq!(r["version"], 1);
    assert_eq!(r["content_hash"], v1["content_hash"]);
    // Different rows without a reason: 409 naming the current version.
    let v2_rows = vec![row(a, "2026-10-01", "08:00", "17:00", "active")];
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", v2_rows.clone()),
        )
        .await;
    let p = expect_problem(&res, 409);
    assert_eq!(p["code"], "correction_reason_required");
    assert_eq!(p["current_version"], 1);
    assert_eq!(p["report_id"], id.as_str());
    // With a reason, after FK's deadline: version 2, late.
    app.set_now("2026-12-07T23:30:00Z"); // 8 Dec in Stockholm
    let mut body = report(&w, "2026-10", v2_rows);
    body["correction_reason"] = json!("Forgot an hour");
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    let v2 = expect(&res, 201);
    assert_eq!(v2["id"], id.as_str());
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["on_time"], false);
    assert!(v2["lateness"].as_str().unwrap().contains("2026-12-07"));
    assert_eq!(v2["correction_reason"], "Forgot an hour");
    // History: both versions, unchanged.
    let res = app
        .get(&format!("/api/v1/time-reports/{id}/versions"), &w.org.token)
        .await;
    let versions = expect(&res, 200);
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[0]["on_time"], true);
    assert_eq!(versions[0]["hours"]["active"], "8.00");
    let res = app
        .get(
            &format!("/api/v1/time-reports/{id}/versions/1"),
            &w.org.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["rows"][0]["end"], "16:00");
    let res = app
        .get(&format!("/api/v1/time-reports/{id}"), &w.org.token)
        .await;
    let cur = expect(&res, 200);
    assert_eq!(cur["version"], 2);
    assert_eq!(cur["rows"][0]["end"], "17:00");
    expect_problem(
        &app.get(
            &format!("/api/v1/time-reports/{id}/versions/3"),
            &w.org.token,
        )
        .await,
        404,
    );
    // Lists filter on lateness of the current version.
    let res = app
        .get("/api/v1/time-reports?late=true", &w.org.token)
        .await;
    assert_eq!(expect(&res, 200)["items"].as_array().unwrap().len(), 1);
    let res = app
        .get("/api/v1/time-reports?late=false", &w.org.token)
        .await;
    assert_eq!(expect(&res, 200)["items"].as_array().unwrap().len(), 0);
    // Audit trail.
    let res = app
        .get(&format!("/api/v1/time-reports/{id}/audit"), &w.org.token)
        .await;
    let audit = expect(&res, 200);
    assert_eq!(audit.as_array().unwrap().len(), 2);
    assert_eq!(audit[0]["action"], "submit");
    assert_eq!(audit[1]["action"], "correct");
    assert_eq!(audit[1]["reason"], "Forgot an hour");
    assert_eq!(audit[1]["content_hash"], v2["content_hash"]);
    // Another organisation sees none of it.
    let other = fixtures::org(&app).await;
    expect_problem(
        &app.get(&format!("/api/v1/time-reports/{id}"), &other.token)
            .await,
        404,
    );
    expect_problem(
        &app.get(&format!("/api/v1/time-reports/{id}/versions"), &other.token)
            .await,
        404,
    );
}
db_test!(corrections_keep_history);

async fn idempotency_keys(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    let body = report(
        &w,
        "2026-10",
        vec![row(a, "2026-10-01", "08:00", "16:00", "active")],
    );
    let key = [("Idempotency-Key", "payroll-run-42")];
    let first = app
        .post_with("/api/v1/time-reports", &w.org.token, &body, &key)
        .await;
    let first = expect(&first, 201);
    // Replays return the original receipt (201, same version), even later.
    app.set_now("2026-11-20T10:00:00Z");
    let again = app
        .post_with("/api/v1/time-reports", &w.org.token, &body, &key)
        .await;
    assert_eq!(expect(&again, 201), first);
    // Same key, another body: 422.
    let other = report(
        &w,
        "2026-10",
        vec![row(a, "2026-10-01", "08:00", "17:00", "active")],
    );
    let res = app
        .post_with("/api/v1/time-reports", &w.org.token, &other, &key)
        .await;
    assert_eq!(expect_problem(&res, 422)["code"], "idempotency_key_reused");
    let res = app
        .get(
            &format!(
                "/api/v1/time-reports/{}/versions",
                first["id"].as_str().unwrap()
            ),
            &w.org.token,
        )
        .await;
    assert_eq!(expect(&res, 200).as_array().unwrap().len(), 1);
}
db_test!(idempotency_keys);

async fn deadlines_follow_the_calendar(app: TestApp) {
    let org = fixtures::org(&app).await;
    for (month, due) in [
        ("2026-02", "2026-04-07"),
        ("2016-03", "2016-05-06"),
        ("2026-05", "2026-07-06"),
        ("2025-11", "2026-01-05"),
    ] {
        let res = app
            .get(&format!("/api/v1/deadlines/{month}"), &org.token)
            .await;
        let d = expect(&res, 200);
        assert_eq!(d["due_date"], due, "{month}");
        assert_eq!(d["month"], month);
    }
    let res = app.get("/api/v1/deadlines/2026-10", &org.token).await;
    let d = expect(&res, 200);
    assert_eq!(d["internal_due_date"], "2026-11-05");
    assert_eq!(d["days_until_internal_due"], -5);
    assert_eq!(d["days_until_due"], 27);
    // The weekday rule can be switched off.
    let plain = TestApp::spawn_with(app.db, |s| s.deadline_policy.weekday_rule = false).await;
    let org = fixtures::org(&plain).await;
    let res = plain.get("/api/v1/deadlines/2026-05", &org.token).await;
    assert_eq!(expect(&res, 200)["due_date"], "2026-07-05");
}
db_test!(deadlines_follow_the_calendar);

/// Many assistants in one report take the all-at-once lock on PostgreSQL.
async fn a_report_with_many_assistants(app: TestApp) {
    let w = fixtures::world(&app, 40).await;
    let rows: Vec<Value> = w
        .assistants
        .iter()
        .enumerate()
        .map(|(i, a)| {
            row(
                a,
                &format!("2026-10-{:02}", i % 28 + 1),
                &format!("{:02}:00", i % 3 * 8),
                &format!("{:02}:00", i % 3 * 8 + 8),
                "active",
            )
        })
        .collect();
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", rows),
        )
        .await;
    let r = expect(&res, 201);
    assert_eq!(r["row_count"], 40);
    // 40 × 8 h, plus the hour the clocks go back on 25 October (00:00–08:00).
    assert_eq!(r["hours"]["active"], "321.00");
}
db_test!(a_report_with_many_assistants);
