//! What earlier runs already returned: the newest `indexedAt` and the most recent URIs,
//! kept in kv so that each run of `mentions` and `search` returns only new posts.
//!
//! Bluesky lists notifications and latest search hits newest first and has no "since"
//! cursor, so a run reads from the top and stops at the first item it has seen before:
//! one whose URI it remembers, or one indexed before the newest it remembers.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::shapes::micros;

/// How many URIs are remembered.
const MAX_URIS: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The newest `indexedAt` returned so far, in microseconds.
    pub newest_us: Option<i64>,
    /// The URIs returned most recently, newest last.
    pub uris: VecDeque<String>,
}

impl Seen {
    /// Whether the item `uri`, indexed at `indexed_at`, was returned before or is older.
    pub fn has_seen(&self, uri: &str, indexed_at: &str) -> bool {
        let older = match (micros(indexed_at), self.newest_us) {
            (Some(at), Some(newest)) => at < newest,
            _ => false,
        };
        older || self.uris.iter().any(|u| u == uri)
    }

    /// Remembers the items of a run (any order).
    pub fn remember<'a>(&mut self, items: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (uri, indexed_at) in items {
            if let Some(at) = micros(indexed_at) {
                self.newest_us = Some(self.newest_us.map_or(at, |n| n.max(at)));
            }
            if !self.uris.iter().any(|u| u == uri) {
                self.uris.push_back(uri.to_string());
            }
        }
        while self.uris.len() > MAX_URIS {
            self.uris.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_at_or_after_the_newest_are_new_unless_remembered() {
        let mut seen = Seen::default();
        assert!(!seen.has_seen("at://a/app.bsky.feed.post/1", "2026-08-21T10:00:00Z"));
        seen.remember([
            ("at://a/app.bsky.feed.post/1", "2026-08-21T10:00:00Z"),
            ("at://a/app.bsky.feed.post/0", "junk"),
        ]);
        assert_eq!(seen.newest_us, micros("2026-08-21T10:00:00Z"));
        assert!(seen.has_seen("at://a/app.bsky.feed.post/1", "2026-08-21T10:00:00Z"));
        assert!(seen.has_seen("at://a/app.bsky.feed.post/0", "junk"));
        assert!(seen.has_seen("at://a/app.bsky.feed.post/9", "2026-08-21T09:59:59.999Z"), "older");
        assert!(!seen.has_seen("at://a/app.bsky.feed.post/2", "2026-08-21T10:00:00Z"), "same time, other uri");
        assert!(!seen.has_seen("at://a/app.bsky.feed.post/3", "2026-08-21T12:00:00+02:00"), "same instant");
        assert!(!seen.has_seen("at://a/app.bsky.feed.post/4", "2026-08-21T10:00:01Z"));
    }

    #[test]
    fn the_uri_memory_is_bounded() {
        let mut seen = Seen::default();
        let uris: Vec<String> = (0..MAX_URIS + 10).map(|i| format!("at://a/app.bsky.feed.post/{i}")).collect();
        seen.remember(uris.iter().map(|u| (u.as_str(), "2026-01-01T00:00:00Z")));
        assert_eq!(seen.uris.len(), MAX_URIS);
        assert_eq!(seen.uris.front().unwrap(), "at://a/app.bsky.feed.post/10");
    }
}
