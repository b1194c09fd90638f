//! The analyzer: reads a text's tokens once, then runs the rules over them in order.
//!
//! 1. VADER's rules per token (`rules`): valence, boosters, negation, capitals;
//! 2. cue phrases (`evidence`): idioms, service complaints, fixed sarcasm, resolutions;
//! 3. irony (`irony`): praise next to an unresolved failure is not praise;
//! 4. information questions without sentiment are neutral (`question`);
//! 5. contrast ("but"), then the sum is normalised (`summary`).
//!
//! Each token's sentiment keeps the cue it came from (`explain`), so a result can say
//! why it is what it is.

use crate::compound;
use crate::emoji;
use crate::explain::{self, Because, Cause};
use crate::lang::Language;
use crate::lexicon;
use crate::summary::{Scores, punctuation_emphasis, summarize};
use crate::tokenize::Tokens;

/// Scores texts; keeps its buffers between texts so a batch allocates almost nothing.
#[derive(Default)]
pub struct Analyzer {
    tokens: Tokens,
    words: Vec<Word>,
    sentiments: Vec<f64>,
    causes: Vec<Cause>,
    in_cue: Vec<bool>,
    /// The order in which reasons are read off the tokens.
    order: Vec<usize>,
    question_neutral: bool,
}

/// What the tables say about one token, looked up once: the rules ask many times.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Word {
    pub valence: Option<f32>,
    pub boost: Option<f32>,
    pub negator: bool,
    /// The valence comes from the parts of a German compound.
    pub compound: bool,
}

impl Word {
    fn look_up(tokens: &Tokens, i: usize, lang: Language) -> Self {
        let key = tokens.key(i);
        let symbol = tokens.get(i).symbol;
        let valence = symbol.or_else(|| lexicon::valence(lang, key).or_else(|| emoji::emoticon_valence(key)));
        let parts = match (valence, lang) {
            (None, Language::De) => compound::valence(key),
            _ => None,
        };
        Self {
            valence: valence.or(parts),
            boost: lexicon::booster(lang, key),
            negator: lexicon::is_negator(lang, key),
            compound: parts.is_some(),
        }
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
        self.causes.clear();
        for i in 0..view.t.len() {
            let (valence, negator) = view.valence(i);
            self.sentiments.push(valence);
            self.causes.push(match negator {
                Some(j) => Cause::span(Because::Negation, j, i),
                None if view.w[i].compound => Cause::span(Because::Compound, i, i),
                None => Cause::span(Because::Word, i, i),
            });
        }
        if lang == Language::De {
            view.trailing_negation(&mut self.sentiments, &mut self.causes);
        }
        let evidence = view.cues(&mut self.sentiments, &mut self.causes, &mut self.in_cue);
        view.irony(&mut self.sentiments, &mut self.causes, &self.in_cue, &evidence);
        self.question_neutral = view.neutral_question(&mut self.sentiments, &evidence);
        view.contrast(&mut self.sentiments);
        summarize(&self.sentiments, punctuation_emphasis(text), lang)
    }

    /// Scores `text` and says why: the cues behind the label, strongest first, such as
    /// `complaint:"not working"` or `question:neutral`.
    pub fn explain(&mut self, text: &str, lang: Language) -> (Scores, Vec<String>) {
        let scores = self.score(text, lang);
        let reasons = if self.question_neutral {
            vec![explain::QUESTION_NEUTRAL.to_string()]
        } else {
            explain::reasons(&self.tokens, text, &self.sentiments, &self.causes, scores.label(), &mut self.order)
        };
        (scores, reasons)
    }
}

/// The tokens of one text as the rules read them.
pub(crate) struct View<'a> {
    pub t: &'a Tokens,
    pub w: &'a [Word],
    pub lang: Language,
    pub mixed_caps: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Label;

    #[test]
    fn buffers_are_reused_without_leaking_between_texts() {
        let mut a = Analyzer::new();
        let first = a.explain("thanks for nothing", Language::En);
        let _ = a.explain("Die App geht nicht, so ein Lieferchaos", Language::De);
        assert_eq!(a.explain("thanks for nothing", Language::En), first);
        assert_eq!(a.explain("", Language::En).0.label(), Label::Neutral);
    }
}
