//! Captions without a model: sentences from templates per language and tone, filled with
//! the topic and keywords, plus hashtags. The same input always gives the same captions.
//!
//! A caption is an opener, a keyword sentence (when there are keywords) and a closer.
//! Variant `i` takes opener `r + i`, keyword sentence `r + 2i` and closer `r + 3i`
//! (mod 5), where `r` is a stable hash of the topic: the variants of one topic differ in
//! every part, and different topics start at different templates.

use crate::network::Network;
use crate::{Language, hashtags};

/// How a brand sounds, read from its voice text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Casual,
}

impl Tone {
    /// Casual when the voice asks for it in English or German ("friendly", "locker", "du").
    pub fn of(voice: Option<&str>) -> Self {
        const CASUAL: &[&str] = &[
            "casual",
            "friendly",
            "playful",
            "fun",
            "relaxed",
            "informal",
            "witty",
            "cheeky",
            "locker",
            "lässig",
            "freundlich",
            "witzig",
            "verspielt",
            "frech",
            "duzen",
            "du",
        ];
        let voice = voice.unwrap_or_default().to_lowercase();
        let casual = voice.split(|c: char| !c.is_alphanumeric()).any(|w| CASUAL.contains(&w));
        if casual { Self::Casual } else { Self::Neutral }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Neutral => "neutral",
            Self::Casual => "casual",
        }
    }
}

