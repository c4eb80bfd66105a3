//! `/imports/time-reports`: time reports uploaded as a CSV file, as Excel
//! saves it, or as an `.xlsx` workbook (format: `docs/csv-format.md`); the
//! template (`/imports/template`, *Mall*); and the CSV side of the
//! time-report reads (`Accept: text/csv` or `?format=csv`).

use std::io::{Read, Seek, SeekFrom, Write};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use super::extract::Query;
use super::AppState;
use crate::db::sha256_hex;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::auth::{Caller, Scope};
use crate::import::{self, export, xlsx, Options, DEFAULT_MAX_BYTES, DEFAULT_MAX_ERRORS};
use crate::service::idempotency::{idempotent, Idempotency, Reply};
use crate::service::submission::Env;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/imports/time-reports", web::post().to(create))
        .route(
            "/imports/template",
            web::get().to(super::template::template),
        );
}

/// Limits of CSV uploads; from `REDOVISA_MAX_IMPORT_BYTES` and
/// `REDOVISA_MAX_IMPORT_ERRORS`.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    pub max_bytes: u64,
    pub max_errors: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_errors: DEFAULT_MAX_ERRORS,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check everything and store nothing (200 with what would happen).
    pub dry_run: Option<bool>,
    /// Needed when the file replaces a stored month with other rows.
    pub correction_reason: Option<String>,
}

/// The uploaded file, on disk (removed when dropped), and its SHA-256.
struct Spooled {
    file: std::fs::File,
    sha256: String,
}

fn too_large(limit: u64) -> ApiError {
    ApiError::payload_too_large(format!(
        "The file exceeds the upload limit of {limit} bytes (REDOVISA_MAX_IMPORT_BYTES); split it, or import it with `redovisa import`."
    ))
}

/// Streams a body to a temporary file in 1 MiB writes off the async
/// workers, hashing it on the way; never more than `*budget` bytes.
async fn spool<S, E>(stream: S, budget: &mut u64, limit: u64) -> ApiResult<Spooled>
where
    S: Stream<Item = Result<web::Bytes, E>>,
{
    const CHUNK: usize = 1024 * 1024;
    let mut stream = std::pin::pin!(stream);
    let mut file = web::block(tempfile::tempfile)
        .await?
        .map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    let mut done = false;
    while !done {
        match stream.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|_| {
                    ApiError::bad_request("unreadable_body", "The request body could not be read.")
                })?;
                let n = chunk.len() as u64;
                if n > *budget {
                    return Err(too_large(limit));
                }
                *budget -= n;
                buf.extend_from_slice(&chunk);
            }
            None => done = true,
        }
        if buf.len() >= CHUNK || (done && !buf.is_empty()) {
            let (f, h, b) = web::block(move || {
                hasher.update(&buf);
                file.write_all(&buf)?;
                buf.clear();
                Ok::<_, std::io::Error>((file, hasher, buf))
            })
            .await?
            .map_err(ApiError::internal)?;
            (file, hasher, buf) = (f, h, b);
        }
    }
    Ok(Spooled {
        file,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// The CSV of a multipart form: the part named `file` or the first part
/// with a file name. Other parts are read and ignored.
async fn spool_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    limit: u64,
) -> ApiResult<Spooled> {
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut budget = limit;
    let mut found = None;
    while let Some(part) = form.next().await {
        let part = part.map_err(|e| {
            ApiError::bad_request(
                "malformed_multipart",
                format!("The multipart body could not be read: {e}."),
            )
        })?;
        let is_file = part.name() == Some("file")
            || part
                .content_disposition()
                .is_some_and(|cd| cd.get_filename().is_some());
        let spooled = spool(part, &mut budget, limit).await?;
        if is_file && found.is_none() {
            found = Some(spooled);
        }
    }
    found.ok_or_else(|| {
        ApiError::validation(vec![FieldError::field(
            "file",
            "missing_file",
            "The form has no file; send the CSV as the part named `file`.",
        )])
    })
}

/// Whether the body is a multipart form (else the file itself), given the
/// file's own media types.
fn body_kind(req: &HttpRequest, file_types: &[&str], hint: &str) -> ApiResult<bool> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime == "multipart/form-data" {
        Ok(true)
    } else if file_types.contains(&mime.as_str()) {
        Ok(false)
    } else {
        Err(ApiError::unsupported_media_type(hint.to_string()))
    }
}

/// What differs between the formats the import takes (CSV, PAXml): the
/// rest (upload, idempotency, one transaction, dry run) is [`import_file`].
pub(super) trait Format: Send + 'static {
    /// Media types of the file sent as the body.
    const FILE_TYPES: &'static [&'static str];
    /// The 415 message.
    const HINT: &'static str;
    /// What phase 1 learned that the answers need (where rows are).
    type Places: Send + 'static;
    /// Phase 1: the file read into the import's rows.
    fn prepare(
        conn: &mut crate::db::DbConn,
        env: &Env,
        file: std::fs::File,
        max_errors: usize,
    ) -> ApiResult<(import::Prepared, Self::Places)>;
    /// The body of a successful answer.
    fn body(places: &Self::Places, result: import::ImportResult) -> String;
    /// A refusal.
    fn failure(places: &Self::Places, f: import::ImportFailure) -> ApiError;
}

