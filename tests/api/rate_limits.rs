//! Per-credential limits on writes and the overlap oracle (issue 15), with
//! small limits and the pinned clock.

use serde_json::json;

use crate::db_test;
use crate::fixtures;
use crate::helpers::{codes, expect, expect_problem, pnr, TestApp};
use crate::time_reports::row;

async fn writes_over_the_rate_get_429_with_retry_after(app: TestApp) {
    let app = app.with_settings(|s| {
        s.guards.rate_limit_per_second = 1;
        s.guards.rate_limit_burst = 2;
    });
    let org = fixtures::org(&app).await;
    let other = fixtures::org(&app).await;
    let create = |n: u32| json!({"personnummer": pnr("19900101", n), "name": "Assistent", "lives_in_eea": true});
    for n in 1..=2 {
        expect(
            &app.post("/api/v1/assistants", &org.token, &create(n)).await,
            201,
        );
    }
    let res = app.post("/api/v1/assistants", &org.token, &create(3)).await;
    let p = expect_problem(&res, 429);
    assert_eq!(p["code"], "rate_limited");
    assert_eq!(res.headers.get("retry-after").unwrap(), "1");
    // Nothing was stored, reads go on, and other credentials have their own bucket.
    let listed = app.get("/api/v1/assistants", &org.token).await;
    assert_eq!(expect(&listed, 200)["items"].as_array().unwrap().len(), 2);
    expect(
        &app.post("/api/v1/assistants", &other.token, &create(4))
            .await,
        201,
    );
    // A second later there is a token again.
    app.set_now("2026-11-10T10:00:01Z");
    expect(
        &app.post("/api/v1/assistants", &org.token, &create(3)).await,
        201,
    );
    // An import is one write like any other.
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports",
            &org.token,
            "text/csv",
            b"x".to_vec(),
            &[],
        )
        .await;
    expect_problem(&res, 429);
}
db_test!(writes_over_the_rate_get_429_with_retry_after);

async fn the_default_limits_do_not_throttle(app: TestApp) {
    let org = fixtures::org(&app).await;
    for n in 1..=30 {
        let body = json!({"personnummer": pnr("19900101", n), "name": "A", "lives_in_eea": true});
        expect(
            &app.post("/api/v1/assistants", &org.token, &body).await,
            201,
        );
    }
}
db_test!(the_default_limits_do_not_throttle);

async fn overlap_refusals_are_audited_and_limited(app: TestApp) {
    let app = app.with_settings(|s| s.guards.overlap_refusals_per_hour = 2);
    let w = fixtures::world(&app, 1).await;
    let a = &w.assistants[0];
    let mine = json!({"assistance_user_id": w.user, "month": "2026-10",
        "rows": [row(a, "2026-10-31", "08:00", "16:00", "active")]});
    expect(
        &app.post("/api/v1/time-reports", &w.org.token, &mine).await,
        201,
    );
    // Another employer probes whether the same person works elsewhere.
    let prober = fixtures::org(&app).await;
    let user = fixtures::user(&app, &prober, &pnr("19450101", 71)).await;
    let same_person = fixtures::assistant(&app, &prober, &w.assistant_pnrs[0]).await;
    fixtures::employment(&app, &prober, &same_person, &user, json!({})).await;
    let probe = json!({"assistance_user_id": user, "month": "2026-10",
        "rows": [row(&same_person, "2026-10-31", "09:00", "10:00", "active")]});
    for _ in 0..3 {
        let res = app
            .post("/api/v1/time-reports", &prober.token, &probe)
            .await;
        assert_eq!(
            codes(&expect_problem(&res, 422)),
            ["overlaps_other_employer"]
        );
    }
    // Over two refusals this hour: the credential's writes are refused.
    let res = app
        .post("/api/v1/time-reports", &prober.token, &probe)
        .await;
    expect_problem(&res, 429);
    assert_eq!(res.headers.get("retry-after").unwrap(), "3600");
    // Each refusal is in the trail with the assistant probed, under the
    // prober's organisation (the other employer's data is not named).
    let trail = app
        .get(
            &format!("/api/v1/audit?subject_id={same_person}"),
            &prober.token,
        )
        .await;
    let items = expect(&trail, 200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3, "{items:#?}");
    for e in &items {
        assert_eq!(e["action"], "overlap_refused");
        assert_eq!(e["subject_kind"], "assistant");
        assert_eq!(e["subject_ids"], json!([same_person]));
        assert_eq!(e["organisation_id"], prober.id.as_str());
    }
    // Reads go on; the next hour the credential may write again.
    expect(&app.get("/api/v1/assistants", &prober.token).await, 200);
    app.set_now("2026-11-10T11:00:00Z");
    let res = app
        .post("/api/v1/time-reports", &prober.token, &probe)
        .await;
    expect_problem(&res, 422);
}
db_test!(overlap_refusals_are_audited_and_limited);
