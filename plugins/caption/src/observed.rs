//! Hashtags seen in listened-to mentions, counted per UTC day in the plugin's kv (the
//! `observe` action), and their totals over the last 7 and 28 days for suggestions.
//!
//! One kv key per day, `tags:YYYY-MM-DD`, holds each tag's mentions, how many of them
//! were negative and its spellings; it expires after [`KEEP_DAYS`] + 1 days. A day also
//! remembers (hashed) which steps counted into it, so a retried step, which keeps its
//! idempotency key, never counts twice, even when it failed between two days' writes.

use std::collections::{BTreeMap, BTreeSet};

use roost_sdk::{StepError, kv};
use serde::{Deserialize, Serialize};

use crate::day::{self, Day};
use crate::hashtags;
use crate::problem::mixes_scripts;

/// Days of counts kept and read: four weeks shows what a community uses, not one event.
pub const KEEP_DAYS: Day = 28;
/// The recent window that weighs more in ranking.
pub const RECENT_DAYS: Day = 7;
/// Tags kept per day, least counted dropped first: bounds a day's value under spam.
pub const MAX_TAGS_PER_DAY: usize = 500;
/// Longer tags are ignored: they are spam or sentences, never a community's tag.
pub const MAX_TAG_CHARS: usize = 50;
/// Tags counted per mention: a post stuffed with tags counts like one with ten.
pub const MAX_TAGS_PER_MENTION: usize = 10;
/// Characters of a mention read for tags.
const MAX_TEXT_CHARS: usize = 5_000;
/// Spellings kept per tag (`#RustLang`, `#rustlang`), to show the most-seen one.
const MAX_SPELLINGS: usize = 4;
/// Distinct authors a tag needs over the window before it is suggested: one account
/// (or one anonymous crowd) cannot push a tag onto the brand's posts.
pub const MIN_AUTHORS: usize = 3;
/// Author hashes kept per tag and day: [`MIN_AUTHORS`] per day is enough to know whether
/// the window holds that many, and bounds a day's value.
const MAX_AUTHORS: usize = MIN_AUTHORS;
/// What mentions without an author count as: one anonymous author together.
pub const ANONYMOUS: &str = "anon";
/// Steps remembered per day: a retry comes long before this many later runs.
const MAX_STEPS: usize = 64;
const TTL_SECONDS: u32 = (KEEP_DAYS as u32 + 1) * 86_400;

/// One tag on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    /// Mentions that carried the tag.
    pub n: u64,
    /// Of those, the negative ones.
    pub neg: u64,
    pub spellings: BTreeMap<String, u64>,
    /// Hashes of up to [`MAX_AUTHORS`] distinct authors who used the tag that day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
}

impl TagCount {
    fn add_author(&mut self, author: &str) {
        if self.authors.len() < MAX_AUTHORS && !self.authors.iter().any(|a| a == author) {
            self.authors.push(author.to_string());
        }
    }
}

/// The tags of one day, keyed by their lowercase body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    pub tags: BTreeMap<String, TagCount>,
    /// Hashes of the idempotency keys of the steps that counted into this day.
    #[serde(default)]
    pub steps: Vec<String>,
}

impl DayCounts {
    /// Counts one mention's tags by `author` (an [`author_hash`]): each once, at most
    /// [`MAX_TAGS_PER_MENTION`]. Tags that mix scripts are not counted: they pass for
    /// another tag and are never suggested.
    pub fn add_mention(&mut self, text: &str, negative: bool, author: &str) -> usize {
        let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
        let tags: Vec<String> = hashtags::existing(&text)
            .into_iter()
            .filter(|t| t.chars().count() <= MAX_TAG_CHARS + 1 && !mixes_scripts(&t[1..]))
            .take(MAX_TAGS_PER_MENTION)
            .collect();
        for tag in &tags {
            let body = &tag[1..];
            let count = self.tags.entry(body.to_lowercase()).or_default();
            count.n += 1;
            count.neg += u64::from(negative);
            *count.spellings.entry(body.to_string()).or_default() += 1;
            count.add_author(author);
        }
        tags.len()
    }

    /// Adds `other`'s counts, then keeps the [`MAX_TAGS_PER_DAY`] most counted tags.
    pub fn merge(&mut self, other: &DayCounts) {
        for (key, count) in &other.tags {
            let mine = self.tags.entry(key.clone()).or_default();
            mine.n += count.n;
            mine.neg += count.neg;
            for (spelling, n) in &count.spellings {
                *mine.spellings.entry(spelling.clone()).or_default() += n;
            }
            keep_most(&mut mine.spellings, MAX_SPELLINGS);
            for author in &count.authors {
                mine.add_author(author);
            }
        }
        if self.tags.len() > MAX_TAGS_PER_DAY {
            let mut ranked: Vec<(String, u64)> = self.tags.iter().map(|(k, c)| (k.clone(), c.n)).collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            for (key, _) in &ranked[MAX_TAGS_PER_DAY..] {
                self.tags.remove(key);
            }
        }
    }
}

