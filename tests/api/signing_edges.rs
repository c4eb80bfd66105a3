//! The edges of signing and month close, as a hostile or careless client
//! meets them: offsets and the Stockholm day of `signed_at`, versions that
//! do not exist, malformed evidence, other organisations' ids, bad month
//! strings, closing twice, a closed month in every channel (invoice
//! signatures, voiding, PAXml), and a signature racing a correction.

use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;
use crate::signatures::{
    invoice_payload, month, payload, rows, sign, sign_everything, signature, SIGNATORY_PNR,
};
use crate::time_reports::report;

async fn signed_at_is_read_with_its_offset_and_the_stockholm_day(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let a = &w.assistants[0];
    let hash = payload(&app, &w.org.token, &m.report, 1, a).await["payload_hash"].clone();
    // The signatory signs up to and including 10 November (Stockholm).
    expect(
        &app.patch(
            &format!(
                "/api/v1/organisations/{}/signatories/{}",
                w.org.id, m.signatory
            ),
            &w.org.token,
            &json!({"valid_to": "2026-11-10"}),
        )
        .await,
        200,
    );
    let at = |t: &str| {
        let mut b = signature(1, a, "employer", SIGNATORY_PNR, &hash);
        b["signed_at"] = json!(t);
        b
    };
    // 23:30 UTC on the 10th is already the 11th in Stockholm (CET, +01:00).
    let p = expect_problem(
        &sign(&app, &w.org.token, &m.report, &at("2026-11-10T23:30:00Z")).await,
        422,
    );
    assert_eq!(p["code"], "signer_not_allowed", "{p:#}");
    assert!(
        p["detail"].as_str().unwrap().contains("2026-11-11"),
        "{p:#}"
    );
    // A time without an offset is not an instant: refused at the field.
    let p = expect_problem(
        &sign(&app, &w.org.token, &m.report, &at("2026-11-10T12:00:00")).await,
        422,
    );
    assert_eq!(p["errors"][0]["pointer"], "/signed_at", "{p:#}");
    // The last second of the 10th in Stockholm, written with an odd offset.
    let s = expect(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &at("2026-11-11T04:44:59+05:45"),
        )
        .await,
        201,
    );
    assert_eq!(s["signed_at"], "2026-11-10T22:59:59Z");
    // The assistant's number in its 10-digit form is the same person.
    let short = format!(
        "{}-{}",
        &w.assistant_pnrs[0][2..8],
        &w.assistant_pnrs[0][8..]
    );
    let s = expect(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &signature(1, a, "assistant", &short, &hash),
        )
        .await,
        201,
    );
    assert_eq!(s["signer_personnummer"], w.assistant_pnrs[0].as_str());
    // ...and again in the 12-digit form: the stored one, 200.
    let again = expect(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &signature(1, a, "assistant", &w.assistant_pnrs[0], &hash),
        )
        .await,
        200,
    );
    assert_eq!(again["id"], s["id"]);
}
db_test!(signed_at_is_read_with_its_offset_and_the_stockholm_day);

