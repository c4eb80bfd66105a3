//! Server-rendered pages: escaping and the one layout every page shares
//! (language attribute and switch, navigation, the shared stylesheet). No
//! inline script or style, so the strict Content-Security-Policy holds.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use super::i18n::{t, Lang};
use super::page::{CACHE_CONTROL_PRIVATE, CONTENT_SECURITY_POLICY};

/// Text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `{name}` placeholders of a catalogue text filled in, each value escaped.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = escape(text);
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), &escape(value));
    }
    out
}

/// Who is signed in, for the navigation.
pub struct Nav<'a> {
    pub name: &'a str,
    pub csrf_token: &'a str,
}

/// A whole page. `body` is trusted HTML built with [`escape`]; `path` is
/// the page's own path, for the language switch.
pub struct Page<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub path: &'a str,
    pub nav: Option<Nav<'a>>,
    pub scripts: &'a [&'a str],
    pub body: String,
}

/// The header every page shares: the name, the navigation of a signed-in
/// person (with the sign-out form), and the language switch.
pub fn site_header(lang: Lang, path: &str, nav: Option<&Nav<'_>>) -> String {
    let other = lang.other();
    let nav = match nav {
        Some(nav) => format!(
            concat!(
                "<nav class=\"site-nav\" aria-label=\"{nav_label}\"><ul>",
                "<li><a href=\"/dashboard\">{dashboard}</a></li>",
                "<li><a href=\"/upload\">{upload}</a></li>",
                "</ul>",
                "<form method=\"post\" action=\"/logout\" class=\"sign-out\">",
                "<span class=\"who\">{signed_in_as} {name}</span> ",
                "<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">",
                "<button type=\"submit\" class=\"secondary\" id=\"sign-out-button\">{sign_out}</button>",
                "</form></nav>"
            ),
            nav_label = t(lang, "nav.label"),
            dashboard = t(lang, "nav.dashboard"),
            upload = t(lang, "nav.upload"),
            signed_in_as = t(lang, "nav.signed_in_as"),
            name = escape(nav.name),
            csrf = escape(nav.csrf_token),
            sign_out = t(lang, "nav.sign_out"),
        ),
        None => String::new(),
    };
    format!(
        concat!(
            "<header class=\"site\"><p class=\"brand\">{site}</p>{nav}",
            "<p class=\"lang-switch\"><a href=\"{path}?lang={other}\" lang=\"{other}\" hreflang=\"{other}\">{switch}</a></p>",
            "</header>"
        ),
        site = t(lang, "site.name"),
        nav = nav,
        path = escape(path),
        other = other.code(),
        switch = t(lang, "site.switch_language"),
    )
}

impl Page<'_> {
    pub fn render(&self) -> String {
        let lang = self.lang;
        let scripts: String = self
            .scripts
            .iter()
            .map(|s| format!("<script src=\"{}\" defer></script>\n", escape(s)))
            .collect();
        format!(
            concat!(
                "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n",
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                "<meta name=\"referrer\" content=\"no-referrer\">\n",
                "<title>{title} · {site}</title>\n",
                "<link rel=\"stylesheet\" href=\"/dashboard/style.css\">\n{scripts}</head>\n<body>\n",
                "<a class=\"skip\" href=\"#main\">{skip}</a>\n",
                "{header}\n<main id=\"main\" tabindex=\"-1\">\n{body}\n</main>\n</body>\n</html>\n"
            ),
            lang = lang.code(),
            title = escape(self.title),
            site = t(lang, "site.name"),
            scripts = scripts,
            skip = t(lang, "site.skip"),
            header = site_header(lang, self.path, self.nav.as_ref()),
            body = self.body,
        )
    }

    /// The page as a response with the pages' security headers. Pages
    /// carry a CSRF token or personal data, so they are never cached.
    pub fn respond(&self, status: StatusCode) -> HttpResponse {
        let mut res = HttpResponse::build(status);
        with_page_headers(&mut res);
        res.content_type("text/html; charset=utf-8")
            .body(self.render())
    }
}

/// The headers every page response carries.
pub fn with_page_headers(res: &mut actix_web::HttpResponseBuilder) {
    res.insert_header((header::CACHE_CONTROL, CACHE_CONTROL_PRIVATE))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(fill("Hej {name}!", &[("name", "<b>")]), "Hej &lt;b&gt;!");
    }

    #[test]
    fn the_layout_follows_the_language() {
        let page = Page {
            lang: Lang::Sv,
            title: "Logga in",
            path: "/login",
            nav: None,
            scripts: &[],
            body: String::new(),
        };
        let html = page.render();
        assert!(html.contains("<html lang=\"sv\">"));
        assert!(html.contains("href=\"/login?lang=en\""));
        assert!(html.contains("In English"));
        assert!(!html.contains("<script>") && !html.contains(" style="));
    }
}
