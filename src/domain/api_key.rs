//! API keys for integrations: the shape of a secret and how one is checked.
//!
//! A secret is `rdv_` followed by 64 hex digits (256 random bits). Only its
//! SHA-256 is stored. A password hash (argon2, bcrypt) would add nothing: it
//! slows down guessing a low-entropy password, and 256 random bits cannot be
//! guessed. The first 12 hex digits are the key's public *prefix*: stored in
//! clear, unique, shown in lists so people can tell keys apart, and the
//! index a presented secret is looked up by. The full hash is then compared
//! in constant time, so the time a refusal takes tells nothing of how much
//! of a guess was right.

use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

/// What every secret starts with, so a bearer value that is a key (not a
/// JWT) is known at a glance, and secret scanners can find leaked ones.
pub const SECRET_PREFIX: &str = "rdv_";

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// Hex digits of the secret kept in clear as the key's prefix.
const PREFIX_HEX_DIGITS: usize = 12;

/// `last_used_at` is written at most this often per key, so that a key
/// used for every request of a busy integration does not turn each read
/// into a write.
pub const LAST_USED_GRANULARITY: Duration = Duration::seconds(60);

/// A new secret as shown once to its creator, with what is stored of it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSecret {
    /// `rdv_…`: returned once, never stored.
    pub secret: String,
    /// `rdv_` and the first 12 hex digits: stored, shown, looked up by.
    pub prefix: String,
    /// Lowercase hex SHA-256 of the whole secret: stored.
    pub hash: String,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewSecret({}…)", self.prefix)
    }
}

impl NewSecret {
    /// The secret made of `random` (from the operating system's generator).
    pub fn from_random(random: [u8; SECRET_BYTES]) -> Self {
        let secret = format!("{SECRET_PREFIX}{}", hex::encode(random));
        let presented = Presented::parse(&secret).expect("a generated secret is well formed");
        Self {
            prefix: presented.prefix.to_string(),
            hash: hash(&secret),
            secret,
        }
    }
}

/// A bearer value that has the shape of a key: the prefix to look up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Presented<'a> {
    secret: &'a str,
    pub prefix: &'a str,
}

impl std::fmt::Debug for Presented<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Presented({}…)", self.prefix)
    }
}

impl<'a> Presented<'a> {
    /// Whether a bearer value is meant as a key (rather than a JWT).
    pub fn looks_like_key(bearer: &str) -> bool {
        bearer.starts_with(SECRET_PREFIX)
    }

    /// `None` unless `rdv_` and exactly 64 lowercase hex digits.
    pub fn parse(bearer: &'a str) -> Option<Self> {
        let digits = bearer.strip_prefix(SECRET_PREFIX)?;
        let well_formed = digits.len() == 2 * SECRET_BYTES
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Self {
            secret: bearer,
            prefix: &bearer[..SECRET_PREFIX.len() + PREFIX_HEX_DIGITS],
        })
    }

    /// Whether this is the secret whose hash was stored, compared in
    /// constant time.
    pub fn matches(&self, stored_hash: &str) -> bool {
        constant_time_eq(hash(self.secret).as_bytes(), stored_hash.as_bytes())
    }
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Equality whose time depends on the lengths only, never on where the
/// first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a key that exists may not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    Revoked,
    Expired,
}

/// Whether a stored key may be used at `now`.
pub fn usable(
    revoked_at: Option<NaiveDateTime>,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), Unusable> {
    if revoked_at.is_some_and(|r| r <= now) {
        return Err(Unusable::Revoked);
    }
    if expires_at.is_some_and(|e| e <= now) {
        return Err(Unusable::Expired);
    }
    Ok(())
}

/// Whether a use at `now` should be written down as the key's `last_used_at`.
pub fn last_used_is_stale(last_used_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    last_used_at.is_none_or(|t| now - t >= LAST_USED_GRANULARITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn a_secret_has_its_shape_and_only_its_hash_is_kept() {
        let s = NewSecret::from_random([0xab; SECRET_BYTES]);
        assert_eq!(s.secret.len(), 4 + 64);
        assert!(s.secret.starts_with("rdv_abab"));
        assert_eq!(s.prefix, "rdv_abababababab");
        assert_ne!(s.hash, s.secret);
        assert_eq!(s.hash.len(), 64);
        let p = Presented::parse(&s.secret).unwrap();
        assert_eq!(p.prefix, s.prefix);
        assert!(p.matches(&s.hash));
        assert!(!format!("{s:?}").contains(&s.secret));
    }

    #[test]
    fn another_secret_with_the_same_prefix_does_not_match() {
        let s = NewSecret::from_random([1; SECRET_BYTES]);
        let mut other = s.secret.clone();
        other.replace_range(other.len() - 1.., "f");
        let p = Presented::parse(&other).unwrap();
        assert_eq!(p.prefix, s.prefix);
        assert!(!p.matches(&s.hash));
    }

    #[test]
    fn malformed_keys_are_not_keys() {
        assert!(Presented::parse("rdv_").is_none());
        assert!(Presented::parse(&format!("rdv_{}", "A".repeat(64))).is_none());
        assert!(Presented::parse(&format!("rdv_{}", "a".repeat(63))).is_none());
        assert!(Presented::parse(&format!("rdv_{}", "a".repeat(65))).is_none());
        assert!(Presented::parse(&format!("xyz_{}", "a".repeat(64))).is_none());
        assert!(Presented::looks_like_key("rdv_x"));
        assert!(!Presented::looks_like_key("eyJhbGciOi"));
    }

    #[test]
    fn revoked_and_expired_keys_are_unusable() {
        let now = at("2026-11-10 10:00:00");
        assert_eq!(usable(None, None, now), Ok(()));
        assert_eq!(usable(None, Some(at("2026-11-10 10:00:01")), now), Ok(()));
        assert_eq!(usable(None, Some(now), now), Err(Unusable::Expired));
        assert_eq!(usable(Some(now), None, now), Err(Unusable::Revoked));
    }

    #[test]
    fn last_used_is_written_once_a_minute_at_most() {
        let now = at("2026-11-10 10:00:00");
        assert!(last_used_is_stale(None, now));
        assert!(!last_used_is_stale(Some(at("2026-11-10 09:59:30")), now));
        assert!(last_used_is_stale(Some(at("2026-11-10 09:59:00")), now));
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
