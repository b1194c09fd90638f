//! Cue phrases applied to a text (see `cues`), and the evidence they give about it: how
//! much it reports a failure of a service, whether it is sarcastic by a fixed phrase,
//! whether the failure was put right, and whether it says "again".

use crate::analyze::View;
use crate::cues::{self, Kind};
use crate::explain::{Because, Cause};
use crate::rules::NEGATION;

/// Complaint cues summing to this or less make a text report a failure.
const FAILURE: f64 = -1.0;
/// A denied resolution ("not fixed", "nicht behoben") is a complaint of this valence.
const RESOLUTION_DENIED: f64 = -1.6;
/// How many words before a cue a negator reaches ("never had an issue").
const NEGATION_REACH: usize = 2;

/// What the cues of one text say about it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Evidence {
    /// The summed valence of complaint and sarcasm cues: 0 or negative.
    pub failure: f64,
    pub sarcasm: bool,
    pub resolved: bool,
    pub repeat: bool,
}

impl Evidence {
    /// The text reports a failure that it does not say was put right.
    pub(crate) fn failing(&self) -> bool {
        (self.failure <= FAILURE || self.sarcasm) && !self.resolved
    }
}

impl View<'_> {
    /// Finds the cues from left to right, longest first and without overlap; a cue's
    /// valence replaces its words' and sits on its last token. Marks their tokens in
    /// `in_cue`.
    pub(crate) fn cues(&self, sentiments: &mut [f64], causes: &mut [Cause], in_cue: &mut Vec<bool>) -> Evidence {
        let n = self.t.len();
        in_cue.clear();
        in_cue.resize(n, false);
        let mut evidence = Evidence::default();
        let mut i = 0;
        while i < n {
            let Some((cue, end)) = cues::find(self.t, i, self.lang) else {
                i += 1;
                continue;
            };
            let negated = self.negated_cue(i, in_cue);
            let (v, because) = evidence.add(cue.kind, f64::from(cue.valence), negated || self.t.get(i).quoted);
            sentiments[i..=end].fill(0.0);
            sentiments[end] = v;
            in_cue[i..=end].fill(true);
            causes[end] = Cause::span(because, i, end);
            i = end + 1;
        }
        evidence
    }

    /// Whether a negator not part of a cue stands at most [`NEGATION_REACH`] words before
    /// token `i`, in the same clause.
    fn negated_cue(&self, i: usize, in_cue: &[bool]) -> bool {
        (1..=NEGATION_REACH.min(i)).any(|d| {
            let j = i - d;
            !in_cue[j] && self.w[j].negator && !(j..i).any(|k| self.t.get(k).clause_end)
        })
    }
}

impl Evidence {
    /// Takes in one cue; gives the valence it carries and why. A negated complaint is
    /// praise of sorts ("never had an issue"); a negated or scare-quoted resolution is
    /// a complaint ("still not fixed", "'resolved'").
    fn add(&mut self, kind: Kind, v: f64, negated: bool) -> (f64, Because) {
        match kind {
            Kind::Complaint if negated => (v * NEGATION, Because::Negation),
            Kind::Complaint => {
                self.failure += v;
                (v, Because::Complaint)
            }
            Kind::Resolution if negated => {
                self.failure += RESOLUTION_DENIED;
                (RESOLUTION_DENIED, Because::Complaint)
            }
            Kind::Resolution => {
                self.resolved = true;
                (v, Because::Resolution)
            }
            Kind::Sarcasm => {
                self.sarcasm = true;
                self.failure += v;
                (v, Because::Sarcasm)
            }
            Kind::Repeat => {
                self.repeat = true;
                (v, Because::Idiom)
            }
            Kind::Idiom | Kind::Neutral => (v, Because::Idiom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_adds_up_cues() {
        let mut e = Evidence::default();
        assert_eq!(e.add(Kind::Complaint, -1.8, false), (-1.8, Because::Complaint));
        assert!(e.failing());
        assert_eq!(e.add(Kind::Resolution, 1.0, false).1, Because::Resolution);
        assert!(!e.failing(), "a resolved failure");
        let mut e = Evidence::default();
        assert_eq!(e.add(Kind::Resolution, 1.0, true), (RESOLUTION_DENIED, Because::Complaint));
        assert!(e.failing(), "a denied resolution");
        let mut e = Evidence::default();
        assert!(e.add(Kind::Complaint, -1.6, true).0 > 0.0, "a negated complaint");
        assert!(!e.failing());
        e.add(Kind::Sarcasm, -2.0, false);
        assert!(e.sarcasm && e.failing());
    }
}
