//! Irony: praise next to a failure that was not put right is not praise.
//!
//! "great, another update that broke ...", "'great' service", "thanks @airline 👏" after
//! a cancelled flight: a positive word in a text that reports a failure, or that rolls
//! its eyes (🙄 🙃), turns negative when something marks it as ironic (scare quotes, its
//! place at the start or end, an interjection before it, "again", a fixed sarcastic
//! phrase, 👏 after a failure), and counts for little otherwise ("thanks in advance"
//! under a complaint is politeness).

use crate::analyze::View;
use crate::evidence::Evidence;
use crate::explain::{Because, Cause};
use crate::lang::Language;
use crate::lexicon;

/// An ironic positive word counts this much of its valence, negated.
const IRONY: f64 = 0.8;
/// A positive word in a failure report without an irony marker keeps this much.
const DAMP: f64 = 0.3;
/// Emoji that roll their eyes: they make the praise around them ironic on their own.
const EYE_ROLL: [&str; 5] = ["🙃", "🙄", "🤡", "😒", "🤦"];
/// Applause is ironic next to a failure only.
const CLAPPING: &str = "👏";

impl View<'_> {
    pub(crate) fn irony(&self, sentiments: &mut [f64], causes: &mut [Cause], in_cue: &[bool], evidence: &Evidence) {
        let failing = evidence.failing();
        let eye_roll = self.has_emoji(&EYE_ROLL);
        let suspect = failing || eye_roll;
        let quotes = (0..self.t.len()).any(|i| self.t.get(i).quoted);
        let marked = suspect
            && (eye_roll || quotes || evidence.repeat || evidence.sarcasm || (failing && self.has_emoji(&[CLAPPING])));
        for k in 0..sentiments.len() {
            if sentiments[k] <= 0.0 || in_cue[k] {
                continue;
            }
            if self.t.get(k).quoted || (suspect && (marked || self.ironic_position(k))) {
                sentiments[k] *= -IRONY;
                causes[k] = Cause::span(Because::Sarcasm, k, k);
            } else if failing {
                sentiments[k] *= DAMP;
            }
        }
    }

    fn has_emoji(&self, which: &[&str]) -> bool {
        (0..self.t.len()).any(|i| self.t.get(i).symbol.is_some() && which.contains(&self.key(i)))
    }

    /// The first two or last two tokens of the text ("Great, ...", "... Brilliant."), or
    /// right after an interjection ("oh wonderful", "na super"). Praise after a "but"
    /// turns the text round and is meant ("a day late, but the bed is beautiful").
    fn ironic_position(&self, k: usize) -> bool {
        let n = self.t.len();
        let after_but = (0..k).any(|j| lexicon::is_contrast(self.lang, self.key(j)));
        !after_but && (k <= 1 || k + 2 >= n || (k.saturating_sub(2)..k).any(|j| self.is_interjection(j)))
    }

    fn is_interjection(&self, i: usize) -> bool {
        match self.lang {
            Language::En => matches!(self.key(i), "oh" | "ooh" | "wow" | "ah" | "yay" | "omg" | "gee"),
            Language::De => matches!(self.key(i), "na" | "ach" | "oh" | "wow" | "tja" | "boah" | "juhu" | "hach"),
        }
    }
}
