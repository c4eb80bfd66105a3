//! One harness for every integration test: the real server on a free port,
//! against a fresh SQLite file or a fresh PostgreSQL database, with a pinned
//! clock. `db_test!(name)` runs `async fn name(app: TestApp)` on both.

use std::sync::Arc;

use awc::http::StatusCode;
use chrono::{DateTime, Utc};
use diesel::{Connection, RunQueryDsl};
use redovisa::clock::FixedClock;
use redovisa::config::Settings;
use redovisa::db::DatabaseUrl;
use redovisa::domain::deadline::DeadlinePolicy;
use redovisa::http::auth::{Claims, JwtKeys, Role};
use redovisa::startup::Application;
use serde_json::Value;

pub const SECRET: &str = "integration-test-secret-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs `async fn $name(app: TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::helpers::TestApp::spawn($crate::helpers::Db::Sqlite).await)
                    .await
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::spawn_postgres().await {
                    super::$name(app).await
                }
            }
        }
    };
}

/// Where to create test databases; must allow CREATE DATABASE.
fn pg_admin_url() -> String {
    std::env::var("REDOVISA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Removes the test database when the test ends, pass or fail.
enum DbGuard {
    Sqlite(std::path::PathBuf),
    Postgres { admin: String, name: String },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        match self {
            DbGuard::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            DbGuard::Postgres { admin, name } => {
                if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut c);
                }
            }
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: awc::Client,
    pub clock: FixedClock,
    pub db: Db,
    pub database_url: String,
    keys: JwtKeys,
    settings: Settings,
    _guard: Arc<DbGuard>,
}

/// A response: status, body as JSON (or `Value::String` of the text), headers.
pub struct Res {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
    /// The body as sent (for bodies that are not UTF-8).
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub headers: awc::http::header::HeaderMap,
}

impl std::fmt::Debug for Res {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text)
    }
}

pub fn default_now() -> DateTime<Utc> {
    "2026-11-10T10:00:00Z".parse().unwrap()
}

impl TestApp {
    pub async fn spawn(db: Db) -> TestApp {
        Self::spawn_with(db, |_| {}).await
    }

    /// `None` (with a note) only when REDOVISA_TEST_SKIP_POSTGRES=1 and
    /// PostgreSQL is down; otherwise a missing PostgreSQL fails the test.
    pub async fn spawn_postgres() -> Option<TestApp> {
        if diesel::PgConnection::establish(&pg_admin_url()).is_err()
            && std::env::var("REDOVISA_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1")
        {
            eprintln!("PostgreSQL not reachable; skipped (REDOVISA_TEST_SKIP_POSTGRES=1)");
            return None;
        }
        Some(Self::spawn(Db::Postgres).await)
    }

    pub async fn spawn_with(db: Db, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let (database_url, guard) = match db {
            Db::Sqlite => {
                let dir = std::env::temp_dir()
                    .join(format!("redovisa-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join("test.db");
                (format!("sqlite://{}", path.display()), DbGuard::Sqlite(dir))
            }
            Db::Postgres => {
                let admin = pg_admin_url();
                let mut c = diesel::PgConnection::establish(&admin).unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is required for the test suite and is not reachable at {admin}: {e}. \
                         Start it, set REDOVISA_TEST_PG_URL, or set REDOVISA_TEST_SKIP_POSTGRES=1 to skip."
                    )
                });
                let name = format!("redovisa_test_{}", uuid::Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                (format!("{base}/{name}"), DbGuard::Postgres { admin, name })
            }
        };
        let mut settings = Settings {
            database: DatabaseUrl::parse(&database_url).unwrap(),
            bind: "127.0.0.1:0".into(),
            jwt_secret: SECRET.into(),
            max_body_bytes: 8 * 1024 * 1024,
            pool_size: 4,
            deadline_policy: DeadlinePolicy { weekday_rule: true },
            late_rule: Default::default(),
            workers: Some(1),
            max_document_bytes: 10 * 1024 * 1024,
            max_import_bytes: 256 * 1024 * 1024,
            max_import_errors: 1000,
            max_pdf_pages: 500,
            accounts: redovisa::config::AccountSettings::default(),
            webhooks: redovisa::config::WebhookSettings::default(),
            deadline_events: redovisa::config::DeadlineEventSettings::off(),
            guards: redovisa::config::Guards::default(),
        };
        tweak(&mut settings);
        let clock = FixedClock::new(default_now());
        Self::start(db, database_url, settings, clock, Arc::new(guard))
    }

    /// A second server on the same database, as a second machine would run
    /// it; it shares this one's clock.
    pub fn second_instance(&self) -> TestApp {
        Self::start(
            self.db,
            self.database_url.clone(),
            self.settings.clone(),
            self.clock.clone(),
            self._guard.clone(),
        )
    }

    /// Another server on this one's database and clock with changed
    /// settings (this one keeps running).
    pub fn with_settings(&self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        tweak(&mut settings);
        Self::start(
            self.db,
            self.database_url.clone(),
            settings,
            self.clock.clone(),
            self._guard.clone(),
        )
    }