async fn malformed_signatures_are_refused_at_their_field(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let a = &w.assistants[0];
    let hash = payload(&app, &w.org.token, &m.report, 1, a).await["payload_hash"].clone();
    let base = || signature(1, a, "employer", SIGNATORY_PNR, &hash);
    // Versions that do not exist are not the current one.
    for v in [0, -1, 2, 999_999] {
        let mut b = base();
        b["version"] = json!(v);
        let p = expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422);
        assert_eq!(p["code"], "version_not_current", "{v}: {p:#}");
        let e = error_with(&p, "version_not_current");
        assert_eq!(e["pointer"], "/version");
        assert_eq!(e["current_version"], 1);
    }
    let mut b = base();
    b["version"] = json!("1");
    assert_eq!(
        expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422)["errors"][0]["pointer"],
        "/version"
    );
    // Evidence: empty, unpadded, URL-safe alphabet, a line break, not a string.
    for ev in [json!(""), json!("aGVsbG8"), json!("-_-_"), json!(42)] {
        let mut b = base();
        b["evidence"] = ev.clone();
        let p = expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422);
        assert_eq!(p["errors"][0]["pointer"], "/evidence", "{ev}: {p:#}");
    }
    let mut b = base();
    b["evidence"] = json!("aGVs\nbG8=");
    let p = expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422);
    assert_eq!(p["errors"][0]["pointer"], "/evidence", "{p:#}");
    // Exactly 64 KiB decoded is taken; one byte more is not.
    use base64::Engine;
    let b64 = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![0xA5u8; n]);
    let mut b = base();
    b["evidence"] = json!(b64(64 * 1024 + 1));
    let p = expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422);
    assert_eq!(p["code"], "evidence_too_large");
    assert_eq!(error_with(&p, "evidence_too_large")["pointer"], "/evidence");
    b["evidence"] = json!(b64(64 * 1024));
    let s = expect(&sign(&app, &w.org.token, &m.report, &b).await, 201);
    assert_eq!(s["evidence"], b["evidence"]);
    // A body far above any evidence: refused before it is read whole.
    let mut b = base();
    b["evidence"] = json!("A".repeat(40 * 1024 * 1024));
    // The server answers 413 and may close the connection before the
    // client has sent it all: either way it is refused.
    let path = format!("/api/v1/time-reports/{}/signatures", m.report);
    match app.try_post(&path, &w.org.token, &b).await {
        Ok(status) => assert!([413, 422].contains(&status), "{status}"),
        Err(e) => eprintln!("the connection was closed while sending: {e}"),
    }
    // Unknown fields and a missing assistant.
    let mut b = base();
    b["signer_name"] = json!("Sara");
    expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422);
    let mut b = base();
    b.as_object_mut().unwrap().remove("assistant_id");
    assert_eq!(
        expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422)["errors"][0]["pointer"],
        "/assistant_id"
    );
    // Another organisation's assistant is no different from an unknown one.
    let stranger = crate::fixtures::world(&app, 1).await;
    let mut b = base();
    b["assistant_id"] = json!(stranger.assistants[0]);
    let p = expect_problem(&sign(&app, &w.org.token, &m.report, &b).await, 422);
    assert_eq!(p["code"], "assistant_not_in_report");
    // Another organisation's signatory does not sign for this one.
    let res = app
        .post(
            &format!("/api/v1/organisations/{}/signatories", stranger.org.id),
            &stranger.org.token,
            &json!({"personnummer": pnr("19610101", 444), "name": "Främling", "valid_from": "2026-01-01"}),
        )
        .await;
    expect(&res, 201);
    let p = expect_problem(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &signature(1, a, "employer", &pnr("19610101", 444), &hash),
        )
        .await,
        422,
    );
    assert_eq!(p["code"], "signer_not_allowed");
    // Unknown ids: 404 on every path, for the owner and for others alike.
    for path in [
        "/api/v1/time-reports/nope/signatures".to_string(),
        "/api/v1/invoices/nope/signatures".to_string(),
        "/api/v1/time-reports/nope/versions/1/sign-payload?assistant_id=x".to_string(),
        "/api/v1/invoices/nope/versions/1/sign-payload".to_string(),
        format!("/api/v1/invoices/{}/versions/7/sign-payload", m.invoice),
    ] {
        expect_problem(&app.get(&path, &w.org.token).await, 404);
    }
    expect_problem(&sign(&app, &w.org.token, "nope", &base()).await, 404);
    // A bad `?version=`, a missing `?assistant_id=`.
    let res = app
        .get(
            &format!("/api/v1/time-reports/{}/signatures?version=two", m.report),
            &w.org.token,
        )
        .await;
    assert!([400, 422].contains(&res.status.as_u16()), "{res:?}");
    let res = app
        .get(
            &format!("/api/v1/time-reports/{}/versions/1/sign-payload", m.report),
            &w.org.token,
        )
        .await;
    assert!([400, 422].contains(&res.status.as_u16()), "{res:?}");
    // Nothing refused was stored: one signature (the 64 KiB one).
    let all = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/signatures", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(all.as_array().unwrap().len(), 1, "{all:#}");
}
db_test!(malformed_signatures_are_refused_at_their_field);

