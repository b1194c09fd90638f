//! Languages the analyzer knows, and cheap English/German identification by stop words.

use serde::{Deserialize, Serialize};

use crate::compound;
use crate::cues;
use crate::lexicon;

/// A language with its own lexicon and rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    De,
}

/// The `language` input: a language, or `auto` to detect it per text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageChoice {
    En,
    De,
    #[default]
    Auto,
}

impl LanguageChoice {
    /// The language to analyze `text` in.
    pub fn resolve(self, text: &str) -> Language {
        match self {
            Self::En => Language::En,
            Self::De => Language::De,
            Self::Auto => detect(text),
        }
    }
}

/// Guesses whether `text` is German or English; English wins ties, so text without any
/// cue (an emoji, a name) is scored with the larger lexicon.
///
/// Counts frequent function words of each language and words with umlauts or ß. Words
/// common to both (`in`, `was`, `so`, `also`, `man`, `im`, `will`) are left out: they
/// would only add noise; `die` counts for German only before a capitalised word ("Die
/// App stürzt ab"). When that is a draw, as in short texts ("Endlich Wochenende!"),
/// words found in only one language's lexicon or cue lists decide, then German
/// compounds and endings.
pub fn detect(text: &str) -> Language {
    let (mut en, mut de) = (0u32, 0u32);
    let mut previous = "";
    for word in words(text) {
        let article = std::mem::replace(&mut previous, word);
        if matches!(article, "die" | "Die") && word.starts_with(char::is_uppercase) {
            de += 1;
        }
        if word.contains(['ä', 'ö', 'ü', 'ß', 'Ä', 'Ö', 'Ü']) {
            de += 1;
            continue;
        }
        // Lowercase ASCII into a stack buffer: detection must not allocate per word.
        let mut buf = [0u8; 16];
        let Some(lower) = ascii_lower(word, &mut buf) else { continue };
        if is_english_marker(lower) {
            en += 1;
        } else if is_german_marker(lower) {
            de += 1;
        }
    }
    if en == de {
        (en, de) = lexicon_votes(text);
    }
    if de > en { Language::De } else { Language::En }
}

/// The words of `text`, leaving out mentions (`@acme_help`) and links: names, not words
/// of any language.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|piece| !piece.starts_with('@') && !piece.contains("://"))
        .flat_map(|piece| piece.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’')))
        .filter(|w| !w.is_empty())
}

/// Counts the words that only the English, or only the German, lexicon or cue list
/// knows, German compounds, and words with typically German endings.
fn lexicon_votes(text: &str) -> (u32, u32) {
    let (mut en, mut de) = (0, 0);
    for word in words(text) {
        let mut buf = [0u8; 32];
        let Some(key) = ascii_lower(word, &mut buf).and_then(|b| std::str::from_utf8(b).ok()) else { continue };
        // Everyday German words that VADER's lexicon lists as English sentiment words
        // ("Die Stimmung war ..."): they would vote English in German text.
        if matches!(key, "die" | "war" | "hell" | "bad" | "gift" | "kind" | "dick") {
            continue;
        }
        let known = |lang| lexicon::valence(lang, key).is_some() || cues::starts_cue(lang, key);
        match (known(Language::En), known(Language::De)) {
            (true, false) => en += 1,
            (false, true) => de += 1,
            _ => de += u32::from(has_german_ending(key) || compound::valence(key).is_some()),
        }
    }
    (en, de)
}

/// Noun and adjective endings that English words of six letters or more rarely have:
/// "Stimmung", "Freiheit", "Möglichkeit", "unglaublich", "typisch".
fn has_german_ending(key: &str) -> bool {
    key.len() >= 6 && ["ung", "heit", "keit", "lich", "isch"].iter().any(|e| key.ends_with(e))
}

fn ascii_lower<'a, const N: usize>(word: &str, buf: &'a mut [u8; N]) -> Option<&'a [u8]> {
    if !word.is_ascii() || word.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    Some(lower)
}

