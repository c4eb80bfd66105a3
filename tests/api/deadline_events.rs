//! `deadline.approaching` (docs/integrations.md): once per reminder item and
//! Stockholm day while it is due within 7 days, only in its organisation's
//! feed, once whatever the number of instances, and delivered to webhooks.

use std::time::{Duration, Instant};

use redovisa::clock::Clock;
use serde_json::{json, Value};

use crate::db_test;
use crate::events::all_events;
use crate::fixtures::{self, Org};
use crate::helpers::*;
use crate::webhooks::Receiver;

/// A user of `org` with a decision from October 2026 (made in October), so
/// October's time report is missing once the month has ended.
async fn october_user(app: &TestApp, org: &Org, serial: u32) -> String {
    app.set_now("2026-10-10T10:00:00Z");
    let user = fixtures::user(app, org, &pnr("19500101", serial)).await;
    fixtures::decision(app, org, &user, json!({"valid_from": "2026-10-01"})).await;
    user
}

/// One run of the emitter at the app's current time, as the background
/// task runs it; how many events it recorded.
async fn run_once(app: &TestApp) -> usize {
    let url = redovisa::db::DatabaseUrl::parse(&app.database_url).unwrap();
    let now = app.clock.now();
    actix_web::rt::task::spawn_blocking(move || {
        let pool = redovisa::db::build_pool(&url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        redovisa::service::deadline_events::run_once(
            &mut conn,
            now,
            redovisa::domain::deadline::DeadlinePolicy { weekday_rule: true },
        )
        .unwrap()
    })
    .await
    .unwrap()
}

fn approaching(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["type"] == "deadline.approaching")
        .cloned()
        .collect()
}

async fn once_a_day_per_item_and_only_in_its_organisation(app: TestApp) {
    let org = fixtures::org(&app).await;
    let other = fixtures::org(&app).await;
    let mine = october_user(&app, &org, 11).await;
    october_user(&app, &other, 12).await;

    // October is due at FK on Monday 7 December (the 5th is a Saturday).
    // 26 November: 11 days left, not yet approaching.
    app.set_now("2026-11-26T10:00:00Z");
    assert_eq!(run_once(&app).await, 0);
    // 1 December: 6 days left; each organisation's item once that day.
    app.set_now("2026-12-01T10:00:00Z");
    assert_eq!(run_once(&app).await, 2);
    app.set_now("2026-12-01T22:59:00Z"); // still the 1st in Stockholm
    assert_eq!(run_once(&app).await, 0);
    let seen = approaching(&all_events(&app, &org.token, 10).await);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["organisation_id"], org.id.as_str());
    assert_eq!(seen[0]["occurred_at"], "2026-12-01T10:00:00Z");
    // The data is the item as the reminders list it, nothing more.
    app.set_now("2026-12-01T10:00:00Z");
    let listed = expect(&app.get("/api/v1/reminders", &org.token).await, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(seen[0]["data"], listed[0]);
    assert_eq!(seen[0]["data"]["kind"], "time_report_missing");
    assert_eq!(seen[0]["data"]["assistance_user_id"], mine.as_str());
    assert_eq!(seen[0]["data"]["month"], "2026-10");
    assert_eq!(seen[0]["data"]["days_left"], 6);

    // The next Stockholm day (23:00 UTC is midnight in December): again.
    app.set_now("2026-12-01T23:00:00Z");
    assert_eq!(run_once(&app).await, 2);
    assert_eq!(run_once(&app).await, 0);
    // The due date itself: still approaching. The day after: overdue, no
    // longer announced.
    app.set_now("2026-12-07T10:00:00Z");
    assert_eq!(run_once(&app).await, 2);
    app.set_now("2026-12-08T10:00:00Z");
    assert_eq!(run_once(&app).await, 0);

    let seen = approaching(&all_events(&app, &org.token, 10).await);
    let days: Vec<&Value> = seen.iter().map(|e| &e["data"]["days_left"]).collect();
    assert_eq!(days, [&json!(6), &json!(5), &json!(0)]);
    let theirs = approaching(&all_events(&app, &other.token, 10).await);
    assert_eq!(theirs.len(), 3);
    assert!(theirs
        .iter()
        .all(|e| e["organisation_id"] == other.id.as_str()));
    // Nothing that names a person.
    let text = serde_json::to_string(&seen).unwrap();
    assert!(!text.contains("19500101"), "{text}");
}

db_test!(once_a_day_per_item_and_only_in_its_organisation);

/// Two instances running the emitter every 20 ms record each item once, and
/// a webhook subscribed to `deadline.approaching` receives it.
async fn the_background_emitter_announces_once_across_instances(app: TestApp) {
    let org = fixtures::org(&app).await;
    october_user(&app, &org, 21).await;
    let receiver = Receiver::start(|_, _| 200);
    let emitting = |s: &mut redovisa::config::Settings| {
        s.webhooks.allow_private = true;
        s.webhooks.poll = Duration::from_millis(10);
        s.deadline_events = redovisa::config::DeadlineEventSettings {
            enabled: true,
            interval: Duration::from_millis(20),
        };
    };
    let a = app.with_settings(emitting);
    expect(
        &a.post(
            "/api/v1/webhooks",
            &org.token,
            &json!({"url": receiver.url, "events": ["deadline.approaching"]}),
        )
        .await,
        201,
    );
    app.set_now("2026-12-01T10:00:00Z");
    let b = app.with_settings(emitting);
    let start = Instant::now();
    while approaching(&all_events(&app, &org.token, 10).await).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(10), "no event");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    // Many more runs on both instances: still one.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        approaching(&all_events(&app, &org.token, 10).await).len(),
        1
    );
    let hits = receiver.wait_for(|h| !h.is_empty()).await;
    assert_eq!(hits[0].json()["type"], "deadline.approaching");
    assert_eq!(hits[0].json()["data"]["month"], "2026-10");
    drop((a, b));
}

db_test!(the_background_emitter_announces_once_across_instances);
