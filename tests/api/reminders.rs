//! `GET /api/v1/reminders`: every open obligation, by due date, with a
//! pinned clock.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, Org};
use crate::helpers::*;
use crate::time_reports::row;

/// A user of `org` born on `born` (YYYYMMDD), with a decision from
/// `decision_from` (none when `None`), and one employed assistant.
async fn user_with(
    app: &TestApp,
    org: &Org,
    born: &str,
    serial: u32,
    decision_from: Option<&str>,
) -> (String, String) {
    let user = fixtures::user(app, org, &pnr(born, serial)).await;
    let assistant = fixtures::assistant(app, org, &pnr("19900101", serial + 400)).await;
    fixtures::employment(app, org, &assistant, &user, json!({})).await;
    if let Some(from) = decision_from {
        fixtures::decision(app, org, &user, json!({"valid_from": from})).await;
        fixtures::agreement(app, org, &user).await;
    }
    (user, assistant)
}

async fn report(app: &TestApp, org: &Org, user: &str, assistant: &str, month: &str, end: &str) {
    let body = json!({"assistance_user_id": user, "month": month,
                      "rows": [row(assistant, &format!("{month}-02"), "08:00", end, "active")]});
    let res = app.post("/api/v1/time-reports", &org.token, &body).await;
    expect(&res, 201);
}

async fn invoice(app: &TestApp, org: &Org, user: &str, month: &str) {
    let d = expect(
        &app.get(
            &format!("/api/v1/invoices/draft?assistance_user_id={user}&month={month}"),
            &org.token,
        )
        .await,
        200,
    );
    let claim = json!({"assistance_user_id": user, "month": month, "payable_hours": d["payable_hours"],
                       "sek_per_hour": d["sek_per_hour"], "amount_sek": d["amount_sek"]});
    expect(&app.post("/api/v1/invoices", &org.token, &claim).await, 201);
}

async fn notice(app: &TestApp, org: &Org, user: &str, occurred_on: &str) -> String {
    let res = app
        .post(
            "/api/v1/change-notices",
            &org.token,
            &json!({"assistance_user_id": user, "kind": "moving_home", "occurred_on": occurred_on}),
        )
        .await;
    expect(&res, 201)["id"].as_str().unwrap().to_string()
}

async fn reminders(app: &TestApp, query: &str, token: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/reminders{query}"), token).await;
    expect(&res, 200).as_array().expect("an array").clone()
}

/// (kind, user, month or notice) of each reminder, in order.
fn keys(list: &[Value]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|r| {
            let what = r
                .get("month")
                .or_else(|| r.get("change_notice_id"))
                .and_then(Value::as_str)
                .unwrap_or("");
            (
                r["kind"].as_str().unwrap().to_string(),
                r["assistance_user_id"].as_str().unwrap().to_string(),
                what.to_string(),
            )
        })
        .collect()
}

fn key(kind: &str, user: &str, what: &str) -> (String, String, String) {
    (kind.into(), user.into(), what.into())
}

