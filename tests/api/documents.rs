//! Employment documents: uploads (raw and multipart), every refusal
//! (413, 415, type mismatch), storage once per SHA-256, ETag / 304, tenancy.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::db_test;
use crate::fixtures::{self, World};
use crate::helpers::*;
use crate::invoices::count_rows;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89");
    v
}

fn jpeg() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9");
    v
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const BOUNDARY: &str = "redovisa-test-7MA4YWxkTrZu0gW";

/// A part: field name, file name, content type, bytes.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// A multipart/form-data body and its Content-Type.
fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = filename {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(format!("{disposition}\r\n").as_bytes());
        if let Some(ct) = content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

async fn employment_of(app: &TestApp, w: &World) -> String {
    let res = app
        .get(
            &format!("/api/v1/employments?assistant_id={}", w.assistants[0]),
            &w.org.token,
        )
        .await;
    expect(&res, 200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn raw(
    app: &TestApp,
    token: &str,
    employment: &str,
    query: &str,
    ct: &str,
    bytes: &[u8],
) -> Res {
    app.post_raw(
        &format!("/api/v1/employments/{employment}/documents{query}"),
        token,
        ct,
        bytes.to_vec(),
        &[],
    )
    .await
}

async fn form(app: &TestApp, token: &str, employment: &str, parts: &[Part<'_>]) -> Res {
    let (ct, body) = multipart(parts);
    app.post_raw(
        &format!("/api/v1/employments/{employment}/documents"),
        token,
        &ct,
        body,
        &[],
    )
    .await
}

async fn uploads_are_stored_and_served_back(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let e = employment_of(&app, &w).await;
    // Raw body with its Content-Type and ?kind=.
    let res = raw(
        &app,
        &w.org.token,
        &e,
        "?kind=employment_contract&filename=avtal.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    let contract = expect(&res, 201);
    assert_eq!(contract["kind"], "employment_contract");
    assert_eq!(contract["content_type"], "application/pdf");
    assert_eq!(contract["size_bytes"], PDF.len());
    assert_eq!(contract["sha256"], sha(PDF));
    assert_eq!(contract["filename"], "avtal.pdf");
    assert_eq!(contract["employment_id"], e.as_str());
    assert_eq!(contract["uploaded_at"], "2026-11-10T10:00:00Z");
    // Multipart with `kind` and `file` (a PNG scan of form 3066).
    let png = png();
    let res = form(
        &app,
        &w.org.token,
        &e,
        &[
            ("file", Some("scans/2026/3066.png"), Some("image/png"), &png),
            ("kind", None, None, b"assistant_details"),
        ],
    )
    .await;
    let details = expect(&res, 201);
    assert_eq!(details["kind"], "assistant_details");
    assert_eq!(details["content_type"], "image/png");
    assert_eq!(details["sha256"], sha(&png));
    assert_eq!(details["filename"], "3066.png");
    // A JPEG part without a declared type is recognised by its bytes.
    let jpeg = jpeg();
    let res = form(
        &app,
        &w.org.token,
        &e,
        &[
            ("kind", None, None, b"id_copy"),
            ("file", Some("id.jpg"), None, &jpeg),
        ],
    )
    .await;
    assert_eq!(expect(&res, 201)["content_type"], "image/jpeg");

    // Listing and metadata.
    let res = app
        .get(&format!("/api/v1/employments/{e}/documents"), &w.org.token)
        .await;
    let list = expect(&res, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    let res = app
        .get(
            &format!("/api/v1/employments/{e}/documents?kind=employment_contract"),
            &w.org.token,
        )
        .await;
    let list = expect(&res, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], contract["id"]);
    let id = contract["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/documents/{id}"), &w.org.token)
        .await;
    assert_eq!(expect(&res, 200)["sha256"], sha(PDF));

    // Content: the bytes, their type, the hash as ETag; 304 when unchanged.
    let res = app
        .get(&format!("/api/v1/documents/{id}/content"), &w.org.token)
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert_eq!(res.content_type, "application/pdf");
    assert_eq!(res.text.as_bytes(), PDF);
    let etag = res
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(etag, format!("\"{}\"", sha(PDF)));
    assert!(res
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("avtal.pdf"));
    let res = app
        .get_with(
            &format!("/api/v1/documents/{id}/content"),
            &w.org.token,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(res.status.as_u16(), 304);
    assert!(res.text.is_empty());
    assert_eq!(res.headers.get("etag").unwrap().to_str().unwrap(), etag);
    let res = app
        .get_with(
            &format!("/api/v1/documents/{id}/content"),
            &w.org.token,
            &[("If-None-Match", "\"0000\"")],
        )
        .await;
    assert_eq!(res.status.as_u16(), 200);
    let pid = details["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/documents/{pid}/content"), &w.org.token)
        .await;
    assert_eq!(res.content_type, "image/png");
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'document' AND action <> 'read'"
        ),
        3
    );
}
db_test!(uploads_are_stored_and_served_back);

async fn the_same_file_is_stored_once(app: TestApp) {
    let w = fixtures::world(&app, 2).await;
    let e = employment_of(&app, &w).await;
    let first = expect(
        &raw(
            &app,
            &w.org.token,
            &e,
            "?kind=employment_contract",
            "application/pdf",
            PDF,
        )
        .await,
        201,
    );
    // The same upload again: the earlier record, 200.
    let again = expect(
        &raw(
            &app,
            &w.org.token,
            &e,
            "?kind=employment_contract",
            "application/pdf",
            PDF,
        )
        .await,
        200,
    );
    assert_eq!(again["id"], first["id"]);
    // The same bytes as another kind, multipart, another employment, another
    // organisation: new records, one blob.
    let res = form(
        &app,
        &w.org.token,
        &e,
        &[
            ("kind", None, None, b"id_copy"),
            ("file", Some("x.pdf"), Some("application/pdf"), PDF),
        ],
    )
    .await;
    let copy = expect(&res, 201);
    assert_ne!(copy["id"], first["id"]);
    assert_eq!(copy["sha256"], first["sha256"]);
    let res = app
        .get(
            &format!("/api/v1/employments?assistant_id={}", w.assistants[1]),
            &w.org.token,
        )
        .await;
    let e2 = expect(&res, 200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    expect(
        &raw(
            &app,
            &w.org.token,
            &e2,
            "?kind=employment_contract",
            "application/pdf",
            PDF,
        )
        .await,
        201,
    );
    let other = fixtures::world(&app, 1).await;
    let oe = employment_of(&app, &other).await;
    let theirs = expect(
        &raw(
            &app,
            &other.org.token,
            &oe,
            "?kind=employment_contract",
            "application/pdf",
            PDF,
        )
        .await,
        201,
    );
    assert_eq!(theirs["sha256"], first["sha256"]);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) AS n FROM document_blobs"),
        1
    );
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) AS n FROM employment_documents"),
        4
    );
    // Each record serves the bytes.
    let id = theirs["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/documents/{id}/content"), &other.org.token)
        .await;
    assert_eq!(res.text.as_bytes(), PDF);
}
db_test!(the_same_file_is_stored_once);

