//! People's accounts, their one-time invites and their sessions. Tokens are
//! stored only as SHA-256 hashes ([`super::sha256_hex`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{account_invites, accounts, sessions};
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: String,
    /// Normalised (`domain::account::normalise_email`).
    pub email: String,
    pub name: String,
    /// `admin`, `provider`, `provider_read` or `auditor`: the roles of the API.
    pub role: String,
    pub organisation_id: Option<String>,
    pub password_hash: Option<String>,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_invites)]
pub struct InviteRow {
    pub token_hash: String,
    pub account_id: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub account_id: String,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert_account(conn: &mut DbConn, row: &AccountRow) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn account_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::email.eq(email))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn account_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_password(conn: &mut DbConn, id: &str, hash: &str) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(hash),
            accounts::failed_logins.eq(0),
            accounts::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

/// Records the failure count and, when set, the end of a lock.
pub fn set_failures(
    conn: &mut DbConn,
    id: &str,
    failed_logins: i32,
    locked_until: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::failed_logins.eq(failed_logins),
            accounts::locked_until.eq(locked_until),
        ))
        .execute(conn)
        .map(drop)
}

pub fn insert_invite(conn: &mut DbConn, row: &InviteRow) -> QueryResult<()> {
    diesel::insert_into(account_invites::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// An unused, unexpired invite and its account.
pub fn open_invite(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(InviteRow, AccountRow)>> {
    account_invites::table
        .inner_join(accounts::table)
        .filter(account_invites::token_hash.eq(token_hash))
        .filter(account_invites::used_at.is_null())
        .filter(account_invites::expires_at.gt(now))
        .select((InviteRow::as_select(), AccountRow::as_select()))
        .first(conn)
        .optional()
}

/// Marks an invite used; false when it was used (or never existed) already,
/// so two submissions of the same link cannot both set a password.
pub fn use_invite(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        account_invites::table
            .filter(account_invites::token_hash.eq(token_hash))
            .filter(account_invites::used_at.is_null()),
    )
    .set(account_invites::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn insert_session(conn: &mut DbConn, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A session that has not expired, and its account.
pub fn live_session(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(SessionRow, AccountRow)>> {
    sessions::table
        .inner_join(accounts::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .select((SessionRow::as_select(), AccountRow::as_select()))
        .first(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .execute(conn)
        .map(drop)
}

/// Every session of an account (a new password signs out everywhere).
pub fn delete_sessions_of(conn: &mut DbConn, account_id: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::account_id.eq(account_id)))
        .execute(conn)
        .map(drop)
}

/// Expired sessions, removed at each sign-in so the table stays small.
pub fn delete_expired_sessions(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}
