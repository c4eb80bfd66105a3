//! Hostile input refused the same way on both databases: tokens that are
//! not valid yet, and control characters in any text a client sends (JSON
//! bodies, query strings, CSV cells, PAXml values). A refusal stores
//! nothing.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;
use crate::time_reports::{report, row};

async fn a_token_not_valid_yet_is_refused(app: TestApp) {
    let now = chrono::Utc::now().timestamp();
    let with_nbf = |nbf: i64| {
        let claims = json!({"sub": "x", "role": "admin", "exp": now + 600, "nbf": nbf});
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    let p = expect_problem(
        &app.get("/api/v1/organisations", &with_nbf(now + 60)).await,
        401,
    );
    assert_eq!(p["code"], "unauthorized");
    expect(
        &app.get("/api/v1/organisations", &with_nbf(now - 5)).await,
        200,
    );
}
db_test!(a_token_not_valid_yet_is_refused);

fn character_faults(p: &Value) -> Vec<String> {
    assert_eq!(p["code"], "invalid_character", "{p}");
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["code"], "invalid_character");
            e.get("pointer")
                .or_else(|| e.get("field"))
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        })
        .collect()
}

async fn control_characters_are_refused_in_json(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let token = &w.org.token;
    for bad in ["\u{0}", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{9f}"] {
        let res = app
            .post(
                "/api/v1/assistants",
                token,
                &json!({"personnummer": pnr("19800101", 5), "name": format!("Anna{bad}Berg"), "lives_in_eea": true}),
            )
            .await;
        assert_eq!(character_faults(&expect_problem(&res, 422)), ["/name"]);
    }
    // A control character written as a JSON escape is the same character.
    let res = app
        .post_raw(
            "/api/v1/assistance-users",
            token,
            "application/json",
            br#"{"personnummer": "19800101-0000", "name": "Nul\u0000l"}"#.to_vec(),
            &[],
        )
        .await;
    assert_eq!(character_faults(&expect_problem(&res, 422)), ["/name"]);
    // Every place is named, deep in a report too, keys included.
    let mut r = row(&w.assistants[0], "2026-10-01", "08:00", "16:00", "active");
    r["kind"] = json!("active\u{0}");
    let mut body = report(
        &w,
        "2026-10",
        vec![
            row(&w.assistants[0], "2026-10-02", "08:00", "16:00", "active"),
            r,
        ],
    );
    body["correction_reason"] = json!("fel\u{1}");
    body["x\u{2}"] = json!(1);
    let res = app.post("/api/v1/time-reports", token, &body).await;
    let mut at = character_faults(&expect_problem(&res, 422));
    at.sort();
    assert_eq!(at, ["/correction_reason", "/rows/1/kind", "/x\u{2}"]);
    // Nothing was stored.
    let list = expect(&app.get("/api/v1/assistants", token).await, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list = expect(&app.get("/api/v1/time-reports", token).await, 200);
    assert!(list["items"].as_array().unwrap().is_empty());
    // Tab, CR and LF are text; an escaped backslash before `u0000` is too.
    let res = app
        .post(
            "/api/v1/assistants",
            token,
            &json!({"personnummer": pnr("19800101", 6), "name": "Anna\tBerg \\u0000", "lives_in_eea": true}),
        )
        .await;
    assert_ne!(res.body["code"], "invalid_character", "{res:?}");
    // Query parameters: the parameter is named.
    let res = app
        .get("/api/v1/assistance-users?personnummer=1980%00", token)
        .await;
    assert_eq!(
        character_faults(&expect_problem(&res, 422)),
        ["personnummer"]
    );
}
db_test!(control_characters_are_refused_in_json);

async fn control_characters_are_refused_in_files(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let token = &w.org.token;
    let csv = format!(
        "brukare;assistent;datum;start;slut;typ\n{u};{a};2026-10-01;08:00;16:00;aktiv\n{u};{a};2026-10-02;08:00;16:00;akt\u{0}iv\n",
        u = w.user_pnr,
        a = w.assistant_pnrs[0]
    );
    let res = app
        .post_raw(
            "/api/v1/imports/time-reports",
            token,
            "text/csv",
            csv.into_bytes(),
            &[],
        )
        .await;
    let p = expect_problem(&res, 422);
    let e = error_with(&p, "invalid_character");
    assert_eq!(e["line"], 3, "{p}");
    assert_eq!(e["column"], "typ", "{p}");
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<paxml>\n  <header>\n    <version>2.0</version>\n  </header>\n  <tidtransaktioner>\n    <tidtrans persnr=\"{a}\">\n      <tidkod>ASS</tidkod>\n      <starttid>2026-10-01T08:00:00</starttid>\n      <sluttid>2026-10-01T16:00:00</sluttid>\n      <kundnr>{u}\u{1}</kundnr>\n    </tidtrans>\n  </tidtransaktioner>\n</paxml>\n",
        u = w.user_pnr,
        a = w.assistant_pnrs[0]
    );
    let res = app
        .post_raw(
            "/api/v1/imports/paxml",
            token,
            "application/xml",
            xml.into_bytes(),
            &[],
        )
        .await;
    let p = expect_problem(&res, 422);
    let e = error_with(&p, "invalid_character");
    assert_eq!(e["line"], 11, "{p}");
    let list = expect(&app.get("/api/v1/time-reports", token).await, 200);
    assert!(list["items"].as_array().unwrap().is_empty());
}
db_test!(control_characters_are_refused_in_files);

/// A PATCH may leave a field out (keeping it) but `null` clears only what
/// can be empty: `null` for a name or a first valid day is 422
/// `null_not_allowed` at the field, and nothing changes.
async fn null_does_not_clear_a_field_that_cannot_be_empty(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let token = &w.org.token;
    let assistant = format!("/api/v1/assistants/{}", w.assistants[0]);
    let before = expect(&app.get(&assistant, token).await, 200);
    let p = expect_problem(
        &app.patch(
            &assistant,
            token,
            &json!({"name": null, "lives_in_eea": false}),
        )
        .await,
        422,
    );
    let fault = &p["errors"][0];
    assert_eq!(fault["code"], "null_not_allowed", "{p}");
    assert_eq!(fault["pointer"], "/name");
    assert_eq!(expect(&app.get(&assistant, token).await, 200), before);

    let list = expect(&app.get("/api/v1/agreements", token).await, 200);
    let agreement = format!(
        "/api/v1/agreements/{}",
        list["items"][0]["id"].as_str().unwrap()
    );
    let before = expect(&app.get(&agreement, token).await, 200);
    for field in ["valid_from", "payee"] {
        let p = expect_problem(
            &app.patch(&agreement, token, &json!({ field: null })).await,
            422,
        );
        assert_eq!(p["errors"][0]["code"], "null_not_allowed");
        assert_eq!(p["errors"][0]["pointer"], format!("/{field}"));
    }
    assert_eq!(expect(&app.get(&agreement, token).await, 200), before);
    // What may be empty is still cleared with null.
    let res = app
        .patch(&agreement, token, &json!({"valid_to": null}))
        .await;
    assert_eq!(expect(&res, 200)["valid_to"], Value::Null);
}
db_test!(null_does_not_clear_a_field_that_cannot_be_empty);
