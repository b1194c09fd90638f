//! Questions that ask for information ("Which payment methods do you accept?", "Wann
//! öffnet ihr?") are neutral; a question that carries a complaint ("why is it STILL not
//! working?") or strong feeling keeps its sentiment.

use crate::analyze::View;
use crate::evidence::Evidence;

/// A word at least this strong (after its modifiers) is feeling, not politeness or
/// service vocabulary, even in a question.
const STRONG: f64 = 2.0;

impl View<'_> {
    /// Makes an information question neutral; tells whether it did.
    pub(crate) fn neutral_question(&self, text: &str, sentiments: &mut [f64], evidence: &Evidence) -> bool {
        let complains = evidence.failure < 0.0 || evidence.sarcasm;
        if !text.contains('?') || complains || sentiments.iter().any(|s| s.abs() >= STRONG) {
            return false;
        }
        sentiments.fill(0.0);
        true
    }
}
