//! Invoices (*räkning*): drafts, submissions checked to the öre, versions,
//! status after corrections / rate changes / decision changes, self-employer
//! costs, hours above the grant, and the month's completeness check.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, World};
use crate::helpers::*;
use crate::time_reports::{october, report, row};

pub async fn set_rate(app: &TestApp, year: i32, sek: &str) {
    let res = app
        .put(
            &format!("/api/v1/rates/{year}"),
            &app.admin(),
            &json!({"sek_per_hour": sek}),
        )
        .await;
    assert!(
        res.status.as_u16() == 200 || res.status.as_u16() == 201,
        "{res:?}"
    );
}

async fn submit_report(app: &TestApp, w: &World, rows: Vec<Value>) -> Value {
    let res = app
        .post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(w, "2026-10", rows),
        )
        .await;
    expect(&res, 201)
}

async fn correct_report(app: &TestApp, w: &World, rows: Vec<Value>) -> Value {
    let mut body = report(w, "2026-10", rows);
    body["correction_reason"] = json!("Payroll correction");
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    expect(&res, 201)
}

async fn draft(app: &TestApp, w: &World) -> Value {
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-10",
                w.user
            ),
            &w.org.token,
        )
        .await;
    expect(&res, 200)
}

/// The submission a payroll system makes from a draft.
fn claim_of(w: &World, d: &Value) -> Value {
    json!({
        "assistance_user_id": w.user,
        "month": "2026-10",
        "payable_hours": d["payable_hours"],
        "sek_per_hour": d["sek_per_hour"],
        "amount_sek": d["amount_sek"],
    })
}

