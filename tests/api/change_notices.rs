//! Change notices (*ändringsanmälan*): due date with the weekday rule,
//! status and lateness as the clock moves, the adults-only kinds for a
//! child, the dashboard's counts, tenancy; and the birthdays of §5.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;

async fn notice(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/api/v1/change-notices", token, &body).await
}

async fn a_notice_is_due_fourteen_days_after_and_reported(app: TestApp) {
    // Tuesday 10 November 2026.
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19700101", 11)).await;
    // Tue 3 Nov + 14 = Tue 17 Nov.
    let n = expect(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": user, "kind": "moving_home", "occurred_on": "2026-11-03",
                   "note": "Flyttar till Storgatan"}),
        )
        .await,
        201,
    );
    assert_eq!(n["due_date"], "2026-11-17");
    assert_eq!(n["status"], "open");
    assert_eq!(n["reported_late"], false);
    assert_eq!(n["reported_to_fk_on"], Value::Null);
    assert_eq!(n["note"], "Flyttar till Storgatan");
    let id = n["id"].as_str().unwrap().to_string();
    // Sat 7 Nov + 14 = Sat 21 Nov → Monday 23 Nov (the deadline's weekday rule).
    let weekend = expect(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": user, "kind": "need_changed", "occurred_on": "2026-11-07"}),
        )
        .await,
        201,
    );
    assert_eq!(weekend["due_date"], "2026-11-23");
    // 10 Dec + 14 = *julafton* → Monday 28 December.
    let christmas = expect(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": user, "kind": "other", "occurred_on": "2026-12-10"}),
        )
        .await,
        201,
    );
    assert_eq!(christmas["due_date"], "2026-12-28");

    // The day after the due date, an unreported notice is overdue.
    app.set_now("2026-11-18T09:00:00Z");
    let got = expect(
        &app.get(&format!("/api/v1/change-notices/{id}"), &org.token)
            .await,
        200,
    );
    assert_eq!(got["status"], "overdue");
    let overdue = expect(
        &app.get("/api/v1/change-notices?status=overdue", &org.token)
            .await,
        200,
    );
    let ids: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let open = expect(
        &app.get("/api/v1/change-notices?status=open", &org.token)
            .await,
        200,
    );
    assert_eq!(open["items"].as_array().unwrap().len(), 2);

    // Reported a day late.
    let reported = expect(
        &app.patch(
            &format!("/api/v1/change-notices/{id}"),
            &org.token,
            &json!({"reported_to_fk_on": "2026-11-18"}),
        )
        .await,
        200,
    );
    assert_eq!(reported["status"], "reported");
    assert_eq!(reported["reported_late"], true);
    // Reported on the due date (the Monday of the weekend notice): on time.
    let on_time = expect(
        &app.patch(
            &format!("/api/v1/change-notices/{}", weekend["id"].as_str().unwrap()),
            &org.token,
            &json!({"reported_to_fk_on": "2026-11-18"}),
        )
        .await,
        200,
    );
    assert_eq!(on_time["status"], "reported");
    assert_eq!(on_time["reported_late"], false);
    // Not in the future.
    let p = expect_problem(
        &app.patch(
            &format!("/api/v1/change-notices/{id}"),
            &org.token,
            &json!({"reported_to_fk_on": "2026-11-19"}),
        )
        .await,
        422,
    );
    assert_eq!(
        error_with(&p, "date_in_future")["pointer"],
        "/reported_to_fk_on"
    );
    // Moving the change moves the due date.
    let moved = expect(
        &app.patch(
            &format!("/api/v1/change-notices/{id}"),
            &org.token,
            &json!({"occurred_on": "2026-11-05", "reported_to_fk_on": null}),
        )
        .await,
        200,
    );
    assert_eq!(moved["due_date"], "2026-11-19");
    assert_eq!(moved["status"], "open");
    let reported = expect(
        &app.get("/api/v1/change-notices?status=reported", &org.token)
            .await,
        200,
    );
    assert_eq!(reported["items"].as_array().unwrap().len(), 1);
}
db_test!(a_notice_is_due_fourteen_days_after_and_reported);

