//! CSV upload and export of time reports (docs/csv-format.md): every file
//! variant, each kind of bad row with its line and column, dry runs,
//! atomicity, corrections, idempotency, multipart, the CLI and round trips.
//!
//! The fixtures in tests/fixtures/csv/ name fixed (made-up) personnummer;
//! [`world`] registers them.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, Org};
use crate::helpers::*;
use crate::time_reports::row;

pub const U1: &str = "197001010110";
pub const U2: &str = "196505050226";
pub const A1: &str = "199001010314";
pub const A2: &str = "199202020427";
/// Registered, employed by no one.
pub const A3: &str = "198812120536";

const IMPORT: &str = "/api/v1/imports/time-reports";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/csv/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub struct CsvWorld {
    pub org: Org,
    pub u1: String,
    pub u2: String,
    pub a1: String,
    pub a2: String,
}

/// Two users, each with A1 and A2 employed and double assistance granted;
/// A3 registered but not employed.
pub async fn world(app: &TestApp) -> CsvWorld {
    let org = fixtures::org(app).await;
    let u1 = fixtures::user(app, &org, U1).await;
    let u2 = fixtures::user(app, &org, U2).await;
    let a1 = fixtures::assistant(app, &org, A1).await;
    let a2 = fixtures::assistant(app, &org, A2).await;
    fixtures::assistant(app, &org, A3).await;
    for u in [&u1, &u2] {
        for a in [&a1, &a2] {
            fixtures::employment(app, &org, a, u, json!({})).await;
        }
        fixtures::decision(
            app,
            &org,
            u,
            json!({"double_assistance_hours_per_week": "10.00"}),
        )
        .await;
        fixtures::agreement(app, &org, u).await;
    }
    CsvWorld {
        org,
        u1,
        u2,
        a1,
        a2,
    }
}

