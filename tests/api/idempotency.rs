//! `Idempotency-Key` on every POST: a retry gets the stored reply (status,
//! `Location` and body, marked `Idempotent-Replayed: true`) and creates
//! nothing; the key with another request is 422; replays are the caller's
//! own. Every 201 carries `Location`.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;

fn header<'a>(res: &'a Res, name: &str) -> Option<&'a str> {
    res.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Posts `body` twice with one key: the first creates (201 with a
/// `Location` that starts with `location`), the second replays it. Returns
/// the first body.
async fn created_once(
    app: &TestApp,
    path: &str,
    token: &str,
    body: &Value,
    location: &str,
) -> Value {
    // One key per request: a key names one request of its caller.
    let key = format!("retry {path}");
    let key = [("Idempotency-Key", key.as_str())];
    let first = app.post_with(path, token, body, &key).await;
    let created = expect(&first, 201);
    let at = header(&first, "location").unwrap_or_else(|| panic!("{path}: no Location"));
    assert!(at.starts_with(location), "{path}: Location {at}");
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let again = app.post_with(path, token, body, &key).await;
    assert_eq!(again.status.as_u16(), 201, "{path}: {again:?}");
    assert_eq!(again.text, first.text, "{path}: the replay differs");
    assert_eq!(header(&again, "location"), Some(at));
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    // The same key with another request (here: another query) is refused.
    let res = app
        .post_with(&format!("{path}?annan=1"), token, body, &key)
        .await;
    assert_eq!(
        expect_problem(&res, 422)["code"],
        "idempotency_key_reused",
        "{path}"
    );
    created
}

async fn count(app: &TestApp, path: &str, token: &str) -> usize {
    expect(&app.get(path, token).await, 200)["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn every_register_post_replays(app: TestApp) {
    let admin = app.admin();
    let org = created_once(
        &app,
        "/api/v1/organisations",
        &admin,
        &json!({"kind": "company", "identity_number": orgnr("556036", 77), "name": "Omsorg AB",
                "ivo_permit": true, "f_tax": true}),
        "/api/v1/organisations/",
    )
    .await;
    let org_id = org["id"].as_str().unwrap();
    let token = app.provider(org_id);
    let user = created_once(
        &app,
        "/api/v1/assistance-users",
        &token,
        &json!({"personnummer": pnr("19700101", 31), "name": "Brukare Ett"}),
        "/api/v1/assistance-users/",
    )
    .await;
    let user = user["id"].as_str().unwrap();
    assert_eq!(count(&app, "/api/v1/assistance-users", &token).await, 1);
    let assistant = created_once(
        &app,
        "/api/v1/assistants",
        &token,
        &json!({"personnummer": pnr("19900101", 32), "name": "Assistent", "lives_in_eea": true}),
        "/api/v1/assistants/",
    )
    .await;
    let assistant = assistant["id"].as_str().unwrap();
    let employment = created_once(
        &app,
        "/api/v1/employments",
        &token,
        &json!({"assistant_id": assistant, "assistance_user_id": user, "start_date": "2020-01-01",
                "registered_with_fk_on": "2020-01-01"}),
        "/api/v1/employments/",
    )
    .await;
    assert_eq!(count(&app, "/api/v1/employments", &token).await, 1);
    created_once(
        &app,
        "/api/v1/decisions",
        &token,
        &json!({"assistance_user_id": user, "hours_per_week": "120.00", "valid_from": "2024-01-01",
                "rate": {"kind": "standard"}}),
        "/api/v1/decisions/",
    )
    .await;
    assert_eq!(count(&app, "/api/v1/decisions", &token).await, 1);
    created_once(
        &app,
        "/api/v1/agreements",
        &token,
        &json!({"assistance_user_id": user, "valid_from": "2020-01-01", "payee": "provider",
                "sent_to_fk_on": "2020-01-01"}),
        "/api/v1/agreements/",
    )
    .await;
    created_once(
        &app,
        &format!("/api/v1/assistance-users/{user}/representatives"),
        &token,
        &json!({"personnummer": pnr("19750505", 33), "name": "Göran Godman", "kind": "trustee",
                "valid_from": "2026-01-01"}),
        &format!("/api/v1/assistance-users/{user}/representatives/"),
    )
    .await;
    created_once(
        &app,
        &format!("/api/v1/organisations/{org_id}/signatories"),
        &token,
        &json!({"personnummer": pnr("19720101", 34), "name": "Firmatecknare", "valid_from": "2026-01-01"}),
        &format!("/api/v1/organisations/{org_id}/signatories/"),
    )
    .await;
    created_once(
        &app,
        "/api/v1/change-notices",
        &token,
        &json!({"assistance_user_id": user, "kind": "other", "occurred_on": "2026-11-03"}),
        "/api/v1/change-notices/",
    )
    .await;
    assert_eq!(count(&app, "/api/v1/change-notices", &token).await, 1);
    let key = created_once(
        &app,
        "/api/v1/api-keys",
        &token,
        &json!({"name": "Lönesystem", "role": "provider"}),
        "/api/v1/api-keys/",
    )
    .await;
    assert!(key["secret"].as_str().unwrap().starts_with("rdv_"));
    assert_eq!(count(&app, "/api/v1/api-keys", &token).await, 1);
    created_once(
        &app,
        "/api/v1/users",
        &token,
        &json!({"email": "karin@exempel.se", "name": "Karin Ek", "role": "provider"}),
        "/api/v1/users/",
    )
    .await;

    // A document: the same file again with the key is the stored reply.
    let e = employment["id"].as_str().unwrap();
    let path = format!("/api/v1/employments/{e}/documents?kind=employment_contract");
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n".to_vec();
    let key = [("Idempotency-Key", "doc-1")];
    let first = app
        .post_raw(&path, &token, "application/pdf", pdf.clone(), &key)
        .await;
    expect(&first, 201);
    assert!(header(&first, "location")
        .unwrap()
        .starts_with("/api/v1/documents/"));
    let again = app
        .post_raw(&path, &token, "application/pdf", pdf.clone(), &key)
        .await;
    assert_eq!((again.status.as_u16(), &again.text), (201, &first.text));
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    let mut other = pdf.clone();
    other.extend_from_slice(b"% annan\n");
    let res = app
        .post_raw(&path, &token, "application/pdf", other, &key)
        .await;
    assert_eq!(expect_problem(&res, 422)["code"], "idempotency_key_reused");
}
db_test!(every_register_post_replays);

async fn time_reports_and_invoices_replay_with_the_header(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    fixtures::agreement(&app, &w.org, &w.user).await;
    // A new rate is 201 with its Location.
    let res = app
        .put(
            "/api/v1/rates/2026",
            &app.admin(),
            &json!({"sek_per_hour": "340.00"}),
        )
        .await;
    expect(&res, 201);
    assert_eq!(header(&res, "location"), Some("/api/v1/rates/2026"));
    let a = &w.assistants[0];
    let body = json!({"assistance_user_id": w.user, "month": "2026-10", "rows": [
        {"assistant_id": a, "date": "2026-10-01", "start": "08:00", "end": "16:00"}]});
    let key = [("Idempotency-Key", "tid-1")];
    let first = app
        .post_with("/api/v1/time-reports", &w.org.token, &body, &key)
        .await;
    let receipt = expect(&first, 201);
    let id = receipt["id"].as_str().unwrap();
    assert_eq!(
        header(&first, "location"),
        Some(format!("/api/v1/time-reports/{id}/versions/1").as_str())
    );
    // Key order and spacing are not part of the request.
    let respelled = r#"{ "rows": [{"end": "16:00", "start": "08:00", "date": "2026-10-01", "assistant_id": "A"}], "month": "2026-10", "assistance_user_id": "U" }"#
        .replace("\"A\"", &format!("\"{a}\""))
        .replace("\"U\"", &format!("\"{}\"", w.user));
    let again = app
        .post_raw(
            "/api/v1/time-reports",
            &w.org.token,
            "application/json",
            respelled.into_bytes(),
            &key,
        )
        .await;
    assert_eq!((again.status.as_u16(), &again.text), (201, &first.text));
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    assert_eq!(header(&again, "location"), header(&first, "location"));

    let draft = expect(
        &app.get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-10",
                w.user
            ),
            &w.org.token,
        )
        .await,
        200,
    );
    let inv_body = json!({"assistance_user_id": w.user, "month": "2026-10",
        "payable_hours": draft["payable_hours"], "sek_per_hour": draft["sek_per_hour"],
        "amount_sek": draft["amount_sek"]});
    // The same key on another endpoint is another request: refused.
    let res = app
        .post_with("/api/v1/invoices", &w.org.token, &inv_body, &key)
        .await;
    assert_eq!(expect_problem(&res, 422)["code"], "idempotency_key_reused");

    let inv_key = [("Idempotency-Key", "faktura-1")];
    let first = app
        .post_with("/api/v1/invoices", &w.org.token, &inv_body, &inv_key)
        .await;
    let inv = expect(&first, 201);
    assert_eq!(
        header(&first, "location"),
        Some(format!("/api/v1/invoices/{}", inv["id"].as_str().unwrap()).as_str())
    );
    let again = app
        .post_with("/api/v1/invoices", &w.org.token, &inv_body, &inv_key)
        .await;
    assert_eq!((again.status.as_u16(), &again.text), (201, &first.text));
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));

    // Without a key nothing is replayed: the same rows again are 200 unchanged.
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    expect(&res, 200);
    assert_eq!(header(&res, "idempotent-replayed"), None);
}
db_test!(time_reports_and_invoices_replay_with_the_header);

