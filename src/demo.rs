//! `redovisa seed-demo`: a realistic small provider, so that a newcomer sees
//! a populated dashboard right after the quick start. Reports go through the
//! same submission pipeline as the API, with simulated arrival times.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;

use crate::db::register::{
    self as reg, AssistanceUserRow, AssistantRow, DecisionRow, EmploymentRow, OrganisationRow,
    RateRow,
};
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::deadline::{fk_due_date, DeadlinePolicy};
use crate::domain::month::ReportMonth;
use crate::domain::report::RawRow;
use crate::service::submission::{self, Env, Submission, SubmitError};

/// Marks rates the demo had to invent; never real figures.
pub const DEMO_RATE_SOURCE: &str = "DEMO DATA – not a real schablonbelopp";

/// The identity number of the demo organisation (a valid, made-up number).
const DEMO_ORG_NUMBER: &str = "559999-9999";

#[derive(Debug)]
pub struct Seeded {
    pub organisation_id: String,
    pub assistance_users: usize,
    pub reports: usize,
    pub invoices: usize,
    pub months: Vec<ReportMonth>,
    pub demo_rates: Vec<i32>,
}

fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    Stockholm
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).expect("valid time"))
        .earliest()
        .expect("not in a DST gap")
        .with_timezone(&Utc)
}

/// A valid personnummer for a birth date and serial (Luhn digit computed).
fn personnummer(date: &str, serial: u32) -> String {
    let nine = format!("{}{serial:03}", &date[2..]);
    let check = crate::domain::identity::luhn_check_digit(nine.as_bytes());
    format!("{date}{serial:03}{check}")
}