async fn month_strings_ids_and_repeats(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let q = format!("assistance_user_id={}", w.user);
    for bad in [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-10",
        "oktober",
        "2026-10-01",
    ] {
        for (method, path) in [
            ("GET", format!("/api/v1/months/{bad}/status?{q}")),
            ("POST", format!("/api/v1/months/{bad}/close?{q}")),
            ("POST", format!("/api/v1/months/{bad}/reopen?{q}")),
            (
                "GET",
                format!("/api/v1/months/{bad}/pdf?organisation_id={}", w.org.id),
            ),
        ] {
            let res = if method == "GET" {
                app.get(&path, &w.org.token).await
            } else {
                app.post(&path, &w.org.token, &json!({"reason": "x"})).await
            };
            let p = expect_problem(&res, 422);
            assert_eq!(error_with(&p, "invalid_month")["field"], "month", "{path}");
        }
    }
    // Without the user, an unknown user, another organisation's user.
    let res = app.get("/api/v1/months/2026-10/status", &w.org.token).await;
    assert!([400, 422].contains(&res.status.as_u16()), "{res:?}");
    let stranger = crate::fixtures::world(&app, 1).await;
    for user in ["nobody", stranger.user.as_str()] {
        for res in [
            app.get(
                &format!("/api/v1/months/2026-10/status?assistance_user_id={user}"),
                &w.org.token,
            )
            .await,
            app.post(
                &format!("/api/v1/months/2026-10/close?assistance_user_id={user}"),
                &w.org.token,
                &json!({}),
            )
            .await,
            app.post(
                &format!("/api/v1/months/2026-10/reopen?assistance_user_id={user}"),
                &w.org.token,
                &json!({"reason": "x"}),
            )
            .await,
            app.get(
                &format!(
                    "/api/v1/months/2026-10/pdf?organisation_id={}&assistance_user_id={user}",
                    w.org.id
                ),
                &w.org.token,
            )
            .await,
        ] {
            let p = expect_problem(&res, 404);
            assert!(!p.to_string().contains(&stranger.user_pnr), "{p:#}");
        }
    }
    // A month with nothing in it is open with `time_report_missing`.
    let st = expect(
        &app.get(&format!("/api/v1/months/2026-09/status?{q}"), &w.org.token)
            .await,
        200,
    );
    assert_eq!(st["state"], "open");
    assert_eq!(st["missing"][0]["code"], "time_report_missing");
    // Reopening a month never closed; a reason over 1000 characters.
    let reopen = format!("/api/v1/months/2026-10/reopen?{q}");
    assert_eq!(
        expect_problem(
            &app.post(&reopen, &w.org.token, &json!({"reason": "Fel"}))
                .await,
            409
        )["code"],
        "month_not_closed"
    );
    let p = expect_problem(
        &app.post(&reopen, &w.org.token, &json!({"reason": "x".repeat(1001)}))
            .await,
        422,
    );
    assert_eq!(error_with(&p, "invalid_reason")["pointer"], "/reason");

    // Close with an Idempotency-Key; the replay is the stored reply, a
    // plain second close is 200 and changes nothing.
    sign_everything(&app, &m, 1).await;
    let close = format!("/api/v1/months/2026-10/close?{q}");
    let key = [("Idempotency-Key", "close-oct")];
    let first = app.post_with(&close, &w.org.token, &json!({}), &key).await;
    let st = expect(&first, 200);
    assert_eq!(st["state"], "closed");
    app.set_now("2026-11-12T11:00:00Z");
    let replay = app.post_with(&close, &w.org.token, &json!({}), &key).await;
    assert_eq!(replay.text, first.text);
    let second = expect(&app.post(&close, &w.org.token, &json!({})).await, 200);
    assert_eq!(second["closing"], st["closing"]);

    // Reopen, close again: the second closing is the one in force, and the
    // trail has both.
    expect(
        &app.post(&reopen, &w.org.token, &json!({"reason": "Kontroll"}))
            .await,
        200,
    );
    app.set_now("2026-11-12T12:00:00Z");
    let again = expect(&app.post(&close, &w.org.token, &json!({})).await, 200);
    assert_eq!(again["closing"]["closed_at"], "2026-11-12T12:00:00Z");
    let audit = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/audit", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.ends_with("_month"))
        .collect();
    assert_eq!(actions, ["close_month", "reopen_month", "close_month"]);
}
db_test!(month_strings_ids_and_repeats);

