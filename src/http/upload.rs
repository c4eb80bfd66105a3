//! `/upload` (*Ladda upp tidrapport*): a signed-in person chooses a file
//! (CSV or `.xlsx`), sees the dry run (rows per user and month, payable
//! hours, every fault with line and column), then confirms to store. The
//! page's script calls `POST /api/v1/imports/time-reports` with the
//! session cookie and the session's `X-CSRF-Token`; the import is the API's,
//! unchanged. See `docs/pages.md`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::html::{escape, Page};
use super::i18n::{t, Lang, MESSAGES};
use super::session::{nav, signed_in, to_login};
use crate::error::ApiResult;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/upload", web::get().to(upload_page));
}

/// The catalogue entries the script needs, in the page's language, as JSON
/// for a `data-` attribute (no inline script under the CSP).
fn script_messages(lang: Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> = MESSAGES
        .iter()
        .filter(|(k, _, _)| k.starts_with("upload.") || k.starts_with("fault."))
        .map(|(k, _, _)| ((*k).to_string(), t(lang, k).into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

fn body(lang: Lang, csrf: &str) -> String {
    format!(
        concat!(
            "<section class=\"card\" aria-labelledby=\"upload-heading\">",
            "<h1 id=\"upload-heading\">{title}</h1>",
            "<p>{lede}</p>",
            "<p class=\"template\">{template} ",
            "<a href=\"/api/v1/imports/template?format=xlsx\" id=\"template-xlsx\" download>{xlsx}</a> · ",
            "<a href=\"/api/v1/imports/template?format=csv\" id=\"template-csv\" download>{csv}</a></p>",
            "<form id=\"upload-form\" class=\"stack\" data-csrf=\"{csrf}\" data-lang=\"{lang}\" data-messages=\"{messages}\">",
            "<label for=\"file\">{file}</label>",
            "<input type=\"file\" id=\"file\" name=\"file\" required aria-describedby=\"file-hint\" ",
            "accept=\".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\">",
            "<p class=\"hint\" id=\"file-hint\">{file_hint}</p>",
            "<div id=\"reason-group\" class=\"stack\" hidden>",
            "<label for=\"reason\">{reason}</label>",
            "<textarea id=\"reason\" name=\"correction_reason\" rows=\"2\" maxlength=\"500\" aria-describedby=\"reason-hint\"></textarea>",
            "<p class=\"hint\" id=\"reason-hint\">{reason_hint}</p>",
            "</div>",
            "<button type=\"submit\" id=\"check-button\">{check}</button>",
            "</form>",
            "<p id=\"upload-status\" class=\"status\" role=\"status\" aria-live=\"polite\"></p>",
            "</section>",
            "<section id=\"result\" class=\"card\" aria-labelledby=\"result-heading\" tabindex=\"-1\" hidden>",
            "<h2 id=\"result-heading\"></h2>",
            "<div id=\"result-body\"></div>",
            "<button type=\"button\" id=\"confirm-button\" hidden>{confirm}</button>",
            "</section>"
        ),
        title = t(lang, "upload.title"),
        lede = t(lang, "upload.lede"),
        template = t(lang, "upload.template"),
        xlsx = t(lang, "upload.template_xlsx"),
        csv = t(lang, "upload.template_csv"),
        csrf = escape(csrf),
        lang = lang.code(),
        messages = escape(&script_messages(lang)),
        file = t(lang, "upload.file"),
        file_hint = t(lang, "upload.file_hint"),
        reason = t(lang, "upload.reason"),
        reason_hint = t(lang, "upload.reason_hint"),
        check = t(lang, "upload.check"),
        confirm = t(lang, "upload.confirm"),
    )
}

/// `GET /upload`: the upload page for a signed-in person; without a
/// session, 303 to `/login`.
#[utoipa::path(get, path = "/upload", operation_id = "getUploadPage", tag = "pages", responses(
    (status = 200, description = "The upload page (HTML, Swedish unless `Accept-Language` or `?lang=en` says otherwise)", content_type = "text/html", body = String),
    (status = 303, description = "Not signed in: to `/login`")))]
pub async fn upload_page(req: HttpRequest) -> ApiResult<HttpResponse> {
    let lang = Lang::of_page(&req);
    let Some((session, account)) = signed_in(&req).await? else {
        return Ok(to_login(
            req.cookie(super::session::SESSION_COOKIE).is_some(),
            "/upload",
        ));
    };
    let page = Page {
        lang,
        title: t(lang, "upload.title"),
        path: "/upload",
        nav: Some(nav(&session, &account)),
        scripts: &["/upload/upload.js"],
        body: body(lang, &session.csrf_token),
    };
    Ok(page.respond(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_its_texts_and_token_as_data() {
        let html = body(Lang::Sv, "abc\"def");
        assert!(html.contains("data-csrf=\"abc&quot;def\""));
        assert!(html.contains("Ladda upp tidrapport"));
        assert!(html.contains("&quot;fault.invalid_time&quot;"));
        assert!(!html.contains("<script") && !html.contains(" style="));
        assert!(body(Lang::En, "x").contains("Upload time report"));
    }
}
