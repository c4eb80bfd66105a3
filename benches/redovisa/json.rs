//! Case 5 (issue 14): JSON submissions from 16 concurrent clients, over
//! HTTP to a running server, against the storage layer inserting the very
//! rows the server stored, from 16 threads, into a second database seeded
//! alike.
//!
//! The server is the real one (`startup::Application`, its pool, its
//! workers) on a free port; the clients are 16 `awc` clients on one thread,
//! each sending one user's 70-row month after another and timing every
//! request from send to the last byte of the reply. Reports/s is all
//! reports divided by the wall time from the first send to the last reply.
//!
//! Baseline: each report's stored rows (report, version, rows, day totals,
//! read back untimed) inserted in one transaction per report by 16 threads,
//! each with its own connection: the least any server must do to store
//! the same reports with the same concurrency.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use redovisa::clock::FixedClock;
use redovisa::config::Settings;
use redovisa::http::auth::{Claims, JwtKeys, Role};
use redovisa::startup::Application;

use super::csv::{raw_load_report, stored_month, Stored};
use super::*;

const CLIENTS: usize = 16;
const ROWS: usize = 70;
const SECRET: &str = "benchmark-secret-0123456789abcdef";

/// A user's month as the API takes it: the first 70 of the ordinary rows.
fn body(user: &SeedUser, m: ReportMonth) -> Vec<u8> {
    let rows: Vec<RowInput> = ordinary_rows(m, &user.assistants)
        .into_iter()
        .take(ROWS)
        .map(|r| RowInput {
            assistant_id: r.assistant_id,
            date: r.date,
            start: r.start,
            end: r.end,
            kind: r.kind,
            double: false,
            hospital: false,
        })
        .collect();
    serde_json::to_vec(&CreateTimeReport {
        assistance_user_id: user.id.clone(),
        month: m.to_string(),
        rows,
        correction_reason: None,
    })
    .expect("serialisable")
}

/// The server on `url`, on its own thread; stopped when the benchmark ends.
pub(crate) fn serve(url: &str) -> u16 {
    let settings = Settings {
        database: DatabaseUrl::parse(url).expect("database URL"),
        bind: "127.0.0.1:0".into(),
        jwt_secret: SECRET.into(),
        max_body_bytes: 8 * 1024 * 1024,
        pool_size: CLIENTS as u32,
        deadline_policy: DeadlinePolicy::default(),
        late_rule: Default::default(),
        workers: None,
        max_document_bytes: 10 * 1024 * 1024,
        max_import_bytes: 1 << 30,
        max_import_errors: 100,
        max_pdf_pages: 500,
        accounts: redovisa::config::AccountSettings::default(),
        webhooks: redovisa::config::WebhookSettings::default(),
        deadline_events: redovisa::config::DeadlineEventSettings::off(),
        guards: redovisa::config::Guards::default(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let app = Application::build(&settings, Arc::new(FixedClock::new(bench_now())))
                .expect("server builds");
            tx.send(app.port()).expect("port");
            app.run_until_stopped().await
        })
    });
    rx.recv().expect("server started")
}

pub(crate) fn token(org: &str) -> String {
    JwtKeys::from_secret(SECRET.as_bytes())
        .issue(&Claims {
            sub: "bench".into(),
            role: Role::Provider,
            org: Some(org.to_string()),
            exp: Utc::now().timestamp() + 24 * 3600,
            iat: None,
        })
        .expect("token")
}

