//! Request extractors that turn every client mistake into a precise problem:
//! malformed JSON is 400, wrong types and unknown fields are 422 with the
//! JSON pointer of the offending value.

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::domain::text;
use crate::error::{ApiError, FieldError};

/// A JSON body deserialised with the path of any error kept.
#[derive(Debug)]
pub struct Json<T>(pub T);

/// Upper bound for JSON bodies; set from `REDOVISA_MAX_BODY_BYTES`.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map(|l| l.0)
            .unwrap_or(32 * 1024 * 1024);
        let content_type_ok = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::unsupported_media_type(
                    "Send the body as `Content-Type: application/json`.",
                ));
            }
            let bytes = body.await.map_err(|e| payload_error(e, limit))?;
            if bytes.len() > limit {
                return Err(too_large(limit));
            }
            let parsed = parse_json(&bytes).map(Json)?;
            if req.headers().contains_key("Idempotency-Key") {
                use actix_web::HttpMessage;
                req.extensions_mut()
                    .insert(super::idempotent::BodyHash(canonical_hash(&bytes)));
            }
            Ok(parsed)
        })
    }
}

/// SHA-256 of a JSON body with its keys sorted and no insignificant
/// whitespace: a retry that spells the same JSON otherwise is the same
/// request (serde_json's maps are ordered by key).
fn canonical_hash(bytes: &[u8]) -> String {
    let canonical = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| serde_json::to_vec(&v).ok());
    crate::db::sha256_hex(canonical.as_deref().unwrap_or(bytes))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::payload_too_large(format!(
        "The request body exceeds the limit of {limit} bytes."
    ))
}

fn payload_error(e: actix_web::Error, limit: usize) -> ApiError {
    let status = e.as_response_error().status_code();
    if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::bad_request("unreadable_body", "The request body could not be read.")
    }
}

/// Deserialises JSON; syntax errors are 400, data errors 422 with a pointer,
/// control characters in any string 422 `invalid_character` at each one.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if may_hold_control(bytes) {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
            let mut faults = Vec::new();
            control_faults(&value, &mut String::new(), &mut faults);
            if !faults.is_empty() {
                return Err(ApiError::invalid_characters(faults));
            }
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let pointer = pointer_of(err.path());
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = clean_message(&inner.to_string());
                let (pointer, code) = refine(&pointer, &message);
                let message = date::code_of(&message)
                    .or_else(|| message.strip_prefix(NOT_NULL))
                    .map_or(message.clone(), str::to_string);
                ApiError::validation(vec![FieldError::at(pointer, code, message)])
            }
            _ => ApiError::bad_request(
                "malformed_json",
                format!("The body is not valid JSON: {inner}."),
            ),
        }
    })
}

/// A cheap scan that rules out control characters in most bodies, so only
/// the rare suspect is parsed twice. In valid JSON a control character in a
/// string is an escape `\u00XX`/`\u007F`..`\u009F`, or the raw UTF-8 of
/// DEL or C1 (raw C0 bytes are a syntax error). False alarms are harmless.
fn may_hold_control(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| {
        w[0] == b'\\'
            && w[1] == b'u'
            && w[2] == b'0'
            && w[3] == b'0'
            && matches!(w[4], b'0' | b'1' | b'7' | b'8' | b'9')
    }) || bytes.contains(&0x7f)
        || bytes
            .windows(2)
            .any(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]))
}

/// Every string (and object key) of `value` with a forbidden character, as
/// a fault at its JSON pointer.
fn control_faults(value: &serde_json::Value, at: &mut String, out: &mut Vec<FieldError>) {
    use serde_json::Value;
    let fault = |at: &str, c: char| FieldError::at(at, text::INVALID_CHARACTER, text::message(c));
    match value {
        Value::String(s) => {
            if let Some(c) = text::first_forbidden(s) {
                out.push(fault(at, c));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                control_faults(item, at, out);
                at.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                if let Some(c) = text::first_forbidden(key) {
                    out.push(fault(at, c));
                }
                control_faults(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// `rows[3].end` → `/rows/3/end` (RFC 6901 escaping).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { variant } => {
                out.push('/');
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Marks the message of a `null` that [`present`] refuses.
const NOT_NULL: &str = "null_not_allowed: ";

/// A PATCH field that may be left out (keeping the stored value) but not
/// cleared, with `#[serde(default)]`: `null` is 422 `null_not_allowed` at
/// the field rather than silently read as "left out".
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::de::Error;
    use serde::Deserialize;
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(D::Error::custom(format!(
            "{NOT_NULL}this field cannot be cleared; leave it out to keep its value"
        ))),
    }
}

/// Serde helpers for the dates of register records: a date outside
/// 1900–2100 (`domain::register::check_date`) is 422 `date_out_of_range` at
/// its pointer, like any other fault of the body's shape.
pub mod date {
    use chrono::NaiveDate;
    use serde::{de::Error, Deserialize, Deserializer};

    use crate::domain::register::check_date;

    /// Marks the message so that [`super::refine`] gives it its code.
    const MARK: &str = "date_out_of_range: ";

    fn checked<E: Error>(d: NaiveDate) -> Result<NaiveDate, E> {
        check_date(d).map_err(|v| E::custom(format!("{MARK}{}", v.message)))
    }

    /// `NaiveDate`.
    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        checked(NaiveDate::deserialize(d)?)
    }

    /// `Option<NaiveDate>` (with `#[serde(default)]`).
    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<NaiveDate>::deserialize(d)?
            .map(checked)
            .transpose()
    }

    /// `Option<NaiveDate>` of a PATCH that may be left out but not cleared
    /// (with `#[serde(default)]`): `null` is 422 `null_not_allowed`.
    pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        super::present::<D, NaiveDate>(d)?.map(checked).transpose()
    }

    /// `Option<Option<NaiveDate>>` of a PATCH (with `#[serde(default)]`):
    /// absent, `null` or a date (see `http::nullable`).
    pub fn nullable<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<NaiveDate>>, D::Error> {
        optional(d).map(Some)
    }

    pub(super) fn code_of(message: &str) -> Option<&str> {
        message.strip_prefix(MARK)
    }
}

