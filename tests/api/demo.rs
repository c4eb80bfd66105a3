//! `redovisa seed-demo` fills a database a newcomer can explore.

use redovisa::db::{DatabaseUrl, Manager};
use redovisa::domain::deadline::DeadlinePolicy;

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
    assert_eq!(seeded.invoices, 7);
    let months: Vec<String> = seeded.months.iter().map(|m| m.to_string()).collect();
    assert_eq!(months, ["2026-08", "2026-09", "2026-10"]);
    assert_eq!(seeded.demo_rates, [2026]);
    let token = app.provider(&seeded.organisation_id);
    let status = |d: &serde_json::Value| -> Vec<String> {
        let mut s: Vec<String> = d["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["report_status"].as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-08", &token)
            .await,
        200,
    );
    assert_eq!(status(&d), ["on_time", "on_time", "on_time"]);
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-09", &token)
            .await,
        200,
    );
    assert_eq!(status(&d), ["late", "on_time", "on_time"]);
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-10", &token)
            .await,
        200,
    );
    assert_eq!(status(&d), ["missing", "on_time", "on_time"]);
    let mut invoices: Vec<String> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["invoice_status"].as_str().unwrap().to_string())
        .collect();
    invoices.sort();
    assert_eq!(invoices, ["current", "missing", "missing"]);
    let d = expect(
        &app.get("/api/v1/dashboard/compliance?month=2026-08", &token)
            .await,
        200,
    );
    assert!(
        d["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["invoice_status"] == "current"),
        "{d}"
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
