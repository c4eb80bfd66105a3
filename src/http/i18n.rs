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
    // Dashboard (Översikt); `_one`/`_other` are the counted forms.
    ("dash.title", "Översikt: månadsrapporter", "Compliance dashboard"),
    ("dash.lede", "Månadsrapporter av assistansersättning till Försäkringskassan: var varje brukares månad står.", "Monthly reports of assistansersättning to Försäkringskassan: where each assistance user's month stands."),
    ("dash.forget_token", "Glöm token", "Forget token"),
    ("dash.noscript", "Sidan behöver JavaScript. Samma siffror finns i API:t: GET /api/v1/dashboard/compliance.", "This page needs JavaScript. The same figures are available from the API: GET /api/v1/dashboard/compliance."),
    ("dash.sign_in_heading", "Logga in", "Sign in"),
    ("dash.sign_in_link", "Logga in med ditt konto", "Sign in with your account"),
    ("dash.token_reason", "Eller klistra in en API-token (JWT). Den sparas bara i den här fliken och skickas bara till den här servern.", "Or paste the bearer token (JWT) you were given. It is kept only in this browser tab's session storage and sent only to this server."),
    ("dash.token_label", "API-token", "API token"),
    ("dash.token_submit", "Visa översikten", "Show dashboard"),
    ("dash.token_refused", "Token godtogs inte.", "The token was not accepted."),
    ("dash.token_not_accepted", "Din token godtogs inte: {reason} Ange en giltig token.", "Your token was not accepted: {reason} Please enter a valid token."),
    ("dash.month_label", "Redovisad månad", "Month reported"),
    ("dash.prev_month", "Föregående månad", "Previous month"),
    ("dash.next_month", "Nästa månad", "Next month"),
    ("dash.show", "Visa", "Show"),
    ("dash.deadlines", "Sista dagar", "Deadlines"),
    ("dash.summary", "Sammanfattning", "Summary"),
    ("dash.users", "Brukare", "Assistance users"),
    ("dash.users_hint", "Välj ett namn för att se brukarens beviljade och redovisade timmar månad för månad.", "Select a name to see that user's granted and reported hours month by month."),
    ("dash.filter_label", "Sök och filtrera brukare", "Search and filter assistance users"),
    ("dash.search", "Sök namn", "Search names"),
    ("dash.filter", "Visa", "Show"),
    ("dash.filter.all", "Alla", "All"),
    ("dash.filter.late", "Sena rapporter", "Late reports"),
    ("dash.filter.missing", "Saknas (rapport eller faktura)", "Missing (report or invoice)"),
    ("dash.filter.stale", "Inaktuell faktura", "Out-of-date invoice"),
    ("dash.filter.warnings", "Med varningar", "With warnings"),
    ("dash.filter.not_ready", "Inte klara att stänga", "Not ready to close"),
    ("dash.showing", "Visar {shown} av {all}.", "Showing {shown} of {all}."),
    ("dash.no_match", "Ingen brukare matchar sökningen och filtret.", "No assistance user matches the search and the filter."),
    ("dash.no_users", "Ingen brukare har ett beslut som täcker månaden.", "No assistance user has a decision covering this month."),
    ("dash.breaches", "Överskriden arbetstid", "Working-time breaches"),
    ("dash.breaches_caption", "Assistenter vars genomsnittliga veckoarbetstid, hos alla arbetsgivare, överskrider gränsen", "Assistants whose average weekly hours, across all employers, exceed their working-time limit"),
    ("dash.hours", "Timmar", "Hours"),
    ("dash.loading", "Hämtar…", "Loading…"),
    ("dash.error", "Något gick fel", "Something went wrong"),
    ("dash.network_title", "Nätverksfel", "Network error"),
    ("dash.network", "Servern kunde inte nås ({reason}).", "The server could not be reached ({reason})."),
    ("dash.unknown_user", "Okänd brukare ({id})", "Unknown user ({id})"),
    ("dash.n_users_one", "{n} brukare", "{n} assistance user"),
    ("dash.n_users_other", "{n} brukare", "{n} assistance users"),
    ("dash.days_left_one", "{n} dag kvar", "{n} day left"),
    ("dash.days_left_other", "{n} dagar kvar", "{n} days left"),
    ("dash.days_ago_one", "passerades för {n} dag sedan", "passed {n} day ago"),
    ("dash.days_ago_other", "passerades för {n} dagar sedan", "passed {n} days ago"),
    ("dash.passed_ago_one", "Passerades för {n} dag sedan", "Passed {n} day ago"),
    ("dash.passed_ago_other", "Passerades för {n} dagar sedan", "Passed {n} days ago"),
    ("dash.today", "i dag", "today"),
    ("dash.due_today", "Sista dag i dag", "Due today"),
    ("dash.fk_deadline", "Försäkringskassans sista dag", "Försäkringskassan’s deadline"),
    ("dash.fk_text", "Redovisningen för {month} ska ha kommit in till Försäkringskassan senast {date}.", "The report for {month} must have reached Försäkringskassan by {date}."),
    ("dash.fk_passed", "Redovisningar som kommer in nu är sena.", "Reports that arrive now are late."),
    ("dash.fk_ahead", "En redovisning som kommer in efter den dagen är sen.", "A report that arrives after this day is late."),
    ("dash.fk_weekday", "Den 5:e ({date}) är ingen vardag, så sista dagen flyttas till nästa vardag.", "The 5th ({date}) is not a weekday, so the deadline moves to the next weekday."),
    ("dash.internal_cutoff", "Intern sista dag", "Internal cut-off"),
    ("dash.internal_text", "Er organisation samlar in redovisningarna för {month} senast {date}.", "Your organisation collects the {month} reports by {date}."),
    ("dash.internal_many", "Organisationerna har egna interna sista dagar; varje brukares rad visar sin.", "Organisations set their own cut-off; the row of each user shows its own."),
    ("dash.sum.users", "Brukare", "Assistance users"),
    ("dash.sum.on_time", "Rapporter i tid", "Reports on time"),
    ("dash.sum.late", "Sena rapporter", "Reports late"),
    ("dash.sum.corrected", "Rättade efter sista dagen", "Corrected after deadline"),
    ("dash.sum.missing", "Rapporter saknas", "Reports missing"),
    ("dash.sum.invoices_missing", "Fakturor saknas", "Invoices missing"),
    ("dash.sum.invoices_not_yet_due", "Fakturor ej förfallna", "Invoices not yet due"),
    ("dash.sum.invoices_stale", "Inaktuella fakturor", "Invoices out of date"),
    ("dash.sum.ready", "Månader klara att stänga", "Months ready to close"),
    ("dash.sum.closed", "Stängda månader", "Months closed"),
    ("dash.sum.granted", "Beviljade timmar", "Granted hours"),
    ("dash.sum.reported", "Redovisade betalda timmar", "Reported payable hours"),
    ("dash.report.on_time", "I tid", "On time"),
    ("dash.report.late", "Sen", "Late"),
    ("dash.report.corrected_after_deadline", "Rättad efter sista dagen", "Corrected after deadline"),
    ("dash.report.missing", "Saknas", "Missing"),
    ("dash.invoice.current", "Aktuell", "Up to date"),
    ("dash.invoice.stale", "Inaktuell", "Out of date"),
    ("dash.invoice.not_yet_due", "Ej förfallen", "Not yet due"),
    ("dash.invoice.missing", "Saknas", "Missing"),
    ("dash.month.open", "Öppen", "Open"),
    ("dash.month.ready", "Klar att stänga", "Ready to close"),
    ("dash.month.closed", "Stängd", "Closed"),
    ("dash.warning.working_time_exceeded", "Arbetstiden överskriden", "Working time exceeded"),
    ("dash.warning.assistant_under_18", "Assistent under 18", "Assistant under 18"),
    ("dash.warning.assistant_outside_eea", "Assistent utanför EES", "Assistant outside the EEA"),
    ("dash.warning.hospital_stay", "Sjukhusvistelse", "Hospital stay"),
    ("dash.warning.over_grant", "Över beviljade timmar", "Over the grant"),
    ("dash.warning.assistant_not_registered_with_fk", "Assistent ej anmäld till FK", "Assistant not registered with FK"),
    ("dash.warning.no_agreement", "Avtal saknas", "No agreement"),
    ("dash.warning.agreement_not_sent_to_fk", "Avtal ej skickat till FK", "Agreement not sent to FK"),
    ("dash.none", "Inga", "None"),
    ("dash.version", "version {n}", "version {n}"),
    ("dash.report_received", "Rapporten har kommit in", "Report received"),
    ("dash.col.user", "Brukare", "Assistance user"),
    ("dash.col.organisation", "Organisation", "Organisation"),
    ("dash.col.granted", "Beviljade timmar", "Granted hours"),
    ("dash.col.reported", "Redovisade betalda timmar", "Reported payable hours"),
    ("dash.col.report", "Tidsredovisning", "Time report"),
    ("dash.col.invoice", "Faktura", "Invoice"),
    ("dash.col.month", "Månad", "Month"),
    ("dash.col.cutoff", "Intern sista dag", "Internal cut-off"),
    ("dash.col.warnings", "Varningar", "Warnings"),
    ("dash.col.links", "Dokument", "Documents"),
    ("dash.col.assistant", "Assistent", "Assistant"),
    ("dash.col.rule", "Regel", "Rule"),
    ("dash.col.period", "Period", "Period"),
    ("dash.col.hours_per_week", "Timmar per vecka", "Hours per week"),
    ("dash.col.limit", "Gräns", "Limit"),
    ("dash.col.difference", "Skillnad", "Difference"),
    ("dash.col.cum_granted", "Beviljat totalt", "Cumulative granted"),
    ("dash.col.cum_reported", "Redovisat totalt", "Cumulative reported"),
    ("dash.col.amount", "Belopp (kr)", "Amount (SEK)"),
    ("dash.col.over_grant", "Över beviljat för perioden", "Over grant period"),
    ("dash.caption", "Redovisningar för {month}: {users} med beslut som täcker månaden ({orgs})", "Reports for {month}: {users} with a decision covering the month ({orgs})"),
    ("dash.link.status", "Månadsstatus", "Month status"),
    ("dash.link.month_pdf", "Månadens PDF (tidsredovisningar och faktura)", "Month PDF (time reports and invoice)"),
    ("dash.links_of", "Dokument för {name}", "Documents of {name}"),
    ("dash.status_heading", "Månadsstatus för {name}, {month}", "Month status of {name}, {month}"),
    ("dash.status_state", "Läge: {state}", "State: {state}"),
    ("dash.status_closed_at", "Stängd {date} av {actor}.", "Closed on {date} by {actor}."),
    ("dash.status_nothing_missing", "Inget saknas: månaden kan stängas och skickas till Försäkringskassan.", "Nothing is missing: the month can be closed and sent to Försäkringskassan."),
    ("dash.status_missing_heading", "Det här saknas innan månaden kan stängas", "Missing before the month can be closed"),
    ("dash.missing.time_report_missing", "Tidsredovisning saknas för månaden.", "No time report for the month."),
    ("dash.missing.invoice_missing", "Räkning saknas för månaden.", "No invoice for the month."),
    ("dash.missing.invoice_stale", "Räkningen stämmer inte längre med tidsredovisningen; skapa räkningen igen.", "The invoice no longer matches the time report; create it again."),
    ("dash.missing.assistant_not_registered_with_fk", "{assistant} var inte anmäld till Försäkringskassan före sitt första pass.", "{assistant} was not registered with Försäkringskassan before their first shift."),
    ("dash.missing.employment_contract_missing", "Anställningsavtal saknas för {assistant}.", "No employment contract on file for {assistant}."),
    ("dash.missing.signature_missing.assistant", "{assistant} har inte attesterat sin tidsredovisning.", "{assistant} has not attested their time report."),
    ("dash.missing.signature_missing.employer", "Arbetsgivarens underskrift saknas på tidsredovisningen för {assistant}.", "The employer's signature is missing on the time report of {assistant}."),
    ("dash.missing.invoice_signature_missing", "Räkningen är inte underskriven av brukaren eller en behörig företrädare.", "The invoice is not signed by the assistance user or an authorised representative."),
    ("dash.missing.agreement_missing", "Inget avtal med brukaren gäller för månaden (Försäkringskassans blankett 3079).", "No agreement with the assistance user covers the month (Försäkringskassan form 3079)."),
    ("dash.unknown_assistant", "Assistent {id}", "Assistant {id}"),
    ("dash.chart_status", "Timmarna för {name} visas under tabellen.", "Showing the hours of {name} below the table."),
    ("dash.chart_heading", "Timmar för {name}, {range}", "Hours of {name}, {range}"),
    ("dash.chart_title", "Beviljade och redovisade betalda timmar per månad, {name}, {range}", "Granted and reported payable hours per month, {name}, {range}"),
    ("dash.chart_desc", "Två staplar per månad: beviljade timmar (randiga) och redovisade betalda timmar (fyllda). Samma siffror finns i tabellen nedanför.", "Two bars per month: granted hours (hatched) and reported payable hours (solid). The same figures are in the table below."),
    ("dash.series.granted", "beviljat", "granted"),
    ("dash.series.reported", "redovisat betalt", "reported payable"),
    ("dash.over_grant_mark", "{month}: periodens beviljade timmar överskreds", "{month}: the grant period's hours were exceeded"),
    ("dash.legend", "Förklaring", "Legend"),
    ("dash.legend.granted", "Beviljade timmar (randiga)", "Granted hours (hatched)"),
    ("dash.legend.reported", "Redovisade betalda timmar (fyllda)", "Reported payable hours (solid)"),
    ("dash.figures_caption", "Diagrammets siffror: {name}, {range} (timmar; skillnad = beviljat − redovisat)", "Figures of the chart: {name}, {range} (hours; difference = granted − reported)"),
    ("dash.no_rate", "Inget timbelopp", "No rate"),
    ("dash.yes", "Ja", "Yes"),
    ("dash.no", "Nej", "No"),
    ("dash.period", "Beviljandeperiod {start} – {end}: ", "Grant period {start} – {end}: "),
    ("dash.period_figures", "beviljat {granted} h, redovisat {reported} h, kvar {remaining} h", "granted {granted} h, reported {reported} h, remaining {remaining} h"),
    ("dash.period_projected", "; i nuvarande takt {hours} h vid periodens slut", "; at the current pace {hours} h by the end of the period"),
    ("dash.period_projected_over", "; i nuvarande takt {hours} h vid periodens slut — mer än beviljat", "; at the current pace {hours} h by the end of the period — more than granted"),
    ("dash.invalid_month", "Ogiltig månad", "Invalid month"),
    ("dash.invalid_month_detail", "Skriv månaden som ÅÅÅÅ-MM, t.ex. 2026-10.", "Write the month as YYYY-MM, e.g. 2026-10."),
    // The dashboard's "Att göra" (reminders.js)
    ("dash.todo.heading", "Att göra", "To do"),
    ("dash.todo.hint", "Det Försäkringskassan måste ha, och när: försenat, inom 7 dagar, och födelsedagar inom 60 dagar. FK skickar inga påminnelser.", "What Försäkringskassan must have, and by when: overdue, due within 7 days, and birthdays within 60 days. FK sends no reminders."),
    ("dash.todo.nothing", "Inget ska in inom 7 dagar, och inget är försenat.", "Nothing is due within 7 days, and nothing is overdue."),
    ("dash.todo.caption_one", "{n} öppen uppgift, efter sista dag", "{n} open obligation, by due date"),
    ("dash.todo.caption_other", "{n} öppna uppgifter, efter sista dag", "{n} open obligations, by due date"),
    ("dash.todo.first", "(de {n} första visas)", "(the first {n} shown)"),
    ("dash.todo.show_all", "Visa alla {n}", "Show all {n}"),
    ("dash.todo.show_first", "Visa bara de {n} första", "Show only the first {n}"),
    ("dash.todo.col.due", "Sista dag", "Due"),
    ("dash.todo.col.days_left", "Dagar kvar", "Days left"),
    ("dash.todo.col.what", "Vad", "What"),
    ("dash.todo.due_internal", "{due} (internt {internal})", "{due} (internal {internal})"),
    ("dash.todo.overdue", "Försenad", "Overdue"),
    ("dash.todo.due_soon", "Snart", "Due soon"),
    ("dash.todo.upcoming", "Kommande", "Upcoming"),
    ("dash.todo.kind.time_report_missing", "Tidsredovisning saknas", "Time report missing"),
    ("dash.todo.kind.invoice_missing", "Faktura saknas", "Invoice missing"),
    ("dash.todo.kind.invoice_stale", "Faktura inaktuell", "Invoice out of date"),
    ("dash.todo.kind.change_notice", "Ändringsanmälan till FK", "Change notice to FK"),
    ("dash.todo.kind.turns_18", "Fyller 18", "Turns 18"),
    ("dash.todo.kind.turns_66", "Fyller 66", "Turns 66"),
    // Upload (Ladda upp tidrapport)
    ("upload.title", "Ladda upp tidrapport", "Upload time report"),
    ("upload.lede", "Välj filen med månadens pass, som CSV eller Excel-arbetsbok. Du ser först vad som skulle sparas och alla fel, med rad och kolumn; inget sparas förrän du bekräftar.", "Choose the file with the month's shifts, as CSV or an Excel workbook. You first see what would be stored and every fault, with line and column; nothing is stored until you confirm."),
    ("upload.template", "Mall att fylla i:", "Template to fill in:"),
    ("upload.template_xlsx", "Excel (.xlsx)", "Excel (.xlsx)"),
    ("upload.template_csv", "CSV (semikolonavgränsad)", "CSV (semicolon-separated)"),
    ("upload.file", "Fil med tidrapporten", "File with the time report"),
    ("upload.file_hint", "CSV (semikolonavgränsad, Windows-1252 eller UTF-8) eller Excel-arbetsbok (.xlsx). En rad per pass; se mallen.", "CSV (semicolon-separated, Windows-1252 or UTF-8) or an Excel workbook (.xlsx). One row per shift; see the template."),
    ("upload.reason", "Skäl till rättelsen", "Reason for the correction"),
    ("upload.reason_hint", "Filen ersätter en redan sparad månad med andra rader. Skriv varför; skälet sparas med den nya versionen.", "The file replaces a stored month with other rows. Say why; the reason is kept with the new version."),
    ("upload.check", "Granska filen", "Check the file"),
    ("upload.confirm", "Spara tidrapporten", "Store the time report"),
    ("upload.checking", "Granskar filen…", "Checking the file…"),
    ("upload.saving", "Sparar…", "Storing…"),
    ("upload.no_file", "Välj en fil först.", "Choose a file first."),
    ("upload.reason_needed", "Ange ett skäl till rättelsen och granska filen igen.", "Give a reason for the correction and check the file again."),
    ("upload.dry_run_heading", "Granskning: inget är sparat ännu", "Check: nothing is stored yet"),
    ("upload.dry_run_ok", "Filen har {rows} rader och inga fel. Kontrollera sammanställningen och spara.", "The file has {rows} rows and no faults. Check the summary and store it."),
    ("upload.nothing_new", "Inget nytt att spara: varje månad i filen är redan sparad med samma rader.", "Nothing new to store: every month in the file is already stored with the same rows."),
    ("upload.stored_heading", "Sparat", "Stored"),
    ("upload.stored", "Tidrapporten är sparad: {n} månad(er).", "The time report is stored: {n} month(s)."),
    ("upload.to_dashboard", "Se månaden på översikten", "See the month on the dashboard"),
    ("upload.faults_heading", "Filen har fel: inget sparades", "The file has faults: nothing was stored"),
    ("upload.faults_lede", "Rätta felen i filen och ladda upp den igen.", "Correct the faults in the file and upload it again."),
    ("upload.faults_omitted", "Ytterligare {n} fel visas inte.", "{n} more faults are not shown."),
    ("upload.correction_heading", "Månaden finns redan", "The month already exists"),
    ("upload.correction_lede", "Filen ersätter sparade månader med andra rader. Ange ett skäl till rättelsen och granska filen igen.", "The file replaces stored months with other rows. Give a reason for the correction and check the file again."),
    ("upload.col.user", "Brukare", "Assistance user"),
    ("upload.col.month", "Månad", "Month"),
    ("upload.col.rows", "Rader", "Rows"),
    ("upload.col.payable", "Betalda timmar", "Payable hours"),
    ("upload.col.on_time", "I tid", "On time"),
    ("upload.col.result", "Resultat", "Result"),
    ("upload.col.line", "Rad", "Line"),
    ("upload.col.column", "Kolumn", "Column"),
    ("upload.col.cell", "Cell", "Cell"),
    ("upload.col.fault", "Fel", "Fault"),
    ("upload.col.warning", "Varning", "Warning"),
    ("upload.summary_caption", "Per brukare och månad", "Per assistance user and month"),
    ("upload.faults_caption", "Alla fel, med rad och kolumn i filen", "Every fault, with line and column in the file"),
    ("upload.warnings_caption", "Varningar (sparas ändå)", "Warnings (stored all the same)"),
    ("upload.new", "Ny", "New"),
    ("upload.new_version", "Ny version (rättelse)", "New version (correction)"),
    ("upload.unchanged", "Oförändrad, redan sparad", "Unchanged, already stored"),
    ("upload.yes", "Ja", "Yes"),
    ("upload.no_late", "Nej, sen", "No, late"),
    ("upload.whole_row", "hela raden", "whole row"),
    ("upload.network", "Servern kunde inte nås. Försök igen.", "The server could not be reached. Try again."),
    ("upload.unknown_user", "Okänd brukare", "Unknown user"),
    ("upload.session_expired", "Du är inte inloggad längre (sessionen har gått ut). Inget sparades. Logga in igen och välj filen på nytt.", "You are no longer signed in (the session has expired). Nothing was stored. Sign in again and choose the file again."),
    ("upload.sign_in_again", "Logga in igen", "Sign in again"),
    ("upload.stale_page", "Sidan hör till en inloggning som har ersatts av en nyare. Inget sparades. Ladda om sidan och välj filen på nytt.", "The page belongs to a sign-in that a newer one replaced. Nothing was stored. Reload the page and choose the file again."),
    ("upload.reload", "Ladda om sidan", "Reload the page"),
    ("upload.see_lines", "Se rad {lines}.", "See line {lines}."),
    // Faults and warnings of a file, by code (the server's own message is
    // English; the page shows these on a Swedish page).
    ("fault.empty_file", "Filen är tom.", "The file is empty."),
    ("fault.no_rows", "Filen har en rubrikrad men inga pass.", "The file has a header row but no shifts."),
    ("fault.unreadable_csv", "Filen kunde inte läsas som CSV.", "The file could not be read as CSV."),
    ("fault.unreadable_workbook", "Filen är ingen läsbar Excel-arbetsbok (.xlsx).", "The file is not a readable Excel workbook (.xlsx)."),
    ("fault.unsupported_encoding", "Filen är sparad som Unicode-text (UTF-16). Spara den som CSV (semikolonavgränsad) eller CSV UTF-8.", "The file is saved as Unicode text (UTF-16). Save it as CSV (semicolon-separated) or CSV UTF-8."),
    ("fault.unknown_column", "Okänd kolumn. Kolumnerna är brukare, assistent, datum, start, slut, typ, dubbel och sjukhus; ta bort andra kolumner.", "Unknown column. The columns are brukare, assistent, datum, start, slut, typ, dubbel and sjukhus; remove other columns."),
    ("fault.duplicate_column", "Kolumnen finns två gånger.", "The column appears twice."),
    ("fault.missing_column", "En kolumn som krävs saknas i rubrikraden.", "A required column is missing from the header row."),
    ("fault.unexpected_value", "Ett värde står i en kolumn utan rubrik.", "A value is in a column without a header."),
    ("fault.missing_value", "Värdet saknas.", "The value is missing."),
    ("fault.personnummer_as_number", "Excel har gjort personnumret till ett tal och siffror har gått förlorade. Formatera kolumnen som text och skriv numret igen, gärna med bindestreck.", "Excel turned the personnummer into a number and digits were lost. Format the column as text and enter the number again, preferably with a hyphen."),
    ("fault.invalid_personnummer", "Personnumret är inte giltigt.", "The personnummer is not valid."),
    ("fault.invalid_checksum", "Personnumrets kontrollsiffra stämmer inte.", "The personnummer's check digit is wrong."),
    ("fault.invalid_format", "Formatet är fel.", "The format is wrong."),
    ("fault.unknown_assistance_user", "Det finns ingen brukare med det personnumret i er organisation.", "No assistance user with that personnummer in your organisation."),
    ("fault.unknown_assistant", "Det finns ingen assistent med det personnumret i er organisation.", "No assistant with that personnummer in your organisation."),
    ("fault.missing_assistant", "Assistent saknas.", "The assistant is missing."),
    ("fault.not_employed", "Assistenten är inte anställd hos brukaren den dagen.", "The assistant is not employed for this assistance user on that day."),
    ("fault.invalid_date", "Datumet är inte giltigt. Skriv det som 2026-10-01.", "The date is not valid. Write it as 2026-10-01."),
    ("fault.invalid_time", "Klockslaget är inte giltigt. Skriv hela minuter, t.ex. 07:00.", "The clock time is not valid. Write whole minutes, e.g. 07:00."),
    ("fault.nonexistent_local_time", "Klockslaget finns inte den dagen (sommartid börjar).", "The clock time does not exist on that day (summer time begins)."),
    ("fault.invalid_kind", "Okänd typ. Skriv aktiv, väntetid eller beredskap.", "Unknown kind. Write aktiv, väntetid or beredskap."),
    ("fault.invalid_yes_no", "Skriv ja eller nej.", "Write ja or nej (yes or no)."),
    ("fault.invalid_month", "Månaden är inte giltig.", "The month is not valid."),
    ("fault.month_in_future", "Månaden har inte börjat än.", "The month has not begun yet."),
    ("fault.date_outside_month", "Datumet ligger utanför månaden.", "The date is outside the month."),
    ("fault.month_closed", "Månaden är stängd. Öppna den igen eller ta bort dess rader ur filen.", "The month is closed. Reopen it or leave its rows out of the file."),
    ("fault.overlapping_shifts", "Passet överlappar samma assistents pass på en annan rad.", "The shift overlaps the same assistant's shift on another line."),
    ("fault.overlaps_stored_report", "Passet överlappar samma assistents pass hos en annan brukare.", "The shift overlaps the same assistant's shift for another assistance user."),
    ("fault.overlaps_other_employer", "Passet överlappar samma assistents pass hos en annan arbetsgivare.", "The shift overlaps the same assistant's shift with another employer."),
    ("fault.day_over_24h", "Mer än 24 timmar samma dag.", "More than 24 hours on one day."),
    ("fault.double_not_granted", "Dubbel assistans är inte beviljad.", "Double assistance is not granted."),
    ("fault.double_without_overlap", "Dubbel assistans kräver ett samtidigt pass av en annan assistent.", "Double assistance needs a simultaneous shift by another assistant."),
    ("fault.month_in_progress", "Månaden är inte slut än.", "The month has not ended yet."),
    ("fault.late_not_payable", "Rapporten kommer in för sent.", "The report arrives late."),
    ("fault.assistant_not_registered_with_fk", "Assistenten är inte anmäld till Försäkringskassan.", "The assistant is not registered with Försäkringskassan."),
    ("fault.no_decision", "Brukaren har inget beslut som täcker månaden.", "The assistance user has no decision covering the month."),
    ("fault.assistant_under_18", "Assistenten är under 18 år.", "The assistant is under 18."),
    ("fault.assistant_outside_eea", "Assistenten bor utanför EES.", "The assistant lives outside the EEA."),
    ("fault.hospital_stay", "Passet är under sjukhusvistelse.", "The shift is during a hospital stay."),
    ("fault.clock_times_assumed", "Klockslagen är antagna.", "The clock times are assumed."),
    ("fault.working_time_exceeded", "Assistentens arbetstid överskrider gränsen.", "The assistant's working time exceeds the limit."),
    ("fault.over_grant", "Fler timmar än beviljat.", "More hours than granted."),
    ("fault.unmarked_double_assistance", "Två assistenter arbetar samtidigt utan att passen är markerade som dubbel assistans; den tiden betalas bara där dubbel assistans är beviljad.", "Two assistants work at the same time without the shifts marked as double assistance; that time is paid only where double assistance is granted."),
    ("fault.double_over_grant", "Mer dubbel assistans än beviljat under beslutsperioden.", "More double assistance than granted in the grant period."),
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

    /// Every code of docs/validation-rules.md has a Swedish text for the
    /// upload page, so no fault falls back to the API's English message.
    #[test]
    fn every_documented_fault_has_a_swedish_text() {
        let rules = include_str!("../../docs/validation-rules.md");
        // Answered otherwise than as a fault of a line.
        let elsewhere = [
            "correction_reason_required",
            "idempotency_key_reused",
            "invalid_idempotency_key",
        ];
        let missing: Vec<&str> = rules
            .lines()
            .filter_map(|l| l.strip_prefix("### `")?.split('`').next())
            .filter(|code| !elsewhere.contains(code))
            .filter(|code| {
                !MESSAGES
                    .iter()
                    .any(|(k, _, _)| *k == format!("fault.{code}"))
            })
            .collect();
        assert!(missing.is_empty(), "no fault.<code> text: {missing:?}");
    }

    /// Every code a month status can list (`service::months::Missing`) has
    /// words on the dashboard, so its status panel never shows a code.
    #[test]
    fn every_month_status_code_has_words() {
        let doc = include_str!("../service/months.rs");
        // The codes are listed in the doc comment of `Missing::code`.
        let codes: Vec<&str> = doc
            .split("pub struct Missing {")
            .nth(1)
            .and_then(|rest| rest.split("pub code: String").next())
            .expect("Missing::code is documented")
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|c| !["assistant_id", "role"].contains(c))
            .collect();
        assert!(codes.len() >= 8, "{codes:?}");
        for code in codes {
            let key = if code == "signature_missing" {
                "dash.missing.signature_missing.assistant".to_string()
            } else {
                format!("dash.missing.{code}")
            };
            assert!(!t(Lang::Sv, &key).is_empty(), "{key}");
        }
        assert!(!t(Lang::Sv, "dash.missing.signature_missing.employer").is_empty());
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
