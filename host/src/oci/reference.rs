//! OCI references: `registry[:port]/repository[:tag][@sha256:<hex>]`, parsed and checked.

use std::fmt;

use super::OciError;

/// Longest reference accepted, before any parsing: longer text is not a reference.
const MAX_REFERENCE: usize = 512;

/// A parsed reference. The registry is always explicit: Roost guesses no default registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host` or `host:port`.
    pub registry: String,
    /// `owner/name`, lowercase path components.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<64 hex>`.
    pub digest: Option<String>,
}

impl Reference {
    pub fn parse(text: &str) -> Result<Self, OciError> {
        let bad = |reason: &str| OciError::BadReference { reference: shorten(text), reason: reason.to_string() };
        if text.len() > MAX_REFERENCE {
            return Err(bad(&format!("longer than {MAX_REFERENCE} characters")));
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                check_digest(digest).map_err(|r| bad(&r))?;
                (rest, Some(digest.to_string()))
            }
            None => (text, None),
        };
        let (registry, path) = rest
            .split_once('/')
            .filter(|(host, _)| host.contains('.') || host.contains(':') || *host == "localhost")
            .ok_or_else(|| bad("it names no registry (write it as host[:port]/repository:tag)"))?;
        check_registry(registry).map_err(|r| bad(&r))?;
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_string())),
            _ => (path, None),
        };
        check_repository(repository).map_err(|r| bad(&r))?;
        if let Some(tag) = &tag {
            check_tag(tag).map_err(|r| bad(&r))?;
        }
        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        Ok(Self { registry: registry.to_string(), repository: repository.to_string(), tag, digest })
    }

    /// What to ask the registry's manifest endpoint for: the digest if known, else the tag.
    pub fn target(&self) -> &str {
        self.digest.as_deref().or(self.tag.as_deref()).unwrap_or("latest")
    }

    /// The same repository, pinned to `digest`, the tag kept for the reader.
    pub fn pinned(&self, digest: &str) -> Self {
        Self { digest: Some(digest.to_string()), ..self.clone() }
    }

    /// `registry/repository`, as cosign's payload names the image.
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// A reference quoted in an error: never more than 100 characters of what was given.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// `sha256:` and 64 lowercase hex digits: the only digest algorithm accepted.
pub fn check_digest(digest: &str) -> Result<(), String> {
    let hex = digest.strip_prefix("sha256:").ok_or("the digest is not sha256:<hex>")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err("the digest is not 64 lowercase hex digits".into());
    }
    Ok(())
}

fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = match registry.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || registry.starts_with('[') => (host, Some(port)),
        _ => (registry, None),
    };
    if let Some(port) = port {
        port.parse::<u16>().map_err(|_| format!("registry port `{port}` is not a number"))?;
    }
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    host_ok.then_some(()).ok_or_else(|| format!("registry host `{host}` is not a host name"))
}

fn check_repository(repository: &str) -> Result<(), String> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
            && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && c.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
    };
    if repository.split('/').all(component_ok) {
        Ok(())
    } else {
        Err(format!("repository `{repository}` is not lowercase letters, digits and . _ - separated by /"))
    }
}

fn check_tag(tag: &str) -> Result<(), String> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && !tag.starts_with(['.', '-'])
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(()).ok_or_else(|| format!("tag `{tag}` is not 1-128 letters, digits and . _ -"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_digests_and_ports() {
        let r = Reference::parse("127.0.0.1:5000/roost/sentiment:0.1.0").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "roost/sentiment", Some("0.1.0"))
        );
        let hex = "a".repeat(64);
        let r = Reference::parse(&format!("ghcr.io/o/p@sha256:{hex}")).unwrap();
        assert_eq!((r.tag, r.digest.as_deref()), (None, Some(format!("sha256:{hex}").as_str())));
        assert_eq!(Reference::parse("localhost/p").unwrap().tag.as_deref(), Some("latest"));
        let both = Reference::parse(&format!("ghcr.io/o/p:1@sha256:{hex}")).unwrap();
        assert_eq!(both.to_string(), format!("ghcr.io/o/p:1@sha256:{hex}"));
    }

    #[test]
    fn refuses_what_is_not_a_reference() {
        for bad in [
            "sentiment:1",
            "ghcr.io/Owner/p",
            "ghcr.io/o/p:-x",
            "ghcr.io/o/p@sha256:abc",
            "ghcr.io/o/p@md5:x",
            "a.b:99999/p",
            "ghcr.io//p",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad} was accepted");
        }
        let e = Reference::parse("sentiment").unwrap_err().to_string();
        assert!(e.contains("names no registry"), "{e}");
        assert!(Reference::parse(&"x".repeat(600)).unwrap_err().to_string().contains("longer than"));
    }
}