fn keep_most(map: &mut BTreeMap<String, u64>, max: usize) {
    while map.len() > max {
        let least = map.iter().min_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(k, _)| k.clone());
        map.remove(&least.unwrap_or_default());
    }
}

/// The kv key of `day`'s counts.
pub fn key(day: Day) -> String {
    format!("tags:{}", day::name(day))
}

/// Adds `counts` to `day` in kv unless the step `step` (a hashed idempotency key) already
/// did; true when it was added.
pub fn record(day: Day, counts: &DayCounts, step: &str) -> Result<bool, StepError> {
    let key = key(day);
    let mut stored: DayCounts = kv::get_json(&key)?.unwrap_or_default();
    if !step.is_empty() && stored.steps.iter().any(|s| s == step) {
        return Ok(false);
    }
    stored.merge(counts);
    if !step.is_empty() {
        stored.steps.push(step.to_string());
        let excess = stored.steps.len().saturating_sub(MAX_STEPS);
        stored.steps.drain(..excess);
    }
    kv::set_json(&key, &stored, Some(TTL_SECONDS))?;
    Ok(true)
}

/// A tag's totals over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stat {
    /// The most-seen spelling, without `#`.
    pub display: String,
    pub mentions_7d: u64,
    pub mentions_28d: u64,
    pub negative_28d: u64,
    /// Distinct authors over the window, as far as the days kept them (at least up to
    /// [`MIN_AUTHORS`]).
    pub authors: usize,
}

/// Every tag seen in the last [`KEEP_DAYS`] days, keyed by lowercase body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    pub tags: BTreeMap<String, Stat>,
    /// Days in the window that hold counts.
    pub days: usize,
}

impl Observed {
    /// The counts in kv of the [`KEEP_DAYS`] days up to `today`.
    pub fn load(today: Day) -> Result<Self, StepError> {
        let mut days = Vec::new();
        for day in today - KEEP_DAYS + 1..=today {
            if let Some(counts) = kv::get_json::<DayCounts>(&key(day))? {
                days.push((day, counts));
            }
        }
        Ok(Self::from_days(today, &days))
    }

    /// The totals of `days` as seen on `today`; days outside the window are left out.
    pub fn from_days(today: Day, days: &[(Day, DayCounts)]) -> Self {
        let mut spellings: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut authors: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        let mut observed = Self::default();
        for (day, counts) in days.iter().filter(|(d, c)| today - d < KEEP_DAYS && *d <= today && !c.tags.is_empty()) {
            observed.days += 1;
            for (key, count) in &counts.tags {
                let stat = observed.tags.entry(key.clone()).or_default();
                stat.mentions_28d += count.n;
                stat.negative_28d += count.neg;
                if today - day < RECENT_DAYS {
                    stat.mentions_7d += count.n;
                }
                for (spelling, n) in &count.spellings {
                    *spellings.entry(key.clone()).or_default().entry(spelling.clone()).or_default() += n;
                }
                authors.entry(key.clone()).or_default().extend(count.authors.iter().map(String::as_str));
            }
        }
        for (key, stat) in &mut observed.tags {
            stat.display = spellings.get(key).and_then(most_seen).unwrap_or_else(|| key.clone());
            stat.authors = authors.get(key).map_or(0, BTreeSet::len);
        }
        observed
    }
}

/// The most-seen spelling; on a tie the one with more capitals (easier to read aloud).
fn most_seen(spellings: &BTreeMap<String, u64>) -> Option<String> {
    let capitals = |s: &str| s.chars().filter(|c| c.is_uppercase()).count();
    spellings
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(capitals(a.0).cmp(&capitals(b.0))).then(b.0.cmp(a.0)))
        .map(|(s, _)| s.clone())
}

/// A short stable hash of an idempotency key (FNV-1a, 64 bits, hex).
pub fn step_hash(idempotency_key: &str) -> String {
    if idempotency_key.is_empty() {
        return String::new();
    }
    format!("{:016x}", fnv1a(idempotency_key))
}

