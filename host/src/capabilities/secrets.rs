//! `roost:plugin/secrets`: placeholders in, values substituted on the wire, never handed out.
//!
//! ```rust,ignore
//! let token = roost_sdk::secrets::placeholder("MASTODON_TOKEN")?;   // "{{secret:MASTODON_TOKEN#NONCE}}"
//! Request::post(url).header("Authorization", format!("Bearer {token}")).send()?;
//! ```
//!
//! The http capability calls [`SecretsCap::substitute`] for each request: a placeholder is
//! replaced only when the request's URL matches both the hosts the secret's owner bound it
//! to when setting it and the hosts the plugin's manifest declares for it. A secret set
//! without hosts is sent nowhere, and a request that carries a placeholder for any other
//! host is refused whole. Whatever comes back is scrubbed of the values (see
//! [`super::redact`]).

use std::collections::BTreeMap;

use url::Url;

use super::StepState;
use super::redact::Redactor;
use crate::runtime::bindings::secrets::{Host, SecretError};
use crate::runtime::pattern::{HostPattern, any_matches};

/// A secret's value and the hosts its owner bound it to when setting it (empty: none).
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
    /// Secret name -> the hosts the manifest declares for it.
    declared: BTreeMap<String, Vec<HostPattern>>,
    /// The declared secrets the workspace has set.
    set: BTreeMap<String, Secret>,
    /// Random per step: only placeholders carrying it are filled in, so a placeholder
    /// that arrives inside data (a mention's text, a feed item) stays plain text.
    nonce: String,
    redactor: Redactor,
}

const OPEN: &str = "{{secret:";
const CLOSE: &str = "}}";

impl SecretsCap {
    /// The capability for a manifest's `declared` secrets, of which `set` keeps those declared.
    pub fn new(declared: BTreeMap<String, Vec<HostPattern>>, mut set: BTreeMap<String, Secret>, nonce: String) -> Self {
        set.retain(|name, _| declared.contains_key(name));
        let redactor = Redactor::new(set.iter().map(|(name, s)| (name.as_str(), s.value.as_str())));
        Self { declared, set, nonce, redactor }
    }

    /// What scrubs this step's secret values from responses, outputs, errors and logs.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The placeholder of secret `name` in this step.
    pub fn placeholder(&self, name: &str) -> String {
        format!("{OPEN}{name}{}", self.placeholder_suffix())
    }