#[rustfmt::skip]
fn is_english_marker(word: &[u8]) -> bool {
    matches!(
        word,
        b"the" | b"and" | b"is" | b"not" | b"a" | b"i" | b"you" | b"it" | b"this" | b"that"
            | b"of" | b"to" | b"for" | b"with" | b"are" | b"my" | b"me" | b"be" | b"have"
            | b"has" | b"just" | b"but" | b"what" | b"on" | b"at" | b"your" | b"they" | b"we"
            | b"can" | b"don't" | b"dont" | b"i'm" | b"it's" | b"he" | b"she" | b"her" | b"his"
            | b"our" | b"if" | b"or" | b"do" | b"get" | b"got" | b"would" | b"about" | b"from"
            | b"when" | b"how" | b"who" | b"there" | b"their" | b"out" | b"up" | b"too"
            | b"very" | b"really" | b"than" | b"then" | b"as" | b"by" | b"one" | b"like"
            | b"been" | b"were" | b"should" | b"could" | b"why" | b"where" | b"which" | b"since"
            | b"still" | b"again" | b"isn't" | b"doesn't" | b"won't" | b"can't" | b"didn't"
            | b"you're" | b"there's" | b"anyone" | b"any" | b"some" | b"does" | b"did" | b"thanks"
            | b"please" | b"no" | b"all" | b"after" | b"before" | b"now" | b"new" | b"day" | b"days"
            | b"hours" | b"weeks" | b"today" | b"yesterday" | b"tomorrow" | b"its"
    )
}

#[rustfmt::skip]
fn is_german_marker(word: &[u8]) -> bool {
    matches!(
        word,
        b"der" | b"das" | b"und" | b"nicht" | b"ist" | b"ich" | b"du" | b"sie" | b"wir" | b"ihr"
            | b"es" | b"ein" | b"eine" | b"einen" | b"einem" | b"einer" | b"den" | b"dem"
            | b"des" | b"mit" | b"auf" | b"auch" | b"noch" | b"schon" | b"nur" | b"oder"
            | b"aber" | b"wenn" | b"dass" | b"weil" | b"sehr" | b"heute" | b"jetzt" | b"mal"
            | b"kein" | b"keine" | b"sind" | b"haben" | b"habe" | b"hat" | b"wird" | b"werden"
            | b"wie" | b"zum" | b"zur" | b"vom" | b"bei" | b"nach" | b"aus" | b"von" | b"nichts"
            | b"doch" | b"ja" | b"nein" | b"wieder" | b"immer" | b"hier" | b"viel" | b"mehr"
            | b"gibt" | b"geht" | b"kann" | b"muss" | b"echt" | b"bin" | b"bist" | b"mir"
            | b"mich" | b"dich" | b"sich" | b"uns" | b"euch" | b"mein" | b"dein" | b"sein"
            | b"ganz" | b"nie" | b"einfach" | b"gerade" | b"wirklich" | b"seit" | b"bitte"
            | b"danke" | b"warum" | b"wieso" | b"wann" | b"wo" | b"welche" | b"welcher" | b"welches"
            | b"euer" | b"eure" | b"euren" | b"hab" | b"habt" | b"seid" | b"nix" | b"jemand"
            | b"niemand" | b"gestern" | b"morgen" | b"ab" | b"um" | b"bis" | b"dann" | b"denn"
            | b"ob" | b"wegen" | b"trotzdem" | b"gar" | b"halt" | b"eben" | b"eigentlich" | b"nen"
            | b"wurde" | b"wurden" | b"hatte" | b"sollte" | b"soll" | b"leider" | b"endlich"
            | b"diese" | b"dieser" | b"diesen" | b"dieses" | b"diesem" | b"alles" | b"kommt"
            | b"kommen" | b"kam" | b"meine" | b"meinen" | b"meinem" | b"unser" | b"unsere"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_german() {
        assert_eq!(detect("Das ist nicht gut"), Language::De);
        assert_eq!(detect("Ich habe heute keine Lust"), Language::De);
        assert_eq!(detect("Schöne Grüße"), Language::De);
        assert_eq!(detect("Mega geil, echt!"), Language::De);
    }

    #[test]
    fn detects_english() {
        assert_eq!(detect("This is not good"), Language::En);
        assert_eq!(detect("I love it and you know it"), Language::En);
        assert_eq!(detect("Die die die"), Language::En);
    }

    #[test]
    fn defaults_to_english_without_cues() {
        assert_eq!(detect(""), Language::En);
        assert_eq!(detect("😍😍"), Language::En);
        assert_eq!(detect("Berlin"), Language::En);
    }

    #[test]
    fn lexicons_break_ties() {
        assert_eq!(detect("Endlich Wochenende! 🎉"), Language::De);
        assert_eq!(detect("Awesome! 🎉"), Language::En);
        assert_eq!(detect("Mega geil"), Language::De);
        assert_eq!(detect("Die Stimmung war unbeschreiblich!"), Language::De);
        assert_eq!(detect("Young and wild"), Language::En);
    }

    #[test]
    fn choice_overrides_detection() {
        assert_eq!(LanguageChoice::De.resolve("This is good"), Language::De);
        assert_eq!(LanguageChoice::En.resolve("Das ist gut"), Language::En);
        assert_eq!(LanguageChoice::Auto.resolve("Das ist gut"), Language::De);
        assert_eq!(LanguageChoice::default(), LanguageChoice::Auto);
    }
}