async fn refused_uploads(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let e = employment_of(&app, &w).await;
    let t = &w.org.token;
    let kind = "?kind=employment_contract";
    // Not an accepted type at all.
    let p = expect_problem(&raw(&app, t, &e, kind, "text/plain", b"hello").await, 415);
    assert_eq!(p["code"], "unsupported_media_type");
    expect_problem(
        &raw(&app, t, &e, kind, "image/gif", b"GIF89a...").await,
        415,
    );
    // Declared as one type, bytes of another.
    let p = expect_problem(&raw(&app, t, &e, kind, "image/png", PDF).await, 415);
    assert_eq!(p["code"], "content_type_mismatch");
    assert_eq!(
        (&p["declared"], &p["detected"]),
        (&json!("image/png"), &json!("application/pdf"))
    );
    // Declared right, but the bytes are nothing we accept.
    let p = expect_problem(
        &raw(
            &app,
            t,
            &e,
            kind,
            "application/pdf",
            b"<html>not a pdf</html>",
        )
        .await,
        415,
    );
    assert_eq!(p["code"], "unsupported_media_type");
    expect_problem(&raw(&app, t, &e, kind, "application/pdf", b"").await, 415);
    // The same in multipart.
    let png = png();
    let p = expect_problem(
        &form(
            &app,
            t,
            &e,
            &[
                ("kind", None, None, b"id_copy"),
                ("file", Some("a.jpg"), Some("image/jpeg"), &png),
            ],
        )
        .await,
        415,
    );
    assert_eq!(p["code"], "content_type_mismatch");
    let p = expect_problem(
        &form(
            &app,
            t,
            &e,
            &[
                ("kind", None, None, b"id_copy"),
                ("file", Some("a.txt"), Some("text/plain"), b"hi"),
            ],
        )
        .await,
        415,
    );
    assert_eq!(p["code"], "unsupported_media_type");
    expect_problem(
        &form(
            &app,
            t,
            &e,
            &[
                ("kind", None, None, b"id_copy"),
                ("file", Some("a.bin"), None, b"\x00\x01"),
            ],
        )
        .await,
        415,
    );
    // Missing or unknown kind; missing file; unknown field.
    let p = expect_problem(&raw(&app, t, &e, "", "application/pdf", PDF).await, 422);
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["code"]),
        (&json!("kind"), &json!("missing_field"))
    );
    let p = expect_problem(
        &raw(&app, t, &e, "?kind=contract", "application/pdf", PDF).await,
        422,
    );
    assert_eq!(p["errors"][0]["code"], "invalid_kind");
    let p = expect_problem(
        &form(
            &app,
            t,
            &e,
            &[("file", Some("a.pdf"), Some("application/pdf"), PDF)],
        )
        .await,
        422,
    );
    assert_eq!(p["errors"][0]["field"], "kind");
    let p = expect_problem(
        &form(&app, t, &e, &[("kind", None, None, b"id_copy")]).await,
        422,
    );
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["code"]),
        (&json!("file"), &json!("missing_field"))
    );
    let p = expect_problem(
        &form(
            &app,
            t,
            &e,
            &[
                ("kind", None, None, b"id_copy"),
                ("note", None, None, b"x"),
                ("file", None, None, PDF),
            ],
        )
        .await,
        422,
    );
    assert_eq!(p["errors"][0]["code"], "unknown_field");
    // A broken multipart body.
    let res = app
        .post_raw(
            &format!("/api/v1/employments/{e}/documents"),
            t,
            "multipart/form-data; boundary=nope",
            b"garbage".to_vec(),
            &[],
        )
        .await;
    expect_problem(&res, 400);
    // Unknown or another organisation's employment; auditors may not upload.
    expect_problem(
        &raw(&app, t, "no-such", kind, "application/pdf", PDF).await,
        404,
    );
    let other = fixtures::org(&app).await;
    expect_problem(
        &raw(&app, &other.token, &e, kind, "application/pdf", PDF).await,
        404,
    );
    expect_problem(
        &raw(&app, &app.auditor(), &e, kind, "application/pdf", PDF).await,
        403,
    );
    // Nothing stored by any of these.
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) AS n FROM document_blobs"),
        0
    );
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) AS n FROM employment_documents"),
        0
    );
}
db_test!(refused_uploads);

