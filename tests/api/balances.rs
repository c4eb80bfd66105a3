//! Hours against the grant: the worked example of docs/balances.md.

use serde_json::json;

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;
use crate::time_reports::row;

/// docs/balances.md, "Worked example".
async fn worked_example(app: TestApp) {
    app.set_now("2024-03-10T12:00:00Z");
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19500101", 71)).await;
    let a = fixtures::assistant(&app, &org, &pnr("19900101", 72)).await;
    fixtures::employment(&app, &org, &a, &user, json!({})).await;
    fixtures::decision(
        &app,
        &org,
        &user,
        json!({"hours_per_week": "70.00", "valid_from": "2024-01-01"}),
    )
    .await;
    // January: 10 h active every day, plus 4 h waiting on the 1st (= 1 h).
    let mut jan: Vec<_> = (1..=31)
        .map(|d| row(&a, &format!("2024-01-{d:02}"), "08:00", "18:00", "active"))
        .collect();
    jan.push(row(&a, "2024-01-01", "18:00", "22:00", "waiting"));
    // February: 9 h active every day.
    let feb: Vec<_> = (1..=29)
        .map(|d| row(&a, &format!("2024-02-{d:02}"), "08:00", "17:00", "active"))
        .collect();
    for (month, rows) in [("2024-01", jan), ("2024-02", feb)] {
        let res = app
            .post(
                "/api/v1/time-reports",
                &org.token,
                &json!({"assistance_user_id": user, "month": month, "rows": rows}),
            )
            .await;
        expect(&res, 201);
    }
    let res = app
        .get(
            &format!("/api/v1/assistance-users/{user}/balance?from=2024-01&to=2024-02"),
            &org.token,
        )
        .await;
    let b = expect(&res, 200);
    assert_eq!(b["months"][0]["month"], "2024-01");
    assert_eq!(b["months"][0]["granted_hours"], "310.00");
    assert_eq!(b["months"][0]["reported_payable_hours"], "311.00");
    assert_eq!(b["months"][0]["difference_hours"], "-1.00");
    assert_eq!(b["months"][0]["amount_sek"], "103438.60");
    assert_eq!(b["months"][1]["granted_hours"], "290.00");
    assert_eq!(b["months"][1]["reported_payable_hours"], "261.00");
    assert_eq!(b["months"][1]["cumulative_granted_hours"], "600.00");
    assert_eq!(b["months"][1]["cumulative_reported_hours"], "572.00");
    assert_eq!(b["months"][1]["amount_sek"], "86808.60");
    assert_eq!(b["months"][1]["over_grant_period"], false);
    let p = &b["periods"][0];
    assert_eq!(p["start"], "2024-01-01");
    assert_eq!(p["end"], "2024-06-30");
    assert_eq!(p["granted_hours"], "1820.00");
    assert_eq!(p["reported_payable_hours"], "572.00");
    assert_eq!(p["remaining_hours"], "1248.00");
    // The pace of the reported months: 572 × 182 / (31 + 29).
    assert_eq!(p["projected_hours"], "1735.07");
    assert_eq!(p["projection_based_on"], json!(["2024-01", "2024-02"]));
    assert_eq!(p["projected_to_exceed"], false);
    assert_eq!(b["warnings"], json!([]));
    // Weeks later, March still unreported: it is not zero use, so the
    // projection stands (dividing by the days elapsed would give 937.87).
    app.set_now("2024-04-20T12:00:00Z");
    let res = app
        .get(
            &format!("/api/v1/assistance-users/{user}/balance?from=2024-01&to=2024-02"),
            &org.token,
        )
        .await;
    let p = &expect(&res, 200)["periods"][0];
    assert_eq!(p["projected_hours"], "1735.07");
    assert_eq!(p["projection_based_on"], json!(["2024-01", "2024-02"]));
    app.set_now("2024-03-10T12:00:00Z");
    // The default range is the current grant period.
    let res = app
        .get(
            &format!("/api/v1/assistance-users/{user}/balance"),
            &org.token,
        )
        .await;
    let b = expect(&res, 200);
    assert_eq!(
        (b["from"].as_str(), b["to"].as_str()),
        (Some("2024-01"), Some("2024-06"))
    );
    assert_eq!(b["months"].as_array().unwrap().len(), 6);
    // Tenancy.
    let other = fixtures::org(&app).await;
    expect_problem(
        &app.get(
            &format!("/api/v1/assistance-users/{user}/balance"),
            &other.token,
        )
        .await,
        404,
    );
    let res = app
        .get(
            &format!("/api/v1/assistance-users/{user}/balance?from=2024-03&to=2024-01"),
            &org.token,
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_range")["field"],
        "to"
    );
}
db_test!(worked_example);

