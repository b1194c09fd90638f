//! Hashtags in text and from phrases: which tokens are tags, the tags a text already
//! has, and the tag of a keyword.
//!
//! Tags are written in CamelCase ("open-source" → `#OpenSource`), which screen readers
//! read as words; case is ignored when deduplicating.

/// Whether `token` is a hashtag: `#` followed by letters, digits or `_`, at least one letter.
pub fn is_hashtag(token: &str) -> bool {
    token
        .strip_prefix('#')
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(is_tag_char) && rest.chars().any(char::is_alphabetic))
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The hashtags already in `text`, in order, as written (trailing punctuation dropped).
pub fn existing(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for token in text.split_whitespace() {
        let Some(rest) = token.strip_prefix('#') else { continue };
        let body: String = rest.chars().take_while(|&c| is_tag_char(c)).collect();
        let tag = format!("#{body}");
        if is_hashtag(&tag) && !contains(&tags, &tag) {
            tags.push(tag);
        }
    }
    tags
}

/// The hashtag for a word or phrase: its words capitalised and joined (`#OpenSource`),
/// or `None` when nothing is left.
pub fn from_phrase(phrase: &str) -> Option<String> {
    let body: String = phrase
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| if has_inner_capital(w) || is_acronym(w) { w.to_string() } else { capitalise(w) })
        .collect();
    let tag = format!("#{body}");
    is_hashtag(&tag).then_some(tag)
}

/// Whether `tags` holds `tag`, ignoring case.
pub fn contains(tags: &[String], tag: &str) -> bool {
    tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase())
}

/// An upper-case letter after a lower-case one: `WebAssembly`, `iPhone`.
pub(crate) fn has_inner_capital(word: &str) -> bool {
    word.chars().zip(word.chars().skip(1)).any(|(a, b)| a.is_lowercase() && b.is_uppercase())
}

/// Two to six capitals (`AI`, `NASA`), digits allowed after the first.
pub(crate) fn is_acronym(word: &str) -> bool {
    let n = word.chars().count();
    (2..=6).contains(&n)
        && word.chars().next().is_some_and(char::is_uppercase)
        && word.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hashtags() {
        assert!(is_hashtag("#Rust"));
        assert!(is_hashtag("#Köln2026"));
        assert!(is_hashtag("#rust_lang"));
        assert!(!is_hashtag("#"));
        assert!(!is_hashtag("#2026"));
        assert!(!is_hashtag("#Rust,"));
        assert!(!is_hashtag("Rust"));
    }

    #[test]
    fn existing_tags_in_order_once() {
        assert_eq!(existing("Loving #rustlang and #WASM today, #RustLang again!"), ["#rustlang", "#WASM"]);
    }

    #[test]
    fn phrases_become_camel_case() {
        assert_eq!(from_phrase("open source").as_deref(), Some("#OpenSource"));
        assert_eq!(from_phrase("open-source").as_deref(), Some("#OpenSource"));
        assert_eq!(from_phrase("WebAssembly").as_deref(), Some("#WebAssembly"));
        assert_eq!(from_phrase("AI").as_deref(), Some("#AI"));
        assert_eq!(from_phrase("grüne energie").as_deref(), Some("#GrüneEnergie"));
        assert_eq!(from_phrase("!!").as_deref(), None);
    }
}
