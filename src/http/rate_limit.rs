//! Per-credential limits on writes (issue 15), in memory on each instance:
//!
//! - a token bucket: `REDOVISA_RATE_LIMIT_PER_SECOND` writes a second with
//!   bursts of `REDOVISA_RATE_LIMIT_BURST` (defaults 5 000 and 10 000, far
//!   above the throughput targets; 0 turns it off). Every request that is
//!   not GET, HEAD or OPTIONS takes one token, an import as one request.
//! - the overlap oracle: an `overlaps_other_employer` refusal tells the
//!   sender that the assistant works for another employer at that time. More
//!   than `REDOVISA_OVERLAP_REFUSALS_PER_HOUR` such refusals in a clock hour
//!   raise an alarm in the log and refuse the credential's writes until the
//!   hour ends; each refusal is audited with the assistants probed.
//!
//! Over a limit: 429 `rate_limited` with `Retry-After` (seconds). Time is
//! the app's clock, so tests pin it.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use chrono::{DateTime, Utc};

use super::AppState;
use crate::config::Guards;
use crate::error::ApiError;
use crate::http::auth::Caller;

/// One token, in micro-tokens (integer arithmetic: a second refills
/// `per_second` tokens, i.e. `per_second` micro-tokens a microsecond).
const TOKEN: u128 = 1_000_000;

/// Bound on the credentials remembered; past it, idle ones are forgotten.
const MAX_CREDENTIALS: usize = 100_000;

pub struct Limits {
    per_second: u32,
    burst: u32,
    overlaps_per_hour: u32,
    credentials: Mutex<HashMap<String, Credential>>,
}

struct Credential {
    micro_tokens: u128,
    at: DateTime<Utc>,
    /// The clock hour (hours since the epoch) the count is of.
    hour: i64,
    overlaps: u32,
}

impl Limits {
    pub fn new(g: &Guards) -> Limits {
        Limits {
            per_second: g.rate_limit_per_second,
            burst: g.rate_limit_burst,
            overlaps_per_hour: g.overlap_refusals_per_hour,
            credentials: Mutex::new(HashMap::new()),
        }
    }

    fn bucket_on(&self) -> bool {
        self.per_second > 0 && self.burst > 0
    }

    /// Takes a token for one write by `who` at `now`, or says how many
    /// seconds to wait.
    fn take(&self, who: &str, now: DateTime<Utc>) -> Result<(), Refused> {
        if !self.bucket_on() && self.overlaps_per_hour == 0 {
            return Ok(());
        }
        let full = u128::from(self.burst) * TOKEN;
        let mut all = self.credentials.lock().expect("rate limit lock");
        if all.len() >= MAX_CREDENTIALS && !all.contains_key(who) {
            let hour = hour_of(now);
            all.retain(|_, c| c.hour == hour && c.overlaps > 0);
        }
        let c = all.entry(who.to_string()).or_insert(Credential {
            micro_tokens: full,
            at: now,
            hour: hour_of(now),
            overlaps: 0,
        });
        if self.overlaps_per_hour > 0
            && c.hour == hour_of(now)
            && c.overlaps > self.overlaps_per_hour
        {
            let next_hour = (c.hour + 1) * 3600;
            return Err(Refused::Overlaps((next_hour - now.timestamp()).max(1)));
        }
        if !self.bucket_on() {
            return Ok(());
        }
        let elapsed = (now - c.at).num_microseconds().unwrap_or(i64::MAX).max(0) as u128;
        c.micro_tokens = (c.micro_tokens + elapsed * u128::from(self.per_second)).min(full);
        c.at = now.max(c.at);
        if c.micro_tokens < TOKEN {
            let missing = TOKEN - c.micro_tokens;
            let micros = missing.div_ceil(u128::from(self.per_second));
            return Err(Refused::Rate(micros.div_ceil(1_000_000).max(1) as i64));
        }
        c.micro_tokens -= TOKEN;
        Ok(())
    }

