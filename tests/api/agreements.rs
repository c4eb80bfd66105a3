//! Agreements and payee (FK form 3079): the register, the warnings
//! `no_agreement` and `agreement_not_sent_to_fk` on receipts, invoices, the
//! draft and the dashboard, and the month status's `agreement_missing`.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, Org};
use crate::helpers::*;
use crate::invoices::set_rate;
use crate::signatures::{month, sign_everything};
use crate::time_reports::row;

async fn agreement(app: &TestApp, org: &Org, body: Value) -> Res {
    app.post("/api/v1/agreements", &org.token, &body).await
}

/// The codes of a receipt's or invoice's warnings that concern agreements.
fn agreement_codes(warnings: &Value) -> Vec<String> {
    warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .filter(|c| c.contains("agreement"))
        .collect()
}

async fn agreements_are_registered_and_checked(app: TestApp) {
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19700101", 21)).await;
    let a = expect(
        &agreement(
            &app,
            &org,
            json!({"assistance_user_id": user, "valid_from": "2026-01-01", "payee": "provider"}),
        )
        .await,
        201,
    );
    assert_eq!(a["payee"], "provider");
    assert_eq!(a["valid_to"], Value::Null);
    assert_eq!(a["sent_to_fk_on"], Value::Null);
    let path = format!("/api/v1/agreements/{}", a["id"].as_str().unwrap());
    let sent = expect(
        &app.patch(
            &path,
            &org.token,
            &json!({"sent_to_fk_on": "2026-01-15", "payee": "assistance_user"}),
        )
        .await,
        200,
    );
    assert_eq!(sent["sent_to_fk_on"], "2026-01-15");
    assert_eq!(sent["payee"], "assistance_user");
    assert_eq!(expect(&app.get(&path, &org.token).await, 200), sent);
    let list = expect(
        &app.get(
            &format!("/api/v1/agreements?assistance_user_id={user}"),
            &org.token,
        )
        .await,
        200,
    );
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Refusals: reversed period, sent after today (10 Nov 2026), unknown
    // payee, another organisation's user.
    let p = expect_problem(
        &app.patch(&path, &org.token, &json!({"valid_to": "2025-12-31"}))
            .await,
        422,
    );
    assert_eq!(error_with(&p, "invalid_period")["pointer"], "/valid_to");
    let p = expect_problem(
        &app.patch(&path, &org.token, &json!({"sent_to_fk_on": "2026-11-11"}))
            .await,
        422,
    );
    assert_eq!(
        error_with(&p, "date_in_future")["pointer"],
        "/sent_to_fk_on"
    );
    let p = expect_problem(
        &agreement(
            &app,
            &org,
            json!({"assistance_user_id": user, "valid_from": "2026-01-01", "payee": "bank"}),
        )
        .await,
        422,
    );
    assert_eq!(p["errors"][0]["pointer"], "/payee");
    let other = fixtures::org(&app).await;
    let p = expect_problem(
        &agreement(
            &app,
            &other,
            json!({"assistance_user_id": user, "valid_from": "2026-01-01", "payee": "provider"}),
        )
        .await,
        422,
    );
    assert_eq!(codes(&p), ["unknown_assistance_user"]);
    // Tenancy: another organisation sees nothing of it.
    expect_problem(&app.get(&path, &other.token).await, 404);
    expect_problem(
        &app.patch(&path, &other.token, &json!({"payee": "provider"}))
            .await,
        404,
    );
    let list = expect(&app.get("/api/v1/agreements", &other.token).await, 200);
    assert_eq!(list["items"], json!([]));
    expect_problem(
        &agreement(
            &app,
            &Org {
                id: org.id.clone(),
                token: app.auditor(),
            },
            json!({"assistance_user_id": user, "valid_from": "2026-01-01", "payee": "provider"}),
        )
        .await,
        403,
    );
}
db_test!(agreements_are_registered_and_checked);

async fn a_self_employer_has_no_agreement(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let w = fixtures::world_of_kind(&app, "self_employer", 1).await;
    let p = expect_problem(
        &agreement(
            &app,
            &w.org,
            json!({"assistance_user_id": w.user, "valid_from": "2026-01-01", "payee": "provider"}),
        )
        .await,
        422,
    );
    assert_eq!(p["code"], "not_for_self_employer");
    // Its reports and its month never ask for one.
    let r = expect(
        &app.post(
            "/api/v1/time-reports",
            &w.org.token,
            &json!({"assistance_user_id": w.user, "month": "2026-10",
                    "rows": [row(&w.assistants[0], "2026-10-01", "08:00", "16:00", "active")]}),
        )
        .await,
        201,
    );
    assert_eq!(agreement_codes(&r["warnings"]), Vec::<String>::new());
    let st = expect(
        &app.get(
            &format!(
                "/api/v1/months/2026-10/status?assistance_user_id={}",
                w.user
            ),
            &w.org.token,
        )
        .await,
        200,
    );
    assert!(
        st["missing"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["code"] != "agreement_missing"),
        "{st:#}"
    );
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &w.org.token)
            .await,
        200,
    );
    assert_eq!(d["rows"][0]["agreement"], "not_required");
    assert_eq!(d["rows"][0]["warnings"]["no_agreement"], 0);
}
db_test!(a_self_employer_has_no_agreement);