async fn the_weekday_rule_can_be_switched_off(app: TestApp) {
    let app = TestApp::spawn_with(app.db, |s| s.deadline_policy.weekday_rule = false).await;
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19700101", 12)).await;
    let n = expect(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": user, "kind": "need_changed", "occurred_on": "2026-11-07"}),
        )
        .await,
        201,
    );
    assert_eq!(n["due_date"], "2026-11-21");
}
db_test!(the_weekday_rule_can_be_switched_off);

async fn adults_only_kinds_are_refused_for_a_child(app: TestApp) {
    let org = fixtures::org(&app).await;
    // Turns 18 on 15 June 2027.
    let child = fixtures::user(&app, &org, &pnr("20090615", 13)).await;
    for kind in ["partner_moving_in_or_out", "work_start_end_change"] {
        let p = expect_problem(
            &notice(
                &app,
                &org.token,
                json!({"assistance_user_id": child, "kind": kind, "occurred_on": "2026-11-01"}),
            )
            .await,
            422,
        );
        assert_eq!(p["code"], "kind_not_for_child", "{p:#}");
        assert_eq!(error_with(&p, "kind_not_for_child")["pointer"], "/kind");
    }
    // The children's list: school, moving, need, support, abroad, self-care.
    for kind in [
        "moving_home",
        "school_or_daily_activity_change",
        "need_changed",
        "municipal_or_regional_support_changed",
        "abroad_long_periods",
        "self_care_became_health_care",
        "other",
    ] {
        expect(
            &notice(
                &app,
                &org.token,
                json!({"assistance_user_id": child, "kind": kind, "occurred_on": "2026-11-01"}),
            )
            .await,
            201,
        );
    }
    // Age counts on the day of the change: on the 18th birthday it is an adult's.
    expect(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": child, "kind": "work_start_end_change", "occurred_on": "2027-06-15"}),
        )
        .await,
        201,
    );
    let before = expect(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": child, "kind": "moving_home", "occurred_on": "2027-06-14"}),
        )
        .await,
        201,
    );
    // Changing the kind of a child's notice is checked the same way.
    let p = expect_problem(
        &app.patch(
            &format!("/api/v1/change-notices/{}", before["id"].as_str().unwrap()),
            &org.token,
            &json!({"kind": "partner_moving_in_or_out"}),
        )
        .await,
        422,
    );
    assert_eq!(p["code"], "kind_not_for_child");
    // Unknown kinds and unknown users.
    let p = expect_problem(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": child, "kind": "moving", "occurred_on": "2026-11-01"}),
        )
        .await,
        422,
    );
    assert!(p["errors"][0]["pointer"] == "/kind", "{p:#}");
    let p = expect_problem(
        &notice(
            &app,
            &org.token,
            json!({"assistance_user_id": "nobody", "kind": "other", "occurred_on": "2026-11-01"}),
        )
        .await,
        422,
    );
    assert_eq!(codes(&p), ["unknown_assistance_user"]);
}
db_test!(adults_only_kinds_are_refused_for_a_child);

async fn notices_are_the_organisations_own(app: TestApp) {
    let a = fixtures::org(&app).await;
    let b = fixtures::org(&app).await;
    let ua = fixtures::user(&app, &a, &pnr("19700101", 14)).await;
    let n = expect(
        &notice(
            &app,
            &a.token,
            json!({"assistance_user_id": ua, "kind": "other", "occurred_on": "2026-11-01"}),
        )
        .await,
        201,
    );
    let path = format!("/api/v1/change-notices/{}", n["id"].as_str().unwrap());
    expect_problem(&app.get(&path, &b.token).await, 404);
    expect_problem(
        &app.patch(&path, &b.token, &json!({"reported_to_fk_on": "2026-11-02"}))
            .await,
        404,
    );
    let list = expect(&app.get("/api/v1/change-notices", &b.token).await, 200);
    assert_eq!(list["items"], json!([]));
    // B cannot file a notice for A's user.
    let p = expect_problem(
        &notice(
            &app,
            &b.token,
            json!({"assistance_user_id": ua, "kind": "other", "occurred_on": "2026-11-01"}),
        )
        .await,
        422,
    );
    assert_eq!(codes(&p), ["unknown_assistance_user"]);
    // Auditors read, never write.
    expect(&app.get(&path, &app.auditor()).await, 200);
    expect_problem(
        &notice(
            &app,
            &app.auditor(),
            json!({"assistance_user_id": ua, "kind": "other", "occurred_on": "2026-11-01"}),
        )
        .await,
        403,
    );
}
db_test!(notices_are_the_organisations_own);

