//! VADER-style scoring: each token's valence, the words that modify it, and the
//! normalisation of their sum into compound and proportion scores.
//!
//! The rules and constants follow Hutto & Gilbert (2014): boosters add ±0.293 fading
//! with distance, negators within three preceding words scale by -0.74, a word in capitals
//! amid lower case adds ±0.733, a contrast word ("but") halves what precedes it and
//! raises what follows by half, and `!`/`?` add emphasis. German adds negation that
//! follows its word ("Ich mag das nicht").

use serde::Serialize;

use crate::emoji;
use crate::lang::Language;
use crate::lexicon::{self, BOOST};
use crate::lexicon_de;
use crate::tokenize::Tokens;

const CAPS_BOOST: f64 = 0.733;
const NEGATION: f64 = -0.74;
const EXCLAMATION: f64 = 0.292;
const QUESTION: f64 = 0.18;
/// VADER's normalisation constant: a valence sum of √15 ≈ 3.9 maps to a compound of 0.71.
const ALPHA: f64 = 15.0;
/// How many words after a German sentiment word a clause-final "nicht" may stand.
const TRAILING_REACH: usize = 6;
/// How much of a booster reaches a word one, two and three tokens away.
const DECAY: [f64; 3] = [1.0, 0.95, 0.9];

/// The scores of one text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    /// The normalised sum of all valences, in [-1, 1].
    pub compound: f64,
    /// Proportions of the text that are positive, negative and neutral; they sum to 1.
    pub positive: f64,
    pub negative: f64,
    pub neutral: f64,
    pub language: Language,
}

/// The three-way label of a compound score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Positive,
    Negative,
    Neutral,
}

impl Label {
    /// VADER's thresholds: at least 0.05 positive, at most -0.05 negative.
    pub fn of(compound: f64) -> Self {
        if compound >= 0.05 {
            Self::Positive
        } else if compound <= -0.05 {
            Self::Negative
        } else {
            Self::Neutral
        }
    }
}

impl Scores {
    pub fn label(&self) -> Label {
        Label::of(self.compound)
    }
}

/// Scores texts; keeps its buffers between texts so a batch allocates almost nothing.
#[derive(Default)]
pub struct Analyzer {
    tokens: Tokens,
    words: Vec<Word>,
    sentiments: Vec<f64>,
    negated: Vec<bool>,
}

/// What the tables say about one token, looked up once: the rules ask many times.
#[derive(Clone, Copy, Debug, Default)]
struct Word {
    valence: Option<f32>,
    boost: Option<f32>,
    negator: bool,
}

impl Word {
    fn look_up(tokens: &Tokens, i: usize, lang: Language) -> Self {
        let key = tokens.key(i);
        let valence =
            tokens.get(i).symbol.or_else(|| lexicon::valence(lang, key).or_else(|| emoji::emoticon_valence(key)));
        Self { valence, boost: lexicon::booster(lang, key), negator: lexicon::is_negator(lang, key) }
    }
}

impl Analyzer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Scores `text` with `lang`'s lexicon and rules.
    pub fn score(&mut self, text: &str, lang: Language) -> Scores {
        self.tokens.tokenize(text, lang);
        self.words.clear();
        self.words.extend((0..self.tokens.len()).map(|i| Word::look_up(&self.tokens, i, lang)));
        let view = View { t: &self.tokens, w: &self.words, lang, mixed_caps: self.tokens.mixed_caps() };
        self.sentiments.clear();
        self.negated.clear();
        for i in 0..view.t.len() {
            let (valence, negated) = view.valence(i);
            self.sentiments.push(valence);
            self.negated.push(negated);
        }
        if lang == Language::De {
            view.trailing_negation(&mut self.sentiments, &self.negated);
        }
        view.idioms(&mut self.sentiments);
        view.contrast(&mut self.sentiments);
        summarize(&self.sentiments, punctuation_emphasis(text), lang)
    }
}

/// The tokens of one text as the rules read them.
struct View<'a> {
    t: &'a Tokens,
    w: &'a [Word],
    lang: Language,
    mixed_caps: bool,
}