/// A company's user with a decision and one assistant, and no agreement.
async fn uncovered(app: &TestApp) -> (Org, String, String) {
    set_rate(app, 2026, "340.00").await;
    let org = fixtures::org(app).await;
    let user = fixtures::user(app, &org, &pnr("19700101", 22)).await;
    let a = fixtures::assistant(app, &org, &pnr("19900101", 23)).await;
    fixtures::employment(app, &org, &a, &user, json!({})).await;
    fixtures::decision(app, &org, &user, json!({})).await;
    (org, user, a)
}

async fn what_the_month_shows(
    app: &TestApp,
    org: &Org,
    user: &str,
    report: &str,
) -> [Vec<String>; 4] {
    let r = expect(
        &app.get(&format!("/api/v1/time-reports/{report}"), &org.token)
            .await,
        200,
    );
    let d = expect(
        &app.get(
            &format!("/api/v1/invoices/draft?assistance_user_id={user}&month=2026-10"),
            &org.token,
        )
        .await,
        200,
    );
    let inv = expect(
        &app.get(
            &format!("/api/v1/invoices?assistance_user_id={user}&month=2026-10"),
            &org.token,
        )
        .await,
        200,
    );
    let dash = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &org.token)
            .await,
        200,
    );
    let row = &dash["rows"][0];
    let mut column = vec![row["agreement"].as_str().unwrap().to_string()];
    for code in ["no_agreement", "agreement_not_sent_to_fk"] {
        if row["warnings"][code] == 1 {
            column.push(code.to_string());
        }
    }
    [
        agreement_codes(&r["warnings"]),
        agreement_codes(&d["warnings"]),
        agreement_codes(&inv["items"][0]["warnings"]),
        column,
    ]
}

