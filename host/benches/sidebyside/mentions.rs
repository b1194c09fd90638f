//! The benchmark's data: a seeded generator of mention batches built from phrases that the
//! word-list scorer of the Node-RED flow and the `sentiment` plugin label alike, and the
//! check that they do.

use serde_json::{Value, json};

/// Mentions in one request.
pub const PER_REQUEST: usize = 100;

/// Phrases by class; every text built from them keeps its phrase's class in both scorers.
const NEGATIVE: [&str; 6] = [
    "The app is broken again",
    "Terrible support, still no answer",
    "Worst update ever",
    "I hate the new design",
    "Awful delivery, the box was broken",
    "Really disappointed with the battery",
];
const POSITIVE: [&str; 6] = [
    "I love the new app, thanks",
    "Great support today, thanks a lot",
    "The new release is awesome",
    "Excellent service at the store",
    "Happy with my order, thanks",
    "Amazing camera on this phone",
];
const NEUTRAL: [&str; 6] = [
    "Is the store open on Sunday",
    "New phone arrived today",
    "Ordered the blue one",
    "Reading the release notes",
    "Anyone tried the beta",
    "Shipping to Austria takes three days",
];
const PREFIXES: [&str; 3] = ["", "@acme ", "Hey @acme, "];
const SUFFIXES: [&str; 4] = ["", " #acme", " (order 4711)", " on the train"];

/// The word lists of the Node-RED flow's function node, read by its settings too.
const WORDS: &str = include_str!("words.json");

/// A xorshift64 generator: the same seed gives the same mentions on every machine.
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// One request's body and the ids of its negative mentions, in order.
pub struct Batch {
    pub body: String,
    pub negatives: Vec<String>,
}

/// Request `n` of the sequence seeded by `rng`: 100 mentions, about a quarter negative.
pub fn batch(rng: &mut Xorshift, n: usize) -> Batch {
    let mut mentions = Vec::with_capacity(PER_REQUEST);
    let mut negatives = Vec::new();
    for i in 0..PER_REQUEST {
        let id = format!("r{n}-m{i}");
        let phrases = match rng.next() % 100 {
            0..25 => {
                negatives.push(id.clone());
                &NEGATIVE
            }
            25..60 => &POSITIVE,
            _ => &NEUTRAL,
        };
        let text = format!("{}{}{}", rng.pick(&PREFIXES), rng.pick(phrases), rng.pick(&SUFFIXES));
        let user = format!("@user{}", rng.next() % 10_000);
        mentions.push(json!({ "id": id, "user": user, "text": text }));
    }
    Batch { body: json!({ "mentions": mentions }).to_string(), negatives }
}

/// The Node-RED function node's score, in Rust: +1 per positive word, -1 per negative one.
fn word_score(positive: &[String], negative: &[String], text: &str) -> i32 {
    let lower = text.to_lowercase();
    let words = lower.split(|c: char| !(c.is_ascii_lowercase() || c == '\''));
    words
        .filter(|w| !w.is_empty())
        .map(|w| i32::from(positive.iter().any(|p| p == w)) - i32::from(negative.iter().any(|n| n == w)))
        .sum()
}

/// Checks that every text the generator can build is negative in both scorers exactly when
/// its phrase is; panics naming the first text where they part.
pub fn check_phrases() {
    let words: Value = serde_json::from_str(WORDS).expect("words.json is JSON");
    let list = |key: &str| -> Vec<String> {
        words[key]
            .as_array()
            .expect("words.json lists `positive` and `negative`")
            .iter()
            .filter_map(|w| w.as_str().map(String::from))
            .collect()
    };
    let (positive, negative) = (list("positive"), list("negative"));
    let mut analyzer = sentiment::Analyzer::new();
    let classes = [(&NEGATIVE, true), (&POSITIVE, false), (&NEUTRAL, false)];
    for (phrases, is_negative) in classes {
        for phrase in phrases {
            for prefix in PREFIXES {
                for suffix in SUFFIXES {
                    let text = format!("{prefix}{phrase}{suffix}");
                    let by_words = word_score(&positive, &negative, &text) < 0;
                    let label = analyzer.score(&text, sentiment::Language::En).label();
                    let by_plugin = label == sentiment::Label::Negative;
                    assert!(
                        by_words == is_negative && by_plugin == is_negative,
                        "mention text {text:?}: expected negative={is_negative}, the word lists say {by_words}, \
                         the sentiment plugin says {label:?}; change the phrase lists in sidebyside/mentions.rs"
                    );
                }
            }
        }
    }
}
