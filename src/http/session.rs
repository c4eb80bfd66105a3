//! Sign-in for people: the session cookie, `/login`, `/logout` and the
//! invite pages (`/invite/{token}`). The pages are plain HTML forms that
//! work without JavaScript.
//!
//! CSRF: before sign-in, a form carries the value of a short-lived
//! `redovisa_form` cookie (double submit); after sign-in, forms and
//! cookie-authenticated API calls carry the session's own token
//! (`csrf_token` field or `X-CSRF-Token` header).

use std::collections::HashMap;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::html::{escape, fill, with_page_headers, Nav, Page};
use super::i18n::{t, Lang};
use super::AppState;
use crate::config::AccountSettings;
use crate::db::accounts::{AccountRow, SessionRow};
use crate::domain::account::MIN_PASSWORD_CHARS;
use crate::error::{ApiError, ApiResult};
use crate::service::accounts::{self as service, InviteRefusal, SignIn};

/// The session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` unless
/// `REDOVISA_INSECURE_COOKIES=true`.
pub const SESSION_COOKIE: &str = "redovisa_session";
/// The pre-sign-in CSRF cookie of the login and invite forms.
pub const FORM_COOKIE: &str = "redovisa_form";
/// The header that carries the session's CSRF token on API calls.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form bodies are a few short fields.
const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/invite/{token}", web::get().to(invite_page))
        .route("/invite/{token}", web::post().to(accept_invite));
}

fn settings(req: &HttpRequest) -> AccountSettings {
    req.app_data::<web::Data<AccountSettings>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default()
}

fn state(req: &HttpRequest) -> ApiResult<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))
}

fn cookie<'c>(
    req: &HttpRequest,
    name: &'c str,
    value: String,
    max_age: time::Duration,
) -> Cookie<'c> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(!settings(req).insecure_cookies)
        .max_age(max_age)
        .finish()
}

fn expired_cookie(req: &HttpRequest, name: &'static str) -> Cookie<'static> {
    cookie(req, name, String::new(), time::Duration::ZERO)
}

/// The signed-in person of a page request, if the session cookie names a
/// live session.
pub async fn signed_in(req: &HttpRequest) -> ApiResult<Option<(SessionRow, AccountRow)>> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    if token.is_empty() {
        return Ok(None);
    }
    let state = state(req)?;
    let now = state.now();
    state
        .db(move |conn| service::session(conn, &token, now))
        .await
}

/// The navigation of a signed-in page.
pub fn nav<'a>(session: &'a SessionRow, account: &'a AccountRow) -> Nav<'a> {
    Nav {
        name: &account.name,
        csrf_token: &session.csrf_token,
    }
}

/// The pages a sign-in may land on (`next`), besides `/dashboard`: only
/// these paths, so the form can never send a person elsewhere.
const LANDINGS: [&str; 2] = ["/dashboard", "/upload"];

/// Where a sign-in lands: `next` when it is one of [`LANDINGS`], else the
/// dashboard.
fn landing(next: Option<&str>) -> &'static str {
    next.and_then(|n| LANDINGS.iter().find(|l| **l == n))
        .copied()
        .unwrap_or("/dashboard")
}

/// A page that needs a session sends a person without one to `/login`,
/// and back to `page` once signed in.
pub fn to_login(expired: bool, page: &'static str) -> HttpResponse {
    let m = if expired { "m=session_expired&" } else { "" };
    see_other(&format!("/login?{m}next={}", landing(Some(page))))
}

fn see_other(to: &str) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    with_page_headers(&mut res);
    res.insert_header((header::LOCATION, to)).finish()
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The pre-sign-in form token: the browser's, or a new one.
fn form_token(req: &HttpRequest) -> (String, bool) {
    match req.cookie(FORM_COOKIE).map(|c| c.value().to_string()) {
        Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => (v, false),
        _ => (service::random_token(), true),
    }
}

/// Whether a pre-sign-in form came back with the token of its cookie.
fn form_token_matches(req: &HttpRequest, form: &HashMap<String, String>) -> bool {
    match (req.cookie(FORM_COOKIE), form.get("csrf_token")) {
        (Some(c), Some(f)) => !f.is_empty() && service::same_secret(c.value(), f),
        _ => false,
    }
}

async fn read_form(body: web::Payload) -> ApiResult<HashMap<String, String>> {
    let bytes = body
        .to_bytes_limited(MAX_FORM_BYTES)
        .await
        .map_err(|_| ApiError::payload_too_large("The form is too large."))?
        .map_err(|_| ApiError::bad_request("unreadable_body", "The form could not be read."))?;
    Ok(parse_form(&bytes))
}

