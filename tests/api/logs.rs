//! Personal data never reaches the logs: the real binary is run at `trace`
//! (every crate) in both formats while requests carry personnummer,
//! organisation numbers, names and free text in paths, query strings,
//! `x-request-id`, bodies and file names, and its output is searched for
//! them. Timestamps are RFC 3339.

use serde_json::{json, Value};

use crate::binary::{token, Server};
use crate::helpers::*;
use redovisa::http::auth::Role;

async fn send(req: awc::ClientRequest, body: Option<Value>) -> (u16, Value) {
    let mut res = match body {
        Some(b) => req.send_json(&b).await,
        None => req.send().await,
    }
    .unwrap();
    let v = res.json::<Value>().await.unwrap_or(Value::Null);
    (res.status().as_u16(), v)
}

async fn exercise(format: &str) {
    let dir = std::env::temp_dir().join(format!("redovisa-logs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("logs.db");
    let server = Server::start(
        db.to_str().unwrap(),
        &[("RUST_LOG", "trace"), ("REDOVISA_LOG_FORMAT", format)],
    )
    .await;
    let base = format!("{}/api/v1", server.base);
    let client = awc::Client::default();
    let admin = token(Role::Admin, None);
    let org_number = orgnr("556036", 77);
    let (_, org) = send(
        client
            .post(format!("{base}/organisations"))
            .bearer_auth(&admin),
        Some(json!({"kind": "company", "identity_number": org_number, "name": "Loggbolaget"})),
    )
    .await;
    let provider = token(Role::Provider, org["id"].as_str());
    let user_pnr = pnr("19581224", 481);
    let dashed = format!("{}-{}", &user_pnr[..8], &user_pnr[8..]);
    let secret_name = "Gunnel Hemligsson";
    let secret_reason = "Hemlig rättelse om sjukdom";
    let secret_file = "Hemligt avtal.pdf";
    let (status, _) = send(
        client
            .post(format!("{base}/assistance-users"))
            .bearer_auth(&provider),
        Some(json!({"personnummer": user_pnr, "name": secret_name})),
    )
    .await;
    assert_eq!(status, 201);
    // A duplicate (409), a bad number (422), a control character (422).
    send(
        client
            .post(format!("{base}/assistance-users"))
            .bearer_auth(&provider),
        Some(json!({"personnummer": user_pnr, "name": secret_name})),
    )
    .await;
    let bad = format!("{}0", &user_pnr[..11]);
    send(
        client
            .post(format!("{base}/assistants"))
            .bearer_auth(&provider),
        Some(json!({"personnummer": bad, "name": secret_name, "lives_in_eea": true})),
    )
    .await;
    let (status, _) = send(
        client.post(format!("{base}/assistants")).bearer_auth(&provider),
        Some(json!({"personnummer": user_pnr, "name": format!("{secret_name}\u{0}"), "lives_in_eea": true})),
    )
    .await;
    assert_eq!(status, 422);
    // Personnummer in the path, the query string and the request id.
    for id in [&user_pnr, &dashed, &user_pnr[2..].to_string()] {
        send(
            client
                .get(format!("{base}/assistance-users/{id}?personnummer={id}"))
                .insert_header(("x-request-id", id.as_str()))
                .bearer_auth(&provider),
            None,
        )
        .await;
    }
    send(
        client
            .get(format!("{base}/organisations/{org_number}"))
            .bearer_auth(&admin),
        None,
    )
    .await;
    // Free text in query strings: a correction reason and a file name.
    let reason = form_urlencoded::byte_serialize(secret_reason.as_bytes()).collect::<String>();
    let file = form_urlencoded::byte_serialize(secret_file.as_bytes()).collect::<String>();
    let _ = client
        .post(format!(
            "{base}/imports/time-reports?correction_reason={reason}"
        ))
        .bearer_auth(&provider)
        .insert_header(("content-type", "text/csv"))
        .send_body(format!("personnummer;namn\n{user_pnr};{secret_name}\n"))
        .await
        .unwrap();
    let _ = client
        .post(format!(
            "{base}/employments/nope/documents?kind=id_copy&filename={file}"
        ))
        .bearer_auth(&provider)
        .insert_header(("content-type", "application/pdf"))
        .send_body("%PDF-1.4")
        .await
        .unwrap();
    let logs = server.stop_and_read_logs();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        logs.contains("request_id"),
        "the access log is there: {logs}"
    );
    assert!(
        logs.lines()
            .any(|l| l.contains("TRACE") || l.contains("\"level\":\"TRACE\"")),
        "trace lines are there: {logs}"
    );
    for secret in [
        user_pnr.as_str(),
        &user_pnr[2..],
        &dashed,
        &dashed[2..],
        bad.as_str(),
        &org_number,
        &org_number.replace('-', ""),
        secret_name,
        "Hemligsson",
        secret_reason,
        "rättelse",
        &reason,
        "Hemligt",
    ] {
        assert!(
            !logs.contains(secret),
            "`{secret}` found in the logs:\n{logs}"
        );
    }
    // Every line starts with (text) or holds (JSON) an RFC 3339 instant.
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let at = if format == "json" {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            v["timestamp"].as_str().unwrap_or_default().to_string()
        } else {
            line.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        };
        assert!(
            chrono::DateTime::parse_from_rfc3339(&at).is_ok(),
            "not an RFC 3339 timestamp: {line}"
        );
    }
}

#[actix_web::test]
async fn personal_data_never_reaches_the_logs_json() {
    exercise("json").await;
}

#[actix_web::test]
async fn personal_data_never_reaches_the_logs_text() {
    exercise("text").await;
}
