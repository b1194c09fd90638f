//! Cue phrases: idioms, service complaints, fixed sarcasm, resolutions, irony markers and
//! service vocabulary without sentiment, listed in `cues/*.txt` and built into hashed
//! tables by build.rs.
//!
//! A cue is found by its first word (one hash lookup per token), then its other words are
//! compared; `*` matches any one token and `~` up to [`GAP`] tokens, so the work per token
//! is bounded by the longest group in the lists.

use crate::lang::Language;
use crate::table::Table;
use crate::tokenize::Tokens;

/// The most tokens a `~` in a cue skips; the skipped tokens lie within one clause.
pub(crate) const GAP: usize = 5;

/// What a cue says about the text around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A phrase whose valence is not the sum of its words.
    Idiom,
    /// A failure of a service: "not working", "on hold", "Warteschleife".
    Complaint,
    /// A fixed ironic phrase: "thanks for nothing", "na toll".
    Sarcasm,
    /// A failure put right: "fixed", "läuft wieder".
    Resolution,
    /// "again", "schon wieder": a repeated failure, a marker of irony.
    Repeat,
    /// A phrase that is often ironic ("oh great", "love how", "weiter so"): it marks the
    /// praise in a failure report as irony, and changes nothing else.
    Marker,
    /// Service vocabulary that is no sentiment: "support", "please".
    Neutral,
}

/// One cue: the words after the first, and the valence of the whole.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cue {
    pub rest: &'static [&'static str],
    pub valence: f32,
    pub kind: Kind,
}

mod en {
    use super::{Cue, Kind, Table};
    include!(concat!(env!("OUT_DIR"), "/cues_en.rs"));
}

mod de {
    use super::{Cue, Kind, Table};
    include!(concat!(env!("OUT_DIR"), "/cues_de.rs"));
}

/// The cues of `lang` that start with the word `key`.
fn starting_with(lang: Language, key: &str) -> Option<&'static [Cue]> {
    match lang {
        Language::En => en::CUES.get(key),
        Language::De => de::CUES.get(key),
    }
}

/// Whether a cue of `lang` starts with the word `key`.
pub(crate) fn starts_cue(lang: Language, key: &str) -> bool {
    starting_with(lang, key).is_some()
}

/// The longest cue that starts at token `i`, and the index of its last token.
pub(crate) fn find(tokens: &Tokens, i: usize, lang: Language) -> Option<(Cue, usize)> {
    let cues = starting_with(lang, tokens.key(i))?;
    // Each group is sorted longest first, so the first match is the longest.
    cues.iter().find_map(|cue| rest_matches(tokens, i + 1, cue.rest, i).map(|end| (*cue, end)))
}

/// Whether `words` match from token `next` on; `last` is the index matched before. Gives
/// the index of the last token matched.
fn rest_matches(tokens: &Tokens, next: usize, words: &[&str], last: usize) -> Option<usize> {
    let Some((&word, more)) = words.split_first() else { return Some(last) };
    match word {
        "~" => (0..=GAP).take_while(|&skip| fits_gap(tokens, next, skip)).find_map(|skip| {
            let end = if skip == 0 { last } else { next + skip - 1 };
            rest_matches(tokens, next + skip, more, end)
        }),
        _ if next >= tokens.len() => None,
        "*" => rest_matches(tokens, next + 1, more, next),
        _ if tokens.key(next) == word => rest_matches(tokens, next + 1, more, next),
        _ => None,
    }
}

/// Whether `skip` tokens from `next` on exist and none of them ends a clause.
fn fits_gap(tokens: &Tokens, next: usize, skip: usize) -> bool {
    next + skip <= tokens.len() && (next..next + skip).all(|k| !tokens.get(k).clause_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue_at(text: &str, lang: Language, i: usize) -> Option<(Kind, usize)> {
        let mut t = Tokens::default();
        t.tokenize(text, lang);
        find(&t, i, lang).map(|(cue, end)| (cue.kind, end))
    }

    #[test]
    fn finds_the_longest_cue_from_a_token() {
        assert_eq!(cue_at("thanks for nothing", Language::En, 0), Some((Kind::Sarcasm, 2)));
        assert_eq!(cue_at("app not working", Language::En, 1), Some((Kind::Complaint, 2)));
        assert_eq!(cue_at("I can't log in", Language::En, 0), Some((Kind::Complaint, 1)));
        assert_eq!(cue_at("I cant log in", Language::En, 0), Some((Kind::Complaint, 1)), "apostrophe optional");
        assert_eq!(cue_at("Na toll", Language::De, 0), Some((Kind::Sarcasm, 1)));
        assert_eq!(cue_at("Vielen Dank auch", Language::De, 0), Some((Kind::Sarcasm, 2)));
        assert_eq!(cue_at("Störung in Köln", Language::De, 0), Some((Kind::Complaint, 0)), "folded umlaut");
        assert_eq!(cue_at("thanks a million", Language::En, 0), None);
    }

    #[test]
    fn wildcards_skip_a_bounded_number_of_tokens() {
        assert_eq!(cue_at("charged me twice", Language::En, 0), Some((Kind::Complaint, 2)));
        assert_eq!(cue_at("charged us twice", Language::En, 0), Some((Kind::Complaint, 2)));
        assert_eq!(cue_at("Login geht seit gestern nicht", Language::De, 1), Some((Kind::Complaint, 4)));
        assert_eq!(cue_at("die App stürzt dauernd ab", Language::De, 2), Some((Kind::Complaint, 4)));
        // Six words between are too many for `~`, and it does not reach across a clause.
        assert_eq!(cue_at("geht eins zwei drei vier fünf sechs nicht", Language::De, 0).map(|c| c.1), None);
        assert_eq!(cue_at("geht schon, ich bin nicht sauer", Language::De, 0).map(|c| c.1), None);
        assert_eq!(cue_at("well done... not", Language::En, 0), Some((Kind::Sarcasm, 2)));
    }
}