struct LoginForm<'a> {
    lang: Lang,
    email: &'a str,
    /// Where a successful sign-in lands (one of [`LANDINGS`]).
    next: &'static str,
    /// A catalogue key and whether it reports a problem.
    message: Option<(String, bool)>,
    token: String,
}

fn render_login(
    req: &HttpRequest,
    status: StatusCode,
    form: LoginForm<'_>,
    set_token: bool,
) -> HttpResponse {
    let lang = form.lang;
    let message = form
        .message
        .map(|(text, problem)| {
            if problem {
                format!("<p class=\"form-message problem\" id=\"login-message\" role=\"alert\">{text}</p>")
            } else {
                format!("<p class=\"form-message\" id=\"login-message\" role=\"status\">{text}</p>")
            }
        })
        .unwrap_or_default();
    let body = format!(
        concat!(
            "<section class=\"card narrow\" aria-labelledby=\"login-heading\">",
            "<h1 id=\"login-heading\">{title}</h1>",
            "<p>{lede}</p>{message}",
            "<form method=\"post\" action=\"/login\" class=\"stack\" id=\"login-form\">",
            "<input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">",
            "<input type=\"hidden\" name=\"next\" value=\"{next}\">",
            "<label for=\"email\">{email_label}</label>",
            "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{email}\">",
            "<label for=\"password\">{password_label}</label>",
            "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>",
            "<button type=\"submit\">{submit}</button>",
            "</form></section>"
        ),
        title = t(lang, "login.title"),
        lede = t(lang, "login.lede"),
        message = message,
        token = escape(&form.token),
        next = form.next,
        email_label = t(lang, "login.email"),
        email = escape(form.email),
        password_label = t(lang, "login.password"),
        submit = t(lang, "login.submit"),
    );
    let page = Page {
        lang,
        title: t(lang, "login.title"),
        path: "/login",
        nav: None,
        scripts: &[],
        body,
    };
    let mut res = HttpResponse::build(status);
    with_page_headers(&mut res);
    if set_token {
        res.cookie(cookie(
            req,
            FORM_COOKIE,
            form.token.clone(),
            time::Duration::hours(2),
        ));
    }
    res.content_type("text/html; charset=utf-8")
        .body(page.render())
}

/// `GET /login`: the sign-in form.
#[utoipa::path(get, path = "/login", operation_id = "getLoginPage", tag = "pages", responses(
    (status = 200, description = "The sign-in form (HTML, Swedish unless `Accept-Language` or `?lang=en` says otherwise)", content_type = "text/html", body = String)))]
pub async fn login_page(req: HttpRequest) -> HttpResponse {
    let lang = Lang::of_page(&req);
    let (token, new) = form_token(&req);
    let query = web::Query::<HashMap<String, String>>::from_query(req.query_string()).ok();
    let next = landing(
        query
            .as_ref()
            .and_then(|q| q.get("next"))
            .map(String::as_str),
    );
    let message = query
        .and_then(|q| q.get("m").cloned())
        .filter(|m| ["signed_out", "password_set", "session_expired"].contains(&m.as_str()))
        .map(|m| {
            (
                t(lang, &format!("login.{m}")).to_string(),
                m == "session_expired",
            )
        });
    render_login(
        &req,
        StatusCode::OK,
        LoginForm {
            lang,
            email: "",
            next,
            message,
            token,
        },
        new,
    )
}

/// `POST /login`: a new session on success (303 to `/dashboard`, or to the
/// page the form's `next` names: `/upload`); the form
/// again with the reason otherwise (401 wrong, 429 locked, 403 stale form).
#[utoipa::path(post, path = "/login", operation_id = "createSession", tag = "pages",
    request_body(content_type = "application/x-www-form-urlencoded", description = "`email`, `password`, `csrf_token`, and `next` (`/dashboard` or `/upload`; anything else lands on `/dashboard`)", content = String),
    responses(
    (status = 303, description = "Signed in: a new session cookie, to `/dashboard` (or `next`)"),
    (status = 401, description = "Wrong address or password: the form again", content_type = "text/html", body = String),
    (status = 403, description = "The form's CSRF token is missing or stale: the form again", content_type = "text/html", body = String),
    (status = 429, description = "Locked after repeated failures: the form saying until when", content_type = "text/html", body = String)))]
