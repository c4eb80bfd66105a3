//! The 2027 rule: what a late report is worth (expected payable hours on
//! receipts, the invoice draft, the balance and the dashboard), and the
//! exceptions FK grants. January 2027 is due 2027-03-05 (a Friday); the
//! fixtures' six-month grant periods put its outer limit at 2027-08-05.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::{self, World};
use crate::helpers::*;
use crate::invoices::set_rate;
use crate::time_reports::{report, row};

const ON_TIME: &str = "2027-02-10T09:00:00Z";
/// Still the 5th in UTC, already the 6th in Stockholm.
const LATE: &str = "2027-03-05T23:30:00Z";
const AFTER_DUE: &str = "2027-03-10T09:00:00Z";

/// `days` days of 8 active hours from the 1st of `month`.
fn rows(w: &World, month: &str, days: u32) -> Vec<Value> {
    (1..=days)
        .map(|d| {
            row(
                &w.assistants[0],
                &format!("{month}-{d:02}"),
                "08:00",
                "16:00",
                "active",
            )
        })
        .collect()
}

async fn post_report(
    app: &TestApp,
    w: &World,
    month: &str,
    days: u32,
    reason: Option<&str>,
) -> Value {
    let mut body = report(w, month, rows(w, month, days));
    if let Some(r) = reason {
        body["correction_reason"] = json!(r);
    }
    let res = app.post("/api/v1/time-reports", &w.org.token, &body).await;
    expect(&res, 201)
}

async fn draft(app: &TestApp, w: &World, month: &str) -> Value {
    let res = app
        .get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month={month}",
                w.user
            ),
            &w.org.token,
        )
        .await;
    expect(&res, 200)
}

async fn post_invoice(app: &TestApp, w: &World, month: &str) {
    let d = draft(app, w, month).await;
    let claim = json!({
        "assistance_user_id": w.user,
        "month": month,
        "payable_hours": d["payable_hours"],
        "sek_per_hour": d["sek_per_hour"],
        "amount_sek": d["amount_sek"],
    });
    expect(
        &app.post("/api/v1/invoices", &w.org.token, &claim).await,
        201,
    );
}

async fn current(app: &TestApp, w: &World, id: &str) -> Value {
    expect(
        &app.get(&format!("/api/v1/time-reports/{id}"), &w.org.token)
            .await,
        200,
    )
}

fn late_warning(receipt: &Value) -> Option<Value> {
    receipt["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "late_not_payable")
        .cloned()
}

async fn balance_month(app: &TestApp, w: &World, month: &str) -> Value {
    let res = app
        .get(
            &format!(
                "/api/v1/assistance-users/{}/balance?from={month}&to={month}",
                w.user
            ),
            &w.org.token,
        )
        .await;
    expect(&res, 200)["months"][0].clone()
}

async fn dashboard(app: &TestApp, w: &World, month: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/dashboard/compliance?month={month}"),
            &w.org.token,
        )
        .await;
    expect(&res, 200)
}

async fn world(app: &TestApp) -> World {
    set_rate(app, 2026, "340.00").await;
    set_rate(app, 2027, "350.00").await;
    fixtures::world(app, 1).await
}

async fn on_time_report_and_invoice_are_paid_as_reported(app: TestApp) {
    let w = world(&app).await;
    app.set_now(ON_TIME);
    let r = post_report(&app, &w, "2027-01", 10, None).await;
    assert_eq!(r["hours"]["payable"], "80.00");
    assert_eq!(r["hours"]["expected_payable"], "80.00");
    post_invoice(&app, &w, "2027-01").await;

    app.set_now(AFTER_DUE);
    let r = current(&app, &w, r["id"].as_str().unwrap()).await;
    assert_eq!(r["hours"]["expected_payable"], "80.00");
    assert_eq!(late_warning(&r), None, "{r:#}");
    let d = draft(&app, &w, "2027-01").await;
    assert_eq!(d["payable_hours"], "80.00");
    assert_eq!(d["expected_payable_hours"], "80.00");
    assert_eq!(
        d["late_not_payable"],
        json!({"hours": "0.00", "amount_sek": "0.00"})
    );
    let b = balance_month(&app, &w, "2027-01").await;
    assert_eq!(b["reported_payable_hours"], "80.00");
    assert_eq!(b["late_not_payable_hours"], "0.00");
}
db_test!(on_time_report_and_invoice_are_paid_as_reported);

