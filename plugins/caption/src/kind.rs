//! What a topic is about, read from its words in English and German: an incident (an
//! outage, a delay, an apology) or, by default, an announcement; and the problem words
//! that keep a hashtag from ever being suggested.

use serde::Serialize;

/// The kind of a topic; incidents get sober captions and no hashtags from the problem.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Announcement,
    Incident,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Announcement => "announcement",
            Self::Incident => "incident",
        }
    }

    /// Incident when any word of `texts` is an incident word.
    pub fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let incident = texts.into_iter().any(|text| {
            let words: Vec<String> =
                text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
            words.iter().enumerate().any(|(i, w)| is_incident_word(w, i.checked_sub(1).map(|p| words[p].as_str())))
        });
        if incident { Self::Incident } else { Self::Announcement }
    }
}

/// Words that are an incident on their own (and their plural or inflected forms).
const INCIDENT_WORDS: &[&str] = &[
    "apologies",
    "apologise",
    "apologize",
    "apology",
    "broken",
    "bug",
    "bugs",
    "crash",
    "crashed",
    "crashes",
    "degraded",
    "delay",
    "delayed",
    "delays",
    "down",
    "downtime",
    "entschuldigung",
    "entschuldigen",
    "error",
    "errors",
    "failed",
    "failing",
    "failure",
    "fehler",
    "incident",
    "issue",
    "issues",
    "leider",
    "outage",
    "outages",
    "problem",
    "probleme",
    "problemen",
    "problems",
    "sorry",
    "unavailable",
    "unterbrochen",
];

/// Stems found inside longer German compounds too ("Serverausfall", "Netzstörung").
const INCIDENT_STEMS: &[&str] = &[
    "ausfall",
    "ausfälle",
    "beeinträchtigung",
    "disruption",
    "interruption",
    "maintenance",
    "panne",
    "störung",
    "unterbrechung",
    "verspätung",
    "verzögerung",
    "wartung",
];

/// Words before "issue" that make it a magazine's or newsletter's issue.
const ISSUE_OF_A_SERIES: &[&str] = &["new", "latest", "next", "first", "current", "this", "our"];

fn is_incident_word(word: &str, previous: Option<&str>) -> bool {
    if matches!(word, "issue" | "issues") && previous.is_some_and(|p| ISSUE_OF_A_SERIES.contains(&p)) {
        return false;
    }
    INCIDENT_WORDS.contains(&word)
        || INCIDENT_STEMS.iter().any(|stem| word.contains(stem))
        || (word.starts_with("fehler") && !word.starts_with("fehlerfrei"))
}

/// Parts of tags that mark a problem, a complaint or an attack on the brand.
const PROBLEM_PARTS: &[&str] = &[
    "abzocke",
    "ausfall",
    "betrug",
    "boycott",
    "boykott",
    "breach",
    "broken",
    "bug",
    "crash",
    "datenleck",
    "down",
    "error",
    "fail",
    "fehler",
    "fraud",
    "hack",
    "hate",
    "kaputt",
    "lawsuit",
    "leak",
    "outage",
    "panne",
    "recall",
    "refund",
    "rückruf",
    "scam",
    "shame",
    "sorry",
    "störung",
    "sucks",
    "verspätung",
    "wartung",
];

/// Everyday words that contain a problem part but mean none.
const HARMLESS: &[&str] =
    &["countdown", "download", "hackathon", "hackday", "lifehack", "markdown", "scampi", "touchdown"];

/// Whether the tag body (without `#`, any case) contains a problem word.
pub fn is_problem_tag(body: &str) -> bool {
    let mut lower = body.to_lowercase();
    for word in HARMLESS {
        lower = lower.replace(word, " ");
    }
    PROBLEM_PARTS.iter().any(|part| lower.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidents_in_english_and_german() {
        for topic in [
            "Login outage this morning",
            "Our app is down",
            "Sorry: orders are delayed",
            "Serverausfall im Rechenzentrum",
            "Leider verspätet sich die Lieferung",
            "Störung im Zahlungsverkehr",
            "Wartungsarbeiten am Samstag",
            "Fehler in der App behoben",
            "Known issue with exports",
        ] {
            assert_eq!(Kind::of([topic]), Kind::Incident, "{topic}");
        }
        for topic in [
            "Our new online shop",
            "Unser neuer Online-Shop",
            "The new issue of our magazine",
            "Jetzt fehlerfrei: Version 2",
            "Sommerfest in Köln",
            "Download the app",
        ] {
            assert_eq!(Kind::of([topic]), Kind::Announcement, "{topic}");
        }
        assert_eq!(Kind::of(["Spring release", "outage"]), Kind::Incident, "keywords count too");
    }

    #[test]
    fn problem_tags() {
        for tag in ["AcmeOutage", "acmedown", "AcmeFail", "Störung", "BoycottAcme", "ScamAlert", "DataLeak"] {
            assert!(is_problem_tag(tag), "{tag}");
        }
        for tag in ["Countdown", "Hackathon", "RustLang", "Sommerfest", "Download", "OpenSource"] {
            assert!(!is_problem_tag(tag), "{tag}");
        }
    }
}
