//! API keys: created with a secret shown once, used as bearer tokens
//! wherever a JWT works, read-only for `provider_read`, revoked at once,
//! named in the audit trail.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;
use crate::time_reports::{report, row};

async fn create_key(app: &TestApp, token: &str, body: Value) -> Value {
    expect(&app.post("/api/v1/api-keys", token, &body).await, 201)
}

async fn a_key_works_wherever_a_jwt_does_and_is_shown_once(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let res = app
        .post(
            "/api/v1/api-keys",
            &w.org.token,
            &json!({"name": "Lönesystem", "role": "provider"}),
        )
        .await;
    let key = expect(&res, 201);
    let secret = key["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("rdv_") && secret.len() == 68, "{secret}");
    assert_eq!(key["role"], "provider");
    assert_eq!(key["organisation_id"], w.org.id.as_str());
    assert_eq!(key["prefix"], &secret[..16]);
    assert_eq!(key["created_by"], "provider:test");
    let location = res.headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(
        location,
        format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap())
    );

    // The list never shows the secret, nor anything it could be rebuilt from.
    let list = expect(&app.get("/api/v1/api-keys", &w.org.token).await, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let listed = &list["items"][0];
    assert!(listed.get("secret").is_none());
    assert!(!list.to_string().contains(&secret[16..]));
    assert_eq!(listed["last_used_at"], Value::Null);
    assert_eq!(listed["revoked_at"], Value::Null);

    // The key reads and writes like the provider's JWT.
    let user = expect(
        &app.get(&format!("/api/v1/assistance-users/{}", w.user), &secret)
            .await,
        200,
    );
    assert_eq!(user["id"], w.user.as_str());
    let rows = vec![row(
        &w.assistants[0],
        "2026-10-01",
        "08:00",
        "16:00",
        "active",
    )];
    let receipt = expect(
        &app.post(
            "/api/v1/time-reports",
            &secret,
            &report(&w, "2026-10", rows),
        )
        .await,
        201,
    );
    // The audit trail names the key.
    let trail = expect(
        &app.get(
            &format!(
                "/api/v1/time-reports/{}/audit",
                receipt["id"].as_str().unwrap()
            ),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(
        trail[0]["actor"],
        format!("provider:api_key:{}", key["id"].as_str().unwrap())
    );

    // Its last use is recorded (after the reply, at most once a minute).
    let mut last_used = Value::Null;
    for _ in 0..50 {
        let list = expect(&app.get("/api/v1/api-keys", &w.org.token).await, 200);
        last_used = list["items"][0]["last_used_at"].clone();
        if !last_used.is_null() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last_used, "2026-11-10T10:00:00Z");
}
db_test!(a_key_works_wherever_a_jwt_does_and_is_shown_once);

async fn provider_read_reads_its_organisation_and_writes_nothing(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let other = fixtures::world(&app, 1).await;
    let key = create_key(
        &app,
        &w.org.token,
        json!({"name": "Rapporter", "role": "provider_read"}),
    )
    .await;
    let secret = key["secret"].as_str().unwrap();
    let users = expect(&app.get("/api/v1/assistance-users", secret).await, 200);
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
    assert_eq!(users["items"][0]["id"], w.user.as_str());
    // Another organisation's records are as invisible as to its provider.
    expect_problem(
        &app.get(&format!("/api/v1/assistance-users/{}", other.user), secret)
            .await,
        404,
    );
    // Every write is refused, whatever the endpoint, before any change.
    let rows = vec![row(
        &w.assistants[0],
        "2026-10-01",
        "08:00",
        "16:00",
        "active",
    )];
    for res in [
        app.post("/api/v1/time-reports", secret, &report(&w, "2026-10", rows))
            .await,
        app.post(
            "/api/v1/assistance-users",
            secret,
            &json!({"personnummer": pnr("19600101", 77), "name": "X"}),
        )
        .await,
        app.patch(
            &format!("/api/v1/organisations/{}", w.org.id),
            secret,
            &json!({"name": "Nytt namn"}),
        )
        .await,
        app.post(
            "/api/v1/api-keys",
            secret,
            &json!({"name": "x", "role": "provider_read"}),
        )
        .await,
        app.delete(
            &format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()),
            secret,
        )
        .await,
    ] {
        let p = expect_problem(&res, 403);
        assert_eq!(p["code"], "forbidden");
    }
    let org = expect(
        &app.get(&format!("/api/v1/organisations/{}", w.org.id), secret)
            .await,
        200,
    );
    assert_eq!(org["name"], "Assistans AB");
    // A provider_read JWT is the same role.
    let jwt = app.token(redovisa::http::auth::Role::ProviderRead, Some(&w.org.id));
    expect(&app.get("/api/v1/assistance-users", &jwt).await, 200);
    expect_problem(
        &app.patch(
            &format!("/api/v1/organisations/{}", w.org.id),
            &jwt,
            &json!({"name": "Y"}),
        )
        .await,
        403,
    );
}
db_test!(provider_read_reads_its_organisation_and_writes_nothing);

async fn who_may_create_which_key(app: TestApp) {
    let a = fixtures::org(&app).await;
    let b = fixtures::org(&app).await;
    let provider_key = |role: &str, org: Option<&str>| {
        let mut body = json!({"name": "k", "role": role});
        if let Some(o) = org {
            body["organisation_id"] = json!(o);
        }
        body
    };
    // A provider: its own organisation, provider or provider_read only.
    for role in ["admin", "auditor"] {
        expect_problem(
            &app.post("/api/v1/api-keys", &a.token, &provider_key(role, None))
                .await,
            403,
        );
    }
    expect_problem(
        &app.post(
            "/api/v1/api-keys",
            &a.token,
            &provider_key("provider", Some(&b.id)),
        )
        .await,
        403,
    );
    create_key(&app, &a.token, provider_key("provider", Some(&a.id))).await;
    // Auditors write nothing.
    expect_problem(
        &app.post(
            "/api/v1/api-keys",
            &app.auditor(),
            &provider_key("provider", Some(&a.id)),
        )
        .await,
        403,
    );
    // An admin: any role; organisation keys name an existing organisation.
    let admin = app.admin();
    let k = create_key(&app, &admin, provider_key("provider_read", Some(&b.id))).await;
    assert_eq!(k["organisation_id"], b.id.as_str());
    let k = create_key(&app, &admin, provider_key("auditor", None)).await;
    assert_eq!(k["organisation_id"], Value::Null);
    let auditor_key = k["secret"].as_str().unwrap().to_string();
    let p = expect_problem(
        &app.post("/api/v1/api-keys", &admin, &provider_key("provider", None))
            .await,
        422,
    );
    assert_eq!(
        error_with(&p, "missing_field")["pointer"],
        "/organisation_id"
    );
    let p = expect_problem(
        &app.post(
            "/api/v1/api-keys",
            &admin,
            &provider_key("admin", Some(&a.id)),
        )
        .await,
        422,
    );
    assert_eq!(error_with(&p, "not_allowed")["pointer"], "/organisation_id");
    let p = expect_problem(
        &app.post(
            "/api/v1/api-keys",
            &admin,
            &provider_key("provider", Some("no-such-org")),
        )
        .await,
        422,
    );
    assert_eq!(
        error_with(&p, "unknown_organisation")["pointer"],
        "/organisation_id"
    );
    // Every fault at once: name, expiry in the past, unknown role.
    let p = expect_problem(
        &app.post(
            "/api/v1/api-keys",
            &a.token,
            &json!({"name": " ", "role": "provider", "expires_at": "2026-11-10T09:00:00Z"}),
        )
        .await,
        422,
    );
    assert_eq!(codes(&p), ["invalid_name", "expires_in_past"]);
    expect_problem(
        &app.post(
            "/api/v1/api-keys",
            &a.token,
            &json!({"name": "k", "role": "root"}),
        )
        .await,
        422,
    );
    // Lists: a provider its own keys; an auditor key sees them all.
    let mine = expect(&app.get("/api/v1/api-keys", &a.token).await, 200);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let all = expect(&app.get("/api/v1/api-keys", &auditor_key).await, 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
}
db_test!(who_may_create_which_key);

async fn revoked_and_expired_keys_are_refused(app: TestApp) {
    let a = fixtures::org(&app).await;
    let b = fixtures::org(&app).await;
    let key = create_key(&app, &a.token, json!({"name": "k", "role": "provider"})).await;
    let (id, secret) = (key["id"].as_str().unwrap(), key["secret"].as_str().unwrap());
    expect(&app.get("/api/v1/assistance-users", secret).await, 200);
    // Another organisation cannot see or revoke it.
    expect_problem(
        &app.delete(&format!("/api/v1/api-keys/{id}"), &b.token)
            .await,
        404,
    );
    let revoked = expect(
        &app.delete(&format!("/api/v1/api-keys/{id}"), &a.token)
            .await,
        200,
    );
    assert_eq!(revoked["revoked_at"], "2026-11-10T10:00:00Z");
    let p = expect_problem(&app.get("/api/v1/assistance-users", secret).await, 401);
    assert_eq!(p["code"], "unauthorized");
    // Revoking again changes nothing; the trail has one entry of each.
    app.set_now("2026-11-10T11:00:00Z");
    let again = expect(
        &app.delete(&format!("/api/v1/api-keys/{id}"), &a.token)
            .await,
        200,
    );
    assert_eq!(again["revoked_at"], "2026-11-10T10:00:00Z");

    // An expired key stops at its instant.
    let key = create_key(
        &app,
        &a.token,
        json!({"name": "k", "role": "provider", "expires_at": "2026-11-10T12:00:00Z"}),
    )
    .await;
    let secret = key["secret"].as_str().unwrap();
    expect(&app.get("/api/v1/assistance-users", secret).await, 200);
    app.set_now("2026-11-10T12:00:00Z");
    expect_problem(&app.get("/api/v1/assistance-users", secret).await, 401);
    // A well-formed secret that was never issued, and a malformed one.
    let forged = format!("{}{}", &secret[..16], "0".repeat(52));
    expect_problem(&app.get("/api/v1/assistance-users", &forged).await, 401);
    expect_problem(&app.get("/api/v1/assistance-users", "rdv_short").await, 401);
}
db_test!(revoked_and_expired_keys_are_refused);