/// Seeds the demo provider. Refuses to run twice on one database.
pub fn seed(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    policy: DeadlinePolicy,
) -> anyhow::Result<Seeded> {
    let existing = reg::list_organisations(
        conn,
        &Scope::All,
        &crate::db::page::Page {
            limit: 10_000,
            after: None,
        },
    )?;
    if existing
        .iter()
        .any(|o| o.identity_number == DEMO_ORG_NUMBER)
    {
        anyhow::bail!("this database already has the demo organisation ({DEMO_ORG_NUMBER})");
    }
    let today = crate::domain::deadline::stockholm_date(now);
    let this_month = ReportMonth::of(today);
    let months = demo_months(today, policy);
    let ts = now.naive_utc();

    conn.write_transaction::<_, anyhow::Error, _>(&["demo".to_string()], |conn| {
        // Rates the table lacks for the demo months: added, clearly marked.
        let mut demo_rates = Vec::new();
        for year in months.iter().map(|m| m.year()).chain([this_month.year()]) {
            if reg::get_rate(conn, year)?.is_none() && !demo_rates.contains(&year) {
                reg::put_rate(
                    conn,
                    &RateRow {
                        year,
                        ore_per_hour: 33260,
                        source: DEMO_RATE_SOURCE.to_string(),
                        updated_at: ts,
                    },
                )?;
                demo_rates.push(year);
            }
        }

        let org = OrganisationRow {
            id: crate::db::new_id(),
            kind: "company".into(),
            identity_number: DEMO_ORG_NUMBER.into(),
            name: "Demo Assistans AB".into(),
            ivo_permit: Some(true),
            f_tax: Some(true),
            internal_cutoff_day: 5,
            created_at: ts,
            updated_at: ts,
            paxml_codes: crate::domain::paxml::PaxmlCodes::default().to_json(),
        };
        reg::insert_organisation(conn, &org)?;

        let names = ["Astrid Lind", "Bertil Ek", "Cecilia Holm"];
        let mut users = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let u = AssistanceUserRow {
                id: crate::db::new_id(),
                organisation_id: org.id.clone(),
                personnummer: personnummer(["19580412", "19710923", "20050101"][i], 101 + i as u32),
                name: name.to_string(),
                created_at: ts,
            };
            reg::insert_assistance_user(conn, &u)?;
            reg::insert_decision(
                conn,
                &DecisionRow {
                    id: crate::db::new_id(),
                    organisation_id: org.id.clone(),
                    assistance_user_id: u.id.clone(),
                    hours_per_week_centi: [8400, 5600, 11200][i],
                    valid_from: months[0].first_day() - Duration::days(31),
                    valid_to: None,
                    grant_period_months: 6,
                    rate_kind: "standard".into(),
                    higher_rate_ore: None,
                    double_hours_per_week_centi: None,
                    created_at: ts,
                    updated_at: ts,
                },
            )?;
            users.push(u);
        }
        agreements_and_notice(conn, &org.id, &users, months[0], today, policy, ts)?;

        // Two assistants per user, employed and registered with FK from the start.
        let mut staff: HashMap<String, Vec<String>> = HashMap::new();
        for (i, u) in users.iter().enumerate() {
            for j in 0..2u32 {
                let a = AssistantRow {
                    id: crate::db::new_id(),
                    organisation_id: org.id.clone(),
                    personnummer: personnummer(
                        ["19880315", "19920704", "19850521"][i],
                        201 + j + 10 * i as u32,
                    ),
                    name: format!("Assistent {}{}", i + 1, ['A', 'B'][j as usize]),
                    lives_in_eea: true,
                    created_at: ts,
                    updated_at: ts,
                };
                reg::insert_assistant(conn, &a)?;
                reg::insert_employment(
                    conn,
                    &EmploymentRow {
                        id: crate::db::new_id(),
                        organisation_id: org.id.clone(),
                        assistant_id: a.id.clone(),
                        assistance_user_id: u.id.clone(),
                        start_date: months[0].first_day() - Duration::days(60),
                        end_date: None,
                        registered_with_fk_on: Some(months[0].first_day() - Duration::days(45)),
                        shares_household: false,
                        working_time_rule: "working_hours_act".into(),
                        created_at: ts,
                        updated_at: ts,
                        working_time_limit_centi: None,
                        working_time_reference_days: None,
                    },
                )?;
                staff.entry(u.id.clone()).or_default().push(a.id);
            }
        }

        // Three months of reports (see `demo_months`): on time, except
        // user 1's report of the middle month (late: the day after its due
        // date, which has passed), user 0's first month corrected after
        // its due date, and user 2's last month missing. Every arrival is
        // in the past whatever day the demo is seeded.
        let mut reports = 0;
        let dues: Vec<NaiveDate> = months.iter().map(|m| fk_due_date(*m, policy)).collect();
        let env_at = |when: DateTime<Utc>| Env {
            org_id: org.id.clone(),
            actor: "demo:seed-demo".into(),
            now: when.min(now),
            policy,
            late: Default::default(),
            probes: Default::default(),
        };
        for (mi, month) in months.iter().enumerate() {
            for (ui, u) in users.iter().enumerate() {
                if ui == 2 && mi == 2 {
                    continue;
                }
                // Late is the day after the due date; `now` is on or after
                // that day, so even the clamp keeps it late.
                let arrival = if ui == 1 && mi == 1 {
                    at(dues[1] + Duration::days(1), 10)
                } else {
                    at(month.add_months(1).first_day() + Duration::days(1), 9)
                };
                let hours_per_day = [12, 8, 16][ui];
                let rows = month_rows(*month, &staff[&u.id], hours_per_day, 0);
                submit(conn, &env_at(arrival), &u.id, *month, rows, None)?;
                reports += 1;
            }
        }

        // Invoices, through the invoice service as a payroll system sends
        // them: the first month for everyone (user 0's goes stale with the
        // correction below), the middle month for users 0 and 1 (user 2's
        // is missing: its due date has passed), the last month for user 0
        // (the others are not yet due).
        let mut invoices = 0;
        for (mi, month) in months.iter().enumerate() {
            for (ui, u) in users.iter().enumerate() {
                let when: DateTime<Utc> = match (mi, ui) {
                    (0, _) | (1, 0) => at(month.add_months(1).first_day() + Duration::days(11), 10),
                    (1, 1) => at(dues[1] + Duration::days(1), 11),
                    (2, 0) => at(month.add_months(1).first_day() + Duration::days(1), 10),
                    _ => continue,
                };
                invoice(conn, &env_at(when), &u.id, *month)?;
                invoices += 1;
            }
        }

        // User 0's first month corrected the day after its due date: a
        // correction after the deadline, and a stale invoice.
        let rows = month_rows(months[0], &staff[&users[0].id], 12, 1);
        submit(
            conn,
            &env_at(at(dues[0] + Duration::days(1), 14)),
            &users[0].id,
            months[0],
            rows,
            Some("Missed the evening shift on the 1st"),
        )?;

        Ok(Seeded {
            invoices,
            organisation_id: org.id,
            assistance_users: users.len(),
            reports,
            months,
            demo_rates,
        })
    })
}

/// The demo's three months, chosen from today so that every status shows
/// whatever day it is seeded: the middle month is the latest whose FK due
/// date has passed (a report after it is late, a missing invoice is
/// missing), the last month's due date is today or later (its invoices are
/// not yet due), and every month has ended.
pub fn demo_months(today: NaiveDate, policy: DeadlinePolicy) -> Vec<ReportMonth> {
    let mut middle = ReportMonth::of(today).add_months(-1);
    while fk_due_date(middle, policy) >= today {
        middle = middle.add_months(-1);
    }
    vec![middle.add_months(-1), middle, middle.add_months(1)]
}