async fn a_late_report_is_not_expected_to_be_paid(app: TestApp) {
    let w = world(&app).await;
    app.set_now(LATE);
    let r = post_report(&app, &w, "2027-01", 10, None).await;
    assert_eq!(r["on_time"], false);
    assert_eq!(r["hours"]["payable"], "80.00", "the version's own figure");
    assert_eq!(r["hours"]["expected_payable"], "0.00");
    let warning = late_warning(&r).expect("late_not_payable");
    assert_eq!(warning["hours"], "80.00");
    assert_eq!(warning["amount_sek"], "28000.00");
    assert!(warning["message"].as_str().unwrap().contains("2027-03-05"));
    post_invoice(&app, &w, "2027-01").await;

    // The invoice still claims what the reports say; the draft shows the loss.
    let d = draft(&app, &w, "2027-01").await;
    assert_eq!(d["payable_hours"], "80.00");
    assert_eq!(d["expected_payable_hours"], "0.00");
    assert_eq!(
        d["late_not_payable"],
        json!({"hours": "80.00", "amount_sek": "28000.00"})
    );
    let b = balance_month(&app, &w, "2027-01").await;
    assert_eq!(b["reported_payable_hours"], "0.00");
    assert_eq!(b["late_not_payable_hours"], "80.00");
    assert_eq!(b["amount_sek"], "0.00");
    let dash = dashboard(&app, &w, "2027-01").await;
    let row = &dash["rows"][0];
    assert_eq!(row["reported_payable_hours"], "0.00");
    assert_eq!(row["late_not_payable_hours"], "80.00");
    assert_eq!(
        dash["totals"]["lost"],
        json!({"hours": "80.00", "amount_sek": "28000.00"})
    );
    // The list and the versions show the same.
    let list = expect(
        &app.get("/api/v1/time-reports?month=2027-01", &w.org.token)
            .await,
        200,
    );
    assert_eq!(list["items"][0]["hours"]["expected_payable"], "0.00");
    let versions = expect(
        &app.get(
            &format!(
                "/api/v1/time-reports/{}/versions",
                r["id"].as_str().unwrap()
            ),
            &w.org.token,
        )
        .await,
        200,
    );
    assert!(late_warning(&versions[0]).is_some());
}
db_test!(a_late_report_is_not_expected_to_be_paid);

async fn a_late_correction_lowers_but_never_raises(app: TestApp) {
    let w = world(&app).await;
    app.set_now(ON_TIME);
    let v1 = post_report(&app, &w, "2027-01", 10, None).await;
    post_invoice(&app, &w, "2027-01").await;
    let id = v1["id"].as_str().unwrap();

    app.set_now(AFTER_DUE);
    let v2 = post_report(&app, &w, "2027-01", 9, Some("one day too many")).await;
    assert_eq!(v2["on_time"], false);
    assert_eq!(v2["hours"]["payable"], "72.00");
    assert_eq!(v2["hours"]["expected_payable"], "72.00");
    assert_eq!(
        late_warning(&v2),
        None,
        "a lowering correction loses nothing"
    );

    let v3 = post_report(&app, &w, "2027-01", 11, Some("two days were missing")).await;
    assert_eq!(v3["hours"]["payable"], "88.00");
    // The last on-time version said 80 h: a late correction cannot raise it.
    assert_eq!(v3["hours"]["expected_payable"], "80.00");
    let warning = late_warning(&v3).expect("late_not_payable");
    assert_eq!(warning["hours"], "8.00");
    assert_eq!(warning["amount_sek"], "2800.00");
    let r = current(&app, &w, id).await;
    assert_eq!(r["hours"]["expected_payable"], "80.00");
    let b = balance_month(&app, &w, "2027-01").await;
    assert_eq!(b["reported_payable_hours"], "80.00");
    assert_eq!(b["late_not_payable_hours"], "8.00");
    assert_eq!(b["amount_sek"], "28000.00");
}
db_test!(a_late_correction_lowers_but_never_raises);

/// `days` days of 8 active hours from the 1st of `month`, as a CSV file.
fn csv_file(w: &World, month: &str, days: u32) -> Vec<u8> {
    let mut out = String::from("brukare;assistent;datum;start;slut;typ\n");
    for d in 1..=days {
        out.push_str(&format!(
            "{};{};{month}-{d:02};08:00;16:00;aktiv\n",
            w.user_pnr, w.assistant_pnrs[0]
        ));
    }
    out.into_bytes()
}