async fn decision_id(app: &TestApp, w: &World) -> String {
    let res = app
        .get(
            &format!("/api/v1/decisions?assistance_user_id={}", w.user),
            &w.org.token,
        )
        .await;
    expect(&res, 200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn invoice(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/invoices/{id}"), token).await;
    expect(&res, 200)
}

/// Rows counted directly in the database (both backends).
pub fn count_rows(app: &TestApp, sql: &str) -> i64 {
    use diesel::{Connection, QueryableByName, RunQueryDsl};
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let url = redovisa::db::DatabaseUrl::parse(&app.database_url).unwrap();
    let q = diesel::sql_query(sql);
    let rows: Vec<N> = match app.db {
        Db::Sqlite => q
            .load(&mut diesel::SqliteConnection::establish(&url.target).unwrap())
            .unwrap(),
        Db::Postgres => q
            .load(&mut diesel::PgConnection::establish(&url.target).unwrap())
            .unwrap(),
    };
    rows[0].n
}

async fn a_month_is_invoiced_to_the_ore(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 2).await;
    let tr = submit_report(&app, &w, october(&w)).await;
    let d = draft(&app, &w).await;
    // 465 h active + 280 h waiting / 4 = 535 h; 535 × 340.00 = 181 900.00.
    assert_eq!(
        d["hours"],
        json!({"active": "465.00", "waiting": "280.00", "standby": "0.00"})
    );
    assert_eq!(d["payable_hours"], "535.00");
    assert_eq!(d["not_payable_hours"], "0.00");
    assert_eq!(d["sek_per_hour"], "340.00");
    assert_eq!(d["amount_sek"], "181900.00");
    assert_eq!(d["time_report_id"], tr["id"]);
    assert_eq!(d["time_report_version"], 1);
    let lines = d["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["rate_basis"], "standard");
    assert_eq!(
        lines[0]["decision_id"],
        decision_id(&app, &w).await.as_str()
    );
    assert_eq!(lines[0]["from"], "2026-10-01");
    assert_eq!(lines[0]["to"], "2026-10-31");
    assert_eq!(lines[0]["amount_sek"], "181900.00");
    assert_eq!(d["grant_periods"][0]["over"], false);
    assert_eq!(d["warnings"], json!([]));

    let mut body = claim_of(&w, &d);
    body["invoice_number"] = json!("  F-2026-10  ");
    let res = app.post("/api/v1/invoices", &w.org.token, &body).await;
    let inv = expect(&res, 201);
    assert_eq!(inv["version"], 1);
    assert_eq!(inv["status"], "current");
    assert_eq!(inv["stale_reasons"], json!([]));
    assert_eq!(inv["invoice_number"], "F-2026-10");
    assert_eq!(inv["amount_sek"], "181900.00");
    assert_eq!(inv["computed_amount_sek"], "181900.00");
    assert_eq!(inv["costs"], Value::Null);
    assert_eq!(inv["due_date"], "2026-12-07");
    assert_eq!(inv["internal_due_date"], "2026-11-05");
    assert_eq!(inv["on_time"], true);
    assert_eq!(inv["lateness"], Value::Null);
    assert_eq!(inv["received_at"], "2026-11-10T10:00:00Z");
    assert_eq!(inv["lines"], d["lines"]);
    assert_eq!(inv["hours"], d["hours"]);
    assert_eq!(inv["time_report_version"], 1);
    assert_eq!(inv["content_hash"].as_str().unwrap().len(), 64);
    let id = inv["id"].as_str().unwrap().to_string();

    let got = invoice(&app, &w.org.token, &id).await;
    assert_eq!(got["status"], "current");
    assert_eq!(got["content_hash"], inv["content_hash"]);
    let res = app
        .get(
            &format!(
                "/api/v1/invoices?month=2026-10&assistance_user_id={}",
                w.user
            ),
            &w.org.token,
        )
        .await;
    let list = expect(&res, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"][0]["status"], "current");
    let res = app
        .get("/api/v1/invoices?month=2026-09", &w.org.token)
        .await;
    assert_eq!(expect(&res, 200)["items"], json!([]));

    // The same invoice again: 200, nothing new (also with the days sent).
    body["hospital_days"] = json!([]);
    let res = app.post("/api/v1/invoices", &w.org.token, &body).await;
    let again = expect(&res, 200);
    assert_eq!(again["version"], 1);
    assert_eq!(again["content_hash"], inv["content_hash"]);
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'invoice' AND action <> 'read'"
        ),
        1
    );
}
db_test!(a_month_is_invoiced_to_the_ore);

async fn a_mismatch_lists_every_differing_field(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    let mut hospital = row(a, "2026-10-02", "08:00", "12:00", "active");
    hospital["hospital"] = json!(true);
    submit_report(
        &app,
        &w,
        vec![row(a, "2026-10-01", "08:00", "18:00", "active"), hospital],
    )
    .await;
    let d = draft(&app, &w).await;
    assert_eq!(d["payable_hours"], "14.00");
    assert_eq!(d["amount_sek"], "4760.00");
    assert_eq!(d["hospital_days"], json!(["2026-10-02"]));
    let res = app
        .post(
            "/api/v1/invoices",
            &w.org.token,
            &json!({
                "assistance_user_id": w.user, "month": "2026-10",
                "payable_hours": "14.5", "sek_per_hour": "332.60", "amount_sek": "4822.70",
                "hospital_days": ["2026-10-03"],
            }),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(p["code"], "invoice_mismatch");
    assert_eq!(p["time_report_version"], 1);
    assert_eq!(codes(&p), ["mismatch", "mismatch", "mismatch", "mismatch"]);
    let e = &p["errors"];
    assert_eq!(e[0]["pointer"], "/payable_hours");
    assert_eq!(
        (&e[0]["claimed"], &e[0]["computed"]),
        (&json!("14.50"), &json!("14.00"))
    );
    assert_eq!(e[1]["pointer"], "/sek_per_hour");
    assert_eq!(
        (&e[1]["claimed"], &e[1]["computed"]),
        (&json!("332.60"), &json!("340.00"))
    );
    assert_eq!(e[2]["pointer"], "/amount_sek");
    assert_eq!(
        (&e[2]["claimed"], &e[2]["computed"]),
        (&json!("4822.70"), &json!("4760.00"))
    );
    assert_eq!(e[3]["pointer"], "/hospital_days");
    assert_eq!(e[3]["computed"], json!(["2026-10-02"]));
    // Only the amount off by one öre: exactly one error.
    let mut body = claim_of(&w, &d);
    body["amount_sek"] = json!("4760.01");
    let p = expect_problem(
        &app.post("/api/v1/invoices", &w.org.token, &body).await,
        422,
    );
    assert_eq!(p["errors"].as_array().unwrap().len(), 1);
    assert_eq!(error_with(&p, "mismatch")["pointer"], "/amount_sek");
    // Malformed figures are refused before any comparison, with pointers.
    let res = app
        .post(
            "/api/v1/invoices",
            &w.org.token,
            &json!({"assistance_user_id": w.user, "month": "2026-13", "payable_hours": "14,00",
                    "sek_per_hour": "340.001", "amount_sek": "-1", "hospital_days": ["2. okt"]}),
        )
        .await;
    let p = expect_problem(&res, 422);
    let pointers: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for ptr in [
        "/payable_hours",
        "/sek_per_hour",
        "/amount_sek",
        "/month",
        "/hospital_days/0",
    ] {
        assert!(pointers.contains(&ptr), "{ptr} not in {pointers:?}");
    }
    assert_eq!(
        error_with(&p, "too_many_decimals")["pointer"],
        "/sek_per_hour"
    );
    // Floats are not money.
    let mut body = claim_of(&w, &d);
    body["amount_sek"] = json!(4760.0);
    let p = expect_problem(
        &app.post("/api/v1/invoices", &w.org.token, &body).await,
        422,
    );
    assert_eq!(error_with(&p, "invalid_type")["pointer"], "/amount_sek");
    // Nothing stored.
    let res = app.get("/api/v1/invoices", &w.org.token).await;
    assert_eq!(expect(&res, 200)["items"], json!([]));
    // The right figures, with the hospital day, are accepted.
    let mut body = claim_of(&w, &d);
    body["hospital_days"] = json!(["2026-10-02"]);
    let inv = expect(
        &app.post("/api/v1/invoices", &w.org.token, &body).await,
        201,
    );
    assert_eq!(inv["hospital_days"], json!(["2026-10-02"]));
}
db_test!(a_mismatch_lists_every_differing_field);

async fn a_year_without_a_rate_is_refused_naming_it(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    submit_report(
        &app,
        &w,
        vec![row(a, "2026-10-01", "08:00", "16:00", "active")],
    )
    .await;
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-10",
                w.user
            ),
            &w.org.token,
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(p["code"], "rate_missing");
    assert_eq!(p["year"], 2026);
    assert!(p["detail"].as_str().unwrap().contains("2026"));
    let body = json!({"assistance_user_id": w.user, "month": "2026-10", "payable_hours": "8.00",
                      "sek_per_hour": "332.60", "amount_sek": "2660.80"});
    let p = expect_problem(
        &app.post("/api/v1/invoices", &w.org.token, &body).await,
        422,
    );
    assert_eq!(p["code"], "rate_missing");
    assert_eq!(p["year"], 2026);
    // Once an administrator adds the year, the same month computes.
    set_rate(&app, 2026, "340.00").await;
    assert_eq!(draft(&app, &w).await["amount_sek"], "2720.00");
    // No time report for the month: nothing to invoice.
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-09",
                w.user
            ),
            &w.org.token,
        )
        .await;
    assert_eq!(expect_problem(&res, 422)["code"], "time_report_missing");
    let mut body = body;
    body["month"] = json!("2026-09");
    let p = expect_problem(
        &app.post("/api/v1/invoices", &w.org.token, &body).await,
        422,
    );
    assert_eq!(p["code"], "time_report_missing");
}
db_test!(a_year_without_a_rate_is_refused_naming_it);

