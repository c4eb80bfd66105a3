//! One error type for the HTTP API, rendered as RFC 9457
//! `application/problem+json`. The client sees a stable `code`, a human
//! `detail` and, for validation failures, every fault with its location; the
//! underlying cause of a server error is logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One fault in a request: where it is (`pointer` into the JSON body, or a
/// query/path `field`, or a CSV `line`/`column` in `extra`), a stable code
/// and a message.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub code: String,
    pub message: String,
    /// Extra, code-specific members (`claimed`, `computed`, `line`, ...).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

impl FieldError {
    /// A fault at a JSON pointer into the request body (`/rows/3/end`).
    pub fn at(
        pointer: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            pointer: Some(pointer.into()),
            field: None,
            code: code.into(),
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// A fault in a query or path parameter.
    pub fn field(
        name: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            pointer: None,
            field: Some(name.into()),
            code: code.into(),
            message: message.into(),
            extra: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }
}

/// The problem document as sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:redovisa:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Stable machine-readable code, the last part of `type`.
    pub code: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub extra: Map<String, Value>,
    /// Extra response headers (e.g. `Allow` on 405); boxed to keep the
    /// error small, as it is returned everywhere.
    headers: Option<Box<[(&'static str, String)]>>,
    /// Logged for 5xx, never sent.
    source: Option<anyhow::Error>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            extra: Map::new(),
            headers: None,
            source: None,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        let mut headers = self.headers.take().map(Vec::from).unwrap_or_default();
        headers.push((name, value));
        self.headers = Some(headers.into_boxed_slice());
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    /// 422 with every fault found.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let n = errors.len();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            if n == 1 {
                format!("The request has 1 error: {}", errors[0].message)
            } else {
                format!("The request has {n} errors; see `errors`.")
            },
        );
        e.errors = errors;
        e
    }
    /// 422 `invalid_character`: text with a control character, every place
    /// of one in `errors` (each with the code `invalid_character`).
    pub fn invalid_characters(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_character",
            "Text may not hold control characters other than tab, CR and LF; see `errors`.",
        );
        e.errors = errors;
        e
    }
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", detail)
    }
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            detail,
        )
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An internal error occurred; it has been logged.",
        );
        e.source = Some(source.into());
        e
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:redovisa:problem:{}", self.code),
            code: self.code.to_string(),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            extra: self.extra.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(source) = &self.source {
            // Causes are database/IO errors; they carry no request bodies.
            tracing::error!(error = %format!("{source:#}"), "request failed");
        }
        let mut res = HttpResponse::build(self.status);
        for (name, value) in self.headers.iter().flat_map(|h| h.iter()) {
            res.insert_header((*name, value.as_str()));
        }
        res.content_type(PROBLEM_JSON).json(self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found("Record"),
            // Unique constraints are the last word on duplicates; say which
            // record class without echoing values (they may be personnummer).
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::conflict(
                "duplicate",
                "A record with the same identity already exists in this organisation.",
            ),
            // References are checked before writing; what remains is a token
            // naming an organisation that does not exist.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::unprocessable(
                    "unknown_reference",
                    "A referenced record does not exist (is the token's organisation registered?).",
                )
            }
            // SQLite's busy timeout ran out behind a long write (e.g. a big
            // CSV import): the request can be retried.
            Error::DatabaseError(_, ref info) if info.message().contains("database is locked") => {
                ApiError::unavailable("The database is busy with another write; retry the request.")
                    .with_header("Retry-After", "5".to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::unavailable("Concurrent update; retry the request.")
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::error!(error = %e, "database pool");
        ApiError::unavailable("The database is not reachable right now.")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_shape() {
        let e = ApiError::validation(vec![
            FieldError::at("/rows/3/end", "invalid_time", "bad").with("line", 4)
        ]);
        let v = serde_json::to_value(e.problem()).unwrap();
        assert_eq!(v["type"], "urn:redovisa:problem:validation_failed");
        assert_eq!(v["status"], 422);
        assert_eq!(v["errors"][0]["pointer"], "/rows/3/end");
        assert_eq!(v["errors"][0]["line"], 4);
        assert!(v["errors"][0].get("field").is_none());
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::internal(anyhow::anyhow!("secret detail"));
        let v = serde_json::to_value(e.problem()).unwrap();
        assert!(!v.to_string().contains("secret detail"));
        assert_eq!(v["status"], 500);
    }
}
