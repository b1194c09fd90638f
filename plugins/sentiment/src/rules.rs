//! VADER's rules for one token (Hutto & Gilbert 2014): boosters add ±0.293 fading with
//! distance, negators within three preceding words scale by -0.74, a word in capitals
//! amid lower case adds ±0.733, and a contrast word ("but") halves what precedes it and
//! raises what follows by half. German adds negation that follows its word ("Ich mag das
//! nicht").

use crate::analyze::View;
use crate::explain::{Because, Cause};
use crate::lang::Language;
use crate::lexicon::{self, BOOST};
use crate::lexicon_de;

const CAPS_BOOST: f64 = 0.733;
pub(crate) const NEGATION: f64 = -0.74;
/// How many words after a German sentiment word a clause-final "nicht" may stand.
const TRAILING_REACH: usize = 6;
/// How much of a booster reaches a word one, two and three tokens away.
const DECAY: [f64; 3] = [1.0, 0.95, 0.9];

impl View<'_> {
    pub(crate) fn key(&self, i: usize) -> &str {
        self.t.key(i)
    }

    /// The valence a token has on its own: emoji, lexicon word or emoticon.
    pub(crate) fn base(&self, i: usize) -> Option<f64> {
        self.w[i].valence.map(f64::from)
    }

    /// Whether the next token, in the same clause, carries sentiment.
    fn next_has_valence(&self, i: usize) -> bool {
        i + 1 < self.t.len() && !self.t.get(i).clause_end && self.base(i + 1).is_some()
    }

    /// A booster modifies the next word and carries no valence itself. Words that are
    /// both ("super", "damn") boost only when a sentiment word follows them.
    fn acts_as_booster(&self, i: usize) -> bool {
        self.w[i].boost.is_some() && (self.base(i).is_none() || self.next_has_valence(i))
    }

    /// Token `i`'s valence after the modifiers before it, and the negator that flipped
    /// it, if one did.
    pub(crate) fn valence(&self, i: usize) -> (f64, Option<usize>) {
        if self.acts_as_booster(i) || self.is_kind_of(i) {
            return (0.0, None);
        }
        let Some(base) = self.base(i) else { return (0.0, None) };
        if self.lang == Language::En && self.key(i) == "no" && self.next_has_valence(i) {
            // "no" as a determiner ("no good") negates the next word instead.
            return (0.0, None);
        }
        let mut v = base;
        let mut negator = self.after_no(i);
        if negator.is_some() {
            v *= NEGATION;
        }
        if self.t.get(i).caps && self.mixed_caps {
            v += CAPS_BOOST.copysign(v);
        }
        for d in 1..=3.min(i) {
            let j = i - d;
            if self.t.get(j).clause_end {
                break;
            }
            // Only words without a valence of their own modify (VADER's rule), and a
            // sentiment word keeps the modifiers before it ("don't care, don't care").
            if self.base(j).is_some() && !self.acts_as_booster(j) {
                break;
            }
            v += self.boost_from(j, v) * DECAY[d - 1];
            let factor = self.negation_factor(i, d);
            if factor < 0.0 {
                // A second negator cancels the first ("not un-good" stays as it was).
                negator = if negator.is_some() { None } else { Some(j) };
            }
            v *= factor;
        }
        if self.after_least(i) {
            v *= NEGATION;
            negator = Some(i - 1);
        }
        (v, negator)
    }

    /// English "kind of"/"sort of": "kind" is then no sentiment word.
    fn is_kind_of(&self, i: usize) -> bool {
        self.lang == Language::En
            && matches!(self.key(i), "kind" | "sort")
            && i + 1 < self.t.len()
            && self.key(i + 1) == "of"
    }

    /// The boost token `j` gives a word of valence `v`, signed to move away from zero.
    fn boost_from(&self, j: usize, v: f64) -> f64 {
        // The "of" of "kind of"/"sort of" dampens like "kinda".
        let hedge = j > 0 && self.key(j) == "of" && matches!(self.key(j - 1), "kind" | "sort");
        let Some(b) = (if hedge { Some(-BOOST) } else { self.w[j].boost }) else { return 0.0 };
        // A booster pushes a negative word further down, a dampener pulls it up.
        let mut s = if v < 0.0 { -f64::from(b) } else { f64::from(b) };
        if self.t.get(j).caps && self.mixed_caps {
            s += CAPS_BOOST.copysign(v);
        }
        s
    }

    /// The factor a word `d` tokens before token `i` applies: a negation, or VADER's
    /// "never so/this" emphasis, or 1.
    fn negation_factor(&self, i: usize, d: usize) -> f64 {
        let j = i - d;
        if self.lang == Language::En && d >= 2 {
            let so_this = |k: usize| matches!(self.key(k), "so" | "this");
            if self.key(j) == "never" && (so_this(i - 1) || (d == 3 && so_this(i - 2))) {
                return 1.25;
            }
            if self.key(j) == "without" && (self.key(i - 1) == "doubt" || (d == 3 && self.key(i - 2) == "doubt")) {
                return 1.0;
            }
        }
        if self.w[j].negator { NEGATION } else { 1.0 }
    }

    /// English "no" one or two words before ("no real problem"), or three with "or"/"nor"
    /// between ("no love or respect"), negates even though "no" has a valence itself.
    fn after_no(&self, i: usize) -> Option<usize> {
        if self.lang != Language::En {
            return None;
        }
        // A clause boundary between "no" and the word ends its reach ("I like, no, love").
        let is = |k: usize, w: &str| i >= k && self.key(i - k) == w && !(i - k..i).any(|j| self.t.get(j).clause_end);
        if is(1, "no") {
            Some(i - 1)
        } else if is(2, "no") {
            Some(i - 2)
        } else {
            (is(3, "no") && (is(1, "or") || is(1, "nor"))).then(|| i - 3)
        }
    }

    /// English "least" negates ("the least funny"), but not in "at least" or "very least".
    fn after_least(&self, i: usize) -> bool {
        self.lang == Language::En
            && i >= 1
            && self.key(i - 1) == "least"
            && !(i >= 2 && matches!(self.key(i - 2), "at" | "very"))
    }

    /// German negation after its word: "Ich mag dich nicht", "Das gefällt mir nie".
    /// The negator belongs to a following sentiment word instead ("nicht gut").
    pub(crate) fn trailing_negation(&self, sentiments: &mut [f64], causes: &mut [Cause]) {
        let n = self.t.len();
        for i in 0..n {
            let symbol = self.t.get(i).symbol.is_some();
            let negated = causes[i].kind == Because::Negation;
            if sentiments[i] == 0.0 || negated || symbol || lexicon_de::is_sentence_adverb(self.key(i)) {
                continue;
            }
            // German puts "nicht" at the end of the clause, often several words on.
            for j in i + 1..n.min(i + 1 + TRAILING_REACH) {
                if self.t.get(j - 1).clause_end || sentiments[j] != 0.0 {
                    break;
                }
                if lexicon_de::is_trailing_negator(self.key(j)) {
                    let claimed = self.next_has_valence(j) || (j + 1 < n && self.w[j + 1].boost.is_some());
                    if !claimed {
                        sentiments[i] *= NEGATION;
                        causes[i] = Cause::span(Because::Negation, i, j);
                    }
                    break;
                }
            }
        }
    }

    /// After the first "but" what follows counts 1.5 times, what precedes half.
    pub(crate) fn contrast(&self, sentiments: &mut [f64]) {
        let Some(b) = (0..self.t.len()).find(|&i| lexicon::is_contrast(self.lang, self.key(i))) else {
            return;
        };
        sentiments[..b].iter_mut().for_each(|s| *s *= 0.5);
        sentiments[b + 1..].iter_mut().for_each(|s| *s *= 1.5);
    }
}
