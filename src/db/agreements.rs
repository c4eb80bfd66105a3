//! Agreements between an assistance user and the provider (*avtal*, FK
//! form 3079). Reads take the caller's [`Scope`].

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::agreements as ag;
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ag, treat_none_as_null = true)]
pub struct AgreementRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// `provider` or `assistance_user`.
    pub payee: String,
    pub sent_to_fk_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &AgreementRow) -> QueryResult<()> {
    diesel::insert_into(ag::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn save(conn: &mut DbConn, row: &AgreementRow) -> QueryResult<()> {
    diesel::update(ag::table.filter(ag::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(drop)
}

pub fn get(conn: &mut DbConn, scope: &Scope, id: &str) -> QueryResult<Option<AgreementRow>> {
    let mut q = ag::table.filter(ag::id.eq(id)).into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(ag::organisation_id.eq(org.to_string()));
    }
    q.select(AgreementRow::as_select()).first(conn).optional()
}

/// A page of agreements in scope, by id.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    user: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<AgreementRow>> {
    let mut q = ag::table
        .order(ag::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(ag::organisation_id.eq(org.to_string()));
    }
    if let Some(u) = user {
        q = q.filter(ag::assistance_user_id.eq(u.to_string()));
    }
    if let Some(after) = &page.after {
        q = q.filter(ag::id.gt(after.clone()));
    }
    q.select(AgreementRow::as_select()).load(conn)
}

/// Every agreement of one user with one organisation.
pub fn of_user(conn: &mut DbConn, org: &str, user: &str) -> QueryResult<Vec<AgreementRow>> {
    ag::table
        .filter(ag::organisation_id.eq(org))
        .filter(ag::assistance_user_id.eq(user))
        .order(ag::id.asc())
        .select(AgreementRow::as_select())
        .load(conn)
}

/// Every agreement in scope valid on some day between `from` and `to`
/// (the dashboard's month, read once for all rows).
pub fn overlapping(
    conn: &mut DbConn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AgreementRow>> {
    let mut q = ag::table
        .filter(ag::valid_from.le(to))
        .filter(ag::valid_to.is_null().or(ag::valid_to.ge(from)))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(ag::organisation_id.eq(org.to_string()));
    }
    q.select(AgreementRow::as_select()).load(conn)
}
