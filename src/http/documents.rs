//! Employment documents: the assistant's details (form 3066), employment
//! contracts and ID copies, uploaded per employment as PDF, PNG or JPEG.
//! The bytes are stored once per SHA-256; see `docs/documents.md`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::read_audit::kind as audited;
use super::records::Record;
use super::{new_id, utc_string, AppState};
use crate::db::documents::{self as store, BlobRow, DocumentRow};
use crate::db::register as reg;
use crate::db::sha256_hex;
use crate::domain::text;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};

/// Documents as handlers read and change them by id.
const DOCUMENT: Record<DocumentRow> = Record {
    what: "Document",
    read: store::get_document,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/employments/{id}/documents", web::post().to(upload))
        .route("/employments/{id}/documents", web::get().to(list))
        .route("/documents/{id}", web::get().to(get))
        .route("/documents/{id}/content", web::get().to(content));
}

/// Largest accepted document, in bytes (`REDOVISA_MAX_DOCUMENT_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimit(pub usize);

/// 10 MiB, when no [`DocumentLimit`] is configured.
pub use crate::config::DEFAULT_MAX_DOCUMENT_BYTES;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// *Uppgifter om assistent*, FK form 3066.
    AssistantDetails,
    EmploymentContract,
    /// A copy of the assistant's identity document.
    IdCopy,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::AssistantDetails,
        DocumentKind::EmploymentContract,
        DocumentKind::IdCopy,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            DocumentKind::AssistantDetails => "assistant_details",
            DocumentKind::EmploymentContract => "employment_contract",
            DocumentKind::IdCopy => "id_copy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The accepted file types, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Png,
    Jpeg,
}

impl FileType {
    pub fn mime(&self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
        }
    }

    /// From a declared media type (parameters and case ignored).
    pub fn from_mime(declared: &str) -> Option<Self> {
        let essence = declared
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/pdf" => Some(FileType::Pdf),
            "image/png" => Some(FileType::Png),
            // `image/jpg` and `image/pjpeg` are common misspellings for JPEG.
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(FileType::Jpeg),
            _ => None,
        }
    }

    /// From the magic bytes: `%PDF-`, the PNG signature, or JPEG's SOI
    /// marker followed by a marker byte (`FF D8 FF`).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else {
            None
        }
    }
}

/// A document's metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    pub id: String,
    pub employment_id: String,
    /// `assistant_details`, `employment_contract` or `id_copy`.
    pub kind: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, as detected.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex; also the `ETag` of the content.
    pub sha256: String,
    pub filename: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

