//! The audit trail over HTTP: every read of personal data leaves one entry
//! (issue 15), changes keep theirs, and `GET /audit` shows each caller what
//! it may see.

use serde_json::Value;

use crate::db_test;
use crate::fixtures;
use crate::helpers::{expect, expect_problem, TestApp};
use crate::time_reports::{october, report};

async fn entries(app: &TestApp, query: &str, token: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/audit?{query}"), token).await;
    expect(&res, 200)["items"].as_array().unwrap().clone()
}

fn reads(entries: &[Value]) -> Vec<&Value> {
    entries.iter().filter(|e| e["action"] == "read").collect()
}

async fn every_read_is_one_entry_with_who_what_and_request(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let t = &w.org.token;
    let headers = [("x-request-id", "audit-get-1")];
    let res = app
        .get_with(&format!("/api/v1/assistance-users/{}", w.user), t, &headers)
        .await;
    expect(&res, 200);
    expect(&app.get("/api/v1/assistance-users?limit=10", t).await, 200);
    expect(
        &app.get(&format!("/api/v1/assistants/{}", w.assistants[0]), t)
            .await,
        200,
    );
    expect(&app.get("/api/v1/assistants", t).await, 200);

    let about_user = entries(&app, &format!("subject_id={}", w.user), t).await;
    let r = reads(&about_user);
    assert_eq!(r.len(), 2, "{about_user:#?}");
    let one = r
        .iter()
        .find(|e| e["subject_id"] == w.user.as_str())
        .unwrap();
    assert_eq!(one["subject_kind"], "assistance_user");
    assert_eq!(one["actor"], "provider:test");
    assert_eq!(one["request_id"], "audit-get-1");
    assert_eq!(one["organisation_id"], w.org.id.as_str());
    let list = r.iter().find(|e| e["subject_id"].is_null()).unwrap();
    assert_eq!(list["subject_ids"], serde_json::json!([w.user]));
    assert!(list["request_id"].as_str().unwrap().len() >= 8);

    // A list read names every id it returned, in one entry.
    let assistants = entries(&app, "subject_kind=assistant", t).await;
    assert_eq!(assistants.len(), 2, "{assistants:#?}");
    let listed = assistants
        .iter()
        .find(|e| e["subject_id"].is_null())
        .unwrap();
    let mut ids: Vec<String> = listed["subject_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let mut expected = w.assistants.clone();
    expected.sort();
    assert_eq!(ids, expected);
    // Found by either assistant's id.
    let by_second = entries(&app, &format!("subject_id={}", w.assistants[1]), t).await;
    assert_eq!(reads(&by_second).len(), 1);

    // A refused read (404) shows nothing and records nothing.
    let missing = app
        .get(
            "/api/v1/assistance-users/00000000-0000-4000-8000-000000000000",
            t,
        )
        .await;
    expect_problem(&missing, 404);
    let all = entries(&app, "subject_kind=assistance_user&limit=500", t).await;
    assert_eq!(all.len(), 2);
}
db_test!(every_read_is_one_entry_with_who_what_and_request);

async fn reports_invoices_exports_and_the_dashboard_are_audited(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let t = &w.org.token;
    let res = app
        .post_with(
            "/api/v1/time-reports",
            t,
            &report(&w, "2026-10", october(&w)),
            &[("x-request-id", "submit-1")],
        )
        .await;
    let id = expect(&res, 201)["id"].as_str().unwrap().to_string();
    for path in [
        format!("/api/v1/time-reports/{id}"),
        format!("/api/v1/time-reports/{id}/versions"),
        format!("/api/v1/time-reports/{id}/versions/1"),
        format!("/api/v1/time-reports/{id}?format=csv"),
        "/api/v1/time-reports?month=2026-10".to_string(),
        "/api/v1/exports/paxml?month=2026-10".to_string(),
        "/api/v1/dashboard/compliance?month=2026-10".to_string(),
    ] {
        expect(&app.get(&path, t).await, 200);
    }
    let trail = entries(&app, &format!("subject_id={id}&limit=100"), t).await;
    // The clock is pinned: entries of one instant come in id order.
    let mut actions: Vec<(&str, &str)> = trail
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["subject_kind"].as_str().unwrap(),
            )
        })
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            ("read", "export"),
            ("read", "time_report"),
            ("read", "time_report"),
            ("read", "time_report"),
            ("read", "time_report"),
            ("submit", "time_report"),
        ],
        "{trail:#?}"
    );
    // The write names its request too.
    let submit = trail.iter().find(|e| e["action"] == "submit").unwrap();
    assert_eq!(submit["request_id"], "submit-1");
    // The PAXml file and the dashboard: one entry each.
    let exports = entries(&app, "subject_kind=export", t).await;
    assert!(exports.iter().any(|e| e["subject_id"] == "paxml:2026-10"));
    let dash = entries(&app, "subject_kind=dashboard", t).await;
    assert_eq!(dash.len(), 1);
    assert_eq!(dash[0]["subject_id"], w.org.id.as_str());
    // The report's own trail of changes is unchanged by reads.
    let own = app
        .get(&format!("/api/v1/time-reports/{id}/audit"), t)
        .await;
    assert_eq!(expect(&own, 200).as_array().unwrap().len(), 1);
}
db_test!(reports_invoices_exports_and_the_dashboard_are_audited);

