//! Reminders: every open obligation in scope (`domain::reminder` decides
//! what is open and how urgent). Set-based: a fixed number of queries over
//! the whole scope, whatever the number of users.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

use crate::db::dashboard as q;
use crate::db::reminders as store;
use crate::db::DbConn;
use crate::db::Scope;
use crate::domain::birthdays::{stored_number, ADULT_AGE, AGE_66};
use crate::domain::deadline::{days_until, fk_due_date, DeadlinePolicy};
use crate::domain::month::ReportMonth;
use crate::domain::reminder::{
    is_listed, month_obligation, order, reminder_months, InvoiceState, Reminder, ReminderKind,
};
use crate::service::invoices::status::statuses_between;

/// Every reminder listed on `today` for a caller who asked for
/// `within_days`, sorted by due date.
pub fn reminders(
    conn: &mut DbConn,
    scope: &Scope,
    today: NaiveDate,
    policy: DeadlinePolicy,
    within_days: i64,
) -> diesel::QueryResult<Vec<Reminder>> {
    let mut out = month_reminders(conn, scope, today, policy, within_days)?;
    out.extend(notice_reminders(conn, scope, today, within_days)?);
    out.extend(birthday_reminders(conn, scope, today)?);
    out.sort_by(order);
    Ok(out)
}

/// Missing time reports and missing or stale invoices of the ended months
/// whose FK due date is within the window (or passed), for every user with
/// a decision covering the month.
fn month_reminders(
    conn: &mut DbConn,
    scope: &Scope,
    today: NaiveDate,
    policy: DeadlinePolicy,
    within_days: i64,
) -> diesel::QueryResult<Vec<Reminder>> {
    // Every kind of a month shares FK's due date, so the window is decided
    // per month before anything is read.
    let months: Vec<ReportMonth> = reminder_months(today)
        .into_iter()
        .filter(|m| {
            is_listed(
                ReminderKind::TimeReportMissing,
                days_until(today, fk_due_date(*m, policy)),
                within_days,
            )
        })
        .collect();
    let (Some(&first), Some(&last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let mut open: BTreeSet<(String, String, ReportMonth)> = BTreeSet::new();
    for d in q::decisions_overlapping(conn, scope, first.first_day(), last.last_day())? {
        for m in &months {
            if d.valid_from <= m.last_day() && d.valid_to.is_none_or(|e| e >= m.first_day()) {
                open.insert((d.organisation_id.clone(), d.assistance_user_id.clone(), *m));
            }
        }
    }
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let (f, t) = (first.to_string(), last.to_string());
    let reports: HashSet<(String, String, String)> = q::current_versions(conn, scope, &f, &t)?
        .into_iter()
        .map(|r| (r.organisation_id, r.assistance_user_id, r.month))
        .collect();
    let invoices = statuses_between(conn, scope, first, last)?;
    let cutoffs: HashMap<String, u32> = store::cutoff_days(conn, scope)?
        .into_iter()
        .map(|(id, day)| (id, day.max(0) as u32))
        .collect();
    let mut out = Vec::new();
    for (org, user, month) in open {
        let key = (org, user, month.to_string());
        let invoice = InvoiceState::of(invoices.get(&key).map(String::as_str));
        let Some(kind) = month_obligation(reports.contains(&key), invoice) else {
            continue;
        };
        let cutoff = cutoffs
            .get(&key.0)
            .copied()
            .unwrap_or(crate::domain::deadline::DEFAULT_INTERNAL_CUTOFF_DAY);
        out.push(Reminder::of_month(
            kind, &key.0, &key.1, month, today, cutoff, policy,
        ));
    }
    Ok(out)
}

/// Change notices not yet reported to FK, due within the window or overdue.
fn notice_reminders(
    conn: &mut DbConn,
    scope: &Scope,
    today: NaiveDate,
    within_days: i64,
) -> diesel::QueryResult<Vec<Reminder>> {
    let until = today
        .checked_add_days(chrono::Days::new(within_days.max(0) as u64))
        .unwrap_or(NaiveDate::MAX);
    Ok(
        crate::db::change_notices::unreported_due_by(conn, scope, until)?
            .into_iter()
            .map(|n| Reminder {
                change_notice_id: Some(n.id.clone()),
                ..Reminder::new(
                    ReminderKind::ChangeNotice,
                    &n.organisation_id,
                    &n.assistance_user_id,
                    today,
                    n.due_date,
                    None,
                )
            })
            .filter(|r| is_listed(r.kind, r.days_left, within_days))
            .collect(),
    )
}

/// The 18th and 66th birthdays of the users in scope within the birthday
/// window (`domain::reminder::is_listed`).
fn birthday_reminders(
    conn: &mut DbConn,
    scope: &Scope,
    today: NaiveDate,
) -> diesel::QueryResult<Vec<Reminder>> {
    let mut out = Vec::new();
    for (org, user, number) in store::user_numbers(conn, scope)? {
        let Some(p) = stored_number(&number) else {
            continue;
        };
        // The day itself is still listed (days left 0).
        let days = [
            (ReminderKind::Turns18, p.turns_on(ADULT_AGE)),
            (ReminderKind::Turns66, p.turns_on(AGE_66)),
        ];
        for (kind, day) in days {
            let r = Reminder::new(kind, &org, &user, today, day, None);
            if is_listed(kind, r.days_left, 0) {
                out.push(r);
            }
        }
    }
    Ok(out)
}