async fn import_csv(app: &TestApp, w: &World, query: &str, file: Vec<u8>) -> Value {
    let res = app
        .post_raw(
            &format!("/api/v1/imports/time-reports{query}"),
            &w.org.token,
            "text/csv",
            file,
            &[],
        )
        .await;
    expect(&res, 201)["receipts"][0].clone()
}

/// A file's receipts are made from the arrivals read once for the file;
/// they say what a JSON submission's say.
async fn a_file_import_counts_the_rule_as_json_does(app: TestApp) {
    let w = world(&app).await;
    app.set_now(ON_TIME);
    let v1 = import_csv(&app, &w, "", csv_file(&w, "2027-01", 10)).await;
    assert_eq!(v1["hours"]["expected_payable"], "80.00");
    assert_eq!(late_warning(&v1), None, "{v1:#}");
    post_invoice(&app, &w, "2027-01").await;

    app.set_now(AFTER_DUE);
    let v2 = import_csv(
        &app,
        &w,
        "?correction_reason=Tv%C3%A5%20dagar%20saknades",
        csv_file(&w, "2027-01", 11),
    )
    .await;
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["hours"]["payable"], "88.00");
    assert_eq!(v2["hours"]["expected_payable"], "80.00");
    let warning = late_warning(&v2).expect("late_not_payable");
    assert_eq!(warning["hours"], "8.00");
    assert_eq!(warning["amount_sek"], "2800.00");
    // The receipt read back says the same.
    let r = current(&app, &w, v2["id"].as_str().unwrap()).await;
    assert_eq!(r["hours"]["expected_payable"], "80.00");
    assert_eq!(late_warning(&r).unwrap()["hours"], "8.00");

    // A month before the rule is paid as reported, late or not.
    let dec = import_csv(&app, &w, "", csv_file(&w, "2026-12", 2)).await;
    assert_eq!(dec["on_time"], false);
    assert_eq!(dec["hours"]["expected_payable"], "16.00");
    assert_eq!(late_warning(&dec), None, "{dec:#}");
}
db_test!(a_file_import_counts_the_rule_as_json_does);

async fn a_late_invoice_loses_the_month(app: TestApp) {
    let w = world(&app).await;
    app.set_now(ON_TIME);
    let r = post_report(&app, &w, "2027-01", 10, None).await;
    let id = r["id"].as_str().unwrap();
    // Before the due date has passed the invoice can still come in time.
    app.set_now("2027-03-05T12:00:00Z");
    assert_eq!(
        current(&app, &w, id).await["hours"]["expected_payable"],
        "80.00"
    );
    // Once it has passed, no invoice means nothing is expected ...
    app.set_now(AFTER_DUE);
    let r = current(&app, &w, id).await;
    assert_eq!(r["hours"]["expected_payable"], "0.00");
    assert!(late_warning(&r).unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("invoice"));
    // ... and an invoice that comes late does not change that.
    post_invoice(&app, &w, "2027-01").await;
    let r = current(&app, &w, id).await;
    assert_eq!(r["hours"]["expected_payable"], "0.00");
    assert_eq!(late_warning(&r).unwrap()["hours"], "80.00");
}
db_test!(a_late_invoice_loses_the_month);

