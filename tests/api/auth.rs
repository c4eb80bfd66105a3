//! Authentication and tenancy across the API.

use redovisa::http::auth::Role;
use serde_json::json;

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;

async fn every_endpoint_needs_a_valid_token(app: TestApp) {
    for path in [
        "/api/v1/organisations",
        "/api/v1/assistants",
        "/api/v1/rates",
        "/api/v1/deadlines/2026-02",
    ] {
        let p = expect_problem(&app.get(path, "").await, 401);
        assert_eq!(p["code"], "unauthorized");
        expect_problem(&app.get(path, "not-a-jwt").await, 401);
    }
    // Expired (no leeway), wrong secret, provider without org.
    let expired = redovisa::http::auth::JwtKeys::from_secret(SECRET.as_bytes())
        .issue(&redovisa::http::auth::Claims {
            sub: "x".into(),
            role: Role::Admin,
            org: None,
            exp: chrono::Utc::now().timestamp() - 1,
            iat: None,
        })
        .unwrap();
    expect_problem(&app.get("/api/v1/organisations", &expired).await, 401);
    let other = redovisa::http::auth::JwtKeys::from_secret(b"some-other-secret-123456")
        .issue(&redovisa::http::auth::Claims {
            sub: "x".into(),
            role: Role::Admin,
            org: None,
            exp: chrono::Utc::now().timestamp() + 60,
            iat: None,
        })
        .unwrap();
    expect_problem(&app.get("/api/v1/organisations", &other).await, 401);
    // The OpenAPI document and probes are public.
    expect(&app.get("/api/v1/openapi.json", "").await, 200);
    expect(&app.get("/health", "").await, 200);
    expect(&app.get("/ready", "").await, 200);
}
db_test!(every_endpoint_needs_a_valid_token);

async fn providers_never_see_each_other(app: TestApp) {
    let a = fixtures::world(&app, 1).await;
    let b = fixtures::org(&app).await;
    // The same person registered by both organisations: two records.
    let user_b = fixtures::user(&app, &b, &a.user_pnr).await;
    assert_ne!(user_b, a.user);
    for path in [
        format!("/api/v1/assistance-users/{}", a.user),
        format!("/api/v1/assistants/{}", a.assistants[0]),
        format!("/api/v1/organisations/{}", a.org.id),
    ] {
        let p = expect_problem(&app.get(&path, &b.token).await, 404);
        assert!(!p.to_string().contains(&a.user_pnr));
        expect(&app.get(&path, &a.org.token).await, 200);
        expect(&app.get(&path, &app.auditor()).await, 200);
    }
    let list = app.get("/api/v1/assistance-users", &b.token).await;
    let items = expect(&list, 200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], user_b.as_str());
    let orgs = app.get("/api/v1/organisations", &b.token).await;
    assert_eq!(expect(&orgs, 200)["items"].as_array().unwrap().len(), 1);
    // Writing to another organisation's records is a 404 too.
    let res = app
        .patch(
            &format!("/api/v1/assistants/{}", a.assistants[0]),
            &b.token,
            &json!({"name": "X"}),
        )
        .await;
    expect_problem(&res, 404);
    // b cannot employ a's assistant for its own user.
    let res = app
        .post(
            "/api/v1/employments",
            &b.token,
            &json!({"assistant_id": a.assistants[0], "assistance_user_id": user_b, "start_date": "2024-01-01",
                    "shares_household": false, "working_time_rule": "working_hours_act"}),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        error_with(&p, "unknown_assistant")["pointer"],
        "/assistant_id"
    );
}
db_test!(providers_never_see_each_other);

async fn roles_are_enforced(app: TestApp) {
    let org = fixtures::org(&app).await;
    let auditor = app.auditor();
    let body = json!({"personnummer": pnr("19700101", 1), "name": "N"});
    expect_problem(
        &app.post("/api/v1/assistance-users", &auditor, &body).await,
        403,
    );
    expect_problem(
        &app.post("/api/v1/assistance-users", &app.admin(), &body)
            .await,
        403,
    );
    let org_body = json!({"kind": "company", "identity_number": orgnr("556677", 1), "name": "N"});
    expect_problem(
        &app.post("/api/v1/organisations", &org.token, &org_body)
            .await,
        403,
    );
    expect_problem(
        &app.post("/api/v1/organisations", &auditor, &org_body).await,
        403,
    );
    expect_problem(
        &app.put(
            "/api/v1/rates/2030",
            &org.token,
            &json!({"sek_per_hour": "400.00"}),
        )
        .await,
        403,
    );
    expect_problem(
        &app.put(
            "/api/v1/rates/2030",
            &auditor,
            &json!({"sek_per_hour": "400.00"}),
        )
        .await,
        403,
    );
    expect_problem(
        &app.patch(
            &format!("/api/v1/organisations/{}", org.id),
            &auditor,
            &json!({"name": "X"}),
        )
        .await,
        403,
    );
    // Auditors read everything.
    expect(&app.get("/api/v1/organisations", &auditor).await, 200);
}
db_test!(roles_are_enforced);
