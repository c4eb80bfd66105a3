//! The register: organisations, users, decisions, assistants, employments,
//! rates; request validation and the OpenAPI document.

use serde_json::json;

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;

async fn organisations_are_validated_and_normalised(app: TestApp) {
    let admin = app.admin();
    let res = app
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "municipality", "identity_number": "2120000142", "name": "  Kommunen  ", "internal_cutoff_day": 3}),
        )
        .await;
    let org = expect(&res, 201);
    assert_eq!(org["identity_number"], "212000-0142");
    assert_eq!(org["name"], "Kommunen");
    assert_eq!(org["internal_cutoff_day"], 3);
    // Same number again: 409.
    let res = app
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "municipality", "identity_number": "212000-0142", "name": "K"}),
        )
        .await;
    assert_eq!(expect_problem(&res, 409)["code"], "duplicate");
    // Every fault at once, each with its pointer.
    let res = app
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "company", "identity_number": "556036-0794", "name": "", "internal_cutoff_day": 31}),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        error_with(&p, "invalid_checksum")["pointer"],
        "/identity_number"
    );
    assert_eq!(error_with(&p, "invalid_name")["pointer"], "/name");
    assert_eq!(
        error_with(&p, "out_of_range")["pointer"],
        "/internal_cutoff_day"
    );
    // A self-employer is identified by personnummer, 10 digits accepted.
    let res = app
        .post("/api/v1/organisations", &admin, &json!({"kind": "self_employer", "identity_number": "19121212-1212", "name": "Familjen"}))
        .await;
    assert_eq!(expect(&res, 201)["identity_number"], "191212121212");
    // Unknown kind: 422 at /kind.
    let res = app
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "ngo", "identity_number": "2120000142", "name": "K"}),
        )
        .await;
    assert_eq!(expect_problem(&res, 422)["errors"][0]["pointer"], "/kind");
}
db_test!(organisations_are_validated_and_normalised);

async fn provider_patches_its_own_settings(app: TestApp) {
    let org = fixtures::org(&app).await;
    let path = format!("/api/v1/organisations/{}", org.id);
    let res = app
        .patch(
            &path,
            &org.token,
            &json!({"internal_cutoff_day": 10, "f_tax": null}),
        )
        .await;
    let body = expect(&res, 200);
    assert_eq!(body["internal_cutoff_day"], 10);
    assert_eq!(body["f_tax"], serde_json::Value::Null);
    assert_eq!(body["ivo_permit"], true);
    let res = app
        .patch(&path, &org.token, &json!({"internal_cutoff_day": 0}))
        .await;
    expect_problem(&res, 422);
    let res = app
        .patch(&path, &org.token, &json!({"identity_number": "2120000142"}))
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "unknown_field")["pointer"],
        "/identity_number"
    );
    // The internal deadline follows the setting.
    let res = app.get("/api/v1/deadlines/2026-02", &org.token).await;
    let d = expect(&res, 200);
    assert_eq!(d["due_date"], "2026-04-07");
    assert_eq!(d["internal_due_date"], "2026-03-10");
}
db_test!(provider_patches_its_own_settings);

async fn assistance_users_and_assistants(app: TestApp) {
    let org = fixtures::org(&app).await;
    let ten = pnr("19701212", 121);
    let short = format!("{}-{}", &ten[2..8], &ten[8..]);
    let res = app
        .post(
            "/api/v1/assistance-users",
            &org.token,
            &json!({"personnummer": short, "name": "Anna"}),
        )
        .await;
    let user = expect(&res, 201);
    assert_eq!(user["personnummer"], ten);
    assert_eq!(user["organisation_id"], org.id.as_str());
    // Duplicate within the organisation, in another form: 409 without the number.
    let res = app
        .post(
            "/api/v1/assistance-users",
            &org.token,
            &json!({"personnummer": ten, "name": "Anna"}),
        )
        .await;
    let p = expect_problem(&res, 409);
    assert!(!p.to_string().contains(&ten));
    // Bad numbers: precise codes.
    for (input, code) in [
        ("19121212-1213", "invalid_checksum"),
        ("19121312-1212", "invalid_date"),
        ("abc", "invalid_format"),
    ] {
        let res = app
            .post(
                "/api/v1/assistance-users",
                &org.token,
                &json!({"personnummer": input, "name": "A"}),
            )
            .await;
        let p = expect_problem(&res, 422);
        assert_eq!(error_with(&p, code)["pointer"], "/personnummer", "{input}");
    }
    // Filter by personnummer.
    let res = app
        .get(
            &format!("/api/v1/assistance-users?personnummer={ten}"),
            &org.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["items"].as_array().unwrap().len(), 1);
    // Assistants: create, patch, read.
    let a = fixtures::assistant(&app, &org, &pnr("19950505", 5)).await;
    let res = app
        .patch(
            &format!("/api/v1/assistants/{a}"),
            &org.token,
            &json!({"lives_in_eea": false}),
        )
        .await;
    assert_eq!(expect(&res, 200)["lives_in_eea"], false);
    let res = app
        .get(&format!("/api/v1/assistants/{a}"), &org.token)
        .await;
    assert_eq!(expect(&res, 200)["lives_in_eea"], false);
    // A samordningsnummer is accepted.
    let coordination = pnr("19900161", 7);
    let res = app
        .post(
            "/api/v1/assistants",
            &org.token,
            &json!({"personnummer": coordination, "name": "B", "lives_in_eea": true}),
        )
        .await;
    assert_eq!(expect(&res, 201)["personnummer"], coordination);
}
db_test!(assistance_users_and_assistants);