async fn a_closed_month_refuses_every_channel(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    sign_everything(&app, &m, 1).await;
    let q = format!("assistance_user_id={}", w.user);
    expect(
        &app.post(
            &format!("/api/v1/months/2026-10/close?{q}"),
            &w.org.token,
            &json!({}),
        )
        .await,
        200,
    );
    // The invoice: a new signer is refused, the one who signed is answered.
    let ip = invoice_payload(&app, &w.org.token, &m.invoice, 1).await;
    let agent = pnr("19650707", 611);
    expect(
        &app.post(
            &format!("/api/v1/assistance-users/{}/representatives", w.user),
            &w.org.token,
            &json!({"personnummer": agent, "name": "Olle Ombud", "kind": "agent", "valid_from": "2026-01-01"}),
        )
        .await,
        201,
    );
    let url = format!("/api/v1/invoices/{}/signatures", m.invoice);
    let body = |signer: &str| {
        json!({"version": 1, "role": "assistance_user", "signer_personnummer": signer,
               "method": "bankid", "signed_at": "2026-11-12T09:00:00Z", "payload_hash": ip["payload_hash"]})
    };
    let p = expect_problem(&app.post(&url, &w.org.token, &body(&agent)).await, 409);
    assert_eq!(p["code"], "month_closed");
    assert_eq!(p["month"], "2026-10");
    expect(&app.post(&url, &w.org.token, &body(&w.user_pnr)).await, 200);
    // Voiding the report is a change too.
    let p = expect_problem(
        &app.post(
            &format!("/api/v1/time-reports/{}/void", m.report),
            &w.org.token,
            &json!({"reason": "Fel brukare"}),
        )
        .await,
        409,
    );
    assert_eq!(p["code"], "month_closed");
    // A PAXml file touching the closed month is refused whole, at its line.
    let trans = |date: &str| {
        format!(
            "    <tidtrans persnr=\"{}\">\n      <tidkod>ARB</tidkod>\n      <starttid>{date}T07:00:00</starttid>\n      <sluttid>{date}T15:00:00</sluttid>\n      <kundnr>{}</kundnr>\n    </tidtrans>\n",
            w.assistant_pnrs[0], w.user
        )
    };
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<paxml>\n  <header>\n    <version>2.0</version>\n  </header>\n  <tidtransaktioner>\n{}{}  </tidtransaktioner>\n</paxml>\n",
        trans("2026-09-03"),
        trans("2026-10-03")
    );
    let line = 1 + xml[..xml.match_indices("<tidtrans ").nth(1).unwrap().0]
        .matches('\n')
        .count();
    let res = app
        .post_raw(
            "/api/v1/imports/paxml",
            &w.org.token,
            "application/xml",
            xml.into_bytes(),
            &[],
        )
        .await;
    let p = expect_problem(&res, res.status.as_u16());
    assert!([409, 422].contains(&res.status.as_u16()), "{p:#}");
    let fault = error_with(&p, "month_closed");
    assert_eq!(fault["line"], line as u64, "{p:#}");
    let list = expect(
        &app.get("/api/v1/time-reports?month=2026-09", &w.org.token)
            .await,
        200,
    );
    assert_eq!(list["items"], json!([]));
    // The report and invoice are unchanged, the month still closed.
    let st = expect(
        &app.get(&format!("/api/v1/months/2026-10/status?{q}"), &w.org.token)
            .await,
        200,
    );
    assert_eq!(st["state"], "closed");
    assert_eq!(st["missing"], json!([]));
}
db_test!(a_closed_month_refuses_every_channel);

