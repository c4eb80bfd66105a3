//! Corrections of the register: voiding a time report filed by mistake,
//! deleting records registered by mistake while nothing depends on them,
//! and dates outside 1900–2100.

use serde_json::{json, Value};

use crate::db_test;
use crate::events::all_events;
use crate::fixtures::{self, World};
use crate::helpers::*;
use crate::invoices::set_rate;

async fn file(app: &TestApp, w: &World, end: &str) -> Value {
    let body = json!({"assistance_user_id": w.user, "month": "2026-10", "rows": [
        {"assistant_id": w.assistants[0], "date": "2026-10-01", "start": "08:00", "end": end}]});
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    assert!(
        matches!(res.status.as_u16(), 200 | 201),
        "unexpected response: {res:?}"
    );
    res.body
}

async fn invoice(app: &TestApp, w: &World) -> Value {
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
    let body = json!({"assistance_user_id": w.user, "month": "2026-10",
        "payable_hours": d["payable_hours"], "sek_per_hour": d["sek_per_hour"],
        "amount_sek": d["amount_sek"]});
    expect(
        &app.post("/api/v1/invoices", &w.org.token, &body).await,
        201,
    )
}

async fn report_status(app: &TestApp, w: &World) -> Value {
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &w.org.token)
            .await,
        200,
    );
    d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["assistance_user_id"] == w.user.as_str())
        .expect("user row")["report_status"]
        .clone()
}