async fn decisions_check_hours_and_rates(app: TestApp) {
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19700101", 11)).await;
    let res = app
        .post(
            "/api/v1/decisions",
            &org.token,
            &json!({"assistance_user_id": user, "hours_per_week": "134.5", "valid_from": "2024-01-01",
                    "rate": {"kind": "higher", "sek_per_hour": "372.00"}, "double_assistance_hours_per_week": "20"}),
        )
        .await;
    let d = expect(&res, 201);
    assert_eq!(d["hours_per_week"], "134.50");
    assert_eq!(d["double_assistance_hours_per_week"], "20.00");
    assert_eq!(d["grant_period_months"], 6);
    assert_eq!(
        d["rate"],
        json!({"kind": "higher", "sek_per_hour": "372.00"})
    );
    // 373 kr is above 112 % of 332.60.
    let res = app
        .post(
            "/api/v1/decisions",
            &org.token,
            &json!({"assistance_user_id": user, "hours_per_week": "10", "valid_from": "2024-01-01",
                    "rate": {"kind": "higher", "sek_per_hour": "373.00"}}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "rate_above_limit")["pointer"],
        "/rate/sek_per_hour"
    );
    // A year without a standard rate cannot be checked.
    let res = app
        .post(
            "/api/v1/decisions",
            &org.token,
            &json!({"assistance_user_id": user, "hours_per_week": "10", "valid_from": "2031-01-01",
                    "rate": {"kind": "higher", "sek_per_hour": "400.00"}}),
        )
        .await;
    expect_problem(&res, 422);
    // Many faults at once; hours as floats are refused at their pointer.
    let res = app
        .post(
            "/api/v1/decisions",
            &org.token,
            &json!({"assistance_user_id": "nope", "hours_per_week": "0", "valid_from": "2024-06-01", "valid_to": "2024-01-01",
                    "rate": {"kind": "standard"}, "double_assistance_hours_per_week": "1.234"}),
        )
        .await;
    let p = expect_problem(&res, 422);
    let c = codes(&p);
    for code in [
        "too_many_decimals",
        "out_of_range",
        "invalid_period",
        "unknown_assistance_user",
    ] {
        assert!(c.contains(&code.to_string()), "{code} missing in {c:?}");
    }
    let res = app
        .post(
            "/api/v1/decisions",
            &org.token,
            &json!({"assistance_user_id": user, "hours_per_week": 134.5, "valid_from": "2024-01-01", "rate": {"kind": "standard"}}),
        )
        .await;
    assert_eq!(
        expect_problem(&res, 422)["errors"][0]["pointer"],
        "/hours_per_week"
    );
    // PATCH: an end date arrives, then is removed again with null.
    let id = d["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/decisions/{id}"),
            &org.token,
            &json!({"valid_to": "2024-06-30"}),
        )
        .await;
    assert_eq!(expect(&res, 200)["valid_to"], "2024-06-30");
    let res = app
        .patch(
            &format!("/api/v1/decisions/{id}"),
            &org.token,
            &json!({"valid_to": null, "rate": {"kind": "standard"}}),
        )
        .await;
    let body = expect(&res, 200);
    assert_eq!(body["valid_to"], serde_json::Value::Null);
    assert_eq!(body["rate"], json!({"kind": "standard"}));
    let res = app
        .get(
            &format!("/api/v1/decisions?assistance_user_id={user}"),
            &org.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["items"].as_array().unwrap().len(), 1);
}
db_test!(decisions_check_hours_and_rates);

