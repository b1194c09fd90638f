//! The operator's `[registry]` section of `roost.toml`: trusted keys, signature policy,
//! registries reached over plain http, and the resolved [`TrustPolicy`].
//!
//! ```toml
//! [registry]
//! trusted_keys = ["/etc/roost/keys/acme.pub", "-----BEGIN PUBLIC KEY-----\n..."]
//! require_signature = true              # refuse unsigned and untrusted plugins
//! insecure_registries = ["registry.lan:5000"]   # plain http (loopback always may)
//! workspace_registries = ["ghcr.io"]    # where workspace owners may install from
//! ```
//!
//! Registry credentials never live in the file: `ROOST_REGISTRY_USERNAME` and
//! `ROOST_REGISTRY_PASSWORD` (a password or a token) are read when the policy is resolved.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use reqwest::header::HeaderValue;
use serde::Deserialize;

use super::OciError;
use super::keys::PublicKey;

/// `[registry]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// Public keys (PEM `PUBLIC KEY`, P-256) whose signatures are trusted: each a file path
    /// or the PEM text itself.
    #[serde(default)]
    pub trusted_keys: Vec<String>,
    /// Refuse a plugin that no trusted key signed (default false: signatures are checked
    /// when present and keys are configured, and the signer reported).
    #[serde(default)]
    pub require_signature: bool,
    /// `host:port` of registries reached over plain http. Loopback registries always are.
    #[serde(default)]
    pub insecure_registries: Vec<String>,
    /// `host[:port]` of registries a workspace owner may install from through the API.
    /// Empty (the default): none, so a tenant cannot make the service fetch from a host of
    /// its choosing (loopback and private addresses included); uploads still work.
    #[serde(default)]
    pub workspace_registries: Vec<String>,
}

impl RegistryConfig {
    /// The policy with every key read and checked, and credentials from the environment.
    pub fn policy(&self) -> Result<TrustPolicy, OciError> {
        let trusted_keys = self.trusted_keys.iter().map(|k| PublicKey::load(k)).collect::<Result<Vec<_>, _>>()?;
        if self.require_signature && trusted_keys.is_empty() {
            return Err(OciError::Invalid("[registry] require_signature is true but trusted_keys is empty".into()));
        }
        let credentials = match (std::env::var("ROOST_REGISTRY_USERNAME"), std::env::var("ROOST_REGISTRY_PASSWORD")) {
            (Ok(username), Ok(password)) => Some(Credentials { username, password }),
            _ => None,
        };
        Ok(TrustPolicy {
            trusted_keys,
            require_signature: self.require_signature,
            insecure_registries: self.insecure_registries.clone(),
            workspace_registries: self.workspace_registries.clone(),
            credentials,
        })
    }
}

/// What a pull trusts and how it reaches registries.
#[derive(Debug, Clone, Default)]
pub struct TrustPolicy {
    pub trusted_keys: Vec<PublicKey>,
    pub require_signature: bool,
    pub insecure_registries: Vec<String>,
    pub workspace_registries: Vec<String>,
    pub credentials: Option<Credentials>,
}

/// A registry user name and password (or token), sent only to the registry and its realm.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"[redacted]").finish()
    }
}

impl Credentials {
    /// The `Authorization: Basic` value, marked sensitive so it is never logged.
    pub fn basic(&self) -> HeaderValue {
        let raw = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.username, self.password));
        let mut value = HeaderValue::from_str(&format!("Basic {raw}")).unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }
}

/// Whether `registry` (`host[:port]`) may be reached over plain http: a loopback host, or
/// one the operator listed.
pub fn plain_http_allowed(registry: &str, insecure: &[String]) -> bool {
    if insecure.iter().any(|r| r == registry) {
        return true;
    }
    let host = match registry.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !host.is_empty() => host,
        _ => registry,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a request for `registry` (`host[:port]`) may go on to `url`, a redirect or a
/// token realm: its own host and port, or an https host that is not a loopback, private,
/// link-local or unspecified address. So a registry (or a tenant naming one) cannot make
/// the service reach into its own network.
pub fn may_leave_for(registry: &str, url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let hostport = url.port().map_or_else(|| host.to_string(), |p| format!("{host}:{p}"));
    if hostport.eq_ignore_ascii_case(registry) {
        return true;
    }
    let inner = host.trim_start_matches('[').trim_end_matches(']');
    let internal = match inner.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.is_unspecified() || ip.is_unique_local() || ip.is_unicast_link_local()
        }
        Err(_) => inner.eq_ignore_ascii_case("localhost") || inner.to_ascii_lowercase().ends_with(".localhost"),
    };
    url.scheme() == "https" && !internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_for_loopback_and_listed() {
        assert!(plain_http_allowed("127.0.0.1:5000", &[]));
        assert!(plain_http_allowed("localhost:5000", &[]));
        assert!(plain_http_allowed("[::1]:5000", &[]));
        assert!(!plain_http_allowed("registry.lan:5000", &[]));
        assert!(plain_http_allowed("registry.lan:5000", &["registry.lan:5000".into()]));
        assert!(!plain_http_allowed("127.0.0.1.evil.io", &[]));
    }

    #[test]
    fn leaving_the_registry_only_for_public_https() {
        let url = |u: &str| url::Url::parse(u).unwrap();
        assert!(may_leave_for("127.0.0.1:5000", &url("http://127.0.0.1:5000/v2/x/blobs/y")));
        assert!(may_leave_for("ghcr.io", &url("https://pkg-containers.githubusercontent.com/blob")));
        assert!(!may_leave_for("127.0.0.1:5066", &url("http://127.0.0.2:5067/internal/admin")));
        assert!(!may_leave_for("ghcr.io", &url("https://10.0.0.7/x")));
        assert!(!may_leave_for("ghcr.io", &url("https://169.254.169.254/latest/meta-data")));
        assert!(!may_leave_for("ghcr.io", &url("https://[::1]/x")));
        assert!(!may_leave_for("ghcr.io", &url("https://localhost/x")));
        assert!(!may_leave_for("ghcr.io", &url("http://cdn.example/x")));
    }

    #[test]
    fn credentials_never_print() {
        let c = Credentials { username: "u".into(), password: "hunter2".into() };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
