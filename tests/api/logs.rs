//! Personal data never reaches the logs: the real binary is run with debug
//! logging while requests carry personnummer and names in bodies and query
//! strings, and its output is searched for them.

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn personal_data_never_reaches_the_logs() {
    let dir = std::env::temp_dir().join(format!("redovisa-logs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("logs.db");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_redovisa"))
        .arg("serve")
        .env("DATABASE_URL", db.to_str().unwrap())
        .env("REDOVISA_BIND", format!("127.0.0.1:{port}"))
        .env("REDOVISA_JWT_SECRET", SECRET)
        .env("RUST_LOG", "debug")
        .env("REDOVISA_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            up = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "server did not start");
    let keys = redovisa::auth::JwtKeys::from_secret(SECRET.as_bytes());
    let token = |role, org: Option<&str>| {
        keys.issue(&redovisa::auth::Claims {
            sub: "logs".into(),
            role,
            org: org.map(String::from),
            exp: chrono::Utc::now().timestamp() + 600,
            iat: None,
        })
        .unwrap()
    };
    let admin = token(redovisa::auth::Role::Admin, None);
    let mut res = client
        .post(format!("{base}/api/v1/organisations"))
        .bearer_auth(&admin)
        .send_json(&json!({"kind": "company", "identity_number": orgnr("556036", 77), "name": "Loggbolaget"}))
        .await
        .unwrap();
    let org: serde_json::Value = res.json().await.unwrap();
    let provider = token(redovisa::auth::Role::Provider, org["id"].as_str());
    let user_pnr = pnr("19581224", 481);
    let secret_name = "Gunnel Hemligsson";
    let mut res = client
        .post(format!("{base}/api/v1/assistance-users"))
        .bearer_auth(&provider)
        .send_json(&json!({"personnummer": user_pnr, "name": secret_name}))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201, "{:?}", res.body().await);
    // A duplicate (409), a bad number (422) and a filter in the query string.
    let _ = client
        .post(format!("{base}/api/v1/assistance-users"))
        .bearer_auth(&provider)
        .send_json(&json!({"personnummer": user_pnr, "name": secret_name}))
        .await
        .unwrap();
    let bad = format!("{}0", &user_pnr[..11]);
    let _ = client
        .post(format!("{base}/api/v1/assistants"))
        .bearer_auth(&provider)
        .send_json(&json!({"personnummer": bad, "name": secret_name, "lives_in_eea": true}))
        .await
        .unwrap();
    let _ = client
        .get(format!(
            "{base}/api/v1/assistance-users?personnummer={user_pnr}"
        ))
        .bearer_auth(&provider)
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        logs.contains("request_id"),
        "the access log is there: {logs}"
    );
    for secret in [
        user_pnr.as_str(),
        &user_pnr[2..],
        bad.as_str(),
        secret_name,
        "Hemligsson",
    ] {
        assert!(
            !logs.contains(secret),
            "`{secret}` found in the logs:\n{logs}"
        );
    }
}
