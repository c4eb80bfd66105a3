//! Builders for a small, valid register: an organisation with users,
//! assistants, employments and decisions.

use serde_json::{json, Value};

use crate::helpers::{expect, orgnr, pnr, TestApp};

pub struct Org {
    pub id: String,
    pub token: String,
}

static SERIAL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn serial() -> u32 {
    SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 900 + 1
}

pub async fn org(app: &TestApp) -> Org {
    org_of_kind(app, "company").await
}

pub async fn org_of_kind(app: &TestApp, kind: &str) -> Org {
    let identity = if kind == "self_employer" {
        pnr("19800101", serial())
    } else {
        orgnr("556036", serial())
    };
    let res = app
        .post(
            "/api/v1/organisations",
            &app.admin(),
            &json!({"kind": kind, "identity_number": identity, "name": "Assistans AB", "ivo_permit": true, "f_tax": true}),
        )
        .await;
    let id = expect(&res, 201)["id"].as_str().unwrap().to_string();
    Org {
        token: app.provider(&id),
        id,
    }
}

pub async fn user(app: &TestApp, org: &Org, personnummer: &str) -> String {
    let res = app
        .post(
            "/api/v1/assistance-users",
            &org.token,
            &json!({"personnummer": personnummer, "name": "Brukare Ett"}),
        )
        .await;
    expect(&res, 201)["id"].as_str().unwrap().to_string()
}

pub async fn assistant(app: &TestApp, org: &Org, personnummer: &str) -> String {
    let res = app
        .post(
            "/api/v1/assistants",
            &org.token,
            &json!({"personnummer": personnummer, "name": "Assistent", "lives_in_eea": true}),
        )
        .await;
    expect(&res, 201)["id"].as_str().unwrap().to_string()
}

pub async fn employment(
    app: &TestApp,
    org: &Org,
    assistant_id: &str,
    user_id: &str,
    body: Value,
) -> String {
    let mut b = json!({
        "assistant_id": assistant_id,
        "assistance_user_id": user_id,
        "start_date": "2020-01-01",
        "registered_with_fk_on": "2020-01-01",
        "shares_household": false,
        "working_time_rule": "working_hours_act",
    });
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    let res = app.post("/api/v1/employments", &org.token, &b).await;
    expect(&res, 201)["id"].as_str().unwrap().to_string()
}

pub async fn decision(app: &TestApp, org: &Org, user_id: &str, body: Value) -> String {
    let mut b = json!({
        "assistance_user_id": user_id,
        "hours_per_week": "120.00",
        "valid_from": "2024-01-01",
        "rate": {"kind": "standard"},
    });
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    let res = app.post("/api/v1/decisions", &org.token, &b).await;
    expect(&res, 201)["id"].as_str().unwrap().to_string()
}

/// An agreement with the provider covering every month from 2020, sent to
/// FK (so that reports carry no agreement warning).
pub async fn agreement(app: &TestApp, org: &Org, user_id: &str) -> String {
    let res = app
        .post(
            "/api/v1/agreements",
            &org.token,
            &json!({"assistance_user_id": user_id, "valid_from": "2020-01-01",
                    "payee": "provider", "sent_to_fk_on": "2020-01-01"}),
        )
        .await;
    expect(&res, 201)["id"].as_str().unwrap().to_string()
}

/// An organisation with one user, `n` employed and FK-registered assistants
/// and a standard-rate decision from 2024.
pub struct World {
    pub org: Org,
    pub user: String,
    pub user_pnr: String,
    pub assistants: Vec<String>,
    pub assistant_pnrs: Vec<String>,
}

pub async fn world(app: &TestApp, n: usize) -> World {
    world_of_kind(app, "company", n).await
}

/// [`world`] for an organisation of another kind (e.g. `self_employer`).
pub async fn world_of_kind(app: &TestApp, kind: &str, n: usize) -> World {
    let org = org_of_kind(app, kind).await;
    let user_pnr = pnr("19700101", serial());
    let user = user(app, &org, &user_pnr).await;
    let mut assistants = Vec::new();
    let mut assistant_pnrs = Vec::new();
    for _ in 0..n {
        let p = pnr("19900101", serial());
        let a = assistant(app, &org, &p).await;
        employment(app, &org, &a, &user, json!({})).await;
        assistants.push(a);
        assistant_pnrs.push(p);
    }
    decision(
        app,
        &org,
        &user,
        json!({"double_assistance_hours_per_week": "10.00"}),
    )
    .await;
    if kind != "self_employer" {
        agreement(app, &org, &user).await;
    }
    World {
        org,
        user,
        user_pnr,
        assistants,
        assistant_pnrs,
    }
}
