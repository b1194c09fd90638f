//! Post text: the grapheme count behind the 300 limit, and the detection of @mentions,
//! links and #hashtags with zero-based UTF-8 byte ranges (start inclusive, end exclusive),
//! as `app.bsky.richtext.facet` wants them.

use unicode_segmentation::UnicodeSegmentation;

/// The most grapheme clusters `app.bsky.feed.post` text may have.
pub const MAX_GRAPHEMES: usize = 300;
/// The most UTF-8 bytes `app.bsky.feed.post` text may have.
pub const MAX_BYTES: usize = 3000;
/// The most graphemes a hashtag may have, without the `#`.
const MAX_TAG_GRAPHEMES: usize = 64;

/// Extended grapheme clusters in `text` ("👋🏽" is one, "ü" is one either way it is encoded).
pub fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// What a facet points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feature {
    /// A handle, without the `@`; it still has to be resolved to a DID.
    Mention(String),
    Link(String),
    /// A tag, without the `#`.
    Tag(String),
}

/// A detected span of the text: `text[start..end]` is what the feature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub feature: Feature,
}

/// The mentions, links and hashtags of `text`, in order, never overlapping.
pub fn detect(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        let after_space = previous.is_none_or(char::is_whitespace);
        let opens = after_space || previous == Some('(');
        previous = Some(c);
        if spans.last().is_some_and(|s: &Span| i < s.end) {
            continue;
        }
        let rest = &text[i..];
        let found = match c {
            '@' if opens => mention(rest),
            'h' if opens => link(rest),
            '#' | '＃' if after_space => tag(rest),
            _ => None,
        };
        if let Some((len, feature)) = found {
            spans.push(Span { start: i, end: i + len, feature });
        }
    }
    spans
}

/// `@handle` at the start of `rest`: the byte length and the handle.
fn mention(rest: &str) -> Option<(usize, Feature)> {
    let body = &rest[1..];
    let len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')).unwrap_or(body.len());
    // Like the regex's trailing `\b`: the handle ends on a letter or digit.
    let handle = body[..len].trim_end_matches(['.', '-']);
    is_handle(handle).then(|| (1 + handle.len(), Feature::Mention(handle.to_ascii_lowercase())))
}

