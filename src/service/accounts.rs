//! People's accounts on the pages: creating one with its invite, setting the
//! password through the invite, signing in with lockout, and sessions.
//!
//! Passwords are hashed with argon2 (argon2id, the crate's default cost).
//! Invite and session tokens are 256 random bits sent to the person and kept
//! here only as SHA-256 hashes.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};

use crate::db::accounts::{self as repo, AccountRow, InviteRow, SessionRow};
use crate::db::{new_id, sha256_hex, DbConn};
use crate::domain::account::{self, AfterFailure};
use crate::domain::register::RuleViolation;
use crate::error::{ApiError, ApiResult};

/// A new random token (invite, session, CSRF): 32 bytes as hex.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The link a person opens to set a password: `{base}/invite/{token}`.
pub fn invite_url(base: &str, token: &str) -> String {
    format!("{}/invite/{token}", base.trim_end_matches('/'))
}

/// An account to create; every field already checked.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: String,
    pub organisation_id: Option<String>,
}

/// An account and the token of its invite link (sent once, never stored).
#[derive(Debug, Clone)]
pub struct Invited {
    pub account: AccountRow,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Creates the account and its first invite. A second account with the
/// same e-mail address is a 409 `duplicate`.
pub fn create(
    conn: &mut DbConn,
    new: NewAccount,
    now: DateTime<Utc>,
    invite_ttl: Duration,
) -> ApiResult<Invited> {
    let keys = [format!("account:{}", new.email)];
    conn.write_transaction(&keys, |conn| {
        if repo::account_by_email(conn, &new.email)?.is_some() {
            return Err(duplicate());
        }
        let row = AccountRow {
            id: new_id(),
            email: new.email,
            name: new.name,
            role: new.role,
            organisation_id: new.organisation_id,
            password_hash: None,
            failed_logins: 0,
            locked_until: None,
            created_at: now.naive_utc(),
        };
        repo::insert_account(conn, &row)?;
        let (token, expires_at) = insert_invite(conn, &row.id, now, invite_ttl)?;
        Ok(Invited {
            account: row,
            token,
            expires_at,
        })
    })
}

/// A new invite for an existing account (the first one expired or was
/// lost); earlier links stay valid until they expire or one is used.
pub fn reinvite(
    conn: &mut DbConn,
    account: AccountRow,
    now: DateTime<Utc>,
    invite_ttl: Duration,
) -> ApiResult<Invited> {
    let keys = [format!("account:{}", account.email)];
    conn.write_transaction(&keys, |conn| {
        let (token, expires_at) = insert_invite(conn, &account.id, now, invite_ttl)?;
        Ok(Invited {
            account,
            token,
            expires_at,
        })
    })
}

fn duplicate() -> ApiError {
    ApiError::conflict(
        "duplicate",
        "An account with this e-mail address already exists.",
    )
}

fn insert_invite(
    conn: &mut DbConn,
    account_id: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> ApiResult<(String, DateTime<Utc>)> {
    let token = random_token();
    let expires_at = now + ttl;
    repo::insert_invite(
        conn,
        &InviteRow {
            token_hash: sha256_hex(token.as_bytes()),
            account_id: account_id.to_string(),
            expires_at: expires_at.naive_utc(),
            used_at: None,
            created_at: now.naive_utc(),
        },
    )?;
    Ok((token, expires_at))
}

/// The account an invite link is for, while the link is unused and fresh.
pub fn invited_account(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<AccountRow>> {
    Ok(repo::open_invite(conn, &sha256_hex(token.as_bytes()), now.naive_utc())?.map(|(_, a)| a))
}

/// Why a password was not set through an invite.
#[derive(Debug)]
pub enum InviteRefusal {
    /// Used, expired or never issued.
    Gone,
    /// The new password breaks a rule.
    Password(RuleViolation),
}

/// Sets the password through an invite, once: the invite is used up, the
/// failure count and any lock cleared, and other sessions ended.
pub fn accept_invite(
    conn: &mut DbConn,
    token: &str,
    password: &str,
    now: DateTime<Utc>,
) -> ApiResult<Result<AccountRow, InviteRefusal>> {
    if let Err(v) = account::check_password(password) {
        return Ok(Err(InviteRefusal::Password(v)));
    }
    let token_hash = sha256_hex(token.as_bytes());
    let Some((_, account)) = repo::open_invite(conn, &token_hash, now.naive_utc())? else {
        return Ok(Err(InviteRefusal::Gone));
    };
    // Hashing is slow on purpose: do it before taking the write lock.
    let hash = hash_password(password)?;
    let keys = [format!("account:{}", account.email)];
    conn.write_transaction(&keys, |conn| {
        if !repo::use_invite(conn, &token_hash, now.naive_utc())? {
            return Ok(Err(InviteRefusal::Gone));
        }
        repo::set_password(conn, &account.id, &hash)?;
        repo::delete_sessions_of(conn, &account.id)?;
        Ok(Ok(account))
    })
}

fn hash_password(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Verified against when the address is unknown or has no password yet, so
/// that the answer takes as long as for a real account.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not a password of anyone").unwrap_or_default());

/// The outcome of a sign-in.
#[derive(Debug)]
pub enum SignIn {
    Accepted(AccountRow),
    /// Unknown address, no password set, or a wrong password: the person is
    /// not told which.
    Refused,
    /// Too many failures in a row; nothing is checked until `until`.
    Locked {
        until: DateTime<Utc>,
    },
}

/// Checks a password. The tenth failure in a row locks the account for a
/// while (`domain::account`); a success clears the count.
pub fn sign_in(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> ApiResult<SignIn> {
    let Ok(email) = account::normalise_email(email) else {
        verify_password(password, &DUMMY_HASH);
        return Ok(SignIn::Refused);
    };
    let Some(found) = repo::account_by_email(conn, &email)? else {
        verify_password(password, &DUMMY_HASH);
        return Ok(SignIn::Refused);
    };
    let locked_until = |a: &AccountRow| a.locked_until.map(|t| t.and_utc());
    if account::is_locked(locked_until(&found), now) {
        return Ok(SignIn::Locked {
            until: locked_until(&found).unwrap_or(now),
        });
    }
    let ok = match &found.password_hash {
        Some(hash) => verify_password(password, hash),
        None => {
            verify_password(password, &DUMMY_HASH);
            false
        }
    };
    let keys = [format!("account:{email}")];
    conn.write_transaction(&keys, |conn| {
        // Read again under the lock: parallel failures each count.
        let Some(current) = repo::account_by_id(conn, &found.id)? else {
            return Ok(SignIn::Refused);
        };
        if account::is_locked(locked_until(&current), now) {
            return Ok(SignIn::Locked {
                until: locked_until(&current).unwrap_or(now),
            });
        }
        if ok {
            if current.failed_logins != 0 || current.locked_until.is_some() {
                repo::set_failures(conn, &current.id, 0, None)?;
            }
            return Ok(SignIn::Accepted(current));
        }
        let AfterFailure {
            failed_logins,
            locked_until,
        } = account::after_failure(current.failed_logins, now);
        repo::set_failures(
            conn,
            &current.id,
            failed_logins,
            locked_until.map(|t| t.naive_utc()),
        )?;
        Ok(match locked_until {
            Some(until) => SignIn::Locked { until },
            None => SignIn::Refused,
        })
    })
}

/// A new session: its token (for the cookie) and its CSRF token (for forms
/// and the `X-CSRF-Token` header).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Starts a session for `account_id`, ending `replacing` (the session the
/// browser had, if any): every sign-in gets a new session and CSRF token.
pub fn start_session(
    conn: &mut DbConn,
    account_id: &str,
    replacing: Option<&str>,
    now: DateTime<Utc>,
    ttl: Duration,
) -> ApiResult<NewSession> {
    let session = NewSession {
        token: random_token(),
        csrf_token: random_token(),
        expires_at: now + ttl,
    };
    conn.write_transaction(&[format!("session:{account_id}")], |conn| {
        if let Some(old) = replacing {
            repo::delete_session(conn, &sha256_hex(old.as_bytes()))?;
        }
        repo::delete_expired_sessions(conn, now.naive_utc())?;
        repo::insert_session(
            conn,
            &SessionRow {
                token_hash: sha256_hex(session.token.as_bytes()),
                account_id: account_id.to_string(),
                csrf_token: session.csrf_token.clone(),
                expires_at: session.expires_at.naive_utc(),
                created_at: now.naive_utc(),
            },
        )?;
        Ok::<_, ApiError>(())
    })?;
    Ok(session)
}

/// The live session of a cookie's token, with its account.
pub fn session(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<(SessionRow, AccountRow)>> {
    Ok(repo::live_session(
        conn,
        &sha256_hex(token.as_bytes()),
        now.naive_utc(),
    )?)
}

/// Ends a session (sign-out). Unknown tokens are ignored.
pub fn end_session(conn: &mut DbConn, token: &str) -> ApiResult<()> {
    let token_hash = sha256_hex(token.as_bytes());
    conn.write_transaction(&[format!("session-end:{token_hash}")], |conn| {
        repo::delete_session(conn, &token_hash)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("rätt lösenord 2026").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("rätt lösenord 2026", &h));
        assert!(!verify_password("fel lösenord 2026", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert_eq!(random_token().len(), 64);
        assert_ne!(random_token(), random_token());
    }
}
