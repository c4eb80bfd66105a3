use chrono::NaiveDate;
use serde_json::json;

use super::*;
use crate::domain::grant::Grant;
use crate::domain::month::ReportMonth;
use crate::domain::quantity::Ore;
use crate::domain::register::DecisionRate;
use crate::domain::shift::ShiftKind;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn rm(s: &str) -> ReportMonth {
    ReportMonth::parse(s).unwrap()
}

fn row(date: &str, kind: ShiftKind, minutes: i64) -> PaidRow {
    PaidRow {
        date: d(date),
        kind,
        minutes,
        payable: true,
        unpaid_minutes: 0,
        hospital: false,
    }
}

fn decision(id: &str, from: &str, to: Option<&str>, rate: DecisionRate) -> Grant {
    Grant {
        id: id.into(),
        valid_from: d(from),
        valid_to: to.map(d),
        recorded_at: d("2024-01-01").and_hms_opt(12, 0, 0).unwrap(),
        grant_period_months: 6,
        hours_per_week_centi: 12000,
        double_hours_per_week_centi: None,
        rate,
    }
}

const STANDARD_2026: Ore = Ore(34000);

#[test]
fn one_rate_rounds_once_on_the_total() {
    // docs/invoices.md, example 1: 3 × 1 h standby = 3/7 h at 340.00.
    let rows = vec![
        row("2026-10-01", ShiftKind::Standby, 60),
        row("2026-10-02", ShiftKind::Standby, 60),
        row("2026-10-03", ShiftKind::Standby, 60),
    ];
    let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
    let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
    assert_eq!(f.lines.len(), 1);
    assert_eq!(f.payable_hundredths(), 43); // 0.428571… h
    assert_eq!(f.sek_per_hour(), Some(STANDARD_2026));
    // 3/7 × 340 = 145.714… → 145.71; per row 48.57 × 3 would be 145.71 too,
    // but 0.43 h × 340 would be 146.20.
    assert_eq!(f.amount, Ore(14571));
    assert_eq!(f.lines[0].from, d("2026-10-01"));
    assert_eq!(f.lines[0].to, d("2026-10-31"));
}

#[test]
fn a_new_decision_mid_month_splits_the_lines() {
    // docs/invoices.md, example 2.
    let rows = vec![
        row("2026-10-14", ShiftKind::Active, 480),
        row("2026-10-15", ShiftKind::Waiting, 540),
        row("2026-10-16", ShiftKind::Active, 480),
        row("2026-10-20", ShiftKind::Standby, 60),
    ];
    let decs = vec![
        decision("old", "2024-01-01", None, DecisionRate::Standard),
        decision("new", "2026-10-16", None, DecisionRate::Higher(Ore(38000))),
    ];
    let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
    assert_eq!(f.lines.len(), 2);
    let (a, b) = (&f.lines[0], &f.lines[1]);
    assert_eq!((a.from, a.to), (d("2026-10-01"), d("2026-10-15")));
    assert_eq!(a.basis, RateBasis::Standard);
    assert_eq!(a.decision_id.as_deref(), Some("old"));
    // 8 h + 9 h / 4 = 10.25 h × 340 = 3485.00
    assert_eq!(a.units.to_hours_string(), "10.25");
    assert_eq!(a.amount, Ore(348500));
    assert_eq!((b.from, b.to), (d("2026-10-16"), d("2026-10-31")));
    assert_eq!(b.basis, RateBasis::Higher);
    // 8 h + 1/7 h = 8.142857… h × 380 = 3094.2857… → 3094.29
    assert_eq!(b.units.to_hours_string(), "8.14");
    assert_eq!(b.amount, Ore(309429));
    assert_eq!(f.amount, Ore(348500 + 309429));
    assert_eq!(f.sek_per_hour(), None);
    assert_eq!(f.payable_hundredths(), 1839); // 18.392857… h
    assert_eq!(f.minutes.active, 960);
}

#[test]
fn standard_rate_missing_is_an_error_naming_the_year() {
    let rows = vec![row("2026-10-01", ShiftKind::Active, 60)];
    let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
    assert_eq!(
        compute(rm("2026-10"), &rows, &decs, None),
        Err(RateMissing { year: 2026 })
    );
    // A higher rate alone needs no standard rate.
    let decs = vec![decision(
        "h",
        "2024-01-01",
        None,
        DecisionRate::Higher(Ore(37000)),
    )];
    let f = compute(rm("2026-10"), &rows, &decs, None).unwrap();
    assert_eq!(f.amount, Ore(37000));
    // No payable rows: nothing to price.
    let f = compute(rm("2026-10"), &[], &[], None).unwrap();
    assert_eq!(
        (f.amount, f.sek_per_hour(), f.lines.len()),
        (Ore(0), None, 0)
    );
}

