//! Which network addresses a plugin may reach: private ranges are refused after DNS.
//!
//! Every name a plugin's request resolves to is checked here, on the first request and on
//! every redirect, so an allow-listed name that points at `127.0.0.1`, `10.0.0.1`,
//! `169.254.169.254` (cloud metadata) or `[::1]` does not reach it. The operator may exempt
//! named hosts (for example a Mastodon instance on the same network) with
//! [`NetPolicy::allow_private`], may pin names to addresses with [`NetPolicy::resolve`], and
//! may let plugins speak plain HTTP on any port to named hosts with [`NetPolicy::plain_http`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The operator's network rules for plugins.
#[derive(Debug, Clone, Default)]
pub struct NetPolicy {
    /// Hosts (`name`, `*.suffix` or an IP) that may be or resolve to private addresses.
    pub allow_private: Vec<String>,
    /// Names answered from this table instead of DNS (still checked like any answer).
    pub resolve: HashMap<String, Vec<IpAddr>>,
    /// Hosts (`name` or `*.suffix`) reachable over `http://` on any port wherever a plugin
    /// may reach them over `https://`: a Mastodon or model server on the operator's network.
    pub plain_http: Vec<String>,
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

    /// The URLs that allow-lists and secret bindings may match `url` by: the URL as sent,
    /// and for a plain-HTTP URL to a [`NetPolicy::plain_http`] host, the same as HTTPS on
    /// the default port.
    pub fn judged_as(&self, url: &url::Url) -> Vec<url::Url> {
        let mut judged = vec![url.clone()];
        if url.scheme() == "http" && url.host_str().is_some_and(|h| host_listed(&self.plain_http, h)) {
            let mut https = url.clone();
            // Both calls only fail for URLs without a host or with special schemes mixed.
            let _ = https.set_scheme("https");
            let _ = https.set_port(None);
            judged.push(https);
        }
        judged
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
            let ips: Vec<IpAddr> = match policy.resolve.get(&host) {
                Some(ips) => ips.clone(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.map(|a| a.ip()).collect(),
            };
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
    fn plain_http_hosts_are_judged_as_https() {
        let policy = NetPolicy { plain_http: vec!["*.lan".into()], ..Default::default() };
        let judged = |u: &str| -> Vec<String> {
            policy.judged_as(&url::Url::parse(u).unwrap()).iter().map(ToString::to_string).collect()
        };
        assert_eq!(
            judged("http://social.lan:8080/api/v1"),
            ["http://social.lan:8080/api/v1", "https://social.lan/api/v1"]
        );
        assert_eq!(judged("http://example.com:8080/x"), ["http://example.com:8080/x"]);
        assert_eq!(judged("https://social.lan:8443/x"), ["https://social.lan:8443/x"]);
    }
}