/// The CSV file or `.xlsx` workbook (`docs/csv-format.md`): a workbook's
/// first sheet is read as the CSV it would save, so both go through the
/// very same phases; its faults also name the cell.
struct Csv;

/// Whether the upload was a workbook (faults then name cells).
struct Sheet(bool);

impl Sheet {
    fn name_cells(&self) -> Option<fn(&mut import::CsvError)> {
        self.0
            .then_some(xlsx::name_cell as fn(&mut import::CsvError))
    }
}

/// A workbook turned into the CSV text of its first sheet, in a temporary
/// file; CSV is passed on as it is.
fn as_csv(mut file: std::fs::File) -> ApiResult<(std::fs::File, Sheet)> {
    let mut head = [0u8; 4];
    file.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    let n = file.read(&mut head).map_err(ApiError::internal)?;
    file.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    if !xlsx::looks_like_xlsx(&head[..n]) {
        return Ok((file, Sheet(false)));
    }
    let csv = xlsx::sheet_as_csv(std::io::BufReader::new(file)).map_err(|e| {
        import::refused_file(
            vec![
                import::CsvError::new(1, None, "unreadable_workbook", e.to_string())
                    .to_field_error(),
            ],
            0,
        )
    })?;
    let mut out = tempfile::tempfile().map_err(ApiError::internal)?;
    out.write_all(&csv).map_err(ApiError::internal)?;
    out.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    Ok((out, Sheet(true)))
}

impl Format for Csv {
    const FILE_TYPES: &'static [&'static str] = &[
        "text/csv",
        "application/csv",
        "text/plain",
        "application/vnd.ms-excel",
        "application/octet-stream",
        xlsx::CONTENT_TYPE,
    ];
    const HINT: &'static str = "Send the file as the body with `Content-Type: text/csv` (or, for a workbook, `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`), or as the part `file` of `multipart/form-data`.";
    type Places = Sheet;

    fn prepare(
        conn: &mut crate::db::DbConn,
        env: &Env,
        file: std::fs::File,
        max_errors: usize,
    ) -> ApiResult<(import::Prepared, Sheet)> {
        let (file, sheet) = as_csv(file)?;
        let prepared = import::prepare(conn, env, file, max_errors, &mut |_| {});
        match (prepared, sheet.name_cells()) {
            (Ok(p), _) => Ok((p, sheet)),
            (Err(e), Some(name)) => Err(e.map_faults(name).into()),
            (Err(e), None) => Err(e.into()),
        }
    }

    fn body(sheet: &Sheet, result: import::ImportResult) -> String {
        let result = match sheet.name_cells() {
            Some(name) => result.map_warnings(name),
            None => result,
        };
        serde_json::to_string(&result).expect("result serialises")
    }

    fn failure(sheet: &Sheet, f: import::ImportFailure) -> ApiError {
        match sheet.name_cells() {
            Some(name) => f.map_faults(name).into(),
            None => f.into(),
        }
    }
}

/// Import a CSV file of time reports: one report (version) per assistance
/// user and month in the file, all through the same rules as
/// `POST /time-reports`, in one transaction: every row is good and all are
/// stored, or nothing is.
#[utoipa::path(post, path = "/api/v1/imports/time-reports", operation_id = "importTimeReports", tag = "imports",
    params(ImportQuery, ("Idempotency-Key" = Option<String>, Header, description = "A repeat with the same file and parameters returns the first result (not for dry runs)")),
    request_body(description = "The CSV file or `.xlsx` workbook (docs/csv-format.md), as the body or as the part `file` of a form; a workbook's faults also name the `cell`",
        content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "multipart/form-data"))),
    responses(
        (status = 201, body = import::ImportResult, description = "Receipts of the versions created; months identical to the stored version are listed in `unchanged`"),
        (status = 200, body = import::ImportResult, description = "A dry run (nothing stored), or every month unchanged"),
        (status = 409, body = crate::error::Problem, description = "The file would replace stored months and has no `correction_reason`; `reports` names them"),
        (status = 413, body = crate::error::Problem, description = "Larger than REDOVISA_MAX_IMPORT_BYTES"),
        (status = 415, body = crate::error::Problem, description = "Neither text/csv, .xlsx nor multipart/form-data"),
        (status = 422, body = crate::error::Problem, description = "Every fault, each with `line` and `column` (and `cell` in a workbook); `errors_omitted` counts those past the limit")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    import_file::<Csv>(state, caller, req, q, payload).await
}