impl From<DocumentRow> for Document {
    fn from(r: DocumentRow) -> Self {
        Self {
            id: r.id,
            employment_id: r.employment_id,
            kind: r.kind,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            filename: r.filename,
            uploaded_by: r.uploaded_by,
            uploaded_at: utc_string(r.uploaded_at),
        }
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::payload_too_large(format!("The document exceeds the limit of {limit} bytes."))
        .with("limit_bytes", limit as u64)
}

fn unsupported(what: &str) -> ApiError {
    ApiError::unsupported_media_type(format!(
        "{what} Documents are accepted as PDF (application/pdf), PNG (image/png) or JPEG (image/jpeg)."
    ))
}

fn kind_error(code: &'static str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError::field("kind", code, message)])
}

fn parse_kind(s: Option<&str>) -> ApiResult<DocumentKind> {
    let s = s.map(str::trim).unwrap_or("");
    if s.is_empty() {
        return Err(kind_error(
            "missing_field",
            "`kind` is required: assistant_details, employment_contract or id_copy.",
        ));
    }
    DocumentKind::parse(s).ok_or_else(|| {
        kind_error(
            "invalid_kind",
            "`kind` must be assistant_details, employment_contract or id_copy.",
        )
    })
}

/// A file name as shown back: the last path component, without control
/// characters, at most 200 characters.
fn clean_filename(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().to_string();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The upload, read within the limit.
struct Upload {
    kind: Option<String>,
    /// The declared media type; `None` when a multipart part declared none
    /// (or `application/octet-stream`).
    declared: Option<String>,
    filename: Option<String>,
    bytes: Vec<u8>,
}

async fn read_limited<S, E>(
    mut stream: S,
    limit: usize,
    bad: impl Fn() -> ApiError,
) -> ApiResult<Vec<u8>>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
{
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| bad())?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn unreadable() -> ApiError {
    ApiError::bad_request("unreadable_body", "The request body could not be read.")
}

fn malformed_multipart() -> ApiError {
    ApiError::bad_request(
        "malformed_multipart",
        "The multipart/form-data body could not be parsed.",
    )
}

async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> ApiResult<Upload> {
    let mut mp = actix_multipart::Multipart::new(req.headers(), payload);
    let mut up = Upload {
        kind: None,
        declared: None,
        filename: None,
        bytes: Vec::new(),
    };
    let mut have_file = false;
    while let Some(field) = mp.next().await {
        let field = field.map_err(|_| malformed_multipart())?;
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "kind" => {
                let v = read_limited(field, 100, malformed_multipart)
                    .await
                    .map_err(|_| kind_error("invalid_kind", "`kind` is too long."))?;
                up.kind = Some(String::from_utf8_lossy(&v).into_owned());
            }
            "file" => {
                if have_file {
                    return Err(ApiError::validation(vec![FieldError::field(
                        "file",
                        "duplicate_field",
                        "Send one `file` per upload.",
                    )]));
                }
                have_file = true;
                up.declared = field
                    .content_type()
                    .map(|m| m.essence_str().to_ascii_lowercase())
                    .filter(|m| m != "application/octet-stream");
                let filename = field.content_disposition().and_then(|cd| cd.get_filename());
                if let Some(c) = filename.and_then(text::first_forbidden) {
                    return Err(ApiError::invalid_characters(vec![FieldError::field(
                        "file",
                        text::INVALID_CHARACTER,
                        text::message(c),
                    )]));
                }
                up.filename = filename.and_then(clean_filename);
                up.bytes = read_limited(field, limit, malformed_multipart).await?;
            }
            other => {
                return Err(ApiError::validation(vec![FieldError::field(
                    other.to_string(),
                    "unknown_field",
                    "The form has the fields `kind` and `file` only.",
                )]))
            }
        }
    }
    if !have_file {
        return Err(ApiError::validation(vec![FieldError::field(
            "file",
            "missing_field",
            "The form needs a `file` field with the document.",
        )]));
    }
    Ok(up)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// With a raw body: `assistant_details`, `employment_contract` or `id_copy`.
    pub kind: Option<String>,
    /// With a raw body: the file name to keep with the document.
    pub filename: Option<String>,
}

/// Upload a document for an employment: multipart/form-data with the fields
/// `kind` and `file`, or the file as the body with its `Content-Type` and
/// `?kind=`. 201 with the metadata; 200 with the earlier record when the same
/// file was already uploaded as the same kind for this employment.
#[utoipa::path(post, path = "/api/v1/employments/{id}/documents", operation_id = "uploadEmploymentDocument", tag = "documents", params(UploadQuery),
    request_body(description = "PDF, PNG or JPEG as the body (with `?kind=`), or multipart/form-data with the fields `kind` and `file`",
        content(("application/pdf"), ("image/png"), ("image/jpeg"), ("multipart/form-data"))),
    responses((status = 201, body = Document), (status = 200, body = Document, description = "Already uploaded"),
              (status = 404, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
              (status = 415, body = crate::error::Problem, description = "Not PDF/PNG/JPEG, or the bytes do not match the declared type"),
              (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    q: Query<UploadQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let limit = req
        .app_data::<web::Data<DocumentLimit>>()
        .map_or(DEFAULT_MAX_DOCUMENT_BYTES, |l| l.0);
    let employment_id = id.into_inner();
    {
        let (org, id) = (org.clone(), employment_id.clone());
        state
            .db(move |conn| {
                reg::get_employment(conn, &Scope::Org(org), &id)?
                    .ok_or_else(|| ApiError::not_found("Employment"))
            })
            .await?;
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let up = if essence == "multipart/form-data" {
        // Room for the boundaries and the `kind` field around the file.
        if declared_length.is_some_and(|n| n > limit as u64 + 64 * 1024) {
            return Err(too_large(limit));
        }
        read_multipart(&req, payload, limit).await?
    } else {
        if FileType::from_mime(&content_type).is_none() {
            return Err(unsupported(&format!(
                "`Content-Type: {}` is not accepted.",
                if essence.is_empty() {
                    "(none)"
                } else {
                    &essence
                }
            )));
        }
        // Check the kind before reading the body.
        parse_kind(q.kind.as_deref())?;
        if declared_length.is_some_and(|n| n > limit as u64) {
            return Err(too_large(limit));
        }
        Upload {
            kind: q.kind.clone(),
            declared: Some(essence.clone()),
            filename: q.filename.as_deref().and_then(clean_filename),
            bytes: read_limited(payload, limit, unreadable).await?,
        }
    };
    let kind = parse_kind(up.kind.as_deref())?;
    let detected = FileType::sniff(&up.bytes);
    let declared = match &up.declared {
        None => None,
        Some(d) => Some(
            FileType::from_mime(d)
                .ok_or_else(|| unsupported(&format!("The file's type `{d}` is not accepted.")))?,
        ),
    };
    let file_type = match (declared, detected) {
        (_, None) => {
            return Err(unsupported(
                "The file is not a PDF, PNG or JPEG file (checked by its first bytes).",
            ))
        }
        (Some(d), Some(x)) if d != x => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type_mismatch",
                format!(
                    "The file is declared as {} but its bytes are {}.",
                    d.mime(),
                    x.mime()
                ),
            )
            .with("declared", d.mime())
            .with("detected", x.mime()))
        }
        (_, Some(x)) => x,
    };
    let sha256 = sha256_hex(&up.bytes);
    let now = state.now().naive_utc();
    let actor = caller.actor();
    let size = up.bytes.len() as i64;
    let blob = BlobRow {
        sha256: sha256.clone(),
        content_type: file_type.mime().to_string(),
        size_bytes: size,
        content: up.bytes,
        created_at: now,
    };
    let doc = DocumentRow {
        id: new_id(),
        organisation_id: org.clone(),
        employment_id: employment_id.clone(),
        kind: kind.as_str().to_string(),
        sha256: sha256.clone(),
        content_type: file_type.mime().to_string(),
        size_bytes: size,
        filename: up.filename,
        uploaded_by: actor.clone(),
        uploaded_at: now,
    };
    // What the upload asks: the file, its kind and name (the query is in the
    // request hash already; a multipart form carries kind and name inside).
    let content = sha256_hex(
        format!(
            "{sha256}|{}|{}",
            doc.kind,
            doc.filename.as_deref().unwrap_or("")
        )
        .as_bytes(),
    );
    super::idempotent::write_hashed(&state, &caller, &req, &content, move |conn| {
            let keys = [
                format!("blob:{sha256}"),
                format!("documents:{employment_id}"),
            ];
            let (row, new) = conn.write_transaction(&keys, |conn| {
                store::put_blob(conn, &blob)?;
                if let Some(existing) =
                    store::find_same(conn, &doc.employment_id, &doc.kind, &doc.sha256)?
                {
                    return Ok::<_, ApiError>((existing, false));
                }
                store::insert_document(conn, &doc)?;
                crate::db::audit::record(
                    conn,
                    crate::db::audit::AuditEntry {
                        organisation_id: Some(&doc.organisation_id),
                        actor: &actor,
                        action: "upload",
                        entity: "document",
                        entity_id: &doc.id,
                        content_hash: Some(&doc.sha256),
                        reason: Some(&doc.kind),
                        at: now,
                    },
                )?;
                Ok((doc, true))
            })?;
            tracing::info!(document_id = %row.id, kind = %row.kind, size_bytes = row.size_bytes, "document uploaded");
            let location = format!("/api/v1/documents/{}", row.id);
            let body = Document::from(row);
            Ok(if new {
                Reply::created(location, &body)
            } else {
                Reply::json(200, &body)
            })
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Only documents of this kind.
    pub kind: Option<String>,
}

/// An employment's documents (metadata).
#[utoipa::path(get, path = "/api/v1/employments/{id}/documents", operation_id = "listEmploymentDocuments", tag = "documents", params(ListQuery),
    responses((status = 200, body = Paginated<Document>), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let kind = q.kind.as_deref().map(|k| parse_kind(Some(k))).transpose()?;
    let scope = caller.scope();
    let id = id.into_inner();
    pagination::respond_read(
        &state,
        &caller,
        audited::DOCUMENT,
        page,
        move |conn, p| {
            let e = reg::get_employment(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Employment"))?;
            Ok::<_, ApiError>(store::list_documents(
                conn,
                &e.id,
                kind.map(|k| k.as_str()),
                p,
            )?)
        },
        |r| r.id.clone(),
        |r| Some(r.organisation_id.clone()),
        Document::from,
    )
    .await
}

/// A document's metadata.
#[utoipa::path(get, path = "/api/v1/documents/{id}", operation_id = "getDocument", tag = "documents",
    responses((status = 200, body = Document), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = DOCUMENT.get(&state, caller.scope(), id).await?;
    caller.read_one(audited::DOCUMENT, &row.organisation_id, &row.id);
    Ok(HttpResponse::Ok().json(Document::from(row)))
}

/// Whether an `If-None-Match` header value matches the entity tag.
pub fn none_match(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// A file name safe inside a quoted `Content-Disposition` parameter.
fn ascii_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The document's bytes with their content type; `ETag` is the quoted
/// SHA-256, and a matching `If-None-Match` gets 304 without the bytes.
#[utoipa::path(get, path = "/api/v1/documents/{id}/content", operation_id = "getDocumentContent", tag = "documents",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag from an earlier response")),
    responses((status = 200, description = "The bytes", content(("application/pdf"), ("image/png"), ("image/jpeg"))),
              (status = 304, description = "Not modified"), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn content(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let id = id.into_inner();
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let result = state
        .db(move |conn| {
            let doc = store::get_document(conn, &scope, &id)?
                .ok_or_else(|| ApiError::not_found("Document"))?;
            let etag = format!("\"{}\"", doc.sha256);
            if if_none_match
                .as_deref()
                .is_some_and(|h| none_match(h, &etag))
            {
                return Ok((doc, etag, None));
            }
            let (content_type, bytes) = store::blob_content(conn, &doc.sha256)?
                .ok_or_else(|| ApiError::not_found("Document content"))?;
            Ok((doc, etag, Some((content_type, bytes))))
        })
        .await?;
    let (doc, etag, body) = result;
    let cache = ("Cache-Control", "private, no-cache");
    let Some((content_type, bytes)) = body else {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache)
            .finish());
    };
    caller.read_one(audited::DOCUMENT, &doc.organisation_id, &doc.id);
    let mut resp = HttpResponse::Ok();
    resp.insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, etag))
        .insert_header(cache)
        .insert_header(("X-Content-Type-Options", "nosniff"));
    let disposition = match &doc.filename {
        Some(name) => format!("attachment; filename=\"{}\"", ascii_filename(name)),
        None => "attachment".to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.insert_header((header::CONTENT_DISPOSITION, v));
    }
    Ok(resp.body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileType::Png)
        );
        assert_eq!(
            FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
            Some(FileType::Jpeg)
        );
        assert_eq!(FileType::sniff(b"%PDF"), None);
        assert_eq!(FileType::sniff(b"\x89PNG\r\n"), None);
        assert_eq!(FileType::sniff(b"GIF89a"), None);
        assert_eq!(FileType::sniff(b""), None);
    }

