//! Which network addresses a plugin may reach: private ranges are refused after DNS.
//!
//! Every name a plugin's request resolves to is checked here, on the first request and on
//! every redirect, so an allow-listed name that points at `127.0.0.1`, `10.0.0.1`,
//! `169.254.169.254` (cloud metadata) or `[::1]` does not reach it. The operator may exempt
//! named hosts (for example a Mastodon instance on the same network) with
//! [`NetPolicy::allow_private`], may pin names to addresses with [`NetPolicy::resolve`], and
//! may let plugins speak plain HTTP to named ports of named hosts with
//! [`NetPolicy::plain_http`]. Roost's own listen address is never reachable, whatever the
//! operator exempts: [`NetPolicy::serve_at`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::sync::{Arc, RwLock};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The operator's network rules for plugins.
#[derive(Debug, Clone, Default)]
pub struct NetPolicy {
    /// Hosts (`name`, `*.suffix` or an IP) that may be or resolve to private addresses.
    pub allow_private: Vec<String>,
    /// Names answered from this table instead of DNS (still checked like any answer).
    pub resolve: HashMap<String, Vec<IpAddr>>,
    /// Host and port pairs reachable over `http://` wherever a plugin may reach the host
    /// over `https://`: a Mastodon or model server on the operator's network. Only the
    /// ports named, so an exemption for one server does not open the host's other services.
    pub plain_http: Vec<PlainHttp>,
    /// Where this process serves (its API, `/metrics`): refused to plugins whatever else
    /// allows it, so a step cannot call the service it runs in.
    pub own: OwnAddresses,
}

/// One `[http] plain_http` entry: `host:port` or `host:low-high`, the host a name,
/// `*.suffix`, an IPv4 address or a bracketed IPv6 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainHttp {
    pub host: String,
    pub ports: RangeInclusive<u16>,
}

impl PlainHttp {
    /// Reads `host:port` or `host:low-high`; an entry without a port is refused, since it
    /// used to open every port of the host.
    pub fn parse(text: &str) -> Result<Self, String> {
        let hint = "plain HTTP is allowed only to the ports named: write `host:port` or `host:low-high`, \
                    e.g. `mastodon.lan:8080`";
        let (host, ports) = match text.rsplit_once(':') {
            Some((host, ports)) if !host.is_empty() && (!host.contains(':') || host.ends_with(']')) => (host, ports),
            _ => return Err(format!("`{text}` names no port; {hint}")),
        };
        let port = |p: &str| p.trim().parse::<u16>().ok().filter(|p| *p > 0);
        let ports = match ports.split_once('-') {
            Some((low, high)) => port(low).zip(port(high)).map(|(l, h)| l..=h).filter(|r| !r.is_empty()),
            None => port(ports).map(|p| p..=p),
        };
        let ports = ports.ok_or_else(|| format!("`{text}` has no valid port or port range; {hint}"))?;
        Ok(Self { host: host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase(), ports })
    }

    fn admits(&self, host: &str, port: u16) -> bool {
        self.ports.contains(&port) && host_listed(std::slice::from_ref(&self.host), host)
    }
}

/// The addresses the service listens on, set once it has bound them; shared by every clone
/// of the policy (the HTTP client holds one).
#[derive(Debug, Clone, Default)]
pub struct OwnAddresses(Arc<RwLock<Vec<SocketAddr>>>);

impl OwnAddresses {
    /// Whether a connection to `ip:port` would reach this process: the exact address, or
    /// any loopback or internal address on the port of a wildcard or loopback listener.
    fn includes(&self, ip: IpAddr, port: u16) -> bool {
        let ip = ip.to_canonical();
        let own = self.0.read().unwrap_or_else(|e| e.into_inner());
        own.iter().filter(|a| a.port() == port).any(|a| {
            let listen = a.ip().to_canonical();
            listen == ip
                || (listen.is_unspecified() && is_internal(ip))
                || (listen.is_loopback() && (ip.is_loopback() || ip.is_unspecified()))
        })
    }
}

/// A refused destination: this Roost itself.
#[derive(Debug, thiserror::Error)]
#[error("{host}:{port} is this Roost's own address, which plugins may not reach")]
pub struct OwnAddress {
    pub host: String,
    pub port: u16,
}

/// A refused address, found in reqwest's error chain to tell a denial from a failure.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {ip}, a private, loopback or link-local address that plugins may not reach")]
pub struct BlockedAddress {
    pub host: String,
    pub ip: IpAddr,
}

/// Whether `host` is named by one of `patterns` (`name`, `*.suffix` or an IP).
fn host_listed(patterns: &[String], host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    patterns.iter().any(|p| match p.strip_prefix("*.") {
        Some(suffix) => host.ends_with(&format!(".{suffix}")),
        None => p.eq_ignore_ascii_case(&host),
    })
}

impl NetPolicy {
    fn private_allowed(&self, host: &str) -> bool {
        host_listed(&self.allow_private, host)
    }

    /// Records that the service listens on `addr`, so that plugins cannot reach it.
    pub fn serve_at(&self, addr: SocketAddr) {
        self.own.0.write().unwrap_or_else(|e| e.into_inner()).push(addr);
    }

