use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use super::*;
use crate::domain::quantity::PayableUnits;
use crate::domain::register::WorkingTimeRule;
use crate::domain::shift::ShiftKind;

fn raw(a: &str, date: &str, start: &str, end: &str, kind: &str) -> RawRow {
    RawRow {
        assistant_id: a.into(),
        date: date.into(),
        start: start.into(),
        end: end.into(),
        kind: Some(kind.into()),
        double: false,
        hospital: false,
        clock_assumed: false,
    }
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn facts(person: &str) -> AssistantFacts {
    AssistantFacts {
        person: person.into(),
        birth_date: d("1990-01-01"),
        lives_in_eea: true,
        employments: vec![EmploymentFacts {
            start: d("2020-01-01"),
            end: None,
            registered_with_fk_on: Some(d("2020-01-01")),
            rule: WorkingTimeRule::WorkingHoursAct,
        }],
        working_time: Some((
            WorkingTimeRule::WorkingHoursAct,
            WorkingTimeRule::WorkingHoursAct.limit(),
        )),
    }
}

fn ctx() -> Context {
    let mut assistants = HashMap::new();
    assistants.insert("a".to_string(), facts("p-a"));
    assistants.insert("b".to_string(), facts("p-b"));
    Context {
        today: Some(d("2026-11-10")),
        assistants,
        decisions: vec![DecisionFacts {
            valid_from: d("2024-01-01"),
            valid_to: None,
            double_centi: Some(1000),
        }],
        stored: Vec::new(),
        ..Context::default()
    }
}

fn run(rows: &[RawRow], ctx: &Context) -> (Parsed, Checked) {
    let p = parse_report("2026-10", rows, d("2026-11-10"));
    let c = check_report(p.month.unwrap(), &p.rows, ctx);
    (p, c)
}

fn codes(issues: &[Issue]) -> Vec<&'static str> {
    issues.iter().map(|i| i.code).collect()
}

#[test]
fn conversion_factors_and_dst() {
    let rows = [
        raw("a", "2026-10-24", "22:00", "07:00", "active"), // autumn change: 10 h
        raw("a", "2026-10-01", "08:00", "12:00", "waiting"), // 4 h → 1 h
        raw("a", "2026-10-02", "08:00", "15:00", "standby"), // 7 h → 1 h
    ];
    let (p, c) = run(&rows, &ctx());
    assert!(
        p.errors.is_empty() && c.errors.is_empty(),
        "{:?} {:?}",
        p.errors,
        c.errors
    );
    assert_eq!(c.totals.active_minutes, 600);
    assert_eq!(c.totals.waiting_minutes, 240);
    assert_eq!(c.totals.standby_minutes, 420);
    assert_eq!(c.totals.payable.to_hours_string(), "12.00");
}

#[test]
fn parse_faults_point_at_fields() {
    let rows = [
        raw("a", "2026-11-01", "07:00", "08:00", "active"),
        raw("a", "2026-10-32", "7", "24:00", "nap"),
        raw("a", "2026-10-10", "24:00", "08:00", "active"),
    ];
    let p = parse_report("2026-10", &rows, d("2026-11-10"));
    let got: Vec<_> = p.errors.iter().map(|e| (e.code, e.target)).collect();
    assert!(got.contains(&(
        "date_outside_month",
        Target::Row {
            index: 0,
            field: Some(Field::Date)
        }
    )));
    assert!(got.contains(&(
        "invalid_date",
        Target::Row {
            index: 1,
            field: Some(Field::Date)
        }
    )));
    assert!(got.contains(&(
        "invalid_time",
        Target::Row {
            index: 1,
            field: Some(Field::Start)
        }
    )));
    assert!(got.contains(&(
        "invalid_kind",
        Target::Row {
            index: 1,
            field: Some(Field::Kind)
        }
    )));
    assert!(got.contains(&(
        "invalid_time",
        Target::Row {
            index: 2,
            field: Some(Field::Start)
        }
    )));
    assert!(p.rows.is_empty());
}

#[test]
fn spring_gap_is_refused() {
    let rows = [raw("a", "2026-03-29", "02:30", "06:00", "active")];
    let p = parse_report("2026-03", &rows, d("2026-11-10"));
    assert_eq!(p.errors[0].code, "nonexistent_local_time");
    assert_eq!(
        p.errors[0].target,
        Target::Row {
            index: 0,
            field: Some(Field::Start)
        }
    );
}

