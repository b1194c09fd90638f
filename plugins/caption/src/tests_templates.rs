//! Every built-in template against topics of every shape (noun phrases, full sentences,
//! questions, German phrases with articles, incidents, a trailing URL): no doubled
//! punctuation, no German preposition before the topic, sober incidents, and every
//! caption within its network's limit.

use roost_sdk::json;
use roost_sdk::testing::FakeHost;

use super::*;
use crate::emoji::is_emoji;
use crate::offline::fill;
use crate::templates::{self, Part};
use crate::voice::Tone;

const EN: &[&str] = &[
    "our new online shop",
    "the Roost 1.0 release",
    "We are opening a second store in Berlin.",
    "Is your team ready for Roost 2.0?",
    "Spring sale: 20% off everything!",
    "Read the release notes: https://example.com/blog/roost-1-0",
    "Our app is down since 9:00.",
    "login problems for some users",
    "Sorry, deliveries are delayed this week!",
];

const DE: &[&str] = &[
    "unser neuer Online-Shop",
    "die neue App für Android und iOS",
    "Wir eröffnen eine zweite Filiale in Köln.",
    "Was ist neu in Version 3?",
    "der neue Termin für unser Sommerfest",
    "Störung im Zahlungsverkehr",
    "Leider ist unser Shop gerade nicht erreichbar.",
    "Wartungsarbeiten am Samstag von 2 bis 4 Uhr",
];

const KEYWORD_LISTS: &[&str] = &["Kaffee, Kuchen und Musik", "open source", "Rust and WebAssembly."];

/// German prepositions that would need the topic in a case it may not be in.
const PREPOSITIONS: &[&str] =
    &["zu", "zum", "zur", "über", "auf", "für", "mit", "von", "um", "an", "in", "aus", "bei", "durch", "ohne", "gegen"];

fn doubled_punctuation(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).find(|w| w.iter().all(|c| ".!?:;,".contains(*c))).map(|w| w.iter().collect())
}

fn topics(language: Language) -> &'static [&'static str] {
    match language {
        Language::En => EN,
        Language::De => DE,
    }
}

#[test]
fn every_built_in_sentence_reads_well_with_every_topic() {
    let mut checked = 0;
    for (language, tone, built) in templates::all() {
        for kind in [Kind::Announcement, Kind::Incident, Kind::Sensitive] {
            let set = built.set(kind);
            for value in topics(language).iter().chain(KEYWORD_LISTS) {
                for part in [Part::Opener, Part::Keywords] {
                    for template in set.part(part) {
                        let text = fill(template, value.trim_end_matches([',', ':']));
                        assert_eq!(doubled_punctuation(&text), None, "{text}");
                        let lower = text.to_lowercase();
                        let value = value.to_lowercase();
                        assert!(lower.contains(&value.trim_end_matches('.').to_string()), "{text}");
                        if language == Language::De {
                            let before = PREPOSITIONS.iter().find(|p| lower.contains(&format!("{p} {value}")));
                            assert_eq!(before, None, "a case-marked slot before the topic: {text}");
                        }
                        checked += 1;
                    }
                }
            }
            if kind.is_sober() {
                for sentence in Part::ALL.iter().flat_map(|p| set.part(*p)) {
                    assert!(!sentence.chars().any(is_emoji), "emoji in an incident sentence: {sentence}");
                }
                for closer in set.part(Part::Closer) {
                    assert!(!closer.contains('?') && !closer.contains('!'), "an incident closer stays calm: {closer}");
                }
            }
            if language == Language::De && tone == Tone::Casual && kind == Kind::Incident {
                let du = ["du", "dich", "dir", "deine"];
                for closer in set.part(Part::Closer) {
                    assert!(closer.split(|c: char| !c.is_alphabetic()).any(|w| du.contains(&w)), "{closer}");
                }
            }
        }
    }
    assert!(checked > 500, "{checked} sentences checked");
}

#[test]
fn every_caption_fits_its_network_and_incidents_stay_sober() {
    let host = FakeHost::new().actions(ACTIONS);
    for language in [Language::En, Language::De] {
        for topic in topics(language) {
            for voice in ["precise", "friendly, locker, du"] {
                for network in ["mastodon", "bluesky", "generic"] {
                    let input = json!({"topic": topic, "network": network, "language": language, "voice": voice,
                                       "keywords": ["Roost"], "variants": 5});
                    let out = host.run_action(ACTIONS, "generate", input).unwrap();
                    let limit = serde_json::from_value::<Network>(json!(network)).unwrap().limit() as u64;
                    for caption in out["captions"].as_array().unwrap() {
                        let text = caption["text"].as_str().unwrap();
                        assert!(caption["length"].as_u64().unwrap() <= limit, "{text}");
                        assert_eq!(doubled_punctuation(text), None, "{text}");
                        if out["kind"] != "announcement" {
                            assert!(!text.chars().any(is_emoji), "{text}");
                            assert!(topic.contains('?') || !text.contains('?'), "{text}");
                            assert!(!text.contains("What do you think") && !text.contains("Was meinst du"), "{text}");
                        }
                    }
                }
            }
        }
    }
}