async fn upload(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Res {
    upload_with(app, token, query, body, &[]).await
}

async fn upload_with(
    app: &TestApp,
    token: &str,
    query: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Res {
    app.post_raw(
        &format!("{IMPORT}{query}"),
        token,
        "text/csv",
        body,
        headers,
    )
    .await
}

async fn stored_reports(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/api/v1/time-reports?limit=500", token).await;
    expect(&res, 200)["items"].as_array().unwrap().clone()
}

/// `(line, column, code)` of every error.
fn located(problem: &Value) -> Vec<(u64, Value, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e.get("column").is_some(), "`column` is always sent: {e}");
            (
                e["line"].as_u64().unwrap(),
                e["column"].clone(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn at(line: u64, column: Option<&str>, code: &str) -> (u64, Value, String) {
    (
        line,
        column.map_or(Value::Null, |c| json!(c)),
        code.to_string(),
    )
}

async fn every_variant_gives_the_same_report(app: TestApp) {
    let w = world(&app).await;
    let res = upload(&app, &w.org.token, "", fixture("sv_semicolon_bom_crlf.csv")).await;
    let r = expect(&res, 201);
    assert_eq!(r["dry_run"], false);
    assert_eq!(r["rows"], 6);
    assert_eq!(r["unchanged"], json!([]));
    let receipts = r["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1);
    let rec = &receipts[0];
    assert_eq!(rec["assistance_user_id"], w.u1.as_str());
    assert_eq!(rec["month"], "2026-10");
    assert_eq!(rec["version"], 1);
    assert_eq!(rec["row_count"], 6);
    assert_eq!(rec["first_line"], 2);
    assert_eq!(rec["on_time"], true);
    // 8.5 + 6.5 + 4 + 4 h active; 9 h waiting (¼); 4 h standby (1/7).
    assert_eq!(rec["hours"]["active"], "23.00");
    assert_eq!(rec["hours"]["waiting"], "9.00");
    assert_eq!(rec["hours"]["standby"], "4.00");
    assert_eq!(rec["hours"]["payable"], "25.82");
    assert_eq!(rec["csv_warnings"], json!([]));
    let hash = rec["content_hash"].clone();
    // The same report written every other way: nothing new is stored.
    for name in [
        "en_comma_lf.csv",
        "windows1252_crlf.csv",
        "utf8_jour_upper.csv",
        "utf8_nobom_vantetid.csv",
    ] {
        let res = upload(&app, &w.org.token, "", fixture(name)).await;
        let r = expect(&res, 200);
        assert_eq!(r["receipts"], json!([]), "{name}");
        assert_eq!(r["unchanged"][0]["content_hash"], hash, "{name}");
        assert_eq!(r["unchanged"][0]["version"], 1, "{name}");
        assert_eq!(r["rows"], 6, "{name}");
    }
    // The stored rows are the same whichever file was read.
    let id = rec["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/time-reports/{id}"), &w.org.token)
        .await;
    let full = expect(&res, 200);
    let kinds: Vec<&str> = full["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["active", "active", "waiting", "standby", "active", "active"]
    );
    assert_eq!(full["rows"][0]["assistant_id"], w.a1.as_str());
    assert_eq!(full["rows"][0]["start"], "07:00");
    assert_eq!(full["rows"][4]["double"], true);
    // Only the five required columns: kind active, not double, not hospital.
    let res = upload(&app, &w.org.token, "", fixture("required_columns_only.csv")).await;
    let r = expect(&res, 201);
    let rec = &r["receipts"][0];
    assert_eq!(rec["assistance_user_id"], w.u2.as_str());
    assert_eq!(rec["hours"]["active"], "14.00");
    assert_eq!(rec["hours"]["waiting"], "0.00");
}
db_test!(every_variant_gives_the_same_report);

async fn each_bad_row_is_reported_with_its_line_and_column(app: TestApp) {
    let w = world(&app).await;
    let res = upload(&app, &w.org.token, "", fixture("bad_rows.csv")).await;
    let p = expect_problem(&res, 422);
    assert_eq!(p["code"], "validation_failed");
    assert_eq!(p["errors_omitted"], 0);
    assert_eq!(
        located(&p),
        [
            at(3, None, "overlapping_shifts"),
            at(4, Some("start"), "invalid_time"),
            at(5, Some("datum"), "invalid_date"),
            at(6, Some("typ"), "invalid_kind"),
            at(7, Some("dubbel"), "invalid_yes_no"),
            at(8, Some("brukare"), "personnummer_as_number"),
            at(9, Some("assistent"), "invalid_personnummer"),
            at(10, Some("assistent"), "unknown_assistant"),
            at(11, Some("brukare"), "unknown_assistance_user"),
            at(12, Some("start"), "missing_value"),
            // Line 13 is `;;;;;;;` and ignored, but counted.
            at(14, Some("assistent"), "not_employed"),
            at(15, Some("dubbel"), "double_without_overlap"),
            at(16, Some("datum"), "month_in_future"),
            at(17, None, "unexpected_value"),
            at(18, Some("start"), "nonexistent_local_time"),
        ]
    );
    // An overlap names both lines.
    let overlap = error_with(&p, "overlapping_shifts");
    assert_eq!(overlap["related_lines"], json!([2]));
    assert!(
        overlap["message"].as_str().unwrap().contains("on line 2 ("),
        "{overlap}"
    );
    // Personal numbers are not echoed back.
    assert!(!p.to_string().contains("19900101-0000"));
    assert!(stored_reports(&app, &w.org.token).await.is_empty());
    // Line numbers survive a BOM, CRLF and the empty `;;;;` lines Excel writes.
    let broken = String::from_utf8(fixture("sv_semicolon_bom_crlf.csv"))
        .unwrap()
        .replace("beredskap", "sömn");
    let res = upload(&app, &w.org.token, "", broken.into_bytes()).await;
    let p = expect_problem(&res, 422);
    assert_eq!(located(&p), [at(6, Some("typ"), "invalid_kind")]);
    // Column names come back as written in the file.
    let broken = String::from_utf8(fixture("utf8_jour_upper.csv"))
        .unwrap()
        .replace("15.30;22.00", "15.30;22.61");
    let res = upload(&app, &w.org.token, "", broken.into_bytes()).await;
    assert_eq!(
        located(&expect_problem(&res, 422)),
        [at(3, Some("SLUT"), "invalid_time")]
    );
}
db_test!(each_bad_row_is_reported_with_its_line_and_column);

async fn excel_numbers_and_file_level_problems(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    // Personnummer that Excel turned into numbers: their own code, per cell.
    let res = upload(&app, t, "", fixture("excel_numbers.csv")).await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        located(&p),
        [
            at(2, Some("brukare"), "personnummer_as_number"),
            at(2, Some("assistent"), "personnummer_as_number"),
        ]
    );
    assert!(error_with(&p, "personnummer_as_number")["message"]
        .as_str()
        .unwrap()
        .contains("Text"));
    // Header faults, all at once, on line 1.
    let res = upload(
        &app,
        t,
        "",
        b"brukare;assistent;datum;Datum;stat;slut\n1;2;3;4;5;6\n".to_vec(),
    )
    .await;
    assert_eq!(
        located(&expect_problem(&res, 422)),
        [
            at(1, Some("Datum"), "duplicate_column"),
            at(1, Some("stat"), "unknown_column"),
            at(1, Some("start"), "missing_column"),
        ]
    );
    // Empty, header only, UTF-16, not UTF-8 after a UTF-8 byte-order mark.
    for (body, line, code) in [
        (b"".to_vec(), 1, "empty_file"),
        (b";;;;\r\n\r\n".to_vec(), 1, "empty_file"),
        (
            b"brukare;assistent;datum;start;slut\r\n;;;;\r\n".to_vec(),
            1,
            "no_rows",
        ),
        (b"\xFF\xFEb\x00r\x00".to_vec(), 1, "unsupported_encoding"),
        (
            b"\xEF\xBB\xBFbrukare;assistent;datum;start;slut\r\nv\xE4ntetid;;;;\r\n".to_vec(),
            2,
            "unreadable_csv",
        ),
    ] {
        let res = upload(&app, t, "", body).await;
        assert_eq!(
            located(&expect_problem(&res, 422)),
            [at(line, None, code)],
            "{code}"
        );
    }
    // Lines before the header count too.
    let body =
        format!(";;;;\n\nbrukare,assistent,datum,start,slut\n{U1},{A1},2026-10-01,08:00,33:00\n");
    let res = upload(&app, t, "", body.into_bytes()).await;
    assert_eq!(
        located(&expect_problem(&res, 422)),
        [at(4, Some("slut"), "invalid_time")]
    );
    // Wrong media type, wrong role, no token.
    let res = app
        .post_raw(
            IMPORT,
            t,
            "application/json",
            fixture("en_comma_lf.csv"),
            &[],
        )
        .await;
    assert_eq!(expect_problem(&res, 415)["code"], "unsupported_media_type");
    let res = upload(&app, &app.auditor(), "", fixture("en_comma_lf.csv")).await;
    expect_problem(&res, 403);
    let res = upload(&app, "", "", fixture("en_comma_lf.csv")).await;
    expect_problem(&res, 401);
    let res = upload(&app, t, "?dry_run=perhaps", fixture("en_comma_lf.csv")).await;
    expect_problem(&res, 422);
    assert!(stored_reports(&app, t).await.is_empty());
}
db_test!(excel_numbers_and_file_level_problems);

async fn dry_run_checks_everything_and_stores_nothing(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    let res = upload(
        &app,
        t,
        "?dry_run=true",
        fixture("sv_semicolon_bom_crlf.csv"),
    )
    .await;
    let r = expect(&res, 200);
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["receipts"].as_array().unwrap().len(), 1);
    assert_eq!(r["receipts"][0]["version"], 1);
    assert_eq!(r["receipts"][0]["hours"]["payable"], "25.82");
    assert!(stored_reports(&app, t).await.is_empty());
    // Bad rows: the same 422 as a real import.
    let res = upload(&app, t, "?dry_run=true", fixture("bad_rows.csv")).await;
    assert_eq!(located(&expect_problem(&res, 422)).len(), 15);
    // After a real import, a dry run of other rows says 409, of the same rows
    // "unchanged", of other rows with a reason "version 2" — and stores nothing.
    expect(
        &upload(&app, t, "", fixture("sv_semicolon_bom_crlf.csv")).await,
        201,
    );
    let changed = String::from_utf8(fixture("en_comma_lf.csv"))
        .unwrap()
        .replace("08:00,12:00,\"standby\"", "08:00,13:00,\"standby\"");
    let res = upload(&app, t, "?dry_run=true", changed.clone().into_bytes()).await;
    expect_problem(&res, 409);
    let res = upload(&app, t, "?dry_run=true", fixture("en_comma_lf.csv")).await;
    assert_eq!(expect(&res, 200)["unchanged"].as_array().unwrap().len(), 1);
    let res = upload(
        &app,
        t,
        "?dry_run=true&correction_reason=Fel%20tid",
        changed.into_bytes(),
    )
    .await;
    let r = expect(&res, 200);
    assert_eq!(r["receipts"][0]["version"], 2);
    let stored = stored_reports(&app, t).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["version"], 1);
}
db_test!(dry_run_checks_everything_and_stores_nothing);

async fn a_bad_last_line_leaves_the_database_untouched(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    let file = fixture("two_users_two_months_bad_last.csv");
    let res = upload(&app, t, "", file.clone()).await;
    let p = expect_problem(&res, 422);
    assert_eq!(located(&p), [at(7, Some("assistent"), "unknown_assistant")]);
    assert!(stored_reports(&app, t).await.is_empty());
    // Without the bad line: one report per (user, month), in file order.
    let text = String::from_utf8(file).unwrap();
    let good: String = text.lines().take(6).map(|l| format!("{l}\n")).collect();
    let res = upload(&app, t, "", good.clone().into_bytes()).await;
    let r = expect(&res, 201);
    let got: Vec<(String, String, u64)> = r["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["assistance_user_id"].as_str().unwrap().to_string(),
                x["month"].as_str().unwrap().to_string(),
                x["first_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (w.u1.clone(), "2026-09".to_string(), 2),
            (w.u2.clone(), "2026-09".to_string(), 3),
            (w.u1.clone(), "2026-10".to_string(), 4),
            (w.u2.clone(), "2026-10".to_string(), 5),
        ]
    );
    assert_eq!(r["receipts"][2]["row_count"], 2);
    assert_eq!(r["receipts"][3]["hours"]["waiting"], "4.00");
    assert_eq!(stored_reports(&app, t).await.len(), 4);
    // A correction of every month whose last line is bad changes nothing.
    let corrected = format!(
        "{}{U2};{A2};2026-10-28;08:00;12:00;aktiv;nej;nej\n{U1};{A1};2026-10-29;08:00;99:00;aktiv;nej;nej\n",
        good.replace("08:00;16:00", "08:00;17:00")
    );
    let res = upload(&app, t, "?correction_reason=Fel", corrected.into_bytes()).await;
    assert_eq!(
        located(&expect_problem(&res, 422)),
        [at(8, Some("slut"), "invalid_time")]
    );
    for report in stored_reports(&app, t).await {
        assert_eq!(report["version"], 1);
    }
}
db_test!(a_bad_last_line_leaves_the_database_untouched);

async fn overlaps_between_reports_of_one_file_name_both_lines(app: TestApp) {
    let w = world(&app).await;
    let body = format!(
        "brukare;assistent;datum;start;slut\n{U1};{A1};2026-10-01;08:00;16:00\n{U1};{A2};2026-10-01;08:00;16:00\n{U2};{A1};2026-10-01;12:00;14:00\n"
    );
    let res = upload(&app, &w.org.token, "", body.into_bytes()).await;
    let p = expect_problem(&res, 422);
    assert_eq!(located(&p), [at(4, None, "overlaps_stored_report")]);
    assert_eq!(p["errors"][0]["related_lines"], json!([2]));
    assert!(stored_reports(&app, &w.org.token).await.is_empty());
}
db_test!(overlaps_between_reports_of_one_file_name_both_lines);

async fn corrections_need_a_reason_and_identical_months_are_unchanged(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    let res = upload(&app, t, "", fixture("sv_semicolon_bom_crlf.csv")).await;
    let v1 = expect(&res, 201)["receipts"][0].clone();
    let id = v1["id"].as_str().unwrap().to_string();
    let changed = String::from_utf8(fixture("utf8_nobom_vantetid.csv"))
        .unwrap()
        .replace("08:00;12:00;beredskap", "08:00;13:00;beredskap");
    let res = upload(&app, t, "", changed.clone().into_bytes()).await;
    let p = expect_problem(&res, 409);
    assert_eq!(p["code"], "correction_reason_required");
    assert_eq!(p["report_id"], id.as_str());
    assert_eq!(p["current_version"], 1);
    assert_eq!(
        p["reports"],
        json!([{"report_id": id, "current_version": 1, "assistance_user_id": w.u1, "month": "2026-10", "line": 2}])
    );
    // An empty reason is no reason.
    let res = upload(
        &app,
        t,
        "?correction_reason=%20",
        changed.clone().into_bytes(),
    )
    .await;
    expect_problem(&res, 409);
    let res = upload(
        &app,
        t,
        "?correction_reason=Fel%20sluttid",
        changed.clone().into_bytes(),
    )
    .await;
    let v2 = expect(&res, 201)["receipts"][0].clone();
    assert_eq!(v2["id"], id.as_str());
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["correction_reason"], "Fel sluttid");
    assert_ne!(v2["content_hash"], v1["content_hash"]);
    // The same file again: nothing new, even with a reason.
    let res = upload(
        &app,
        t,
        "?correction_reason=Igen",
        changed.clone().into_bytes(),
    )
    .await;
    let r = expect(&res, 200);
    assert_eq!(r["receipts"], json!([]));
    assert_eq!(r["unchanged"][0]["version"], 2);
    // One month unchanged and one new in the same file.
    let both = format!("{changed}{U2};{A1};2026-10-03;08:00;12:00;aktiv;nej;nej\n");
    let res = upload(&app, t, "", both.into_bytes()).await;
    let r = expect(&res, 201);
    assert_eq!(r["unchanged"][0]["id"], id.as_str());
    assert_eq!(r["receipts"][0]["assistance_user_id"], w.u2.as_str());
    assert_eq!(r["receipts"][0]["first_line"], 8);
    let res = app
        .get(&format!("/api/v1/time-reports/{id}/versions"), t)
        .await;
    assert_eq!(expect(&res, 200).as_array().unwrap().len(), 2);
}
db_test!(corrections_need_a_reason_and_identical_months_are_unchanged);

