//! Month status, close and reopen: what is missing, `ready`, the refusals
//! of a closed month in every channel, idempotent replays, audit, tenancy.

use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;
use crate::signatures::{month, rows, sign_everything, submit_invoice, Month};
use crate::time_reports::report;

async fn status(app: &TestApp, token: &str, m: &Month) -> Value {
    expect(
        &app.get(
            &format!(
                "/api/v1/months/2026-10/status?assistance_user_id={}",
                m.w.user
            ),
            token,
        )
        .await,
        200,
    )
}

fn codes_of(st: &Value) -> Vec<(String, Option<String>)> {
    st["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["code"].as_str().unwrap().to_string(),
                m["role"].as_str().map(String::from),
            )
        })
        .collect()
}

async fn dashboard(app: &TestApp, token: &str) -> Value {
    expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", token)
            .await,
        200,
    )
}

async fn close(app: &TestApp, token: &str, m: &Month) -> Res {
    app.post(
        &format!(
            "/api/v1/months/2026-10/close?assistance_user_id={}",
            m.w.user
        ),
        token,
        &json!({}),
    )
    .await
}

async fn a_month_is_ready_when_signed_and_then_closes(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    // Unsigned: every signature is missing, nothing else.
    let st = status(&app, &w.org.token, &m).await;
    assert_eq!(st["state"], "open");
    let c = codes_of(&st);
    assert_eq!(
        c.iter().filter(|(c, _)| c == "signature_missing").count(),
        4,
        "{st:#}"
    );
    assert!(
        c.contains(&("invoice_signature_missing".into(), None)),
        "{st:#}"
    );
    assert_eq!(c.len(), 5, "{st:#}");
    let miss = &st["missing"][0];
    assert_eq!(miss["role"], "assistant");
    assert!(miss["assistant_id"].is_string());
    // Closing now is 409 with the same list.
    let p = expect_problem(&close(&app, &w.org.token, &m).await, 409);
    assert_eq!(p["code"], "month_not_ready");
    assert_eq!(p["missing"], st["missing"]);

    assert_eq!(
        dashboard(&app, &w.org.token).await["rows"][0]["month_state"],
        "open"
    );
    sign_everything(&app, &m, 1).await;
    let st = status(&app, &w.org.token, &m).await;
    assert_eq!(st["state"], "ready", "{st:#}");
    assert_eq!(st["missing"], json!([]));
    let d = dashboard(&app, &w.org.token).await;
    assert_eq!(d["rows"][0]["month_state"], "ready");
    assert_eq!(
        (d["totals"]["ready"].clone(), d["totals"]["closed"].clone()),
        (json!(1), json!(0))
    );
    // Auditors read the status, may not close.
    expect(
        &app.get(
            &format!(
                "/api/v1/months/2026-10/status?assistance_user_id={}",
                w.user
            ),
            &app.auditor(),
        )
        .await,
        200,
    );
    expect_problem(&close(&app, &app.auditor(), &m).await, 403);
    // Another organisation: 404 on status and close.
    let stranger = crate::fixtures::org(&app).await;
    expect_problem(
        &app.get(
            &format!(
                "/api/v1/months/2026-10/status?assistance_user_id={}",
                w.user
            ),
            &stranger.token,
        )
        .await,
        404,
    );
    expect_problem(&close(&app, &stranger.token, &m).await, 404);

    let st = expect(&close(&app, &w.org.token, &m).await, 200);
    assert_eq!(st["state"], "closed");
    assert_eq!(st["closing"]["time_report_version"], 1);
    assert_eq!(st["closing"]["invoice_version"], 1);
    assert_eq!(st["closing"]["closed_at"], "2026-11-12T10:00:00Z");
    let d = dashboard(&app, &w.org.token).await;
    assert_eq!(d["rows"][0]["month_state"], "closed");
    assert_eq!(
        (d["totals"]["ready"].clone(), d["totals"]["closed"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(d["totals_by_organisation"][0]["closed"], 1);
    let csv = app
        .get_with(
            "/api/v1/dashboard/compliance?month=2026-10",
            &w.org.token,
            &[("Accept", "text/csv")],
        )
        .await
        .text;
    assert!(
        csv.lines().next().unwrap().contains(";month_state;"),
        "{csv}"
    );
    assert!(csv.lines().nth(1).unwrap().contains(";closed;"), "{csv}");
    // Closing again changes nothing.
    assert_eq!(
        expect(&close(&app, &w.org.token, &m).await, 200)["state"],
        "closed"
    );

    // A closed month refuses a new version...
    let mut body = report(w, "2026-10", rows(w));
    body["rows"][0]["end"] = json!("16:00");
    body["correction_reason"] = json!("Sent efter stängning");
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    let p = expect_problem(&res, 409);
    assert_eq!(p["code"], "month_closed");
    assert_eq!(p["month"], "2026-10");
    // ...but the same rows again are 200, unchanged.
    let same = report(w, "2026-10", rows(w));
    let r = expect(
        &app.post("/api/v1/time-reports", &w.org.token, &same).await,
        200,
    );
    assert_eq!(r["version"], 1);
    // Invoices: a new one is refused, the same one is 200.
    let res = app
        .post("/api/v1/invoices", &w.org.token, &json!({"assistance_user_id": w.user, "month": "2026-10", "payable_hours": "1.00", "sek_per_hour": "340.00", "amount_sek": "340.00"}))
        .await;
    assert_eq!(expect_problem(&res, 409)["code"], "month_closed");
    assert_eq!(submit_invoice(&app, w).await["version"], 1);
    // Signatures: new ones refused, repeats answered.
    let res = app
        .post(
            &format!("/api/v1/organisations/{}/signatories", w.org.id),
            &w.org.token,
            &json!({"personnummer": pnr("19720101", 321), "name": "Ny Firmatecknare", "valid_from": "2026-01-01"}),
        )
        .await;
    expect(&res, 201);
    let hash = crate::signatures::payload(&app, &w.org.token, &m.report, 1, &w.assistants[0]).await
        ["payload_hash"]
        .clone();
    let body = crate::signatures::signature(
        1,
        &w.assistants[0],
        "employer",
        &pnr("19720101", 321),
        &hash,
    );
    assert_eq!(
        expect_problem(
            &crate::signatures::sign(&app, &w.org.token, &m.report, &body).await,
            409
        )["code"],
        "month_closed"
    );
    let body = crate::signatures::signature(
        1,
        &w.assistants[0],
        "employer",
        crate::signatures::SIGNATORY_PNR,
        &hash,
    );
    expect(
        &crate::signatures::sign(&app, &w.org.token, &m.report, &body).await,
        200,
    );

    // Reopen: a reason is required; then the correction goes through.
    let url = format!(
        "/api/v1/months/2026-10/reopen?assistance_user_id={}",
        w.user
    );
    let p = expect_problem(
        &app.post(&url, &w.org.token, &json!({"reason": "  "})).await,
        422,
    );
    assert_eq!(error_with(&p, "invalid_reason")["pointer"], "/reason");
    expect_problem(&app.post(&url, &w.org.token, &json!({})).await, 422);
    let st = expect(
        &app.post(&url, &w.org.token, &json!({"reason": "Rättelse av rad 1"}))
            .await,
        200,
    );
    assert_eq!(st["state"], "ready");
    assert_eq!(st.get("closing"), None);
    assert_eq!(
        expect_problem(
            &app.post(&url, &w.org.token, &json!({"reason": "igen"}))
                .await,
            409
        )["code"],
        "month_not_closed"
    );
    let mut body = report(w, "2026-10", rows(w));
    body["rows"][0]["end"] = json!("16:00");
    body["correction_reason"] = json!("Rättelse av rad 1");
    expect(
        &app.post("/api/v1/time-reports", &w.org.token, &body).await,
        201,
    );
    let st = status(&app, &w.org.token, &m).await;
    assert_eq!(st["state"], "open");
    let c = codes_of(&st);
    assert!(c.contains(&("invoice_stale".into(), None)), "{st:#}");
    assert_eq!(
        c.iter().filter(|(c, _)| c == "signature_missing").count(),
        4,
        "{st:#}"
    );

    // Close and reopen are in the report's audit trail, with the reason.
    let audit = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/audit", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"close_month") && actions.contains(&"reopen_month"),
        "{actions:?}"
    );
    let reopen = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "reopen_month")
        .unwrap();
    assert_eq!(reopen["reason"], "Rättelse av rad 1");
    assert_eq!(reopen["actor"], "provider:test");
}
db_test!(a_month_is_ready_when_signed_and_then_closes);

async fn a_closed_month_refuses_files_and_replays_stored_replies(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    // An idempotent request before the close...
    let mut body = report(w, "2026-10", rows(w));
    body["rows"][0]["end"] = json!("15:30");
    body["correction_reason"] = json!("Halvtimme till");
    let key = [("Idempotency-Key", "run-42")];
    let first = app
        .post_with("/api/v1/time-reports", &w.org.token, &body, &key)
        .await;
    expect(&first, 201);
    sign_everything(&app, &m, 2).await;
    // The invoice must follow version 2 before the month is ready.
    let inv = submit_invoice(&app, w).await;
    assert_eq!(inv["version"], 2);
    sign_everything(&app, &m, 2).await;
    expect(&close(&app, &w.org.token, &m).await, 200);
    // ...replays its stored reply after the close.
    let replay = app
        .post_with("/api/v1/time-reports", &w.org.token, &body, &key)
        .await;
    assert_eq!(replay.status.as_u16(), 201);
    assert_eq!(replay.text, first.text);

    // A CSV file touching the closed month is refused whole, naming its line.
    let csv = format!(
        "brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\n{u};{a};2026-09-01;07:00;15:00;aktiv;nej;nej\n{u};{a};2026-10-02;07:00;15:00;aktiv;nej;nej\n",
        u = w.user_pnr,
        a = w.assistant_pnrs[0]
    );
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports",
            &w.org.token,
            "text/csv",
            csv.into_bytes(),
            &[],
        )
        .await;
    let p = expect_problem(&res, res.status.as_u16());
    assert!(
        res.status.as_u16() == 409 || res.status.as_u16() == 422,
        "{res:?}"
    );
    let fault = error_with(&p, "month_closed");
    assert_eq!(fault["line"], 3, "{p:#}");
    // Nothing of the file was stored (September is not there either).
    let list = expect(
        &app.get("/api/v1/time-reports?month=2026-09", &w.org.token)
            .await,
        200,
    );
    assert_eq!(list["items"], json!([]));
}
db_test!(a_closed_month_refuses_files_and_replays_stored_replies);
