//! How long a post is, counted the way its network counts: characters as people see them
//! (grapheme clusters, as Bluesky counts), or as Mastodon's `StatusLengthValidator` does
//! (every link 23 characters whatever its length, a remote mention `@user@domain` as
//! `@user`).

use unicode_segmentation::UnicodeSegmentation;

/// What a link counts on Mastodon, however long it is.
const MASTODON_URL: usize = 23;

/// A way of counting a post's length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Counting {
    /// Grapheme clusters.
    #[default]
    Characters,
    /// Grapheme clusters, with links as 23 and `@user@domain` as `@user`.
    Mastodon,
}

/// The names of the ways of counting, as a workflow writes them.
pub const COUNTINGS: &[&str] = &["characters", "mastodon"];

impl Counting {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "characters" => Some(Self::Characters),
            "mastodon" => Some(Self::Mastodon),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Characters => "characters",
            Self::Mastodon => "mastodon",
        }
    }

    /// The length of `text`.
    pub fn count(self, text: &str) -> usize {
        match self {
            Self::Characters => text.graphemes(true).count(),
            Self::Mastodon => text.split_inclusive(char::is_whitespace).map(mastodon_word).sum(),
        }
    }
}

/// The Mastodon length of one whitespace-separated word (with the whitespace after it).
fn mastodon_word(word: &str) -> usize {
    let graphemes = |s: &str| s.graphemes(true).count();
    let start = ["https://", "http://"].iter().filter_map(|scheme| word.find(scheme)).min();
    if let Some(start) = start {
        let rest = &word[start..];
        let end = rest.trim_end().trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\'']).len();
        let scheme_len = if rest.starts_with("https://") { 8 } else { 7 };
        if end > scheme_len {
            return graphemes(&word[..start]) + MASTODON_URL + graphemes(&rest[end..]);
        }
    }
    if let Some(rest) = word.strip_prefix('@')
        && let Some((user, domain)) = rest.split_once('@')
        && !user.is_empty()
        && user.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        let host_len = domain.find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-')).unwrap_or(domain.len());
        if domain[..host_len].contains('.') {
            return 1 + graphemes(user) + graphemes(&domain[host_len..]);
        }
    }
    graphemes(word)
}

#[cfg(test)]
mod tests {
    use super::Counting::{Characters, Mastodon};

    #[test]
    fn characters_are_grapheme_clusters() {
        assert_eq!(Characters.count("héllo 👍🏽 👨‍👩‍👧‍👦"), 9);
        assert_eq!(Mastodon.count("héllo 👍🏽 👨‍👩‍👧‍👦"), 9);
    }

    #[test]
    fn mastodon_counts_every_link_as_23() {
        let long = format!("https://example.com/{}", "a".repeat(300));
        assert_eq!(Mastodon.count(&format!("See {long} now")), 4 + 23 + 4);
        assert_eq!(Characters.count(&format!("See {long} now")), 8 + long.len());
        assert_eq!(Mastodon.count("(https://example.com/a)."), 1 + 23 + 2, "brackets and full stops are not the link");
        assert_eq!(Mastodon.count("http://x.org"), 23);
        assert_eq!(Mastodon.count("https:// alone"), 14, "a scheme without an address is text");
    }

    #[test]
    fn mastodon_counts_a_remote_mention_as_its_user() {
        assert_eq!(Mastodon.count("hi @anna@social.example.org!"), 3 + 5 + 1);
        assert_eq!(Mastodon.count("mail me@home"), 12, "no domain: counted as written");
    }
}
