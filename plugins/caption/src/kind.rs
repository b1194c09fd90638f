//! What a topic is about, read from its words in English and German: `sensitive` (a
//! death, a lawsuit, a recall, a security breach, harm to people), an `incident` (an
//! outage, a delay, a cancellation, an apology) or, by default, an `announcement`.
//!
//! A word list alone reads "Prices down 50%" and "40 bug fixes" as incidents, so each
//! problem word is checked against its neighbours: a negation before it ("no downtime",
//! "kein Problem"), a denying German ending ("störungsfrei"), "down" only about a service
//! (not a price), "issue" not of a newsletter, and the pairs in `vocab`.

use serde::Serialize;

use crate::vocab::*;

/// The kind of a topic; incidents and sensitive topics get sober captions and no
/// hashtags from the problem.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Announcement,
    Incident,
    Sensitive,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Announcement => "announcement",
            Self::Incident => "incident",
            Self::Sensitive => "sensitive",
        }
    }

    /// The gravest kind any of `texts` reads as.
    pub fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        texts.into_iter().map(read).max().unwrap_or_default()
    }

    /// Whether captions of this kind are sober: no emoji, no question, no observed tags.
    pub fn is_sober(self) -> bool {
        self != Self::Announcement
    }
}

/// The lowercase words of `text`, split at everything but letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// The kind of one text.
fn read(text: &str) -> Kind {
    let words = words(text);
    let context = Context {
        service: words.iter().any(|w| SERVICE_NOUNS.contains(&w.as_str())),
        series: words.iter().any(|w| SERIES_NOUNS.contains(&w.as_str())),
    };
    (0..words.len()).map(|i| word_kind(&words, i, &context)).max().unwrap_or_default()
}

/// What the whole text says about its words.
struct Context {
    /// It names a service (app, site, login), so "down" can be about one.
    service: bool,
    /// It names a newsletter or magazine, so "issue" is one of its issues.
    series: bool,
}

/// The kind word `i` of `words` makes the text.
fn word_kind(words: &[String], i: usize, context: &Context) -> Kind {
    let word = words[i].as_str();
    let before = |n: usize| i.checked_sub(n).map(|p| words[p].as_str());
    let after = |n: usize| words.get(i + n).map(String::as_str);
    if [before(1), before(2)].iter().flatten().any(|w| NEGATORS.contains(w)) || denied(word, &before, &after) {
        return Kind::Announcement;
    }
    let pair = |pairs: &[(&str, &str)], reach: usize| {
        pairs.iter().any(|(a, b)| word == *a && (1..=reach).any(|n| after(n) == Some(*b)))
    };
    if SENSITIVE_WORDS.contains(&word)
        || SENSITIVE_STEMS.iter().any(|s| word.contains(s))
        || SENSITIVE_ENDINGS.iter().any(|s| word.ends_with(s))
        || pair(SENSITIVE_PAIRS, 1)
    {
        return Kind::Sensitive;
    }
    let incident = INCIDENT_WORDS.contains(&word)
        || INCIDENT_STEMS.iter().any(|s| word.contains(s))
        || word.starts_with("fehler")
        || pair(INCIDENT_PAIRS, 2);
    let harmless = match word {
        "down" => {
            !context.service
                || before(1).is_some_and(|p| NOT_A_SERVICE_DOWN.contains(&p))
                || after(1).is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()) || n == "to")
        }
        "issue" | "issues" => {
            context.series
                || before(1).is_some_and(|p| ISSUE_OF_A_SERIES.contains(&p))
                || after(1).is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()) || n == "no" || n == "nr")
        }
        _ => false,
    };
    if incident && !harmless { Kind::Incident } else { Kind::Announcement }
}

/// Whether a neighbour or the word's own ending denies the problem: "maintenance-free",
/// "störungsfrei", "Fehlerbehebungen", "bug fixes", "fire sale", "Rückruf-Service".
fn denied<'a>(
    word: &str,
    before: &impl Fn(usize) -> Option<&'a str>,
    after: &impl Fn(usize) -> Option<&'a str>,
) -> bool {
    let denying_ending = DENYING_ENDINGS.iter().any(|e| word.len() > e.len() + 3 && word.ends_with(e));
    denying_ending
        || matches!(after(1), Some("free" | "frei"))
        || HARMLESS_BEGINNINGS.iter().any(|b| word.starts_with(b))
        || HARMLESS_NEIGHBOURS
            .iter()
            .any(|(w, n, follows)| word == *w && if *follows { after(1) == Some(*n) } else { before(1) == Some(*n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_in_english_and_german() {
        for topic in [
            "Login outage this morning",
            "Our app is down",
            "Serverausfall im Rechenzentrum",
            "Leider verspätet sich die Lieferung",
            "Wartungsarbeiten am Samstag",
            "Fehler in der App behoben",
            "Known issue with exports",
            "The concert is cancelled",
            "Die Veranstaltung fällt heute aus",
        ] {
            assert_eq!(Kind::of([topic]), Kind::Incident, "{topic}");
        }
        for topic in [
            "Our founder passed away",
            "We were hacked. Change your password now.",
            "Rückruf: Charge 42 unseres Babybreis",
            "Gas leak at our store, everyone evacuated",
            "Klage gegen unseren Lieferanten",
        ] {
            assert_eq!(Kind::of([topic]), Kind::Sensitive, "{topic}");
        }
        for topic in [
            "Our new online shop",
            "The new issue of our magazine",
            "Issue 12 of our newsletter is out",
            "Jetzt fehlerfrei: Version 2",
            "Wartungsfrei und störungsfrei",
            "Prices down 50% this weekend only!",
            "Release 2.0 with 40 bug fixes",
            "Zero downtime deployments",
            "Unser neuer Rückruf-Service",
            "Lecker: unser Apfelkuchen",
        ] {
            assert_eq!(Kind::of([topic]), Kind::Announcement, "{topic}");
        }
        assert_eq!(Kind::of(["Spring release", "outage"]), Kind::Incident, "keywords count too");
        assert_eq!(Kind::of(["Outage", "recall"]), Kind::Sensitive, "the gravest wins");
    }
}
