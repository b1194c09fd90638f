//! Word tables by language: valences, boosters, negators and "but" words.
//!
//! English valences are VADER's lexicon, turned into a sorted static slice at build time
//! from the MIT-licensed `vader_sentiment` crate (see build.rs). The English boosters and
//! negators below, the phrases in `cues/`, and everything German (lexicon_de.rs), are this plugin's
//! own. Every table is a [`Table`] hashed at compile time: a fresh wasm instance pays
//! nothing to set them up.

use crate::lang::Language;
use crate::lexicon_de;
use crate::table::Table;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/lexicon_en.rs"));
}

/// How much a booster word raises (or a dampener lowers) the next sentiment word.
pub(crate) const BOOST: f32 = 0.293;

static EN_WORDS: Table<f32, 16384> = Table::new(generated::WORDS);

/// The valence of the lowercase (German: folded) word `key`, on the -4..+4 scale.
pub(crate) fn valence(lang: Language, key: &str) -> Option<f32> {
    match lang {
        Language::En => EN_WORDS.get(key),
        Language::De => lexicon_de::valence(key),
    }
}

/// The boost of an intensifier (positive) or dampener (negative) word.
pub(crate) fn booster(lang: Language, key: &str) -> Option<f32> {
    match lang {
        Language::En => EN_BOOSTERS.get(key),
        Language::De => lexicon_de::BOOSTERS.get(key),
    }
}

/// Whether `key` negates the sentiment words that follow it.
pub(crate) fn is_negator(lang: Language, key: &str) -> bool {
    match lang {
        Language::En => EN_NEGATORS.contains(key) || key.contains("n't"),
        Language::De => lexicon_de::NEGATORS.contains(key),
    }
}

/// Whether `key` is a contrast word after which the sentiment counts more ("but").
pub(crate) fn is_contrast(lang: Language, key: &str) -> bool {
    match lang {
        Language::En => key == "but",
        Language::De => matches!(key, "aber" | "jedoch"),
    }
}

/// Whether the tokenizer should keep `key` as it is instead of trying a squeezed form.
pub(crate) fn is_known(lang: Language, key: &str) -> bool {
    valence(lang, key).is_some() || booster(lang, key).is_some() || is_negator(lang, key)
}

const UP: f32 = BOOST;
const DOWN: f32 = -BOOST;

/// English intensifiers and dampeners, sorted.
#[rustfmt::skip]
static EN_BOOSTERS: Table<f32, 256> = Table::new(&[
    ("absolutely", UP), ("almost", DOWN), ("amazingly", UP), ("awfully", UP), ("barely", DOWN),
    ("completely", UP), ("considerably", UP), ("damn", UP), ("decidedly", UP), ("deeply", UP),
    ("downright", UP), ("enormously", UP), ("entirely", UP), ("especially", UP),
    ("exceedingly", UP), ("exceptionally", UP), ("extraordinarily", UP), ("extremely", UP),
    ("fairly", DOWN), ("freakin", UP), ("freaking", UP), ("friggin", UP), ("frigging", UP),
    ("fuckin", UP), ("fucking", UP), ("fully", UP), ("greatly", UP), ("hardly", DOWN),
    ("hella", UP), ("highly", UP), ("hugely", UP), ("incredibly", UP), ("insanely", UP),
    ("intensely", UP), ("kinda", DOWN), ("majorly", UP), ("marginally", DOWN), ("mildly", DOWN),
    ("moderately", DOWN), ("more", UP), ("most", UP), ("occasionally", DOWN), ("partially", DOWN),
    ("particularly", UP), ("partly", DOWN), ("purely", UP), ("quite", UP), ("really", UP),
    ("remarkably", UP), ("scarcely", DOWN), ("seriously", UP), ("slightly", DOWN), ("so", UP),
    ("somewhat", DOWN), ("soo", UP), ("sorta", DOWN), ("substantially", UP), ("terribly", UP),
    ("thoroughly", UP), ("totally", UP), ("tremendously", UP), ("truly", UP), ("uber", UP),
    ("ultra", UP), ("unbelievably", UP), ("unusually", UP), ("utterly", UP), ("very", UP),
]);

/// English negation words, sorted; any word with "n't" negates too.
#[rustfmt::skip]
static EN_NEGATORS: Table<(), 128> = Table::new(&[
    ("aint", ()), ("arent", ()), ("cannot", ()), ("cant", ()), ("couldnt", ()), ("didnt", ()),
    ("doesnt", ()), ("dont", ()), ("hadnt", ()), ("hasnt", ()), ("havent", ()), ("isnt", ()),
    ("mightnt", ()), ("mustnt", ()), ("neednt", ()), ("neither", ()), ("never", ()), ("nobody", ()),
    ("none", ()), ("nope", ()), ("nor", ()), ("not", ()), ("nothing", ()), ("nowhere", ()), ("rarely", ()),
    ("seldom", ()), ("shouldnt", ()), ("wasnt", ()), ("werent", ()), ("without", ()), ("wont", ()),
    ("wouldnt", ()),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::sorted_unique;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(sorted_unique(generated::WORDS));
        assert!(sorted_unique(EN_BOOSTERS.entries()));
        assert!(sorted_unique(EN_NEGATORS.entries()));
        assert!(generated::WORDS.len() > 7000);
    }

    #[test]
    fn english_lookups() {
        assert!(valence(Language::En, "good").unwrap() > 1.0);
        assert!(valence(Language::En, "horrible").unwrap() < -2.0);
        assert!(valence(Language::En, ":)").unwrap() > 1.0);
        assert_eq!(valence(Language::En, "table"), None);
        assert_eq!(booster(Language::En, "very"), Some(BOOST));
        assert_eq!(booster(Language::En, "slightly"), Some(-BOOST));
        assert!(is_negator(Language::En, "not") && is_negator(Language::En, "isn't"));
        assert!(!is_negator(Language::En, "note"));
        assert!(is_contrast(Language::En, "but") && is_contrast(Language::De, "aber"));
    }
}
