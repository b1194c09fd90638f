//! Hashtag suggestions: the text's own `#tags`, the keywords as tags, then observed tags
//! that fit the text, ranked by how often listened-to mentions used them lately.
//!
//! An observed tag fits when a content word of the text (no stopword, generic or number
//! word) equals a word of the tag (split at CamelCase, `_` and digits), or one is a prefix
//! or suffix of the other and the shorter has at least 5 letters: "Sommerfest" fits
//! `#Sommerfest2026`, "Kundenservice" fits `#Service` (a German compound ends in its
//! head noun), "open source" fits `#OpenSource`. A word found in many observed tags (a
//! brand's name: `#Acme`, `#AcmeApp`, `#AcmeJobs`, ...) fits only the tag that is that
//! word alone, so "Acme" in a text suggests `#Acme`, not every Acme tag.
//!
//! Never suggested: generic tags, tags that mix scripts or hold a problem word (keyword
//! tags included), tags whose mentions are mostly negative, tags used by fewer than
//! [`MIN_AUTHORS`] distinct authors, and any observed tag for an incident or a sensitive
//! topic. No tag is made from the text's other words.

use serde::Serialize;

use crate::generic::is_generic;
use crate::hashtags::{self, contains};
use crate::kind::Kind;
use crate::observed::{MIN_AUTHORS, Observed, Stat};
use crate::problem::is_refused_tag;

/// Observed tags need this many mentions in 28 days: one post is no community.
pub const MIN_MENTIONS: u64 = 2;
/// Mentions from which the negative share is trusted.
pub const MIN_MENTIONS_FOR_MOOD: u64 = 3;
/// From this share of negative mentions a tag is a complaint's tag.
pub const MAX_NEGATIVE_SHARE: f64 = 0.4;
/// How much more a mention of the last 7 days counts than an older one.
const RECENT_WEIGHT: u64 = 3;
/// The shortest word that matches a longer one by prefix or suffix.
const MIN_AFFIX_CHARS: usize = 5;
/// A word in this many observed tags is a hub (a brand's name), too broad to tie a text
/// to a longer tag.
const HUB_TAGS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Text,
    Keyword,
    Observed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub tag: String,
    pub source: Source,
    pub mentions_7d: u64,
    pub mentions_28d: u64,
}

/// Up to `max` tags for `text` with `keywords`, best first within each source.
pub fn suggest(text: &str, keywords: &[String], kind: Kind, observed: &Observed, max: usize) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Vec::new();
    let push = |tag: String, source: Source, out: &mut Vec<Suggestion>| {
        if out.len() < max && !contains(&out.iter().map(|s| s.tag.clone()).collect::<Vec<_>>(), &tag) {
            let stat = observed.tags.get(&tag[1..].to_lowercase()).cloned().unwrap_or_default();
            out.push(Suggestion { tag, source, mentions_7d: stat.mentions_7d, mentions_28d: stat.mentions_28d });
        }
    };
    for tag in hashtags::existing(text) {
        push(tag, Source::Text, &mut out);
    }
    for tag in keywords.iter().filter_map(|k| hashtags::from_phrase(k)) {
        if !is_refused_tag(&tag[1..]) {
            push(tag, Source::Keyword, &mut out);
        }
    }
    if kind == Kind::Announcement {
        for stat in ranked(text, observed) {
            push(format!("#{}", stat.display), Source::Observed, &mut out);
        }
    }
    out
}

/// The observed tags that fit `text` and may be suggested, best first.
fn ranked<'a>(text: &str, observed: &'a Observed) -> Vec<&'a Stat> {
    let words = content_words(text);
    let hubs = hubs(observed);
    let mut fitting: Vec<&Stat> = observed
        .tags
        .iter()
        .filter(|(key, stat)| allowed(key, stat) && fits(&words, key, &tag_words(&stat.display), &hubs))
        .map(|(_, stat)| stat)
        .collect();
    let score = |s: &Stat| RECENT_WEIGHT * s.mentions_7d + s.mentions_28d;
    fitting.sort_by(|a, b| score(b).cmp(&score(a)).then(b.mentions_28d.cmp(&a.mentions_28d)));
    fitting
}

/// Whether an observed tag may be suggested at all.
pub fn allowed(key: &str, stat: &Stat) -> bool {
    let words = tag_words(&stat.display);
    let mostly_negative = stat.mentions_28d >= MIN_MENTIONS_FOR_MOOD
        && stat.negative_28d as f64 >= MAX_NEGATIVE_SHARE * stat.mentions_28d as f64;
    stat.mentions_28d >= MIN_MENTIONS
        && stat.authors >= MIN_AUTHORS
        && !mostly_negative
        && !is_generic(key)
        && !words.iter().all(|w| is_generic(w))
        && !is_refused_tag(key)
        && !is_refused_tag(&stat.display)
}

/// Whether a content word of the text fits the tag `key` made of `tag_words`.
fn fits(words: &[String], key: &str, tag_words: &[String], hubs: &[String]) -> bool {
    let usable = |t: &String| !is_generic(t) && (tag_words.len() == 1 || !hubs.contains(t));
    words.iter().any(|w| w == key || tag_words.iter().any(|t| usable(t) && same_word(w, t)))
}

/// The words found in at least [`HUB_TAGS`] observed tags, sorted.
fn hubs(observed: &Observed) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for stat in observed.tags.values() {
        let mut words = tag_words(&stat.display);
        words.sort();
        words.dedup();
        for word in words {
            *counts.entry(word).or_default() += 1;
        }
    }
    counts.into_iter().filter(|(_, n)| *n >= HUB_TAGS).map(|(w, _)| w).collect()
}

