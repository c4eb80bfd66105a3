//! Rules for people's accounts (*användarkonton*) on the pages: what an
//! e-mail address and a password must be, and when repeated failures lock
//! an account. Hashing and storage live in `service::accounts`.

use chrono::{DateTime, Duration, Utc};

use crate::domain::register::RuleViolation;

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in bytes: argon2 hashes any length, but a
/// megabyte "password" is only a way to burn the server's time.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Failed sign-ins in a row that lock the account.
pub const MAX_FAILED_LOGINS: i32 = 10;
/// How long a locked account stays locked.
pub const LOCKOUT_MINUTES: i64 = 15;

/// The address as stored and compared: trimmed and lower-cased, so that
/// `Anna@Example.se` and `anna@example.se` are one account.
pub fn normalise_email(raw: &str) -> Result<String, RuleViolation> {
    let email = raw.trim().to_lowercase();
    let invalid = || {
        RuleViolation::new(
            "invalid_email",
            "Must be an e-mail address such as `namn@exempel.se`.",
        )
    };
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// A person's name on the account: not blank, at most 200 characters.
pub fn check_account_name(raw: &str) -> Result<String, RuleViolation> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(RuleViolation::new(
            "invalid_name",
            "Must be 1–200 characters, without control characters.",
        ));
    }
    Ok(name.to_string())
}

/// A new password: long enough to resist guessing, short enough to hash.
pub fn check_password(password: &str) -> Result<(), RuleViolation> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(RuleViolation::new(
            "password_too_short",
            format!("The password must be at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(RuleViolation::new(
            "password_too_long",
            format!("The password must be at most {MAX_PASSWORD_BYTES} bytes."),
        ));
    }
    Ok(())
}

/// Where an account stands after one more failed sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    pub failed_logins: i32,
    /// Set when this failure locks the account.
    pub locked_until: Option<DateTime<Utc>>,
}

/// One more failure in a row: the tenth locks the account for
/// [`LOCKOUT_MINUTES`], and the count starts again after the lock.
pub fn after_failure(failed_logins: i32, now: DateTime<Utc>) -> AfterFailure {
    let n = failed_logins.saturating_add(1);
    if n >= MAX_FAILED_LOGINS {
        AfterFailure {
            failed_logins: 0,
            locked_until: Some(now + Duration::minutes(LOCKOUT_MINUTES)),
        }
    } else {
        AfterFailure {
            failed_logins: n,
            locked_until: None,
        }
    }
}

/// Whether a lock set at `locked_until` still holds at `now`.
pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    locked_until.is_some_and(|until| now < until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalise_email("  Anna.Berg@Exempel.SE ").unwrap(),
            "anna.berg@exempel.se"
        );
        for bad in [
            "",
            "anna",
            "@exempel.se",
            "anna@",
            "anna@exempel",
            "a b@x.se",
            "a@@x.se",
            "a@x..se",
        ] {
            assert_eq!(
                normalise_email(bad).unwrap_err().code,
                "invalid_email",
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_have_a_minimum_length_in_characters() {
        assert_eq!(
            check_password("kort").unwrap_err().code,
            "password_too_short"
        );
        // Twelve characters, more bytes: å, ä and ö count once.
        assert!(check_password("åäöåäöåäöåäö").is_ok());
        assert!(check_password("elva tecken").is_err());
        assert_eq!(
            check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1))
                .unwrap_err()
                .code,
            "password_too_long"
        );
    }

    #[test]
    fn the_tenth_failure_in_a_row_locks() {
        let now: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut n = 0;
        for _ in 1..MAX_FAILED_LOGINS {
            let after = after_failure(n, now);
            assert_eq!(after.locked_until, None);
            n = after.failed_logins;
        }
        let locked = after_failure(n, now);
        let until = locked.locked_until.unwrap();
        assert_eq!(until - now, Duration::minutes(LOCKOUT_MINUTES));
        assert_eq!(locked.failed_logins, 0);
        assert!(is_locked(Some(until), now));
        assert!(!is_locked(Some(until), until));
        assert!(!is_locked(None, now));
    }
}
