//! Request id and access log. The log line carries method, path, the query
//! string and status, never the body. Paths and query strings can hold
//! personal data (a personnummer put in the path by mistake,
//! `?personnummer=`, `?correction_reason=`), so the line shows them
//! redacted: personnummer-shaped numbers replaced, and the values of every
//! query parameter not known to be harmless left out.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use crate::domain::redact::{holds_number, redact, REDACTED};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the request being answered, for the audit trail.
    static CURRENT: String;
}

/// The id of the request this task answers (`None` outside a request).
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Query parameters whose values are never personal: kept in the access
/// log. Every other value (`personnummer`, `correction_reason`, `filename`,
/// a parameter the API does not know) is logged as `[redacted]`.
const PLAIN_PARAMETERS: &[&str] = &[
    "limit",
    "cursor",
    "month",
    "from",
    "to",
    "year",
    "status",
    "dry_run",
    "kind",
    "format",
    "version",
    "subject_kind",
    "subject_id",
    "organisation_id",
    "assistance_user_id",
    "assistant_id",
    "employment_id",
];

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = request_id(req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()));
    let span = tracing::info_span!(
        "http",
        request_id = %request_id,
        method = %req.method(),
        path = %redact(loggable_path(req.path())),
    );
    let query = logged_query(req.query_string());
    let started = Instant::now();
    let mut res = CURRENT
        .scope(request_id.clone(), next.call(req).instrument(span.clone()))
        .await?;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            query = query.as_deref(),
            "request"
        )
    });
    Ok(res)
}

/// The path as logged: an invite link's token is a secret, so it is cut.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/invite/") {
        "/invite/{token}"
    } else {
        path
    }
}

/// The caller's id when it is a plain token without a personnummer-shaped
/// number, so logs can be joined across systems; otherwise a fresh one (the
/// id is logged, echoed and kept in the audit trail).
pub fn request_id(sent: Option<&str>) -> String {
    sent.filter(|v| {
        !v.is_empty()
            && v.len() <= 64
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !holds_number(v)
    })
    .map(str::to_string)
    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The query string as logged; `None` when there is none.
fn logged_query(qs: &str) -> Option<String> {
    if qs.is_empty() {
        return None;
    }
    let pairs: Vec<String> = form_urlencoded::parse(qs.as_bytes())
        .map(|(k, v)| {
            if PLAIN_PARAMETERS.contains(&k.as_ref()) {
                format!("{k}={}", redact(&v))
            } else if k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && k.len() <= 40 {
                format!("{k}={REDACTED}")
            } else {
                REDACTED.to_string()
            }
        })
        .collect();
    Some(pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_kept_only_when_harmless() {
        assert_eq!(
            logged_query("limit=5&personnummer=19450312-1206&correction_reason=Gunnel%20sjuk")
                .unwrap(),
            "limit=5&personnummer=[redacted]&correction_reason=[redacted]"
        );
        assert_eq!(
            logged_query("month=2026-10&Gunnel=1").unwrap(),
            "month=2026-10&[redacted]"
        );
        assert_eq!(
            logged_query("cursor=194503121206").unwrap(),
            "cursor=[redacted]"
        );
        assert_eq!(logged_query(""), None);
    }

    #[test]
    fn a_request_id_with_a_personnummer_is_replaced() {
        assert_eq!(request_id(Some("job-42_a")), "job-42_a");
        for sent in ["19450312-1206", "194503121206", "x-4503121206", "", "a b"] {
            let id = request_id(Some(sent));
            assert_ne!(id, sent);
            assert_eq!(id.len(), 36);
        }
    }
}
