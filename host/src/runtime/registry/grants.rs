//! A manifest's permissions as plain lines (`http https://api.example`, `kv`,
//! `secret TOKEN -> https://api.example`), and what one version adds or drops against another.

use std::collections::BTreeSet;

use crate::runtime::manifest::Permissions;

/// Every permission `p` asks for, one line each, sorted.
pub fn lines(p: &Permissions) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = p.http.iter().map(|h| format!("http {h}")).collect();
    if p.kv {
        out.insert("kv".into());
    }
    for (name, hosts) in &p.secrets {
        if hosts.is_empty() {
            out.insert(format!("secret {name} -> (no host)"));
        }
        for h in hosts {
            out.insert(format!("secret {name} -> {h}"));
        }
    }
    out
}

/// What `new` asks for beyond `old`, and what it no longer asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl PermissionDiff {
    pub fn between(old: &Permissions, new: &Permissions) -> Self {
        let (old, new) = (lines(old), lines(new));
        Self { added: new.difference(&old).cloned().collect(), removed: old.difference(&new).cloned().collect() }
    }

    /// Whether `new` may do something `old` could not.
    pub fn widens(&self) -> bool {
        !self.added.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::manifest::Manifest;

    fn perms(extra: &str) -> Permissions {
        let text = format!(
            "id = \"p\"\nversion = \"0.1.0\"\napi = \"0.1.0\"\n[[actions]]\nid = \"a\"\n[permissions]\n{extra}"
        );
        Manifest::parse("p.toml", &text).unwrap().permissions
    }

    #[test]
    fn a_new_host_and_secret_widen_and_a_dropped_kv_is_removed() {
        let old = perms("kv = true\nhttp = [\"https://api.example\"]");
        let new = perms("http = [\"https://*\"]\nsecrets = { TOKEN = [\"https://*\"] }");
        let diff = PermissionDiff::between(&old, &new);
        assert_eq!(diff.added, vec!["http https://*", "secret TOKEN -> https://*"]);
        assert_eq!(diff.removed, vec!["http https://api.example", "kv"]);
        assert!(diff.widens());
        assert!(!PermissionDiff::between(&new, &perms("http = [\"https://*\"]")).widens());
    }
}
