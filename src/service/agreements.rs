//! What a user's agreements with the provider (*avtal*, FK form 3079) say
//! about a month: the one place the month status (`agreement_missing`), the
//! receipts and invoices (`no_agreement`, `agreement_not_sent_to_fk`), the
//! dashboard and the invoice's payee learn it. A self-employer needs no
//! agreement: for them every answer is "not required".

use std::collections::HashMap;

use crate::db::agreements::{self as store, AgreementRow};
use crate::db::register as reg;
use crate::db::{DbConn, Scope};
use crate::domain::agreement::{self as rules, Cover, Payee, Terms};
use crate::domain::month::ReportMonth;
use crate::domain::register::OrganisationKind;
use crate::service::invoices::Notice;
use crate::service::submission::{Receipt, Warning};

/// A stored agreement's terms (an unknown payee reads as the main rule).
pub fn terms(row: &AgreementRow) -> Terms {
    Terms {
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        payee: Payee::parse(&row.payee).unwrap_or(Payee::AssistanceUser),
        sent_to_fk_on: row.sent_to_fk_on,
    }
}

/// Whether the organisation is a self-employer (*egen arbetsgivare*).
pub fn is_self_employer(conn: &mut DbConn, org: &str) -> diesel::QueryResult<bool> {
    Ok(reg::get_organisation(conn, &Scope::All, org)?
        .and_then(|o| OrganisationKind::parse(&o.kind))
        == Some(OrganisationKind::SelfEmployer))
}

/// The cover of (organisation, user, month); `None` for a self-employer,
/// who needs no agreement.
pub fn cover(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> diesel::QueryResult<Option<Cover>> {
    if is_self_employer(conn, org)? {
        return Ok(None);
    }
    let all: Vec<Terms> = store::of_user(conn, org, user)?.iter().map(terms).collect();
    Ok(Some(rules::cover(&all, month)))
}

/// The warning the month's time report and invoice carry, if any:
/// `no_agreement` or `agreement_not_sent_to_fk` (code, message).
pub fn warning(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: ReportMonth,
) -> diesel::QueryResult<Option<(&'static str, String)>> {
    Ok(cover(conn, org, user, month)?.and_then(|c| rules::warning(c, month)))
}

/// Adds the agreement warning to a time-report receipt, as the agreements
/// stand now (they are not part of the stored version: an agreement sent
/// later clears the warning). Its pointer is `/month`.
pub fn add_to_receipt(
    conn: &mut DbConn,
    org: &str,
    receipt: &mut Receipt,
) -> diesel::QueryResult<()> {
    let Ok(month) = ReportMonth::parse(&receipt.month) else {
        return Ok(());
    };
    let w = warning(conn, org, &receipt.assistance_user_id, month)?;
    push_warning(receipt, w);
    Ok(())
}

/// Adds a warning of [`warning`] to a receipt.
pub fn push_warning(receipt: &mut Receipt, w: Option<(&'static str, String)>) {
    if let Some((code, message)) = w {
        receipt.warnings.push(Warning {
            pointer: "/month".into(),
            code: code.into(),
            message,
            hours: None,
            amount_sek: None,
        });
    }
}

/// The agreements of some users of one organisation for some months, read
/// once (a file's receipts): answers [`warning`] from memory.
pub struct UserAgreements {
    /// `None`: a self-employer, who needs no agreement.
    by_user: Option<HashMap<String, Vec<Terms>>>,
}

impl UserAgreements {
    /// The organisation's agreements valid on some day of `[first, last]`.
    pub fn load(
        conn: &mut DbConn,
        org: &str,
        first: ReportMonth,
        last: ReportMonth,
    ) -> diesel::QueryResult<UserAgreements> {
        if is_self_employer(conn, org)? {
            return Ok(UserAgreements { by_user: None });
        }
        let scope = Scope::Org(org.to_string());
        let mut by_user: HashMap<String, Vec<Terms>> = HashMap::new();
        for row in store::overlapping(conn, &scope, first.first_day(), last.last_day())? {
            by_user
                .entry(row.assistance_user_id.clone())
                .or_default()
                .push(terms(&row));
        }
        Ok(UserAgreements {
            by_user: Some(by_user),
        })
    }

    /// [`warning`] of a user's month within the loaded months.
    pub fn warning(&self, user: &str, month: ReportMonth) -> Option<(&'static str, String)> {
        let by_user = self.by_user.as_ref()?;
        let all = by_user.get(user).map(Vec::as_slice).unwrap_or(&[]);
        rules::warning(rules::cover(all, month), month)
    }
}

/// Adds the agreement warning to an invoice's or draft's notices of
/// (organisation, user, `month` as `YYYY-MM`), as the agreements stand now.
pub fn add_to_notices(
    conn: &mut DbConn,
    org: &str,
    user: &str,
    month: &str,
    notices: &mut Vec<Notice>,
) -> diesel::QueryResult<()> {
    let Ok(month) = ReportMonth::parse(month) else {
        return Ok(());
    };
    if let Some((code, message)) = warning(conn, org, user, month)? {
        notices.push(Notice {
            code: code.into(),
            message,
        });
    }
    Ok(())
}

/// The cover of every (organisation, user) in scope for a month, read in
/// one query (the dashboard). Self-employers are left out.
pub fn covers_in_month(
    conn: &mut DbConn,
    scope: &Scope,
    month: ReportMonth,
    users: &[(String, String)],
) -> diesel::QueryResult<HashMap<(String, String), Cover>> {
    let mut by_user: HashMap<(String, String), Vec<Terms>> = HashMap::new();
    for row in store::overlapping(conn, scope, month.first_day(), month.last_day())? {
        by_user
            .entry((row.organisation_id.clone(), row.assistance_user_id.clone()))
            .or_default()
            .push(terms(&row));
    }
    let mut self_employed: HashMap<String, bool> = HashMap::new();
    let mut out = HashMap::new();
    for key in users {
        let se = match self_employed.get(&key.0) {
            Some(s) => *s,
            None => {
                let s = is_self_employer(conn, &key.0)?;
                self_employed.insert(key.0.clone(), s);
                s
            }
        };
        if !se {
            let all = by_user.get(key).map(Vec::as_slice).unwrap_or(&[]);
            out.insert(key.clone(), rules::cover(all, month));
        }
    }
    Ok(out)
}
