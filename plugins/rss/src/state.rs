//! What the plugin keeps per feed between fetches, in one kv value: the validators for
//! conditional GET, the ids already returned, and the last output for replays.

use serde::{Deserialize, Serialize};

/// How many ids are remembered at least (more when one document holds more).
pub const SEEN_MAX: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Ids already returned or skipped, oldest first.
    #[serde(default)]
    pub seen: Vec<String>,
    /// The idempotency key and output of the last fetch, so a retry of that same step
    /// gets the same items instead of none.
    pub last: Option<(String, serde_json::Value)>,
}

impl FeedState {
    /// The kv key for the feed named `key` (the URL unless the step names another).
    pub fn kv_key(key: &str) -> String {
        // Keys are capped at 512 bytes; a long URL is hashed.
        if key.len() <= 400 {
            return format!("feed:{key}");
        }
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        format!("feed:#{hash:016x}")
    }

    pub fn has_seen(&self, id: &str) -> bool {
        self.seen.iter().any(|s| s == id)
    }

    /// Remembers `ids` (in document order, oldest first) as seen, keeping the newest
    /// [`SEEN_MAX`], or all of the current document when it holds more.
    pub fn remember(&mut self, ids: &[String]) {
        self.seen.retain(|s| !ids.contains(s));
        self.seen.extend(ids.iter().cloned());
        let keep = SEEN_MAX.max(ids.len());
        if self.seen.len() > keep {
            self.seen.drain(..self.seen.len() - keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_bounded_ordered_set() {
        let mut state = FeedState::default();
        state.remember(&["a".into(), "b".into()]);
        state.remember(&["b".into(), "c".into()]);
        assert_eq!(state.seen, ["a", "b", "c"]);
        let many: Vec<String> = (0..1500).map(|i| i.to_string()).collect();
        state.remember(&many[..1200]);
        assert_eq!(state.seen.len(), 1200, "a document's own ids are all kept");
        state.remember(&many[1200..]);
        assert_eq!(state.seen.len(), SEEN_MAX);
        assert_eq!(state.seen.last().unwrap(), "1499");
        assert!(state.has_seen("1499") && !state.has_seen("a"));
    }

    #[test]
    fn kv_keys_stay_short() {
        assert_eq!(FeedState::kv_key("https://x.example/feed"), "feed:https://x.example/feed");
        let long = format!("https://x.example/{}", "a".repeat(600));
        assert!(FeedState::kv_key(&long).len() < 40);
    }
}