async fn exceptions_inside_and_outside_the_outer_limit(app: TestApp) {
    let w = world(&app).await;
    app.set_now(LATE);
    let r = post_report(&app, &w, "2027-01", 10, None).await;
    let id = r["id"].as_str().unwrap();
    assert_eq!(r["hours"]["expected_payable"], "0.00");

    app.set_now("2027-04-20T09:00:00Z");
    let body = |month: &str, decided_on: &str| {
        json!({"assistance_user_id": w.user, "month": month,
               "fk_reference": "FK 2027/123", "decided_on": decided_on})
    };
    // FK cannot have decided tomorrow.
    let p = expect_problem(
        &app.post(
            "/api/v1/late-exceptions",
            &w.org.token,
            &body("2027-01", "2027-04-21"),
        )
        .await,
        422,
    );
    assert_eq!(
        error_with(&p, "decided_on_in_future")["pointer"],
        "/decided_on"
    );
    // Nor before January ended (a mistyped year).
    let p = expect_problem(
        &app.post(
            "/api/v1/late-exceptions",
            &w.org.token,
            &body("2027-01", "2027-01-31"),
        )
        .await,
        422,
    );
    assert_eq!(
        error_with(&p, "decided_on_before_month_end")["pointer"],
        "/decided_on"
    );
    // No report for February.
    let p = expect_problem(
        &app.post(
            "/api/v1/late-exceptions",
            &w.org.token,
            &body("2027-02", "2027-04-15"),
        )
        .await,
        422,
    );
    assert_eq!(error_with(&p, "time_report_missing")["pointer"], "/month");

    let e = expect(
        &app.post(
            "/api/v1/late-exceptions",
            &w.org.token,
            &body("2027-01", "2027-04-15"),
        )
        .await,
        201,
    );
    assert_eq!(e["outer_limit"], "2027-08-05");
    assert_eq!(e["fk_reference"], "FK 2027/123");
    let r = current(&app, &w, id).await;
    assert_eq!(r["hours"]["expected_payable"], "80.00");
    assert_eq!(late_warning(&r), None);
    // One per month.
    let p = expect_problem(
        &app.post(
            "/api/v1/late-exceptions",
            &w.org.token,
            &body("2027-01", "2027-04-15"),
        )
        .await,
        409,
    );
    assert_eq!(p["code"], "late_exception_exists");
    let listed = expect(
        &app.get("/api/v1/late-exceptions?month=2027-01", &w.org.token)
            .await,
        200,
    );
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let other = fixtures::org(&app).await;
    expect_problem(
        &app.get(
            &format!("/api/v1/late-exceptions/{}", e["id"].as_str().unwrap()),
            &other.token,
        )
        .await,
        404,
    );

    // February arrives on the day after the outer limit of its grant period.
    app.set_now("2027-08-05T22:30:00Z");
    post_report(&app, &w, "2027-02", 5, None).await;
    app.set_now("2027-08-20T09:00:00Z");
    let p = expect_problem(
        &app.post(
            "/api/v1/late-exceptions",
            &w.org.token,
            &body("2027-02", "2027-08-19"),
        )
        .await,
        422,
    );
    assert_eq!(
        error_with(&p, "outer_limit_passed")["outer_limit"],
        "2027-08-05"
    );
    let n = crate::invoices::count_rows(&app, "SELECT COUNT(*) AS n FROM late_exceptions");
    assert_eq!(n, 1, "a refusal stores nothing");
}
db_test!(exceptions_inside_and_outside_the_outer_limit);

async fn the_switch_boundary(app: TestApp) {
    let w = world(&app).await;
    // December 2026 is due 2027-02-05, January 2027 2027-03-05: both late.
    app.set_now("2027-03-08T09:00:00Z");
    let dec = post_report(&app, &w, "2026-12", 10, None).await;
    assert_eq!(dec["on_time"], false);
    assert_eq!(
        dec["hours"]["expected_payable"], "80.00",
        "before the rule: flagged only"
    );
    assert_eq!(late_warning(&dec), None);
    let jan = post_report(&app, &w, "2027-01", 10, None).await;
    assert_eq!(jan["hours"]["expected_payable"], "0.00");

    // The setting moves the switch.
    let earlier = TestApp::spawn_with(app.db, |s| {
        s.late_rule.unpaid_from = redovisa::domain::month::ReportMonth::parse("2026-12").unwrap();
    })
    .await;
    let w = world(&earlier).await;
    earlier.set_now("2027-03-08T09:00:00Z");
    let dec = post_report(&earlier, &w, "2026-12", 10, None).await;
    assert_eq!(dec["hours"]["expected_payable"], "0.00");
    assert_eq!(late_warning(&dec).unwrap()["amount_sek"], "27200.00");
}
db_test!(the_switch_boundary);