async fn a_higher_rate_needs_no_standard_rate_until_it_is_withdrawn(app: TestApp) {
    // No 2026 rate in the table; the decision grants 370.00 (checked against 2024's 332.60).
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19730101", 85)).await;
    let a = fixtures::assistant(&app, &org, &pnr("19940101", 86)).await;
    fixtures::employment(&app, &org, &a, &user, json!({})).await;
    let dec = fixtures::decision(
        &app,
        &org,
        &user,
        json!({"rate": {"kind": "higher", "sek_per_hour": "370.00"}}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/time-reports",
            &org.token,
            &json!({"assistance_user_id": user, "month": "2026-10",
                    "rows": [row(&a, "2026-10-01", "08:00", "16:00", "active")]}),
        )
        .await;
    expect(&res, 201);
    let draft_url = format!("/api/v1/invoices/draft?assistance_user_id={user}&month=2026-10");
    let d = expect(&app.get(&draft_url, &org.token).await, 200);
    assert_eq!(d["lines"][0]["rate_basis"], "higher");
    assert_eq!(
        (&d["sek_per_hour"], &d["amount_sek"]),
        (&json!("370.00"), &json!("2960.00"))
    );
    let body = json!({"assistance_user_id": user, "month": "2026-10", "payable_hours": "8.00",
                      "sek_per_hour": "370.00", "amount_sek": "2960.00"});
    let inv = expect(&app.post("/api/v1/invoices", &org.token, &body).await, 201);
    let id = inv["id"].as_str().unwrap();
    // Back to the standard rate, which 2026 lacks: the draft is refused and the
    // invoice is stale because it can no longer be computed.
    let res = app
        .patch(
            &format!("/api/v1/decisions/{dec}"),
            &org.token,
            &json!({"rate": {"kind": "standard"}}),
        )
        .await;
    expect(&res, 200);
    let p = expect_problem(&app.get(&draft_url, &org.token).await, 422);
    assert_eq!(
        (&p["code"], &p["year"]),
        (&json!("rate_missing"), &json!(2026))
    );
    let got = invoice(&app, &org.token, id).await;
    assert_eq!(got["status"], "stale");
    assert_eq!(got["stale_reasons"][0]["code"], "rate_missing");
}
db_test!(a_higher_rate_needs_no_standard_rate_until_it_is_withdrawn);

async fn a_correction_makes_the_invoice_stale_and_a_new_version_current(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    submit_report(
        &app,
        &w,
        vec![row(a, "2026-10-01", "08:00", "16:00", "active")],
    )
    .await;
    let d1 = draft(&app, &w).await;
    let v1 = expect(
        &app.post("/api/v1/invoices", &w.org.token, &claim_of(&w, &d1))
            .await,
        201,
    );
    let id = v1["id"].as_str().unwrap().to_string();
    // A correction with the same hours (another start and end) changes nothing.
    correct_report(
        &app,
        &w,
        vec![row(a, "2026-10-01", "09:00", "17:00", "active")],
    )
    .await;
    assert_eq!(invoice(&app, &w.org.token, &id).await["status"], "current");
    // One more hour: stale, saying what changed.
    correct_report(
        &app,
        &w,
        vec![row(a, "2026-10-01", "08:00", "17:00", "active")],
    )
    .await;
    let got = invoice(&app, &w.org.token, &id).await;
    assert_eq!(got["status"], "stale");
    let reasons = got["stale_reasons"].as_array().unwrap();
    let hours = reasons
        .iter()
        .find(|r| r["pointer"] == "/payable_hours")
        .unwrap();
    assert_eq!(hours["code"], "changed");
    assert_eq!(
        (&hours["invoiced"], &hours["computed"]),
        (&json!("8.00"), &json!("9.00"))
    );
    assert!(reasons.iter().any(|r| r["pointer"] == "/amount_sek"));
    // The old figures no longer pass; the new ones make version 2, late.
    let p = expect_problem(
        &app.post("/api/v1/invoices", &w.org.token, &claim_of(&w, &d1))
            .await,
        422,
    );
    assert_eq!(p["time_report_version"], 3);
    app.set_now("2026-12-08T09:00:00Z");
    let d2 = draft(&app, &w).await;
    assert_eq!(d2["amount_sek"], "3060.00");
    let v2 = expect(
        &app.post("/api/v1/invoices", &w.org.token, &claim_of(&w, &d2))
            .await,
        201,
    );
    assert_eq!(v2["id"], id.as_str());
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["status"], "current");
    assert_eq!(v2["time_report_version"], 3);
    assert_eq!(v2["on_time"], false);
    assert!(v2["lateness"].as_str().unwrap().contains("2026-12-07"));
    let got = invoice(&app, &w.org.token, &id).await;
    assert_eq!(
        (got["version"].clone(), got["status"].clone()),
        (json!(2), json!("current"))
    );
    let res = app
        .get(&format!("/api/v1/invoices/{id}/versions"), &w.org.token)
        .await;
    let versions = expect(&res, 200);
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[0]["amount_sek"], "2720.00");
    assert!(versions[0].get("status").is_none());
    assert_eq!(versions[1]["status"], "current");
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'invoice' AND action = 'resubmit'"
        ),
        1
    );
}
db_test!(a_correction_makes_the_invoice_stale_and_a_new_version_current);

