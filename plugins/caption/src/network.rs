//! Each network's length limit, counted the way the network counts, and trimming to it.
//!
//! Mastodon counts grapheme clusters, with every URL as 23 and a remote mention
//! `@user@domain` as `@user` (its `StatusLengthValidator`); Bluesky counts grapheme
//! clusters (≤ 300); `generic` counts grapheme clusters against 280, a size that fits
//! every network. Trimming first drops whole hashtags from the end of a trailing block of
//! them; when the sentences alone are too long it cuts them at a word boundary with `…`
//! and keeps as many whole hashtags as fit in half the room. A hashtag is never cut, and
//! neither is a URL: a cut right after one sets the `…` apart (" …") so the link still
//! points where it did, and a URL too long to keep is dropped whole.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// Where a caption will be posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    Mastodon,
    Bluesky,
    Generic,
}

const ELLIPSIS: &str = "…";

impl Network {
    /// The most a post may count on this network.
    pub fn limit(self) -> usize {
        match self {
            Self::Mastodon => 500,
            Self::Bluesky => 300,
            Self::Generic => 280,
        }
    }

    /// The network as `network` names it in the input.
    pub fn code(self) -> &'static str {
        match self {
            Self::Mastodon => "mastodon",
            Self::Bluesky => "bluesky",
            Self::Generic => "generic",
        }
    }

    /// The network's name in prompts and explanations.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mastodon => "Mastodon",
            Self::Bluesky => "Bluesky",
            Self::Generic => "social media",
        }
    }

    /// How many hashtags a caption for this network carries at most when we add them.
    pub fn hashtag_budget(self) -> usize {
        match self {
            Self::Mastodon => 4,
            Self::Bluesky => 2,
            Self::Generic => 3,
        }
    }

    /// The length of `text` as this network counts it.
    pub fn length(self, text: &str) -> usize {
        match self {
            Self::Mastodon => roost_sdk::length::status_length(text, ""),
            Self::Bluesky | Self::Generic => text.graphemes(true).count(),
        }
    }

    /// `text` cut to this network's limit (unchanged when it fits).
    pub fn fit(self, text: &str) -> Fitted {
        let limit = self.limit();
        if self.length(text) <= limit {
            return Fitted { text: text.to_string(), trimmed: false };
        }
        let (body, separator, tags) = split_trailing_tags(text);
        let with_tags = |n: usize| if n == 0 { String::new() } else { format!("{separator}{}", tags[..n].join(" ")) };
        // The sentences matter most: drop hashtags from the end while that keeps them whole.
        if let Some(n) = (0..tags.len()).rev().find(|&n| self.length(&format!("{body}{}", with_tags(n))) <= limit) {
            return Fitted { text: format!("{body}{}", with_tags(n)), trimmed: true };
        }
        // Too long even alone: cut the sentences, keeping tags that take at most half the room.
        let mut n = tags.len();
        while n > 0 && self.length(&with_tags(n)) > limit / 2 {
            n -= 1;
        }
        loop {
            let suffix = with_tags(n);
            if let Some(cut) = self.cut_body(body, limit - self.length(&suffix)) {
                return Fitted { text: format!("{cut}{suffix}"), trimmed: true };
            }
            if n == 0 {
                return Fitted { text: self.last_resort(body, limit), trimmed: true };
            }
            n -= 1;
        }
    }

    /// The longest prefix of `body` ending at a word boundary that fits `budget` with an
    /// ellipsis, or `None` when not even the first word does.
    fn cut_body(self, body: &str, budget: usize) -> Option<String> {
        if self.length(body) <= budget {
            return Some(body.to_string());
        }
        let ends: Vec<usize> = word_ends(body).collect();
        let candidate = |end: usize| {
            let kept = tidy_end(&body[..end]);
            let last = kept.rsplit(char::is_whitespace).next().unwrap_or_default();
            if is_url(last) { format!("{kept} {ELLIPSIS}") } else { format!("{kept}{ELLIPSIS}") }
        };
        let fitting = ends.partition_point(|&end| self.length(&candidate(end)) <= budget);
        (fitting > 0).then(|| candidate(ends[fitting - 1])).filter(|c| c != ELLIPSIS)
    }

    /// `body` when not even its first word fits: without the URLs too long to keep (never
    /// a cut link), else cut inside its first word.
    fn last_resort(self, body: &str, limit: usize) -> String {
        let words: Vec<&str> = body.split_whitespace().collect();
        let kept: Vec<&str> = words.iter().copied().filter(|w| !is_url(w) || self.length(w) < limit).collect();
        if kept.len() < words.len() && !kept.is_empty() {
            let rest = kept.join(" ");
            return self.cut_body(&rest, limit).unwrap_or_else(|| self.hard_cut(&rest, limit));
        }
        self.hard_cut(body, limit)
    }

    /// `body` cut inside its first word (a word longer than the whole limit).
    fn hard_cut(self, body: &str, limit: usize) -> String {
        let mut out = String::new();
        for g in body.graphemes(true) {
            if self.length(&format!("{out}{g}{ELLIPSIS}")) > limit {
                break;
            }
            out.push_str(g);
        }
        format!("{out}{ELLIPSIS}")
    }
}

