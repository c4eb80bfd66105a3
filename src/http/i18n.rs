//! The pages' languages: Swedish by default, English by the browser's
//! `Accept-Language` or the language switch (a `lang` cookie). One message
//! catalogue serves the server-rendered pages, the dashboard's script
//! (`/assets/messages.json`) and problem details asked for in Swedish.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpRequest;

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "redovisa_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    /// The `lang` attribute and the switch's value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The page's language: `?lang=`, then the switch's cookie, then the
    /// browser's `Accept-Language`, then Swedish.
    pub fn of_page(req: &HttpRequest) -> Lang {
        let query = form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v));
        query
            .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
            .or_else(|| accept_language(req))
            .unwrap_or(Lang::Sv)
    }

    /// The API's language: Swedish only when `Accept-Language` prefers it;
    /// clients that say nothing keep English problem details.
    pub fn of_api(req: &HttpRequest) -> Lang {
        accept_language(req).unwrap_or(Lang::En)
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }
}

/// The first of Swedish and English in the browser's preference order
/// (`q` weights respected; other languages skipped).
fn accept_language(req: &HttpRequest) -> Option<Lang> {
    let value = req.headers().get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(u16, usize, Lang)> = None;
    for (i, part) in value.split(',').enumerate() {
        let mut pieces = part.split(';');
        let Some(lang) = pieces.next().and_then(Lang::parse) else {
            continue;
        };
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .map(quality)
            .unwrap_or(1000);
        if q == 0 {
            continue;
        }
        // Highest weight wins; among equals, the one listed first.
        if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
            best = Some((q, i, lang));
        }
    }
    best.map(|(_, _, lang)| lang)
}

/// `q=0.8` → 800, exactly (no floats).
fn quality(q: &str) -> u16 {
    let (whole, frac) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    match (whole, frac.parse::<u16>()) {
        ("1", _) => 1000,
        ("0", Ok(f)) => f,
        _ => 0,
    }
}

/// The text of `key` in `lang`; empty if the key is missing (the unit
/// tests keep the catalogue complete).
pub fn t(lang: Lang, key: &str) -> &'static str {
    MESSAGES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, sv, en)| match lang {
            Lang::Sv => *sv,
            Lang::En => *en,
        })
        .unwrap_or("")
}

/// The catalogue in one language as a JSON object, for the pages' scripts.
pub fn catalogue_json(lang: Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> = MESSAGES
        .iter()
        .map(|(k, sv, en)| {
            let text = if lang == Lang::Sv { sv } else { en };
            ((*k).to_string(), serde_json::Value::from(*text))
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Problem details in the caller's language: with `Accept-Language: sv` a
/// problem's `title` and `detail` are Swedish; `code`, `status`, `errors`
/// and every other member are unchanged.
pub async fn problems_in_language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = Lang::of_api(req.request());
    let res = next.call(req).await?;
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(crate::error::PROBLEM_JSON.as_bytes())
    });
    if lang == Lang::En || !is_problem {
        return Ok(res.map_into_boxed_body());
    }
    let (request, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = to_bytes(body).await.map_err(|e| {
        let e: Box<dyn std::error::Error> = e.into();
        actix_web::error::ErrorInternalServerError(e.to_string())
    })?;
    let body = translate_problem(&bytes, lang).unwrap_or_else(|| bytes.to_vec());
    let mut res = head.set_body(body);
    res.headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("sv"));
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    Ok(ServiceResponse::new(request, res.map_into_boxed_body()))
}

/// The language switch: a page opened with `?lang=sv|en` keeps that
/// language in a cookie for the pages that follow.
pub async fn remember_language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    let mut res = next.call(req).await?;
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if let (Some(lang), true) = (chosen, is_page) {
        let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.code())
            .path("/")
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

/// A problem document with `title` and `detail` from the catalogue
/// (`status.<status>`, `problem.<code>`); codes without a text keep their
/// detail.
fn translate_problem(bytes: &[u8], lang: Lang) -> Option<Vec<u8>> {
    let mut doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let obj = doc.as_object_mut()?;
    let status = obj.get("status")?.as_u64()?;
    let title = t(lang, &format!("status.{status}"));
    if !title.is_empty() {
        obj.insert("title".into(), title.into());
    }
    let code = obj.get("code")?.as_str()?.to_string();
    let detail = t(lang, &format!("problem.{code}"));
    if !detail.is_empty() {
        let n = obj
            .get("errors")
            .and_then(|e| e.as_array())
            .map_or(0, Vec::len);
        obj.insert(
            "detail".into(),
            detail.replace("{n}", &n.to_string()).into(),
        );
    }
    serde_json::to_vec(&doc).ok()
}

