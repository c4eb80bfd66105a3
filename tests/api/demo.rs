//! `redovisa seed-demo` fills a database a newcomer can explore.

use redovisa::db::{DatabaseUrl, Manager};
use redovisa::domain::deadline::DeadlinePolicy;

use serde_json::Value;

use crate::db_test;
use crate::helpers::*;

async fn seed_demo_populates_the_dashboard(app: TestApp) {
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let now = default_now();
    let seeded = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = Manager::new(url).connect_now().unwrap();
        let seeded = redovisa::demo::seed(&mut conn, now, DeadlinePolicy::default()).unwrap();
        // A second run is refused rather than duplicating the provider.
        assert!(redovisa::demo::seed(&mut conn, now, DeadlinePolicy::default()).is_err());
        seeded
    })
    .await
    .unwrap();
    assert_eq!(seeded.assistance_users, 3);
    assert_eq!(seeded.invoices, 6);
    let months: Vec<String> = seeded.months.iter().map(|m| m.to_string()).collect();
    assert_eq!(months, ["2026-08", "2026-09", "2026-10"]);
    assert_eq!(seeded.demo_rates, [2026]);
    let token = app.provider(&seeded.organisation_id);
    // Every report and invoice status (see `demo_months`).
    assert_eq!(
        statuses(&app, &token, "2026-08").await,
        (
            strings(&["corrected_after_deadline", "on_time", "on_time"]),
            strings(&["current", "current", "stale"])
        )
    );
    assert_eq!(
        statuses(&app, &token, "2026-09").await,
        (
            strings(&["late", "on_time", "on_time"]),
            strings(&["current", "current", "missing"])
        )
    );
    assert_eq!(
        statuses(&app, &token, "2026-10").await,
        (
            strings(&["missing", "on_time", "on_time"]),
            strings(&["current", "not_yet_due", "not_yet_due"])
        )
    );
    let list = expect(
        &app.get("/api/v1/time-reports?month=2026-08", &token).await,
        200,
    );
    let versions: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert!(
        versions.contains(&2),
        "one report is corrected: {versions:?}"
    );
    // Agreements: two sent to FK, one not yet; no report lacks one.
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &token)
            .await,
        200,
    );
    let mut agreements: Vec<&str> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["agreement"].as_str().unwrap())
        .collect();
    agreements.sort();
    assert_eq!(agreements, ["not_sent_to_fk", "sent_to_fk", "sent_to_fk"]);
    assert!(!list.to_string().contains("\"no_agreement\""), "{list:#}");
    // One change notice, open and due within days: a reminder ("Att göra").
    assert_eq!(d["totals"]["change_notices_open"], 1, "{d:#}");
    let reminders = expect(
        &app.get("/api/v1/reminders?within_days=30", &token).await,
        200,
    );
    let notices: Vec<&Value> = reminders
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "change_notice")
        .collect();
    assert_eq!(notices.len(), 1, "{reminders:#}");
    assert_ne!(notices[0]["severity"], "overdue");
    let rates = expect(&app.get("/api/v1/rates", &token).await, 200);
    let demo = rates
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2026)
        .unwrap();
    assert!(demo["source"].as_str().unwrap().contains("DEMO"));
}
db_test!(seed_demo_populates_the_dashboard);

/// The sorted report and invoice statuses of a month's rows.
async fn statuses(app: &TestApp, token: &str, month: &str) -> (Vec<String>, Vec<String>) {
    let d = expect(
        &app.get(
            &format!("/api/v1/dashboard/compliance?month={month}"),
            token,
        )
        .await,
        200,
    );
    let of = |key: &str| -> Vec<String> {
        let mut s: Vec<String> = d["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[key].as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    (of("report_status"), of("invoice_status"))
}

/// Seeded on any day (the first of a month, the morning after a due date,
/// the 8th, a due date itself, new year), the demo shows every status:
/// dates are computed from the clock, never fixed.
#[actix_web::test]
async fn seed_demo_shows_every_status_whatever_the_date() {
    for now in [
        "2026-11-01T06:00:00Z",
        "2026-11-05T23:05:00Z", // 00:05 on the 6th in Stockholm, the day after a due date
        "2026-11-05T10:00:00Z", // a due date
        "2026-11-08T08:00:00Z",
        "2026-12-31T22:30:00Z",
        "2027-01-02T09:00:00Z",
        "2027-03-29T12:00:00Z",
    ] {
        let app = TestApp::spawn(Db::Sqlite).await;
        app.set_now(now);
        let url = DatabaseUrl::parse(&app.database_url).unwrap();
        let at: chrono::DateTime<chrono::Utc> = now.parse().unwrap();
        let seeded = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = Manager::new(url).connect_now().unwrap();
            redovisa::demo::seed(&mut conn, at, DeadlinePolicy::default()).unwrap()
        })
        .await
        .unwrap();
        let token = app.provider(&seeded.organisation_id);
        let mut reports = std::collections::BTreeSet::new();
        let mut invoices = std::collections::BTreeSet::new();
        for m in &seeded.months {
            let (r, i) = statuses(&app, &token, &m.to_string()).await;
            reports.extend(r);
            invoices.extend(i);
        }
        assert_eq!(
            reports.into_iter().collect::<Vec<_>>(),
            ["corrected_after_deadline", "late", "missing", "on_time"],
            "seeded at {now}"
        );
        assert_eq!(
            invoices.into_iter().collect::<Vec<_>>(),
            ["current", "missing", "not_yet_due", "stale"],
            "seeded at {now}"
        );
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
