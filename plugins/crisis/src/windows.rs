//! Mentions into windows by their own timestamps: windows still open wait in the store
//! (with the ids seen in them, so a re-fetch counts nothing twice), closed ones are handed
//! out in order exactly once, gaps as windows of zero.

use std::collections::{BTreeMap, HashSet};

use chrono::DateTime;
use serde::{Deserialize, Serialize};

/// Mentions accepted in one call.
pub const MAX_MENTIONS: usize = 10_000;
/// Characters of one mention id.
pub const MAX_ID_CHARS: usize = 512;
/// History a call folds in at most (a backlog or a long pause): older windows are skipped.
pub const MAX_HISTORY_MS: i64 = 28 * 86_400_000;
/// Ids of mentions in open windows the store remembers; more are counted but not
/// remembered (so the state stays far under the store's 1 MiB per value).
pub const MAX_PENDING_IDS: usize = 20_000;
/// A compound score at or below this is negative (VADER's convention, as `sentiment` uses).
pub const NEGATIVE_COMPOUND: f64 = -0.05;

/// A mention as fetched (`mastodon/mentions`, `bluesky/mentions`), with its sentiment
/// attached; other fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct MentionIn {
    pub id: Option<String>,
    #[serde(default)]
    pub network: Option<String>,
    pub created_at: Option<String>,
    #[serde(default)]
    pub sentiment: Option<SentimentIn>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub compound: Option<f64>,
}

/// `sentiment/batch`'s result for a text (its other fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct SentimentIn {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub compound: Option<f64>,
}

/// A checked mention: when, which (a hash of network and id), and whether negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub at_ms: i64,
    pub id: u64,
    pub negative: bool,
}

fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.iter().flat_map(|p| p.bytes().chain([0])) {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn is_negative(i: usize, m: &MentionIn) -> Result<bool, String> {
    let (label, compound) = match &m.sentiment {
        Some(s) => (s.label.as_deref().or(m.label.as_deref()), s.compound.or(m.compound)),
        None => (m.label.as_deref(), m.compound),
    };
    match (label, compound) {
        (Some("negative"), _) => Ok(true),
        (Some("positive" | "neutral"), _) => Ok(false),
        (Some(other), _) => Err(format!(
            "`mentions[{i}].sentiment.label` is \"{}\"; give negative, neutral or positive",
            other.chars().take(40).collect::<String>()
        )),
        (None, Some(c)) if c.is_finite() => Ok(c <= NEGATIVE_COMPOUND),
        (None, _) => Err(format!(
            "`mentions[{i}]` has no sentiment: give `sentiment.label` or `sentiment.compound` \
             (attach `sentiment/batch` results with attach(mentions, results, 'sentiment'))"
        )),
    }
}

/// Checks the mentions, naming the first bad field.
pub fn parse(mentions: &[MentionIn]) -> Result<Vec<Mention>, String> {
    if mentions.len() > MAX_MENTIONS {
        return Err(format!("`mentions` holds {} items; give at most {MAX_MENTIONS} per call", mentions.len()));
    }
    let parse_one = |(i, m): (usize, &MentionIn)| {
        let id = m.id.as_deref().filter(|id| !id.is_empty() && id.chars().count() <= MAX_ID_CHARS);
        let id = id.ok_or_else(|| format!("`mentions[{i}].id` must be 1 to {MAX_ID_CHARS} characters"))?;
        let text = m.created_at.as_deref().ok_or_else(|| format!("`mentions[{i}].created_at` is missing"))?;
        let at = DateTime::parse_from_rfc3339(text).map_err(|e| {
            let shown: String = text.chars().take(40).collect();
            format!("`mentions[{i}].created_at` is `{shown}`, not an RFC 3339 time ({e})")
        })?;
        let network = m.network.as_deref().unwrap_or("");
        Ok(Mention { at_ms: at.timestamp_millis(), id: fnv1a(&[network, id]), negative: is_negative(i, m)? })
    };
    mentions.iter().enumerate().map(parse_one).collect()
}

/// The counts of a window not closed yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub count: u64,
    pub negative: u64,
    pub ids: Vec<u64>,
}

/// Mentions not counted, by why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    /// Already counted in an open window (a re-fetch).
    pub duplicate: u64,
    /// In a window already folded in (a re-fetch, or a mention that arrived too late).
    pub late: u64,
    /// Dated after the end of the current window (a wrong clock).
    pub future: u64,
    /// Older than the history a call folds in.
    pub too_old: u64,
}

/// A closed window: its start (Unix ms) and counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    pub start_ms: i64,
    pub count: u64,
    pub negative: u64,
}

/// Where folding stands, and the open windows' counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    /// The end of the last window folded in, Unix ms.
    pub folded_until: Option<i64>,
    pub pending: BTreeMap<i64, Pending>,
}

impl Tracker {
    /// Mentions waiting in open windows.
    pub fn pending_count(&self) -> u64 {
        self.pending.values().map(|p| p.count).sum()
    }

    /// Counts `mentions` into their windows of `window_ms` as seen at `at_ms`.
    pub fn add(&mut self, mentions: &[Mention], at_ms: i64, window_ms: i64) -> Ignored {
        let mut ignored = Ignored::default();
        let oldest = (at_ms - MAX_HISTORY_MS).div_euclid(window_ms) * window_ms;
        let mut remembered: usize = self.pending.values().map(|p| p.ids.len()).sum();
        let mut seen: HashSet<(i64, u64)> =
            self.pending.iter().flat_map(|(&s, p)| p.ids.iter().map(move |&id| (s, id))).collect();
        for m in mentions {
            let start = m.at_ms.div_euclid(window_ms) * window_ms;
            if self.folded_until.is_some_and(|f| start < f) {
                ignored.late += 1;
            } else if start < oldest {
                ignored.too_old += 1;
            } else if m.at_ms >= at_ms + window_ms {
                ignored.future += 1;
            } else {
                if seen.contains(&(start, m.id)) {
                    ignored.duplicate += 1;
                    continue;
                }
                let slot = self.pending.entry(start).or_default();
                if remembered < MAX_PENDING_IDS {
                    slot.ids.push(m.id);
                    seen.insert((start, m.id));
                    remembered += 1;
                }
                slot.count += 1;
                slot.negative += u64::from(m.negative);
            }
        }
        ignored
    }

    /// Hands out every window that ended by `at_ms` and was not folded in yet, oldest
    /// first; windows without mentions come as zeros. A new key starts at its oldest
    /// mention (a backlog is history), else at the current window.
    pub fn close(&mut self, at_ms: i64, window_ms: i64) -> Vec<Closed> {
        let current = at_ms.div_euclid(window_ms) * window_ms;
        let first = self.pending.keys().next().copied().unwrap_or(current).min(current);
        let from = self.folded_until.unwrap_or(first).max((current - MAX_HISTORY_MS).div_euclid(window_ms) * window_ms);
        let mut out = Vec::new();
        let mut start = from;
        while start + window_ms <= at_ms {
            let p = self.pending.remove(&start).unwrap_or_default();
            out.push(Closed { start_ms: start, count: p.count, negative: p.negative });
            start += window_ms;
        }
        self.pending.retain(|&s, _| s >= start);
        self.folded_until = Some(self.folded_until.map_or(start, |f| f.max(start)));
        out
    }
}