/// serde reports a missing field at its parent and an unknown one at itself;
/// point at the field in both cases and give each a stable code.
fn refine(pointer: &str, message: &str) -> (String, &'static str) {
    if let Some(name) = between(message, "missing field `", "`") {
        return (format!("{pointer}/{name}"), "missing_field");
    }
    if message.starts_with("unknown field") {
        return (pointer.to_string(), "unknown_field");
    }
    if date::code_of(message).is_some() {
        return (pointer.to_string(), "date_out_of_range");
    }
    if message.starts_with(NOT_NULL) {
        return (pointer.to_string(), "null_not_allowed");
    }
    if message.starts_with("unknown variant") {
        return (pointer.to_string(), "invalid_value");
    }
    // chrono's messages for a well-formed but impossible or garbled date.
    if [
        "input is out of range",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
    ]
    .iter()
    .any(|m| message.contains(m))
    {
        return (pointer.to_string(), "invalid_date");
    }
    (pointer.to_string(), "invalid_type")
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// Drops serde_json's " at line X column Y" suffix: the pointer says where.
fn clean_message(m: &str) -> String {
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m.to_string(),
    }
}

/// Query parameters deserialised with the name of a bad parameter kept, so
/// that the 422 says which one (actix's own `Query` loses it).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned>(qs: &str) -> Result<T, ApiError> {
    let faults: Vec<FieldError> = form_urlencoded_parse(qs)
        .flat_map(|(k, v)| {
            let c = text::first_forbidden(&k).or_else(|| text::first_forbidden(&v))?;
            Some(FieldError::field(
                k.into_owned(),
                text::INVALID_CHARACTER,
                text::message(c),
            ))
        })
        .collect();
    if !faults.is_empty() {
        return Err(ApiError::invalid_characters(faults));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(qs));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let field = err
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                _ => None,
            })
            .next_back();
        let message = err.into_inner().to_string();
        let field = field.or_else(|| between(&message, "field `", "`").map(str::to_string));
        let code = if message.starts_with("missing field") {
            "missing_parameter"
        } else {
            "invalid_parameter"
        };
        let name = field.unwrap_or_else(|| "query".to_string());
        ApiError::validation(vec![FieldError::field(
            name.clone(),
            code,
            format!("Query parameter `{name}`: {message}."),
        )])
    })
}

fn form_urlencoded_parse(qs: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(qs.as_bytes())
}

/// The `Idempotency-Key` header, if sent.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = v.to_str().map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::validation(vec![FieldError::field(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "The Idempotency-Key header must be 1–200 visible ASCII characters.",
        )]));
    }
    Ok(Some(key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Row {
        start: String,
        n: u32,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        rows: Vec<Row>,
    }

    fn err(body: &str) -> ApiError {
        parse_json::<Body>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn syntax_is_400() {
        assert_eq!(err("{\"rows\": [").status.as_u16(), 400);
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let e = err(r#"{"rows": [{"start": "07:00", "n": 1}, {"start": 7, "n": 1}]}"#);
        assert_eq!(e.status.as_u16(), 422);
        assert_eq!(e.errors[0].pointer.as_deref(), Some("/rows/1/start"));
        assert_eq!(e.errors[0].code, "invalid_type");
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Q {
        limit: Option<i64>,
        late: Option<bool>,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = parse_query::<Q>("limit=10&late=maybe").unwrap_err();
        assert_eq!(e.errors[0].field.as_deref(), Some("late"));
        let e = parse_query::<Q>("limit=abc").unwrap_err();
        assert_eq!(e.errors[0].field.as_deref(), Some("limit"));
        assert!(parse_query::<Q>("limit=5").is_ok());
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct D {
        day: chrono::NaiveDate,
    }

    #[test]
    fn impossible_dates_are_invalid_date() {
        let e = parse_json::<D>(br#"{"day": "2026-13-01"}"#).unwrap_err();
        assert_eq!(e.errors[0].code, "invalid_date");
        assert_eq!(e.errors[0].pointer.as_deref(), Some("/day"));
    }

    #[test]
    fn missing_and_unknown_fields() {
        let e = err(r#"{"rows": [{"start": "07:00"}]}"#);
        assert_eq!(e.errors[0].pointer.as_deref(), Some("/rows/0/n"));
        assert_eq!(e.errors[0].code, "missing_field");
        let e = err(r#"{"rows": [], "extra": 1}"#);
        assert_eq!(e.errors[0].pointer.as_deref(), Some("/extra"));
        assert_eq!(e.errors[0].code, "unknown_field");
    }
}