async fn reports_and_invoices_warn_until_an_agreement_is_sent(app: TestApp) {
    let (org, user, a) = uncovered(&app).await;
    let receipt = expect(
        &app.post(
            "/api/v1/time-reports",
            &org.token,
            &json!({"assistance_user_id": user, "month": "2026-10",
                    "rows": [row(&a, "2026-10-01", "08:00", "16:00", "active")]}),
        )
        .await,
        201,
    );
    let w = receipt["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "no_agreement")
        .expect("no_agreement on the receipt");
    assert_eq!(w["pointer"], "/month");
    let report = receipt["id"].as_str().unwrap().to_string();
    let d = expect(
        &app.get(
            &format!("/api/v1/invoices/draft?assistance_user_id={user}&month=2026-10"),
            &org.token,
        )
        .await,
        200,
    );
    let inv = expect(
        &app.post(
            "/api/v1/invoices",
            &org.token,
            &json!({"assistance_user_id": user, "month": "2026-10", "payable_hours": d["payable_hours"],
                    "sek_per_hour": d["sek_per_hour"], "amount_sek": d["amount_sek"]}),
        )
        .await,
        201,
    );
    assert_eq!(agreement_codes(&inv["warnings"]), ["no_agreement"]);
    let no = vec!["no_agreement".to_string()];
    assert_eq!(
        what_the_month_shows(&app, &org, &user, &report).await,
        [
            no.clone(),
            no.clone(),
            no.clone(),
            vec!["missing".into(), "no_agreement".into()]
        ]
    );

    // An agreement that ended before October does not cover it.
    let ended = expect(
        &agreement(
            &app,
            &org,
            json!({"assistance_user_id": user, "valid_from": "2026-01-01", "valid_to": "2026-09-30",
                   "payee": "provider", "sent_to_fk_on": "2026-01-05"}),
        )
        .await,
        201,
    );
    assert_eq!(
        what_the_month_shows(&app, &org, &user, &report).await[0],
        no
    );
    // One valid from the last day of October covers it (one day is
    // enough), but FK does not have it yet.
    let late = expect(
        &agreement(
            &app,
            &org,
            json!({"assistance_user_id": user, "valid_from": "2026-10-31", "payee": "provider"}),
        )
        .await,
        201,
    );
    let unsent = vec!["agreement_not_sent_to_fk".to_string()];
    assert_eq!(
        what_the_month_shows(&app, &org, &user, &report).await,
        [
            unsent.clone(),
            unsent.clone(),
            unsent.clone(),
            vec!["not_sent_to_fk".into(), "agreement_not_sent_to_fk".into()]
        ]
    );
    // Sent: no warning anywhere.
    expect(
        &app.patch(
            &format!("/api/v1/agreements/{}", late["id"].as_str().unwrap()),
            &org.token,
            &json!({"sent_to_fk_on": "2026-11-10"}),
        )
        .await,
        200,
    );
    let none: Vec<String> = Vec::new();
    assert_eq!(
        what_the_month_shows(&app, &org, &user, &report).await,
        [
            none.clone(),
            none.clone(),
            none.clone(),
            vec!["sent_to_fk".into()]
        ]
    );
    // Extending the ended one instead also covers the month.
    expect(
        &app.patch(
            &format!("/api/v1/agreements/{}", late["id"].as_str().unwrap()),
            &org.token,
            &json!({"valid_from": "2026-11-01"}),
        )
        .await,
        200,
    );
    assert_eq!(
        what_the_month_shows(&app, &org, &user, &report).await[0],
        no
    );
    expect(
        &app.patch(
            &format!("/api/v1/agreements/{}", ended["id"].as_str().unwrap()),
            &org.token,
            &json!({"valid_to": null}),
        )
        .await,
        200,
    );
    assert_eq!(
        what_the_month_shows(&app, &org, &user, &report).await[0],
        none
    );
}
db_test!(reports_and_invoices_warn_until_an_agreement_is_sent);

async fn the_csv_import_warns_too(app: TestApp) {
    let (org, user, a) = uncovered(&app).await;
    let users = expect(
        &app.get(&format!("/api/v1/assistance-users/{user}"), &org.token)
            .await,
        200,
    );
    let assistant = expect(
        &app.get(&format!("/api/v1/assistants/{a}"), &org.token)
            .await,
        200,
    );
    let csv = format!(
        "brukare;assistent;datum;start;slut;typ\n{};{};2026-10-01;08:00;16:00;aktiv\n",
        users["personnummer"].as_str().unwrap(),
        assistant["personnummer"].as_str().unwrap()
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
    let body = expect(&res, 201);
    let text = body.to_string();
    assert!(text.contains("no_agreement"), "{body:#}");
}
db_test!(the_csv_import_warns_too);

async fn a_month_without_an_agreement_cannot_close(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    sign_everything(&app, &m, 1).await;
    let status_path = format!(
        "/api/v1/months/2026-10/status?assistance_user_id={}",
        w.user
    );
    let st = expect(&app.get(&status_path, &w.org.token).await, 200);
    assert_eq!(st["state"], "ready", "{st:#}");
    // The fixture's agreement ends before October: nothing covers it.
    let list = expect(
        &app.get(
            &format!("/api/v1/agreements?assistance_user_id={}", w.user),
            &w.org.token,
        )
        .await,
        200,
    );
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    expect(
        &app.patch(
            &format!("/api/v1/agreements/{id}"),
            &w.org.token,
            &json!({"valid_to": "2026-09-30"}),
        )
        .await,
        200,
    );
    let st = expect(&app.get(&status_path, &w.org.token).await, 200);
    assert_eq!(st["state"], "open");
    let codes: Vec<&str> = st["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["agreement_missing"]);
    let close_path = format!("/api/v1/months/2026-10/close?assistance_user_id={}", w.user);
    let p = expect_problem(&app.post(&close_path, &w.org.token, &json!({})).await, 409);
    assert_eq!(p["code"], "month_not_ready");
    assert_eq!(p["missing"], st["missing"]);
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &w.org.token)
            .await,
        200,
    );
    assert_eq!(d["rows"][0]["month_state"], "open");
    // One not yet sent to FK still covers the month: ready, and it closes.
    expect(
        &agreement(
            &app,
            &w.org,
            json!({"assistance_user_id": w.user, "valid_from": "2026-10-15", "payee": "provider"}),
        )
        .await,
        201,
    );
    let st = expect(&app.get(&status_path, &w.org.token).await, 200);
    assert_eq!(st["state"], "ready", "{st:#}");
    let closed = expect(&app.post(&close_path, &w.org.token, &json!({})).await, 200);
    assert_eq!(closed["state"], "closed");
}
db_test!(a_month_without_an_agreement_cannot_close);