pub async fn login(req: HttpRequest, body: web::Payload) -> ApiResult<HttpResponse> {
    let lang = Lang::of_page(&req);
    let form = read_form(body).await?;
    let email = form.get("email").cloned().unwrap_or_default();
    let next = landing(form.get("next").map(String::as_str));
    if !form_token_matches(&req, &form) {
        let token = service::random_token();
        return Ok(render_login(
            &req,
            StatusCode::FORBIDDEN,
            LoginForm {
                lang,
                email: &email,
                next,
                message: Some((t(lang, "login.expired_form").to_string(), true)),
                token,
            },
            true,
        ));
    }
    let password = form.get("password").cloned().unwrap_or_default();
    let state = state(&req)?;
    let now = state.now();
    let outcome = {
        let email = email.clone();
        state
            .db(move |conn| service::sign_in(conn, &email, &password, now))
            .await?
    };
    let account = match outcome {
        SignIn::Accepted(account) => account,
        SignIn::Refused => {
            let (token, new) = form_token(&req);
            return Ok(render_login(
                &req,
                StatusCode::UNAUTHORIZED,
                LoginForm {
                    lang,
                    email: &email,
                    next,
                    message: Some((t(lang, "login.wrong").to_string(), true)),
                    token,
                },
                new,
            ));
        }
        SignIn::Locked { until } => {
            let (token, new) = form_token(&req);
            let text = fill(t(lang, "login.locked"), &[("until", &local_time(until))]);
            let mut res = render_login(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                LoginForm {
                    lang,
                    email: &email,
                    next,
                    message: Some((text, true)),
                    token,
                },
                new,
            );
            let wait = (until - now).num_seconds().max(1);
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(wait as u64));
            return Ok(res);
        }
    };
    let old = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    let ttl = settings(&req).session_ttl;
    let session = state
        .db(move |conn| service::start_session(conn, &account.id, old.as_deref(), now, ttl))
        .await?;
    tracing::info!("signed in");
    let mut res = HttpResponse::SeeOther();
    with_page_headers(&mut res);
    Ok(res
        .insert_header((header::LOCATION, next))
        .cookie(cookie(
            &req,
            SESSION_COOKIE,
            session.token,
            time::Duration::seconds(ttl.num_seconds()),
        ))
        .cookie(expired_cookie(&req, FORM_COOKIE))
        .finish())
}

/// A lock's end as people read it: Stockholm time, `HH:MM`.
fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%H:%M")
        .to_string()
}

/// `POST /logout`: ends the session (the form carries its CSRF token) and
/// clears the cookie; 303 to `/login`.
#[utoipa::path(post, path = "/logout", operation_id = "deleteSession", tag = "pages",
    request_body(content_type = "application/x-www-form-urlencoded", description = "`csrf_token` of the session", content = String),
    responses((status = 303, description = "Signed out: the session ended and its cookie cleared, to `/login`"),
    (status = 403, body = crate::error::Problem, description = "The CSRF token does not match the session")))]
pub async fn logout(req: HttpRequest, body: web::Payload) -> ApiResult<HttpResponse> {
    let form = read_form(body).await?;
    if let Some((session, _)) = signed_in(&req).await? {
        let sent = form.get("csrf_token").map(String::as_str).unwrap_or("");
        if !service::same_secret(&session.csrf_token, sent) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "The form's CSRF token does not match the session.",
            ));
        }
        let token = req
            .cookie(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        state(&req)?
            .db(move |conn| service::end_session(conn, &token))
            .await?;
    }
    let mut res = see_other("/login?m=signed_out");
    res.add_cookie(&expired_cookie(&req, SESSION_COOKIE))
        .map_err(|e| ApiError::internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

fn render_invite(
    req: &HttpRequest,
    status: StatusCode,
    lang: Lang,
    path_token: &str,
    account: &AccountRow,
    problem: Option<String>,
) -> HttpResponse {
    let (token, new) = form_token(req);
    let min = MIN_PASSWORD_CHARS.to_string();
    let message = problem
        .map(|p| {
            format!(
                "<p class=\"form-message problem\" id=\"invite-message\" role=\"alert\">{p}</p>"
            )
        })
        .unwrap_or_default();
    let action = format!("/invite/{path_token}");
    let body = format!(
        concat!(
            "<section class=\"card narrow\" aria-labelledby=\"invite-heading\">",
            "<h1 id=\"invite-heading\">{title}</h1>",
            "<p>{lede}</p>{message}",
            "<form method=\"post\" action=\"{action}\" class=\"stack\" id=\"invite-form\">",
            "<input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">",
            "<input type=\"hidden\" name=\"email\" autocomplete=\"username\" value=\"{email}\">",
            "<label for=\"password\">{label}</label>",
            "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" ",
            "minlength=\"{min}\" required aria-describedby=\"password-hint\">",
            "<p class=\"hint\" id=\"password-hint\">{hint}</p>",
            "<button type=\"submit\">{submit}</button>",
            "</form></section>"
        ),
        title = t(lang, "invite.title"),
        lede = fill(
            t(lang, "invite.lede"),
            &[("name", &account.name), ("email", &account.email)]
        ),
        message = message,
        action = escape(&action),
        token = escape(&token),
        email = escape(&account.email),
        label = t(lang, "invite.password"),
        min = min,
        hint = fill(t(lang, "invite.hint"), &[("min", &min)]),
        submit = t(lang, "invite.submit"),
    );
    let page = Page {
        lang,
        title: t(lang, "invite.title"),
        path: &action,
        nav: None,
        scripts: &[],
        body,
    };
    let mut res = HttpResponse::build(status);
    with_page_headers(&mut res);
    if new {
        res.cookie(cookie(req, FORM_COOKIE, token, time::Duration::hours(2)));
    }
    res.content_type("text/html; charset=utf-8")
        .body(page.render())
}

fn invite_gone(lang: Lang, path: &str) -> HttpResponse {
    Page {
        lang,
        title: t(lang, "invite.gone_title"),
        path,
        nav: None,
        scripts: &[],
        body: format!(
            "<section class=\"card narrow\"><h1>{}</h1><p id=\"invite-message\" role=\"alert\">{}</p><p><a href=\"/login\">{}</a></p></section>",
            t(lang, "invite.gone_title"),
            t(lang, "invite.gone"),
            t(lang, "login.title"),
        ),
    }
    .respond(StatusCode::NOT_FOUND)
}

/// `GET /invite/{token}`: the form to choose a password, while the invite
/// is unused and unexpired; otherwise 404 with a page saying so.
#[utoipa::path(get, path = "/invite/{token}", operation_id = "getInvitePage", tag = "pages", params(("token" = String, Path, description = "From `invite_url`")),
    responses((status = 200, description = "The form to choose a password", content_type = "text/html", body = String),
    (status = 404, description = "Used, expired or unknown invite", content_type = "text/html", body = String)))]