async fn employments_default_and_patch(app: TestApp) {
    let org = fixtures::org(&app).await;
    let user = fixtures::user(&app, &org, &pnr("19700101", 21)).await;
    let a = fixtures::assistant(&app, &org, &pnr("19900101", 22)).await;
    let res = app
        .post(
            "/api/v1/employments",
            &org.token,
            &json!({"assistant_id": a, "assistance_user_id": user, "start_date": "2026-01-01"}),
        )
        .await;
    let e = expect(&res, 201);
    assert_eq!(e["working_time_rule"], "working_hours_act");
    assert_eq!(e["registered_with_fk_on"], serde_json::Value::Null);
    let id = e["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/employments/{id}"),
            &org.token,
            &json!({"registered_with_fk_on": "2026-02-01", "end_date": "2026-12-31"}),
        )
        .await;
    let e = expect(&res, 200);
    assert_eq!(e["registered_with_fk_on"], "2026-02-01");
    assert_eq!(e["end_date"], "2026-12-31");
    let res = app
        .patch(
            &format!("/api/v1/employments/{id}"),
            &org.token,
            &json!({"end_date": "2025-01-01"}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_period")["pointer"],
        "/end_date"
    );
    // Working-time limits are per employment, defaulting to the rule's.
    assert_eq!(e["working_time_limit_hours_per_week"], "48.00");
    assert_eq!(e["working_time_reference_days"], 120);
    assert_eq!(e["working_time_limit_custom"], false);
    let res = app
        .patch(
            &format!("/api/v1/employments/{id}"),
            &org.token,
            &json!({"working_time_limit_hours_per_week": "45.5", "working_time_reference_days": 182}),
        )
        .await;
    let e = expect(&res, 200);
    assert_eq!(e["working_time_limit_hours_per_week"], "45.50");
    assert_eq!(e["working_time_reference_days"], 182);
    assert_eq!(e["working_time_limit_custom"], true);
    let res = app
        .patch(
            &format!("/api/v1/employments/{id}"),
            &org.token,
            &json!({"working_time_reference_days": 400, "working_time_limit_hours_per_week": "0"}),
        )
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(codes(&p), ["out_of_range", "out_of_range"]);
    let res = app
        .patch(&format!("/api/v1/employments/{id}"), &org.token, &json!({"working_time_limit_hours_per_week": null, "working_time_reference_days": null}))
        .await;
    assert_eq!(expect(&res, 200)["working_time_limit_custom"], false);
    let res = app
        .get(
            &format!("/api/v1/employments?assistant_id={a}&assistance_user_id={user}"),
            &org.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["items"].as_array().unwrap().len(), 1);
    let res = app
        .get(
            &format!("/api/v1/employments?assistant_id={user}"),
            &org.token,
        )
        .await;
    assert_eq!(expect(&res, 200)["items"].as_array().unwrap().len(), 0);
    // Self-employers default to the household-work law.
    let family = fixtures::org_of_kind(&app, "self_employer").await;
    let u = fixtures::user(&app, &family, &pnr("20100101", 3)).await;
    let a = fixtures::assistant(&app, &family, &pnr("19900101", 23)).await;
    let res = app
        .post(
            "/api/v1/employments",
            &family.token,
            &json!({"assistant_id": a, "assistance_user_id": u, "start_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(expect(&res, 201)["working_time_rule"], "household_work_act");
}
db_test!(employments_default_and_patch);

async fn rate_table(app: TestApp) {
    let res = app.get("/api/v1/rates", &app.auditor()).await;
    let rates = expect(&res, 200).as_array().unwrap().clone();
    assert_eq!(rates.len(), 12);
    assert_eq!(
        rates[0],
        json!({"year": 2013, "sek_per_hour": "275.00", "source": "förordning (1993:1091) 5 §", "updated_at": rates[0]["updated_at"]})
    );
    assert_eq!(
        rates.iter().find(|r| r["year"] == 2024).unwrap()["sek_per_hour"],
        "332.60"
    );
    let admin = app.admin();
    let res = app
        .put(
            "/api/v1/rates/2025",
            &admin,
            &json!({"sek_per_hour": "342.2"}),
        )
        .await;
    assert_eq!(expect(&res, 201)["sek_per_hour"], "342.20");
    let res = app
        .put(
            "/api/v1/rates/2025",
            &admin,
            &json!({"sek_per_hour": "342.30", "source": "förordning"}),
        )
        .await;
    assert_eq!(expect(&res, 200)["sek_per_hour"], "342.30");
    let res = app
        .put(
            "/api/v1/rates/2025",
            &admin,
            &json!({"sek_per_hour": 342.3}),
        )
        .await;
    assert_eq!(
        expect_problem(&res, 422)["errors"][0]["pointer"],
        "/sek_per_hour"
    );
    let res = app
        .put(
            "/api/v1/rates/2025",
            &admin,
            &json!({"sek_per_hour": "342.305"}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "too_many_decimals")["pointer"],
        "/sek_per_hour"
    );
    let res = app
        .put(
            "/api/v1/rates/20x5",
            &admin,
            &json!({"sek_per_hour": "1.00"}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_year")["field"],
        "year"
    );
}
db_test!(rate_table);

async fn pagination_is_stable(app: TestApp) {
    let org = fixtures::org(&app).await;
    for i in 0..7 {
        fixtures::assistant(&app, &org, &pnr("19850101", 100 + i)).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/assistants?limit=3&cursor={c}"),
            None => "/api/v1/assistants?limit=3".to_string(),
        };
        let res = app.get(&path, &org.token).await;
        let page = expect(&res, 200);
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen);
    let res = app.get("/api/v1/assistants?limit=0", &org.token).await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "out_of_range")["field"],
        "limit"
    );
    let res = app.get("/api/v1/assistants?limit=abc", &org.token).await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_parameter")["field"],
        "limit"
    );
    let res = app.get("/api/v1/time-reports?late=maybe", &org.token).await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_parameter")["field"],
        "late"
    );
}
db_test!(pagination_is_stable);