async fn the_dashboard_counts_open_and_overdue_notices(app: TestApp) {
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19700101", 15)).await;
    fixtures::decision(&app, &org, &user, json!({})).await;
    for day in ["2026-10-01", "2026-10-20", "2026-11-05", "2026-11-09"] {
        notice(
            &app,
            &org.token,
            json!({"assistance_user_id": user, "kind": "other", "occurred_on": day}),
        )
        .await;
    }
    // Reported: not counted.
    notice(
        &app,
        &org.token,
        json!({"assistance_user_id": user, "kind": "other", "occurred_on": "2026-10-01", "reported_to_fk_on": "2026-10-02"}),
    )
    .await;
    // 2026-10-01 → 15 Oct and 2026-10-20 → 3 Nov are overdue on 10 Nov.
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &org.token)
            .await,
        200,
    );
    assert_eq!(d["totals"]["change_notices_open"], 2, "{d:#}");
    assert_eq!(d["totals"]["change_notices_overdue"], 2);
    let row = &d["rows"][0];
    assert_eq!(row["assistance_user_id"], user.as_str());
    assert_eq!(row["change_notices_open"], 2);
    assert_eq!(row["change_notices_overdue"], 2);
    // Another organisation sees none of them.
    let other = fixtures::org(&app).await;
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &other.token)
            .await,
        200,
    );
    assert_eq!(d["totals"]["change_notices_open"], 0);
}
db_test!(the_dashboard_counts_open_and_overdue_notices);

async fn a_user_shows_the_birthdays_that_change_the_rules(app: TestApp) {
    // Today is 10 November 2026.
    let org = fixtures::org(&app).await;
    let child = fixtures::user(&app, &org, &pnr("20090615", 16)).await;
    let u = expect(
        &app.get(&format!("/api/v1/assistance-users/{child}"), &org.token)
            .await,
        200,
    );
    assert_eq!(u["turns_18_on"], "2027-06-15");
    assert_eq!(u["turns_66_on"], "2075-06-15");
    let adult = fixtures::user(&app, &org, &pnr("19450312", 17)).await;
    let u = expect(
        &app.get(&format!("/api/v1/assistance-users/{adult}"), &org.token)
            .await,
        200,
    );
    assert_eq!(u["turns_18_on"], Value::Null);
    assert_eq!(u["turns_66_on"], "2011-03-12");
    // Born on 29 February 2012: 2030 has no 29 February, so the 18th
    // birthday is 1 March (the day after 28 February).
    let leapling = fixtures::user(&app, &org, &pnr("20120229", 18)).await;
    let u = expect(
        &app.get(&format!("/api/v1/assistance-users/{leapling}"), &org.token)
            .await,
        200,
    );
    assert_eq!(u["turns_18_on"], "2030-03-01");
    assert_eq!(u["turns_66_on"], "2078-03-01");
    // On the 18th birthday the user is 18.
    app.set_now("2027-06-14T22:30:00Z");
    let u = expect(
        &app.get(&format!("/api/v1/assistance-users/{child}"), &org.token)
            .await,
        200,
    );
    assert_eq!(
        u["turns_18_on"],
        Value::Null,
        "already the 15th in Stockholm"
    );
    // The list has the same shape.
    let list = expect(&app.get("/api/v1/assistance-users", &org.token).await, 200);
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["turns_66_on"].is_string()));
}
db_test!(a_user_shows_the_birthdays_that_change_the_rules);