pub async fn invite_page(req: HttpRequest, token: web::Path<String>) -> ApiResult<HttpResponse> {
    let lang = Lang::of_page(&req);
    let token = token.into_inner();
    let state = state(&req)?;
    let now = state.now();
    let lookup = token.clone();
    let account = state
        .db(move |conn| service::invited_account(conn, &lookup, now))
        .await?;
    Ok(match account {
        Some(account) => render_invite(&req, StatusCode::OK, lang, &token, &account, None),
        None => invite_gone(lang, &format!("/invite/{token}")),
    })
}

/// `POST /invite/{token}` (`password`, `csrf_token`): sets the password
/// once, then 303 to `/login`.
#[utoipa::path(post, path = "/invite/{token}", operation_id = "setInvitePassword", tag = "pages", params(("token" = String, Path, description = "From `invite_url`")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "`password`, `csrf_token`", content = String),
    responses((status = 303, description = "Password set, to `/login`"),
    (status = 403, description = "Stale form: the form again", content_type = "text/html", body = String),
    (status = 404, description = "Used, expired or unknown invite", content_type = "text/html", body = String),
    (status = 422, description = "The password breaks a rule: the form again", content_type = "text/html", body = String)))]
pub async fn accept_invite(
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let lang = Lang::of_page(&req);
    let token = token.into_inner();
    let form = read_form(body).await?;
    let state = state(&req)?;
    let now = state.now();
    let lookup = token.clone();
    let Some(account) = state
        .db(move |conn| service::invited_account(conn, &lookup, now))
        .await?
    else {
        return Ok(invite_gone(lang, &format!("/invite/{token}")));
    };
    if !form_token_matches(&req, &form) {
        return Ok(render_invite(
            &req,
            StatusCode::FORBIDDEN,
            lang,
            &token,
            &account,
            Some(t(lang, "login.expired_form").to_string()),
        ));
    }
    let password = form.get("password").cloned().unwrap_or_default();
    let key = token.clone();
    let outcome = state
        .db(move |conn| service::accept_invite(conn, &key, &password, now))
        .await?;
    match outcome {
        Ok(_) => {
            let mut res = see_other("/login?m=password_set");
            res.add_cookie(&expired_cookie(&req, SESSION_COOKIE))
                .map_err(|e| ApiError::internal(anyhow::anyhow!("cookie: {e}")))?;
            Ok(res)
        }
        Err(InviteRefusal::Gone) => Ok(invite_gone(lang, &format!("/invite/{token}"))),
        Err(InviteRefusal::Password(v)) => {
            let key = if v.code == "password_too_long" {
                "invite.password_too_long"
            } else {
                "invite.password_too_short"
            };
            let text = fill(t(lang, key), &[("min", &MIN_PASSWORD_CHARS.to_string())]);
            Ok(render_invite(
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                &token,
                &account,
                Some(text),
            ))
        }
    }
}