async fn a_signature_racing_a_correction_lands_on_one_version(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let a = &w.assistants[0];
    let hash = payload(&app, &w.org.token, &m.report, 1, a).await["payload_hash"].clone();
    let mut fix = report(w, "2026-10", rows(w));
    fix["rows"][0]["end"] = json!("16:00");
    fix["correction_reason"] = json!("Stannade en timme till");
    // The same signature twice at once: one is recorded, the other is it.
    let twice = signature(1, &w.assistants[1], "employer", SIGNATORY_PNR, &{
        payload(&app, &w.org.token, &m.report, 1, &w.assistants[1]).await["payload_hash"].clone()
    });
    let (one, two) = futures_util::join!(
        sign(&app, &w.org.token, &m.report, &twice),
        sign(&app, &w.org.token, &m.report, &twice)
    );
    let mut statuses = [one.status.as_u16(), two.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 201], "{one:?} {two:?}");
    assert_eq!(one.body["id"], two.body["id"]);
    let body = signature(1, a, "employer", SIGNATORY_PNR, &hash);
    let (signed, corrected) = futures_util::join!(
        sign(&app, &w.org.token, &m.report, &body),
        app.post("/api/v1/time-reports", &w.org.token, &fix)
    );
    expect(&corrected, 201);
    match signed.status.as_u16() {
        // Before the correction: on version 1, which no longer counts.
        201 => assert_eq!(signed.body["version"], 1),
        // After it: version 1 is no longer current.
        422 => assert_eq!(signed.body["code"], "version_not_current"),
        s => panic!("{s}: {:?}", signed.body),
    }
    let r = expect(
        &app.get(&format!("/api/v1/time-reports/{}", m.report), &w.org.token)
            .await,
        200,
    );
    assert_eq!(r["version"], 2);
    for part in r["signatures"].as_array().unwrap() {
        assert_eq!(part["missing"], json!(["assistant", "employer"]), "{r:#}");
    }
    let v2: Value = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/signatures?version=2", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(v2, json!([]));
}
db_test!(a_signature_racing_a_correction_lands_on_one_version);

