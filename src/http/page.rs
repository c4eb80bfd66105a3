//! `/dashboard`: the compliance dashboard page for people (outside
//! `/api/v1`, no auth on the page itself: the page asks for a token and
//! sends it to the JSON API). Its files are embedded in the binary, so
//! nothing is built or downloaded; see `docs/dashboard.md`.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use super::html::{escape, site_header, Nav};
use super::i18n::{t, Lang, MESSAGES};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard))
        .route("/dashboard/app.js", web::get().to(script))
        .route("/dashboard/reminders.js", web::get().to(reminders_script))
        .route("/dashboard/style.css", web::get().to(stylesheet))
        .route("/upload/upload.js", web::get().to(upload_script));
}

/// Only the page's own files and the same-origin API; no inline script or
/// style, no frames, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// Browsers revalidate every time (cheap: an ETag match is a 304), so a new
/// binary's page and script are never mixed with an old cached copy.
pub const CACHE_CONTROL: &str = "no-cache";

/// Pages rendered for a person (a CSRF token, names) are never stored.
pub const CACHE_CONTROL_PRIVATE: &str = "no-store";

struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: String,
}

impl Asset {
    fn new(body: &'static str, content_type: &'static str) -> Self {
        let digest = crate::db::sha256_hex(body.as_bytes());
        Self {
            body,
            content_type,
            etag: format!("\"{}\"", &digest[..32]),
        }
    }

    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == self.etag || t == "*")
            });
        let mut res = if fresh {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        res.insert_header((header::ETAG, self.etag.as_str()))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"));
        if fresh {
            return res.finish();
        }
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        ))
        .body(self.body)
    }
}

/// The dashboard page's template: `{{lang}}`, `{{t:key}}` (the catalogue),
/// `{{header}}`, `{{signed_in}}` and `{{messages}}` (the script's texts).
const PAGE_TEMPLATE: &str = include_str!("../../assets/dashboard/index.html");
static SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../../assets/dashboard/app.js"),
        "text/javascript; charset=utf-8",
    )
});
static REMINDERS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../../assets/dashboard/reminders.js"),
        "text/javascript; charset=utf-8",
    )
});
static STYLE: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../../assets/dashboard/style.css"),
        "text/css; charset=utf-8",
    )
});

static UPLOAD_SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../../assets/upload/upload.js"),
        "text/javascript; charset=utf-8",
    )
});

/// The upload page's script (`/upload`).
#[utoipa::path(get, path = "/upload/upload.js", operation_id = "getUploadScript", tag = "pages", responses(
    (status = 200, description = "JavaScript", content_type = "text/javascript", body = String),
    (status = 304, description = "Unchanged since the `If-None-Match` ETag")))]
pub async fn upload_script(req: HttpRequest) -> HttpResponse {
    UPLOAD_SCRIPT.respond(&req)
}

/// The dashboard page in `lang`, for a signed-in person (`nav`) or not.
fn render_dashboard(lang: Lang, nav: Option<&Nav<'_>>) -> String {
    let messages: serde_json::Map<String, serde_json::Value> = MESSAGES
        .iter()
        .filter(|(k, _, _)| k.starts_with("dash."))
        .map(|(k, _, _)| ((*k).to_string(), t(lang, k).into()))
        .collect();
    let mut out = String::with_capacity(PAGE_TEMPLATE.len() + 4096);
    let mut rest = PAGE_TEMPLATE;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("}}").map(|e| at + e).unwrap_or(rest.len());
        let name = &rest[at + 2..end];
        match name {
            "lang" => out.push_str(lang.code()),
            "signed_in" => out.push_str(if nav.is_some() { "true" } else { "false" }),
            "messages" => out.push_str(&escape(
                &serde_json::Value::Object(messages.clone()).to_string(),
            )),
            "header" => out.push_str(&site_header(lang, "/dashboard", nav)),
            key => out.push_str(&escape(t(lang, key.trim_start_matches("t:")))),
        }
        rest = &rest[(end + 2).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// The compliance dashboard page (HTML), in Swedish unless the browser or
/// the switch asks for English. Signed in, its script reads the API with
/// the session; otherwise it takes an API token (`/dashboard#token=<JWT>`,
/// kept in session storage) or sends the person to `/login`.
#[utoipa::path(get, path = "/dashboard", operation_id = "getDashboardPage", tag = "dashboard", responses(
    (status = 200, description = "The dashboard page", content_type = "text/html", body = String)))]
pub async fn dashboard(req: HttpRequest) -> actix_web::Result<HttpResponse> {
    let lang = Lang::of_page(&req);
    let signed_in = super::session::signed_in(&req).await?;
    let nav = signed_in
        .as_ref()
        .map(|(session, account)| super::session::nav(session, account));
    let mut res = HttpResponse::Ok();
    super::html::with_page_headers(&mut res);
    Ok(res
        .content_type("text/html; charset=utf-8")
        .body(render_dashboard(lang, nav.as_ref())))
}

/// The dashboard page's script.
#[utoipa::path(get, path = "/dashboard/app.js", operation_id = "getDashboardScript", tag = "dashboard", responses(
    (status = 200, description = "JavaScript", content_type = "text/javascript", body = String),
    (status = 304, description = "Unchanged since the `If-None-Match` ETag")))]
pub async fn script(req: HttpRequest) -> HttpResponse {
    SCRIPT.respond(&req)
}

/// The dashboard page's "Att göra" section (the reminders).
#[utoipa::path(get, path = "/dashboard/reminders.js", operation_id = "getDashboardRemindersScript", tag = "dashboard", responses(
    (status = 200, description = "JavaScript", content_type = "text/javascript", body = String),
    (status = 304, description = "Unchanged since the `If-None-Match` ETag")))]
pub async fn reminders_script(req: HttpRequest) -> HttpResponse {
    REMINDERS.respond(&req)
}

/// The dashboard page's stylesheet.
#[utoipa::path(get, path = "/dashboard/style.css", operation_id = "getDashboardStylesheet", tag = "dashboard", responses(
    (status = 200, description = "CSS", content_type = "text/css", body = String),
    (status = 304, description = "Unchanged since the `If-None-Match` ETag")))]
pub async fn stylesheet(req: HttpRequest) -> HttpResponse {
    STYLE.respond(&req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_files() {
        let html = &render_dashboard(Lang::Sv, None);
        assert!(html.contains("<html lang=\"sv\">"));
        assert!(!html.contains("{{"), "every placeholder filled");
        assert!(render_dashboard(Lang::En, None).contains("<html lang=\"en\">"));
        assert!(html.contains(r#"src="/dashboard/app.js""#));
        assert!(html.contains(r#"href="/dashboard/style.css""#));
        // No inline script or style: the CSP would block them.
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<style"));
        assert!(!html.contains(" style="));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!SCRIPT.body.contains("innerHTML"));
        assert!(!REMINDERS.body.contains("innerHTML"));
        assert!(html.contains(r#"src="/dashboard/reminders.js""#));
        assert!(!UPLOAD_SCRIPT.body.contains("innerHTML"));
    }

    #[test]
    fn etags_differ_per_file() {
        assert_ne!(SCRIPT.etag, STYLE.etag);
        assert_eq!(SCRIPT.etag.len(), 34);
    }
}