/// A syntactically valid handle: two or more labels of letters, digits and inner hyphens,
/// each 1-63 long, at most 253 in all, the last not starting with a digit.
pub fn is_handle(handle: &str) -> bool {
    let labels: Vec<&str> = handle.split('.').collect();
    handle.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels.last().is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// `http://...` or `https://...` at the start of `rest`, up to whitespace, without trailing
/// punctuation and without closing parentheses it does not open.
fn link(rest: &str) -> Option<(usize, Feature)> {
    let scheme = ["https://", "http://"].into_iter().find(|s| rest.starts_with(s))?;
    let mut uri = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
    loop {
        let trimmed = uri.trim_end_matches(['.', ',', ';', ':', '!', '?', '"', '\'']);
        let unbalanced = trimmed.matches(')').count() > trimmed.matches('(').count();
        let trimmed = if unbalanced { trimmed.strip_suffix(')').unwrap_or(trimmed) } else { trimmed };
        if trimmed.len() == uri.len() {
            break;
        }
        uri = trimmed;
    }
    let host = &uri[scheme.len()..];
    (!host.is_empty() && !host.starts_with(['/', '?', '#'])).then(|| (uri.len(), Feature::Link(uri.to_string())))
}

/// `#tag` at the start of `rest`: up to whitespace, without trailing punctuation; it must
/// have a character that is neither digit nor punctuation, and at most 64 graphemes.
fn tag(rest: &str) -> Option<(usize, Feature)> {
    let hash = rest.chars().next()?.len_utf8();
    let body = &rest[hash..];
    if body.starts_with('\u{fe0f}') {
        return None; // #️⃣ is the keycap emoji, not a tag
    }
    let end = body.find(|c: char| c.is_whitespace() || is_invisible(c)).unwrap_or(body.len());
    let name = body[..end].trim_end_matches(is_punctuation);
    let meaningful = name.chars().any(|c| !c.is_numeric() && !is_punctuation(c));
    (meaningful && grapheme_count(name) <= MAX_TAG_GRAPHEMES).then(|| (hash + name.len(), Feature::Tag(name.into())))
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00ad}' | '\u{2060}' | '\u{200a}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{20e2}')
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '…' | '–'
                | '—'
                | '«'
                | '»'
                | '“'
                | '”'
                | '„'
                | '‘'
                | '’'
                | '‚'
                | '¡'
                | '¿'
                | '·'
                | '。'
                | '、'
                | '，'
                | '！'
                | '？'
                | '：'
                | '；'
                | '「'
                | '」'
                | '（'
                | '）'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(usize, usize, Feature)> {
        detect(text).into_iter().map(|s| (s.start, s.end, s.feature)).collect()
    }

    #[test]
    fn umlauts_and_emoji_shift_byte_offsets() {
        let text = "Grüße an @alice.test 🎉 #Rust https://example.com/ü";
        assert_eq!(
            spans(text),
            vec![
                (11, 22, Feature::Mention("alice.test".into())),
                (28, 33, Feature::Tag("Rust".into())),
                (34, 56, Feature::Link("https://example.com/ü".into())),
            ]
        );
        assert_eq!(&text[34..56], "https://example.com/ü");
    }

    #[test]
    fn the_research_example_matches_byte_for_byte() {
        let text = "Grüße an @alice.example.com 👋🏽 Neu: #Sommerfest in München https://example.com/fest";
        assert_eq!(text.len(), 92);
        assert_eq!(text.chars().count(), 83);
        assert_eq!(
            spans(text),
            vec![
                (11, 29, Feature::Mention("alice.example.com".into())),
                (44, 55, Feature::Tag("Sommerfest".into())),
                (68, 92, Feature::Link("https://example.com/fest".into())),
            ]
        );
    }

    #[test]
    fn trailing_punctuation_and_parentheses_stay_outside() {
        let text = "Ask @bob.bsky.social. See (https://example.com/a_(b)) and https://x.org/p?q=1! #done.";
        let found = spans(text);
        assert_eq!(found[0], (4, 20, Feature::Mention("bob.bsky.social".into())));
        assert_eq!(found[1].2, Feature::Link("https://example.com/a_(b)".into()));
        assert_eq!(found[2].2, Feature::Link("https://x.org/p?q=1".into()));
        assert_eq!(found[3].2, Feature::Tag("done".into()));
        for (start, end, feature) in &found {
            let covered = &text[*start..*end];
            match feature {
                Feature::Mention(h) => assert_eq!(covered, format!("@{h}")),
                Feature::Link(u) => assert_eq!(covered, u),
                Feature::Tag(t) => assert_eq!(covered, format!("#{t}")),
            }
        }
    }

    #[test]
    fn not_everything_that_looks_like_a_facet_is_one() {
        assert!(spans("mail me at me@example.com").is_empty(), "an address is no mention");
        assert!(spans("@nodot and @-bad.com and @x.1com").is_empty());
        assert!(spans("#123 and #️⃣ and a#b and https:// and http:///path").is_empty());
        assert!(spans("https://example.com/#anchor")[0].2 == Feature::Link("https://example.com/#anchor".into()));
        assert_eq!(spans("https://example.com/#anchor").len(), 1, "the fragment is not a tag");
        assert_eq!(spans("#2024Rust")[0].2, Feature::Tag("2024Rust".into()));
        assert_eq!(spans("＃全角")[0], (0, 9, Feature::Tag("全角".into())));
        let long = format!("#{}", "a".repeat(65));
        assert!(spans(&long).is_empty(), "tags have at most 64 graphemes");
    }

    #[test]
    fn graphemes_count_user_perceived_characters() {
        assert_eq!(grapheme_count("Grüße"), 5);
        assert_eq!(grapheme_count("u\u{308}"), 1, "a combining umlaut is one grapheme");
        assert_eq!(grapheme_count("👋🏽"), 1);
        assert_eq!(grapheme_count("👨‍👩‍👧‍👦🇩🇪"), 2);
        let family = "👨‍👩‍👧‍👦".repeat(300);
        assert_eq!(grapheme_count(&family), 300);
        assert!(family.len() > MAX_BYTES, "300 graphemes can exceed 3000 bytes");
    }
}
