//! A small W3C WebDriver client for the browser tests: Debian's
//! chromedriver driving headless Chromium (`apt-get install chromium
//! chromium-driver`). Only what the tests use: open a page, find, type,
//! click, wait, read, screenshot.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key W3C WebDriver names an element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether both are installed; in CI (env `CI` set) they must be.
pub fn available() -> bool {
    let found =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium and chromedriver must be installed in CI (apt-get install chromium chromium-driver)"
        );
        eprintln!("SKIPPED browser test: {CHROMIUM} or {CHROMEDRIVER} is not installed");
    }
    found
}

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: awc::Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A headless Chromium of `width`×`height` CSS pixels, Swedish.
    pub async fn start(width: u32, height: u32) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(120))
            .finish();
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--hide-scrollbars", "--lang=sv-SE",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}")],
                "prefs": {"intl.accept_languages": "sv-SE,sv"}
            }
        }}});
        // The driver needs a moment to listen.
        let started = Instant::now();
        let session = loop {
            match client
                .post(format!("{base}/session"))
                .send_json(&caps)
                .await
            {
                Ok(mut res) => {
                    let body: Value = res.json().limit(1 << 20).await.unwrap();
                    break body["value"]["sessionId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("no session: {body}"))
                        .to_string();
                }
                Err(_) if started.elapsed() < Duration::from_secs(20) => {
                    actix_web::rt::time::sleep(Duration::from_millis(200)).await
                }
                Err(e) => panic!("chromedriver did not answer: {e}"),
            }
        };
        Browser {
            driver,
            base,
            session,
            client,
            _profile: profile,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url),
        };
        let mut res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let v: Value = res.json().limit(64 << 20).await.unwrap();
        if !res.status().is_success() {
            panic!("{method} {path}: {} {v}", res.status());
        }
        v["value"].clone()
    }

    pub async fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url}))).await;
    }

    pub async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})))
            .await;
    }

    /// Presses keys one after the other on the focused element, as a
    /// keyboard does (`"\u{E004}"` is Tab, `"\u{E007}"` Enter).
    pub async fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|k| {
                let k = k.to_string();
                [
                    json!({"type": "keyDown", "value": k}),
                    json!({"type": "keyUp", "value": k}),
                ]
            })
            .collect();
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// The value of `expr` (JavaScript) on the page.
    pub async fn eval(&self, expr: &str) -> Value {
        self.script(&format!("return {expr};"), json!([])).await
    }

    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Waits until an element matching `css` is in the document and not
    /// hidden; panics with the page after 30 s.
    pub async fn wait_for(&self, css: &str) {
        let started = Instant::now();
        loop {
            let there = self
                .script(
                    "const e = document.querySelector(arguments[0]); return !!e && !e.closest('[hidden]');",
                    json!([css]),
                )
                .await;
            if there == json!(true) {
                return;
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!("{css} did not appear; the page:\n{}", self.source().await);
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn source(&self) -> String {
        self.call("GET", "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let v = self
            .script(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                json!([css]),
            )
            .await;
        v.as_str().unwrap_or_else(|| panic!("no {css}")).to_string()
    }

    pub async fn url(&self) -> String {
        self.call("GET", "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// A PNG of the viewport, written to `docs/screenshots/<name>.png` when
    /// `REDOVISA_SCREENSHOTS` is set (scripts/screenshots.sh).
    pub async fn screenshot(&self, name: &str) {
        if std::env::var_os("REDOVISA_SCREENSHOTS").is_none() {
            return;
        }
        let data = self.call("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        let dir = format!("{}/docs/screenshots", env!("CARGO_MANIFEST_DIR"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    pub async fn quit(mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.client.delete(url).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
