//! What came before, kept only for tests to measure against: the word extractor that
//! suggested hashtags before observed tags existed (the text's own #tags, then its
//! content words ranked by frequency, capitals and CamelCase), and the kind detection
//! that knew only incident words, without their neighbours.

use crate::Language;
use crate::hashtags::{contains, existing, from_phrase, has_inner_capital, is_acronym};
use crate::stopwords::is_stopword;

/// The longest word that became a tag.
const MAX_WORD_CHARS: usize = 30;

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

/// The former kind detection: whether any word of `text` is an incident word.
pub fn is_incident(text: &str) -> bool {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    words.iter().enumerate().any(|(i, w)| is_incident_word(w, i.checked_sub(1).map(|p| words[p].as_str())))
}

const INCIDENT_WORDS: &[&str] = &[
    "apologies",
    "apologise",
    "apologize",
    "apology",
    "broken",
    "bug",
    "bugs",
    "crash",
    "crashed",
    "crashes",
    "degraded",
    "delay",
    "delayed",
    "delays",
    "down",
    "downtime",
    "entschuldigung",
    "entschuldigen",
    "error",
    "errors",
    "failed",
    "failing",
    "failure",
    "fehler",
    "incident",
    "issue",
    "issues",
    "leider",
    "outage",
    "outages",
    "problem",
    "probleme",
    "problemen",
    "problems",
    "sorry",
    "unavailable",
    "unterbrochen",
];

/// Stems found inside longer German compounds too ("Serverausfall", "Netzstörung").
const INCIDENT_STEMS: &[&str] = &[
    "ausfall",
    "ausfälle",
    "beeinträchtigung",
    "disruption",
    "interruption",
    "maintenance",
    "panne",
    "störung",
    "unterbrechung",
    "verspätung",
    "verzögerung",
    "wartung",
];

/// Words before "issue" that make it a magazine's or newsletter's issue.
const ISSUE_OF_A_SERIES: &[&str] = &["new", "latest", "next", "first", "current", "this", "our"];

fn is_incident_word(word: &str, previous: Option<&str>) -> bool {
    if matches!(word, "issue" | "issues") && previous.is_some_and(|p| ISSUE_OF_A_SERIES.contains(&p)) {
        return false;
    }
    INCIDENT_WORDS.contains(&word)
        || INCIDENT_STEMS.iter().any(|stem| word.contains(stem))
        || (word.starts_with("fehler") && !word.starts_with("fehlerfrei"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_camel_case_capitals_and_frequency_over_stopwords() {
        let text = "We are launching WebAssembly plugins for Roost today. The plugins run in a sandbox \
                    and Roost keeps plugins small.";
        assert_eq!(extract(text, 3, Some(Language::En)), ["#WebAssembly", "#Plugins", "#Roost"]);
        let text = "Heute eröffnen wir unser Café in Köln. Das Café hat auch einen Garten und es gibt Kuchen.";
        assert_eq!(extract(text, 3, Some(Language::De)), ["#Café", "#Köln", "#Garten"]);
    }
}