async fn the_dashboard_counts_reports_at_risk(app: TestApp) {
    let w = world(&app).await;
    let second = fixtures::user(&app, &w.org, &pnr("19600101", 77)).await;
    fixtures::decision(&app, &w.org, &second, json!({})).await;
    app.set_now(ON_TIME);
    post_report(&app, &w, "2027-01", 10, None).await;
    let d = dashboard(&app, &w, "2027-01").await;
    assert_eq!(
        d["totals"]["at_risk"],
        json!({"count": 1, "due_date": "2027-03-05"})
    );
    assert_eq!(
        d["totals"]["lost"],
        json!({"hours": "0.00", "amount_sek": "0.00"})
    );
    // Once the due date has passed it is no longer at risk: it is late.
    app.set_now(AFTER_DUE);
    let d = dashboard(&app, &w, "2027-01").await;
    assert_eq!(d["totals"]["at_risk"]["count"], 0);
    // A month before the rule has nothing at risk.
    app.set_now("2027-01-10T09:00:00Z");
    let d = dashboard(&app, &w, "2026-12").await;
    assert_eq!(d["totals"]["at_risk"]["count"], 0);
}
db_test!(the_dashboard_counts_reports_at_risk);

/// A year without a standard rate: the loss is still counted in hours, its
/// worth is unknown (`amount_sek` null) and `rate_missing` says why.
async fn a_loss_without_a_rate_is_counted_in_hours_only(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    app.set_now(LATE);
    let r = post_report(&app, &w, "2027-01", 10, None).await;
    assert_eq!(r["hours"]["expected_payable"], "0.00");
    let warning = late_warning(&r).expect("late_not_payable");
    assert_eq!(warning["hours"], "80.00");
    assert_eq!(warning["amount_sek"], Value::Null, "{warning:#}");
    let missing: Vec<&Value> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "rate_missing")
        .collect();
    assert_eq!(missing.len(), 1, "{r:#}");
    assert!(missing[0]["message"].as_str().unwrap().contains("2027"));
    // Read back, the same.
    let r = current(&app, &w, r["id"].as_str().unwrap()).await;
    assert_eq!(late_warning(&r).unwrap()["amount_sek"], Value::Null);
    let dash = dashboard(&app, &w, "2027-01").await;
    assert_eq!(
        dash["totals"]["lost"],
        json!({"hours": "80.00", "amount_sek": null})
    );
}
db_test!(a_loss_without_a_rate_is_counted_in_hours_only);

/// The list of reports says what each report says when read alone: a page
/// reads the rule's standings and the agreements together, not report by
/// report, and must come to the same receipts (before the rule, lost to
/// lateness, on time, a raising correction, an exception, a self-employer,
/// an admin's page across organisations).
async fn the_list_says_what_each_report_says(app: TestApp) {
    let w = world(&app).await;
    let se = fixtures::world_of_kind(&app, "self_employer", 1).await;
    app.set_now("2027-03-08T09:00:00Z");
    post_report(&app, &w, "2026-12", 10, None).await;
    post_report(&app, &w, "2027-01", 10, None).await;
    post_report(&app, &se, "2027-01", 6, None).await;
    post_report(&app, &w, "2027-02", 10, None).await;
    app.set_now("2027-04-20T09:00:00Z");
    post_report(&app, &w, "2027-02", 12, Some("two days were missing")).await;
    let e = json!({"assistance_user_id": w.user, "month": "2027-01",
                   "fk_reference": "FK 2027/9", "decided_on": "2027-04-15"});
    expect(
        &app.post("/api/v1/late-exceptions", &w.org.token, &e).await,
        201,
    );
    // (caller, reports, of which lose hours): the organisation's raising
    // correction of February, the self-employer's late January; the
    // excepted January loses nothing.
    let admin = app.admin();
    for (token, n, losing) in [(&w.org.token, 3, 1), (&se.org.token, 1, 1), (&admin, 4, 2)] {
        let mut listed = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = expect(
                &app.get(
                    &format!("/api/v1/time-reports?limit=2&cursor={cursor}"),
                    token,
                )
                .await,
                200,
            );
            listed.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) if !c.is_empty() => cursor = c.to_string(),
                _ => break,
            }
        }
        assert_eq!(listed.len(), n);
        for item in &listed {
            let mut alone = current_as(&app, token, item["id"].as_str().unwrap()).await;
            let obj = alone.as_object_mut().unwrap();
            obj.remove("rows");
            obj.remove("signatures");
            assert_eq!(item, &alone, "the list and the report disagree");
        }
        let lost = listed.iter().filter(|r| late_warning(r).is_some()).count();
        assert_eq!(lost, losing);
    }
}
db_test!(the_list_says_what_each_report_says);

async fn current_as(app: &TestApp, token: &str, id: &str) -> Value {
    expect(
        &app.get(&format!("/api/v1/time-reports/{id}"), token).await,
        200,
    )
}
