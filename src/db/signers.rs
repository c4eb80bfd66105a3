//! Who may sign: an assistance user's representatives and an
//! organisation's signatories. Reads take the caller's [`Scope`].

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{representatives, signatories};
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = representatives, treat_none_as_null = true)]
pub struct RepresentativeRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub personnummer: String,
    pub name: String,
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_representative(conn: &mut DbConn, row: &RepresentativeRow) -> QueryResult<()> {
    diesel::insert_into(representatives::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn save_representative(conn: &mut DbConn, row: &RepresentativeRow) -> QueryResult<()> {
    diesel::update(representatives::table.filter(representatives::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(drop)
}

/// One representative of one user (both ids must match).
pub fn get_representative(
    conn: &mut DbConn,
    scope: &Scope,
    user: &str,
    id: &str,
) -> QueryResult<Option<RepresentativeRow>> {
    let mut q = representatives::table
        .filter(representatives::id.eq(id))
        .filter(representatives::assistance_user_id.eq(user))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(representatives::organisation_id.eq(org.to_string()));
    }
    q.select(RepresentativeRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_representatives(
    conn: &mut DbConn,
    user: &str,
    page: &Page,
) -> QueryResult<Vec<RepresentativeRow>> {
    let mut q = representatives::table
        .filter(representatives::assistance_user_id.eq(user))
        .order(representatives::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        q = q.filter(representatives::id.gt(after.clone()));
    }
    q.select(RepresentativeRow::as_select()).load(conn)
}

/// Every representative of a user (the signer rules pick by day).
pub fn representatives_of(conn: &mut DbConn, user: &str) -> QueryResult<Vec<RepresentativeRow>> {
    representatives::table
        .filter(representatives::assistance_user_id.eq(user))
        .order(representatives::id.asc())
        .select(RepresentativeRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = signatories, treat_none_as_null = true)]
pub struct SignatoryRow {
    pub id: String,
    pub organisation_id: String,
    pub personnummer: String,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_signatory(conn: &mut DbConn, row: &SignatoryRow) -> QueryResult<()> {
    diesel::insert_into(signatories::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn save_signatory(conn: &mut DbConn, row: &SignatoryRow) -> QueryResult<()> {
    diesel::update(signatories::table.filter(signatories::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(drop)
}

pub fn get_signatory(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<SignatoryRow>> {
    signatories::table
        .filter(signatories::id.eq(id))
        .filter(signatories::organisation_id.eq(org))
        .select(SignatoryRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_signatories(
    conn: &mut DbConn,
    org: &str,
    page: &Page,
) -> QueryResult<Vec<SignatoryRow>> {
    let mut q = signatories::table
        .filter(signatories::organisation_id.eq(org))
        .order(signatories::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = &page.after {
        q = q.filter(signatories::id.gt(after.clone()));
    }
    q.select(SignatoryRow::as_select()).load(conn)
}

/// The organisation's signatories with this personnummer (any period).
pub fn signatories_with_number(
    conn: &mut DbConn,
    org: &str,
    personnummer: &str,
) -> QueryResult<Vec<SignatoryRow>> {
    signatories::table
        .filter(signatories::organisation_id.eq(org))
        .filter(signatories::personnummer.eq(personnummer))
        .select(SignatoryRow::as_select())
        .load(conn)
}