    /// The URLs that allow-lists and secret bindings may match `url` by: the URL as sent,
    /// and for a plain-HTTP URL to a [`NetPolicy::plain_http`] host and port, the same as
    /// HTTPS on the default port.
    pub fn judged_as(&self, url: &url::Url) -> Vec<url::Url> {
        let mut judged = vec![url.clone()];
        let port = url.port_or_known_default().unwrap_or(80);
        let exempt = url.host_str().is_some_and(|h| self.plain_http.iter().any(|p| p.admits(h, port)));
        if url.scheme() == "http" && exempt {
            let mut https = url.clone();
            // Both calls only fail for URLs without a host or with special schemes mixed.
            let _ = https.set_scheme("https");
            let _ = https.set_port(None);
            judged.push(https);
        }
        judged
    }

    /// Refuses `url` if its host resolves to this process's own listen address on its port.
    pub async fn refuse_own(&self, url: &url::Url) -> Result<(), OwnAddress> {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return Ok(()) };
        if !self.own.0.read().unwrap_or_else(|e| e.into_inner()).iter().any(|a| a.port() == port) {
            return Ok(());
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        // A name that does not resolve cannot be connected to either; DNS decides later.
        let ips = self.lookup(bare).await.unwrap_or_default();
        match ips.iter().any(|ip| self.own.includes(*ip, port)) {
            true => Err(OwnAddress { host: host.to_string(), port }),
            false => Ok(()),
        }
    }

    /// The addresses `host` stands for: itself if an IP, the pinned table, or DNS.
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        match self.resolve.get(host) {
            Some(ips) => Ok(ips.clone()),
            None => Ok(tokio::net::lookup_host((host, 0)).await?.map(|a| a.ip()).collect()),
        }
    }

    /// Refuses `ip` for `host` if it is internal and the host is not exempt.
    pub fn check(&self, host: &str, ip: IpAddr) -> Result<(), BlockedAddress> {
        if is_internal(ip) && !self.private_allowed(host) {
            return Err(BlockedAddress { host: host.to_string(), ip });
        }
        Ok(())
    }
}

/// Whether `ip` belongs to a network a plugin must not reach by default.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(v6),
        },
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || ip.to_ipv4().is_some_and(|v4| first == 0 && is_internal_v4(v4)) // IPv4-compatible
}

/// reqwest's resolver: DNS (or the pinned table), then [`NetPolicy::check`] on every answer.
#[derive(Debug, Clone)]
pub struct GuardedResolver(pub Arc<NetPolicy>);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let ips = policy.lookup(&host).await?;
            // One internal answer refuses the name: a mixed answer is a rebinding attempt.
            for ip in &ips {
                policy.check(&host, *ip)?;
            }
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "169.254.169.254",
            "192.168.1.1",
            "172.16.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip} should be internal");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip} should be public");
        }
    }

    #[test]
    fn operator_exemptions() {
        let policy = NetPolicy { allow_private: vec!["localhost".into(), "*.lan".into()], ..Default::default() };
        assert!(policy.check("localhost", "127.0.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("nas.lan", "192.168.1.5".parse().unwrap()).is_ok());
        let err = policy.check("evil.example", "10.0.0.1".parse().unwrap()).unwrap_err();
        assert!(err.to_string().contains("evil.example resolves to 10.0.0.1"));
    }

    #[test]
    fn plain_http_names_host_and_port() {
        let entry = |t: &str| PlainHttp::parse(t).map(|p| (p.host, p.ports));
        assert_eq!(entry("Social.lan:8080"), Ok(("social.lan".into(), 8080..=8080)));
        assert_eq!(entry("*.lan:8000-8099"), Ok(("*.lan".into(), 8000..=8099)));
        assert_eq!(entry("[fd00::1]:80"), Ok(("fd00::1".into(), 80..=80)));
        for bad in ["mastodon.lan", "fd00::1", "a.lan:0", "a.lan:9-8", "a.lan:http", ":80"] {
            assert!(entry(bad).is_err(), "{bad}");
        }
        assert!(entry("mastodon.lan").unwrap_err().contains("e.g. `mastodon.lan:8080`"));
    }

    #[tokio::test]
    async fn the_own_address_is_refused_whatever_the_exemptions() {
        let policy = NetPolicy::default();
        policy.serve_at("0.0.0.0:8080".parse().unwrap());
        for (url, refused) in [
            ("http://127.0.0.1:8080/metrics", true),
            ("http://10.1.2.3:8080/", true),
            ("http://[::1]:8080/", true),
            ("http://127.0.0.1:8081/", false),
            ("http://93.184.216.34:8080/", false),
        ] {
            assert_eq!(policy.refuse_own(&url::Url::parse(url).unwrap()).await.is_err(), refused, "{url}");
        }
    }

    #[test]
    fn plain_http_hosts_are_judged_as_https() {
        let plain = ["*.lan:8080", "api.lan:80"].map(|p| PlainHttp::parse(p).unwrap());
        let policy = NetPolicy { plain_http: plain.to_vec(), ..Default::default() };
        let judged = |u: &str| -> Vec<String> {
            policy.judged_as(&url::Url::parse(u).unwrap()).iter().map(ToString::to_string).collect()
        };
        assert_eq!(
            judged("http://social.lan:8080/api/v1"),
            ["http://social.lan:8080/api/v1", "https://social.lan/api/v1"]
        );
        assert_eq!(judged("http://example.com:8080/x"), ["http://example.com:8080/x"]);
        assert_eq!(judged("http://social.lan:9090/metrics"), ["http://social.lan:9090/metrics"]);
        assert_eq!(judged("http://api.lan/x"), ["http://api.lan/x", "https://api.lan/x"]);
        assert_eq!(judged("https://social.lan:8443/x"), ["https://social.lan:8443/x"]);
    }
}