async fn a_rate_change_makes_the_invoice_stale(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    submit_report(
        &app,
        &w,
        vec![row(a, "2026-10-01", "08:00", "16:00", "active")],
    )
    .await;
    let inv = expect(
        &app.post(
            "/api/v1/invoices",
            &w.org.token,
            &claim_of(&w, &draft(&app, &w).await),
        )
        .await,
        201,
    );
    let id = inv["id"].as_str().unwrap();
    set_rate(&app, 2026, "341.00").await;
    let got = invoice(&app, &w.org.token, id).await;
    assert_eq!(got["status"], "stale");
    let pointers: Vec<_> = got["stale_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["pointer"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pointers, ["/sek_per_hour", "/amount_sek", "/lines"]);
    assert_eq!(got["stale_reasons"][0]["computed"], "341.00");
    // Back to the rate it was computed with: current again.
    set_rate(&app, 2026, "340.00").await;
    assert_eq!(invoice(&app, &w.org.token, id).await["status"], "current");
}
db_test!(a_rate_change_makes_the_invoice_stale);

async fn a_decision_change_makes_the_invoice_stale_and_splits_lines(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    // docs/invoices.md, example 2.
    let rows = vec![
        row(a, "2026-10-14", "08:00", "16:00", "active"),
        row(a, "2026-10-15", "22:00", "07:00", "waiting"),
        row(a, "2026-10-16", "08:00", "16:00", "active"),
        row(a, "2026-10-20", "08:00", "09:00", "standby"),
    ];
    submit_report(&app, &w, rows).await;
    let d = draft(&app, &w).await;
    assert_eq!(d["payable_hours"], "18.39");
    assert_eq!(d["amount_sek"], "6253.57"); // 18.392857… h × 340.00
    let inv = expect(
        &app.post("/api/v1/invoices", &w.org.token, &claim_of(&w, &d))
            .await,
        201,
    );
    let id = inv["id"].as_str().unwrap().to_string();
    // A higher rate from 16 October.
    let new = fixtures::decision(
        &app,
        &w.org,
        &w.user,
        json!({"valid_from": "2026-10-16", "rate": {"kind": "higher", "sek_per_hour": "380.00"}}),
    )
    .await;
    let got = invoice(&app, &w.org.token, &id).await;
    assert_eq!(got["status"], "stale");
    let d = draft(&app, &w).await;
    assert_eq!(d["sek_per_hour"], Value::Null);
    assert_eq!(d["payable_hours"], "18.39");
    assert_eq!(d["amount_sek"], "6579.29");
    assert_eq!(
        d["hours"],
        json!({"active": "16.00", "waiting": "9.00", "standby": "1.00"})
    );
    let lines = d["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (&lines[0]["from"], &lines[0]["to"], &lines[0]["rate_basis"]),
        (
            &json!("2026-10-01"),
            &json!("2026-10-15"),
            &json!("standard")
        )
    );
    assert_eq!(lines[0]["sek_per_hour"], "340.00");
    assert_eq!(lines[0]["payable_hours"], "10.25");
    assert_eq!(lines[0]["amount_sek"], "3485.00");
    assert_eq!(
        (&lines[1]["from"], &lines[1]["to"], &lines[1]["rate_basis"]),
        (&json!("2026-10-16"), &json!("2026-10-31"), &json!("higher"))
    );
    assert_eq!(lines[1]["decision_id"], new.as_str());
    assert_eq!(lines[1]["sek_per_hour"], "380.00");
    assert_eq!(lines[1]["payable_hours"], "8.14");
    assert_eq!(lines[1]["amount_sek"], "3094.29");
    // A single rate is no longer right; null is.
    let mut body = claim_of(&w, &d);
    body["sek_per_hour"] = json!("340.00");
    let p = expect_problem(
        &app.post("/api/v1/invoices", &w.org.token, &body).await,
        422,
    );
    let e = error_with(&p, "mismatch");
    assert_eq!(
        (&e["pointer"], &e["computed"]),
        (&json!("/sek_per_hour"), &Value::Null)
    );
    let v2 = expect(
        &app.post("/api/v1/invoices", &w.org.token, &claim_of(&w, &d))
            .await,
        201,
    );
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["sek_per_hour"], Value::Null);
    assert_eq!(v2["lines"], d["lines"]);
    // Changing the decision's rate makes it stale again.
    let res = app
        .patch(
            &format!("/api/v1/decisions/{new}"),
            &w.org.token,
            &json!({"rate": {"kind": "higher", "sek_per_hour": "375.00"}}),
        )
        .await;
    expect(&res, 200);
    let got = invoice(&app, &w.org.token, &id).await;
    assert_eq!(got["status"], "stale");
    assert!(got["stale_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["pointer"] == "/amount_sek"));
}
db_test!(a_decision_change_makes_the_invoice_stale_and_splits_lines);

async fn self_employers_claim_costs_up_to_the_amount(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let org = fixtures::org_of_kind(&app, "self_employer").await;
    let user = fixtures::user(&app, &org, &pnr("19750101", 71)).await;
    let a = fixtures::assistant(&app, &org, &pnr("19910101", 72)).await;
    fixtures::employment(&app, &org, &a, &user, json!({})).await;
    fixtures::decision(&app, &org, &user, json!({})).await;
    let res = app
        .post(
            "/api/v1/time-reports",
            &org.token,
            &json!({"assistance_user_id": user, "month": "2026-10",
                    "rows": [row(&a, "2026-10-01", "08:00", "18:00", "active")]}),
        )
        .await;
    expect(&res, 201);
    // docs/invoices.md, example 3: 10 h × 340.00 = 3400.00 computed.
    let base = json!({"assistance_user_id": user, "month": "2026-10",
                      "payable_hours": "10.00", "sek_per_hour": "340.00"});
    let with = |amount: &str, costs: Value| {
        let mut b = base.clone();
        b["amount_sek"] = json!(amount);
        if !costs.is_null() {
            b["costs"] = costs;
        }
        b
    };
    let costs = json!({"wages_and_social_fees": "3000.00", "assistance_expenses": "200.00",
                       "training": "50.00", "work_environment_and_staff": "50.00"});
    // Less than computed without costs.
    let p = expect_problem(
        &app.post(
            "/api/v1/invoices",
            &org.token,
            &with("3300.00", Value::Null),
        )
        .await,
        422,
    );
    let e = error_with(&p, "costs_required");
    assert_eq!(
        (&e["pointer"], &e["computed"]),
        (&json!("/costs"), &json!("3400.00"))
    );
    // Costs that do not add up to the amount.
    let p = expect_problem(
        &app.post(
            "/api/v1/invoices",
            &org.token,
            &with("3299.00", costs.clone()),
        )
        .await,
        422,
    );
    let e = error_with(&p, "costs_sum_mismatch");
    assert_eq!(
        (&e["claimed"], &e["amount_sek"]),
        (&json!("3300.00"), &json!("3299.00"))
    );
    // Above the computed amount.
    let p = expect_problem(
        &app.post(
            "/api/v1/invoices",
            &org.token,
            &with("3400.01", Value::Null),
        )
        .await,
        422,
    );
    assert_eq!(error_with(&p, "above_computed")["pointer"], "/amount_sek");
    // A bad cost figure points into `costs`.
    let p = expect_problem(
        &app.post(
            "/api/v1/invoices",
            &org.token,
            &with("3300.00", json!({"training": "-5"})),
        )
        .await,
        422,
    );
    assert_eq!(error_with(&p, "out_of_range")["pointer"], "/costs/training");
    // Actual costs below the amount: accepted, the computed amount kept too.
    let inv = expect(
        &app.post(
            "/api/v1/invoices",
            &org.token,
            &with("3300.00", costs.clone()),
        )
        .await,
        201,
    );
    assert_eq!(inv["amount_sek"], "3300.00");
    assert_eq!(inv["computed_amount_sek"], "3400.00");
    assert_eq!(inv["costs"]["total"], "3300.00");
    assert_eq!(inv["costs"]["wages_and_social_fees"], "3000.00");
    assert_eq!(inv["status"], "current");
    // A provider may not send costs.
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    submit_report(
        &app,
        &w,
        vec![row(
            &w.assistants[0],
            "2026-10-01",
            "08:00",
            "18:00",
            "active",
        )],
    )
    .await;
    let mut b = with("3300.00", costs);
    b["assistance_user_id"] = json!(w.user);
    let p = expect_problem(&app.post("/api/v1/invoices", &w.org.token, &b).await, 422);
    assert_eq!(codes(&p), ["mismatch", "costs_not_allowed"]);
}
db_test!(self_employers_claim_costs_up_to_the_amount);

async fn hours_above_the_grant_are_flagged(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19720101", 81)).await;
    let a = fixtures::assistant(&app, &org, &pnr("19920101", 82)).await;
    fixtures::employment(&app, &org, &a, &user, json!({})).await;
    // docs/invoices.md, example 4: 10 h/week, one-month grant periods.
    let dec = fixtures::decision(
        &app,
        &org,
        &user,
        json!({"hours_per_week": "10.00", "valid_from": "2026-10-01", "grant_period_months": 1}),
    )
    .await;
    let rows: Vec<Value> = (1..=6)
        .map(|d| row(&a, &format!("2026-10-{d:02}"), "08:00", "16:00", "active"))
        .collect();
    let res = app
        .post(
            "/api/v1/time-reports",
            &org.token,
            &json!({"assistance_user_id": user, "month": "2026-10", "rows": rows}),
        )
        .await;
    expect(&res, 201);
    let res = app
        .get(
            &format!("/api/v1/invoices/draft?assistance_user_id={user}&month=2026-10"),
            &org.token,
        )
        .await;
    let d = expect(&res, 200);
    let g = &d["grant_periods"][0];
    assert_eq!(g["decision_id"], dec.as_str());
    assert_eq!(
        (&g["from"], &g["to"]),
        (&json!("2026-10-01"), &json!("2026-10-31"))
    );
    assert_eq!(g["granted_hours"], "44.29");
    assert_eq!(g["used_hours"], "48.00");
    assert_eq!(g["over_hours"], "3.71");
    assert_eq!(g["over"], true);
    assert_eq!(d["warnings"][0]["code"], "over_grant");
    // Flagged, not refused: the invoice is accepted and carries the flag.
    let body = json!({"assistance_user_id": user, "month": "2026-10", "payable_hours": d["payable_hours"],
                      "sek_per_hour": d["sek_per_hour"], "amount_sek": d["amount_sek"]});
    let inv = expect(&app.post("/api/v1/invoices", &org.token, &body).await, 201);
    assert_eq!(inv["amount_sek"], "16320.00");
    assert_eq!(inv["grant_periods"], d["grant_periods"]);
    assert_eq!(inv["warnings"][0]["code"], "over_grant");
}
db_test!(hours_above_the_grant_are_flagged);

async fn invoices_belong_to_their_organisation(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    submit_report(
        &app,
        &w,
        vec![row(
            &w.assistants[0],
            "2026-10-01",
            "08:00",
            "16:00",
            "active",
        )],
    )
    .await;
    let inv = expect(
        &app.post(
            "/api/v1/invoices",
            &w.org.token,
            &claim_of(&w, &draft(&app, &w).await),
        )
        .await,
        201,
    );
    let id = inv["id"].as_str().unwrap();
    let other = fixtures::org(&app).await;
    expect_problem(
        &app.get(&format!("/api/v1/invoices/{id}"), &other.token)
            .await,
        404,
    );
    expect_problem(
        &app.get(&format!("/api/v1/invoices/{id}/versions"), &other.token)
            .await,
        404,
    );
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-10",
                w.user
            ),
            &other.token,
        )
        .await;
    expect_problem(&res, 404);
    let res = app.get("/api/v1/invoices", &other.token).await;
    assert_eq!(expect(&res, 200)["items"], json!([]));
    // Another organisation submitting for this user: unknown user.
    let mut body = claim_of(&w, &draft(&app, &w).await);
    let p = expect_problem(
        &app.post("/api/v1/invoices", &other.token, &body).await,
        422,
    );
    assert_eq!(
        error_with(&p, "unknown_assistance_user")["pointer"],
        "/assistance_user_id"
    );
    // Auditors read everything and write nothing.
    assert_eq!(invoice(&app, &app.auditor(), id).await["status"], "current");
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-10",
                w.user
            ),
            &app.auditor(),
        )
        .await;
    assert_eq!(expect(&res, 200)["amount_sek"], "2720.00");
    body["invoice_number"] = json!("A-1");
    expect_problem(
        &app.post("/api/v1/invoices", &app.auditor(), &body).await,
        403,
    );
    expect_problem(&app.post("/api/v1/invoices", "", &body).await, 401);
    // Query problems.
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-1",
                w.user
            ),
            &w.org.token,
        )
        .await;
    assert_eq!(
        expect_problem(&res, 422)["errors"][0]["code"],
        "invalid_month"
    );
    let res = app
        .get("/api/v1/invoices/draft?month=2026-10", &w.org.token)
        .await;
    expect_problem(&res, 422);
}
db_test!(invoices_belong_to_their_organisation);