/// The sentences of one language and tone: five openers (with `{topic}` or `{Topic}`),
/// five keyword sentences (with `{kw}`) and five closers.
struct Templates {
    openers: [&'static str; 5],
    keywords: [&'static str; 5],
    closers: [&'static str; 5],
    and: &'static str,
}

const EN_NEUTRAL: Templates = Templates {
    openers: [
        "{Topic}: what it is and why it matters.",
        "A closer look at {topic}.",
        "Everything you need to know about {topic}.",
        "Let's talk about {topic}.",
        "Spotlight on {topic}.",
    ],
    keywords: ["Key points: {kw}.", "With a focus on {kw}.", "Featuring {kw}.", "Think {kw}.", "It's about {kw}."],
    closers: [
        "What do you think?",
        "Share your thoughts below.",
        "Find out more on our website.",
        "We look forward to your feedback.",
        "Stay tuned for more.",
    ],
    and: "and",
};

const EN_CASUAL: Templates = Templates {
    openers: [
        "Big news: {topic} 🎉",
        "Okay, let's talk about {topic}! 🙌",
        "{Topic}? Yes, really! ✨",
        "Quick one about {topic} 👇",
        "We can't stop thinking about {topic} 💡",
    ],
    keywords: ["It's all about {kw}.", "Think {kw}.", "Expect {kw}.", "Yep: {kw}.", "Ingredients: {kw}."],
    closers: ["What do you think? 💬", "Tell us below! 👇", "Who's in? 🙋", "Spread the word! 📣", "More soon! 🚀"],
    and: "and",
};

const DE_NEUTRAL: Templates = Templates {
    openers: [
        "{Topic}: das Wichtigste im Überblick.",
        "Ein genauer Blick auf {topic}.",
        "Alles, was Sie über {topic} wissen sollten.",
        "Im Mittelpunkt: {topic}.",
        "Darum geht es: {topic}.",
    ],
    keywords: ["Im Fokus: {kw}.", "Stichworte: {kw}.", "Mit dabei: {kw}.", "Es geht um {kw}.", "Kurz gesagt: {kw}."],
    closers: [
        "Was meinen Sie?",
        "Teilen Sie Ihre Meinung in den Kommentaren.",
        "Mehr dazu auf unserer Website.",
        "Wir freuen uns auf Ihr Feedback.",
        "Bleiben Sie dran.",
    ],
    and: "und",
};

const DE_CASUAL: Templates = Templates {
    openers: [
        "Große Neuigkeiten: {topic} 🎉",
        "Lass uns über {topic} reden! 🙌",
        "{Topic}? Ja, wirklich! ✨",
        "Kurz und knapp zu {topic} 👇",
        "Wir sind ganz verliebt in {topic} 💡",
    ],
    keywords: [
        "Es dreht sich alles um {kw}.",
        "Stichwort: {kw}.",
        "Freu dich auf {kw}.",
        "Kurz: {kw}.",
        "Zutaten: {kw}.",
    ],
    closers: [
        "Was meinst du? 💬",
        "Schreib's in die Kommentare! 👇",
        "Wer ist dabei? 🙋",
        "Sag's weiter! 📣",
        "Bald mehr! 🚀",
    ],
    and: "und",
};

fn templates(language: Language, tone: Tone) -> &'static Templates {
    match (language, tone) {
        (Language::En, Tone::Neutral) => &EN_NEUTRAL,
        (Language::En, Tone::Casual) => &EN_CASUAL,
        (Language::De, Tone::Neutral) => &DE_NEUTRAL,
        (Language::De, Tone::Casual) => &DE_CASUAL,
    }
}

/// What an offline caption is made from.
pub struct Brief<'a> {
    pub topic: &'a str,
    pub network: Network,
    pub language: Language,
    pub tone: Tone,
    pub keywords: &'a [String],
}

/// The untrimmed text of variant `index` (0-based) and the template numbers it used.
pub fn caption(brief: &Brief, index: usize) -> (String, [usize; 3]) {
    let t = templates(brief.language, brief.tone);
    let r = rotation(brief.topic);
    let parts = [(r + index) % 5, (r + 2 * index) % 5, (r + 3 * index) % 5];
    let topic = brief.topic.trim();
    let mut sentences =
        vec![t.openers[parts[0]].replace("{Topic}", &capitalise_first(topic)).replace("{topic}", topic)];
    let keywords: Vec<&str> = brief.keywords.iter().map(|k| k.trim()).filter(|k| !k.is_empty()).collect();
    if !keywords.is_empty() {
        sentences.push(t.keywords[parts[1]].replace("{kw}", &join_list(&keywords, t.and)));
    }
    sentences.push(t.closers[parts[2]].to_string());
    let mut text = sentences.join(" ");
    let tags = tags(brief);
    if !tags.is_empty() {
        text.push_str("\n\n");
        text.push_str(&tags.join(" "));
    }
    (text, parts)
}

/// The keywords as hashtags, then the topic's best words, up to the network's budget.
fn tags(brief: &Brief) -> Vec<String> {
    let budget = brief.network.hashtag_budget();
    let mut tags: Vec<String> = Vec::new();
    for tag in brief.keywords.iter().filter_map(|k| hashtags::from_phrase(k)) {
        if tags.len() < budget && !hashtags::contains(&tags, &tag) {
            tags.push(tag);
        }
    }
    for tag in hashtags::extract(brief.topic, budget, Some(brief.language)) {
        if tags.len() < budget && !hashtags::contains(&tags, &tag) {
            tags.push(tag);
        }
    }
    tags
}

/// `a`, `a and b`, `a, b and c`.
fn join_list(items: &[&str], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

fn capitalise_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// FNV-1a of the lowercase topic, mod 5: stable across runs, builds and platforms.
fn rotation(topic: &str) -> usize {
    let hash = topic
        .trim()
        .to_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    (hash % 5) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief<'a>(topic: &'a str, keywords: &'a [String], language: Language, tone: Tone) -> Brief<'a> {
        Brief { topic, network: Network::Mastodon, language, tone, keywords }
    }

    #[test]
    fn tone_follows_the_voice() {
        assert_eq!(Tone::of(None), Tone::Neutral);
        assert_eq!(Tone::of(Some("Professional and precise")), Tone::Neutral);
        assert_eq!(Tone::of(Some("friendly, a bit cheeky")), Tone::Casual);
        assert_eq!(Tone::of(Some("Locker, wir duzen")), Tone::Casual);
    }

    #[test]
    fn fills_topic_keywords_and_tags() {
        let keywords = vec!["open source".to_string(), "Rust".to_string()];
        let (text, parts) = caption(&brief("self-hosted automation", &keywords, Language::En, Tone::Neutral), 0);
        let opener = EN_NEUTRAL.openers[parts[0]].replace("{Topic}", "Self-hosted automation");
        assert!(text.starts_with(&opener.replace("{topic}", "self-hosted automation")), "{text}");
        assert!(text.contains("open source and Rust"), "{text}");
        assert!(text.ends_with("\n\n#OpenSource #Rust #SelfHosted #Automation"), "{text}");
    }

    #[test]
    fn german_templates_join_with_und() {
        let keywords = vec!["Kaffee".to_string(), "Kuchen".to_string(), "Musik".to_string()];
        let (text, _) = caption(&brief("unser Sommerfest", &keywords, Language::De, Tone::Casual), 1);
        assert!(text.contains("Kaffee, Kuchen und Musik"), "{text}");
        assert!(text.contains("#Kaffee #Kuchen #Musik #Sommerfest"), "{text}");
    }

    #[test]
    fn variants_differ_and_repeat_exactly() {
        let b = brief("the spring release", &[], Language::En, Tone::Casual);
        let all: Vec<String> = (0..5).map(|i| caption(&b, i).0).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|other| other != a), "variant {i} repeats");
            assert_eq!(*a, caption(&b, i).0);
        }
    }

    #[test]
    fn lists_and_rotation() {
        assert_eq!(join_list(&["a"], "and"), "a");
        assert_eq!(join_list(&["a", "b"], "und"), "a und b");
        assert_eq!(join_list(&["a", "b", "c"], "and"), "a, b and c");
        assert_eq!(rotation("Topic"), rotation(" topic "));
        assert!(rotation("x") < 5);
    }
}