async fn idempotency_key_replays_the_first_result(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    let key = [("Idempotency-Key", "lon-2026-10")];
    let res = upload_with(&app, t, "", fixture("windows1252_crlf.csv"), &key).await;
    let first = expect(&res, 201);
    // A replay, later, gives the first result (201, same receipt), even
    // though the same rows would now be "unchanged".
    app.set_now("2026-11-20T10:00:00Z");
    let res = upload_with(&app, t, "", fixture("windows1252_crlf.csv"), &key).await;
    assert_eq!(expect(&res, 201), first);
    // Same key, another file or another reason: refused.
    let res = upload_with(&app, t, "", fixture("en_comma_lf.csv"), &key).await;
    assert_eq!(expect_problem(&res, 422)["code"], "idempotency_key_reused");
    let res = upload_with(
        &app,
        t,
        "?correction_reason=x",
        fixture("windows1252_crlf.csv"),
        &key,
    )
    .await;
    assert_eq!(expect_problem(&res, 422)["code"], "idempotency_key_reused");
    // Another key: processed, unchanged.
    let res = upload_with(
        &app,
        t,
        "",
        fixture("windows1252_crlf.csv"),
        &[("Idempotency-Key", "lon-2026-10-b")],
    )
    .await;
    assert_eq!(expect(&res, 200)["unchanged"].as_array().unwrap().len(), 1);
    let id = first["receipts"][0]["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/time-reports/{id}/versions"), t)
        .await;
    assert_eq!(expect(&res, 200).as_array().unwrap().len(), 1);
}
db_test!(idempotency_key_replays_the_first_result);