async fn upload_contract(app: &TestApp, token: &str, employment: &str) {
    let res = app
        .post_raw(
            &format!("/api/v1/employments/{employment}/documents?kind=employment_contract"),
            token,
            "application/pdf",
            b"%PDF-1.4\ncontract\n%%EOF\n".to_vec(),
            &[],
        )
        .await;
    assert!(
        res.status.as_u16() == 201 || res.status.as_u16() == 200,
        "{res:?}"
    );
}

async fn employment_of(app: &TestApp, token: &str, assistant: &str) -> String {
    let res = app
        .get(
            &format!("/api/v1/employments?assistant_id={assistant}"),
            token,
        )
        .await;
    expect(&res, 200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn completeness(app: &TestApp, w: &World) -> Value {
    let res = app
        .get(
            &format!(
                "/api/v1/months/2026-10/completeness?assistance_user_id={}",
                w.user
            ),
            &w.org.token,
        )
        .await;
    expect(&res, 200)
}

fn missing_codes(c: &Value) -> Vec<String> {
    c["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_string())
        .collect()
}

async fn completeness_names_what_is_missing(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world(&app, 1).await;
    let a = w.assistants[0].clone();
    // A second assistant whose details reached FK only on 20 October.
    let b = fixtures::assistant(&app, &w.org, &pnr("19930303", 91)).await;
    let b_employment = fixtures::employment(
        &app,
        &w.org,
        &b,
        &w.user,
        json!({"start_date": "2026-10-01", "registered_with_fk_on": "2026-10-20"}),
    )
    .await;
    let c = completeness(&app, &w).await;
    assert_eq!(c["complete"], false);
    assert_eq!(c["month"], "2026-10");
    assert_eq!(c["assistance_user_id"], w.user.as_str());
    assert_eq!(
        missing_codes(&c),
        ["time_report_missing", "invoice_missing"]
    );

    let rows = vec![
        row(&a, "2026-10-01", "08:00", "16:00", "active"),
        row(&b, "2026-10-12", "08:00", "12:00", "active"),
        row(&b, "2026-10-13", "08:00", "12:00", "active"),
        row(&b, "2026-10-21", "08:00", "12:00", "active"),
    ];
    submit_report(&app, &w, rows).await;
    let c = completeness(&app, &w).await;
    let codes = missing_codes(&c);
    assert_eq!(codes[0], "invoice_missing");
    let unregistered: Vec<&Value> = c["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["code"] == "assistant_not_registered_with_fk")
        .collect();
    assert_eq!(unregistered.len(), 1);
    assert_eq!(unregistered[0]["assistant_id"], b.as_str());
    assert_eq!(unregistered[0]["days"], json!(["2026-10-12", "2026-10-13"]));
    let mut contracts: Vec<&str> = c["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["code"] == "employment_contract_missing")
        .map(|m| m["assistant_id"].as_str().unwrap())
        .collect();
    contracts.sort();
    let mut both = vec![a.as_str(), b.as_str()];
    both.sort();
    assert_eq!(contracts, both);

    // Contracts on file, invoice in: only B's unregistered days remain.
    upload_contract(
        &app,
        &w.org.token,
        &employment_of(&app, &w.org.token, &a).await,
    )
    .await;
    upload_contract(&app, &w.org.token, &b_employment).await;
    let d = draft(&app, &w).await;
    // B's 8 h before registration are not payable and not invoiced.
    assert_eq!(d["payable_hours"], "12.00");
    assert_eq!(d["not_payable_hours"], "8.00");
    assert_eq!(d["warnings"][0]["code"], "assistant_not_registered_with_fk");
    expect(
        &app.post("/api/v1/invoices", &w.org.token, &claim_of(&w, &d))
            .await,
        201,
    );
    let c = completeness(&app, &w).await;
    assert_eq!(missing_codes(&c), ["assistant_not_registered_with_fk"]);
    assert!(c["missing"][0]["message"].as_str().unwrap().contains(&b));

    // A correction without those days, and one hour more on the 21st,
    // makes the invoice stale ...
    let rows = vec![
        row(&a, "2026-10-01", "08:00", "16:00", "active"),
        row(&b, "2026-10-21", "08:00", "13:00", "active"),
    ];
    correct_report(&app, &w, rows).await;
    let c = completeness(&app, &w).await;
    assert_eq!(missing_codes(&c), ["invoice_stale"]);
    assert!(c["missing"][0]["invoice_id"].is_string());
    assert!(!c["missing"][0]["stale_reasons"]
        .as_array()
        .unwrap()
        .is_empty());
    // ... and a new invoice completes the month.
    expect(
        &app.post(
            "/api/v1/invoices",
            &w.org.token,
            &claim_of(&w, &draft(&app, &w).await),
        )
        .await,
        201,
    );
    let c = completeness(&app, &w).await;
    assert_eq!(c["complete"], true);
    assert_eq!(c["missing"], json!([]));

    // Another organisation's user is not found; a bad month is refused.
    let other = fixtures::org(&app).await;
    let res = app
        .get(
            &format!(
                "/api/v1/months/2026-10/completeness?assistance_user_id={}",
                w.user
            ),
            &other.token,
        )
        .await;
    expect_problem(&res, 404);
    let res = app
        .get(
            &format!(
                "/api/v1/months/2026-1/completeness?assistance_user_id={}",
                w.user
            ),
            &w.org.token,
        )
        .await;
    expect_problem(&res, 422);
    let res = app
        .get(
            &format!(
                "/api/v1/months/2026-10/completeness?assistance_user_id={}",
                w.user
            ),
            &app.auditor(),
        )
        .await;
    assert_eq!(expect(&res, 200)["complete"], true);
}
db_test!(completeness_names_what_is_missing);