impl View<'_> {
    fn key(&self, i: usize) -> &str {
        self.t.key(i)
    }

    /// The valence a token has on its own: emoji, lexicon word or emoticon.
    fn base(&self, i: usize) -> Option<f64> {
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

    /// Token `i`'s valence after the modifiers before it, and whether it was negated.
    fn valence(&self, i: usize) -> (f64, bool) {
        if self.acts_as_booster(i) || self.is_kind_of(i) {
            return (0.0, false);
        }
        let Some(base) = self.base(i) else { return (0.0, false) };
        if self.lang == Language::En && self.key(i) == "no" && self.next_has_valence(i) {
            // "no" as a determiner ("no good") negates the next word instead.
            return (0.0, false);
        }
        let mut v = base;
        let mut negated = self.after_no(i);
        if negated {
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
            negated ^= factor < 0.0;
            v *= factor;
        }
        if self.after_least(i) {
            v *= NEGATION;
        }
        (v, negated)
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
    fn after_no(&self, i: usize) -> bool {
        if self.lang != Language::En {
            return false;
        }
        // A clause boundary between "no" and the word ends its reach ("I like, no, love").
        let is = |k: usize, w: &str| i >= k && self.key(i - k) == w && !(i - k..i).any(|j| self.t.get(j).clause_end);
        is(1, "no") || is(2, "no") || (is(3, "no") && (is(1, "or") || is(1, "nor")))
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
    fn trailing_negation(&self, sentiments: &mut [f64], negated: &[bool]) {
        let n = self.t.len();
        for i in 0..n {
            let symbol = self.t.get(i).symbol.is_some();
            if sentiments[i] == 0.0 || negated[i] || symbol || lexicon_de::is_sentence_adverb(self.key(i)) {
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
                    }
                    break;
                }
            }
        }
    }

    /// Gives an idiom's last word the valence of the whole and silences the others.
    fn idioms(&self, sentiments: &mut [f64]) {
        for i in 1..self.t.len() {
            for &(words, valence) in lexicon::idioms(self.lang) {
                if self.phrase_ends_at(words, i) {
                    sentiments[i + 1 - words.len()..i].fill(0.0);
                    sentiments[i] = f64::from(valence);
                    break;
                }
            }
        }
    }

    /// Whether the tokens ending at `i` are `words`.
    fn phrase_ends_at(&self, words: &[&str], i: usize) -> bool {
        words.len() <= i + 1 && words.iter().rev().enumerate().all(|(back, w)| self.key(i - back) == *w)
    }

    /// After the first "but" what follows counts 1.5 times, what precedes half.
    fn contrast(&self, sentiments: &mut [f64]) {
        let Some(b) = (0..self.t.len()).find(|&i| lexicon::is_contrast(self.lang, self.key(i))) else {
            return;
        };
        sentiments[..b].iter_mut().for_each(|s| *s *= 0.5);
        sentiments[b + 1..].iter_mut().for_each(|s| *s *= 1.5);
    }
}

/// Emphasis from up to four `!` and, when there are two or more, from `?`.
fn punctuation_emphasis(text: &str) -> f64 {
    let (mut bangs, mut questions) = (0u32, 0u32);
    for b in text.bytes() {
        bangs += u32::from(b == b'!');
        questions += u32::from(b == b'?');
    }
    let bang = f64::from(bangs.min(4)) * EXCLAMATION;
    let question = match questions {
        0 | 1 => 0.0,
        2 | 3 => f64::from(questions) * QUESTION,
        _ => 0.96,
    };
    bang + question
}

/// VADER's `x / sqrt(x² + α)`, clamped to [-1, 1].
pub(crate) fn normalize(sum: f64) -> f64 {
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// Turns token valences into the compound score and the three proportions.
fn summarize(sentiments: &[f64], emphasis: f64, language: Language) -> Scores {
    let sum: f64 = sentiments.iter().sum();
    // Punctuation only amplifies sentiment that is there, in its direction.
    let compound = normalize(if sum > 0.0 {
        sum + emphasis
    } else if sum < 0.0 {
        sum - emphasis
    } else {
        0.0
    });
    // Each sentiment word also counts as one "word" of text, as neutral words do.
    let (mut pos, mut neg, mut neu) = (0.0, 0.0, 0.0);
    for &s in sentiments {
        if s > 0.0 {
            pos += s + 1.0;
        } else if s < 0.0 {
            neg += s - 1.0;
        } else {
            neu += 1.0;
        }
    }
    if pos > -neg {
        pos += emphasis;
    } else if pos < -neg {
        neg -= emphasis;
    }
    let total = pos - neg + neu;
    if total == 0.0 {
        return Scores { compound: 0.0, positive: 0.0, negative: 0.0, neutral: 1.0, language };
    }
    Scores { compound, positive: pos / total, negative: neg.abs() / total, neutral: neu / total, language }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_into_the_unit_interval() {
        assert_eq!(normalize(0.0), 0.0);
        assert!((normalize(4.0) - 4.0 / 31f64.sqrt()).abs() < 1e-12);
        assert!(normalize(1e9) <= 1.0 && normalize(-1e9) >= -1.0);
        assert!(normalize(-2.0) < 0.0);
    }

    #[test]
    fn punctuation_emphasis_counts_bangs_and_questions() {
        assert_eq!(punctuation_emphasis("ok"), 0.0);
        assert!((punctuation_emphasis("ok!!") - 2.0 * EXCLAMATION).abs() < 1e-12);
        assert!((punctuation_emphasis("ok!!!!!!!") - 4.0 * EXCLAMATION).abs() < 1e-12);
        assert_eq!(punctuation_emphasis("ok?"), 0.0);
        assert!((punctuation_emphasis("ok??") - 2.0 * QUESTION).abs() < 1e-12);
        assert_eq!(punctuation_emphasis("ok?????"), 0.96);
    }

    #[test]
    fn summarize_gives_proportions_that_sum_to_one() {
        let s = summarize(&[2.0, 0.0, -1.0, 0.0], 0.0, Language::En);
        assert!((s.positive + s.negative + s.neutral - 1.0).abs() < 1e-12);
        assert!(s.positive > s.negative && s.compound > 0.0);
        let empty = summarize(&[], 0.5, Language::De);
        assert_eq!((empty.compound, empty.neutral, empty.label()), (0.0, 1.0, Label::Neutral));
        // Emphasis without sentiment changes nothing.
        assert_eq!(summarize(&[0.0], 0.6, Language::En).compound, 0.0);
    }

    #[test]
    fn labels_use_vader_thresholds() {
        assert_eq!(Label::of(0.05), Label::Positive);
        assert_eq!(Label::of(0.0499), Label::Neutral);
        assert_eq!(Label::of(-0.05), Label::Negative);
    }
}