async fn over_grant_and_missing_rates(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    // A small grant: 7 h/week, so October's hours exceed the whole period.
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19500101", 73)).await;
    let a = fixtures::assistant(&app, &org, &pnr("19900101", 74)).await;
    fixtures::employment(&app, &org, &a, &user, json!({})).await;
    fixtures::decision(
        &app,
        &org,
        &user,
        json!({"hours_per_week": "7.00", "valid_from": "2026-10-01", "double_assistance_hours_per_week": "1.00"}),
    )
    .await;
    let rows: Vec<_> = (1..=31)
        .map(|d| row(&a, &format!("2026-10-{d:02}"), "08:00", "18:00", "active"))
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
            &format!("/api/v1/assistance-users/{user}/balance?from=2026-10&to=2026-11"),
            &org.token,
        )
        .await;
    let b = expect(&res, 200);
    assert_eq!(b["months"][0]["granted_hours"], "31.00");
    assert_eq!(b["months"][0]["reported_payable_hours"], "310.00");
    assert_eq!(b["months"][0]["over_grant_period"], true);
    assert_eq!(b["months"][0]["double_assistance"]["granted_hours"], "4.43");
    assert_eq!(
        b["periods"][0]["exceeded_in_months"],
        json!(["2026-10", "2026-11"])
    );
    // No rate for 2026: hours show, money is null, with a warning.
    assert_eq!(b["months"][0]["amount_sek"], serde_json::Value::Null);
    assert_eq!(b["warnings"][0]["code"], "rate_missing");
    assert_eq!(b["warnings"][0]["year"], 2026);
    // Once the rate is known, money appears.
    expect(
        &app.put(
            "/api/v1/rates/2026",
            &app.admin(),
            &json!({"sek_per_hour": "350.00"}),
        )
        .await,
        201,
    );
    let res = app
        .get(
            &format!("/api/v1/assistance-users/{user}/balance?from=2026-10&to=2026-10"),
            &org.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["months"][0]["amount_sek"], "108500.00");
    let _ = w;
}
db_test!(over_grant_and_missing_rates);

/// Two decisions that start on the same day: the one recorded last governs,
/// in the balance, the dashboard and the invoice alike, whatever their ids.
async fn same_start_the_last_recorded_governs_everywhere(app: TestApp) {
    let org = fixtures::org(&app).await;
    let a = fixtures::assistant(&app, &org, &pnr("19900101", 76)).await;
    // Per user: hours per week of the first and the later recorded decision.
    let cases = [("70.00", "140.00", "620.00"), ("140.00", "70.00", "310.00")];
    let mut users = Vec::new();
    for (i, (first, later, granted)) in cases.into_iter().enumerate() {
        let user = fixtures::user(&app, &org, &pnr("19500101", 77 + i as u32)).await;
        fixtures::employment(&app, &org, &a, &user, json!({})).await;
        let mut ids = Vec::new();
        for (at, hours) in [
            ("2024-01-02T08:00:00Z", first),
            ("2024-01-03T08:00:00Z", later),
        ] {
            app.set_now(at);
            ids.push(
                fixtures::decision(
                    &app,
                    &org,
                    &user,
                    json!({"hours_per_week": hours, "valid_from": "2024-01-01"}),
                )
                .await,
            );
        }
        users.push((user, ids.pop().unwrap(), granted));
    }
    app.set_now("2024-02-10T12:00:00Z");
    for (i, (user, later_id, granted)) in users.iter().enumerate() {
        let day = format!("2024-01-{:02}", 10 + i);
        let res = app
            .post(
                "/api/v1/time-reports",
                &org.token,
                &json!({"assistance_user_id": user, "month": "2024-01",
                        "rows": [row(&a, &day, "08:00", "12:00", "active")]}),
            )
            .await;
        expect(&res, 201);
        let res = app
            .get(
                &format!("/api/v1/assistance-users/{user}/balance?from=2024-01&to=2024-01"),
                &org.token,
            )
            .await;
        assert_eq!(expect(&res, 200)["months"][0]["granted_hours"], *granted);
        let res = app
            .get(
                &format!("/api/v1/invoices/draft?assistance_user_id={user}&month=2024-01"),
                &org.token,
            )
            .await;
        let d = expect(&res, 200);
        assert_eq!(d["lines"][0]["decision_id"], *later_id);
        assert_eq!(d["grant_periods"][0]["decision_id"], *later_id);
        let res = app
            .get("/api/v1/dashboard/compliance?month=2024-01", &org.token)
            .await;
        let dash = expect(&res, 200);
        let r = dash["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["assistance_user_id"] == *user)
            .expect("user row");
        assert_eq!(r["granted_hours"], *granted);
    }
}
db_test!(same_start_the_last_recorded_governs_everywhere);
