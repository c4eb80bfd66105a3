//! Double assistance whether marked or not (issue 11 §6): overlapping rows
//! of different assistants for one user, over JSON and CSV.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, Org};
use crate::helpers::*;
use crate::time_reports::row;

struct Two {
    org: Org,
    user: String,
    user_pnr: String,
    a: (String, String),
    b: (String, String),
}

/// A user with a decision granting `double` hours a week of double
/// assistance (none: not granted), and two employed assistants.
async fn two_assistants(app: &TestApp, double: Option<&str>, serial: u32) -> Two {
    let org = fixtures::org(app).await;
    let user_pnr = pnr("19600101", serial);
    let user = fixtures::user(app, &org, &user_pnr).await;
    let mut assistants = Vec::new();
    for serial in [serial + 1, serial + 2] {
        let p = pnr("19900101", serial);
        let id = fixtures::assistant(app, &org, &p).await;
        fixtures::employment(app, &org, &id, &user, json!({})).await;
        assistants.push((id, p));
    }
    let body = match double {
        Some(h) => json!({"double_assistance_hours_per_week": h}),
        None => json!({}),
    };
    fixtures::decision(app, &org, &user, body).await;
    fixtures::agreement(app, &org, &user).await;
    let b = assistants.pop().unwrap();
    let a = assistants.pop().unwrap();
    Two {
        org,
        user,
        user_pnr,
        a,
        b,
    }
}