/// Every label, status and message of the pages: (key, Swedish, English).
/// Problem details in Swedish are keyed `problem.<code>`; the reason phrases
/// `status.<code>`.
pub static MESSAGES: &[(&str, &str, &str)] = &[
    // Site
    ("site.name", "redovisa", "redovisa"),
    ("site.skip", "Hoppa till innehållet", "Skip to the content"),
    ("site.language", "Språk", "Language"),
    ("site.switch_language", "In English", "På svenska"),
    ("nav.label", "Huvudmeny", "Main menu"),
    ("nav.dashboard", "Översikt", "Dashboard"),
    ("nav.upload", "Ladda upp tidrapport", "Upload time report"),
    ("nav.sign_out", "Logga ut", "Sign out"),
    ("nav.signed_in_as", "Inloggad som", "Signed in as"),
    // Sign-in
    ("login.title", "Logga in", "Sign in"),
    ("login.lede", "Logga in med e-postadressen och lösenordet för ditt konto.", "Sign in with your account's e-mail address and password."),
    ("login.email", "E-postadress", "E-mail address"),
    ("login.password", "Lösenord", "Password"),
    ("login.submit", "Logga in", "Sign in"),
    ("login.wrong", "Fel e-postadress eller lösenord. Försök igen.", "Wrong e-mail address or password. Try again."),
    ("login.locked", "För många misslyckade inloggningar i rad. Kontot är spärrat till {until}. Försök igen senare.", "Too many failed sign-ins in a row. The account is locked until {until}. Try again later."),
    ("login.expired_form", "Formuläret hade gått ut. Skicka det igen.", "The form had expired. Please send it again."),
    ("login.signed_out", "Du är utloggad.", "You are signed out."),
    ("login.password_set", "Lösenordet är sparat. Logga in med det.", "Your password is saved. Sign in with it."),
    ("login.session_expired", "Din session har gått ut. Logga in igen.", "Your session has expired. Please sign in again."),
    // Invite
    ("invite.title", "Välj lösenord", "Choose a password"),
    ("invite.lede", "Välkommen, {name}. Välj ett lösenord för kontot {email}.", "Welcome, {name}. Choose a password for the account {email}."),
    ("invite.password", "Nytt lösenord", "New password"),
    ("invite.hint", "Minst {min} tecken. En mening med några ord är lätt att minnas och svår att gissa.", "At least {min} characters. A sentence of a few words is easy to remember and hard to guess."),
    ("invite.submit", "Spara lösenord", "Save password"),
    ("invite.gone_title", "Länken fungerar inte", "The link does not work"),
    ("invite.gone", "Inbjudningslänken är redan använd eller har gått ut. Be den som bjöd in dig om en ny.", "This invite link has been used or has expired. Ask the person who invited you for a new one."),
    ("invite.password_too_short", "Lösenordet måste vara minst {min} tecken.", "The password must be at least {min} characters."),
    ("invite.password_too_long", "Lösenordet är för långt.", "The password is too long."),
    // Errors on pages
    ("page.forbidden", "Du har inte behörighet till den här sidan.", "You may not use this page."),
    // Reason phrases of problem details (`title`)
    ("status.400", "Felaktig begäran", "Bad Request"),
    ("status.401", "Inte inloggad", "Unauthorized"),
    ("status.403", "Förbjuden", "Forbidden"),
    ("status.404", "Hittades inte", "Not Found"),
    ("status.405", "Metoden är inte tillåten", "Method Not Allowed"),
    ("status.409", "Konflikt", "Conflict"),
    ("status.413", "För stor", "Payload Too Large"),
    ("status.415", "Medietypen stöds inte", "Unsupported Media Type"),
    ("status.422", "Kan inte behandlas", "Unprocessable Entity"),
    ("status.429", "För många försök", "Too Many Requests"),
    ("status.500", "Internt fel", "Internal Server Error"),
    ("status.503", "Inte tillgänglig", "Service Unavailable"),
    // Problem details (`detail`) by code; `{n}` is the number of `errors`.
    ("problem.malformed_json", "Kroppen är inte giltig JSON.", "The body is not valid JSON."),
    ("problem.unreadable_body", "Begärans kropp kunde inte läsas.", "The request body could not be read."),
    ("problem.malformed_multipart", "Kroppen är inte giltig multipart/form-data.", "The body is not valid multipart/form-data."),
    ("problem.unauthorized", "Du är inte inloggad, eller så har din token eller session gått ut.", "You are not signed in, or your token or session has expired."),
    ("problem.forbidden", "Din roll får inte göra detta.", "Your role may not do this."),
    ("problem.csrf_failed", "En ändring med sessionskakan kräver sessionens CSRF-token i rubriken X-CSRF-Token.", "A change made with the session cookie needs the session's CSRF token in the X-CSRF-Token header."),
    ("problem.not_found", "Det finns ingen sådan post, eller så tillhör den en annan organisation.", "No such record, or it belongs to another organisation."),
    ("problem.method_not_allowed", "Metoden är inte tillåten här; se rubriken Allow.", "The method is not allowed here; see the Allow header."),
    ("problem.duplicate", "Det finns redan en post med samma identitet.", "A record with the same identity already exists."),
    ("problem.correction_reason_required", "Det finns redan en tidsredovisning för månaden. Ange ett skäl till rättelsen (correction_reason) för att ersätta den med en ny version.", "A report for this month already exists; send correction_reason to replace it with a new version."),
    ("problem.payload_too_large", "Begäran är större än den tillåtna gränsen.", "The request is larger than the limit."),
    ("problem.unsupported_media_type", "Innehållstypen stöds inte.", "The content type is not supported."),
    ("problem.content_type_mismatch", "Filens innehåll stämmer inte med den angivna typen.", "The file's content does not match its declared type."),
    ("problem.validation_failed", "Begäran har {n} fel; se errors.", "The request has {n} errors; see errors."),
    ("problem.idempotency_key_reused", "Idempotency-Key har redan använts för en annan begäran.", "The Idempotency-Key was used for another request."),
    ("problem.invoice_mismatch", "Fakturan skiljer sig från beräkningen; se errors.", "The invoice differs from the computation; see errors."),
    ("problem.time_report_missing", "Det finns ingen tidsredovisning för månaden.", "There is no time report for the month."),
    ("problem.rate_missing", "Det finns inget timbelopp för året.", "There is no rate for the year."),
    ("problem.month_closed", "Månaden är stängd.", "The month is closed."),
    ("problem.month_not_ready", "Månaden kan inte stängas: något saknas.", "The month cannot be closed: something is missing."),
    ("problem.month_not_closed", "Månaden är inte stängd.", "The month is not closed."),
    ("problem.hash_mismatch", "Underskriften avvisades; se errors.", "The signature was refused; see errors."),
    ("problem.signer_not_allowed", "Underskriften avvisades; se errors.", "The signature was refused; see errors."),
    ("problem.signed_at_invalid", "Underskriften avvisades; se errors.", "The signature was refused; see errors."),
    ("problem.version_not_current", "Underskriften avvisades; se errors.", "The signature was refused; see errors."),
    ("problem.too_large", "PDF-filen skulle bli för stor.", "The PDF would be too large."),
    ("problem.unknown_reference", "En post som begäran hänvisar till finns inte.", "A record the request refers to does not exist."),
    ("problem.internal_error", "Ett internt fel inträffade; det har loggats.", "An internal error occurred; it has been logged."),
    ("problem.unavailable", "Tjänsten är inte tillgänglig just nu; försök igen.", "The service is not available right now; try again."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn keys_are_unique_and_every_text_is_there() {
        let mut keys: Vec<&str> = MESSAGES.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate keys");
        for (k, sv, en) in MESSAGES {
            assert!(!sv.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(t(Lang::Sv, "login.submit"), "Logga in");
        assert_eq!(t(Lang::En, "login.submit"), "Sign in");
    }

    #[test]
    fn the_page_language_is_swedish_unless_asked_otherwise() {
        let req = TestRequest::default().to_http_request();
        assert_eq!(Lang::of_page(&req), Lang::Sv);
        assert_eq!(Lang::of_api(&req), Lang::En);
        let req = TestRequest::default()
            .insert_header(("Accept-Language", "en-GB,en;q=0.9,sv;q=0.8"))
            .to_http_request();
        assert_eq!(Lang::of_page(&req), Lang::En);
        let req = TestRequest::default()
            .insert_header(("Accept-Language", "de, en;q=0.5, sv;q=0.7"))
            .to_http_request();
        assert_eq!(Lang::of_page(&req), Lang::Sv);
        assert_eq!(Lang::of_api(&req), Lang::Sv);
        let req = TestRequest::default()
            .insert_header(("Accept-Language", "fr"))
            .to_http_request();
        assert_eq!(Lang::of_page(&req), Lang::Sv);
        let req = TestRequest::with_uri("/login?lang=en")
            .insert_header(("Accept-Language", "sv"))
            .to_http_request();
        assert_eq!(Lang::of_page(&req), Lang::En);
        let req = TestRequest::default()
            .cookie(actix_web::cookie::Cookie::new(LANG_COOKIE, "en"))
            .to_http_request();
        assert_eq!(Lang::of_page(&req), Lang::En);
    }

    #[test]
    fn problems_keep_their_code_and_get_swedish_words() {
        let e = crate::error::ApiError::validation(vec![
            crate::error::FieldError::at("/a", "x", "bad"),
            crate::error::FieldError::at("/b", "y", "bad"),
        ]);
        let bytes = serde_json::to_vec(&e.problem()).unwrap();
        let out: serde_json::Value =
            serde_json::from_slice(&translate_problem(&bytes, Lang::Sv).unwrap()).unwrap();
        assert_eq!(out["code"], "validation_failed");
        assert_eq!(out["title"], "Kan inte behandlas");
        assert_eq!(out["detail"], "Begäran har 2 fel; se errors.");
        assert_eq!(out["errors"][1]["pointer"], "/b");
    }

    #[test]
    fn quality_is_read_exactly() {
        assert_eq!(quality("0.8"), 800);
        assert_eq!(quality("1"), 1000);
        assert_eq!(quality("1.0"), 1000);
        assert_eq!(quality("0"), 0);
        assert_eq!(quality("0.125"), 125);
    }
}
