//! The manifest's `[permissions]` as the in-memory host enforces them, with the same
//! outcome as Roost: a capability the manifest does not ask for at all is a plugin Roost
//! refuses to load (the test panics), a host or secret outside the grant is an error.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::http::{HttpError, Request};
use crate::secrets::SecretError;

/// `[permissions]` of `plugin.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Permissions {
    #[serde(default)]
    pub http: Vec<String>,
    #[serde(default)]
    pub kv: bool,
    /// Secret name -> the `scheme://host[:port]` patterns its value may be sent to.
    #[serde(default)]
    pub secrets: BTreeMap<String, Vec<String>>,
}

fn refused(path: &str, what: &str, fix: &str) -> ! {
    panic!("{path}: the plugin {what}, but Roost refuses to load it: {fix}")
}

impl Permissions {
    pub(crate) fn check_kv(&self, path: &str) {
        if !self.kv {
            refused(path, "uses the key-value store", "add `kv = true` under [permissions]");
        }
    }

    pub(crate) fn check_secret(&self, path: &str, name: &str) -> Result<(), SecretError> {
        if self.secrets.is_empty() {
            refused(
                path,
                &format!("uses secret `{name}`"),
                &format!("declare it: [permissions] secrets = {{ {name} = [\"https://host\"] }}"),
            );
        }
        match self.secrets.contains_key(name) {
            true => Ok(()),
            false => Err(SecretError::NotDeclared(name.to_string())),
        }
    }

    /// Checks `req` (placeholders not yet filled in) against the allow-lists.
    pub(crate) fn check_request(&self, path: &str, req: &Request) -> Result<(), HttpError> {
        let target = origin(&req.url);
        if self.http.is_empty() {
            refused(path, &format!("sends a request to {target}"), "list the hosts it calls under [permissions] http");
        }
        if !self.http.iter().any(|p| allows(p, &req.url)) {
            return Err(HttpError::Denied(format!("{target} is not in the plugin's [permissions] http allow-list")));
        }
        let texts = req
            .headers
            .iter()
            .map(|(_, v)| v.clone())
            .chain(req.body.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()));
        for text in texts.collect::<Vec<_>>() {
            for (name, hosts) in &self.secrets {
                if text.contains(&format!("{{{{secret:{name}}}}}")) && !hosts.iter().any(|p| allows(p, &req.url)) {
                    return Err(HttpError::Denied(format!(
                        "secret `{name}` may not be sent to {target}: the plugin's manifest declares it for {} only",
                        hosts.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }
}

/// `scheme://authority` of `url`, as errors name it.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{authority}")
}

/// Whether `url` goes to a host and port that `pattern` (`scheme://host[:port]`, with
/// `*` for any host or `*.example.com` for its subdomains) allows.
pub fn allows(pattern: &str, url: &str) -> bool {
    let (Some((p_scheme, p_rest)), Some((u_scheme, u_rest))) = (pattern.split_once("://"), url.split_once("://"))
    else {
        return false;
    };
    if !p_scheme.eq_ignore_ascii_case(u_scheme) {
        return false;
    }
    let authority = u_rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (p_host, p_port) = split_port(p_rest.trim_end_matches('/'));
    let (u_host, u_port) = split_port(authority);
    let default = if u_scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
    let port_ok = match p_port {
        Some(p) => u_port.unwrap_or(default) == p,
        None => u_port.is_none_or(|p| p == default),
    };
    let (p_host, u_host) = (p_host.to_ascii_lowercase(), u_host.to_ascii_lowercase());
    let host_ok = match p_host.strip_prefix("*") {
        Some("") => true,
        Some(suffix) if suffix.starts_with('.') => u_host.len() > suffix.len() && u_host.ends_with(suffix),
        _ => p_host == u_host,
    };
    port_ok && host_ok
}

/// `host[:port]` split, with `[v6]:port` kept whole.
fn split_port(authority: &str) -> (&str, Option<u16>) {
    let after_host = authority.rfind(']').map_or(0, |i| i + 1);
    match authority[after_host..].rfind(':') {
        Some(i) => (&authority[..after_host + i], authority[after_host + i + 1..].parse().ok()),
        None => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::allows;

    #[test]
    fn patterns_match_as_in_roost() {
        assert!(allows("https://api.example.com", "https://api.example.com/v1?x=1"));
        assert!(allows("https://api.example.com", "https://API.example.com:443/"));
        assert!(!allows("https://api.example.com", "http://api.example.com/"));
        assert!(!allows("https://api.example.com", "https://api.example.com:8443/"));
        assert!(allows("https://*.example.com", "https://a.example.com/"));
        assert!(!allows("https://*.example.com", "https://example.com/"));
        assert!(!allows("https://*.example.com", "https://evil-example.com/"));
        assert!(allows("https://*", "https://anything.org/x"));
        assert!(allows("http://127.0.0.1:8080", "http://127.0.0.1:8080/hook"));
        assert!(!allows("http://127.0.0.1:8080", "http://127.0.0.1:8081/hook"));
        assert!(allows("http://[::1]:9000", "http://[::1]:9000/"));
    }
}