/// `(pointer, code)` of each warning of these codes.
fn flagged(warnings: &Value, codes: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = warnings
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| codes.contains(&w["code"].as_str().unwrap()))
        .map(|w| {
            (
                w["pointer"].as_str().unwrap_or("").to_string(),
                w["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pair(pointer: &str, code: &str) -> (String, String) {
    (pointer.into(), code.into())
}

async fn draft_hours(app: &TestApp, w: &Two, month: &str) -> Value {
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month={month}",
                w.user
            ),
            &w.org.token,
        )
        .await;
    expect(&res, 200)["payable_hours"].clone()
}

async fn without_a_grant_the_overlap_is_paid_once(app: TestApp) {
    let w = two_assistants(&app, None, 51).await;
    expect(
        &app.put(
            "/api/v1/rates/2026",
            &app.admin(),
            &json!({"sek_per_hour": "350.00"}),
        )
        .await,
        201,
    );
    // b starts later (10:00): its two hours under a are not paid.
    let body = json!({"assistance_user_id": w.user, "month": "2026-10", "rows": [
        row(&w.b.0, "2026-10-05", "10:00", "14:00", "active"),
        row(&w.a.0, "2026-10-05", "08:00", "12:00", "active"),
        row(&w.a.0, "2026-10-06", "08:00", "12:00", "active"),
    ]});
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    let r = expect(&res, 201);
    assert_eq!(r["hours"]["active"], "12.00");
    assert_eq!(r["hours"]["payable"], "10.00");
    assert_eq!(r["hours"]["not_payable"], "2.00");
    assert_eq!(
        flagged(
            &r["warnings"],
            &["unmarked_double_assistance", "double_over_grant"]
        ),
        vec![
            pair("/rows/0", "unmarked_double_assistance"),
            pair("/rows/1", "unmarked_double_assistance"),
        ]
    );
    // The invoice equals the report, and the balance counts what is paid.
    assert_eq!(draft_hours(&app, &w, "2026-10").await, "10.00");
    let res = app
        .get(
            &format!(
                "/api/v1/assistance-users/{}/balance?from=2026-10&to=2026-10",
                w.user
            ),
            &w.org.token,
        )
        .await;
    let b = expect(&res, 200);
    assert_eq!(b["months"][0]["reported_payable_hours"], "10.00");
    assert_eq!(
        b["months"][0]["double_assistance"]["reported_hours"],
        "0.00"
    );
    // The dashboard counts the warning.
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &w.org.token)
            .await,
        200,
    );
    assert_eq!(d["rows"][0]["reported_payable_hours"], "10.00");
    assert_eq!(d["rows"][0]["warnings"]["unmarked_double_assistance"], 2);

    // The same file as CSV: the same rule, located by line.
    let other = two_assistants(&app, None, 61).await;
    let csv = format!(
        "brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\n\
         {u};{b};2026-10-05;10:00;14:00;aktiv;nej;nej\n\
         {u};{a};2026-10-05;08:00;12:00;aktiv;nej;nej\n\
         {u};{a};2026-10-06;08:00;12:00;aktiv;nej;nej\n",
        u = other.user_pnr,
        a = other.a.1,
        b = other.b.1,
    );
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports",
            &other.org.token,
            "text/csv",
            csv.into_bytes(),
            &[],
        )
        .await;
    let r = expect(&res, 201);
    let receipt = &r["receipts"][0];
    assert_eq!(receipt["hours"]["payable"], "10.00", "{receipt:#}");
    assert_eq!(receipt["hours"]["not_payable"], "2.00");
    let lines: Vec<(u64, String)> = receipt["csv_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "unmarked_double_assistance")
        .map(|w| {
            (
                w["line"].as_u64().unwrap(),
                w["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, "unmarked_double_assistance".to_string()),
            (3, "unmarked_double_assistance".to_string())
        ]
    );
    assert_eq!(draft_hours(&app, &other, "2026-10").await, "10.00");
}
db_test!(without_a_grant_the_overlap_is_paid_once);

async fn with_a_grant_the_overlap_counts_against_it(app: TestApp) {
    // 0.10 h a week: 2.63 h in the grant period 2026-07-01 – 2026-12-31.
    let w = two_assistants(&app, Some("0.10"), 71).await;
    expect(
        &app.put(
            "/api/v1/rates/2026",
            &app.admin(),
            &json!({"sek_per_hour": "350.00"}),
        )
        .await,
        201,
    );
    let october = json!({"assistance_user_id": w.user, "month": "2026-10", "rows": [
        row(&w.a.0, "2026-10-05", "08:00", "12:00", "active"),
        row(&w.b.0, "2026-10-05", "10:00", "12:00", "active"),
    ]});
    let res = app
        .post("/api/v1/time-reports", &w.org.token, &october)
        .await;
    let r = expect(&res, 201);
    // Paid in full; the 2 h overlap is double assistance, within the grant.
    assert_eq!(r["hours"]["payable"], "6.00");
    assert_eq!(
        flagged(
            &r["warnings"],
            &["unmarked_double_assistance", "double_over_grant"]
        ),
        vec![]
    );
    let url = format!(
        "/api/v1/assistance-users/{}/balance?from=2026-10&to=2026-10",
        w.user
    );
    let b = expect(&app.get(&url, &w.org.token).await, 200);
    assert_eq!(
        b["months"][0]["double_assistance"]["reported_hours"],
        "2.00"
    );
    // September, marked double: 1 h on each of two rows, as today (2 h).
    let mut s1 = row(&w.a.0, "2026-09-01", "08:00", "09:00", "active");
    s1["double"] = json!(true);
    let mut s2 = row(&w.b.0, "2026-09-01", "08:00", "09:00", "active");
    s2["double"] = json!(true);
    let september = json!({"assistance_user_id": w.user, "month": "2026-09", "rows": [s1, s2]});
    let res = app
        .post("/api/v1/time-reports", &w.org.token, &september)
        .await;
    let r = expect(&res, 201);
    assert_eq!(
        flagged(
            &r["warnings"],
            &["unmarked_double_assistance", "double_over_grant"]
        ),
        vec![]
    );
    // October again (a correction): 2 + 2 h is over the period's 2.63 h.
    let mut corrected = october.clone();
    corrected["correction_reason"] = json!("Same rows, checked again");
    corrected["rows"].as_array_mut().unwrap().push(row(
        &w.a.0,
        "2026-10-07",
        "08:00",
        "09:00",
        "active",
    ));
    let res = app
        .post("/api/v1/time-reports", &w.org.token, &corrected)
        .await;
    let r = expect(&res, 201);
    assert_eq!(r["hours"]["payable"], "7.00");
    assert_eq!(
        flagged(
            &r["warnings"],
            &["unmarked_double_assistance", "double_over_grant"]
        ),
        vec![
            pair("/rows/0", "double_over_grant"),
            pair("/rows/1", "double_over_grant"),
        ]
    );
    assert_eq!(draft_hours(&app, &w, "2026-10").await, "7.00");
}
db_test!(with_a_grant_the_overlap_counts_against_it);
