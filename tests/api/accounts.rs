//! People's accounts: `POST /users` and `redovisa user invite`, the invite
//! and sign-in pages, session cookies, CSRF, lockout and expiry, on both
//! databases. A small cookie-keeping client plays the browser.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, Org};
use crate::helpers::*;

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub struct Browser<'a> {
    app: &'a TestApp,
    client: awc::Client,
    pub cookies: HashMap<String, String>,
    /// The raw `Set-Cookie` headers of the last response.
    pub set_cookies: Vec<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: awc::Client::builder()
                .disable_redirects()
                .timeout(std::time::Duration::from_secs(120))
                .finish(),
            cookies: HashMap::new(),
            set_cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, mut req: awc::ClientRequest, body: Option<Vec<u8>>) -> Res {
        if !self.cookies.is_empty() {
            req = req.insert_header(("Cookie", self.cookie_header()));
        }
        let res = self.app.send(req, body).await;
        self.set_cookies = res
            .headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        for raw in &self.set_cookies {
            let pair = raw.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || raw.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        res
    }

    pub async fn get(&mut self, path: &str) -> Res {
        let req = self.client.get(self.app.url(path));
        self.send(req, None).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Res {
        let mut req = self.client.get(self.app.url(path));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        self.send(req, None).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = self
            .client
            .post(self.app.url(path))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"));
        self.send(req, Some(body.into_bytes())).await
    }

    pub async fn post_json(&mut self, path: &str, body: &Value, csrf: Option<&str>) -> Res {
        let mut req = self
            .client
            .post(self.app.url(path))
            .insert_header(("Content-Type", "application/json"));
        if let Some(c) = csrf {
            req = req.insert_header(("X-CSRF-Token", c));
        }
        self.send(req, Some(serde_json::to_vec(body).unwrap()))
            .await
    }

    /// A POST of raw bytes (a file upload) with extra headers.
    pub async fn post_raw(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self
            .client
            .post(self.app.url(path))
            .insert_header(("Content-Type", content_type));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        self.send(req, Some(body)).await
    }

    pub fn set_cookie(&self, name: &str) -> &str {
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no Set-Cookie {name} in {:?}", self.set_cookies))
    }

    /// Signs in through the form; the session cookie is kept.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Res {
        self.sign_in_at("/login", email, password, None).await
    }

    /// Signs in through the form opened at `login` (`/login?next=…`),
    /// sending its hidden `next`, or `next` instead when given.
    pub async fn sign_in_at(
        &mut self,
        login: &str,
        email: &str,
        password: &str,
        next: Option<&str>,
    ) -> Res {
        let page = self.get(login).await;
        assert_eq!(page.status.as_u16(), 200, "{page:?}");
        let token = hidden(&page.text, "csrf_token");
        let next = next.map_or_else(|| hidden(&page.text, "next"), str::to_string);
        self.post_form(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &token),
                ("next", &next),
            ],
        )
        .await
    }

    /// The CSRF token of the live session.
    pub async fn csrf(&mut self) -> String {
        let res = self.get("/api/v1/session").await;
        expect(&res, 200)["csrf_token"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// The value of a hidden input of a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

pub const PASSWORD: &str = "en lång mening som lösenord";

/// An account created through the API, with its password set through the
/// invite page; returns the e-mail address.
pub async fn person(app: &TestApp, org: &Org, email: &str) -> String {
    let res = app
        .post(
            "/api/v1/users",
            &org.token,
            &json!({"email": email, "name": "Karin Ek", "role": "provider"}),
        )
        .await;
    let url = expect(&res, 201)["invite_url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = url.strip_prefix(&app.base).unwrap().to_string();
    let mut b = Browser::new(app);
    let page = b.get(&path).await;
    let token = hidden(&page.text, "csrf_token");
    let res = b
        .post_form(&path, &[("password", PASSWORD), ("csrf_token", &token)])
        .await;
    assert_eq!(res.status.as_u16(), 303, "{res:?}");
    email.to_lowercase()
}

fn location(res: &Res) -> &str {
    res.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn from_invitation_to_the_api_and_out(app: TestApp) {
    let org = fixtures::org(&app).await;
    let res = app
        .post(
            "/api/v1/users",
            &org.token,
            &json!({"email": " Karin.Ek@Exempel.SE ", "name": "Karin Ek", "role": "provider"}),
        )
        .await;
    let created = expect(&res, 201);
    assert_eq!(created["email"], "karin.ek@exempel.se");
    assert_eq!(created["role"], "provider");
    assert_eq!(created["organisation_id"], org.id.as_str());
    assert!(created["id"].is_string());
    let url = created["invite_url"].as_str().unwrap();
    let path = url
        .strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{url} is not on {}", app.base))
        .to_string();
    assert!(path.starts_with("/invite/"), "{path}");

    // The invite page: Swedish, a password field and a hidden CSRF token.
    let mut b = Browser::new(&app);
    let page = b.get(&path).await;
    assert_eq!(page.status.as_u16(), 200, "{page:?}");
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.text.contains("<html lang=\"sv\">"));
    assert!(page.text.contains("Välj lösenord"));
    assert!(page.text.contains("name=\"password\" type=\"password\""));
    assert_eq!(
        page.headers.get("cache-control").unwrap().to_str().unwrap(),
        "no-store"
    );
    let token = hidden(&page.text, "csrf_token");
    // No CSRF token: refused, nothing set.
    let res = b.post_form(&path, &[("password", PASSWORD)]).await;
    assert_eq!(res.status.as_u16(), 403, "{res:?}");
    // Too short: the form again, in Swedish.
    let res = b
        .post_form(&path, &[("password", "kort"), ("csrf_token", &token)])
        .await;
    assert_eq!(res.status.as_u16(), 422, "{res:?}");
    assert!(res.text.contains("minst 12 tecken"), "{}", res.text);
    let res = b
        .post_form(&path, &[("password", PASSWORD), ("csrf_token", &token)])
        .await;
    assert_eq!(res.status.as_u16(), 303, "{res:?}");
    assert_eq!(location(&res), "/login?m=password_set");
    // Once only.
    assert_eq!(b.get(&path).await.status.as_u16(), 404);
    let res = b
        .post_form(
            &path,
            &[
                ("password", "ett annat långt lösenord"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(res.status.as_u16(), 404);

    // A wrong password: the form again with a Swedish message.
    let res = b
        .sign_in("karin.ek@exempel.se", "fel lösenord helt och hållet")
        .await;
    assert_eq!(res.status.as_u16(), 401, "{res:?}");
    assert!(
        res.text.contains("Fel e-postadress eller lösenord"),
        "{}",
        res.text
    );
    assert!(!b.cookies.contains_key("redovisa_session"));
    // The stale login form without its token is refused.
    let res = b
        .post_form(
            "/login",
            &[("email", "karin.ek@exempel.se"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status.as_u16(), 403);

    // Signed in: 303 to the dashboard with a session cookie and its flags.
    let res = b.sign_in("KARIN.EK@exempel.se", PASSWORD).await;
    assert_eq!(res.status.as_u16(), 303, "{res:?}");
    assert_eq!(location(&res), "/dashboard");
    let cookie = b.set_cookie("redovisa_session").to_string();
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    let first_session = b.cookies["redovisa_session"].clone();

    // The API with the cookie: reads work, writes need X-CSRF-Token.
    let me = expect(&b.get("/api/v1/session").await, 200);
    assert_eq!(me["email"], "karin.ek@exempel.se");
    assert_eq!(me["role"], "provider");
    assert_eq!(me["organisation_id"], org.id.as_str());
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    expect(&b.get("/api/v1/assistance-users").await, 200);
    let user = json!({"personnummer": pnr("19450312", 120), "name": "Brukare Exempel"});
    let res = b.post_json("/api/v1/assistance-users", &user, None).await;
    assert_eq!(expect_problem(&res, 403)["code"], "csrf_failed");
    let res = b
        .post_json(
            "/api/v1/assistance-users",
            &user,
            Some("0".repeat(64).as_str()),
        )
        .await;
    expect_problem(&res, 403);
    assert_eq!(
        expect(&app.get("/api/v1/assistance-users", &org.token).await, 200)["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "a refused request changed something"
    );
    let res = b
        .post_json("/api/v1/assistance-users", &user, Some(&csrf))
        .await;
    expect(&res, 201);

    // Signing in again gives a new session and CSRF token; the old one ends.
    let res = b.sign_in("karin.ek@exempel.se", PASSWORD).await;
    assert_eq!(res.status.as_u16(), 303);
    assert_ne!(b.cookies["redovisa_session"], first_session);
    let csrf2 = b.csrf().await;
    assert_ne!(csrf2, csrf);
    let mut old = Browser::new(&app);
    old.cookies
        .insert("redovisa_session".into(), first_session.clone());
    expect_problem(&old.get("/api/v1/assistance-users").await, 401);

    // Sign out: the form needs the session's token; then the cookie is dead.
    let res = b.post_form("/logout", &[("csrf_token", "wrong")]).await;
    assert_eq!(res.status.as_u16(), 403);
    let live = b.cookies["redovisa_session"].clone();
    let res = b.post_form("/logout", &[("csrf_token", &csrf2)]).await;
    assert_eq!(res.status.as_u16(), 303);
    assert_eq!(location(&res), "/login?m=signed_out");
    assert!(!b.cookies.contains_key("redovisa_session"));
    let mut after = Browser::new(&app);
    after.cookies.insert("redovisa_session".into(), live);
    expect_problem(&after.get("/api/v1/session").await, 401);
    expect_problem(&after.get("/api/v1/assistance-users").await, 401);
    let page = b.get("/login?m=signed_out").await;
    assert!(page.text.contains("Du är utloggad."));
}
db_test!(from_invitation_to_the_api_and_out);

async fn who_may_create_which_account(app: TestApp) {
    let org = fixtures::org(&app).await;
    let other = fixtures::org(&app).await;
    let admin = app.admin();
    let post = |token: String, body: Value| {
        let app = &app;
        async move { app.post("/api/v1/users", &token, &body).await }
    };
    // A provider: its own organisation, role provider.
    let res = post(
        org.token.clone(),
        json!({"email": "a@x.se", "name": "A", "role": "admin"}),
    )
    .await;
    expect_problem(&res, 403);
    let res = post(
        org.token.clone(),
        json!({"email": "a@x.se", "name": "A", "role": "provider", "organisation_id": other.id}),
    )
    .await;
    expect_problem(&res, 403);
    let res = post(
        org.token.clone(),
        json!({"email": "a@x.se", "name": "A", "role": "provider", "organisation_id": org.id}),
    )
    .await;
    expect(&res, 201);
    // The address is taken, whatever its case.
    let res = post(
        admin.clone(),
        json!({"email": "A@X.SE", "name": "A", "role": "provider", "organisation_id": other.id}),
    )
    .await;
    assert_eq!(expect_problem(&res, 409)["code"], "duplicate");
    // Auditors write nothing.
    let res = post(
        app.auditor(),
        json!({"email": "b@x.se", "name": "B", "role": "auditor"}),
    )
    .await;
    expect_problem(&res, 403);
    // An admin: any role; a provider needs an existing organisation.
    let res = post(
        admin.clone(),
        json!({"email": "b@x.se", "name": "B", "role": "provider"}),
    )
    .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "required")["pointer"],
        "/organisation_id"
    );
    // A read-only provider account too: without its organisation it would
    // read every organisation.
    let res = post(
        admin.clone(),
        json!({"email": "b@x.se", "name": "B", "role": "provider_read"}),
    )
    .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "required")["pointer"],
        "/organisation_id"
    );
    let res = post(
        org.token.clone(),
        json!({"email": "r@x.se", "name": "R", "role": "provider_read"}),
    )
    .await;
    assert_eq!(expect(&res, 201)["organisation_id"], org.id.as_str());
    let res = post(
        admin.clone(),
        json!({"email": "b@x.se", "name": "B", "role": "provider", "organisation_id": "no-such-org"}),
    )
    .await;
    error_with(&expect_problem(&res, 422), "unknown_reference");
    let res = post(
        admin.clone(),
        json!({"email": "b@x.se", "name": "B", "role": "auditor", "organisation_id": org.id}),
    )
    .await;
    error_with(&expect_problem(&res, 422), "not_allowed");
    let res = post(
        admin.clone(),
        json!({"email": "nope", "name": " ", "role": "auditor", "extra": 1}),
    )
    .await;
    expect_problem(&res, 422);
    let res = post(
        admin.clone(),
        json!({"email": "nope", "name": " ", "role": "auditor"}),
    )
    .await;
    let p = expect_problem(&res, 422);
    assert_eq!(codes(&p), ["invalid_email", "invalid_name"]);
    let res = post(
        admin.clone(),
        json!({"email": "c@x.se", "name": "C", "role": "auditor"}),
    )
    .await;
    let c = expect(&res, 201);
    assert!(c["organisation_id"].is_null());
    // Without a token: 401.
    expect_problem(&app.post("/api/v1/users", "", &json!({})).await, 401);

    // A provider account sees its own organisation only, as its token does.
    let email = person(&app, &other, "d@x.se").await;
    let mut b = Browser::new(&app);
    assert_eq!(b.sign_in(&email, PASSWORD).await.status.as_u16(), 303);
    let theirs = fixtures::user(&app, &org, &pnr("19450312", 121)).await;
    expect_problem(
        &b.get(&format!("/api/v1/assistance-users/{theirs}")).await,
        404,
    );
    let csrf = b.csrf().await;
    let res = b
        .post_json(
            "/api/v1/users",
            &json!({"email": "e@x.se", "name": "E", "role": "provider", "organisation_id": org.id}),
            Some(&csrf),
        )
        .await;
    expect_problem(&res, 403);
}
db_test!(who_may_create_which_account);

async fn ten_failures_lock_the_account_for_a_while(app: TestApp) {
    let org = fixtures::org(&app).await;
    let email = person(&app, &org, "lock@x.se").await;
    let mut b = Browser::new(&app);
    for _ in 0..9 {
        let res = b.sign_in(&email, "fel lösenord igen och igen").await;
        assert_eq!(res.status.as_u16(), 401, "{res:?}");
    }
    // A success in between would reset the count; the tenth failure locks.
    let res = b.sign_in(&email, "fel lösenord igen och igen").await;
    assert_eq!(res.status.as_u16(), 429, "{res:?}");
    assert!(res.text.contains("spärrat"), "{}", res.text);
    assert!(res.headers.contains_key("retry-after"));
    // Locked: even the right password is refused.
    let res = b.sign_in(&email, PASSWORD).await;
    assert_eq!(res.status.as_u16(), 429);
    // Unknown addresses get the same answer as wrong passwords.
    assert_eq!(b.sign_in("ingen@x.se", PASSWORD).await.status.as_u16(), 401);
    app.set_now("2026-11-10T10:16:00Z");
    assert_eq!(b.sign_in(&email, PASSWORD).await.status.as_u16(), 303);
}
db_test!(ten_failures_lock_the_account_for_a_while);

async fn invites_and_sessions_expire(app: TestApp) {
    let org = fixtures::org(&app).await;
    let res = app
        .post(
            "/api/v1/users",
            &org.token,
            &json!({"email": "late@x.se", "name": "Sen", "role": "provider"}),
        )
        .await;
    let created = expect(&res, 201);
    assert_eq!(created["invite_expires_at"], "2026-11-17T10:00:00Z");
    let path = created["invite_url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap()
        .to_string();
    app.set_now("2026-11-17T10:00:01Z");
    let page = Browser::new(&app).get(&path).await;
    assert_eq!(page.status.as_u16(), 404);
    assert!(page.text.contains("gått ut"), "{}", page.text);

    app.set_now("2026-11-10T10:00:00Z");
    let email = person(&app, &org, "session@x.se").await;
    let mut b = Browser::new(&app);
    assert_eq!(b.sign_in(&email, PASSWORD).await.status.as_u16(), 303);
    expect(&b.get("/api/v1/session").await, 200);
    app.set_now("2026-11-10T18:00:01Z"); // 8 hours and a second later
    expect_problem(&b.get("/api/v1/session").await, 401);
    expect_problem(&b.get("/api/v1/assistance-users").await, 401);
}
db_test!(invites_and_sessions_expire);

/// `redovisa user invite` prints a link that works like the API's.
#[actix_web::test]
async fn the_cli_prints_an_invite_url() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let org = fixtures::org(&app).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redovisa"))
        .args([
            "user", "invite", "--email", "Cli@X.se", "--role", "provider", "--org", &org.id,
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("REDOVISA_PUBLIC_URL", &app.base)
        .output()
        .expect("redovisa runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(url.starts_with(&format!("{}/invite/", app.base)), "{url}");
    let path = url.strip_prefix(&app.base).unwrap().to_string();
    let mut b = Browser::new(&app);
    let page = b.get(&path).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("cli@x.se"));
    // A provider or provider_read without --org is refused; the API's
    // spelling of a role works as well as the flag's.
    let invite = |args: &[&str]| {
        let mut all = vec!["user", "invite", "--email", "x@x.se"];
        all.extend_from_slice(args);
        std::process::Command::new(env!("CARGO_BIN_EXE_redovisa"))
            .args(all)
            .env("DATABASE_URL", &app.database_url)
            .output()
            .unwrap()
    };
    assert!(!invite(&["--role", "provider"]).status.success());
    for role in ["provider_read", "provider-read"] {
        let out = invite(&["--role", role]);
        assert!(!out.status.success(), "{role} without --org");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--org is required"));
    }
    let out = invite(&["--role", "provider_read", "--org", &org.id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// English by the browser's language or the switch; Swedish otherwise.
#[actix_web::test]
async fn the_pages_speak_swedish_unless_asked() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let mut b = Browser::new(&app);
    let page = b.get("/login").await;
    assert!(page.text.contains("<html lang=\"sv\">"));
    assert!(page.text.contains(">Logga in</h1>"));
    assert!(page
        .text
        .contains("<label for=\"email\">E-postadress</label>"));
    let page = b
        .get_with("/login", &[("Accept-Language", "en-GB,en;q=0.9")])
        .await;
    assert!(page.text.contains("<html lang=\"en\">"));
    assert!(page.text.contains(">Sign in</h1>"));
    let page = b.get("/login?lang=en").await;
    assert!(page.text.contains("<html lang=\"en\">"));
}

/// `Accept-Language: sv` gives Swedish `title` and `detail`; the code and
/// every fault stay as they are. Without it the API speaks English.
#[actix_web::test]
async fn problem_details_in_swedish_on_request() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let org = fixtures::org(&app).await;
    let body = json!({"personnummer": "nej", "name": ""});
    let sv = app
        .post_with(
            "/api/v1/assistance-users",
            &org.token,
            &body,
            &[("Accept-Language", "sv-SE,sv;q=0.9,en;q=0.5")],
        )
        .await;
    let en = app
        .post("/api/v1/assistance-users", &org.token, &body)
        .await;
    let (sv, en) = (expect_problem(&sv, 422), expect_problem(&en, 422));
    assert_eq!(sv["code"], en["code"]);
    assert_eq!(sv["errors"], en["errors"]);
    assert_eq!(sv["title"], "Kan inte behandlas");
    assert_eq!(sv["detail"], "Begäran har 2 fel; se errors.");
    assert_eq!(en["title"], "Unprocessable Entity");
    let res = app
        .get_with("/api/v1/assistance-users", "", &[("Accept-Language", "sv")])
        .await;
    let p = expect_problem(&res, 401);
    assert_eq!(p["code"], "unauthorized");
    assert_eq!(p["title"], "Inte inloggad");
    assert!(p["detail"].as_str().unwrap().contains("inte inloggad"));
    assert_eq!(res.headers.get("content-language").unwrap(), "sv");
}
