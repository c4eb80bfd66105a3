//! Representatives, signatories, sign payloads and signatures: every
//! refusal code, the signer rules by role and age, idempotent repeats,
//! versions, the status on the time report, tenancy and audit.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::db_test;
use crate::fixtures::{self, World};
use crate::helpers::*;
use crate::invoices::set_rate;
use crate::time_reports::{report, row};

pub const PDF_BYTES: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

/// A month ready to be signed: a report of October 2026 (two assistants),
/// its invoice, both employment contracts, and a signatory.
pub struct Month {
    pub w: World,
    pub report: String,
    pub invoice: String,
    pub signatory: String,
}

pub fn rows(w: &World) -> Vec<Value> {
    let (a, b) = (&w.assistants[0], &w.assistants[1]);
    vec![
        row(a, "2026-10-01", "07:00", "15:00", "active"),
        row(b, "2026-10-01", "15:00", "22:00", "active"),
        row(b, "2026-10-01", "22:00", "07:00", "waiting"),
        row(a, "2026-10-24", "22:00", "07:00", "standby"),
    ]
}

pub async fn contracts(app: &TestApp, w: &World) {
    for a in &w.assistants {
        let res = app
            .get(
                &format!("/api/v1/employments?assistant_id={a}"),
                &w.org.token,
            )
            .await;
        let e = expect(&res, 200)["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let res = app
            .post_raw(
                &format!("/api/v1/employments/{e}/documents?kind=employment_contract"),
                &w.org.token,
                "application/pdf",
                PDF_BYTES.to_vec(),
                &[],
            )
            .await;
        expect(&res, 201);
    }
}

pub async fn submit_invoice(app: &TestApp, w: &World) -> Value {
    let d = expect(
        &app.get(
            &format!(
                "/api/v1/invoices/draft?assistance_user_id={}&month=2026-10",
                w.user
            ),
            &w.org.token,
        )
        .await,
        200,
    );
    let body = json!({
        "assistance_user_id": w.user, "month": "2026-10",
        "payable_hours": d["payable_hours"], "sek_per_hour": d["sek_per_hour"], "amount_sek": d["amount_sek"],
    });
    let res = app.post("/api/v1/invoices", &w.org.token, &body).await;
    assert!(
        res.status.as_u16() == 201 || res.status.as_u16() == 200,
        "{res:?}"
    );
    res.body
}

pub const SIGNATORY_PNR: &str = "196803150009";

pub async fn month(app: &TestApp, kind: &str) -> Month {
    set_rate(app, 2026, "340.00").await;
    let w = if kind == "company" {
        fixtures::world(app, 2).await
    } else {
        fixtures::world_of_kind(app, kind, 2).await
    };
    let r = expect(
        &app.post(
            "/api/v1/time-reports",
            &w.org.token,
            &report(&w, "2026-10", rows(&w)),
        )
        .await,
        201,
    );
    contracts(app, &w).await;
    let inv = submit_invoice(app, &w).await;
    let s = app
        .post(
            &format!("/api/v1/organisations/{}/signatories", w.org.id),
            &w.org.token,
            &json!({"personnummer": SIGNATORY_PNR, "name": "Sara Firmatecknare", "valid_from": "2026-01-01"}),
        )
        .await;
    let signatory = expect(&s, 201)["id"].as_str().unwrap().to_string();
    // Sign a day later than the reports arrived.
    app.set_now("2026-11-12T10:00:00Z");
    Month {
        report: r["id"].as_str().unwrap().to_string(),
        invoice: inv["id"].as_str().unwrap().to_string(),
        w,
        signatory,
    }
}

pub async fn payload(
    app: &TestApp,
    token: &str,
    report: &str,
    version: i32,
    assistant: &str,
) -> Value {
    expect(
        &app.get(
            &format!("/api/v1/time-reports/{report}/versions/{version}/sign-payload?assistant_id={assistant}"),
            token,
        )
        .await,
        200,
    )
}

pub async fn invoice_payload(app: &TestApp, token: &str, invoice: &str, version: i32) -> Value {
    expect(
        &app.get(
            &format!("/api/v1/invoices/{invoice}/versions/{version}/sign-payload"),
            token,
        )
        .await,
        200,
    )
}

pub fn signature(version: i32, assistant: &str, role: &str, signer: &str, hash: &Value) -> Value {
    json!({
        "version": version, "assistant_id": assistant, "role": role,
        "signer_personnummer": signer, "method": "bankid",
        "signed_at": "2026-11-11T09:30:00Z", "payload_hash": hash,
        "evidence": "c2lnbmF0dXJlIGFuZCBPQ1NQ",
    })
}

pub async fn sign(app: &TestApp, token: &str, report: &str, body: &Value) -> Res {
    app.post(
        &format!("/api/v1/time-reports/{report}/signatures"),
        token,
        body,
    )
    .await
}

/// Both signatures for every assistant of the current version, and the
/// invoice signed by the (adult) user.
pub async fn sign_everything(app: &TestApp, m: &Month, version: i32) {
    use redovisa::clock::Clock;
    let w = &m.w;
    let now = app
        .clock
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (i, a) in w.assistants.iter().enumerate() {
        let p = payload(app, &w.org.token, &m.report, version, a).await;
        for (role, signer) in [
            ("assistant", w.assistant_pnrs[i].as_str()),
            ("employer", SIGNATORY_PNR),
        ] {
            let mut body = signature(version, a, role, signer, &p["payload_hash"]);
            body["signed_at"] = json!(now);
            let res = sign(app, &w.org.token, &m.report, &body).await;
            assert!(
                res.status.as_u16() == 201 || res.status.as_u16() == 200,
                "{res:?}"
            );
        }
    }
    let inv = expect(
        &app.get(&format!("/api/v1/invoices/{}", m.invoice), &w.org.token)
            .await,
        200,
    );
    let v = inv["version"].as_i64().unwrap() as i32;
    let p = invoice_payload(app, &w.org.token, &m.invoice, v).await;
    let res = app
        .post(
            &format!("/api/v1/invoices/{}/signatures", m.invoice),
            &w.org.token,
            &json!({"version": v, "role": "assistance_user", "signer_personnummer": w.user_pnr,
                    "method": "bankid", "signed_at": now, "payload_hash": p["payload_hash"]}),
        )
        .await;
    assert!(
        res.status.as_u16() == 201 || res.status.as_u16() == 200,
        "{res:?}"
    );
}

async fn representatives_and_signatories_are_kept_per_organisation(app: TestApp) {
    let w = fixtures::world(&app, 1).await;
    let base = format!("/api/v1/assistance-users/{}/representatives", w.user);
    let rep_pnr = pnr("19750505", 123);
    let res = app
        .post(&base, &w.org.token, &json!({"personnummer": rep_pnr, "name": "Göran Godman", "kind": "trustee", "valid_from": "2026-01-01"}))
        .await;
    let rep = expect(&res, 201);
    assert_eq!(rep["kind"], "trustee");
    assert_eq!(rep["personnummer"], rep_pnr.as_str());
    assert_eq!(rep["valid_to"], Value::Null);
    let rid = rep["id"].as_str().unwrap();
    let list = expect(&app.get(&base, &w.org.token).await, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let res = app
        .patch(
            &format!("{base}/{rid}"),
            &w.org.token,
            &json!({"valid_to": "2026-12-31", "name": "Göran Godman-Ek"}),
        )
        .await;
    let patched = expect(&res, 200);
    assert_eq!(patched["valid_to"], "2026-12-31");
    assert_eq!(patched["name"], "Göran Godman-Ek");
    expect(
        &app.get(&format!("{base}/{rid}"), &app.auditor()).await,
        200,
    );

    // Every fault at once, each with its pointer.
    let res = app
        .post(&base, &w.org.token, &json!({"personnummer": "19750505-1234", "name": " ", "kind": "trustee", "valid_from": "2026-02-01", "valid_to": "2026-01-01"}))
        .await;
    let p = expect_problem(&res, 422);
    let mut c = codes(&p);
    c.sort();
    assert_eq!(c.len(), 3, "{p:#}");
    assert_eq!(error_with(&p, "invalid_period")["pointer"], "/valid_to");
    let res = app
        .post(&base, &w.org.token, &json!({"personnummer": rep_pnr, "name": "X", "kind": "uncle", "valid_from": "2026-01-01"}))
        .await;
    assert_eq!(expect_problem(&res, 422)["errors"][0]["pointer"], "/kind");
    let res = app
        .post(&base, &w.org.token, &json!({"personnummer": w.user_pnr, "name": "Själv", "kind": "agent", "valid_from": "2026-01-01"}))
        .await;
    error_with(&expect_problem(&res, 422), "representative_is_user");

    let sig_base = format!("/api/v1/organisations/{}/signatories", w.org.id);
    let res = app
        .post(&sig_base, &w.org.token, &json!({"personnummer": SIGNATORY_PNR, "name": "Sara Firmatecknare", "valid_from": "2026-01-01"}))
        .await;
    let s = expect(&res, 201);
    let sid = s["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("{sig_base}/{sid}"),
            &w.org.token,
            &json!({"valid_to": "2026-06-30"}),
        )
        .await;
    assert_eq!(expect(&res, 200)["valid_to"], "2026-06-30");
    let res = app
        .patch(
            &format!("{sig_base}/{sid}"),
            &w.org.token,
            &json!({"valid_to": "2025-06-30"}),
        )
        .await;
    error_with(&expect_problem(&res, 422), "invalid_period");
    assert_eq!(
        expect(&app.get(&sig_base, &w.org.token).await, 200)["items"][0]["valid_to"],
        "2026-06-30"
    );

    // Another organisation sees nothing and changes nothing.
    let other = fixtures::org(&app).await;
    expect_problem(&app.get(&base, &other.token).await, 404);
    expect_problem(&app.get(&format!("{base}/{rid}"), &other.token).await, 404);
    expect_problem(
        &app.patch(
            &format!("{base}/{rid}"),
            &other.token,
            &json!({"name": "X"}),
        )
        .await,
        404,
    );
    expect_problem(
        &app.post(&base, &other.token, &json!({"personnummer": rep_pnr, "name": "X", "kind": "agent", "valid_from": "2026-01-01"})).await,
        404,
    );
    expect_problem(&app.get(&sig_base, &other.token).await, 404);
    expect_problem(
        &app.post(
            &sig_base,
            &other.token,
            &json!({"personnummer": SIGNATORY_PNR, "name": "X", "valid_from": "2026-01-01"}),
        )
        .await,
        404,
    );
    expect_problem(
        &app.patch(
            &format!("{sig_base}/{sid}"),
            &other.token,
            &json!({"name": "X"}),
        )
        .await,
        404,
    );
    // Auditors read, never write.
    expect(&app.get(&sig_base, &app.auditor()).await, 200);
    expect_problem(
        &app.post(
            &sig_base,
            &app.auditor(),
            &json!({"personnummer": SIGNATORY_PNR, "name": "X", "valid_from": "2026-01-01"}),
        )
        .await,
        403,
    );
}
db_test!(representatives_and_signatories_are_kept_per_organisation);

async fn the_sign_payload_is_canonical_and_frozen(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let p = payload(&app, &w.org.token, &m.report, 1, &w.assistants[0]).await;
    let text = p["text"].as_str().unwrap();
    assert_eq!(
        p["payload_hash"],
        hex::encode(Sha256::digest(text.as_bytes()))
    );
    for needle in [
        "Tidsredovisning – Assistansersättning\n",
        "Månad: 2026-10 (oktober 2026)\n",
        &format!(
            "Tidsredovisning {} version 1, mottagen 2026-11-10T10:00:00Z\n",
            m.report
        ),
        "Assistansberättigad: Brukare Ett, ",
        &format!(
            "Assistent: Assistent, {}-{}\n",
            &w.assistant_pnrs[0][..8],
            &w.assistant_pnrs[0][8..]
        ),
        "2026-10-01 07:00–15:00 aktiv assistans 8,00 h\n",
        // 22:00–07:00 over the autumn change: ten real hours.
        "2026-10-24 22:00–07:00 beredskap 10,00 h\n",
        "Aktiv assistans (räknas fullt): 8,00 h\n",
        "Beredskap (räknas 1/7): 10,00 h\n",
        "Timmar att ersätta (omräknade): 9,43 h\n",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    // Only this assistant's rows.
    assert!(!text.contains("15:00–22:00"), "{text}");
    // The same version gives byte-identical text, also after a rename.
    let res = app
        .patch(
            &format!("/api/v1/assistants/{}", w.assistants[0]),
            &w.org.token,
            &json!({"name": "Nytt Namn"}),
        )
        .await;
    expect(&res, 200);
    let again = payload(&app, &app.auditor(), &m.report, 1, &w.assistants[0]).await;
    assert_eq!(again, p);
    let other = payload(&app, &w.org.token, &m.report, 1, &w.assistants[1]).await;
    assert_ne!(other["payload_hash"], p["payload_hash"]);
    assert!(other["text"]
        .as_str()
        .unwrap()
        .contains("15:00–22:00 aktiv assistans 7,00 h"));

    // The invoice's.
    let ip = invoice_payload(&app, &w.org.token, &m.invoice, 1).await;
    let itext = ip["text"].as_str().unwrap();
    assert_eq!(
        ip["payload_hash"],
        hex::encode(Sha256::digest(itext.as_bytes()))
    );
    for needle in [
        "Räkning – Assistansersättning\n",
        "Omräknade timmar att ersätta: 18,68 h\n",
        "Timbelopp: 340,00 kr\n",
        "Belopp: 6 350,71 kr\n",
    ] {
        assert!(itext.contains(needle), "{needle:?} not in\n{itext}");
    }
    assert_eq!(invoice_payload(&app, &w.org.token, &m.invoice, 1).await, ip);

    // Unknown assistant, version, report; another organisation.
    let res = app
        .get(
            &format!(
                "/api/v1/time-reports/{}/versions/1/sign-payload?assistant_id=nobody",
                m.report
            ),
            &w.org.token,
        )
        .await;
    assert_eq!(
        error_with(&expect_problem(&res, 422), "assistant_not_in_report")["field"],
        "assistant_id"
    );
    let res = app
        .get(
            &format!(
                "/api/v1/time-reports/{}/versions/9/sign-payload?assistant_id={}",
                m.report, w.assistants[0]
            ),
            &w.org.token,
        )
        .await;
    expect_problem(&res, 404);
    let stranger = fixtures::org(&app).await;
    let res = app
        .get(
            &format!(
                "/api/v1/time-reports/{}/versions/1/sign-payload?assistant_id={}",
                m.report, w.assistants[0]
            ),
            &stranger.token,
        )
        .await;
    expect_problem(&res, 404);
    expect_problem(
        &app.get(
            &format!("/api/v1/invoices/{}/versions/1/sign-payload", m.invoice),
            &stranger.token,
        )
        .await,
        404,
    );
}
db_test!(the_sign_payload_is_canonical_and_frozen);

async fn signatures_are_checked_and_recorded(app: TestApp) {
    let m = month(&app, "company").await;
    let w = &m.w;
    let a = &w.assistants[0];
    let p = payload(&app, &w.org.token, &m.report, 1, a).await;
    let hash = &p["payload_hash"];

    // The assistant attests.
    let res = sign(
        &app,
        &w.org.token,
        &m.report,
        &signature(1, a, "assistant", &w.assistant_pnrs[0], hash),
    )
    .await;
    let s = expect(&res, 201);
    assert_eq!(s["role"], "assistant");
    assert_eq!(s["signer_capacity"], "assistant");
    assert_eq!(s["signer_name"], "Assistent");
    assert_eq!(s["document"], "time_report");
    assert_eq!(s["version"], 1);
    assert_eq!(s["evidence"], "c2lnbmF0dXJlIGFuZCBPQ1NQ");
    assert_eq!(s["signed_at"], "2026-11-11T09:30:00Z");
    assert_eq!(s["payload_hash"], *hash);
    // The same signer and role again: 200 with the stored signature.
    let mut again = signature(1, a, "assistant", &w.assistant_pnrs[0], hash);
    again["signed_at"] = json!("2026-11-11T11:00:00Z");
    let res = sign(&app, &w.org.token, &m.report, &again).await;
    assert_eq!(expect(&res, 200), s);

    // Every refusal, each with its code and pointer.
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            signature(1, a, "employer", SIGNATORY_PNR, &json!("0".repeat(64))),
            "hash_mismatch",
            "/payload_hash",
        ),
        (
            signature(1, a, "assistant", &w.assistant_pnrs[1], hash),
            "signer_not_allowed",
            "/signer_personnummer",
        ),
        (
            signature(1, a, "employer", &w.user_pnr, hash),
            "signer_not_allowed",
            "/signer_personnummer",
        ),
        (
            signature(1, a, "employer", &w.assistant_pnrs[0], hash),
            "signer_not_allowed",
            "/signer_personnummer",
        ),
        (
            {
                let mut b = signature(1, a, "employer", SIGNATORY_PNR, hash);
                b["signed_at"] = json!("2026-11-12T10:00:01Z");
                b
            },
            "signed_at_invalid",
            "/signed_at",
        ),
        (
            {
                let mut b = signature(1, a, "employer", SIGNATORY_PNR, hash);
                b["signed_at"] = json!("2026-11-10T09:59:59Z");
                b
            },
            "signed_at_invalid",
            "/signed_at",
        ),
        (
            signature(2, a, "employer", SIGNATORY_PNR, hash),
            "version_not_current",
            "/version",
        ),
        (
            signature(1, "someone", "employer", SIGNATORY_PNR, hash),
            "assistant_not_in_report",
            "/assistant_id",
        ),
        (
            signature(1, a, "assistance_user", &w.user_pnr, hash),
            "invalid_role",
            "/role",
        ),
        (
            {
                let mut b = signature(1, a, "employer", SIGNATORY_PNR, hash);
                b["evidence"] = json!("not base64!");
                b
            },
            "invalid_evidence",
            "/evidence",
        ),
    ];
    for (body, code, pointer) in cases {
        let res = sign(&app, &w.org.token, &m.report, &body).await;
        let p = expect_problem(&res, 422);
        assert_eq!(p["code"], code, "{p:#}");
        assert_eq!(error_with(&p, code)["pointer"], pointer, "{p:#}");
    }
    // Evidence is size-limited (64 KiB decoded).
    let mut big = signature(1, a, "employer", SIGNATORY_PNR, hash);
    big["evidence"] = json!("A".repeat(90_000));
    assert_eq!(
        expect_problem(&sign(&app, &w.org.token, &m.report, &big).await, 422)["code"],
        "evidence_too_large"
    );
    // Unknown role or method: 422 at the field.
    let mut bad = signature(1, a, "boss", SIGNATORY_PNR, hash);
    assert_eq!(
        expect_problem(&sign(&app, &w.org.token, &m.report, &bad).await, 422)["errors"][0]
            ["pointer"],
        "/role"
    );
    bad = signature(1, a, "employer", SIGNATORY_PNR, hash);
    bad["method"] = json!("fax");
    assert_eq!(
        expect_problem(&sign(&app, &w.org.token, &m.report, &bad).await, 422)["errors"][0]
            ["pointer"],
        "/method"
    );
    // A signatory whose period has ended may not sign.
    let res = app
        .patch(
            &format!(
                "/api/v1/organisations/{}/signatories/{}",
                w.org.id, m.signatory
            ),
            &w.org.token,
            &json!({"valid_to": "2026-11-10"}),
        )
        .await;
    expect(&res, 200);
    let p2 = expect_problem(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &signature(1, a, "employer", SIGNATORY_PNR, hash),
        )
        .await,
        422,
    );
    assert_eq!(p2["code"], "signer_not_allowed");
    let mut on_the_day = signature(1, a, "employer", SIGNATORY_PNR, hash);
    on_the_day["signed_at"] = json!("2026-11-10T12:00:00Z");
    let employer = expect(&sign(&app, &w.org.token, &m.report, &on_the_day).await, 201);
    assert_eq!(employer["signer_capacity"], "signatory");
    assert_eq!(employer["signer_name"], "Sara Firmatecknare");

    // The report shows per assistant what it has and lacks.
    let r = expect(
        &app.get(&format!("/api/v1/time-reports/{}", m.report), &w.org.token)
            .await,
        200,
    );
    let parts = r["signatures"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    let mine = parts
        .iter()
        .find(|p| p["assistant_id"] == a.as_str())
        .unwrap();
    assert_eq!(mine["missing"], json!([]));
    assert_eq!(mine["signatures"].as_array().unwrap().len(), 2);
    let theirs = parts
        .iter()
        .find(|p| p["assistant_id"] == w.assistants[1].as_str())
        .unwrap();
    assert_eq!(theirs["missing"], json!(["assistant", "employer"]));

    // A correction makes version 2: the signatures stay on version 1 and
    // do not count for version 2.
    let mut body = report(w, "2026-10", rows(w));
    body["rows"][0]["end"] = json!("16:00");
    body["correction_reason"] = json!("Anna stannade till 16");
    app.set_now("2026-11-13T10:00:00Z");
    expect(
        &app.post("/api/v1/time-reports", &w.org.token, &body).await,
        201,
    );
    let r = expect(
        &app.get(&format!("/api/v1/time-reports/{}", m.report), &w.org.token)
            .await,
        200,
    );
    assert_eq!(r["version"], 2);
    for part in r["signatures"].as_array().unwrap() {
        assert_eq!(part["missing"], json!(["assistant", "employer"]));
    }
    let v1 = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/versions/1", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    let mine = v1["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["assistant_id"] == a.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["missing"], json!([]));
    let all = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/signatures", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(all.as_array().unwrap().len(), 2);
    let only2 = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/signatures?version=2", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    assert_eq!(only2, json!([]));
    // Version 1 can no longer be signed; the new payload differs.
    let res = sign(
        &app,
        &w.org.token,
        &m.report,
        &signature(1, &w.assistants[1], "assistant", &w.assistant_pnrs[1], hash),
    )
    .await;
    assert_eq!(expect_problem(&res, 422)["code"], "version_not_current");
    let p2 = payload(&app, &w.org.token, &m.report, 2, a).await;
    assert_ne!(p2["payload_hash"], *hash);
    assert!(p2["text"]
        .as_str()
        .unwrap()
        .contains("07:00–16:00 aktiv assistans 9,00 h"));

    // The audit trail has each signature, without personnummer.
    let audit = expect(
        &app.get(
            &format!("/api/v1/time-reports/{}/audit", m.report),
            &w.org.token,
        )
        .await,
        200,
    );
    let signs: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sign")
        .collect();
    assert_eq!(signs.len(), 2);
    assert_eq!(signs[0]["content_hash"], *hash);
    for e in &signs {
        let reason = e["reason"].as_str().unwrap();
        assert!(
            !reason.contains(&w.assistant_pnrs[0]) && !reason.contains(SIGNATORY_PNR),
            "{reason}"
        );
    }

    // Tenancy: another organisation's report and signatures are a 404.
    let stranger = fixtures::org(&app).await;
    let res = sign(
        &app,
        &stranger.token,
        &m.report,
        &signature(2, a, "assistant", &w.assistant_pnrs[0], &p2["payload_hash"]),
    )
    .await;
    expect_problem(&res, 404);
    expect_problem(
        &app.get(
            &format!("/api/v1/time-reports/{}/signatures", m.report),
            &stranger.token,
        )
        .await,
        404,
    );
    // Auditors may not sign.
    let res = sign(
        &app,
        &app.auditor(),
        &m.report,
        &signature(2, a, "assistant", &w.assistant_pnrs[0], &p2["payload_hash"]),
    )
    .await;
    expect_problem(&res, 403);
}
db_test!(signatures_are_checked_and_recorded);

