//! Text helpers: normalised tokens, topic-term matching, tf-idf cosine and near-duplicates.

use std::collections::{BTreeMap, BTreeSet};

/// Words too common to say anything about a topic (English and German, umlauts folded).
const STOP_WORDS: &[&str] = &[
    "a", "about", "all", "also", "am", "an", "and", "are", "as", "at", "be", "but", "by", "can", "com", "could", "did",
    "do", "does", "for", "from", "get", "had", "has", "have", "he", "her", "his", "http", "https", "i", "if", "in",
    "is", "it", "its", "just", "me", "more", "my", "no", "not", "of", "on", "or", "our", "out", "she", "so", "that",
    "the", "their", "them", "they", "this", "to", "up", "us", "was", "we", "were", "what", "will", "with", "would",
    "www", "you", "your", "aber", "an", "auch", "auf", "aus", "bei", "dass", "dein", "dem", "den", "der", "des", "die",
    "das", "du", "ein", "eine", "einem", "einen", "einer", "er", "es", "fuer", "ich", "ihr", "im", "ist", "mal",
    "mein", "mit", "nach", "nicht", "noch", "oder", "sich", "sie", "sind", "um", "und", "unser", "von", "war", "was",
    "wie", "wir", "zu",
];

/// Lower-cased words of `text` with HTML tags removed and German umlauts and ß folded
/// (`Schön` and `schoen` are one word); `#Rust` and `rust` too.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_tag = false;
    let mut flush = |word: &mut String| {
        if !word.is_empty() {
            out.push(std::mem::take(word));
        }
    };
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                flush(&mut word);
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c if c.is_alphanumeric() => {
                for lower in c.to_lowercase() {
                    match lower {
                        'ä' => word.push_str("ae"),
                        'ö' => word.push_str("oe"),
                        'ü' => word.push_str("ue"),
                        'ß' => word.push_str("ss"),
                        other => word.push(other),
                    }
                }
            }
            _ => flush(&mut word),
        }
    }
    flush(&mut word);
    out
}

/// Whether `doc` holds the words of `term` next to each other (both already tokenised).
pub fn contains_term(doc: &[String], term: &[String]) -> bool {
    !term.is_empty() && doc.windows(term.len()).any(|w| w == term)
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Cosine between the candidate's tf-idf vector and the topic vector.
///
/// Each document is one text (a post or the bio). The candidate vector sums, per word,
/// its count over all documents times `idf = ln((1 + N) / (1 + df)) + 1`, the idf being
/// taken within the candidate's own texts (a step sees no other corpus). The topic vector
/// has weight 1 on each distinct topic word. Stop words are left out of both.
pub fn tfidf_cosine(docs: &[Vec<String>], topic_words: &[String]) -> f64 {
    let topic: BTreeSet<&str> = topic_words.iter().map(String::as_str).filter(|w| !is_stop_word(w)).collect();
    if topic.is_empty() || docs.is_empty() {
        return 0.0;
    }
    let mut tf: BTreeMap<&str, f64> = BTreeMap::new();
    let mut df: BTreeMap<&str, f64> = BTreeMap::new();
    for doc in docs {
        let mut seen = BTreeSet::new();
        for word in doc.iter().map(String::as_str).filter(|w| !is_stop_word(w)) {
            *tf.entry(word).or_default() += 1.0;
            if seen.insert(word) {
                *df.entry(word).or_default() += 1.0;
            }
        }
    }
    let n = docs.len() as f64;
    let weight = |word: &str| tf[word] * (((1.0 + n) / (1.0 + df[word])).ln() + 1.0);
    let norm = tf.keys().map(|w| weight(w).powi(2)).sum::<f64>().sqrt();
    if norm == 0.0 {
        return 0.0;
    }
    let dot: f64 = topic.iter().filter(|w| tf.contains_key(*w)).map(|w| weight(w)).sum();
    dot / (norm * (topic.len() as f64).sqrt())
}

/// The word 3-shingles of a text (its words themselves when it has fewer than three).
pub fn shingles(words: &[String]) -> BTreeSet<String> {
    if words.len() < 3 {
        return words.iter().cloned().collect();
    }
    words.windows(3).map(|w| w.join(" ")).collect()
}

/// Jaccard similarity of two shingle sets; two empty sets are not similar (0).
pub fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// How many of `texts` have a near-duplicate (Jaccard >= `threshold`) among the others.
pub fn near_duplicates(texts: &[&str], threshold: f64) -> usize {
    let sets: Vec<BTreeSet<String>> = texts.iter().map(|t| shingles(&tokens(t))).collect();
    (0..sets.len()).filter(|&i| (0..sets.len()).any(|j| j != i && jaccard(&sets[i], &sets[j]) >= threshold)).count()
}