/// A month of shifts: the user's two assistants alternate days, starting
/// 07:00, with the day's hours; `extra` adds an evening hour on the 1st.
fn month_rows(month: ReportMonth, staff: &[String], hours_per_day: u32, extra: u32) -> Vec<RawRow> {
    let mut rows = Vec::new();
    for (i, day) in month.iter_days().enumerate() {
        let end = 7 + hours_per_day;
        rows.push(RawRow {
            assistant_id: staff[i % staff.len()].clone(),
            date: day.to_string(),
            start: "07:00".into(),
            end: format!("{:02}:00", end.min(24)),
            kind: Some(
                if hours_per_day > 12 && day.weekday().number_from_monday() > 5 {
                    "waiting".to_string()
                } else {
                    "active".to_string()
                },
            ),
            double: false,
            hospital: false,
            clock_assumed: false,
        });
        if extra > 0 && day.day() == 1 {
            rows.push(RawRow {
                assistant_id: staff[(i + 1) % staff.len()].clone(),
                date: day.to_string(),
                start: format!("{:02}:00", end.min(23)),
                end: format!("{:02}:00", (end + extra).min(24)),
                kind: Some("active".into()),
                double: false,
                hospital: false,
                clock_assumed: false,
            });
        }
    }
    rows
}

/// The users' agreements with the provider (form 3079): Astrid's and
/// Bertil's sent to FK, Cecilia's not yet (the dashboard's agreement column
/// shows `not_sent_to_fk`); and one change notice for Bertil that is due
/// within days, so "Att göra" has one (`docs/change-notices.md`).
fn agreements_and_notice(
    conn: &mut DbConn,
    org: &str,
    users: &[AssistanceUserRow],
    first: ReportMonth,
    today: NaiveDate,
    policy: DeadlinePolicy,
    ts: chrono::NaiveDateTime,
) -> anyhow::Result<()> {
    use crate::db::agreements::{self as ag, AgreementRow};
    use crate::db::change_notices::{self as cn, ChangeNoticeRow};
    let valid_from = first.first_day() - Duration::days(31);
    for (i, u) in users.iter().enumerate() {
        ag::insert(
            conn,
            &AgreementRow {
                id: crate::db::new_id(),
                organisation_id: org.to_string(),
                assistance_user_id: u.id.clone(),
                valid_from,
                valid_to: None,
                payee: crate::domain::agreement::Payee::Provider.as_str().into(),
                sent_to_fk_on: (i < 2).then_some(valid_from),
                created_at: ts,
                updated_at: ts,
            },
        )?;
    }
    let occurred_on = today - Duration::days(10);
    cn::insert(
        conn,
        &ChangeNoticeRow {
            id: crate::db::new_id(),
            organisation_id: org.to_string(),
            assistance_user_id: users[1].id.clone(),
            kind: crate::domain::change_notice::ChangeKind::MovingHome
                .as_str()
                .into(),
            occurred_on,
            due_date: crate::domain::change_notice::due_date(occurred_on, policy),
            reported_to_fk_on: None,
            note: None,
            created_at: ts,
            updated_at: ts,
        },
    )?;
    Ok(())
}

fn submit(
    conn: &mut DbConn,
    env: &Env,
    user: &str,
    month: ReportMonth,
    rows: Vec<RawRow>,
    reason: Option<&str>,
) -> anyhow::Result<()> {
    let sub = Submission {
        assistance_user_id: user.to_string(),
        month: month.to_string(),
        rows,
        correction_reason: reason.map(str::to_string),
    };
    submission::submit(conn, env, &sub).map_err(|e| match e {
        SubmitError::Db(e) => anyhow::Error::from(e),
        SubmitError::Refused(r) => anyhow::anyhow!("demo report refused: {r:?}"),
    })?;
    Ok(())
}

/// Submits the invoice the current time report gives, as a payroll system would.
fn invoice(conn: &mut DbConn, env: &Env, user: &str, month: ReportMonth) -> anyhow::Result<()> {
    use crate::service::invoices::{self, InvoiceInput};
    let computed = invoices::compute(conn, &env.org_id, user, month)
        .map_err(|e| anyhow::anyhow!("demo invoice: {e:?}"))?;
    let draft = computed.draft();
    let input = InvoiceInput {
        assistance_user_id: user.to_string(),
        month: month.to_string(),
        payable_hours: draft.payable_hours,
        sek_per_hour: draft.sek_per_hour,
        amount_sek: draft.amount_sek,
        invoice_number: Some(format!("DEMO-{month}-{}", &user[..8])),
        hospital_days: None,
        costs: None,
    };
    let sub = input
        .parse()
        .map_err(|e| anyhow::anyhow!("demo invoice: {e:?}"))?;
    invoices::submit(conn, env, &sub)
        .map_err(|e| anyhow::anyhow!("demo invoice refused: {e:?}"))?;
    Ok(())
}