/// What an author counts as: a short hash of who wrote a mention (such as
/// `mastodon:@ada@example.social`), or [`ANONYMOUS`] for no author. Only hashes are kept.
pub fn author_hash(who: &str) -> String {
    let who = who.trim().to_lowercase();
    if who.is_empty() { ANONYMOUS.to_string() } else { format!("{:012x}", fnv1a(&who) >> 16) }
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_tag_once_per_mention_with_spellings() {
        let mut day = DayCounts::default();
        assert_eq!(day.add_mention("#RustLang is great #rustlang #WASM", false, ANONYMOUS), 2);
        day.add_mention("Down again #rustlang", true, ANONYMOUS);
        let rust = &day.tags["rustlang"];
        assert_eq!((rust.n, rust.neg), (2, 1));
        assert_eq!(rust.spellings.values().sum::<u64>(), 2);
        let long = format!("#{}", "a".repeat(MAX_TAG_CHARS + 1));
        assert_eq!(day.add_mention(&long, false, ANONYMOUS), 0, "overlong tags are ignored");
        let stuffed: String = (0..30).map(|i| format!("#t{i:02}x ")).collect();
        assert_eq!(day.add_mention(&stuffed, false, ANONYMOUS), MAX_TAGS_PER_MENTION);
    }

    #[test]
    fn a_day_keeps_its_most_counted_tags() {
        let mut day = DayCounts::default();
        let mut many = DayCounts::default();
        for i in 0..MAX_TAGS_PER_DAY + 50 {
            many.add_mention(&format!("#tag{i:04}x"), false, ANONYMOUS);
        }
        many.add_mention("#tag0549x", false, ANONYMOUS);
        day.merge(&many);
        assert_eq!(day.tags.len(), MAX_TAGS_PER_DAY);
        assert!(day.tags.contains_key("tag0549x"), "the most counted stays");
        assert!(!day.tags.contains_key("tag0548x"), "of the least counted, the last ones went");
    }

    #[test]
    fn totals_weigh_the_last_week_and_pick_the_most_seen_spelling() {
        let mut old = DayCounts::default();
        old.add_mention("#rustlang", false, ANONYMOUS);
        let mut recent = DayCounts::default();
        recent.add_mention("#RustLang", false, ANONYMOUS);
        recent.add_mention("#RustLang", true, ANONYMOUS);
        let today = 20_000;
        let days = [(today - 30, recent.clone()), (today - 20, old), (today - 1, recent)];
        let observed = Observed::from_days(today, &days);
        let stat = &observed.tags["rustlang"];
        assert_eq!((stat.mentions_7d, stat.mentions_28d, stat.negative_28d), (2, 3, 1));
        assert_eq!(stat.display, "RustLang");
        assert_eq!(observed.days, 2, "the day 30 days ago is out of the window");
    }

    #[test]
    fn counts_distinct_authors_bounded_per_day_and_over_the_window() {
        let today = 20_000;
        let mut day = DayCounts::default();
        for who in ["a", "b", "a", "c", "d", "e"] {
            day.add_mention("#SummerSale", false, &author_hash(who));
        }
        assert_eq!(day.tags["summersale"].authors.len(), MAX_AUTHORS, "a day keeps a few");
        let mut one = DayCounts::default();
        let mut two = DayCounts::default();
        for _ in 0..5 {
            one.add_mention("#Acme #AcmeLies", false, &author_hash("troll"));
            two.add_mention("#Acme", false, ANONYMOUS);
            two.add_mention("#AcmeLies", false, &author_hash(" Troll "));
        }
        two.add_mention("#Acme", false, &author_hash("ada"));
        let observed = Observed::from_days(today, &[(today - 1, one), (today, two), (today - 2, day)]);
        assert_eq!(observed.tags["acmelies"].authors, 1, "one author on two days is one");
        assert_eq!(observed.tags["acme"].authors, 3, "troll, the anonymous crowd and ada");
        assert_eq!(observed.tags["summersale"].authors, MAX_AUTHORS);
        assert_eq!(author_hash(""), ANONYMOUS);
        assert_ne!(author_hash("ada"), author_hash("bob"));
        let mut mixed = DayCounts::default();
        assert_eq!(mixed.add_mention("#AcmeOutаge #Acme", false, ANONYMOUS), 1, "a mixed-script tag is not counted");
    }

    #[test]
    fn step_hashes_are_stable_and_short() {
        assert_eq!(step_hash("run-1/step-1"), step_hash("run-1/step-1"));
        assert_ne!(step_hash("run-1/step-1"), step_hash("run-2/step-1"));
        assert_eq!(step_hash("run-1/step-1").len(), 16);
        assert_eq!(step_hash(""), "");
    }
}
