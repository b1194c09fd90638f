//! Cue phrases applied to a text (see `cues`), and the evidence they give about it: how
//! much it reports a failure of a service, whether it is sarcastic by a fixed phrase,
//! whether the failure was put right, and whether it says "again".

use crate::analyze::View;
use crate::cues::{self, Kind};
use crate::explain::{Because, Cause};
use crate::lang::Language;
use crate::lexicon;
use crate::rules::NEGATION;

/// Complaint cues summing to this or less make a text report a failure.
const FAILURE: f64 = -1.2;
/// A denied resolution ("not fixed", "nicht behoben") is a complaint of this valence.
const RESOLUTION_DENIED: f64 = -1.6;
/// A repeat cue at least this negative is also failure evidence.
const STRONG_REPEAT: f64 = -1.0;
/// How many words before a cue a negator reaches: "never had an issue" in English, and
/// in German across the middle of the clause ("hat noch nie ein Paket verloren").
const NEGATION_REACH: [usize; 2] = [3, 5];

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
            let negated = match cue.kind {
                Kind::Resolution => self.negated_resolution(i),
                _ => self.negated_cue(i, in_cue),
            };
            let quoted = self.t.get(i).quoted;
            let (v, because) = evidence.add(cue.kind, f64::from(cue.valence), negated, quoted);
            if cue.kind == Kind::Marker {
                i += 1;
                continue;
            }
            sentiments[i..=end].fill(0.0);
            sentiments[end] = v;
            in_cue[i..=end].fill(true);
            causes[end] = Cause::span(because, i, end);
            i = end + 1;
        }
        evidence
    }

    /// Whether a word that denies a whole event ("no", "never", "kein", "nie") stands
    /// shortly before token `i`, in the same clause, and is not part of a cue itself.
    /// Plain "not" is left out: "don't throttle me" still complains.
    fn negated_cue(&self, i: usize, in_cue: &[bool]) -> bool {
        let reach = NEGATION_REACH[usize::from(self.lang == Language::De)];
        (1..=reach.min(i)).any(|d| {
            let j = i - d;
            !in_cue[j] && self.denies(j) && !(j..i).any(|k| self.t.get(k).clause_end)
        })
    }

    /// Whether a negator stands right before a resolution ("not fixed", "still not
    /// resolved", "nicht behoben"); "ohne Diskussion ersetzt" is put right all the same.
    fn negated_resolution(&self, i: usize) -> bool {
        (1..=2.min(i)).any(|d| {
            let j = i - d;
            lexicon::is_negator(self.lang, self.key(j))
                && !(j..i).any(|k| self.t.get(k).clause_end)
                && self.key(j) != "ohne"
        })
    }

    fn denies(&self, j: usize) -> bool {
        match self.lang {
            Language::En => matches!(self.key(j), "no" | "never" | "none" | "without" | "zero" | "nothing"),
            Language::De => {
                matches!(self.key(j), "nie" | "niemals" | "ohne" | "nichts") || self.key(j).starts_with("kein")
            }
        }
    }
}

impl Evidence {
    /// Takes in one cue; gives the valence it carries and why. A negated complaint is
    /// praise of sorts ("never had an issue"); a negated or scare-quoted resolution is
    /// a complaint ("still not fixed", "'resolved'").
    fn add(&mut self, kind: Kind, v: f64, negated: bool, quoted: bool) -> (f64, Because) {
        match kind {
            Kind::Complaint if negated => (v * NEGATION, Because::Negation),
            Kind::Complaint => {
                self.failure += v;
                (v, Because::Complaint)
            }
            Kind::Resolution if negated || quoted => {
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
            Kind::Marker | Kind::Repeat => {
                self.repeat = true;
                // A strong repeat ("schon wieder") is a complaint of its own.
                if v <= STRONG_REPEAT {
                    self.failure += v;
                }
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
        assert_eq!(e.add(Kind::Complaint, -1.8, false, false), (-1.8, Because::Complaint));
        assert!(e.failing());
        assert_eq!(e.add(Kind::Resolution, 1.0, false, false).1, Because::Resolution);
        assert!(!e.failing(), "a resolved failure");
        let mut e = Evidence::default();
        assert_eq!(e.add(Kind::Resolution, 1.0, true, false), (RESOLUTION_DENIED, Because::Complaint));
        assert!(e.failing(), "a denied resolution");
        let mut e = Evidence::default();
        assert_eq!(e.add(Kind::Resolution, 1.0, false, true).1, Because::Complaint, "a scare-quoted resolution");
        assert_eq!(e.add(Kind::Complaint, -1.6, false, true), (-1.6, Because::Complaint), "quotes keep a complaint");
        let mut e = Evidence::default();
        assert!(e.add(Kind::Complaint, -1.6, true, false).0 > 0.0, "a negated complaint");
        assert!(!e.failing());
        e.add(Kind::Sarcasm, -2.0, false, false);
        assert!(e.sarcasm && e.failing());
    }
}
