//! Employment documents: bytes stored once per SHA-256 (`document_blobs`),
//! and per upload a metadata row linking an employment to a blob
//! (`employment_documents`).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{document_blobs, employment_documents, employments};
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = document_blobs)]
pub struct BlobRow {
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub content: Vec<u8>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = employment_documents)]
pub struct DocumentRow {
    pub id: String,
    pub organisation_id: String,
    pub employment_id: String,
    pub kind: String,
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub filename: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

/// Stores the bytes unless a blob with this hash exists; returns whether it
/// was new. Call in a write transaction holding the lock `blob:<sha256>`, so
/// that two uploads of the same file cannot both insert.
pub fn put_blob(conn: &mut DbConn, blob: &BlobRow) -> QueryResult<bool> {
    let exists: i64 = document_blobs::table
        .filter(document_blobs::sha256.eq(&blob.sha256))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(document_blobs::table)
        .values(blob)
        .execute(conn)?;
    Ok(true)
}

/// The bytes of a blob and their content type.
pub fn blob_content(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<(String, Vec<u8>)>> {
    document_blobs::table
        .filter(document_blobs::sha256.eq(sha256))
        .select((document_blobs::content_type, document_blobs::content))
        .first(conn)
        .optional()
}

/// An earlier upload of the same file as the same kind for the employment.
pub fn find_same(
    conn: &mut DbConn,
    employment_id: &str,
    kind: &str,
    sha256: &str,
) -> QueryResult<Option<DocumentRow>> {
    employment_documents::table
        .filter(employment_documents::employment_id.eq(employment_id))
        .filter(employment_documents::kind.eq(kind))
        .filter(employment_documents::sha256.eq(sha256))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_document(conn: &mut DbConn, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(employment_documents::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn get_document(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<DocumentRow>> {
    let mut q = employment_documents::table
        .filter(employment_documents::id.eq(id))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(employment_documents::organisation_id.eq(org.to_string()));
    }
    q.select(DocumentRow::as_select()).first(conn).optional()
}

/// An employment's documents, one page by id.
pub fn list_documents(
    conn: &mut DbConn,
    employment_id: &str,
    kind: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<DocumentRow>> {
    let mut q = employment_documents::table
        .filter(employment_documents::employment_id.eq(employment_id))
        .into_boxed();
    if let Some(k) = kind {
        q = q.filter(employment_documents::kind.eq(k.to_string()));
    }
    if let Some(after) = &page.after {
        q = q.filter(employment_documents::id.gt(after.clone()));
    }
    q.order(employment_documents::id.asc())
        .limit(page.limit + 1)
        .select(DocumentRow::as_select())
        .load(conn)
}

/// Of these assistants, those with a document of `kind` on an employment
/// with this organisation and assistance user.
pub fn assistants_with_document(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    kind: &str,
    assistant_ids: &[String],
) -> QueryResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in assistant_ids.chunks(500) {
        let ids: Vec<String> = employment_documents::table
            .inner_join(employments::table)
            .filter(employment_documents::organisation_id.eq(org))
            .filter(employment_documents::kind.eq(kind))
            .filter(employments::assistance_user_id.eq(user))
            .filter(employments::assistant_id.eq_any(chunk))
            .select(employments::assistant_id)
            .distinct()
            .load(conn)?;
        out.extend(ids);
    }
    Ok(out)
}
