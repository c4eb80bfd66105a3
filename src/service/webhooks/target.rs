//! Where a webhook may deliver: an `https` URL whose host is, or resolves
//! only to, public addresses (`domain::webhook::public_address`), unless
//! private targets are allowed. Checked when a webhook is created or
//! changed, and again at every delivery by the delivering client's resolver
//! ([`GuardedResolver`]), so a name that later resolves to an internal
//! address (DNS rebinding) is refused then too: the connection goes only to
//! the addresses that were checked.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::domain::webhook::{public_address, TargetRefusal};

/// Parses `url` and checks its scheme and, for an address literal, the
/// address; a host name is left to [`resolve_checked`].
pub fn parse(url: &str, allow_private: bool) -> Result<Url, TargetRefusal> {
    let parsed = Url::parse(url.trim()).map_err(|e| TargetRefusal::Malformed(e.to_string()))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(TargetRefusal::PlainHttp),
        other => return Err(TargetRefusal::Malformed(format!("scheme `{other}`"))),
    }
    match parsed.host() {
        None => return Err(TargetRefusal::Malformed("no host".into())),
        Some(Host::Ipv4(ip)) => literal(IpAddr::V4(ip), allow_private)?,
        Some(Host::Ipv6(ip)) => literal(IpAddr::V6(ip), allow_private)?,
        Some(Host::Domain(_)) => {}
    }
    Ok(parsed)
}

fn literal(ip: IpAddr, allow_private: bool) -> Result<(), TargetRefusal> {
    if allow_private || public_address(ip) {
        Ok(())
    } else {
        Err(TargetRefusal::NotPublic(ip))
    }
}

/// The addresses `host` resolves to, each checked: one address that is not
/// public refuses the host, since a client may connect to any of them.
pub async fn resolve_checked(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, TargetRefusal> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| TargetRefusal::Unresolvable)?
        .collect();
    if addrs.is_empty() {
        return Err(TargetRefusal::Unresolvable);
    }
    if let Some(bad) = addrs.iter().find(|a| !public_address(a.ip())) {
        if !allow_private {
            return Err(TargetRefusal::NotPublic(bad.ip()));
        }
    }
    Ok(addrs)
}

/// The full check of a webhook target when it is registered: the URL, and
/// for a host name every address it resolves to now.
pub async fn check(url: &str, allow_private: bool) -> Result<Url, TargetRefusal> {
    let parsed = parse(url, allow_private)?;
    if let (Some(Host::Domain(host)), false) = (parsed.host(), allow_private) {
        let port = parsed.port_or_known_default().unwrap_or(443);
        resolve_checked(host, port, allow_private).await?;
    }
    Ok(parsed)
}

/// The delivering client's resolver: resolves as the system does and
/// refuses a name with any address that is not public.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = resolve_checked(&host, 0, allow_private).await.map_err(
                |e| -> Box<dyn std::error::Error + Send + Sync> {
                    format!("target refused: {e}").into()
                },
            )?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

impl GuardedResolver {
    pub fn shared(allow_private: bool) -> Arc<Self> {
        Arc::new(Self { allow_private })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_literals() {
        assert!(parse("https://93.184.216.34/hook", false).is_ok());
        assert_eq!(
            parse("http://example.com/hook", false),
            Err(TargetRefusal::PlainHttp)
        );
        assert!(parse("http://example.com/hook", true).is_ok());
        assert!(matches!(
            parse("https://127.0.0.1:9000/", false),
            Err(TargetRefusal::NotPublic(_))
        ));
        assert!(matches!(
            parse("https://[::1]/", false),
            Err(TargetRefusal::NotPublic(_))
        ));
        assert!(parse("https://127.0.0.1:9000/", true).is_ok());
        assert!(matches!(
            parse("ftp://example.com/", true),
            Err(TargetRefusal::Malformed(_))
        ));
        assert!(matches!(
            parse("not a url", false),
            Err(TargetRefusal::Malformed(_))
        ));
    }

    #[actix_web::test]
    async fn localhost_resolves_to_loopback_and_is_refused() {
        assert!(matches!(
            check("https://localhost/hook", false).await,
            Err(TargetRefusal::NotPublic(_))
        ));
        assert!(check("https://localhost/hook", true).await.is_ok());
    }
}
