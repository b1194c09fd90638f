//! From token valences to the result: punctuation emphasis, VADER's normalisation into
//! a compound score, the positive/negative/neutral proportions, and the label.

use serde::Serialize;

use crate::lang::Language;

const EXCLAMATION: f64 = 0.292;
const QUESTION: f64 = 0.18;
/// VADER's normalisation constant: a valence sum of √15 ≈ 3.9 maps to a compound of 0.71.
const ALPHA: f64 = 15.0;

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

/// Emphasis from up to four `!` and, when there are two or more, from `?`.
pub(crate) fn punctuation_emphasis(text: &str) -> f64 {
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
pub(crate) fn summarize(sentiments: &[f64], emphasis: f64, language: Language) -> Scores {
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