async fn who_signs_the_invoice_depends_on_age_and_representation(app: TestApp) {
    set_rate(&app, 2026, "340.00").await;
    let org = fixtures::org(&app).await;
    // A child: 17 until 2027-06-15.
    let child_pnr = pnr("20090615", 234);
    let user = fixtures::user(&app, &org, &child_pnr).await;
    let ap = pnr("19900101", 345);
    let a = fixtures::assistant(&app, &org, &ap).await;
    fixtures::employment(&app, &org, &a, &user, json!({})).await;
    fixtures::decision(&app, &org, &user, json!({})).await;
    let w = World {
        org,
        user: user.clone(),
        user_pnr: child_pnr.clone(),
        assistants: vec![a.clone()],
        assistant_pnrs: vec![ap],
    };
    let body = json!({"assistance_user_id": user, "month": "2026-10", "rows": [row(&a, "2026-10-02", "08:00", "12:00", "active")]});
    expect(
        &app.post("/api/v1/time-reports", &w.org.token, &body).await,
        201,
    );
    let inv = submit_invoice(&app, &w).await;
    let id = inv["id"].as_str().unwrap();
    app.set_now("2026-11-12T10:00:00Z");
    let hash = invoice_payload(&app, &w.org.token, id, 1).await["payload_hash"].clone();
    let rep = |p: &str, kind: &str, from: &str, to: Option<&str>| json!({"personnummer": p, "name": format!("Företrädare {kind}"), "kind": kind, "valid_from": from, "valid_to": to});
    let base = format!("/api/v1/assistance-users/{user}/representatives");
    let guardian = pnr("19700202", 456);
    let trustee = pnr("19600303", 567);
    expect(
        &app.post(
            &base,
            &w.org.token,
            &rep(&guardian, "guardian", "2009-06-15", None),
        )
        .await,
        201,
    );
    expect(
        &app.post(
            &base,
            &w.org.token,
            &rep(&trustee, "trustee", "2027-01-01", None),
        )
        .await,
        201,
    );
    let sign_inv = |signer: String, role: &str| {
        json!({"version": 1, "role": role, "signer_personnummer": signer, "method": "freja",
               "signed_at": "2026-11-11T12:00:00Z", "payload_hash": hash.clone()})
    };
    let url = format!("/api/v1/invoices/{id}/signatures");
    // The child may not sign; the trustee is not yet appointed.
    let p = expect_problem(
        &app.post(
            &url,
            &w.org.token,
            &sign_inv(child_pnr.clone(), "assistance_user"),
        )
        .await,
        422,
    );
    assert_eq!(p["code"], "signer_not_allowed");
    assert!(p["detail"].as_str().unwrap().contains("under 18"), "{p:#}");
    assert_eq!(
        expect_problem(
            &app.post(
                &url,
                &w.org.token,
                &sign_inv(trustee.clone(), "assistance_user")
            )
            .await,
            422
        )["code"],
        "signer_not_allowed"
    );
    assert_eq!(
        expect_problem(
            &app.post(&url, &w.org.token, &sign_inv(guardian.clone(), "employer"))
                .await,
            422
        )["code"],
        "invalid_role"
    );
    // The guardian signs for the child.
    let s = expect(
        &app.post(
            &url,
            &w.org.token,
            &sign_inv(guardian.clone(), "assistance_user"),
        )
        .await,
        201,
    );
    assert_eq!(s["signer_capacity"], "guardian");
    assert_eq!(s["document"], "invoice");
    assert_eq!(s.get("assistant_id"), None);
    assert_eq!(
        expect(
            &app.post(
                &url,
                &w.org.token,
                &sign_inv(guardian.clone(), "assistance_user")
            )
            .await,
            200
        )["id"],
        s["id"]
    );
    // An invoice signature has no assistant.
    let mut extra = sign_inv(guardian.clone(), "assistance_user");
    extra["assistant_id"] = json!(a);
    expect_problem(&app.post(&url, &w.org.token, &extra).await, 422);
    let listed = expect(&app.get(&url, &w.org.token).await, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let stranger = fixtures::org(&app).await;
    expect_problem(&app.get(&url, &stranger.token).await, 404);
    expect_problem(
        &app.post(
            &url,
            &stranger.token,
            &sign_inv(guardian.clone(), "assistance_user"),
        )
        .await,
        404,
    );
    let audit = crate::invoices::count_rows(&app, &format!("SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'invoice' AND action = 'sign' AND entity_id = '{id}'"));
    assert_eq!(audit, 1);
}
db_test!(who_signs_the_invoice_depends_on_age_and_representation);

async fn a_self_employer_signs_as_employer_in_person(app: TestApp) {
    let m = month(&app, "self_employer").await;
    let w = &m.w;
    let a = &w.assistants[0];
    let hash = payload(&app, &w.org.token, &m.report, 1, a).await["payload_hash"].clone();
    let s = expect(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &signature(1, a, "employer", &w.user_pnr, &hash),
        )
        .await,
        201,
    );
    assert_eq!(s["signer_capacity"], "assistance_user");
    // A representative of the user too; a stranger not.
    let agent = pnr("19650707", 678);
    let res = app
        .post(&format!("/api/v1/assistance-users/{}/representatives", w.user), &w.org.token,
              &json!({"personnummer": agent, "name": "Olle Ombud", "kind": "agent", "valid_from": "2026-01-01"}))
        .await;
    expect(&res, 201);
    let s = expect(
        &sign(
            &app,
            &w.org.token,
            &m.report,
            &signature(1, a, "employer", &agent, &hash),
        )
        .await,
        201,
    );
    assert_eq!(s["signer_capacity"], "agent");
    let stranger = pnr("19550505", 789);
    assert_eq!(
        expect_problem(
            &sign(
                &app,
                &w.org.token,
                &m.report,
                &signature(1, a, "employer", &stranger, &hash)
            )
            .await,
            422
        )["code"],
        "signer_not_allowed"
    );
}
db_test!(a_self_employer_signs_as_employer_in_person);
