//! Deterministic hashtag extraction: the text's own #tags first, then its content words
//! ranked by frequency, capitalisation mid-sentence and CamelCase, minus stopwords.
//!
//! Tags are written in CamelCase ("open-source" → `#OpenSource`), which screen readers
//! read as words; case is ignored when deduplicating.

use crate::Language;
use crate::stopwords::is_stopword;

/// The longest word that becomes a tag; longer ones are identifiers or noise.
const MAX_WORD_CHARS: usize = 30;

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

/// Up to `max` hashtags for `text`: its own first, then the best-ranked content words.
pub fn extract(text: &str, max: usize, language: Option<Language>) -> Vec<String> {
    let mut tags = existing(text);
    tags.truncate(max);
    for candidate in rank(text, language) {
        if tags.len() >= max {
            break;
        }
        if let Some(tag) = from_phrase(&candidate)
            && !contains(&tags, &tag)
        {
            tags.push(tag);
        }
    }
    tags
}

/// Whether `tags` holds `tag`, ignoring case.
pub fn contains(tags: &[String], tag: &str) -> bool {
    tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase())
}

/// A content word and what counts for it.
struct Candidate {
    word: String,
    first: usize,
    count: usize,
    capitalised: bool,
    camel: bool,
}

impl Candidate {
    fn score(&self) -> usize {
        2 * self.count + if self.capitalised { 2 } else { 0 } + if self.camel { 3 } else { 0 }
    }
}

/// The content words of `text`, best first; ties go to the earlier word.
fn rank(text: &str, language: Option<Language>) -> Vec<String> {
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut sentence_start = true;
    for (position, token) in text.split_whitespace().enumerate() {
        let starts_sentence = sentence_start;
        sentence_start = token.ends_with(['.', '!', '?', ':']);
        if token.starts_with(['#', '@']) || token.contains("://") || token.starts_with("www.") {
            continue;
        }
        for word in token.split(|c: char| !(c.is_alphanumeric() || c == '-')).map(|w| w.trim_matches('-')) {
            let lower = word.to_lowercase();
            if !is_content_word(word, &lower, language) {
                continue;
            }
            let capitalised =
                (!starts_sentence && word.chars().next().is_some_and(char::is_uppercase)) || is_acronym(word);
            let camel = has_inner_capital(word);
            match candidates.iter_mut().find(|c| c.word.to_lowercase() == lower) {
                Some(c) => {
                    c.count += 1;
                    c.capitalised |= capitalised;
                    c.camel |= camel;
                }
                None => {
                    candidates.push(Candidate { word: word.to_string(), first: position, count: 1, capitalised, camel })
                }
            }
        }
    }
    candidates.sort_by(|a, b| b.score().cmp(&a.score()).then(a.first.cmp(&b.first)));
    candidates.into_iter().map(|c| c.word).collect()
}

fn is_content_word(word: &str, lower: &str, language: Option<Language>) -> bool {
    let chars = word.chars().count();
    (chars >= 3 || is_acronym(word))
        && chars <= MAX_WORD_CHARS
        && word.chars().any(char::is_alphabetic)
        && !is_stopword(lower, language)
        && !lower.split('-').all(|part| is_stopword(part, language))
}

/// An upper-case letter after a lower-case one: `WebAssembly`, `iPhone`.
fn has_inner_capital(word: &str) -> bool {
    word.chars().zip(word.chars().skip(1)).any(|(a, b)| a.is_lowercase() && b.is_uppercase())
}

/// Two to six capitals (`AI`, `NASA`), digits allowed after the first.
fn is_acronym(word: &str) -> bool {
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
    fn keeps_existing_tags_first_and_in_order() {
        let tags = extract("Loving #rustlang and #WASM today, #rustlang again!", 5, None);
        assert_eq!(&tags[..2], ["#rustlang", "#WASM"]);
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

    #[test]
    fn ranks_camel_case_capitals_and_frequency_over_stopwords() {
        let text = "We are launching WebAssembly plugins for Roost today. The plugins run in a sandbox \
                    and Roost keeps plugins small.";
        let tags = extract(text, 3, Some(Language::En));
        assert_eq!(tags, ["#WebAssembly", "#Plugins", "#Roost"]);
    }

    #[test]
    fn german_stopwords_and_umlauts() {
        let text = "Heute eröffnen wir unser Café in Köln. Das Café hat auch einen Garten und es gibt Kuchen.";
        let tags = extract(text, 3, Some(Language::De));
        assert_eq!(tags, ["#Café", "#Köln", "#Garten"]);
    }

    #[test]
    fn is_deterministic_and_respects_max() {
        let text = "Alpha beta Gamma delta Epsilon zeta eta theta";
        assert_eq!(extract(text, 2, None), extract(text, 2, None));
        assert_eq!(extract(text, 2, None).len(), 2);
        assert!(extract("the and of", 5, None).is_empty());
    }

    #[test]
    fn skips_urls_mentions_and_numbers() {
        let tags = extract("@ada see https://example.com/rocket 2026 rocket launch", 5, None);
        assert_eq!(tags, ["#Rocket", "#Launch"]);
    }
}
