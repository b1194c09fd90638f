//! The operator's `[registry]` section of `roost.toml`: trusted keys, signature policy,
//! registries reached over plain http, and the resolved [`TrustPolicy`].
//!
//! ```toml
//! [registry]
//! trusted_keys = ["/etc/roost/keys/acme.pub", "-----BEGIN PUBLIC KEY-----\n..."]
//! require_signature = true              # refuse unsigned and untrusted plugins
//! insecure_registries = ["registry.lan:5000"]   # plain http (loopback always may)
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
    fn credentials_never_print() {
        let c = Credentials { username: "u".into(), password: "hunter2".into() };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
