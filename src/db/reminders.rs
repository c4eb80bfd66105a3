//! Reads for the reminders: one query each over the whole scope, never one
//! per user (a provider may have thousands).

use diesel::prelude::*;

use super::schema::{assistance_users, organisations};
use super::DbConn;
use crate::db::Scope;

/// The internal cut-off day of every organisation in scope: (id, day).
pub fn cutoff_days(conn: &mut DbConn, scope: &Scope) -> QueryResult<Vec<(String, i32)>> {
    let mut q = organisations::table
        .select((organisations::id, organisations::internal_cutoff_day))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(organisations::id.eq(org.to_string()));
    }
    q.load(conn)
}

/// Every assistance user in scope: (organisation, id, personnummer as
/// stored). Only for computing birthdays; the numbers never leave the
/// service.
pub fn user_numbers(
    conn: &mut DbConn,
    scope: &Scope,
) -> QueryResult<Vec<(String, String, String)>> {
    let mut q = assistance_users::table
        .select((
            assistance_users::organisation_id,
            assistance_users::id,
            assistance_users::personnummer,
        ))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(assistance_users::organisation_id.eq(org.to_string()));
    }
    q.load(conn)
}