async fn warnings_are_located_in_the_file(app: TestApp) {
    let w = world(&app).await;
    let body = format!(
        "brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\n{U1};{A1};2026-11-02;08:00;12:00;aktiv;nej;ja\n"
    );
    let res = upload(&app, &w.org.token, "", body.into_bytes()).await;
    let r = expect(&res, 201);
    let warnings: Vec<(u64, Value, String)> = r["receipts"][0]["csv_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].clone(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        warnings.contains(&at(2, Some("sjukhus"), "hospital_stay")),
        "{warnings:?}"
    );
    assert!(
        warnings.contains(&at(2, Some("datum"), "month_in_progress")),
        "{warnings:?}"
    );
    // The receipt keeps its JSON pointers, as stored.
    assert!(r["receipts"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["pointer"] == "/rows/0/hospital"));
}
db_test!(warnings_are_located_in_the_file);

async fn error_list_and_upload_size_are_capped(app: TestApp) {
    let capped = TestApp::spawn_with(app.db, |s| s.max_import_errors = 3).await;
    let w = world(&capped).await;
    let res = upload(&capped, &w.org.token, "", fixture("bad_rows.csv")).await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        located(&p),
        [
            at(3, None, "overlapping_shifts"),
            at(4, Some("start"), "invalid_time"),
            at(5, Some("datum"), "invalid_date"),
        ]
    );
    assert_eq!(p["errors_omitted"], 12);
    assert!(p["detail"].as_str().unwrap().contains("15 errors"));
    // Uploads are not bound by the JSON body limit (8 MiB in tests): 9 MiB
    // of rows naming an unknown assistance user, every one reported and
    // counted, three listed.
    let line = format!("195501010754;{A1};2026-10-01;08:00;16:00\n");
    let n = 9 * 1024 * 1024 / line.len() + 1;
    let mut big = String::from("brukare;assistent;datum;start;slut\n");
    big.push_str(&line.repeat(n));
    let res = upload(&capped, &w.org.token, "", big.into_bytes()).await;
    let p = expect_problem(&res, 422);
    assert_eq!(
        located(&p),
        [
            at(2, Some("brukare"), "unknown_assistance_user"),
            at(3, Some("brukare"), "unknown_assistance_user"),
            at(4, Some("brukare"), "unknown_assistance_user"),
        ]
    );
    assert_eq!(p["errors_omitted"], n as u64 - 3);
    let small = TestApp::spawn_with(app.db, |s| s.max_import_bytes = 100).await;
    let w = world(&small).await;
    let res = upload(
        &small,
        &w.org.token,
        "",
        fixture("sv_semicolon_bom_crlf.csv"),
    )
    .await;
    assert_eq!(expect_problem(&res, 413)["code"], "payload_too_large");
    assert!(stored_reports(&small, &w.org.token).await.is_empty());
}
db_test!(error_list_and_upload_size_are_capped);

pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----redovisa-test-boundary-7d4a";
    let mut body = Vec::new();
    for (name, filename, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn multipart_upload(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    let file = fixture("windows1252_crlf.csv");
    let (ct, body) = multipart(&[
        ("note", None, b"oktober".as_slice()),
        ("file", Some("tidrapport oktober.csv"), file.as_slice()),
    ]);
    let res = app.post_raw(IMPORT, t, &ct, body, &[]).await;
    let r = expect(&res, 201);
    assert_eq!(r["rows"], 6);
    assert_eq!(r["receipts"][0]["hours"]["waiting"], "9.00");
    // Errors are located the same way.
    let (ct, body) = multipart(&[("upload", Some("fel.csv"), &fixture("bad_rows.csv"))]);
    let res = app
        .post_raw(&format!("{IMPORT}?dry_run=true"), t, &ct, body, &[])
        .await;
    assert_eq!(
        located(&expect_problem(&res, 422))[0],
        at(3, None, "overlapping_shifts")
    );
    // A form without a file.
    let (ct, body) = multipart(&[("note", None, b"x".as_slice())]);
    let res = app.post_raw(IMPORT, t, &ct, body, &[]).await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "missing_file")["field"],
        "file"
    );
    // Both bodies are in the OpenAPI document.
    let doc = expect(&app.get("/api/v1/openapi.json", "").await, 200);
    let body = &doc["paths"]["/api/v1/imports/time-reports"]["post"]["requestBody"]["content"];
    assert!(body.get("text/csv").is_some() && body.get("multipart/form-data").is_some());
    let get = &doc["paths"]["/api/v1/time-reports/{id}"]["get"]["responses"]["200"]["content"];
    assert!(get.get("text/csv").is_some());
}
db_test!(multipart_upload);