async fn malformed_requests(app: TestApp) {
    let org = fixtures::org(&app).await;
    let res = app
        .post_raw(
            "/api/v1/assistants",
            &org.token,
            "application/json",
            b"{\"name\": ".to_vec(),
            &[],
        )
        .await;
    assert_eq!(expect_problem(&res, 400)["code"], "malformed_json");
    let res = app
        .post_raw(
            "/api/v1/assistants",
            &org.token,
            "text/plain",
            b"{}".to_vec(),
            &[],
        )
        .await;
    expect_problem(&res, 415);
    let res = app
        .post(
            "/api/v1/assistants",
            &org.token,
            &json!({"personnummer": "x", "name": "n", "lives_in_eea": true, "shoe_size": 42}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "unknown_field")["pointer"],
        "/shoe_size"
    );
    let res = app
        .post(
            "/api/v1/assistants",
            &org.token,
            &json!({"name": "n", "lives_in_eea": true}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "missing_field")["pointer"],
        "/personnummer"
    );
    expect_problem(&app.get("/api/v1/no-such-thing", &org.token).await, 404);
    // A known path with another method: 405 naming the allowed ones.
    let res = app
        .put("/api/v1/assistants/x", &org.token, &json!({}))
        .await;
    let p = expect_problem(&res, 405);
    assert_eq!(p["code"], "method_not_allowed");
    assert_eq!(res.headers.get("allow").unwrap(), "GET, PATCH");
    // An impossible date in a register field.
    let res = app
        .post(
            "/api/v1/employments",
            &org.token,
            &json!({"assistant_id": "a", "assistance_user_id": "u", "start_date": "2026-13-01"}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "invalid_date")["pointer"],
        "/start_date"
    );
    // A provider token for an organisation that does not exist is refused,
    // for reads and writes alike, every time.
    let ghost = app.provider("no-such-organisation");
    for _ in 0..2 {
        let res = app
            .post(
                "/api/v1/assistance-users",
                &ghost,
                &json!({"personnummer": pnr("19700101", 5), "name": "N"}),
            )
            .await;
        assert_eq!(expect_problem(&res, 401)["code"], "unauthorized");
        let res = app.get("/api/v1/assistance-users", &ghost).await;
        assert_eq!(expect_problem(&res, 401)["code"], "unauthorized");
    }
    expect_problem(&app.get("/api/v1/deadlines/2026-13", &org.token).await, 422);
}
db_test!(malformed_requests);

