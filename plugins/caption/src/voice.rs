//! The brand voice read for offline captions, in English and German: the tone (neutral or
//! casual) and how many emoji a caption may carry.
//!
//! A casual word ("friendly", "locker", "du") makes the tone casual unless a negation
//! stands up to three words before it in the same clause ("never casual", "niemals du",
//! "nicht locker"); a formal word ("formal", "serious", "siezen", "Sie", "förmlich",
//! "seriös") makes it neutral whatever else the voice says. "No emoji" / "keine Emojis"
//! allows none, "one emoji" / "ein Emoji pro Post" at most one.

/// How a brand sounds, read from its voice text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Casual,
}

impl Tone {
    pub fn name(self) -> &'static str {
        match self {
            Self::Neutral => "neutral",
            Self::Casual => "casual",
        }
    }
}

/// How many emoji the templates may add to a caption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emoji {
    /// As the templates have them.
    Any,
    AtMostOne,
    None,
}

/// What the voice asks of offline captions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voice {
    pub tone: Tone,
    pub emoji: Emoji,
}

const CASUAL: &[&str] = &[
    "casual",
    "cheeky",
    "du",
    "duzen",
    "frech",
    "freundlich",
    "friendly",
    "fun",
    "informal",
    "locker",
    "lässig",
    "playful",
    "relaxed",
    "verspielt",
    "witty",
    "witzig",
];

/// Words that ask for a neutral tone, whatever casual words stand next to them.
const FORMAL: &[&str] =
    &["formal", "formell", "förmlich", "serious", "seriös", "siezen", "sober", "nüchtern", "sachlich"];

const NEGATIONS: &[&str] = &[
    "avoid", "don", "dont", "kein", "keine", "keinen", "keiner", "never", "nicht", "nie", "niemals", "no", "not",
    "ohne", "without",
];

const EMOJI_WORDS: &[&str] = &["emoji", "emojis", "emoticons", "smileys", "emojifrei"];

/// Words before "emoji" that allow only one.
const ONE: &[&str] =
    &["1", "ein", "eine", "einem", "einen", "höchstens", "max", "maximal", "one", "single", "sparingly", "sparsam"];

/// How far before a word a negation or a count still refers to it.
const REACH: usize = 3;

impl Voice {
    pub fn of(voice: Option<&str>) -> Self {
        let mut tone = Tone::Neutral;
        let mut formal = false;
        let mut emoji = Emoji::Any;
        for clause in voice.unwrap_or_default().split([',', ';', '.', '!', '?', '\n']) {
            let words: Vec<&str> = clause.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
            for (i, word) in lower.iter().enumerate() {
                let before = &lower[i.saturating_sub(REACH)..i];
                let negated = before.iter().any(|w| NEGATIONS.contains(&w.as_str()));
                if (FORMAL.contains(&word.as_str()) && !negated) || (words[i] == "Sie" && i > 0) {
                    formal = true;
                } else if CASUAL.contains(&word.as_str()) && !negated {
                    tone = Tone::Casual;
                }
                if EMOJI_WORDS.contains(&word.as_str()) {
                    emoji = emoji.min_with(if negated || word.ends_with("frei") || next_is_free(&lower, i) {
                        Emoji::None
                    } else if before.iter().any(|w| ONE.contains(&w.as_str())) {
                        Emoji::AtMostOne
                    } else {
                        Emoji::Any
                    });
                }
            }
        }
        Self { tone: if formal { Tone::Neutral } else { tone }, emoji }
    }

    /// How many emoji the templates may still add to a caption whose own words (topic
    /// and keywords) hold `own` of them.
    pub fn emoji_budget(self, own: usize) -> usize {
        match self.emoji {
            Emoji::Any => usize::MAX,
            Emoji::AtMostOne => 1_usize.saturating_sub(own),
            Emoji::None => 0,
        }
    }

    /// "; no emoji" or "; at most one emoji", for explanations.
    pub fn note(self) -> &'static str {
        match self.emoji {
            Emoji::Any => "",
            Emoji::AtMostOne => ", at most one emoji",
            Emoji::None => ", no emoji",
        }
    }
}

/// "emoji-free": the word after "emoji" is "free" or "frei".
fn next_is_free(words: &[String], i: usize) -> bool {
    words.get(i + 1).is_some_and(|w| w == "free" || w == "frei")
}

impl Emoji {
    /// The stricter of two wishes.
    fn min_with(self, other: Self) -> Self {
        match (self, other) {
            (Self::None, _) | (_, Self::None) => Self::None,
            (Self::AtMostOne, _) | (_, Self::AtMostOne) => Self::AtMostOne,
            _ => Self::Any,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(text: &str) -> (Tone, Emoji) {
        let v = Voice::of(Some(text));
        (v.tone, v.emoji)
    }

    #[test]
    fn tone_follows_the_voice() {
        assert_eq!(Voice::of(None), Voice { tone: Tone::Neutral, emoji: Emoji::Any });
        assert_eq!(voice("Professional and precise"), (Tone::Neutral, Emoji::Any));
        assert_eq!(voice("friendly, a bit cheeky"), (Tone::Casual, Emoji::Any));
        assert_eq!(voice("Locker, wir duzen"), (Tone::Casual, Emoji::Any));
    }

    #[test]
    fn negations_and_formal_words() {
        assert_eq!(voice("Formal and serious. Never casual, no emoji."), (Tone::Neutral, Emoji::None));
        assert_eq!(voice("Wir siezen, niemals du, keine Emojis"), (Tone::Neutral, Emoji::None));
        assert_eq!(voice("Not too casual please"), (Tone::Neutral, Emoji::Any));
        assert_eq!(voice("Don't be playful"), (Tone::Neutral, Emoji::Any));
        assert_eq!(voice("Freundlich, aber wir sprechen alle mit Sie an"), (Tone::Neutral, Emoji::Any));
        assert_eq!(voice("Sie sind locker"), (Tone::Casual, Emoji::Any), "Sie opening a clause is they");
        assert_eq!(voice("friendly but formal"), (Tone::Neutral, Emoji::Any));
        assert_eq!(voice("not formal, friendly"), (Tone::Casual, Emoji::Any));
        assert_eq!(voice("nicht förmlich, locker"), (Tone::Casual, Emoji::Any));
    }

    #[test]
    fn emoji_wishes() {
        assert_eq!(voice("locker, wir duzen, ein Emoji pro Post"), (Tone::Casual, Emoji::AtMostOne));
        assert_eq!(voice("friendly, one emoji at most"), (Tone::Casual, Emoji::AtMostOne));
        assert_eq!(voice("casual, emoji-free"), (Tone::Casual, Emoji::None));
        assert_eq!(voice("locker, emojifrei"), (Tone::Casual, Emoji::None));
        assert_eq!(voice("fun, lots of emoji"), (Tone::Casual, Emoji::Any));
        assert_eq!(voice("casual without emojis"), (Tone::Casual, Emoji::None));
        assert_eq!(Voice::of(Some("ein Emoji")).emoji_budget(1), 0, "the topic's own emoji is the one");
    }
}