#[test]
fn future_month_and_month_in_progress() {
    let p = parse_report("2026-12", &[], d("2026-11-10"));
    assert_eq!(codes(&p.errors), ["month_in_future"]);
    let p = parse_report("2026-11", &[], d("2026-11-10"));
    assert!(p.errors.is_empty());
    let c = check_report(p.month.unwrap(), &p.rows, &ctx());
    assert_eq!(codes(&c.warnings), ["month_in_progress"]);
}

#[test]
fn overlaps_within_and_across_reports() {
    let rows = [
        raw("a", "2026-10-05", "08:00", "16:00", "active"),
        raw("a", "2026-10-05", "15:00", "18:00", "active"),
        raw("a", "2026-10-05", "16:00", "17:00", "active"),
    ];
    let mut c = ctx();
    let (p, out) = run(&rows, &c);
    assert_eq!(
        codes(&out.errors),
        ["overlapping_shifts", "overlapping_shifts"]
    );
    assert_eq!(out.errors[0].related_rows, [0]);
    // Stored shifts of the same person elsewhere.
    let s = &p.rows[0].shift;
    c.stored.push(StoredShift {
        person: "p-a".into(),
        same_org: false,
        start_utc: s.start_utc,
        end_utc: s.start_utc + Duration::hours(1),
        date: d("2026-10-05"),
        kind: ShiftKind::Active,
        minutes: 60,
        report_month: "2026-10".into(),
        clock_assumed: false,
    });
    let (_, out) = run(&rows[..1], &c);
    assert_eq!(codes(&out.errors), ["overlaps_other_employer"]);
    assert!(!out.errors[0].message.contains("2026-10"));
    c.stored[0].same_org = true;
    let (_, out) = run(&rows[..1], &c);
    assert_eq!(codes(&out.errors), ["overlaps_stored_report"]);

    // Assumed clock times (PAXml datum + timmar): warned as such; an
    // overlap with another employer is a warning, with the own
    // organisation's reports still a refusal.
    let mut assumed = rows[0].clone();
    assumed.clock_assumed = true;
    let (_, out) = run(std::slice::from_ref(&assumed), &c);
    assert_eq!(codes(&out.errors), ["overlaps_stored_report"]);
    c.stored[0].same_org = false;
    let (_, out) = run(std::slice::from_ref(&assumed), &c);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        codes(&out.warnings),
        ["clock_times_assumed", "overlaps_other_employer"]
    );
    assert_eq!(out.totals.active_minutes, 480, "still counted");
    // Nor do another employer's assumed times refuse real ones.
    c.stored[0].clock_assumed = true;
    let (_, out) = run(&rows[..1], &c);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(codes(&out.warnings), ["overlaps_other_employer"]);
}

#[test]
fn many_identical_shifts_give_one_fault_each() {
    let rows: Vec<RawRow> = (0..5000)
        .map(|_| raw("a", "2026-10-05", "08:00", "16:00", "active"))
        .collect();
    let (_, out) = run(&rows, &ctx());
    let overlaps = out
        .errors
        .iter()
        .filter(|e| e.code == "overlapping_shifts")
        .count();
    assert_eq!(overlaps, 4999);
}