async fn reads_of_payloads_signatures_and_representatives_are_audited(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let t = &w.org.token;
    let reads = |subject: String| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/audit?subject_id={subject}&limit=500"), t)
                .await;
            expect(&res, 200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["action"] == "read")
                .map(|e| e["subject_kind"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let before = reads(m.report.clone()).await.len();
    payload(&app, t, &m.report, 1, &w.assistants[0]).await;
    expect(
        &app.get(&format!("/api/v1/time-reports/{}/signatures", m.report), t)
            .await,
        200,
    );
    let after = reads(m.report.clone()).await;
    assert_eq!(after.len(), before + 2, "{after:?}");
    assert!(after.iter().all(|k| k == "time_report"), "{after:?}");

    let before = reads(m.invoice.clone()).await.len();
    invoice_payload(&app, t, &m.invoice, 1).await;
    expect(
        &app.get(&format!("/api/v1/invoices/{}/signatures", m.invoice), t)
            .await,
        200,
    );
    let after = reads(m.invoice.clone()).await;
    assert_eq!(after.len(), before + 2, "{after:?}");
    assert!(after.iter().all(|k| k == "invoice"), "{after:?}");

    // Who acts for the user is the user's personal data.
    let base = format!("/api/v1/assistance-users/{}/representatives", w.user);
    let rep = expect(
        &app.post(&base, t, &json!({"personnummer": pnr("19600303", 512), "name": "Greta Förvaltare", "kind": "administrator", "valid_from": "2026-01-01"}))
            .await,
        201,
    );
    let before = reads(w.user.clone()).await.len();
    expect(&app.get(&base, t).await, 200);
    expect(
        &app.get(&format!("{base}/{}", rep["id"].as_str().unwrap()), t)
            .await,
        200,
    );
    let after = reads(w.user.clone()).await;
    assert_eq!(after.len(), before + 2, "{after:?}");
    assert!(after.iter().all(|k| k == "assistance_user"), "{after:?}");
}
db_test!(reads_of_payloads_signatures_and_representatives_are_audited);

async fn a_child_self_employer_signs_as_employer_through_a_guardian(app: TestApp) {
    crate::invoices::set_rate(&app, 2026, "340.00").await;
    let org = crate::fixtures::org_of_kind(&app, "self_employer").await;
    // 17 until 2027-06-15.
    let child = pnr("20090615", 271);
    let user = crate::fixtures::user(&app, &org, &child).await;
    let ap = pnr("19900101", 272);
    let a = crate::fixtures::assistant(&app, &org, &ap).await;
    crate::fixtures::employment(&app, &org, &a, &user, json!({})).await;
    crate::fixtures::decision(&app, &org, &user, json!({})).await;
    let body = json!({"assistance_user_id": user, "month": "2026-10",
        "rows": [crate::time_reports::row(&a, "2026-10-02", "08:00", "12:00", "active")]});
    let r = expect(
        &app.post("/api/v1/time-reports", &org.token, &body).await,
        201,
    );
    let id = r["id"].as_str().unwrap();
    app.set_now("2026-11-12T10:00:00Z");
    let hash = payload(&app, &org.token, id, 1, &a).await["payload_hash"].clone();
    let guardian = pnr("19700202", 273);
    expect(
        &app.post(
            &format!("/api/v1/assistance-users/{user}/representatives"),
            &org.token,
            &json!({"personnummer": guardian, "name": "Vera Vårdnadshavare", "kind": "guardian", "valid_from": "2009-06-15"}),
        )
        .await,
        201,
    );
    let p = expect_problem(
        &sign(
            &app,
            &org.token,
            id,
            &signature(1, &a, "employer", &child, &hash),
        )
        .await,
        422,
    );
    assert_eq!(p["code"], "signer_not_allowed");
    assert!(p["detail"].as_str().unwrap().contains("under 18"), "{p:#}");
    let s = expect(
        &sign(
            &app,
            &org.token,
            id,
            &signature(1, &a, "employer", &guardian, &hash),
        )
        .await,
        201,
    );
    assert_eq!(s["signer_capacity"], "guardian");
    assert_eq!(s["signer_name"], "Vera Vårdnadshavare");
}
db_test!(a_child_self_employer_signs_as_employer_through_a_guardian);

/// Who may sign for whom is in the audit trail: a representative's and a
/// signatory's creation and every change, with the actor; a refused change
/// leaves nothing.
async fn who_may_sign_is_audited(app: TestApp) {
    let w = crate::fixtures::world(&app, 1).await;
    let token = &w.org.token;
    let rep = expect(
        &app.post(
            &format!("/api/v1/assistance-users/{}/representatives", w.user),
            token,
            &json!({"personnummer": pnr("19750505", 33), "name": "Göran Godman",
                    "kind": "trustee", "valid_from": "2026-01-01"}),
        )
        .await,
        201,
    );
    let rep_id = rep["id"].as_str().unwrap().to_string();
    let rep_url = format!(
        "/api/v1/assistance-users/{}/representatives/{rep_id}",
        w.user
    );
    expect(
        &app.patch(&rep_url, token, &json!({"valid_to": "2026-12-31"}))
            .await,
        200,
    );
    expect_problem(
        &app.patch(&rep_url, token, &json!({"valid_to": "2025-01-01"}))
            .await,
        422,
    );
    assert_eq!(
        trail(&app, token, &w.org.id, "representative", &rep_id).await,
        ["create", "update"]
    );

    let sig = expect(
        &app.post(
            &format!("/api/v1/organisations/{}/signatories", w.org.id),
            token,
            &json!({"personnummer": pnr("19720101", 34), "name": "Firmatecknare",
                    "valid_from": "2026-01-01"}),
        )
        .await,
        201,
    );
    let sig_id = sig["id"].as_str().unwrap().to_string();
    expect(
        &app.patch(
            &format!("/api/v1/organisations/{}/signatories/{sig_id}", w.org.id),
            token,
            &json!({"name": "Firmatecknare Ek"}),
        )
        .await,
        200,
    );
    assert_eq!(
        trail(&app, token, &w.org.id, "signatory", &sig_id).await,
        ["create", "update"]
    );
}
db_test!(who_may_sign_is_audited);

/// The actions of a record's audit trail, each filed under `org` by the
/// test provider, sorted (the pinned clock gives them one instant).
async fn trail(app: &TestApp, token: &str, org: &str, kind: &str, id: &str) -> Vec<String> {
    let page = expect(
        &app.get(
            &format!("/api/v1/audit?subject_kind={kind}&subject_id={id}"),
            token,
        )
        .await,
        200,
    );
    let mut actions: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["organisation_id"], org);
            assert_eq!(e["actor"], "provider:test", "{e}");
            e["action"].as_str().unwrap().to_string()
        })
        .collect();
    actions.sort();
    actions
}
