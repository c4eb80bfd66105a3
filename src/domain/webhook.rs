//! Webhooks: where deliveries may go, how each is signed, and when a failed
//! one is tried again (docs/integrations.md, "Webhooks").

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What every webhook secret starts with (as Stripe's do), so a leaked one
/// is recognisable.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// The header a delivery's signature travels in.
pub const SIGNATURE_HEADER: &str = "Redovisa-Signature";

/// Longest wait between two attempts of one delivery.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(3600);

/// A delivery is tried again for at least this long after its first
/// attempt before it is given up.
pub const RETRY_FOR: Duration = Duration::from_secs(24 * 3600);

/// A new secret made of `random` (from the operating system's generator).
pub fn secret_from_random(random: [u8; SECRET_BYTES]) -> String {
    format!("{SECRET_PREFIX}{}", hex::encode(random))
}

/// The `Redovisa-Signature` value of `body` sent at unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The wait after the `attempts`-th failed attempt (1 for the first):
/// `base`, 2×`base`, 4×`base`…, each at most [`MAX_RETRY_WAIT`].
pub fn retry_wait(base: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1);
    if doublings > 31 {
        return MAX_RETRY_WAIT;
    }
    base.checked_mul(1 << doublings)
        .map_or(MAX_RETRY_WAIT, |d| d.min(MAX_RETRY_WAIT))
}

/// Whether a failed delivery is given up: it has been tried for
/// `retry_for` since its first attempt (`elapsed`).
pub fn give_up(elapsed: Duration, retry_for: Duration) -> bool {
    elapsed >= retry_for
}

/// Why a webhook target is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRefusal {
    /// Not an absolute `https` (or, when private targets are allowed,
    /// `http`) URL with a host.
    Malformed(String),
    /// `http` where only `https` is allowed.
    PlainHttp,
    /// The host is or resolves to an address that is not public.
    NotPublic(IpAddr),
    /// The host does not resolve.
    Unresolvable,
}

impl std::fmt::Display for TargetRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetRefusal::Malformed(why) => write!(f, "`url` is not a usable URL: {why}."),
            TargetRefusal::PlainHttp => f.write_str("`url` must use https."),
            TargetRefusal::NotPublic(ip) => write!(
                f,
                "`url` names a loopback, private, link-local or unspecified address ({ip}); \
                 deliveries go to public addresses only."
            ),
            TargetRefusal::Unresolvable => f.write_str("`url`'s host does not resolve."),
        }
    }
}

/// Whether deliveries may go to `ip`: not loopback, private, shared
/// (carrier-grade NAT), link-local, unspecified, broadcast, multicast or
/// documentation space, also when written as an IPv4-mapped IPv6 address.
pub fn public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b);
    let this_network = a == 0;
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared
        || this_network)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8;
    // 64:ff9b::/96 maps IPv4 addresses (NAT64): judge the address inside.
    if let [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] = ip.segments() {
        return public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || documentation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_t_dot_body() {
        // Against a value computed independently
        // (python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_k",
        // b"1700000000.{}", hashlib.sha256).hexdigest())').
        assert_eq!(
            signature("whsec_k", 1_700_000_000, b"{}"),
            "t=1700000000,v1=8b20524faff2b12e1089e404a8cf60fbe577e5320e899ebff7329ebbcb9ada22"
        );
    }

    #[test]
    fn waits_double_from_the_base_up_to_an_hour() {
        let base = Duration::from_millis(1000);
        let waits: Vec<u64> = (1..=5).map(|n| retry_wait(base, n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16]);
        assert_eq!(retry_wait(base, 12), Duration::from_secs(2048));
        assert_eq!(retry_wait(base, 13), MAX_RETRY_WAIT);
        assert_eq!(retry_wait(base, 1000), MAX_RETRY_WAIT);
        assert_eq!(
            retry_wait(Duration::from_millis(20), 3),
            Duration::from_millis(80)
        );
        // Retries go on for a day: with the default base, about 35 attempts.
        let (mut elapsed, mut n) = (Duration::ZERO, 0);
        while !give_up(elapsed, RETRY_FOR) {
            n += 1;
            elapsed += retry_wait(base, n);
        }
        assert!((30..40).contains(&n), "{n}");
    }

    #[test]
    fn only_public_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!public_address(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "64:ff9b::808:808",
        ] {
            assert!(public_address(public.parse().unwrap()), "{public}");
        }
    }
}
