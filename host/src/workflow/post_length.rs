//! How long a post is, counted the way its network counts: characters as people see them
//! (grapheme clusters, as Bluesky counts), or as Mastodon's `StatusLengthValidator` does
//! (every link 23 characters whatever its length, a remote mention `@user@domain` as
//! `@user`; `roost_sdk::length`, which the plugins use too).

use unicode_segmentation::UnicodeSegmentation;

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
            Self::Mastodon => roost_sdk::length::status_length(text, ""),
        }
    }
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