#[test]
fn back_to_back_shifts_do_not_overlap() {
    let rows = [
        raw("a", "2026-10-05", "08:00", "16:00", "active"),
        raw("a", "2026-10-05", "16:00", "08:00", "standby"),
    ];
    let (_, out) = run(&rows, &ctx());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn more_than_24_hours_starting_one_day() {
    let rows = [
        raw("a", "2026-10-05", "00:00", "23:00", "active"),
        raw("a", "2026-10-05", "23:00", "02:00", "active"),
    ];
    let (_, out) = run(&rows, &ctx());
    assert_eq!(codes(&out.errors), ["day_over_24h"]);
    assert_eq!(out.errors[0].related_rows, [0]);
}

#[test]
fn other_employers_hours_count_but_are_not_disclosed() {
    let mut c = ctx();
    let p = parse_report(
        "2026-10",
        &[raw("a", "2026-10-05", "00:00", "20:00", "active")],
        d("2026-11-10"),
    );
    let s = &p.rows[0].shift;
    c.stored.push(StoredShift {
        person: "p-a".into(),
        same_org: false,
        start_utc: s.end_utc,
        end_utc: s.end_utc + Duration::hours(5),
        date: d("2026-10-05"),
        kind: ShiftKind::Active,
        minutes: 300,
        report_month: "2026-10".into(),
        clock_assumed: false,
    });
    let out = check_report(p.month.unwrap(), &p.rows, &c);
    assert_eq!(codes(&out.errors), ["day_over_24h"]);
    assert!(out.errors[0].message.contains("another employer"));
    assert!(
        !out.errors[0].message.contains("25.00"),
        "{}",
        out.errors[0].message
    );
}

#[test]
fn double_assistance_rules() {
    let mut r1 = raw("a", "2026-10-05", "08:00", "12:00", "active");
    r1.double = true;
    let mut r2 = raw("b", "2026-10-05", "10:00", "14:00", "active");
    r2.double = true;
    let (_, out) = run(&[r1.clone(), r2.clone()], &ctx());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // Alone: no partner.
    let (_, out) = run(&[r1.clone()], &ctx());
    assert_eq!(codes(&out.errors), ["double_without_overlap"]);
    // Not granted.
    let mut c = ctx();
    c.decisions[0].double_centi = None;
    let (_, out) = run(&[r1, r2], &c);
    assert_eq!(
        codes(&out.errors),
        ["double_not_granted", "double_not_granted"]
    );
}

#[test]
fn employment_registration_and_warnings() {
    let mut c = ctx();
    let a = c.assistants.get_mut("a").unwrap();
    a.employments[0].registered_with_fk_on = Some(d("2026-10-10"));
    a.lives_in_eea = false;
    a.birth_date = d("2008-10-08"); // turns 18 on the 8th
    c.decisions[0].valid_from = d("2026-10-07");
    let mut hospital = raw("a", "2026-10-09", "08:00", "10:00", "active");
    hospital.hospital = true;
    let rows = [
        raw("a", "2026-10-06", "08:00", "12:00", "active"),
        hospital,
        raw("a", "2026-10-12", "08:00", "12:00", "active"),
    ];
    let (_, out) = run(&rows, &c);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let w = codes(&out.warnings);
    assert_eq!(
        w.iter()
            .filter(|c| **c == "assistant_not_registered_with_fk")
            .count(),
        2
    );
    assert_eq!(w.iter().filter(|c| **c == "no_decision").count(), 1);
    assert_eq!(w.iter().filter(|c| **c == "assistant_under_18").count(), 1);
    assert_eq!(
        w.iter().filter(|c| **c == "assistant_outside_eea").count(),
        3
    );
    assert_eq!(w.iter().filter(|c| **c == "hospital_stay").count(), 1);
    assert_eq!(out.payable, [false, false, true]);
    assert_eq!(out.totals.payable.to_hours_string(), "4.00");
    assert_eq!(out.totals.not_payable.to_hours_string(), "6.00");
    // Not employed on the date; unknown assistant.
    c.assistants.get_mut("a").unwrap().employments[0].end = Some(d("2026-10-01"));
    let (_, out) = run(
        &[
            raw("a", "2026-10-06", "08:00", "12:00", "active"),
            raw("zz", "2026-10-06", "08:00", "12:00", "active"),
        ],
        &c,
    );
    assert_eq!(codes(&out.errors), ["not_employed", "unknown_assistant"]);
}

#[test]
fn working_time_limit() {
    // 12 h every day of October, and of the months before with another
    // employer: 84 h/week over the four-month reference period.
    let rows: Vec<RawRow> = (1..=31)
        .map(|day| {
            raw(
                "a",
                &format!("2026-10-{day:02}"),
                "08:00",
                "20:00",
                "active",
            )
        })
        .collect();
    let (_, out) = run(&rows, &ctx());
    assert!(
        !codes(&out.warnings).contains(&"working_time_exceeded"),
        "one month alone averages out"
    );
    let mut c = ctx();
    let mut day = d("2026-06-01");
    while day < d("2026-10-01") {
        let start = day.and_hms_opt(6, 0, 0).unwrap().and_utc();
        c.stored.push(StoredShift {
            person: "p-a".into(),
            same_org: false,
            start_utc: start,
            end_utc: start + Duration::hours(12),
            date: day,
            kind: ShiftKind::Active,
            minutes: 720,
            report_month: String::new(),
            clock_assumed: false,
        });
        day += Duration::days(1);
    }
    let (_, out) = run(&rows, &c);
    let w: Vec<_> = out
        .warnings
        .iter()
        .filter(|w| w.code == "working_time_exceeded")
        .collect();
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].target,
        Target::Row {
            index: 0,
            field: Some(Field::AssistantId)
        }
    );
    // 8 h on weekdays only is within 48 h/week.
    let rows: Vec<RawRow> = (1..=31)
        .map(|day| d(&format!("2026-10-{day:02}")))
        .filter(|d| chrono::Datelike::weekday(d).number_from_monday() <= 5)
        .map(|d| raw("a", &d.to_string(), "08:00", "16:00", "active"))
        .collect();
    let (_, out) = run(&rows, &ctx());
    assert!(!codes(&out.warnings).contains(&"working_time_exceeded"));
}

