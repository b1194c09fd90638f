//! Record keys and AT-URIs: a TID-format rkey derived from a step's idempotency key, so
//! every attempt of a step writes to the same key, and `at://repo/collection/rkey` parsing.

use sha2::{Digest, Sha256};

/// The base32-sortable alphabet of TIDs.
const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// 2023-01-01T00:00:00Z in microseconds: derived TIDs carry a time from here on.
const TIME_BASE_US: u64 = 1_672_531_200_000_000;
/// Derived times spread over 2^46 µs (about 2.2 years) after [`TIME_BASE_US`].
const TIME_SPREAD_BITS: u32 = 46;

/// The TID-format record key for `idempotency_key`: a 53-bit microsecond time (top bit 0)
/// and a 10-bit clock id, both taken from a SHA-256 digest of the key, so the same key
/// always gives the same rkey and different keys practically never collide (56 bits).
/// The time lies in 2023-2025, so the key also sorts like an ordinary past TID.
pub fn derive_tid(idempotency_key: &str) -> String {
    let digest =
        Sha256::new().chain_update(b"roost bluesky rkey\0").chain_update(idempotency_key.as_bytes()).finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let bits = u64::from_be_bytes(first);
    let time = TIME_BASE_US + ((bits >> 10) & ((1 << TIME_SPREAD_BITS) - 1));
    encode_tid((time << 10) | (bits & 0x3ff))
}

/// A 63-bit TID value as 13 base32-sortable characters.
pub fn encode_tid(value: u64) -> String {
    (0..13).map(|i| ALPHABET[((value >> (60 - 5 * i)) & 31) as usize] as char).collect()
}

/// The TID syntax: 13 characters of the alphabet, the first with the top bit clear.
pub fn is_tid(s: &str) -> bool {
    s.len() == 13 && s.bytes().all(|b| ALPHABET.contains(&b)) && matches!(s.as_bytes()[0], b'2'..=b'7' | b'a'..=b'j')
}

/// The parts of `at://<repo>/<collection>/<rkey>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtUri {
    /// A DID or a handle.
    pub repo: String,
    pub collection: String,
    pub rkey: String,
}

impl AtUri {
    /// Parses a record's AT-URI; the error says what is wrong with it.
    pub fn parse(uri: &str) -> Result<Self, String> {
        let rest = uri.strip_prefix("at://").ok_or("an AT-URI starts with `at://`")?;
        let parts: Vec<&str> = rest.split('/').collect();
        let [repo, collection, rkey] = parts[..] else {
            return Err("an AT-URI of a record has the form at://<did or handle>/<collection>/<record key>".into());
        };
        if !(repo.starts_with("did:") && repo.len() > 8 || crate::richtext::is_handle(repo)) {
            return Err(format!("`{repo}` is neither a DID nor a handle"));
        }
        let nsid_ok = collection.split('.').count() >= 3
            && collection
                .split('.')
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !nsid_ok {
            return Err(format!("`{collection}` is not a collection NSID such as app.bsky.feed.post"));
        }
        let rkey_ok = !rkey.is_empty()
            && rkey.len() <= 512
            && rkey != "."
            && rkey != ".."
            && rkey.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:~-".contains(&b));
        if !rkey_ok {
            return Err(format!("`{rkey}` is not a record key"));
        }
        Ok(Self { repo: repo.into(), collection: collection.into(), rkey: rkey.into() })
    }

    pub fn to_uri(&self) -> String {
        format!("at://{}/{}/{}", self.repo, self.collection, self.rkey)
    }
}

/// The bsky.app page of a post by `author` (handle, or DID when the handle is unknown).
pub fn post_url(author: &str, rkey: &str) -> String {
    format!("https://bsky.app/profile/{author}/post/{rkey}")
}

/// The bsky.app page of a profile.
pub fn profile_url(actor: &str) -> String {
    format!("https://bsky.app/profile/{actor}")
}

/// The record key of a post's AT-URI, or the whole string when it is not one.
pub fn rkey_of(uri: &str) -> &str {
    uri.rsplit('/').next().unwrap_or(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_rkeys_are_stable_valid_tids() {
        let a = derive_tid("run-1/post");
        assert_eq!(a, derive_tid("run-1/post"), "the same key gives the same rkey");
        assert_ne!(a, derive_tid("run-1/post/0"));
        assert_ne!(a, derive_tid("run-2/post"));
        for key in ["", "x", "0190f0a2-7c1e-7b7a-9f00-123456789abc/post", "ü/🎉"] {
            let tid = derive_tid(key);
            assert!(is_tid(&tid), "{tid}");
            assert!(tid.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)), "[a-z2-7]{{13}}: {tid}");
        }
        // The time part lies in 2023-2025 and sorts like a TID of that time.
        assert!(derive_tid("k") > encode_tid(TIME_BASE_US << 10));
        assert!(derive_tid("k") < encode_tid((TIME_BASE_US + (1 << TIME_SPREAD_BITS)) << 10));
    }

    #[test]
    fn tids_encode_like_the_reference() {
        assert_eq!(encode_tid(0), "2222222222222");
        assert_eq!(encode_tid(u64::MAX >> 1), "bzzzzzzzzzzzz", "a 53-bit time leaves the top two of 65 bits clear");
        assert!(is_tid("3jzfcijpj2z2a"));
        assert!(is_tid("3lqxyz2abcd2k"));
        for bad in ["3jzfcijpj2z2", "kjzfcijpj2z2a", "3jzfcijpj2z21", "3JZFCIJPJ2Z2A"] {
            assert!(!is_tid(bad), "{bad}");
        }
    }

    #[test]
    fn at_uris_parse_into_repo_collection_and_rkey() {
        let uri = AtUri::parse("at://did:plc:abc123/app.bsky.feed.post/3lqxyz2abcd2k").unwrap();
        assert_eq!(
            uri,
            AtUri {
                repo: "did:plc:abc123".into(),
                collection: "app.bsky.feed.post".into(),
                rkey: "3lqxyz2abcd2k".into()
            }
        );
        assert_eq!(uri.to_uri(), "at://did:plc:abc123/app.bsky.feed.post/3lqxyz2abcd2k");
        assert_eq!(AtUri::parse("at://alice.test/app.bsky.feed.post/self").unwrap().repo, "alice.test");
        for bad in [
            "https://bsky.app/profile/alice.test/post/3lqxyz2abcd2k",
            "at://did:plc:abc123/app.bsky.feed.post",
            "at://did:plc:abc123/app.bsky.feed.post/a/b",
            "at://nobody/app.bsky.feed.post/3lqxyz2abcd2k",
            "at://did:plc:abc123/post/3lqxyz2abcd2k",
            "at://did:plc:abc123/app.bsky.feed.post/..",
            "at://did:plc:abc123/app.bsky.feed.post/a b",
        ] {
            assert!(AtUri::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(rkey_of("at://did:plc:abc/app.bsky.feed.post/3k"), "3k");
    }
}