    /// How every placeholder of this step ends: `#NONCE}}`.
    pub fn placeholder_suffix(&self) -> String {
        format!("#{}{CLOSE}", self.nonce)
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
            let secret = self.sendable(name, urls)?;
            out.push_str(&rest[..start]);
            out.push_str(&secret.value);
            rest = &after[end + CLOSE.len()..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

impl SecretsCap {
    /// Secret `name` if it may go to `urls[0]`: the owner's binding and the manifest's
    /// declaration must both match (any of `urls`, see `NetPolicy::judged_as`).
    fn sendable(&self, name: &str, urls: &[Url]) -> Result<&Secret, String> {
        let secret = self.set.get(name).ok_or_else(|| format!("secret `{name}` is not available to this plugin"))?;
        let declared = self.declared.get(name).map(Vec::as_slice).unwrap_or_default();
        let target = urls.first().map(origin).unwrap_or_default();
        let matches = |hosts: &[HostPattern]| urls.iter().any(|url| any_matches(hosts, url));
        if secret.hosts.is_empty() {
            return Err(format!(
                "secret `{name}` is bound to no host, so it is not sent to {target}; hint: set it again with the \
                 hosts it is for: `\"hosts\": [\"{target}\"]` in the API, Allowed hosts on the settings page, \
                 `roost secret set {name} --host {target}`, or ROOST_SECRET_{name}_HOSTS={target} for `roost run`"
            ));
        }
        if !matches(&secret.hosts) {
            return Err(format!(
                "secret `{name}` is not bound to {target}; its owner bound it to: {}; hint: to use it there, \
                 set it again with {target} among its hosts",
                list(&secret.hosts)
            ));
        }
        if !matches(declared) {
            return Err(format!(
                "secret `{name}` may not be sent to {target}: the plugin's manifest declares it for {} only",
                list(declared)
            ));
        }
        Ok(secret)
    }
}

fn list(hosts: &[HostPattern]) -> String {
    hosts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// An owner's binding of a secret to hosts, checked: each entry a `scheme://host[:port]`
/// pattern, none of them every host (`https://*`), which would let whoever writes a
/// workflow pick where the value goes. `what` names the list in errors.
pub fn parse_binding<S: AsRef<str>>(what: &str, hosts: &[S]) -> Result<Vec<HostPattern>, String> {
    let mut out = Vec::with_capacity(hosts.len());
    for (i, host) in hosts.iter().enumerate() {
        let pattern = HostPattern::parse(host.as_ref()).map_err(|e| format!("{what}[{i}]: {e}"))?;
        if pattern.is_any_host() {
            return Err(format!(
                "{what}[{i}]: `{pattern}` would let the value go to any host a workflow names; name the hosts it is \
                 for, e.g. `https://mastodon.social` or `https://*.example.com`"
            ));
        }
        out.push(pattern);
    }
    Ok(out)
}

/// `scheme://host[:port]` of `url`, as a user would write it in an allow-list.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

impl SecretsCap {
    /// The secret `name` if the manifest declares it and the workspace has set it.
    fn usable(&self, name: &str) -> Result<&Secret, SecretError> {
        if !self.declared.contains_key(name) {
            return Err(SecretError::NotDeclared);
        }
        self.set.get(name).ok_or(SecretError::NotSet)
    }
}

impl Host for StepState {
    async fn placeholder(&mut self, name: String) -> wasmtime::Result<Result<String, SecretError>> {
        super::calls::HostCalls::count(&mut self.calls.secrets);
        Ok(self.secrets.usable(&name).map(|_| self.secrets.placeholder(&name)))
    }

    async fn hmac_sha256(&mut self, name: String, message: Vec<u8>) -> wasmtime::Result<Result<String, SecretError>> {
        super::calls::HostCalls::count(&mut self.calls.secrets);
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

    fn patterns(hosts: &[&str]) -> Vec<HostPattern> {
        hosts.iter().map(|h| HostPattern::parse(h).unwrap()).collect()
    }

    /// `TOKEN` bound by its owner to `owner`, declared by the manifest for `https://*`.
    fn cap_bound(owner: &[&str]) -> SecretsCap {
        let set = BTreeMap::from([("TOKEN".to_string(), Secret { value: "s3cr3t".into(), hosts: patterns(owner) })]);
        SecretsCap::new(BTreeMap::from([("TOKEN".into(), patterns(&["https://*"]))]), set, "n0nce".into())
    }

    fn cap() -> SecretsCap {
        cap_bound(&["https://api.example.com"])
    }

    #[test]
    fn the_owners_binding_and_the_manifest_must_both_allow_the_host() {
        let send = |cap: SecretsCap, url: &str| {
            cap.substitute(&[Url::parse(url).unwrap()], "{{secret:TOKEN#n0nce}}").map_err(|e| {
                assert!(!e.contains("s3cr3t"), "{e}");
                e
            })
        };
        let unbound = send(cap_bound(&[]), "https://api.example.com/x").unwrap_err();
        assert!(unbound.contains("secret `TOKEN` is bound to no host") && unbound.contains("hint:"), "{unbound}");
        assert!(unbound.contains("\"hosts\": [\"https://api.example.com\"]"), "{unbound}");
        let plain = send(cap_bound(&["http://api.example.com"]), "http://api.example.com/x").unwrap_err();
        assert!(plain.contains("the plugin's manifest declares it for https://* only"), "{plain}");
        assert_eq!(send(cap_bound(&["https://*.example.com"]), "https://api.example.com/x").unwrap(), "s3cr3t");
    }

    #[test]
    fn a_binding_names_hosts_not_every_host() {
        assert_eq!(parse_binding("hosts", &["https://*.example.com"]).unwrap()[0].to_string(), "https://*.example.com");
        let any = parse_binding("hosts", &["https://a.test", "https://*"]).unwrap_err();
        assert!(any.starts_with("hosts[1]: `https://*` would let the value go to any host"), "{any}");
        assert!(parse_binding("hosts", &["mastodon.social"]).unwrap_err().starts_with("hosts[0]: "));
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
