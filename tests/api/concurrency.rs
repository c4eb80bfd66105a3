//! Two server instances on one database behave as one: concurrent reports
//! that would overlap cannot both be stored.

use serde_json::json;

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;
use crate::time_reports::row;

async fn two_instances_never_store_overlapping_shifts(app: TestApp) {
    let second = app.second_instance();
    let person = pnr("19880808", 301);
    let mut sides = Vec::new();
    for _ in 0..2 {
        let org = fixtures::org(&app).await;
        let user = fixtures::user(&app, &org, &pnr("19400101", 302)).await;
        let a = fixtures::assistant(&app, &org, &person).await;
        fixtures::employment(&app, &org, &a, &user, json!({})).await;
        sides.push((org, user, a));
    }
    // Each round replaces the stored side's report with a shift on a new day,
    // which the other side then also claims.
    for round in 0..5 {
        let date = format!("2026-10-{:02}", round + 1);
        let body = |i: usize| {
            let (_, user, a) = &sides[i];
            json!({"assistance_user_id": user, "month": "2026-10",
                   "rows": [row(a, &date, "08:00", "16:00", "active")],
                   "correction_reason": format!("round {round}")})
        };
        let (b0, b1) = (body(0), body(1));
        let (r0, r1) = futures_util::join!(
            app.post("/api/v1/time-reports", &sides[0].0.token, &b0),
            second.post("/api/v1/time-reports", &sides[1].0.token, &b1),
        );
        let statuses = [r0.status.as_u16(), r1.status.as_u16()];
        assert!(
            statuses.contains(&422),
            "round {round}: both stored: {r0:?} / {r1:?}"
        );
        let refused = if r0.status.as_u16() == 422 { &r0 } else { &r1 };
        assert_eq!(
            codes(&refused.body),
            ["overlaps_other_employer"],
            "{refused:?}"
        );
    }
}
db_test!(two_instances_never_store_overlapping_shifts);

/// A write that waits past SQLite's busy timeout behind another writer is a
/// 503 with `Retry-After`, not a 500 (SQLite only: PostgreSQL waits on row
/// and advisory locks instead).
#[actix_web::test]
async fn sqlite_writer_blocked_too_long_gets_503() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let app = TestApp::spawn(Db::Sqlite).await;
    let org = fixtures::org(&app).await;
    let path = app.database_url.trim_start_matches("sqlite://").to_string();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut c = diesel::SqliteConnection::establish(&path).unwrap();
        c.batch_execute("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(std::time::Duration::from_secs(60));
        c.batch_execute("ROLLBACK").unwrap();
    });
    locked_rx.recv().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/organisations/{}", org.id),
            &org.token,
            &json!({"internal_cutoff_day": 7}),
        )
        .await;
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    let p = expect_problem(&res, 503);
    assert_eq!(p["code"], "unavailable");
    assert_eq!(res.headers.get("retry-after").unwrap(), "5");
    // Nothing was changed; once the lock is gone the same request works.
    let res = app
        .get(&format!("/api/v1/organisations/{}", org.id), &org.token)
        .await;
    assert_eq!(expect(&res, 200)["internal_cutoff_day"], 5);
    let res = app
        .patch(
            &format!("/api/v1/organisations/{}", org.id),
            &org.token,
            &json!({"internal_cutoff_day": 7}),
        )
        .await;
    assert_eq!(expect(&res, 200)["internal_cutoff_day"], 7);
}

/// Submissions that arrive together (on SQLite one writer runs them in one
/// transaction) are each accepted or refused alone: a refused one stores
/// nothing and takes nothing from the others.
async fn concurrent_submissions_stand_or_fall_alone(app: TestApp) {
    let org = fixtures::org(&app).await;
    let mut bodies = Vec::new();
    for i in 0..9u32 {
        let user = fixtures::user(&app, &org, &pnr("19400101", 400 + i)).await;
        let a = fixtures::assistant(&app, &org, &pnr("19880808", 400 + i)).await;
        fixtures::employment(&app, &org, &a, &user, json!({})).await;
        // Every third report has a day that does not exist.
        let day = if i % 3 == 2 {
            "2026-10-32"
        } else {
            "2026-10-02"
        };
        bodies.push(json!({"assistance_user_id": user, "month": "2026-10",
                           "rows": [row(&a, "2026-10-01", "08:00", "16:00", "active"),
                                    row(&a, day, "08:00", "16:00", "active")]}));
    }
    let replies = futures_util::future::join_all(
        bodies
            .iter()
            .map(|b| app.post("/api/v1/time-reports", &org.token, b)),
    )
    .await;
    for (i, r) in replies.iter().enumerate() {
        if i % 3 == 2 {
            assert_eq!(codes(&expect_problem(r, 422)), ["invalid_date"], "{r:?}");
        } else {
            assert_eq!(expect(r, 201)["version"], 1, "{r:?}");
        }
    }
    let list = expect(
        &app.get("/api/v1/time-reports?month=2026-10", &org.token)
            .await,
        200,
    );
    assert_eq!(list["items"].as_array().unwrap().len(), 6, "{list:#}");
}
db_test!(concurrent_submissions_stand_or_fall_alone);

/// Submissions that arrive together and conflict with each other: the same
/// assistant on the same morning for two users, and the same month twice.
/// One writer reads the facts of a batch at once; each submission must still
/// see the ones accepted before it, exactly as one after another.
async fn concurrent_conflicting_submissions_one_stands(app: TestApp) {
    let org = fixtures::org(&app).await;
    let a = fixtures::assistant(&app, &org, &pnr("19880808", 501)).await;
    let mut users = Vec::new();
    for i in 0..2u32 {
        let user = fixtures::user(&app, &org, &pnr("19400101", 500 + i)).await;
        fixtures::employment(&app, &org, &a, &user, json!({})).await;
        users.push(user);
    }
    let body = |u: &str, end: &str| {
        json!({"assistance_user_id": u, "month": "2026-10",
               "rows": [row(&a, "2026-10-05", "08:00", end, "active")]})
    };
    for round in 0..3 {
        let (b0, b1, b2) = (
            body(&users[0], "12:00"),
            body(&users[1], "12:00"),
            body(&users[1], "11:00"),
        );
        let (r0, r1, r2) = futures_util::join!(
            app.post("/api/v1/time-reports", &org.token, &b0),
            app.post("/api/v1/time-reports", &org.token, &b1),
            app.post("/api/v1/time-reports", &org.token, &b2),
        );
        let statuses = [r0.status.as_u16(), r1.status.as_u16(), r2.status.as_u16()];
        let stored = statuses.iter().filter(|s| **s == 201).count();
        if round == 0 {
            // One of the three stands; the others overlap it (or, for the
            // second user's other month, need a correction reason).
            assert_eq!(stored, 1, "round {round}: {r0:?} / {r1:?} / {r2:?}");
        } else {
            // Everything is stored already: the same rows are unchanged,
            // other rows overlap or need a correction reason.
            assert_eq!(stored, 0, "round {round}: {r0:?} / {r1:?} / {r2:?}");
        }
        for r in [&r0, &r1, &r2] {
            match r.status.as_u16() {
                201 | 200 => {}
                409 => assert_eq!(r.body["code"], "correction_reason_required", "{r:?}"),
                _ => assert_eq!(
                    codes(&expect_problem(r, 422)),
                    ["overlaps_stored_report"],
                    "{r:?}"
                ),
            }
        }
    }
    let list = expect(
        &app.get("/api/v1/time-reports?month=2026-10", &org.token)
            .await,
        200,
    );
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list:#}");
}
db_test!(concurrent_conflicting_submissions_one_stands);