#[test]
fn day_totals_split_payable_double_and_working_time() {
    let mut double = raw("a", "2026-10-01", "08:00", "10:00", "active");
    double.double = true;
    let rows = [
        raw("a", "2026-10-01", "12:00", "16:00", "waiting"),
        double,
        raw("a", "2026-10-01", "18:00", "01:00", "standby"),
        raw("b", "2026-10-01", "08:00", "09:00", "active"),
    ];
    let p = parse_report("2026-10", &rows, d("2026-11-10"));
    let t = day_totals(&p.rows, &[true, true, true, false], &[], &[]);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].assistant_id, "a");
    assert_eq!(t[0].payable.to_hours_string(), "4.00"); // 1 + 2 + 1
    assert_eq!(t[0].double.to_hours_string(), "2.00");
    assert_eq!(t[0].working_minutes, 360);
    assert_eq!(t[1].not_payable.to_hours_string(), "1.00");
}

#[test]
fn hash_ignores_order_and_notation() {
    let a = parse_report(
        "2026-10",
        &[
            raw("a", "2026-10-01", "7:00", "15:30", "active"),
            raw("b", "2026-10-02", "08:00", "09:00", "waiting"),
        ],
        d("2026-11-10"),
    );
    let b = parse_report(
        "2026-10",
        &[
            raw("b", "2026-10-02", "08:00:00", "09:00", "waiting"),
            raw("a", "2026-10-01", "07:00", "15:30", "active"),
        ],
        d("2026-11-10"),
    );
    assert_eq!(content_hash(&a.rows), content_hash(&b.rows));
    let c = parse_report(
        "2026-10",
        &[raw("a", "2026-10-01", "07:00", "15:31", "active")],
        d("2026-11-10"),
    );
    assert_ne!(content_hash(&a.rows), content_hash(&c.rows));
}

// ---- unmarked double assistance (issue 11 §6) -------------------------------

fn row_codes(out: &Checked, row: usize) -> Vec<&'static str> {
    out.warnings
        .iter()
        .filter(|w| matches!(w.target, Target::Row { index, .. } if index == row))
        .map(|w| w.code)
        .collect()
}

fn double_grant(centi: i64) -> crate::domain::grant::Grant {
    crate::domain::grant::Grant {
        id: "g".into(),
        valid_from: d("2026-07-01"),
        valid_to: None,
        recorded_at: d("2026-07-01").and_hms_opt(0, 0, 0).unwrap(),
        grant_period_months: 6,
        hours_per_week_centi: 10000,
        double_hours_per_week_centi: Some(centi),
        rate: crate::domain::register::DecisionRate::Standard,
    }
}

#[test]
fn unmarked_overlap_without_grant_is_paid_once() {
    let mut c = ctx();
    c.decisions[0].double_centi = None;
    let rows = [
        raw("b", "2026-10-05", "10:00", "14:00", "active"),
        raw("a", "2026-10-05", "08:00", "12:00", "active"),
    ];
    let (_, out) = run(&rows, &c);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // Row 0 (b) starts later: its two overlapping hours are not paid.
    assert_eq!(out.unpaid_minutes, [120, 0]);
    assert_eq!(out.double_minutes, [0, 0]);
    assert_eq!(out.totals.payable.to_hours_string(), "6.00");
    assert_eq!(out.totals.not_payable.to_hours_string(), "2.00");
    assert_eq!(row_codes(&out, 0), ["unmarked_double_assistance"]);
    assert_eq!(row_codes(&out, 1), ["unmarked_double_assistance"]);
    // Day totals follow: b is paid 2 h, a 4 h.
    let p = parse_report("2026-10", &rows, d("2026-11-10"));
    let t = day_totals(
        &p.rows,
        &out.payable,
        &out.unpaid_minutes,
        &out.double_minutes,
    );
    let b = t.iter().find(|t| t.assistant_id == "b").unwrap();
    assert_eq!(b.payable.to_hours_string(), "2.00");
    assert_eq!(b.not_payable.to_hours_string(), "2.00");
}