async fn a_voided_report_keeps_its_history_and_the_month_is_missing(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    fixtures::agreement(&app, &w.org, &w.user).await;
    set_rate(&app, 2026, "340.00").await;
    let report = file(&app, &w, "16:00").await;
    let id = report["id"].as_str().unwrap().to_string();
    let inv = invoice(&app, &w).await;
    assert_eq!(report_status(&app, &w).await, "on_time");
    let void = format!("/api/v1/time-reports/{id}/void");

    // A reason is required; another organisation sees no such report.
    let p = expect_problem(
        &app.post(&void, &w.org.token, &json!({"reason": "  "}))
            .await,
        422,
    );
    assert_eq!(error_with(&p, "invalid_reason")["pointer"], "/reason");
    let other = fixtures::org(&app).await;
    expect_problem(
        &app.post(&void, &other.token, &json!({"reason": "Fel brukare"}))
            .await,
        404,
    );

    let key = [("Idempotency-Key", "makulera-1")];
    let body = json!({"reason": "Fel brukare"});
    let res = app.post_with(&void, &w.org.token, &body, &key).await;
    let voided = expect(&res, 200);
    assert_eq!(voided["status"], "voided");
    assert_eq!(voided["version"], 2);
    assert_eq!(voided["void_reason"], "Fel brukare");
    assert_eq!(voided["voided_at"], "2026-11-10T10:00:00Z");
    assert_eq!(voided["rows"], json!([]));
    assert_eq!(voided["hours"]["payable"], "0.00");
    let again = app.post_with(&void, &w.org.token, &body, &key).await;
    assert_eq!((again.status.as_u16(), &again.text), (200, &res.text));
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    // Voiding twice changes nothing.
    let twice = expect(&app.post(&void, &w.org.token, &body).await, 200);
    assert_eq!(twice["version"], 2);

    // History: version 1 is still there with its rows.
    let v1 = expect(
        &app.get(
            &format!("/api/v1/time-reports/{id}/versions/1"),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(v1["status"], "submitted");
    assert_eq!(v1["rows"].as_array().unwrap().len(), 1);
    let versions = expect(
        &app.get(&format!("/api/v1/time-reports/{id}/versions"), &w.org.token)
            .await,
        200,
    );
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let audit = expect(
        &app.get(&format!("/api/v1/time-reports/{id}/audit"), &w.org.token)
            .await,
        200,
    );
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "void")
        .expect("void audited");
    assert_eq!(entry["reason"], "Fel brukare");

    // The month counts as not reported; the invoice is stale.
    assert_eq!(report_status(&app, &w).await, "missing");
    let inv = expect(
        &app.get(
            &format!("/api/v1/invoices/{}", inv["id"].as_str().unwrap()),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(inv["status"], "stale");
    let types: Vec<Value> = all_events(&app, &w.org.token, 100)
        .await
        .into_iter()
        .map(|e| e["type"].clone())
        .collect();
    assert!(types.contains(&json!("report.voided")), "{types:?}");
    assert!(types.contains(&json!("invoice.stale")), "{types:?}");

    // The month can be filed again, without a correction reason.
    let refiled = file(&app, &w, "15:00").await;
    assert_eq!(refiled["version"], 3);
    assert_eq!(refiled["status"], "submitted");
    assert_eq!(report_status(&app, &w).await, "on_time");
}
db_test!(a_voided_report_keeps_its_history_and_the_month_is_missing);

async fn records_registered_by_mistake_are_deleted_unless_used(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    fixtures::agreement(&app, &w.org, &w.user).await;
    set_rate(&app, 2026, "340.00").await;
    let report = file(&app, &w, "16:00").await;
    let inv = invoice(&app, &w).await;
    let other = fixtures::org(&app).await;

    // The employment behind the report's shifts is in use.
    let emps = expect(&app.get("/api/v1/employments", &w.org.token).await, 200);
    let emp = emps["items"][0]["id"].as_str().unwrap().to_string();
    let p = expect_problem(
        &app.delete(&format!("/api/v1/employments/{emp}"), &w.org.token)
            .await,
        409,
    );
    assert_eq!(p["code"], "in_use");
    assert_eq!(p["time_reports"], json!([report["id"]]));
    // So is the decision the invoice was computed with.
    let decs = expect(&app.get("/api/v1/decisions", &w.org.token).await, 200);
    let dec = decs["items"][0]["id"].as_str().unwrap().to_string();
    let p = expect_problem(
        &app.delete(&format!("/api/v1/decisions/{dec}"), &w.org.token)
            .await,
        409,
    );
    assert_eq!(p["invoices"], json!([inv["id"]]));

    // Records nothing uses go: 204, then 404; another organisation's are 404.
    let a2 = fixtures::assistant(&app, &w.org, &pnr("19910101", 808)).await;
    let e2 = fixtures::employment(&app, &w.org, &a2, &w.user, json!({})).await;
    let d2 = fixtures::decision(&app, &w.org, &w.user, json!({"valid_from": "2030-01-01"})).await;
    let ag2 = expect(
        &app.post(
            "/api/v1/agreements",
            &w.org.token,
            &json!({"assistance_user_id": w.user, "valid_from": "2031-01-01", "payee": "provider"}),
        )
        .await,
        201,
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n".to_vec();
    let doc = expect(
        &app.post_raw(
            &format!("/api/v1/employments/{e2}/documents?kind=employment_contract"),
            &w.org.token,
            "application/pdf",
            pdf,
            &[],
        )
        .await,
        201,
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The employment has a document: in use until the document goes.
    let p = expect_problem(
        &app.delete(&format!("/api/v1/employments/{e2}"), &w.org.token)
            .await,
        409,
    );
    assert_eq!(p["documents"], json!([doc]));
    for path in [
        format!("/api/v1/documents/{doc}"),
        format!("/api/v1/employments/{e2}"),
        format!("/api/v1/decisions/{d2}"),
        format!("/api/v1/agreements/{ag2}"),
    ] {
        expect_problem(&app.delete(&path, &other.token).await, 404);
        let res = app.delete(&path, &w.org.token).await;
        assert_eq!(res.status.as_u16(), 204, "{path}: {res:?}");
        expect_problem(&app.get(&path, &w.org.token).await, 404);
        expect_problem(&app.delete(&path, &w.org.token).await, 404);
    }
    // A read-only key deletes nothing.
    let key = expect(
        &app.post(
            "/api/v1/api-keys",
            &w.org.token,
            &json!({"name": "Läsare", "role": "provider_read"}),
        )
        .await,
        201,
    );
    expect_problem(
        &app.delete(
            &format!("/api/v1/decisions/{dec}"),
            key["secret"].as_str().unwrap(),
        )
        .await,
        403,
    );
}
db_test!(records_registered_by_mistake_are_deleted_unless_used);

async fn register_dates_outside_1900_to_2100_are_refused(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let cases = [
        (
            "/api/v1/decisions",
            json!({"assistance_user_id": w.user, "hours_per_week": "10.00",
                   "valid_from": "1899-12-31", "rate": {"kind": "standard"}}),
            "/valid_from",
        ),
        (
            "/api/v1/employments",
            json!({"assistant_id": w.assistants[0], "assistance_user_id": w.user,
                   "start_date": "2020-01-01", "end_date": "2101-01-01"}),
            "/end_date",
        ),
        (
            "/api/v1/agreements",
            json!({"assistance_user_id": w.user, "valid_from": "2020-01-01",
                   "payee": "provider", "sent_to_fk_on": "0026-01-01"}),
            "/sent_to_fk_on",
        ),
        (
            "/api/v1/change-notices",
            json!({"assistance_user_id": w.user, "kind": "other", "occurred_on": "2206-11-03"}),
            "/occurred_on",
        ),
    ];
    for (path, body, pointer) in cases {
        let p = expect_problem(&app.post(path, &w.org.token, &body).await, 422);
        let e = error_with(&p, "date_out_of_range");
        assert_eq!(e["pointer"], pointer, "{path}");
    }
    // PATCH too, and an explicit null still clears.
    let emps = expect(&app.get("/api/v1/employments", &w.org.token).await, 200);
    let emp = format!(
        "/api/v1/employments/{}",
        emps["items"][0]["id"].as_str().unwrap()
    );
    let p = expect_problem(
        &app.patch(&emp, &w.org.token, &json!({"end_date": "1800-01-01"}))
            .await,
        422,
    );
    assert_eq!(error_with(&p, "date_out_of_range")["pointer"], "/end_date");
    let e = expect(
        &app.patch(&emp, &w.org.token, &json!({"end_date": "2100-12-31"}))
            .await,
        200,
    );
    assert_eq!(e["end_date"], "2100-12-31");
    let e = expect(
        &app.patch(&emp, &w.org.token, &json!({"end_date": null}))
            .await,
        200,
    );
    assert_eq!(e["end_date"], Value::Null);
}
db_test!(register_dates_outside_1900_to_2100_are_refused);