#[test]
fn days_without_a_decision_get_the_standard_rate_flagged() {
    let rows = vec![
        row("2026-10-01", ShiftKind::Active, 60),
        row("2026-10-20", ShiftKind::Active, 60),
    ];
    let decs = vec![decision("a", "2026-10-10", None, DecisionRate::Standard)];
    let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
    assert_eq!(f.lines.len(), 2);
    assert_eq!(f.lines[0].basis, RateBasis::NoDecision);
    assert_eq!(f.lines[0].decision_id, None);
    assert_eq!(f.no_decision_days, vec![d("2026-10-01")]);
    // Both at the standard rate: one rate for the month.
    assert_eq!(f.sek_per_hour(), Some(STANDARD_2026));
    assert_eq!(f.amount, Ore(68000));
}

#[test]
fn not_payable_rows_and_hospital_days() {
    let mut r1 = row("2026-10-01", ShiftKind::Active, 120);
    r1.payable = false;
    let mut r2 = row("2026-10-02", ShiftKind::Active, 60);
    r2.hospital = true;
    let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
    let f = compute(rm("2026-10"), &[r1, r2], &decs, Some(STANDARD_2026)).unwrap();
    assert_eq!(f.units.to_hours_string(), "1.00");
    assert_eq!(f.not_payable_units.to_hours_string(), "2.00");
    assert_eq!(f.minutes.active, 60);
    assert_eq!(f.hospital_days, vec![d("2026-10-02")]);
}

#[test]
fn claims_are_compared_field_by_field() {
    let rows = vec![row("2026-10-01", ShiftKind::Active, 600)];
    let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
    let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
    let good = Claim {
        payable_hundredths: 1000,
        sek_per_hour: Some(STANDARD_2026),
        amount: Ore(340000),
        hospital_days: None,
        costs: None,
    };
    assert!(check_claim(&good, &f, false).is_empty());
    let bad = Claim {
        payable_hundredths: 1001,
        sek_per_hour: Some(Ore(33260)),
        amount: Ore(340001),
        hospital_days: Some(vec![d("2026-10-01")]),
        costs: None,
    };
    let diffs = check_claim(&bad, &f, false);
    let pointers: Vec<_> = diffs.iter().map(|x| x.pointer).collect();
    assert_eq!(
        pointers,
        [
            "/payable_hours",
            "/sek_per_hour",
            "/amount_sek",
            "/hospital_days"
        ]
    );
    assert!(diffs.iter().all(|x| x.code == "mismatch"));
    assert_eq!(diffs[2].extra[0], ("claimed", json!("3400.01")));
    assert_eq!(diffs[2].extra[1], ("computed", json!("3400.00")));
}

#[test]
fn self_employers_claim_costs_up_to_the_computed_amount() {
    let rows = vec![row("2026-10-01", ShiftKind::Active, 600)];
    let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
    let f = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026)).unwrap();
    let costs = Costs {
        wages_and_social_fees: 300000,
        assistance_expenses: 20000,
        training: 5000,
        work_environment_and_staff: 5000,
    };
    let claim = Claim {
        payable_hundredths: 1000,
        sek_per_hour: Some(STANDARD_2026),
        amount: Ore(330000),
        hospital_days: None,
        costs: Some(costs),
    };
    assert!(check_claim(&claim, &f, true).is_empty());
    // A provider may not.
    let codes: Vec<_> = check_claim(&claim, &f, false)
        .iter()
        .map(|x| x.code)
        .collect();
    assert_eq!(codes, ["mismatch", "costs_not_allowed"]);
    // Less without costs; costs not adding up; above the computed amount.
    let mut c = claim.clone();
    c.costs = None;
    assert_eq!(check_claim(&c, &f, true)[0].code, "costs_required");
    let mut c = claim.clone();
    c.amount = Ore(330001);
    assert_eq!(check_claim(&c, &f, true)[0].code, "costs_sum_mismatch");
    let mut c = claim.clone();
    c.amount = Ore(340001);
    c.costs = None;
    assert_eq!(check_claim(&c, &f, true)[0].code, "above_computed");
    // The full amount needs no costs.
    let mut c = claim;
    c.amount = Ore(340000);
    c.costs = None;
    assert!(check_claim(&c, &f, true).is_empty());
}

#[test]
fn drift_names_what_changed() {
    let rows = vec![row("2026-10-01", ShiftKind::Active, 600)];
    let decs = vec![decision("a", "2024-01-01", None, DecisionRate::Standard)];
    let before = compute(rm("2026-10"), &rows, &decs, Some(STANDARD_2026))
        .unwrap()
        .summary();
    assert!(drift(&before, &before).is_empty());
    let after = compute(rm("2026-10"), &rows, &decs, Some(Ore(35000)))
        .unwrap()
        .summary();
    let pointers: Vec<_> = drift(&before, &after).iter().map(|x| x.pointer).collect();
    assert_eq!(pointers, ["/sek_per_hour", "/amount_sek", "/lines"]);
    let json = serde_json::to_string(&before).unwrap();
    assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), before);
}
