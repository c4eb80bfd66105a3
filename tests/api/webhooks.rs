//! Webhooks (docs/integrations.md, "Webhooks"): registration and its
//! refusals, tenancy, and deliveries to a receiver on 127.0.0.1 that fails
//! the first attempts: order, signature, retry waits, giving up, and no
//! double delivery with two instances.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::db_test;
use crate::fixtures::{self, World};
use crate::helpers::*;
use crate::time_reports::{report, row};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub signature: String,
    pub content_type: String,
    pub body: Vec<u8>,
    pub status: u16,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A tiny HTTP server on 127.0.0.1 answering each request with the status
/// `answer` picks (from the body and the number of earlier requests).
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    pub fn start(answer: impl Fn(&[u8], usize) -> u16 + Send + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let seen = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut length, mut signature, mut content_type) =
                    (0, String::new(), String::new());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                    let value = value.trim().to_string();
                    match name.to_ascii_lowercase().as_str() {
                        "content-length" => length = value.parse().unwrap_or(0),
                        "redovisa-signature" => signature = value,
                        "content-type" => content_type = value,
                        _ => {}
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let status = {
                    let mut hits = seen.lock().unwrap();
                    let status = answer(&body, hits.len());
                    hits.push(Hit {
                        at: Instant::now(),
                        signature,
                        content_type,
                        body,
                        status,
                    });
                    status
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, hits }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until `done` holds for the requests so far.
    pub async fn wait_for(&self, done: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        let start = Instant::now();
        loop {
            let hits = self.hits();
            if done(&hits) {
                return hits;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the receiver still waits; got {:?}",
                hits.iter().map(|h| h.status).collect::<Vec<_>>()
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// An app whose webhooks may target 127.0.0.1 over http, retrying fast.
async fn fast_app(db: Db, retry_for: Duration) -> TestApp {
    TestApp::spawn_with(db, |s| {
        s.webhooks.allow_private = true;
        s.webhooks.retry_base = Duration::from_millis(20);
        s.webhooks.poll = Duration::from_millis(10);
        s.webhooks.retry_for = retry_for;
    })
    .await
}

fn verify(secret: &str, hit: &Hit) -> i64 {
    let (t, v1) = hit
        .signature
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("signature header: {:?}", hit.signature));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&hit.body);
    mac.verify_slice(&hex::decode(v1).unwrap())
        .expect("the signature verifies");
    t.parse().unwrap()
}

/// The deliveries at `path` once `done` holds for them (the receiver
/// answers before the worker records the answer), waiting up to 10 s.
async fn deliveries_when(
    app: &TestApp,
    path: &str,
    token: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let list = expect(&app.get(path, token).await, 200);
        let items = list["items"].as_array().unwrap().clone();
        if done(&items) || start.elapsed() > Duration::from_secs(10) {
            return items;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn create(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    expect(
        &app.post(
            "/api/v1/webhooks",
            token,
            &json!({"url": url, "events": events}),
        )
        .await,
        201,
    )
}

/// Files `w`'s report for `month` (a new one, or a correction).
async fn file(app: &TestApp, w: &World, month: &str, end: &str, correction: bool) -> String {
    let mut body = report(
        w,
        month,
        vec![row(
            &w.assistants[0],
            &format!("{month}-01"),
            "08:00",
            end,
            "active",
        )],
    );
    if correction {
        body["correction_reason"] = json!("Payroll correction");
    }
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    let stored = expect(&res, 201);
    stored["id"].as_str().unwrap_or_default().to_string()
}

async fn registration_and_refusals(app: TestApp) {
    let org = fixtures::org(&app).await;
    let other = fixtures::org(&app).await;
    // Targets that are not public, or not https, are refused at `/url`.
    for url in [
        "https://127.0.0.1:9999/hook",
        "https://localhost/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "https://0.0.0.0/hook",
        "http://93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
    ] {
        let res = app
            .post(
                "/api/v1/webhooks",
                &org.token,
                &json!({"url": url, "events": ["report.created"]}),
            )
            .await;
        let p = expect_problem(&res, 422);
        let e = error_with(&p, "webhook_url_not_allowed");
        assert_eq!(e["pointer"], "/url", "{url}");
    }
    // Unknown event types are named by position, all at once.
    let res = app
        .post(
            "/api/v1/webhooks",
            &org.token,
            &json!({"url": "https://93.184.216.34/hook", "events": ["report.created", "report.deleted", "*"]}),
        )
        .await;
    let p = expect_problem(&res, 422);
    let pointers: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "unknown_event_type")
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/events/1", "/events/2"]);
    expect_problem(
        &app.post(
            "/api/v1/webhooks",
            &org.token,
            &json!({"url": "https://93.184.216.34/hook", "events": []}),
        )
        .await,
        422,
    );
    // An admin names the organisation; read-only roles may not create.
    let res = app
        .post(
            "/api/v1/webhooks",
            &app.admin(),
            &json!({"url": "https://93.184.216.34/hook", "events": ["report.created"]}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "missing_field")["pointer"],
        "/organisation_id"
    );
    let res = app
        .post(
            "/api/v1/webhooks",
            &app.auditor(),
            &json!({"url": "https://93.184.216.34/hook", "events": ["report.created"]}),
        )
        .await;
    expect_problem(&res, 403);
    let res = app
        .post(
            "/api/v1/webhooks",
            &org.token,
            &json!({"url": "https://93.184.216.34/hook", "events": ["report.created"], "organisation_id": other.id}),
        )
        .await;
    expect_problem(&res, 403);

    // Created: the secret once, then never again.
    let res = app
        .post(
            "/api/v1/webhooks",
            &org.token,
            &json!({"url": "https://93.184.216.34/hook", "events": ["report.created", "invoice.stale", "report.created"]}),
        )
        .await;
    let created = expect(&res, 201);
    let id = created["id"].as_str().unwrap().to_string();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(
        created["events"],
        json!(["report.created", "invoice.stale"])
    );
    assert_eq!(created["organisation_id"], org.id.as_str());
    assert_eq!(
        res.headers.get("location").unwrap(),
        &format!("/api/v1/webhooks/{id}")
    );
    // An admin's, for the other organisation.
    let res = app
        .post(
            "/api/v1/webhooks",
            &app.admin(),
            &json!({"url": "https://93.184.216.34/other", "events": ["month.closed"], "organisation_id": other.id}),
        )
        .await;
    assert_eq!(expect(&res, 201)["organisation_id"], other.id.as_str());
    let all = expect(&app.get("/api/v1/webhooks", &app.auditor()).await, 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let listed = expect(&app.get("/api/v1/webhooks", &org.token).await, 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(listed["items"][0].get("secret").is_none());
    let one = expect(
        &app.get(&format!("/api/v1/webhooks/{id}"), &org.token).await,
        200,
    );
    assert!(one.get("secret").is_none());
    assert_eq!(one["url"], "https://93.184.216.34/hook");

    // Another organisation sees none of it.
    let theirs = expect(&app.get("/api/v1/webhooks", &other.token).await, 200);
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    assert_ne!(theirs["items"][0]["id"], id.as_str());
    for path in [
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        expect_problem(&app.get(&path, &other.token).await, 404);
    }
    expect_problem(
        &app.delete(&format!("/api/v1/webhooks/{id}"), &other.token)
            .await,
        404,
    );
    let res = app
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            &other.token,
            &json!({"events": ["month.closed"]}),
        )
        .await;
    expect_problem(&res, 404);

    // Changed: the same checks apply.
    let res = app
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            &org.token,
            &json!({"url": "https://localhost/x"}),
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "webhook_url_not_allowed")["pointer"],
        "/url"
    );
    let res = app
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            &org.token,
            &json!({"events": ["month.closed"]}),
        )
        .await;
    assert_eq!(expect(&res, 200)["events"], json!(["month.closed"]));
    let deliveries = expect(
        &app.get(&format!("/api/v1/webhooks/{id}/deliveries"), &org.token)
            .await,
        200,
    );
    assert_eq!(deliveries["items"], json!([]));

    // Deleted.
    let res = app
        .delete(&format!("/api/v1/webhooks/{id}"), &org.token)
        .await;
    assert_eq!(res.status.as_u16(), 204);
    expect_problem(
        &app.get(&format!("/api/v1/webhooks/{id}"), &org.token).await,
        404,
    );
}
db_test!(registration_and_refusals);

async fn deliveries_are_signed_retried_and_in_order(app: TestApp) {
    let app = fast_app(app.db, Duration::from_secs(24 * 3600)).await;
    let w = fixtures::world(&app, 1).await;
    let other = fixtures::world(&app, 1).await;
    // Fails the first three attempts, then accepts.
    let receiver = Receiver::start(|_, n| if n < 3 { 500 } else { 200 });
    let hook = create(
        &app,
        &w.org.token,
        &receiver.url,
        &["report.created", "report.corrected"],
    )
    .await;
    let secret = hook["secret"].as_str().unwrap();
    let id = hook["id"].as_str().unwrap();
    let first = file(&app, &w, "2026-10", "16:00", false).await;
    file(&app, &w, "2026-10", "17:00", true).await;
    // Another organisation's event is not delivered here.
    file(&app, &other, "2026-10", "16:00", false).await;

    let hits = receiver.wait_for(|h| h.len() >= 5).await;
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let hits_after = receiver.hits();
    assert_eq!(hits_after.len(), 5, "nothing more is delivered");
    let statuses: Vec<u16> = hits.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [500, 500, 500, 200, 200]);
    let bodies: Vec<Value> = hits.iter().map(Hit::json).collect();
    let types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "report.created",
            "report.created",
            "report.created",
            "report.created",
            "report.corrected"
        ],
        "the failing first event blocks the second until it is delivered"
    );
    assert_eq!(bodies[0]["data"]["report_id"], first.as_str());
    assert_eq!(bodies[0]["organisation_id"], w.org.id.as_str());
    assert_eq!(
        bodies[0]["id"], bodies[3]["id"],
        "a retry sends the same event"
    );
    // The same events as the feed, in its order.
    let feed = expect(&app.get("/api/v1/events", &w.org.token).await, 200);
    let feed_ids: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(feed_ids, [&bodies[3]["id"], &bodies[4]["id"]]);
    assert_eq!(bodies[4], feed["items"][1]);
    // Signed with the secret, at the time of sending.
    let now = chrono::Utc::now().timestamp();
    for hit in &hits {
        let t = verify(secret, hit);
        assert!((now - t).abs() < 120, "t={t}");
        assert_eq!(hit.content_type, "application/json");
    }
    // Waits of 20, 40 and 80 ms between the attempts of the first event.
    for (i, wait) in [20u64, 40, 80].into_iter().enumerate() {
        let gap = hits[i + 1].at - hits[i].at;
        assert!(
            gap >= Duration::from_millis(wait),
            "attempt {} came {gap:?} after the previous one",
            i + 2
        );
    }
    // The attempts as the API shows them, newest event first.
    let path = format!("/api/v1/webhooks/{id}/deliveries");
    let items = deliveries_when(&app, &path, &w.org.token, |items| {
        items.len() == 2 && items.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(items.len(), 2);
    let (second, first) = (&items[0], &items[1]);
    assert_eq!(second["event_type"], "report.corrected");
    assert_eq!(second["attempts"], 1);
    assert_eq!(first["event_id"], bodies[0]["id"]);
    assert_eq!(first["status"], "delivered");
    assert_eq!(first["attempts"], 4);
    assert_eq!(first["last_status_code"], 200);
    assert!(first["delivered_at"].is_string());
    assert!(first["next_attempt_at"].is_null());
    assert!(first["last_error"].is_null());
    // Paged.
    let page = expect(
        &app.get(
            &format!("/api/v1/webhooks/{id}/deliveries?limit=1"),
            &w.org.token,
        )
        .await,
        200,
    );
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = expect(
        &app.get(
            &format!("/api/v1/webhooks/{id}/deliveries?limit=1&cursor={cursor}"),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(rest["items"][0]["id"], first["id"]);
    assert!(rest["next_cursor"].is_null());
}
db_test!(deliveries_are_signed_retried_and_in_order);

async fn a_delivery_is_given_up_and_the_webhook_moves_on(app: TestApp) {
    let app = fast_app(app.db, Duration::from_millis(150)).await;
    let w = fixtures::world(&app, 1).await;
    // Refuses every delivery of a `report.created`.
    let receiver = Receiver::start(|body, _| {
        if String::from_utf8_lossy(body).contains("report.created") {
            503
        } else {
            200
        }
    });
    let hook = create(
        &app,
        &w.org.token,
        &receiver.url,
        &["report.created", "report.corrected"],
    )
    .await;
    file(&app, &w, "2026-10", "16:00", false).await;
    file(&app, &w, "2026-10", "17:00", true).await;
    let hits = receiver
        .wait_for(|h| h.iter().any(|h| h.status == 200))
        .await;
    assert!(hits.len() >= 3, "retried before giving up: {}", hits.len());
    let path = format!(
        "/api/v1/webhooks/{}/deliveries",
        hook["id"].as_str().unwrap()
    );
    let items = deliveries_when(&app, &path, &w.org.token, |items| {
        items.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(items[0]["status"], "delivered");
    let failed = &items[1];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["last_status_code"], 503);
    assert_eq!(failed["attempts"].as_u64().unwrap(), hits.len() as u64 - 1);
    assert!(failed["next_attempt_at"].is_null());
    assert!(failed["delivered_at"].is_null());
    assert!(failed["last_error"].as_str().unwrap().contains("503"));
}
db_test!(a_delivery_is_given_up_and_the_webhook_moves_on);

async fn two_instances_deliver_each_event_once(app: TestApp) {
    let app = fast_app(app.db, Duration::from_secs(3600)).await;
    let second = app.second_instance();
    let w = fixtures::world(&app, 1).await;
    let receiver = Receiver::start(|_, _| {
        // Slow answers widen the window in which both workers look.
        std::thread::sleep(Duration::from_millis(30));
        200
    });
    create(
        &app,
        &w.org.token,
        &receiver.url,
        &["report.created", "report.corrected"],
    )
    .await;
    file(&app, &w, "2026-10", "16:00", false).await;
    for end in ["17:00", "18:00", "19:00", "20:00"] {
        file(&second, &w, "2026-10", end, true).await;
    }
    let hits = receiver.wait_for(|h| h.len() >= 5).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.hits().len(), 5, "no event is delivered twice");
    let feed = expect(&app.get("/api/v1/events", &w.org.token).await, 200);
    let feed_ids: Vec<Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    let sent: Vec<Value> = hits.iter().map(|h| h.json()["id"].clone()).collect();
    assert_eq!(sent, feed_ids, "in commit order");
}
db_test!(two_instances_deliver_each_event_once);