#[test]
fn a_third_assistant_loses_the_union_of_its_overlaps_once() {
    let mut c = ctx();
    c.decisions[0].double_centi = Some(0);
    let mut facts_c = c.assistants["a"].clone();
    facts_c.person = "p-c".into();
    c.assistants.insert("c".into(), facts_c);
    let rows = [
        raw("a", "2026-10-05", "08:00", "12:00", "active"),
        raw("b", "2026-10-05", "09:00", "11:00", "active"),
        raw("c", "2026-10-05", "10:00", "13:00", "active"),
    ];
    let (_, out) = run(&rows, &c);
    // b: 09–11 under a; c: 10–12 under a and b (once), not 12–13.
    assert_eq!(out.unpaid_minutes, [0, 120, 120]);
    assert_eq!(out.totals.payable.to_hours_string(), "5.00");
    for r in 0..3 {
        assert_eq!(
            row_codes(&out, r),
            ["unmarked_double_assistance"],
            "row {r}"
        );
    }
}

#[test]
fn unmarked_overlap_with_grant_counts_against_it() {
    let rows = [
        raw("a", "2026-10-05", "08:00", "12:00", "active"),
        raw("b", "2026-10-05", "10:00", "14:00", "active"),
    ];
    // Granted (ctx: 10 h a week), within the period's double hours.
    let mut c = ctx();
    c.grants = vec![double_grant(1000)];
    let (_, out) = run(&rows, &c);
    assert!(
        out.errors.is_empty() && out.warnings.is_empty(),
        "{:?}",
        out.warnings
    );
    assert_eq!(out.unpaid_minutes, [0, 0]);
    assert_eq!(out.double_minutes, [0, 120]);
    assert_eq!(out.totals.payable.to_hours_string(), "8.00");
    let p = parse_report("2026-10", &rows, d("2026-11-10"));
    let t = day_totals(
        &p.rows,
        &out.payable,
        &out.unpaid_minutes,
        &out.double_minutes,
    );
    let double: PayableUnits = t.iter().map(|t| t.double).sum();
    assert_eq!(double.to_hours_string(), "2.00"); // the overlap once
                                                  // 0.10 h a week over 2026-07-01 – 2026-12-31 is 2.63 h: with 1 h from
                                                  // other months, 3 h of double assistance is over.
    c.grants = vec![double_grant(10)];
    c.stored_double = vec![(d("2026-08-03"), PayableUnits(1680))];
    let (_, out) = run(&rows, &c);
    assert_eq!(row_codes(&out, 0), ["double_over_grant"]);
    assert_eq!(row_codes(&out, 1), ["double_over_grant"]);
    assert_eq!(out.totals.payable.to_hours_string(), "8.00");
    // Other months outside the period do not count.
    c.stored_double = vec![(d("2026-06-30"), PayableUnits(1680))];
    let (_, out) = run(&rows, &c);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn marked_rows_and_one_assistant_keep_their_rules() {
    let mut c = ctx();
    c.decisions[0].double_centi = None;
    // The same assistant twice: an overlap error, not double assistance.
    let (_, out) = run(
        &[
            raw("a", "2026-10-05", "08:00", "12:00", "active"),
            raw("a", "2026-10-05", "10:00", "14:00", "active"),
        ],
        &c,
    );
    assert_eq!(codes(&out.errors), ["overlapping_shifts"]);
    assert_eq!(out.unpaid_minutes, [0, 0]);
    // Marked and granted: paid in full, no warning.
    let mut r1 = raw("a", "2026-10-05", "08:00", "12:00", "active");
    r1.double = true;
    let mut r2 = raw("b", "2026-10-05", "10:00", "14:00", "active");
    r2.double = true;
    let (_, out) = run(&[r1, r2], &ctx());
    assert!(out.errors.is_empty() && out.warnings.is_empty());
    assert_eq!(out.unpaid_minutes, [0, 0]);
    assert_eq!(out.double_minutes, [0, 0]);
    // Back to back is no overlap.
    let (_, out) = run(
        &[
            raw("a", "2026-10-05", "08:00", "12:00", "active"),
            raw("b", "2026-10-05", "12:00", "14:00", "active"),
        ],
        &c,
    );
    assert!(out.warnings.is_empty());
}
