//! The compliance dashboard.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;
use crate::time_reports::row;

fn row_for<'a>(d: &'a Value, user: &str) -> &'a Value {
    d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["assistance_user_id"] == user)
        .expect("user row")
}

async fn statuses_warnings_and_totals(app: TestApp) {
    let org = fixtures::org_of_kind(&app, "company").await;
    let mut users = Vec::new();
    let mut assistants = Vec::new();
    for i in 0..4 {
        let u = fixtures::user(&app, &org, &pnr("19500101", 80 + i)).await;
        fixtures::decision(&app, &org, &u, json!({"valid_from": "2026-01-01"})).await;
        let a = fixtures::assistant(
            &app,
            &org,
            &pnr(if i == 0 { "20090601" } else { "19900101" }, 90 + i),
        )
        .await;
        fixtures::employment(&app, &org, &a, &u, json!({"working_time_rule": if i == 3 { "household_work_act" } else { "working_hours_act" }})).await;
        users.push(u);
        assistants.push(a);
    }
    // A user without a decision for September is not listed.
    let no_decision = fixtures::user(&app, &org, &pnr("19500101", 89)).await;
    let post = |i: usize, rows: Vec<Value>, reason: Option<&str>| {
        let mut body = json!({"assistance_user_id": users[i], "month": "2026-09", "rows": rows});
        if let Some(r) = reason {
            body["correction_reason"] = json!(r);
        }
        body
    };
    // On time (before 5 Nov): user 0 (assistant under 18) and user 3 (first version).
    app.set_now("2026-10-10T10:00:00Z");
    let heavy: Vec<_> = (1..=30)
        .map(|d| {
            row(
                &assistants[3],
                &format!("2026-09-{d:02}"),
                "08:00",
                "20:00",
                "active",
            )
        })
        .collect();
    for (i, rows) in [
        (
            0,
            vec![row(
                &assistants[0],
                "2026-09-01",
                "08:00",
                "12:00",
                "active",
            )],
        ),
        (3, heavy.clone()),
    ] {
        expect(
            &app.post("/api/v1/time-reports", &org.token, &post(i, rows, None))
                .await,
            201,
        );
    }
    // After the deadline: user 1 late; user 3 corrected; user 2 missing.
    app.set_now("2026-11-10T10:00:00Z");
    expect(
        &app.post(
            "/api/v1/time-reports",
            &org.token,
            &post(
                1,
                vec![row(
                    &assistants[1],
                    "2026-09-02",
                    "08:00",
                    "12:00",
                    "active",
                )],
                None,
            ),
        )
        .await,
        201,
    );
    let mut corrected = heavy;
    corrected.pop();
    expect(
        &app.post(
            "/api/v1/time-reports",
            &org.token,
            &post(3, corrected, Some("Last day was a mistake")),
        )
        .await,
        201,
    );

    // Invoices: user 0 invoices September (current); user 1 invoices, then
    // corrects the report (stale).
    expect(
        &app.put(
            "/api/v1/rates/2026",
            &app.admin(),
            &json!({"sek_per_hour": "350.00"}),
        )
        .await,
        201,
    );
    for i in [0, 1] {
        let draft = expect(
            &app.get(
                &format!(
                    "/api/v1/invoices/draft?assistance_user_id={}&month=2026-09",
                    users[i]
                ),
                &org.token,
            )
            .await,
            200,
        );
        let claim = json!({"assistance_user_id": users[i], "month": "2026-09", "payable_hours": draft["payable_hours"],
                           "sek_per_hour": draft["sek_per_hour"], "amount_sek": draft["amount_sek"]});
        expect(&app.post("/api/v1/invoices", &org.token, &claim).await, 201);
    }
    let fixed = vec![row(
        &assistants[1],
        "2026-09-02",
        "08:00",
        "13:00",
        "active",
    )];
    expect(
        &app.post(
            "/api/v1/time-reports",
            &org.token,
            &post(1, fixed, Some("One more hour")),
        )
        .await,
        201,
    );

    let res = app
        .get("/api/v1/dashboard/compliance?month=2026-09", &org.token)
        .await;
    let d = expect(&res, 200);
    assert_eq!(row_for(&d, &users[0])["invoice_status"], "current");
    assert_eq!(row_for(&d, &users[1])["invoice_status"], "stale");
    assert_eq!(row_for(&d, &users[2])["invoice_status"], "missing");
    assert_eq!(d["month"], "2026-09");
    assert_eq!(d["due_date"], "2026-11-05");
    assert_eq!(d["internal_due_date"], "2026-10-05");
    assert_eq!(d["days_until_due"], -5);
    assert_eq!(d["rows"].as_array().unwrap().len(), 4);
    assert!(d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["assistance_user_id"] != no_decision.as_str()));
    assert_eq!(row_for(&d, &users[0])["report_status"], "on_time");
    assert_eq!(row_for(&d, &users[0])["warnings"]["assistant_under_18"], 1);
    assert_eq!(row_for(&d, &users[1])["report_status"], "late");
    assert_eq!(row_for(&d, &users[2])["report_status"], "missing");
    assert_eq!(row_for(&d, &users[2])["report_id"], Value::Null);
    assert_eq!(
        row_for(&d, &users[3])["report_status"],
        "corrected_after_deadline"
    );
    assert_eq!(row_for(&d, &users[3])["report_version"], 2);
    assert_eq!(row_for(&d, &users[3])["reported_payable_hours"], "348.00");
    assert_eq!(row_for(&d, &users[3])["granted_hours"], "514.29"); // 120 × 30 / 7
    let t = &d["totals"];
    assert_eq!(t["users"], 4);
    assert_eq!(
        (
            t["reports_on_time"].as_u64(),
            t["reports_late"].as_u64(),
            t["reports_missing"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(t["reports_corrected_after_deadline"], 1);
    assert_eq!(
        (
            t["invoices_current"].as_u64(),
            t["invoices_stale"].as_u64(),
            t["invoices_missing"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!(
        d["totals_by_organisation"][0]["organisation_id"],
        org.id.as_str()
    );
    assert_eq!(d["totals_by_organisation"][0]["users"], 4);
    // 12 h a day is far above the household-work limit of 40 h/week.
    let wt = expect(
        &app.get("/api/v1/dashboard/working-time?month=2026-09", &org.token)
            .await,
        200,
    );
    assert_eq!(wt["organisation_id"], org.id.as_str());
    let breaches = wt["breaches"].as_array().unwrap();
    assert_eq!(breaches[0]["period_start"], "2026-09-01");
    assert_eq!(breaches[0]["period_end"], "2026-09-28"); // the first of the worst 28-day windows
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0]["assistant_id"], assistants[3].as_str());
    assert_eq!(breaches[0]["rule"], "household_work_act");
    assert_eq!(breaches[0]["limit_hours_per_week"], "40.00");
    assert_eq!(breaches[0]["hours_per_week"], "84.00");
    assert_eq!(
        row_for(&d, &users[3])["warnings"]["working_time_exceeded"],
        1
    );
    // CSV for spreadsheets.
    let res = app
        .get_with(
            "/api/v1/dashboard/compliance?month=2026-09",
            &org.token,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.content_type.starts_with("text/csv"));
    let text = res.text.trim_start_matches('\u{feff}');
    assert!(text.starts_with("organisation_id;assistance_user_id;granted_hours"));
    assert_eq!(text.lines().count(), 5);
    assert!(text.contains(";corrected_after_deadline;"));
    let res = app
        .get(
            "/api/v1/dashboard/compliance?month=2026-09&format=xml",
            &org.token,
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_parameter")["field"],
        "format"
    );
    // Tenancy: another provider sees nothing of it; auditors see all or one.
    let other = fixtures::org(&app).await;
    let res = app
        .get("/api/v1/dashboard/compliance?month=2026-09", &other.token)
        .await;
    assert_eq!(expect(&res, 200)["rows"], json!([]));
    let res = app
        .get(
            &format!(
                "/api/v1/dashboard/compliance?month=2026-09&organisation_id={}",
                other.id
            ),
            &app.auditor(),
        )
        .await;
    assert_eq!(expect(&res, 200)["rows"], json!([]));
    let res = app
        .get("/api/v1/dashboard/compliance?month=2026-09", &app.auditor())
        .await;
    let all = expect(&res, 200);
    assert_eq!(all["rows"].as_array().unwrap().len(), 4);
    // Breaches are per organisation: an auditor names one.
    let res = app
        .get(
            "/api/v1/dashboard/working-time?month=2026-09",
            &app.auditor(),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "missing_parameter")["field"],
        "organisation_id"
    );
    let res = app
        .get(
            &format!(
                "/api/v1/dashboard/working-time?month=2026-09&organisation_id={}",
                org.id
            ),
            &app.auditor(),
        )
        .await;
    assert_eq!(expect(&res, 200)["breaches"].as_array().unwrap().len(), 1);
    // Another provider's breaches are its own (none), whatever it asks for.
    let res = app
        .get(
            &format!(
                "/api/v1/dashboard/working-time?month=2026-09&organisation_id={}",
                org.id
            ),
            &other.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["breaches"], json!([]));
    // A provider cannot select another organisation.
    let res = app
        .get(
            &format!(
                "/api/v1/dashboard/compliance?month=2026-09&organisation_id={}",
                org.id
            ),
            &other.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["rows"], json!([]));
}
db_test!(statuses_warnings_and_totals);

/// Rows come in pages that follow the cursor; the totals cover every page.
async fn rows_paged_totals_whole(app: TestApp) {
    let mut orgs = Vec::new();
    let mut all_users = Vec::new();
    for o in 0..2 {
        let org = fixtures::org(&app).await;
        for i in 0..3 {
            let u = fixtures::user(&app, &org, &pnr("19500101", (40 + o * 10 + i) as u32)).await;
            fixtures::decision(&app, &org, &u, json!({"valid_from": "2026-01-01"})).await;
            all_users.push((org.id.clone(), u));
        }
        orgs.push(org);
    }
    all_users.sort();
    let url = "/api/v1/dashboard/compliance?month=2026-09";
    let whole = expect(&app.get(url, &app.auditor()).await, 200);
    assert_eq!(whole["next_cursor"], Value::Null);
    assert_eq!(whole["rows"].as_array().unwrap().len(), 6);

    // An auditor walks the view two rows at a time.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("{url}&limit=2&cursor={c}"),
            None => format!("{url}&limit=2"),
        };
        let page = expect(&app.get(&path, &app.auditor()).await, 200);
        pages += 1;
        assert!(page["rows"].as_array().unwrap().len() <= 2);
        assert_eq!(page["totals"], whole["totals"], "totals cover every page");
        assert_eq!(page["totals"]["users"], 6);
        assert_eq!(
            page["totals_by_organisation"],
            whole["totals_by_organisation"]
        );
        for r in page["rows"].as_array().unwrap() {
            seen.push((
                r["organisation_id"].as_str().unwrap().to_string(),
                r["assistance_user_id"].as_str().unwrap().to_string(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen, all_users,
        "every row once, in (organisation, user) order"
    );

    // A provider pages its own rows only.
    let page = expect(
        &app.get(&format!("{url}&limit=1"), &orgs[1].token).await,
        200,
    );
    assert_eq!(page["rows"].as_array().unwrap().len(), 1);
    assert_eq!(page["totals"]["users"], 3);
    assert_eq!(page["rows"][0]["organisation_id"], json!(orgs[1].id));

    // The limit is checked as in every list.
    for bad in ["0", "501"] {
        let res = app.get(&format!("{url}&limit={bad}"), &app.auditor()).await;
        assert_eq!(
            error_with(&expect_problem(&res, 422), "out_of_range")["field"],
            "limit"
        );
    }
}
db_test!(rows_paged_totals_whole);

/// An invoice that has not come yet is `not_yet_due` until the month's FK
/// due date has passed, then `missing` (issue 16).
async fn an_invoice_is_not_yet_due_before_the_months_due_date(app: TestApp) {
    let org = fixtures::org(&app).await;
    let u = fixtures::user(&app, &org, &pnr("19500101", 71)).await;
    fixtures::decision(&app, &org, &u, json!({"valid_from": "2026-01-01"})).await;
    // 2026-10 is due on 2026-12-07; the clock is at 2026-11-10.
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &org.token)
            .await,
        200,
    );
    assert_eq!(row_for(&d, &u)["invoice_status"], "not_yet_due");
    assert_eq!(d["totals"]["invoices_not_yet_due"], 1);
    assert_eq!(d["totals"]["invoices_missing"], 0);
    // On the due date itself it is still not due; the day after, missing.
    app.set_now("2026-12-07T20:00:00Z");
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &org.token)
            .await,
        200,
    );
    assert_eq!(row_for(&d, &u)["invoice_status"], "not_yet_due");
    app.set_now("2026-12-08T09:00:00Z");
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &org.token)
            .await,
        200,
    );
    assert_eq!(row_for(&d, &u)["invoice_status"], "missing");
    assert_eq!(d["totals"]["invoices_missing"], 1);
    assert_eq!(d["totals"]["invoices_not_yet_due"], 0);
}
db_test!(an_invoice_is_not_yet_due_before_the_months_due_date);
