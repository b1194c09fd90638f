//! `roost:plugin/secrets`: placeholders in, values substituted on the wire, never handed out.
//!
//! ```rust,ignore
//! let token = roost_sdk::secrets::placeholder("MASTODON_TOKEN")?;   // "{{secret:MASTODON_TOKEN}}"
//! Request::post(url).header("Authorization", format!("Bearer {token}")).send()?;
//! ```
//!
//! The http capability calls [`SecretsCap::substitute`] for each request: a placeholder is
//! replaced only when the request's URL matches the hosts the secret is bound to, and a
//! request that carries a placeholder for any other host is refused whole.

use std::collections::BTreeMap;

use url::Url;

use crate::runtime::bindings::secrets::{Host, SecretError};
use crate::runtime::pattern::{HostPattern, any_matches};

use super::StepState;

/// A secret's value and the hosts it may be sent to.
#[derive(Clone)]
pub struct Secret {
    pub value: String,
    pub hosts: Vec<HostPattern>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret").field("value", &"[redacted]").field("hosts", &self.hosts).finish()
    }
}

/// The secrets one step may use: those its manifest declares that the workspace has set.
#[derive(Debug, Default)]
pub struct SecretsCap {
    declared: Vec<String>,
    set: BTreeMap<String, Secret>,
    /// Random per step: only placeholders carrying it are filled in, so a placeholder
    /// that arrives inside data (a mention's text, a feed item) stays plain text.
    nonce: String,
}

const OPEN: &str = "{{secret:";
const CLOSE: &str = "}}";

impl SecretsCap {
    pub fn new(declared: Vec<String>, set: BTreeMap<String, Secret>, nonce: String) -> Self {
        Self { declared, set, nonce }
    }

    /// The values, for redaction from logs.
    pub fn values(&self) -> Vec<String> {
        self.set.values().map(|s| s.value.clone()).filter(|v| !v.is_empty()).collect()
    }

    /// `text` with every placeholder replaced, or why the request must not go to `urls[0]`
    /// (judged by any of `urls`, see `NetPolicy::judged_as`).
    pub fn substitute(&self, urls: &[Url], text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(OPEN) {
            let after = &rest[start + OPEN.len()..];
            let Some(end) = after.find(CLOSE) else { break };
            let Some(name) = after[..end].strip_suffix(self.nonce.as_str()).and_then(|n| n.strip_suffix('#')) else {
                // Not this step's placeholder: text that only looks like one.
                out.push_str(&rest[..start + OPEN.len()]);
                rest = after;
                continue;
            };
            let secret =
                self.set.get(name).ok_or_else(|| format!("secret `{name}` is not available to this plugin"))?;
            if !urls.iter().any(|url| any_matches(&secret.hosts, url)) {
                return Err(format!(
                    "secret `{name}` is not bound to {}; it may be sent to: {}",
                    urls.first().map(origin).unwrap_or_default(),
                    secret.hosts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ));
            }
            out.push_str(&rest[..start]);
            out.push_str(&secret.value);
            rest = &after[end + CLOSE.len()..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `scheme://host[:port]` of `url`, as a user would write it in an allow-list.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

impl SecretsCap {
    /// The secret `name` if the manifest declares it and the workspace has set it.
    fn usable(&self, name: &str) -> Result<&Secret, SecretError> {
        if !self.declared.iter().any(|d| d == name) {
            return Err(SecretError::NotDeclared);
        }
        self.set.get(name).ok_or(SecretError::NotSet)
    }
}

impl Host for StepState {
    async fn placeholder(&mut self, name: String) -> wasmtime::Result<Result<String, SecretError>> {
        let nonce = &self.secrets.nonce;
        Ok(self.secrets.usable(&name).map(|_| format!("{OPEN}{name}#{nonce}{CLOSE}")))
    }

    async fn hmac_sha256(&mut self, name: String, message: Vec<u8>) -> wasmtime::Result<Result<String, SecretError>> {
        Ok(self.secrets.usable(&name).map(|secret| hmac_hex(secret.value.as_bytes(), &message)))
    }
}

/// HMAC-SHA256 of `message` under `key`, lowercase hex.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap() -> SecretsCap {
        let hosts = vec![HostPattern::parse("https://api.example.com").unwrap()];
        let set = BTreeMap::from([("TOKEN".to_string(), Secret { value: "s3cr3t".into(), hosts })]);
        SecretsCap::new(vec!["TOKEN".into()], set, "n0nce".into())
    }

    #[test]
    fn substitutes_only_for_bound_hosts() {
        let good = Url::parse("https://api.example.com/x").unwrap();
        let bad = Url::parse("https://evil.example.net/x").unwrap();
        assert_eq!(
            cap().substitute(std::slice::from_ref(&good), "Bearer {{secret:TOKEN#n0nce}}").unwrap(),
            "Bearer s3cr3t"
        );
        let err = cap().substitute(std::slice::from_ref(&bad), "Bearer {{secret:TOKEN#n0nce}}").unwrap_err();
        assert!(err.contains("not bound to https://evil.example.net"), "{err}");
        assert!(!err.contains("s3cr3t"));
        assert!(cap().substitute(std::slice::from_ref(&good), "{{secret:OTHER#n0nce}}").is_err());
        assert_eq!(cap().substitute(std::slice::from_ref(&bad), "no placeholder").unwrap(), "no placeholder");
    }

    #[test]
    fn placeholders_without_the_steps_nonce_stay_text() {
        let good = Url::parse("https://api.example.com/x").unwrap();
        for text in ["{{secret:TOKEN}}", "{{secret:TOKEN#guess}}", "a {{secret:TOKEN#n0nc}} b", "{{secret:"] {
            assert_eq!(
                cap().substitute(std::slice::from_ref(&good), text).unwrap(),
                text,
                "data that looks like a placeholder"
            );
        }
        let mixed = "{{secret:TOKEN}} and {{secret:TOKEN#n0nce}}";
        assert_eq!(cap().substitute(std::slice::from_ref(&good), mixed).unwrap(), "{{secret:TOKEN}} and s3cr3t");
    }

    #[test]
    fn hmac_matches_the_rfc_4231_vector() {
        // RFC 4231, test case 2.
        let mac = hmac_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
