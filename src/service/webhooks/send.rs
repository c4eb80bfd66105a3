//! One delivery attempt: `POST` the event as JSON to the webhook's URL,
//! signed, with timeouts, no redirects and no proxy, to checked addresses
//! only (`target`).

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, USER_AGENT};

use super::target::{self, GuardedResolver};
use crate::domain::webhook::{signature, SIGNATURE_HEADER};

/// Longest wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for the whole attempt (connection, request and answer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest error text kept on a delivery.
const MAX_ERROR: usize = 300;

/// What the target answered, or why there was no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status_code: Option<u16>,
    /// `None` when delivered (2xx).
    pub error: Option<String>,
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        self.error.is_none()
    }

    fn failed(error: impl Into<String>) -> Self {
        let mut error: String = error.into();
        if error.len() > MAX_ERROR {
            let mut end = MAX_ERROR;
            while !error.is_char_boundary(end) {
                end -= 1;
            }
            error.truncate(end);
        }
        Self {
            status_code: None,
            error: Some(error),
        }
    }
}

/// The delivering HTTP client (one per worker; cheap to clone).
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .dns_resolver(GuardedResolver::shared(allow_private))
            .build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// Posts `body` to `url`, signed with `secret` at unix time `t`. A 2xx
    /// is delivered; anything else (a redirect too) is a failed attempt.
    pub async fn send(&self, url: &str, secret: &str, body: Vec<u8>, t: i64) -> Outcome {
        let url = match target::parse(url, self.allow_private) {
            Ok(u) => u,
            Err(refused) => return Outcome::failed(format!("target refused: {refused}")),
        };
        let sig = signature(secret, t, &body);
        let res = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("redovisa-webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header(SIGNATURE_HEADER, sig)
            .body(body)
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => Outcome {
                status_code: Some(r.status().as_u16()),
                error: None,
            },
            Ok(r) => Outcome {
                status_code: Some(r.status().as_u16()),
                error: Some(format!("the target answered {}", r.status())),
            },
            Err(e) if e.is_timeout() => Outcome::failed("timed out"),
            Err(e) => Outcome::failed(describe(&e)),
        }
    }
}

/// The innermost cause of a failed request ("connection refused", "target
/// refused: …"), which says more than reqwest's own wording and carries no
/// URL.
fn describe(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let what = if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    format!("{what}: {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn non_public_targets_are_refused_at_delivery_too() {
        let sender = Sender::new(false).unwrap();
        // An address literal, and a name that resolves to loopback (as a
        // rebound name would): neither is connected to.
        for url in ["https://127.0.0.1:9/", "https://localhost:9/"] {
            let out = sender.send(url, "whsec_x", b"{}".to_vec(), 0).await;
            let error = out.error.unwrap();
            assert!(error.contains("target refused"), "{url}: {error}");
            assert_eq!(out.status_code, None);
        }
    }

    #[actix_web::test]
    async fn redirects_are_not_followed() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:9/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        });
        let sender = Sender::new(true).unwrap();
        let out = sender
            .send(
                &format!("http://127.0.0.1:{port}/"),
                "whsec_x",
                b"{}".to_vec(),
                0,
            )
            .await;
        assert_eq!(out.status_code, Some(307));
        assert!(!out.delivered());
    }
}