    #[test]
    fn declared_types() {
        assert_eq!(FileType::from_mime("application/pdf"), Some(FileType::Pdf));
        assert_eq!(
            FileType::from_mime("Image/PNG; charset=binary"),
            Some(FileType::Png)
        );
        assert_eq!(FileType::from_mime("image/jpg"), Some(FileType::Jpeg));
        assert_eq!(FileType::from_mime("text/plain"), None);
        assert_eq!(FileType::from_mime(""), None);
    }

    #[test]
    fn kinds() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(DocumentKind::parse("contract"), None);
    }

    #[test]
    fn if_none_match() {
        let etag = "\"abc\"";
        assert!(none_match("\"abc\"", etag));
        assert!(none_match("\"x\", W/\"abc\"", etag));
        assert!(none_match("*", etag));
        assert!(!none_match("\"abd\"", etag));
        assert!(!none_match("abc", etag));
    }

    #[test]
    fn filenames() {
        assert_eq!(
            clean_filename("C:\\Users\\x\\avtal.pdf").as_deref(),
            Some("avtal.pdf")
        );
        assert_eq!(
            clean_filename("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_filename("  "), None);
        assert_eq!(
            ascii_filename("anställningsavtal \"1\".pdf"),
            "anst_llningsavtal _1_.pdf"
        );
    }
}