/// A caption after [`Network::fit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    pub text: String,
    pub trimmed: bool,
}

/// Whether a whitespace-free token holds a link.
fn is_url(token: &str) -> bool {
    token.contains("://") || token.trim_start_matches(|c: char| "([{'\"".contains(c)).starts_with("www.")
}

/// Byte offsets where a word ends and whitespace follows, in order (the end of a
/// whitespace-free token, so a hashtag or URL is never split).
fn word_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.char_indices()
        .zip(text.chars().skip(1))
        .filter(|((_, c), next)| !c.is_whitespace() && next.is_whitespace())
        .map(|((i, c), _)| i + c.len_utf8())
}

/// `text` without the trailing spaces and punctuation that look wrong before an ellipsis.
fn tidy_end(text: &str) -> &str {
    text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '.'))
}

/// Splits `text` into its body, the separator before a trailing run of hashtags (a space,
/// or the line breaks there were), and those hashtags.
fn split_trailing_tags(text: &str) -> (&str, &str, Vec<&str>) {
    let trimmed = text.trim_end();
    let mut body_end = trimmed.len();
    let mut tags = Vec::new();
    loop {
        let head = trimmed[..body_end].trim_end();
        let start = head.char_indices().rfind(|(_, c)| c.is_whitespace()).map_or(0, |(i, c)| i + c.len_utf8());
        let token = &head[start..];
        if token.is_empty() || !crate::hashtags::is_hashtag(token) {
            break;
        }
        tags.push(token);
        body_end = start;
    }
    tags.reverse();
    let body = trimmed[..body_end].trim_end();
    if body.is_empty() {
        // Nothing but hashtags: treat them as the body, to be cut like words.
        return (trimmed, "", Vec::new());
    }
    // Keep line breaks before the tags, not the spaces that trailed the body.
    let gap = &trimmed[body.len()..body_end];
    (body, gap.find('\n').map_or(" ", |i| &gap[i..]), tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_counting() {
        assert_eq!(Network::Mastodon.limit(), 500);
        assert_eq!(Network::Bluesky.limit(), 300);
        // A family emoji is one grapheme made of seven code points.
        let family = "👨‍👩‍👧‍👦";
        assert_eq!(family.chars().count(), 7);
        assert_eq!(Network::Bluesky.length(family), 1);
        assert_eq!(Network::Bluesky.length("Grüße aus Köln"), 14);
        let url = "https://example.com/a/very/long/path/that/goes/on/and/on";
        assert_eq!(Network::Mastodon.length(&format!("see {url}")), 4 + 23);
        assert_eq!(Network::Mastodon.length("see http://a.io"), 4 + 23);
        assert_eq!(Network::Bluesky.length("see http://a.io"), 15);
        assert_eq!(Network::Mastodon.length("(see http://a.io)."), 5 + 23 + 2);
        assert_eq!(Network::Mastodon.length("hi @ada@example.social!"), 3 + 4 + 1);
        assert_eq!(Network::Mastodon.length("mail ada@example.com"), 20);
    }

    #[test]
    fn fitting_text_is_unchanged() {
        let fitted = Network::Bluesky.fit("Short and sweet #Rust");
        assert_eq!(fitted, Fitted { text: "Short and sweet #Rust".into(), trimmed: false });
    }

    #[test]
    fn trims_at_a_word_boundary_and_keeps_trailing_hashtags() {
        let body = "word ".repeat(80);
        let text = format!("{body}\n\n#RustLang #WebAssembly");
        let fitted = Network::Bluesky.fit(&text);
        assert!(fitted.trimmed);
        assert!(Network::Bluesky.length(&fitted.text) <= 300, "{}", fitted.text);
        assert!(fitted.text.ends_with("word…\n\n#RustLang #WebAssembly"), "{:?}", fitted.text);
        assert!(!fitted.text.contains("wor…"));
    }

    #[test]
    fn counts_graphemes_not_code_points_for_bluesky() {
        // 299 emoji with skin tone: 598 code points but 299 graphemes: fits.
        let text = "👍🏽".repeat(299);
        assert!(!Network::Bluesky.fit(&text).trimmed);
        let fitted = Network::Bluesky.fit(&format!("{} x y", "ä".repeat(290)));
        assert_eq!(fitted.text, format!("{} x y", "ä".repeat(290)));
        let long = format!("{} {}", "ä".repeat(290), "ö".repeat(20));
        let fitted = Network::Bluesky.fit(&long);
        assert_eq!(fitted.text, format!("{}…", "ä".repeat(290)));
    }

    #[test]
    fn drops_whole_hashtags_rather_than_cutting_one() {
        let tags: Vec<String> = (0..40).map(|i| format!("#Tag{i:02}")).collect();
        let text = format!("A short sentence.\n\n{}", tags.join(" "));
        let fitted = Network::Bluesky.fit(&text);
        assert!(Network::Bluesky.length(&fitted.text) <= 300);
        assert!(fitted.text.starts_with("A short sentence.\n\n#Tag00 "), "{:?}", fitted.text);
        let last = fitted.text.split_whitespace().last().unwrap();
        assert!(tags.iter().any(|t| t == last), "a hashtag was cut: {last}");
    }

    #[test]
    fn drops_hashtags_before_cutting_sentences() {
        let body = format!("{} end.", "x".repeat(280));
        let fitted = Network::Bluesky.fit(&format!("{body}\n\n#One #Two #Three"));
        assert_eq!(fitted, Fitted { text: format!("{body}\n\n#One #Two"), trimmed: true });
        let body = format!("{} end.", "x".repeat(292));
        let fitted = Network::Bluesky.fit(&format!("{body} #Alpha #Beta"));
        assert_eq!(fitted.text, body, "no tag fits, the sentences stay whole");
    }

    #[test]
    fn never_cuts_a_hashtag_in_the_body() {
        let text = format!("{} #Conference2026 and more words here", "a".repeat(285));
        let fitted = Network::Bluesky.fit(&text);
        assert_eq!(fitted.text, format!("{}…", "a".repeat(285)));
    }

    #[test]
    fn mastodon_counts_urls_as_23_when_trimming() {
        let url = format!("https://example.com/{}", "x".repeat(600));
        let text = format!("{} {url} end", "w ".repeat(200));
        let fitted = Network::Mastodon.fit(&text);
        assert!(!fitted.trimmed, "a URL counts 23 on Mastodon, so this fits");
    }

    #[test]
    fn never_glues_the_ellipsis_onto_a_link_nor_cuts_one() {
        let url = "https://example.com/notes/roost-2";
        let text = format!("{} read {url} {}", "word ".repeat(50), "more ".repeat(60));
        let fitted = Network::Bluesky.fit(&text);
        assert!(Network::Bluesky.length(&fitted.text) <= 300, "{}", fitted.text);
        assert!(!fitted.text.contains(&format!("{url}…")), "{}", fitted.text);
        let cut_at_url = Network::Bluesky.fit(&format!("{} {url} {}", "w".repeat(250), "x".repeat(30)));
        assert_eq!(cut_at_url.text, format!("{} {url} …", "w".repeat(250)));
        let long_url = format!("https://example.com/{}", "p".repeat(400));
        let fitted = Network::Bluesky.fit(&format!("{long_url} see the notes"));
        assert_eq!(fitted.text, "see the notes", "a link too long to keep is dropped whole");
    }

    #[test]
    fn a_single_overlong_word_is_cut_hard() {
        let fitted = Network::Bluesky.fit(&"x".repeat(400));
        assert_eq!(fitted.text, format!("{}…", "x".repeat(299)));
    }
}
