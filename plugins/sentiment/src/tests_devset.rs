//! The listening targets on the labelled set in `data/devset.tsv`, per language and
//! split: a change that makes complaints, sarcasm or explicit posts worse fails here.

use crate::devset::{self, Outcome, Targets};
use crate::{Label, Language};

const DEVSET: &str = include_str!("../data/devset.tsv");

fn outcomes() -> Vec<Outcome<'static>> {
    let posts = devset::parse(DEVSET).expect("the development set parses");
    devset::score(&posts)
}

fn targets(outcomes: &[Outcome<'_>], lang: Language, split: &str) -> Targets {
    Targets::of(outcomes.iter().filter(|o| o.post.language == lang && o.post.split == split))
}

#[test]
fn the_set_is_large_balanced_and_split() {
    let posts = devset::parse(DEVSET).unwrap();
    assert!(posts.len() >= 400, "{} posts", posts.len());
    let german = posts.iter().filter(|p| p.language == Language::De).count();
    assert!((0.4..=0.6).contains(&(german as f64 / posts.len() as f64)), "{german} German posts");
    let test = posts.iter().filter(|p| p.split == "test").count();
    assert!((0.3..=0.5).contains(&(test as f64 / posts.len() as f64)), "{test} held-out posts");
    for category in devset::CATEGORIES {
        assert!(posts.iter().filter(|p| p.category == category).count() >= 30, "{category}");
    }
    let mut ids: Vec<&str> = posts.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), posts.len(), "ids are unique");
}

#[test]
fn every_post_is_detected_in_its_language() {
    for o in outcomes() {
        assert_eq!(o.detected, o.post.language, "{}: {}", o.post.id, o.post.text);
    }
}

/// The rules were tuned on `dev`: there every target holds in both languages, but for
/// one English praise post whose words are negative ("your fraud team caught a dodgy
/// payment ... impressed").
#[test]
fn dev_split_meets_the_listening_targets() {
    let outcomes = outcomes();
    for lang in [Language::En, Language::De] {
        let t = targets(&outcomes, lang, "dev");
        let missed: Vec<&str> = t.missed().into_iter().filter(|m| !m.contains("flips")).collect();
        assert!(missed.is_empty(), "{lang:?} dev: {}", t.render());
        assert!(t.flips <= 1, "{lang:?} dev: {}", t.render());
    }
}

/// On the held-out `test` split the floors are what was measured when the rules were
/// last changed (see the README); a regression below them fails.
#[test]
fn test_split_keeps_its_measured_floors() {
    let outcomes = outcomes();
    for (lang, complaints, sarcasm, flips, explicit) in
        [(Language::En, 0.90, 0.60, 0, 0.85), (Language::De, 0.90, 0.70, 1, 0.90)]
    {
        let t = targets(&outcomes, lang, "test");
        assert!(t.complaints_negative() >= complaints, "{lang:?}: {}", t.render());
        assert!(t.sarcasm_negative() >= sarcasm, "{lang:?}: {}", t.render());
        assert!(t.flips <= flips, "{lang:?}: {}", t.render());
        assert!(t.explicit.accuracy() >= explicit, "{lang:?}: {}", t.render());
    }
}

#[test]
fn no_praise_reads_as_a_complaint_on_dev() {
    let flipped: Vec<&str> = outcomes()
        .iter()
        .filter(|o| o.post.split == "dev" && o.post.category == "praise" && o.predicted == Label::Negative)
        .map(|o| o.post.text)
        .collect();
    assert!(flipped.len() <= 1, "{flipped:#?}");
}
