//! German compounds: a word the lexicon lacks takes the sentiment of its parts.
//!
//! German glues nouns together, and the last part (the head) decides what the whole is:
//! "Lieferchaos" and "Servicewüste" are negative because "-chaos" and "-wüste" are. A
//! modifier in front gives its sentiment to a neutral head ("Traumwetter",
//! "Horror-Update") or raises a valenced one ("Totalausfall"). The heads and modifiers
//! are listed in `cues/de_heads.txt` and `cues/de_modifiers.txt`; a head may also be any
//! word of the German lexicon of five letters or more ("Reisefrust", "Geldverschwendung").

use crate::lexicon::BOOST;
use crate::lexicon_de;
use crate::table::Table;

include!(concat!(env!("OUT_DIR"), "/compound_de.rs"));

/// Shorter words are not tried: most are simple words, and every split costs lookups.
const MIN_LEN: usize = 7;
/// Longer words are not tried either: bounded work per token.
const MAX_LEN: usize = 40;
const MIN_HEAD: usize = 3;
const MIN_LEXICON_HEAD: usize = 5;
const MIN_MODIFIER: usize = 3;
/// The longest modifier listed; longer prefixes need not be looked up.
const MAX_MODIFIER: usize = 9;
/// Endings a head may carry: plural and case ("-katastrophen", "-problemen").
const ENDINGS: [&str; 4] = ["en", "n", "e", "s"];

/// The valence of the folded German word `key` read as a compound, if its parts give one.
pub(crate) fn valence(key: &str) -> Option<f32> {
    if !(MIN_LEN..=MAX_LEN).contains(&key.len()) {
        return None;
    }
    if let Some((modifier, head)) = key.rsplit_once('-') {
        let head_valence = head_valence(head).or_else(|| lexicon_de::valence(head));
        return combine(modifier_valence(modifier.rsplit('-').next().unwrap_or(modifier)), head_valence);
    }
    // The longest head wins: "Albtraum" is a nightmare before it is a dream.
    let head = (MIN_MODIFIER..=key.len() - MIN_HEAD)
        .filter(|&at| key.is_char_boundary(at))
        .find_map(|at| head_valence(&key[at..]).map(|v| (at, v)));
    match head {
        Some((at, v)) => combine(prefix_modifier(&key[..at]).map(|m| m.1), Some(v)),
        None => combine(prefix_modifier(key).filter(|&(len, _)| key.len() - len >= 4).map(|m| m.1), None),
    }
}

/// The valence of a head as listed, or as a long lexicon word, with or without an ending.
fn head_valence(part: &str) -> Option<f32> {
    let listed = |p: &str| {
        HEADS.get(p).filter(|_| p.len() >= MIN_HEAD).or_else(|| {
            // Only negative lexicon words head a compound reliably: "-frust" is frust,
            // but "-spass" in "Spassbremse" is not fun.
            if p.len() >= MIN_LEXICON_HEAD { lexicon_de::word_valence(p).filter(|v| *v < 0.0) } else { None }
        })
    };
    listed(part).or_else(|| ENDINGS.iter().find_map(|e| part.strip_suffix(e).and_then(listed)))
}

/// The modifier a word starts with, longest first, with its length.
fn prefix_modifier(key: &str) -> Option<(usize, f32)> {
    (MIN_MODIFIER..=MAX_MODIFIER.min(key.len()))
        .rev()
        .filter(|&len| key.is_char_boundary(len))
        .find_map(|len| MODIFIERS.get(&key[..len]).map(|v| (len, v)))
}

fn modifier_valence(part: &str) -> Option<f32> {
    MODIFIERS.get(part).or_else(|| lexicon_de::valence(part).map(|v| v * 0.9))
}

/// The whole's valence: a valenced head, raised by a boosting or same-signed modifier;
/// else a valenced modifier's (a `boost` modifier is listed as 0).
fn combine(modifier: Option<f32>, head: Option<f32>) -> Option<f32> {
    match (modifier, head) {
        (Some(m), Some(h)) if m == 0.0 || m.signum() == h.signum() => Some(h + BOOST.copysign(h)),
        (_, Some(h)) => Some(h),
        (Some(m), None) if m != 0.0 => Some(m * 0.9),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negative_head_makes_the_compound_negative() {
        for word in [
            "lieferchaos",
            "servicewueste",
            "geldverschwendung",
            "totalversagen",
            "updatedesaster",
            "reisefrust",
            "rechnungsaerger",
            "umzugskatastrophe",
            "lieferkatastrophen",
        ] {
            assert!(valence(word).is_some_and(|v| v < -1.5), "{word}: {:?}", valence(word));
        }
    }

    #[test]
    fn modifiers_colour_neutral_heads_and_boost_valenced_ones() {
        assert!(valence("traumwetter").is_some_and(|v| v > 1.5));
        assert!(valence("horror-update").is_some_and(|v| v < -1.5));
        assert!(valence("scheissservice").is_some_and(|v| v < -1.5));
        assert!(valence("totalausfall").unwrap() < valence("netzausfall").unwrap());
        assert!(valence("mega-chaos").unwrap() < -2.0);
        assert!(valence("montagmorgen-chaos").unwrap() < -1.5);
    }

    #[test]
    fn plain_words_are_no_compounds() {
        for word in
            ["kundenservice", "hauptbahnhof", "wochenende", "geburtstag", "wueste", "chaos", "supermarkt", "traumata"]
        {
            assert_eq!(valence(word), None, "{word}");
        }
    }
}
