//! Questions that ask for information ("Which payment methods do you accept?", "Wann
//! öffnet ihr?") are neutral; a question that carries a complaint ("why is it STILL not
//! working?") or strong feeling keeps its sentiment, and so do the sentences around a
//! question that are none.

use crate::analyze::View;
use crate::evidence::Evidence;

/// A word at least this strong (after its modifiers) is feeling, not politeness or
/// service vocabulary, even in a question.
const STRONG: f64 = 2.0;

impl View<'_> {
    /// Makes the question sentences of a text neutral when they only ask for
    /// information; tells whether that left the whole text neutral. Sentences that are
    /// no questions keep their sentiment ("Am I pleased? Yes.").
    pub(crate) fn neutral_question(&self, sentiments: &mut [f64], evidence: &Evidence) -> bool {
        let complains = evidence.failure < 0.0 || evidence.sarcasm;
        if complains || sentiments.iter().any(|s| s.abs() >= STRONG) {
            return false;
        }
        let mut asked = false;
        let mut start = 0;
        for i in 0..self.t.len() {
            let token = self.t.get(i);
            if token.question_end {
                sentiments[start..=i].fill(0.0);
                asked = true;
            }
            if token.sentence_end {
                start = i + 1;
            }
        }
        asked && sentiments.iter().all(|&s| s == 0.0)
    }
}
