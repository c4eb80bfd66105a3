//! `.xlsx` uploads through the CSV import (docs/csv-format.md) and the
//! template (`GET /api/v1/imports/template`). The workbooks are generated
//! here with rust_xlsxwriter, cell by cell, as Excel stores them: dates as
//! serial numbers, clock times as fractions of a day, booleans, text.

use rust_xlsxwriter::{Format, Workbook};
use serde_json::{json, Value};

use crate::csv::{fixture, multipart, world, A1, A2, U1};
use crate::db_test;
use crate::helpers::*;

const IMPORT: &str = "/api/v1/imports/time-reports";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// 2026-10-01 as an Excel serial (days since 1899-12-30).
pub const OCT_1: f64 = 46296.0;

/// A cell as Excel keeps it.
#[derive(Clone)]
pub enum C {
    Text(&'static str),
    Number(f64),
    Date(f64),
    Time(f64),
    Bool(bool),
    Empty,
}

/// A clock time as a fraction of a day, as Excel stores `hh:mm`.
pub fn hm(h: u32, m: u32) -> f64 {
    f64::from(h * 60 + m) / 1440.0
}

/// A one-sheet workbook; `rows[0]` is sheet row 1.
pub fn workbook(rows: &[Vec<C>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("hh:mm");
    let sheet = wb.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                C::Text(s) => sheet.write_string(r, c, *s).map(|_| ()),
                C::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                C::Date(n) => sheet.write_number_with_format(r, c, *n, &date).map(|_| ()),
                C::Time(n) => sheet.write_number_with_format(r, c, *n, &time).map(|_| ()),
                C::Bool(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
                C::Empty => Ok(()),
            }
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

pub fn header() -> Vec<C> {
    [
        "brukare",
        "assistent",
        "datum",
        "start",
        "slut",
        "typ",
        "dubbel",
        "sjukhus",
    ]
    .into_iter()
    .map(C::Text)
    .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn shift(
    user: C,
    assistant: &'static str,
    day: f64,
    start: f64,
    end: f64,
    kind: &'static str,
    double: C,
) -> Vec<C> {
    vec![
        user,
        C::Text(assistant),
        C::Date(OCT_1 + day),
        C::Time(start),
        C::Time(end),
        C::Text(kind),
        double,
        C::Text("nej"),
    ]
}

/// The six shifts of `tests/fixtures/csv/sv_semicolon_bom_crlf.csv`, as a
/// workbook: the personnummer of one row kept as a number (as Excel does),
/// one `dubbel` as Excel's TRUE, a time of 15.5 hours computed (=1/24*15.5,
/// float noise included), and an empty row in between.
pub fn october() -> Vec<u8> {
    let noisy_half_past_three = 1.0 / 24.0 * 15.5;
    workbook(&[
        header(),
        shift(
            C::Text(U1),
            A1,
            0.0,
            hm(7, 0),
            hm(15, 30),
            "aktiv",
            C::Text("nej"),
        ),
        shift(
            C::Number(197001010110.0),
            A2,
            0.0,
            noisy_half_past_three,
            hm(22, 0),
            "aktiv",
            C::Empty,
        ),
        vec![C::Empty; 8],
        shift(
            C::Text(U1),
            A2,
            0.0,
            hm(22, 0),
            hm(7, 0),
            "väntetid",
            C::Bool(false),
        ),
        shift(
            C::Text(U1),
            A1,
            1.0,
            hm(8, 0),
            hm(12, 0),
            "beredskap",
            C::Text("nej"),
        ),
        shift(
            C::Text(U1),
            A1,
            4.0,
            hm(8, 0),
            hm(12, 0),
            "aktiv",
            C::Bool(true),
        ),
        // Written as an older tool writes it: 15 significant digits.
        vec![
            C::Text(U1),
            C::Text(A2),
            C::Date(OCT_1 + 4.0),
            C::Time(0.416666666666667),
            C::Time(0.583333333333333),
            C::Text("aktiv"),
            C::Text("ja"),
            C::Empty,
        ],
    ])
}

async fn upload(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Res {
    app.post_raw(&format!("{IMPORT}{query}"), token, XLSX, body, &[])
        .await
}

async fn a_workbook_stores_the_same_report_as_its_csv(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    // A dry run first: nothing stored, the figures already there.
    let res = upload(&app, t, "?dry_run=true", october()).await;
    let dry = expect(&res, 200);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["receipts"][0]["hours"]["payable"], "25.82");
    let res = upload(&app, t, "", october()).await;
    let r = expect(&res, 201);
    assert_eq!(r["rows"], 6);
    let rec = &r["receipts"][0];
    assert_eq!(rec["assistance_user_id"], w.u1.as_str());
    assert_eq!(rec["month"], "2026-10");
    assert_eq!(rec["row_count"], 6);
    assert_eq!(rec["first_line"], 2);
    assert_eq!(rec["hours"]["active"], "23.00");
    assert_eq!(rec["hours"]["waiting"], "9.00");
    assert_eq!(rec["hours"]["standby"], "4.00");
    assert_eq!(rec["hours"]["payable"], "25.82");
    // The CSV of the same month is the same report: nothing new.
    let res = app
        .post_raw(
            IMPORT,
            t,
            "text/csv",
            fixture("sv_semicolon_bom_crlf.csv"),
            &[],
        )
        .await;
    let again = expect(&res, 200);
    assert_eq!(again["unchanged"][0]["content_hash"], rec["content_hash"]);
    // Stored times are exact minutes.
    let id = rec["id"].as_str().unwrap();
    let full = expect(
        &app.get(&format!("/api/v1/time-reports/{id}"), t).await,
        200,
    );
    let times: Vec<(Value, Value)> = full["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["start"].clone(), r["end"].clone()))
        .collect();
    assert!(
        times.contains(&(json!("15:30"), json!("22:00"))),
        "{times:?}"
    );
    assert!(
        times.contains(&(json!("10:00"), json!("14:00"))),
        "{times:?}"
    );
    // The workbook as a file of a form, as the upload page sends it.
    let (ct, body) = multipart(&[("file", Some("oktober.xlsx"), october().as_slice())]);
    let res = app.post_raw(IMPORT, t, &ct, body, &[]).await;
    assert_eq!(
        expect(&res, 200)["unchanged"][0]["content_hash"],
        rec["content_hash"]
    );
}
db_test!(a_workbook_stores_the_same_report_as_its_csv);

/// A sheet with faults, as a person would make it: a header spelt
/// `Start`, a good shift, a time half a minute past seven (sheet row 3), an
/// empty row, an unknown kind `sömn` (row 5).
pub fn faulty_rows() -> Vec<Vec<C>> {
    let mut head = header();
    head[3] = C::Text("Start");
    vec![
        head,
        shift(C::Text(U1), A1, 0.0, hm(7, 0), hm(15, 0), "aktiv", C::Empty),
        // Half a minute past seven: kept, and refused by the import's rule.
        shift(
            C::Text(U1),
            A1,
            1.0,
            hm(7, 0) + 30.0 / 86_400.0,
            hm(15, 0),
            "aktiv",
            C::Empty,
        ),
        vec![C::Empty; 8],
        shift(C::Text(U1), A1, 2.0, hm(7, 0), hm(15, 0), "sömn", C::Empty),
    ]
}

async fn faults_name_the_sheet_row_header_and_cell(app: TestApp) {
    let w = world(&app).await;
    let mut rows = faulty_rows();
    rows.push(shift(
        C::Text(U1),
        A1,
        3.0,
        hm(7, 0),
        hm(15, 0),
        "aktiv",
        C::Text("kanske"),
    ));
    let book = workbook(&rows);
    let res = upload(&app, &w.org.token, "", book).await;
    let p = expect_problem(&res, 422);
    let located: Vec<(u64, Value, Value, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].clone(),
                e["cell"].clone(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            (3, json!("Start"), json!("D3"), "invalid_time".to_string()),
            (5, json!("typ"), json!("F5"), "invalid_kind".to_string()),
            (
                6,
                json!("dubbel"),
                json!("G6"),
                "invalid_yes_no".to_string()
            ),
        ]
    );
    assert!(
        error_with(&p, "invalid_time")["message"]
            .as_str()
            .unwrap()
            .contains("07:00:30"),
        "{p}"
    );
    // Nothing stored; the same problem in Swedish keeps its codes.
    let res = app.get("/api/v1/time-reports", &w.org.token).await;
    assert_eq!(expect(&res, 200)["items"], json!([]));
    // Not a workbook at all, though it is a zip archive.
    let res = upload(&app, &w.org.token, "", b"PK\x03\x04garbage".to_vec()).await;
    let p = expect_problem(&res, 422);
    assert_eq!(error_with(&p, "unreadable_workbook")["line"], 1);
}
db_test!(faults_name_the_sheet_row_header_and_cell);

async fn the_template_comes_as_csv_and_xlsx(app: TestApp) {
    let w = world(&app).await;
    let t = &w.org.token;
    let res = app.get("/api/v1/imports/template?format=csv", t).await;
    assert_eq!(res.status.as_u16(), 200, "{res:?}");
    assert_eq!(res.content_type, "text/csv; charset=windows-1252");
    assert_eq!(
        res.bytes,
        b"brukare;assistent;datum;start;slut;typ;dubbel;sjukhus\r\n"
    );
    let disposition = res.headers.get("content-disposition").unwrap();
    assert!(disposition
        .to_str()
        .unwrap()
        .contains("mall-tidrapport.csv"));
    let res = app.get("/api/v1/imports/template?format=xlsx", t).await;
    assert_eq!(res.status.as_u16(), 200);
    assert_eq!(res.content_type, XLSX);
    assert!(res.bytes.starts_with(b"PK\x03\x04"));
    // The template read back is an empty file: its header is the import's.
    let res = upload(&app, t, "?dry_run=true", res.bytes.clone()).await;
    let p = expect_problem(&res, 422);
    assert_eq!(codes(&p), ["no_rows"], "{p}");
    let res = app.get("/api/v1/imports/template?format=pdf", t).await;
    expect_problem(&res, 422);
    let res = app.get("/api/v1/imports/template", "").await;
    expect_problem(&res, 401);
}
db_test!(the_template_comes_as_csv_and_xlsx);