async fn export_round_trip(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    let mut waiting = row(&w.a2, "2026-10-01", "22:00", "07:00", "waiting");
    waiting["hospital"] = json!(true);
    let mut d1 = row(&w.a1, "2026-10-05", "08:00", "12:00", "active");
    let mut d2 = row(&w.a2, "2026-10-05", "10:00", "14:00", "active");
    d1["double"] = json!(true);
    d2["double"] = json!(true);
    let rows = vec![
        row(&w.a1, "2026-10-01", "07:00", "15:30", "active"),
        waiting,
        row(&w.a1, "2026-10-02", "16:00", "24:00", "standby"),
        d1,
        d2,
    ];
    let res = app
        .post(
            "/api/v1/time-reports",
            t,
            &json!({"assistance_user_id": w.u1, "month": "2026-10", "rows": rows}),
        )
        .await;
    let r = expect(&res, 201);
    let (id, hash) = (r["id"].as_str().unwrap(), r["content_hash"].clone());
    let res = app
        .get_with(
            &format!("/api/v1/time-reports/{id}"),
            t,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(res.status.as_u16(), 200);
    assert_eq!(res.content_type, "text/csv; charset=utf-8");
    assert!(res
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("tidrapport-2026-10"));
    let expected = "\u{feff}brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\r\n\
         19700101-0110;19900101-0314;2026-10-01;07:00;15:30;aktiv;nej;nej\r\n\
         19700101-0110;19920202-0427;2026-10-01;22:00;07:00;väntetid;nej;ja\r\n\
         19700101-0110;19900101-0314;2026-10-02;16:00;24:00;beredskap;nej;nej\r\n\
         19700101-0110;19900101-0314;2026-10-05;08:00;12:00;aktiv;ja;nej\r\n\
         19700101-0110;19920202-0427;2026-10-05;10:00;14:00;aktiv;ja;nej\r\n";
    assert_eq!(res.text, expected);
    let res2 = app
        .get(&format!("/api/v1/time-reports/{id}?format=csv"), t)
        .await;
    assert_eq!(res2.text, expected);
    // Re-importing the export changes nothing: same hash.
    let res = upload(&app, t, "", res.text.clone().into_bytes()).await;
    let back = expect(&res, 200);
    assert_eq!(back["unchanged"][0]["content_hash"], hash);
    assert_eq!(back["unchanged"][0]["id"], id);
    // The list export: every row of every listed report.
    expect(
        &upload(&app, t, "", fixture("required_columns_only.csv")).await,
        201,
    );
    let res = app
        .get("/api/v1/time-reports?month=2026-10&format=csv&limit=1", t)
        .await;
    assert_eq!(res.status.as_u16(), 200, "{res:?}");
    assert_eq!(res.text.lines().count(), 1 + 5 + 2);
    assert!(res
        .text
        .contains("19650505-0226;19920202-0427;2026-10-10;16:00;22:00;aktiv;nej;nej"));
    let res = upload(&app, t, "", res.text.clone().into_bytes()).await;
    assert_eq!(expect(&res, 200)["unchanged"].as_array().unwrap().len(), 2);
    let res = app
        .get_with("/api/v1/time-reports", t, &[("Accept", "text/csv")])
        .await;
    assert_eq!(res.text.lines().count(), 8);
    // JSON stays the default; `format` must be csv or json.
    let res = app
        .get_with(
            &format!("/api/v1/time-reports/{id}"),
            t,
            &[("Accept", "application/json")],
        )
        .await;
    assert_eq!(expect(&res, 200)["rows"].as_array().unwrap().len(), 5);
    let res = app
        .get(&format!("/api/v1/time-reports/{id}?format=xml"), t)
        .await;
    expect_problem(&res, 422);
    // Tenancy: another organisation gets 404; an auditor may export.
    let other = fixtures::org(&app).await;
    let res = app
        .get(
            &format!("/api/v1/time-reports/{id}?format=csv"),
            &other.token,
        )
        .await;
    expect_problem(&res, 404);
    let res = app
        .get("/api/v1/time-reports?format=csv", &other.token)
        .await;
    assert_eq!(res.text.lines().count(), 1);
    let res = app
        .get(
            &format!("/api/v1/time-reports/{id}?format=csv"),
            &app.auditor(),
        )
        .await;
    assert_eq!(res.text, expected);
}
db_test!(export_round_trip);

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_redovisa"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .env_remove("REDOVISA_MAX_IMPORT_ERRORS")
        .output()
        .expect("the binary runs")
}