async fn the_size_limit_is_configurable(app: TestApp) {
    let small = TestApp::spawn_with(app.db, |s| s.max_document_bytes = 1000).await;
    let w = fixtures::world(&small, 1).await;
    let e = employment_of(&small, &w).await;
    let kind = "?kind=employment_contract";
    let mut big = PDF.to_vec();
    big.resize(1001, b' ');
    let p = expect_problem(
        &raw(&small, &w.org.token, &e, kind, "application/pdf", &big).await,
        413,
    );
    assert_eq!(p["code"], "payload_too_large");
    assert_eq!(p["limit_bytes"], 1000);
    let p = expect_problem(
        &form(
            &small,
            &w.org.token,
            &e,
            &[
                ("kind", None, None, b"id_copy"),
                ("file", Some("big.pdf"), Some("application/pdf"), &big),
            ],
        )
        .await,
        413,
    );
    assert_eq!(p["code"], "payload_too_large");
    // Exactly at the limit is fine.
    big.truncate(1000);
    let doc = expect(
        &raw(&small, &w.org.token, &e, kind, "application/pdf", &big).await,
        201,
    );
    assert_eq!(doc["size_bytes"], 1000);
    let res = form(
        &small,
        &w.org.token,
        &e,
        &[
            ("kind", None, None, b"id_copy"),
            ("file", Some("ok.pdf"), Some("application/pdf"), &big),
        ],
    )
    .await;
    assert_eq!(expect(&res, 201)["size_bytes"], 1000);
    // The default is 10 MiB: 2 MB pass on the default app.
    let w = fixtures::world(&app, 1).await;
    let e = employment_of(&app, &w).await;
    let mut two_mb = PDF.to_vec();
    two_mb.resize(2_000_000, b'%');
    expect(
        &raw(&app, &w.org.token, &e, kind, "application/pdf", &two_mb).await,
        201,
    );
}
db_test!(the_size_limit_is_configurable);

async fn documents_belong_to_their_organisation(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let e = employment_of(&app, &w).await;
    let doc: Value = expect(
        &raw(
            &app,
            &w.org.token,
            &e,
            "?kind=id_copy",
            "image/jpeg",
            &jpeg(),
        )
        .await,
        201,
    );
    let id = doc["id"].as_str().unwrap();
    let other = fixtures::org(&app).await;
    expect_problem(
        &app.get(&format!("/api/v1/documents/{id}"), &other.token)
            .await,
        404,
    );
    expect_problem(
        &app.get(&format!("/api/v1/documents/{id}/content"), &other.token)
            .await,
        404,
    );
    expect_problem(
        &app.get(&format!("/api/v1/employments/{e}/documents"), &other.token)
            .await,
        404,
    );
    expect_problem(
        &app.get("/api/v1/documents/no-such", &w.org.token).await,
        404,
    );
    expect_problem(&app.get(&format!("/api/v1/documents/{id}"), "").await, 401);
    // Auditors read.
    let res = app
        .get(&format!("/api/v1/documents/{id}"), &app.auditor())
        .await;
    assert_eq!(expect(&res, 200)["kind"], "id_copy");
    let res = app
        .get(&format!("/api/v1/documents/{id}/content"), &app.auditor())
        .await;
    assert_eq!(res.content_type, "image/jpeg");
    assert_eq!(
        res.headers.get("etag").unwrap().to_str().unwrap(),
        format!("\"{}\"", sha(&jpeg()))
    );
}
db_test!(documents_belong_to_their_organisation);