    /// Counts `n` overlap refusals for `who`; true when this pushed the
    /// credential over the hour's limit (the alarm).
    fn overlapped(&self, who: &str, now: DateTime<Utc>, n: u32) -> (u32, bool) {
        let hour = hour_of(now);
        let mut all = self.credentials.lock().expect("rate limit lock");
        let c = all.entry(who.to_string()).or_insert(Credential {
            micro_tokens: u128::from(self.burst) * TOKEN,
            at: now,
            hour,
            overlaps: 0,
        });
        if c.hour != hour {
            c.hour = hour;
            c.overlaps = 0;
        }
        let before = c.overlaps;
        c.overlaps = c.overlaps.saturating_add(n);
        let limit = self.overlaps_per_hour;
        (
            c.overlaps,
            limit > 0 && before <= limit && c.overlaps > limit,
        )
    }
}

/// What a limit counts against: the actor (role, subject, API key) within
/// its organisation, since two organisations' tokens may share a `sub`.
fn credential(caller: &Caller) -> String {
    format!("{}@{}", caller.actor(), caller.org.as_deref().unwrap_or(""))
}

fn hour_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(3600)
}

enum Refused {
    Rate(i64),
    Overlaps(i64),
}

/// The gate of every write, run by the [`Caller`] extractor.
pub fn check_write(req: &HttpRequest, caller: &Caller) -> Result<(), ApiError> {
    let (Some(limits), Some(state)) = (
        req.app_data::<web::Data<Limits>>(),
        req.app_data::<web::Data<AppState>>(),
    ) else {
        return Ok(());
    };
    match limits.take(&credential(caller), state.now()) {
        Ok(()) => Ok(()),
        Err(Refused::Rate(wait)) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "This credential sends writes faster than the limit of {} a second (bursts of {}); retry after {wait} s.",
                limits.per_second, limits.burst
            ),
        )
        .with_header("Retry-After", wait.to_string())),
        Err(Refused::Overlaps(wait)) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "This credential got more than {} `overlaps_other_employer` refusals this hour; its writes are refused for {wait} s.",
                limits.overlaps_per_hour
            ),
        )
        .with_header("Retry-After", wait.to_string())),
    }
}

/// Counts a request's overlap refusals against its credential and raises
/// the alarm once the hour's limit is passed (ids only: no personnummer).
pub fn overlap_refusals(state: &AppState, limits: Option<&Limits>, caller: &Caller, probed: usize) {
    let Some(limits) = limits else { return };
    let (count, alarm) = limits.overlapped(&credential(caller), state.now(), probed as u32);
    let actor = caller.actor();
    if alarm {
        tracing::warn!(
            alarm = "overlap_oracle",
            actor = %actor,
            refusals_this_hour = count,
            limit = limits.overlaps_per_hour,
            "many overlaps_other_employer refusals for one credential: its writes are refused until the hour ends"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn limits(per_second: u32, burst: u32, overlaps: u32) -> Limits {
        Limits::new(&Guards {
            rate_limit_per_second: per_second,
            rate_limit_burst: burst,
            overlap_refusals_per_hour: overlaps,
            ..Guards::default()
        })
    }

    #[test]
    fn a_bucket_refills_at_the_rate() {
        let l = limits(2, 3, 0);
        let t = at("2026-11-10T10:00:00Z");
        for _ in 0..3 {
            assert!(l.take("a", t).is_ok());
        }
        assert!(matches!(l.take("a", t), Err(Refused::Rate(1))));
        // Another credential has its own bucket.
        assert!(l.take("b", t).is_ok());
        // Half a second: one token back.
        let t2 = at("2026-11-10T10:00:00.5Z");
        assert!(l.take("a", t2).is_ok());
        assert!(l.take("a", t2).is_err());
    }

    #[test]
    fn zero_turns_the_bucket_off() {
        let l = limits(0, 10, 0);
        let t = at("2026-11-10T10:00:00Z");
        for _ in 0..100 {
            assert!(l.take("a", t).is_ok());
        }
    }

    #[test]
    fn overlap_refusals_block_until_the_hour_ends() {
        let l = limits(0, 0, 2);
        let t = at("2026-11-10T10:59:00Z");
        assert_eq!(l.overlapped("a", t, 2), (2, false));
        assert!(l.take("a", t).is_ok());
        assert_eq!(l.overlapped("a", t, 1), (3, true));
        assert!(matches!(l.take("a", t), Err(Refused::Overlaps(60))));
        assert!(l.take("a", at("2026-11-10T11:00:00Z")).is_ok());
    }
}