async fn replays_are_the_callers_own(app: TestApp) {
    let w = fixtures::world(&app, 0).await;
    let body = json!({"name": "Lönesystem", "role": "provider"});
    let key = [("Idempotency-Key", "nyckel-1")];
    let first = expect(
        &app.post_with("/api/v1/api-keys", &w.org.token, &body, &key)
            .await,
        201,
    );
    // Another credential of the organisation with the same key and body
    // gets no replay (the secret is shown to its requester only): a key
    // of its own.
    let secret = first["secret"].as_str().unwrap();
    let res = app.post_with("/api/v1/api-keys", secret, &body, &key).await;
    let second = expect(&res, 201);
    assert_eq!(header(&res, "idempotent-replayed"), None);
    assert_ne!(second["secret"], first["secret"]);
    assert_ne!(second["id"], first["id"]);
    // Another organisation's key space is its own too.
    let other = fixtures::org(&app).await;
    let res = app
        .post_with("/api/v1/api-keys", &other.token, &body, &key)
        .await;
    expect(&res, 201);
    assert_eq!(header(&res, "idempotent-replayed"), None);
    // The key with another body is refused.
    let res = app
        .post_with(
            "/api/v1/api-keys",
            &w.org.token,
            &json!({"name": "Annat system", "role": "provider"}),
            &key,
        )
        .await;
    assert_eq!(expect_problem(&res, 422)["code"], "idempotency_key_reused");
    // A refused request stores no key: the same key then works.
    let bad = json!({"name": "", "role": "provider"});
    let k2 = [("Idempotency-Key", "nyckel-2")];
    expect_problem(
        &app.post_with("/api/v1/api-keys", &w.org.token, &bad, &k2)
            .await,
        422,
    );
    expect(
        &app.post_with("/api/v1/api-keys", &w.org.token, &body, &k2)
            .await,
        201,
    );
}
db_test!(replays_are_the_callers_own);