/// An import of a file of format `F`: the upload (spooled to disk, hashed),
/// `Idempotency-Key`, then phase 1 and, in one write transaction, phase 2;
/// a dry run rolls back.
pub(super) async fn import_file<F: Format>(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let limits = req
        .app_data::<web::Data<ImportLimits>>()
        .map(|l| *l.get_ref())
        .unwrap_or_default();
    let multipart = body_kind(&req, F::FILE_TYPES, F::HINT)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return Err(too_large(limits.max_bytes));
    }
    let spooled = if multipart {
        spool_multipart(&req, payload, limits.max_bytes).await?
    } else {
        let mut budget = limits.max_bytes;
        spool(payload, &mut budget, limits.max_bytes).await?
    };
    let dry_run = q.dry_run.unwrap_or(false);
    let correction_reason = q.correction_reason.clone().filter(|r| !r.trim().is_empty());
    let request_hash = sha256_hex(
        format!(
            "{}|{}",
            spooled.sha256,
            correction_reason.as_deref().unwrap_or("")
        )
        .as_bytes(),
    );
    // Dry runs store nothing, so they take no part in idempotency.
    let idem = Some(super::idempotent::of(&caller, &req, &request_hash)?)
        .filter(|_| !dry_run)
        .flatten();
    let env = state.env(&caller, &org);
    let opts = Options {
        dry_run,
        correction_reason,
        max_errors: limits.max_errors,
    };
    let reply = state
        .db(move |conn| {
            let mut quiet = |_: import::Progress| {};
            if let Some(idem) = &idem {
                // A replay returns the first result without reading the
                // file again (the register may have changed since).
                if let Some(reply) = idem.replay(conn)? {
                    return Ok(reply);
                }
            }
            let (prepared, places) = F::prepare(conn, &env, spooled.file, opts.max_errors)?;
            if dry_run {
                let result = import::execute(conn, &env, prepared, &opts, &mut quiet)
                    .map_err(|f| F::failure(&places, f))?;
                return Ok(Reply::raw(200, F::body(&places, result)));
            }
            let mut keys = prepared.lock_keys(conn)?;
            keys.extend(idem.as_ref().map(Idempotency::lock_key));
            conn.write_transaction(&keys, |conn| {
                idempotent(conn, idem.as_ref(), env.now.naive_utc(), |conn| {
                    let result = prepared
                        .run(conn, &env, &opts, &mut quiet)
                        .map_err(|f| F::failure(&places, f))?;
                    let status = if result.receipts.is_empty() { 200 } else { 201 };
                    Ok(Reply::raw(status, F::body(&places, result)))
                })
            })
        })
        .await?;
    Ok(super::idempotent::respond(reply))
}

// ---- CSV export of time reports -------------------------------------------

/// Whether a read of time reports asks for CSV: `?format=csv`, or an
/// `Accept` header naming `text/csv` (without `?format=json`).
pub fn wants_csv(req: &HttpRequest) -> ApiResult<bool> {
    let format = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.0.into_iter()
                .find(|(k, _)| k == "format")
                .map(|(_, v)| v.to_ascii_lowercase())
        });
    match format.as_deref() {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError::field(
                "format",
                "invalid_parameter",
                "`format` is `json` (default) or `csv`.",
            )]))
        }
        None => {}
    }
    Ok(req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let mime = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                let p = p.trim();
                p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
            });
            mime.eq_ignore_ascii_case("text/csv") && !refused
        }))
}

fn csv_response(filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(export::CONTENT_TYPE)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// `GET /time-reports/{id}` as CSV: the current version's rows.
pub async fn report_csv(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    id: String,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let (report, body) = state
        .db(move |conn| {
            export::report_csv(conn, &scope, &id)?.ok_or_else(|| ApiError::not_found("Time report"))
        })
        .await?;
    caller.read_export(
        "csv:time_report".to_string(),
        Some(&report.organisation_id),
        vec![report.id.clone()],
    );
    Ok(csv_response(
        &format!("tidrapport-{}-{}.csv", report.month, report.id),
        body,
    ))
}

/// `GET /time-reports` as CSV: every row of every current version the
/// filters select (all pages; `limit` and `cursor` do not apply).
pub async fn list_csv(
    state: &AppState,
    scope: Scope,
    month: Option<String>,
    user: Option<String>,
    late: Option<bool>,
) -> ApiResult<HttpResponse> {
    let name = match &month {
        Some(m) => format!("tidrapporter-{m}.csv"),
        None => "tidrapporter.csv".to_string(),
    };
    let body = state
        .db(move |conn| {
            Ok(export::reports_csv(
                conn,
                &scope,
                month.as_deref(),
                user.as_deref(),
                late,
            )?)
        })
        .await?;
    Ok(csv_response(&name, body))
}