/// Sends every body from `CLIENTS` clients; the latency of each and the
/// wall time of all.
fn load(port: u16, token: &str, bodies: Vec<Vec<u8>>) -> (Vec<Duration>, Duration) {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let url = format!("http://127.0.0.1:{port}/api/v1/time-reports");
    let started = Instant::now();
    actix_rt::System::new().block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (bodies, next, latencies) = (bodies.clone(), next.clone(), latencies.clone());
            let (url, auth) = (url.clone(), format!("Bearer {token}"));
            tasks.push(actix_rt::spawn(async move {
                let client = awc::Client::builder()
                    .timeout(Duration::from_secs(120))
                    .finish();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(b) = bodies.get(i) else { break };
                    let t = Instant::now();
                    let mut res = client
                        .post(&url)
                        .insert_header(("Authorization", auth.as_str()))
                        .insert_header(("Content-Type", "application/json"))
                        .send_body(b.clone())
                        .await
                        .expect("request sent");
                    let reply = res.body().limit(1 << 20).await.expect("reply");
                    assert_eq!(
                        res.status().as_u16(),
                        201,
                        "{}",
                        String::from_utf8_lossy(&reply)
                    );
                    latencies.lock().expect("lock").push(t.elapsed());
                }
            }));
        }
        for t in tasks {
            t.await.expect("client task");
        }
    });
    let wall = started.elapsed();
    let l = std::mem::take(&mut *latencies.lock().expect("lock"));
    (l, wall)
}

/// The baseline: 16 threads, one transaction per stored report.
fn raw_concurrent(db: &BenchDb, stored: &Stored) -> Duration {
    let parts = Arc::new(stored.per_report());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..CLIENTS {
            let (parts, next) = (parts.clone(), next.clone());
            let pool = db.pool.clone();
            s.spawn(move || {
                let mut c = pool.get().expect("connection");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = parts.get(i) else { break };
                    raw_load_report(&mut c, p);
                }
            });
        }
    });
    started.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

pub(crate) fn bench_json(
    cfg: &Config,
    backend: Backend,
    out: &mut Vec<Line>,
    notes: &mut Vec<String>,
) {
    let users = cfg.pick(800, 4000);
    let world = World::build(&[users], |_| 3);
    let org = world.orgs[0].id.clone();
    let server_db = BenchDb::create_sized(backend, "json", CLIENTS as u32);
    let raw_db = BenchDb::create_sized(backend, "jsonraw", CLIENTS as u32);
    world.seed(&mut server_db.conn());
    world.seed(&mut raw_db.conn());
    analyze(&mut server_db.conn());
    analyze(&mut raw_db.conn());
    let port = serve(&server_db.url);
    let token = token(&org);
    let m = bench_month();
    let bodies: Vec<Vec<u8>> = world.users.iter().map(|u| body(u, m)).collect();
    let (mut lat, wall) = load(port, &token, bodies);
    lat.sort_unstable();
    let stored = stored_month(&mut server_db.conn(), &org, m);
    assert_eq!(stored.reports.len(), users, "every report stored");
    assert_eq!(stored.rows.len(), users * ROWS, "every row stored");
    let base = raw_concurrent(&raw_db, &stored);
    let per_s = users as f64 / wall.as_secs_f64();
    let line = Line {
        case: format!("json {CLIENTS} clients, {ROWS}-row months"),
        db: server_db.label,
        n: format!("{users} reports"),
        median: wall,
        throughput: format!(
            "{} p50 {} p99 {}",
            fmt_rate(per_s, "rep"),
            fmt_duration(percentile(&lat, 0.5)),
            fmt_duration(percentile(&lat, 0.99))
        ),
        baseline: format!(
            "{CLIENTS} threads, bare tx per report ({})",
            fmt_rate(users as f64 / base.as_secs_f64(), "rep")
        ),
        baseline_median: base,
    };
    line.print();
    out.push(line);
    notes.push(format!(
        "json, {}: {users} reports of {ROWS} rows in {} ({}); latency p50 {}, p99 {}, max {}",
        server_db.label,
        fmt_duration(wall),
        fmt_rate((users * ROWS) as f64 / wall.as_secs_f64(), "rows"),
        fmt_duration(percentile(&lat, 0.5)),
        fmt_duration(percentile(&lat, 0.99)),
        fmt_duration(*lat.last().expect("latencies")),
    ));
}