/// Equal, or the shorter (of at least 5 letters) starts or ends the longer.
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.chars().count() <= b.chars().count() { (a, b) } else { (b, a) };
    short == long || (short.chars().count() >= MIN_AFFIX_CHARS && (long.starts_with(short) || long.ends_with(short)))
}

/// The lowercase content words of `text`, with each pair of neighbours joined
/// ("open source" also gives "opensource") and hyphenated words joined
/// ("Online-Shop" gives "online", "shop" and "onlineshop"). URLs and @mentions are skipped.
pub fn content_words(text: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for token in text.split_whitespace() {
        if token.starts_with('@') || token.contains("://") || token.starts_with("www.") {
            continue;
        }
        let parts: Vec<String> =
            token.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).map(str::to_lowercase).collect();
        if parts.len() > 1 {
            out.push(parts.concat());
        }
        all.extend(parts);
    }
    for pair in all.windows(2) {
        if !is_generic(&pair[0]) && !is_generic(&pair[1]) {
            out.push(format!("{}{}", pair[0], pair[1]));
        }
    }
    out.extend(all);
    out.retain(|w| w.chars().count() >= 3 && !is_generic(w));
    out.sort();
    out.dedup();
    out
}

/// The lowercase words of a tag body: `RustLang2026` gives "rust", "lang";
/// `rust_lang` gives "rust", "lang"; `HTMLParser` gives "html", "parser".
pub fn tag_words(body: &str) -> Vec<String> {
    let chars: Vec<char> = body.trim_start_matches('#').chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphabetic() {
            words.push(std::mem::take(&mut current));
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && (prev.is_some_and(char::is_lowercase)
                || (prev.is_some_and(char::is_uppercase) && next.is_some_and(|n| n.is_lowercase())));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    words.push(current);
    words.retain(|w| !w.is_empty());
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(display: &str, m7: u64, m28: u64, neg: u64) -> (String, Stat) {
        let stat = Stat {
            display: display.into(),
            mentions_7d: m7,
            mentions_28d: m28,
            negative_28d: neg,
            authors: MIN_AUTHORS,
        };
        (display.to_lowercase(), stat)
    }

    fn observed(stats: &[(&str, u64, u64, u64)]) -> Observed {
        let tags = stats.iter().map(|&(d, a, b, c)| stat(d, a, b, c)).collect();
        Observed { tags, days: 28 }
    }

    fn tags(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.tag.as_str()).collect()
    }

    #[test]
    fn splits_tags_into_words() {
        assert_eq!(tag_words("RustLang2026"), ["rust", "lang"]);
        assert_eq!(tag_words("rust_lang"), ["rust", "lang"]);
        assert_eq!(tag_words("HTMLParser"), ["html", "parser"]);
        assert_eq!(tag_words("KölnerDom"), ["kölner", "dom"]);
        assert_eq!(tag_words("rustlang"), ["rustlang"]);
    }

    #[test]
    fn content_words_join_neighbours_and_skip_generic_ones() {
        let words = content_words("Our new open source Online-Shop opens today in Köln https://x.test @ada");
        for w in ["open", "source", "opensource", "online", "shop", "onlineshop", "köln"] {
            assert!(words.contains(&w.to_string()), "{w} in {words:?}");
        }
        for w in ["new", "today", "our", "ada"] {
            assert!(!words.contains(&w.to_string()), "{w} in {words:?}");
        }
    }

    #[test]
    fn suggests_fitting_observed_tags_by_recent_use() {
        let obs = observed(&[
            ("Sommerfest2026", 1, 9, 0),
            ("Sommerfest", 6, 8, 0),
            ("Kundenservice", 3, 3, 0),
            ("Köln", 2, 12, 1),
            ("Heute", 40, 90, 0),
            ("AcmeOutage", 9, 9, 0),
            ("Kölle", 1, 1, 0),
        ]);
        let out = suggest("Unser Sommerfest in Köln", &["Grillen".into()], Kind::Announcement, &obs, 5);
        assert_eq!(tags(&out), ["#Grillen", "#Sommerfest", "#Köln", "#Sommerfest2026"]);
        assert_eq!((out[1].source, out[1].mentions_7d, out[1].mentions_28d), (Source::Observed, 6, 8));
        let service = suggest("Unser Service-Team", &[], Kind::Announcement, &obs, 5);
        assert_eq!(tags(&service), ["#Kundenservice"], "a compound's head matches");
    }

    #[test]
    fn never_problem_generic_or_mostly_negative_tags() {
        let obs = observed(&[
            ("AcmeApp", 5, 10, 6),
            ("AcmeDown", 9, 9, 0),
            ("News", 9, 90, 0),
            ("Acme", 5, 20, 2),
            ("AcmeJobs", 2, 4, 0),
        ]);
        let out = suggest("The Acme app update is here", &[], Kind::Announcement, &obs, 5);
        assert_eq!(tags(&out), ["#Acme"], "#AcmeJobs shares only the brand's name with the text");
        assert_eq!(tags(&suggest("Jobs at Acme", &[], Kind::Announcement, &obs, 5)), ["#Acme", "#AcmeJobs"]);
        let incident =
            suggest("Acme app outage #AcmeStatus", &["outage".into(), "App".into()], Kind::Incident, &obs, 5);
        assert_eq!(tags(&incident), ["#AcmeStatus", "#App"], "no problem keyword, no observed tag");
        assert!(suggest("Tag five letzten", &[], Kind::Announcement, &obs, 5).is_empty());
    }
}