    fn start(
        db: Db,
        database_url: String,
        settings: Settings,
        clock: FixedClock,
        guard: Arc<DbGuard>,
    ) -> TestApp {
        let app = Application::build(&settings, Arc::new(clock.clone())).expect("app builds");
        let port = app.port();
        actix_web::rt::spawn(app.into_server());
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(120))
                .finish(),
            clock,
            db,
            database_url,
            keys: JwtKeys::from_secret(SECRET.as_bytes()),
            settings,
            _guard: guard,
        }
    }

    pub fn set_now(&self, at: &str) {
        self.clock.set(at.parse().expect("RFC 3339 instant"));
    }

    pub fn token(&self, role: Role, org: Option<&str>) -> String {
        self.keys
            .issue(&Claims {
                sub: "test".into(),
                role,
                org: org.map(str::to_string),
                exp: Utc::now().timestamp() + 3600,
                iat: None,
            })
            .unwrap()
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, None)
    }

    pub fn auditor(&self) -> String {
        self.token(Role::Auditor, None)
    }

    pub fn provider(&self, org: &str) -> String {
        self.token(Role::Provider, Some(org))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, req: awc::ClientRequest, body: Option<Vec<u8>>) -> Res {
        let mut resp = match body {
            Some(b) => req.send_body(b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let bytes = resp
            .body()
            .limit(256 * 1024 * 1024)
            .await
            .expect("body read");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        Res {
            status: resp.status(),
            body: serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(text.clone())),
            text,
            bytes: bytes.to_vec(),
            content_type,
            headers: resp.headers().clone(),
        }
    }

    /// A JSON POST whose status is returned, or the error when the server
    /// closed the connection before the body was sent (as it may when it
    /// refuses a body far above its limit).
    pub async fn try_post(&self, path: &str, token: &str, body: &Value) -> Result<u16, String> {
        let req = self
            .authed(self.client.post(self.url(path)), token)
            .insert_header(("Content-Type", "application/json"));
        req.send_body(serde_json::to_vec(body).unwrap())
            .await
            .map(|res| res.status().as_u16())
            .map_err(|e| e.to_string())
    }

    fn authed(&self, req: awc::ClientRequest, token: &str) -> awc::ClientRequest {
        if token.is_empty() {
            req
        } else {
            req.insert_header(("Authorization", format!("Bearer {token}")))
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.send(self.authed(self.client.get(self.url(path)), token), None)
            .await
    }

    pub async fn get_with(&self, path: &str, token: &str, headers: &[(&str, &str)]) -> Res {
        let mut req = self.authed(self.client.get(self.url(path)), token);
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        self.send(req, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Res {
        self.post_with(path, token, body, &[]).await
    }

    pub async fn post_with(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self
            .authed(self.client.post(self.url(path)), token)
            .insert_header(("Content-Type", "application/json"));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        self.send(req, Some(serde_json::to_vec(body).unwrap()))
            .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self
            .authed(self.client.post(self.url(path)), token)
            .insert_header(("Content-Type", content_type));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        self.send(req, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Res {
        let req = self
            .authed(self.client.patch(self.url(path)), token)
            .insert_header(("Content-Type", "application/json"));
        self.send(req, Some(serde_json::to_vec(body).unwrap()))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Res {
        self.send(self.authed(self.client.delete(self.url(path)), token), None)
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Res {
        let req = self
            .authed(self.client.put(self.url(path)), token)
            .insert_header(("Content-Type", "application/json"));
        self.send(req, Some(serde_json::to_vec(body).unwrap()))
            .await
    }
}

/// Asserts a status and returns the body, printing the response on failure.
#[track_caller]
pub fn expect(res: &Res, status: u16) -> Value {
    assert_eq!(res.status.as_u16(), status, "unexpected response: {res:?}");
    res.body.clone()
}

/// Asserts a problem+json response with this status and returns it.
#[track_caller]
pub fn expect_problem(res: &Res, status: u16) -> Value {
    assert_eq!(res.status.as_u16(), status, "unexpected response: {res:?}");
    assert!(
        res.content_type.starts_with("application/problem+json"),
        "content type {res:?}"
    );
    assert_eq!(res.body["status"], status);
    assert!(res.body["type"]
        .as_str()
        .unwrap()
        .starts_with("urn:redovisa:problem:"));
    res.body.clone()
}

/// Codes of a problem's `errors`, in order.
pub fn codes(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Finds the error with this code (panics with the whole problem otherwise).
#[track_caller]
pub fn error_with(problem: &Value, code: &str) -> Value {
    problem["errors"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["code"] == code))
        .cloned()
        .unwrap_or_else(|| panic!("no error `{code}` in {problem:#}"))
}

// ---- valid identity numbers for fixtures -----------------------------------

/// Luhn check digit over nine digits.
pub fn luhn_digit(nine: &str) -> u32 {
    let sum: u32 = nine
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap() * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A valid 12-digit personnummer for a birth date `YYYYMMDD` and serial `NNN`.
pub fn pnr(date: &str, serial: u32) -> String {
    let nine = format!("{}{:03}", &date[2..], serial);
    format!("{}{:03}{}", date, serial, luhn_digit(&nine))
}

/// A valid organisationsnummer from six digits (third ≥ 2) and a serial.
pub fn orgnr(six: &str, serial: u32) -> String {
    let nine = format!("{six}{serial:03}");
    format!("{six}-{serial:03}{}", luhn_digit(&nine))
}