async fn every_kind_sorted_and_only_the_callers(app: TestApp) {
    let org = fixtures::org(&app).await;
    let other = fixtures::org(&app).await;
    app.set_now("2026-10-10T10:00:00Z");
    let (u1, a1) = user_with(&app, &org, "19500101", 11, Some("2026-09-01")).await;
    let (u2, a2) = user_with(&app, &org, "19500101", 12, Some("2026-10-01")).await;
    // Birthdays: 18 in 43 days, 66 in 59 days, 66 in 61 days (not yet).
    let (child, _) = user_with(&app, &org, "20090115", 13, None).await;
    let (senior, _) = user_with(&app, &org, "19610131", 14, None).await;
    let (later, _) = user_with(&app, &org, "19610202", 15, None).await;
    // Another organisation's obligations of every kind.
    let (x, _) = user_with(&app, &other, "20090110", 16, Some("2026-01-01")).await;

    expect(
        &app.put(
            "/api/v1/rates/2026",
            &app.admin(),
            &json!({"sek_per_hour": "350.00"}),
        )
        .await,
        201,
    );
    app.set_now("2026-11-03T10:00:00Z");
    // u1: October reported, no invoice; September missing.
    report(&app, &org, &u1, &a1, "2026-10", "12:00").await;
    // u2: October reported and invoiced, then corrected: the invoice is stale.
    report(&app, &org, &u2, &a2, "2026-10", "12:00").await;
    invoice(&app, &org, &u2, "2026-10").await;
    let body = json!({"assistance_user_id": u2, "month": "2026-10", "correction_reason": "One more hour",
                          "rows": [row(&a2, "2026-10-02", "08:00", "13:00", "active")]});
    expect(
        &app.post("/api/v1/time-reports", &org.token, &body).await,
        201,
    );
    app.set_now("2026-12-03T10:00:00Z");
    let soon = notice(&app, &org, &u1, "2026-11-20").await; // due Fri 4 Dec
    let overdue = notice(&app, &org, &u1, "2026-11-01").await; // due Mon 16 Nov
    let six_days = notice(&app, &org, &u2, "2026-11-25").await; // due Wed 9 Dec
    let reported = notice(&app, &org, &u2, "2026-11-19").await;
    notice(&app, &other, &x, "2026-11-20").await;
    expect(
        &app.patch(
            &format!("/api/v1/change-notices/{reported}"),
            &org.token,
            &json!({"reported_to_fk_on": "2026-12-01"}),
        )
        .await,
        200,
    );

    // Default window: 7 days. November (due 5 Jan) is not listed yet;
    // the notice due in 6 days is.
    let list = reminders(&app, "", &org.token).await;
    assert_eq!(
        keys(&list),
        vec![
            key("time_report_missing", &u1, "2026-09"),
            key("change_notice", &u1, &overdue),
            key("change_notice", &u1, &soon),
            key("invoice_missing", &u1, "2026-10"),
            key("invoice_stale", &u2, "2026-10"),
            key("change_notice", &u2, &six_days),
            key("turns_18", &child, ""),
            key("turns_66", &senior, ""),
        ]
    );
    assert!(list.iter().all(|r| r["organisation_id"] == org.id.as_str()));
    let september = &list[0];
    assert_eq!(september["due_date"], "2026-11-05");
    assert_eq!(september["internal_due_date"], "2026-10-05");
    assert_eq!(september["days_left"], -28);
    assert_eq!(september["severity"], "overdue");
    assert!(september.get("change_notice_id").is_none());
    let october = &list[3];
    assert_eq!(october["due_date"], "2026-12-07"); // Sat 5 Dec → Monday
    assert_eq!(october["internal_due_date"], "2026-11-05");
    assert_eq!(october["days_left"], 4);
    assert_eq!(october["severity"], "due_soon");
    assert_eq!(list[1]["due_date"], "2026-11-16");
    assert_eq!(list[1]["severity"], "overdue");
    assert!(list[1].get("internal_due_date").is_none());
    assert!(list[1].get("month").is_none());
    assert_eq!(list[2]["days_left"], 1);
    assert_eq!(list[2]["severity"], "due_soon");
    assert_eq!(list[6]["due_date"], "2027-01-15");
    assert_eq!(list[6]["days_left"], 43);
    assert_eq!(list[6]["severity"], "upcoming");
    assert_eq!(list[7]["due_date"], "2027-01-31");
    assert_eq!(list[7]["days_left"], 59);
    assert!(list
        .iter()
        .all(|r| r["assistance_user_id"] != later.as_str()));
    let dates: Vec<&str> = list
        .iter()
        .map(|r| r["due_date"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);

    // A wider window brings November (due Tue 5 Jan 2027); birthdays stay at 60.
    let wide = reminders(&app, "?within_days=40", &org.token).await;
    let november: Vec<_> = wide.iter().filter(|r| r["month"] == "2026-11").collect();
    assert_eq!(november.len(), 2);
    assert!(november
        .iter()
        .all(|r| r["kind"] == "time_report_missing" && r["days_left"] == 33));
    assert_eq!(november[0]["severity"], "upcoming");
    assert_eq!(november[0]["internal_due_date"], "2026-12-07");
    assert!(wide
        .iter()
        .all(|r| r["assistance_user_id"] != later.as_str()));
    // Within 0 days: overdue and birthdays only.
    let none = reminders(&app, "?within_days=0", &org.token).await;
    assert_eq!(
        keys(&none),
        vec![
            key("time_report_missing", &u1, "2026-09"),
            key("change_notice", &u1, &overdue),
            key("turns_18", &child, ""),
            key("turns_66", &senior, ""),
        ]
    );

    // Admins and auditors see every organisation, or the one they name.
    let all = reminders(&app, "", &app.admin()).await;
    assert!(all
        .iter()
        .any(|r| r["organisation_id"] == other.id.as_str()));
    assert!(all.iter().any(|r| r["organisation_id"] == org.id.as_str()));
    let one = reminders(
        &app,
        &format!("?organisation_id={}", other.id),
        &app.auditor(),
    )
    .await;
    assert!(!one.is_empty());
    assert!(one
        .iter()
        .all(|r| r["organisation_id"] == other.id.as_str()));
    assert!(one.iter().any(|r| r["kind"] == "change_notice"));
    assert!(one.iter().any(|r| r["kind"] == "turns_18"));
    // A provider's `organisation_id` changes nothing.
    let own = reminders(&app, &format!("?organisation_id={}", other.id), &org.token).await;
    assert_eq!(keys(&own), keys(&list));
    let res = app
        .get("/api/v1/reminders?organisation_id=nope", &app.admin())
        .await;
    expect_problem(&res, 404);
}
db_test!(every_kind_sorted_and_only_the_callers);

async fn severity_follows_the_deadlines(app: TestApp) {
    let org = fixtures::org(&app).await;
    // Internal cut-off on the 28th: October's is Mon 30 Nov, FK's Mon 7 Dec.
    expect(
        &app.patch(
            &format!("/api/v1/organisations/{}", org.id),
            &org.token,
            &json!({"internal_cutoff_day": 28}),
        )
        .await,
        200,
    );
    app.set_now("2026-11-01T10:00:00Z");
    let (user, _) = user_with(&app, &org, "19500101", 21, Some("2026-10-01")).await;
    let october = |list: &[Value]| {
        list.iter()
            .find(|r| r["month"] == "2026-10")
            .cloned()
            .unwrap_or(Value::Null)
    };
    for (now, within, days_left, severity) in [
        // 8 days left, internal cut-off not passed: upcoming, only when asked.
        ("2026-11-29T12:00:00Z", "", None, None),
        (
            "2026-11-29T12:00:00Z",
            "?within_days=8",
            Some(8),
            Some("upcoming"),
        ),
        // The cut-off day itself has not passed; 7 days left is due soon.
        ("2026-11-30T12:00:00Z", "", Some(7), Some("due_soon")),
        // The due date itself, to its last minute in Stockholm (CET).
        (
            "2026-12-07T22:59:00Z",
            "?within_days=0",
            Some(0),
            Some("due_soon"),
        ),
        (
            "2026-12-07T23:00:00Z",
            "?within_days=0",
            Some(-1),
            Some("overdue"),
        ),
    ] {
        app.set_now(now);
        let r = october(&reminders(&app, within, &org.token).await);
        match days_left {
            None => assert_eq!(r, Value::Null, "{now} {within}"),
            Some(d) => {
                assert_eq!(r["kind"], "time_report_missing", "{now}");
                assert_eq!(r["assistance_user_id"], user.as_str());
                assert_eq!(r["internal_due_date"], "2026-11-30");
                assert_eq!(r["days_left"], d, "{now}");
                assert_eq!(r["severity"], severity.unwrap(), "{now}");
            }
        }
    }
    // The internal cut-off passed with 31 days left: due soon.
    app.set_now("2026-11-06T10:00:00Z");
    let list = reminders(&app, "?within_days=31", &org.token).await;
    assert_eq!(october(&list)["severity"], "upcoming"); // cut-off 30 Nov
    let res = app
        .patch(
            &format!("/api/v1/organisations/{}", org.id),
            &org.token,
            &json!({"internal_cutoff_day": 5}),
        )
        .await;
    expect(&res, 200);
    let list = reminders(&app, "?within_days=31", &org.token).await;
    assert_eq!(october(&list)["internal_due_date"], "2026-11-05");
    assert_eq!(october(&list)["days_left"], 31);
    assert_eq!(october(&list)["severity"], "due_soon");
    // A month is listed once it has ended: November only from 1 December.
    app.set_now("2026-11-30T12:00:00Z");
    let list = reminders(&app, "?within_days=366", &org.token).await;
    assert!(list.iter().all(|r| r["month"] != "2026-11"));
    app.set_now("2026-12-01T12:00:00Z");
    let list = reminders(&app, "?within_days=366", &org.token).await;
    assert!(list.iter().any(|r| r["month"] == "2026-11"));
    // The window's bounds.
    for bad in ["-1", "367"] {
        let res = app
            .get(&format!("/api/v1/reminders?within_days={bad}"), &org.token)
            .await;
        let p = expect_problem(&res, 422);
        assert_eq!(error_with(&p, "out_of_range")["field"], "within_days");
    }
}
db_test!(severity_follows_the_deadlines);

async fn birthdays_from_sixty_days_ahead(app: TestApp) {
    let org = fixtures::org(&app).await;
    let (child, _) = user_with(&app, &org, "20090201", 31, None).await;
    // 2027-02-01 is 60 days after 2026-12-03.
    for (now, listed) in [
        ("2026-12-02T12:00:00Z", false),
        ("2026-12-03T12:00:00Z", true),
        ("2027-02-01T12:00:00Z", true),
        ("2027-02-02T12:00:00Z", false),
    ] {
        app.set_now(now);
        let list = reminders(&app, "?within_days=366", &org.token).await;
        let found: Vec<_> = list
            .iter()
            .filter(|r| r["assistance_user_id"] == child.as_str())
            .collect();
        assert_eq!(found.len(), usize::from(listed), "{now}: {list:?}");
        if listed {
            assert_eq!(found[0]["kind"], "turns_18");
            assert_eq!(found[0]["due_date"], "2027-02-01");
        }
    }
}
db_test!(birthdays_from_sixty_days_ahead);

async fn reminders_as_csv(app: TestApp) {
    let org = fixtures::org(&app).await;
    app.set_now("2026-11-01T10:00:00Z");
    let (user, _) = user_with(&app, &org, "19500101", 41, Some("2026-09-01")).await;
    let (child, _) = user_with(&app, &org, "20090115", 42, None).await;
    app.set_now("2026-12-03T10:00:00Z");
    let res = app
        .get_with("/api/v1/reminders", &org.token, &[("Accept", "text/csv")])
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.content_type.starts_with("text/csv"), "{res:?}");
    let text = res.text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "kind;organisation_id;assistance_user_id;month;change_notice_id;due_date;internal_due_date;days_left;severity".to_string(),
            format!("time_report_missing;{};{user};2026-09;;2026-11-05;2026-10-05;-28;overdue", org.id),
            format!("time_report_missing;{};{user};2026-10;;2026-12-07;2026-11-05;4;due_soon", org.id),
            format!("turns_18;{};{child};;;2027-01-15;;43;upcoming", org.id),
        ]
    );
    let by_format = app.get("/api/v1/reminders?format=csv", &org.token).await;
    assert_eq!(by_format.text, res.text);
}
db_test!(reminders_as_csv);