async fn cli_import_uses_the_same_pipeline(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    // Bad rows: exit code 1, the API's problem on stdout, lines on stderr.
    let out = cli(
        &app,
        &["import", &fixture_path("bad_rows.csv"), "--org", &w.org.id],
    );
    assert!(!out.status.success());
    let problem: Value = serde_json::from_slice(&out.stdout).expect("problem JSON on stdout");
    let api = expect_problem(&upload(&app, t, "", fixture("bad_rows.csv")).await, 422);
    assert_eq!(problem["errors"], api["errors"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 4, start: invalid_time"), "{stderr}");
    assert!(stderr.contains("(see line 2)"), "{stderr}");
    // No progress bar when stderr is not a terminal.
    assert!(!stderr.contains("reading"), "{stderr}");
    // A dry run stores nothing.
    let out = cli(
        &app,
        &[
            "import",
            &fixture_path("windows1252_crlf.csv"),
            "--org",
            &w.org.id,
            "--dry-run",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["receipts"][0]["hours"]["waiting"], "9.00");
    assert!(stored_reports(&app, t).await.is_empty());
    // For real.
    let out = cli(
        &app,
        &[
            "import",
            &fixture_path("windows1252_crlf.csv"),
            "--org",
            &w.org.id,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = r["receipts"][0]["id"].as_str().unwrap().to_string();
    let stored = stored_reports(&app, t).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], id.as_str());
    let res = app
        .get(&format!("/api/v1/time-reports/{id}/audit"), t)
        .await;
    assert_eq!(expect(&res, 200)[0]["actor"], "cli");
    // The API sees the same rows as unchanged.
    let res = upload(&app, t, "", fixture("sv_semicolon_bom_crlf.csv")).await;
    assert_eq!(expect(&res, 200)["unchanged"][0]["id"], id.as_str());
    // The error list is capped as configured.
    let out = cli(
        &app,
        &[
            "import",
            &fixture_path("two_users_two_months_bad_last.csv"),
            "--org",
            &w.org.id,
            "--max-errors",
            "0",
        ],
    );
    assert!(!out.status.success());
    let problem: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problem["errors"], json!(null));
    assert_eq!(problem["errors_omitted"], 1);
    // Unknown organisation, missing file.
    let out = cli(
        &app,
        &["import", &fixture_path("bad_rows.csv"), "--org", "nope"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no organisation"));
    let out = cli(&app, &["import", "/nonexistent/x.csv", "--org", &w.org.id]);
    assert!(!out.status.success());
}
db_test!(cli_import_uses_the_same_pipeline);

async fn the_documented_example_imports(app: TestApp) {
    let w = world(&app).await;
    let a3 = {
        let res = app
            .get(
                &format!("/api/v1/assistants?personnummer={A3}"),
                &w.org.token,
            )
            .await;
        expect(&res, 200)["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    fixtures::employment(&app, &w.org, &a3, &w.u1, json!({})).await;
    let path = format!(
        "{}/docs/examples/tidrapport-2026-10.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let res = upload(&app, &w.org.token, "", std::fs::read(path).unwrap()).await;
    let r = expect(&res, 201);
    let rec = &r["receipts"][0];
    assert_eq!(rec["row_count"], 87);
    // As docs/csv-format.md says: the night of 24–25 October is 13 h.
    assert_eq!(rec["hours"]["active"], "440.00");
    assert_eq!(rec["hours"]["waiting"], "198.00");
    assert_eq!(rec["hours"]["standby"], "109.00");
    assert_eq!(rec["hours"]["payable"], "505.07");
    let warnings: Vec<(u64, Value, String)> = rec["csv_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].clone(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(warnings, [at(57, Some("sjukhus"), "hospital_stay")]);
}
db_test!(the_documented_example_imports);

/// The streaming claim, measured: a file of more than 1 000 000 rows (915
/// assistance users × 12 months, three shifts a day by four assistants in
/// turn) imported through the CLI under `/usr/bin/time -v`. Slow, so
/// ignored by default; run it in release to measure (figures in
/// docs/csv-format.md):
///
/// `cargo test --release --test api csv::large_file -- --ignored --nocapture`
#[actix_web::test]
#[ignore]
async fn large_file_imports_through_the_cli_in_bounded_memory() {
    use std::io::Write;
    const USERS: u32 = 915;
    let app = TestApp::spawn(Db::Sqlite).await;
    let org = fixtures::org(&app).await;
    let mut people: Vec<(String, [String; 4])> = Vec::new();
    for u in 0..USERS {
        let user_pnr = pnr(&format!("19{:02}0101", 20 + u / 900), u % 900 + 1);
        let user = fixtures::user(&app, &org, &user_pnr).await;
        let mut assistants: [String; 4] = Default::default();
        for (k, slot) in assistants.iter_mut().enumerate() {
            let n = u * 4 + k as u32;
            let p = pnr(&format!("19{:02}0202", 60 + n / 900), n % 900 + 1);
            let a = fixtures::assistant(&app, &org, &p).await;
            fixtures::employment(&app, &org, &a, &user, json!({})).await;
            *slot = p;
        }
        fixtures::decision(&app, &org, &user, json!({})).await;
        people.push((user_pnr, assistants));
    }
    let dir = std::env::temp_dir().join(format!("redovisa-large-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("large.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    out.write_all(b"\xEF\xBB\xBFbrukare;assistent;datum;start;slut;typ;dubbel;sjukhus\r\n")
        .unwrap();
    let first: chrono::NaiveDate = "2025-11-01".parse().unwrap();
    let last: chrono::NaiveDate = "2026-10-31".parse().unwrap();
    let mut rows = 0u64;
    for (user, assistants) in &people {
        let mut day = first;
        let mut n = 0usize;
        while day <= last {
            for (k, (start, end, kind)) in [
                ("07:00", "15:00", "aktiv"),
                ("15:00", "23:00", "aktiv"),
                ("23:00", "07:00", "väntetid"),
            ]
            .iter()
            .enumerate()
            {
                let a = &assistants[(n + k) % 4];
                writeln!(out, "{user};{a};{day};{start};{end};{kind};nej;nej\r").unwrap();
                rows += 1;
            }
            day = day.succ_opt().unwrap();
            n += 1;
        }
    }
    out.flush().unwrap();
    drop(out);
    let bytes = std::fs::metadata(&path).unwrap().len();
    assert!(rows >= 1_000_000, "{rows}");
    let mut cmd = if std::path::Path::new("/usr/bin/time").exists() {
        let mut c = std::process::Command::new("/usr/bin/time");
        c.arg("-v").arg(env!("CARGO_BIN_EXE_redovisa"));
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_redovisa"))
    };
    let started = std::time::Instant::now();
    let output = cmd
        .args(["import", path.to_str().unwrap(), "--org", &org.id])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["rows"], rows);
    assert_eq!(
        result["receipts"].as_array().unwrap().len(),
        USERS as usize * 12
    );
    let rss_kib = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse::<u64>().ok());
    eprintln!(
        "imported {rows} rows ({} MiB) in {:.1} s; peak RSS {}",
        bytes / (1024 * 1024),
        elapsed.as_secs_f64(),
        rss_kib.map_or("not measured (no /usr/bin/time)".to_string(), |k| format!(
            "{} MiB",
            k / 1024
        ))
    );
    if let Some(k) = rss_kib {
        assert!(k < 1024 * 1024, "peak RSS {k} KiB");
    }
    let _ = std::fs::remove_dir_all(dir);
}