async fn a_provider_sees_its_organisation_and_admins_see_all(app: TestApp) {
    let a = fixtures::world(&app, 1).await;
    let b = fixtures::world(&app, 1).await;
    expect(
        &app.get(
            &format!("/api/v1/assistance-users/{}", a.user),
            &a.org.token,
        )
        .await,
        200,
    );
    expect(
        &app.get(
            &format!("/api/v1/assistance-users/{}", b.user),
            &b.org.token,
        )
        .await,
        200,
    );
    // The admin reads a's user: filed under a, so a sees who looked.
    expect(
        &app.get(
            &format!("/api/v1/assistance-users/{}", a.user),
            &app.admin(),
        )
        .await,
        200,
    );
    let seen_by_a = entries(&app, "subject_kind=assistance_user", &a.org.token).await;
    assert_eq!(seen_by_a.len(), 2, "{seen_by_a:#?}");
    assert!(seen_by_a
        .iter()
        .all(|e| e["organisation_id"] == a.org.id.as_str()));
    assert!(seen_by_a.iter().any(|e| e["actor"] == "admin:test"));
    // b's user is not a's business, even asked for by id.
    let probe = entries(&app, &format!("subject_id={}", b.user), &a.org.token).await;
    assert!(probe.is_empty());
    for token in [app.admin(), app.auditor()] {
        let all = entries(&app, "subject_kind=assistance_user", &token).await;
        assert_eq!(all.len(), 3);
    }
    let by_admin = entries(
        &app,
        "actor=admin:test&subject_kind=assistance_user",
        &app.auditor(),
    )
    .await;
    assert_eq!(by_admin.len(), 1);
    // Paged in order, by cursor.
    let first = app
        .get(
            "/api/v1/audit?subject_kind=assistance_user&limit=2",
            &app.admin(),
        )
        .await;
    let first = expect(&first, 200);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = entries(
        &app,
        &format!("subject_kind=assistance_user&limit=2&cursor={cursor}"),
        &app.admin(),
    )
    .await;
    assert_eq!(rest.len(), 1);
    // Filters are checked.
    let bad = app
        .get(
            "/api/v1/audit?from=yesterday&subject_id=a%25b",
            &app.admin(),
        )
        .await;
    assert_eq!(
        expect_problem(&bad, 422)["errors"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
db_test!(a_provider_sees_its_organisation_and_admins_see_all);

async fn read_entries_go_after_the_retention(app: TestApp) {
    let app = app.with_settings(|s| s.guards.audit_retention_days = 30);
    let w = fixtures::world(&app, 1).await;
    let path = format!("/api/v1/assistance-users/{}", w.user);
    expect(&app.get(&path, &w.org.token).await, 200);
    app.set_now("2026-12-05T10:00:00Z");
    expect(&app.get(&path, &w.org.token).await, 200);
    assert_eq!(
        entries(
            &app,
            "subject_kind=assistance_user&from=2026-11-01",
            &w.org.token
        )
        .await
        .len(),
        2
    );
    // Past 30 days the first read is deleted (at the next read).
    app.set_now("2026-12-15T10:00:00Z");
    expect(&app.get(&path, &w.org.token).await, 200);
    let left = entries(&app, "subject_kind=assistance_user", &w.org.token).await;
    let days: Vec<&str> = left
        .iter()
        .map(|e| &e["at"].as_str().unwrap()[..10])
        .collect();
    assert_eq!(days, ["2026-12-05", "2026-12-15"]);
    // `to` includes its day; `from` starts at the day's start.
    let on_the_5th = entries(
        &app,
        "subject_kind=assistance_user&from=2026-12-05&to=2026-12-05",
        &w.org.token,
    )
    .await;
    assert_eq!(on_the_5th.len(), 1);
}
db_test!(read_entries_go_after_the_retention);
