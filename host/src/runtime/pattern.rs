//! `scheme://host[:port]` patterns that allow-list where HTTP requests and secrets may go.
//!
//! `https://api.example.com` matches that host on the scheme's default port;
//! `https://*.example.com` matches every subdomain (not the apex); `http://127.0.0.1:8080`
//! names a port; `https://*` matches any host over HTTPS.

use std::fmt;

use serde::Deserialize;
use url::Url;

const WILDCARD: &str = "wildcard-host";

/// One allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl HostPattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        let hint = "write it as scheme://host[:port], e.g. `https://api.example.com` or `https://*.example.com`";
        let (scheme, rest) = text.split_once("://").ok_or_else(|| format!("`{text}` has no scheme; {hint}"))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("`{text}`: only http and https are allowed"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        // Let the URL parser handle IPv6 and ports; stand in for the wildcard while it does.
        let (wildcard, concrete) = match rest.strip_prefix('*') {
            Some(tail) => ("*", format!("{WILDCARD}{tail}")),
            None => ("", rest.to_string()),
        };
        let url = Url::parse(&format!("{scheme}://{concrete}")).map_err(|e| format!("`{text}`: {e}; {hint}"))?;
        if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
            return Err(format!("`{text}` must not have a path, query or user; {hint}"));
        }
        let parsed = url.host_str().ok_or_else(|| format!("`{text}` has no host; {hint}"))?;
        let host = match parsed.strip_prefix(WILDCARD) {
            Some(tail) => format!("{wildcard}{tail}"),
            None => parsed.to_string(),
        };
        let port = url.port();
        Ok(Self { scheme: scheme.into(), host: host.to_ascii_lowercase(), port })
    }

    /// True for `scheme://*`, which matches every host.
    pub fn is_any_host(&self) -> bool {
        self.host == "*"
    }

    /// Whether `url` goes to a host and port this pattern allows.
    pub fn matches(&self, url: &Url) -> bool {
        if url.scheme() != self.scheme {
            return false;
        }
        let Some(host) = url.host_str() else { return false };
        let host = host.to_ascii_lowercase();
        let port_ok = match self.port {
            Some(p) => url.port_or_known_default() == Some(p),
            None => url.port().is_none(),
        };
        port_ok && self.host_matches(&host)
    }

    fn host_matches(&self, host: &str) -> bool {
        if self.host == "*" {
            return true;
        }
        match self.host.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
            None => self.host == host,
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

impl<'de> Deserialize<'de> for HostPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        HostPattern::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Whether any pattern of `list` matches `url`.
pub fn any_matches(list: &[HostPattern], url: &Url) -> bool {
    list.iter().any(|p| p.matches(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, u: &str) -> bool {
        HostPattern::parse(p).unwrap().matches(&Url::parse(u).unwrap())
    }

    #[test]
    fn exact_wildcard_and_ports() {
        assert!(m("https://api.example.com", "https://api.example.com/v1"));
        assert!(!m("https://api.example.com", "http://api.example.com/v1"));
        assert!(!m("https://api.example.com", "https://api.example.com:8443/"));
        assert!(m("https://*.example.com", "https://a.b.example.com/"));
        assert!(!m("https://*.example.com", "https://example.com/"));
        assert!(!m("https://*.example.com", "https://evilexample.com/"));
        assert!(m("http://127.0.0.1:8080", "http://127.0.0.1:8080/x"));
        assert!(!m("http://127.0.0.1:8080", "http://127.0.0.1:8081/x"));
        assert!(m("https://*", "https://anything.test/"));
        assert!(m("http://[::1]:9000", "http://[::1]:9000/"));
    }

    #[test]
    fn bad_patterns_say_how_to_write_them() {
        assert!(HostPattern::parse("example.com").unwrap_err().contains("scheme://host"));
        assert!(HostPattern::parse("ftp://example.com").unwrap_err().contains("only http"));
        assert!(HostPattern::parse("https://example.com/path").unwrap_err().contains("path"));
        assert!(m("http://[::1]", "http://[::1]/"));
    }
}
