//! A post's length as Mastodon's `StatusLengthValidator` counts it, for every part of Roost
//! that checks one: the `mastodon` plugin before it posts, `caption` as it fits a draft, and
//! the host's approval fields with `count: mastodon`.
//!
//! The counted text is `spoiler_text` followed by the status text in which every URL
//! (with `http://` or `https://`) stands for 23 characters and every mention
//! `@user@domain` for `@user`; its length is the number of grapheme clusters, so an
//! emoji with skin tone or a flag counts once.

use unicode_segmentation::UnicodeSegmentation;

/// What a URL counts as, whatever its length.
pub const URL_CHARS: usize = 23;

/// Mastodon's default limit (`MAX_CHARS`); instances may configure another.
pub const DEFAULT_MAX_CHARS: usize = 500;

/// The length Mastodon counts for a status with `text` and `spoiler_text`.
pub fn status_length(text: &str, spoiler_text: &str) -> usize {
    graphemes(spoiler_text) + countable_length(text)
}

fn graphemes(text: &str) -> usize {
    text.graphemes(true).count()
}

/// The length of `text` with URLs and mentions rewritten as Mastodon counts them.
fn countable_length(text: &str) -> usize {
    let mut rewritten = String::with_capacity(text.len());
    let mut i = 0;
    let mut prev: Option<char> = None;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(len) = url_at(rest, prev) {
            rewritten.extend(std::iter::repeat_n('x', URL_CHARS));
            prev = Some('x');
            i += len;
            continue;
        }
        if let Some((len, user_len)) = mention_at(rest, prev) {
            rewritten.push_str(&rest[..1 + user_len]);
            prev = rest[..len].chars().last();
            i += len;
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        rewritten.push(c);
        prev = Some(c);
        i += c.len_utf8();
    }
    graphemes(&rewritten)
}

/// The byte length of a URL starting `text`, if one does.
fn url_at(text: &str, prev: Option<char>) -> Option<usize> {
    if prev.is_some_and(|c| c.is_alphanumeric() || matches!(c, '@' | '$' | '#' | '＠' | '＃')) {
        return None;
    }
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let scheme = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    let body = &text[scheme..];
    let host_len =
        body.find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.' || c == ':')).unwrap_or(body.len());
    let host = body[..host_len].trim_end_matches(['.', ':']);
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let mut end = scheme + body.find(char::is_whitespace).unwrap_or(body.len());
    // Trailing punctuation ends a sentence, not the URL; a `)` only closes a `(` inside it.
    loop {
        let url = &text[..end];
        let Some(last) = url.chars().last() else { break };
        let unbalanced = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | ']' | '>' | '…') || unbalanced {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    (end >= scheme + host.len()).then_some(end)
}

/// A mention `@user` or `@user@domain` starting `text`: (byte length, length of `user`).
fn mention_at(text: &str, prev: Option<char>) -> Option<(usize, usize)> {
    if prev.is_some_and(|c| c == '=' || c == '/' || is_word(c)) {
        return None;
    }
    let body = text.strip_prefix('@')?;
    let user_len = dotted_run(body, |c| c.is_ascii_alphanumeric() || c == '_');
    if user_len == 0 {
        return None;
    }
    let mut len = 1 + user_len;
    if let Some(domain) = body[user_len..].strip_prefix('@') {
        let domain_len = dotted_run(domain, is_word);
        if domain_len > 0 {
            len += 1 + domain_len;
        }
    }
    Some((len, user_len))
}

/// The byte length of `word([.-]+word)*` at the start of `text`, with `word` made of
/// characters satisfying `ok`.
fn dotted_run(text: &str, ok: impl Fn(char) -> bool) -> usize {
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if ok(c) {
            end = i + c.len_utf8();
        } else if !((c == '.' || c == '-') && end > 0) {
            break;
        }
    }
    end
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_counts_characters() {
        assert_eq!(status_length("Hello, world!", ""), 13);
        assert_eq!(status_length("Schöne Grüße", ""), 12);
        assert_eq!(status_length(&"a".repeat(500), ""), 500);
    }

    #[test]
    fn grapheme_clusters_count_once() {
        // Waving hand with skin tone (2 code points), family (5), German flag (2).
        assert_eq!(status_length("👋🏽", ""), 1);
        assert_eq!(status_length("👨‍👩‍👧", ""), 1);
        assert_eq!(status_length("🇩🇪!", ""), 2);
        assert_eq!(status_length("e\u{301}", ""), 1);
    }

    #[test]
    fn urls_count_as_23() {
        let long = format!("https://example.com/{}", "p".repeat(200));
        assert_eq!(status_length(&long, ""), 23);
        assert_eq!(status_length("see http://a.io", ""), 4 + 23);
        assert_eq!(status_length("(https://example.com/x).", ""), 1 + 23 + 2);
        assert_eq!(status_length("https://en.wikipedia.org/wiki/Rust_(programming_language)", ""), 23);
        // Not a URL: no dot in the host, or glued to a word.
        assert_eq!(status_length("https://localhost", ""), 17);
        assert_eq!(status_length("xhttps://a.io", ""), 13);
    }

    #[test]
    fn mentions_count_without_their_domain() {
        assert_eq!(status_length("@anna@example.social hi", ""), "@anna hi".len());
        assert_eq!(status_length("@anna hi", ""), 8);
        assert_eq!(status_length("mail me: a@b.example", ""), 20);
        assert_eq!(status_length("https://m.example/@anna@other.example", ""), 23);
        assert_eq!(status_length("@anna.b@x.example.", ""), "@anna.b.".len());
    }

    #[test]
    fn spoiler_text_counts_too() {
        assert_eq!(status_length("body", "CW: spoilers"), 4 + 12);
        let text = "a".repeat(490);
        assert!(status_length(&text, "0123456789x") > DEFAULT_MAX_CHARS);
        assert_eq!(status_length(&text, "0123456789"), DEFAULT_MAX_CHARS);
    }
}