async fn body_size_is_limited(app: TestApp) {
    let _ = app;
    let app = TestApp::spawn_with(app.db, |s| s.max_body_bytes = 1024).await;
    let org = fixtures::org(&app).await;
    let big = json!({"personnummer": "x".repeat(4000), "name": "n", "lives_in_eea": true});
    let res = app.post("/api/v1/assistants", &org.token, &big).await;
    expect_problem(&res, 413);
}
db_test!(body_size_is_limited);

async fn openapi_covers_every_route(app: TestApp) {
    let res = app.get("/api/v1/openapi.json", "").await;
    let doc = expect(&res, 200);
    let paths = doc["paths"].as_object().unwrap();
    // Every route the server has (see src/http/*::routes).
    for p in [
        "/api/v1/api-keys",
        "/api/v1/api-keys/{id}",
        "/api/v1/assistance-users",
        "/api/v1/assistance-users/{id}",
        "/api/v1/assistance-users/{id}/balance",
        "/api/v1/assistants",
        "/api/v1/assistants/{id}",
        "/api/v1/dashboard/compliance",
        "/api/v1/dashboard/working-time",
        "/api/v1/deadlines/{month}",
        "/api/v1/late-exceptions",
        "/api/v1/late-exceptions/{id}",
        "/api/v1/decisions",
        "/api/v1/decisions/{id}",
        "/api/v1/documents/{id}",
        "/api/v1/documents/{id}/content",
        "/api/v1/employments",
        "/api/v1/employments/{id}",
        "/api/v1/employments/{id}/documents",
        "/api/v1/events",
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/{id}/deliveries",
        "/api/v1/audit",
        "/api/v1/exports/paxml",
        "/api/v1/imports/paxml",
        "/api/v1/imports/time-reports",
        "/api/v1/imports/template",
        "/api/v1/invoices",
        "/api/v1/invoices/draft",
        "/api/v1/invoices/{id}",
        "/api/v1/invoices/{id}/versions",
        "/api/v1/months/{month}/completeness",
        "/api/v1/assistance-users/{id}/representatives",
        "/api/v1/assistance-users/{id}/representatives/{rid}",
        "/api/v1/organisations/{id}/signatories",
        "/api/v1/organisations/{id}/signatories/{sid}",
        "/api/v1/time-reports/{id}/versions/{version}/sign-payload",
        "/api/v1/time-reports/{id}/versions/{version}/pdf",
        "/api/v1/time-reports/{id}/signatures",
        "/api/v1/invoices/{id}/versions/{version}/sign-payload",
        "/api/v1/invoices/{id}/versions/{version}/pdf",
        "/api/v1/invoices/{id}/signatures",
        "/api/v1/months/{month}/status",
        "/api/v1/months/{month}/close",
        "/api/v1/months/{month}/reopen",
        "/api/v1/months/{month}/pdf",
        "/api/v1/change-notices",
        "/api/v1/change-notices/{id}",
        "/api/v1/agreements",
        "/api/v1/agreements/{id}",
        "/api/v1/reminders",
        "/api/v1/openapi.json",
        "/api/v1/organisations",
        "/api/v1/organisations/{id}",
        "/api/v1/rates",
        "/api/v1/rates/{year}",
        "/api/v1/time-reports",
        "/api/v1/time-reports/{id}",
        "/api/v1/time-reports/{id}/audit",
        "/api/v1/time-reports/{id}/void",
        "/api/v1/time-reports/{id}/versions",
        "/api/v1/time-reports/{id}/versions/{version}",
        "/dashboard",
        "/dashboard/app.js",
        "/dashboard/reminders.js",
        "/dashboard/style.css",
        "/upload",
        "/upload/upload.js",
        "/health",
        "/ready",
        "/api/v1/users",
        "/api/v1/session",
        "/login",
        "/logout",
        "/invite/{token}",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert_eq!(paths.len(), 76, "a path was added: list it above");
}
db_test!(openapi_covers_every_route);

async fn required_query_parameters_are_named(app: TestApp) {
    let org = crate::fixtures::org(&app).await;
    let res = app
        .get("/api/v1/invoices/draft?month=2026-10", &org.token)
        .await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        error_with(&p, "missing_parameter")["field"],
        "assistance_user_id"
    );
    let res = app
        .get("/api/v1/imports/time-reports?dry_run=maybe", &org.token)
        .await;
    assert_eq!(res.status.as_u16(), 405);
}
db_test!(required_query_parameters_are_named);
