//! Rule tests through the analyzer, and action tests through the SDK's FakeHost.

use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::{ACTIONS, Analyzer, Batch, Label, Language, MAX_BATCH, Score};

fn en(text: &str) -> f64 {
    Analyzer::new().score(text, Language::En).compound
}

fn de(text: &str) -> f64 {
    Analyzer::new().score(text, Language::De).compound
}

#[test]
fn negation_flips_polarity() {
    assert!(en("The movie was good") > 0.3);
    assert!(en("The movie was not good") < -0.2);
    assert!(en("The movie wasn't good") < -0.2);
    assert!(en("The movie wasn’t very good") < 0.0, "typographic apostrophe");
    assert!(en("It is never bad") > 0.0, "negator three words back");
    assert!(en("no problem at all") > 0.0, "\"no\" negates the word after it");
    assert!(de("Das ist nicht gut") < -0.2);
    assert!(de("Das ist nicht schlecht") > 0.2);
    assert!(de("Kein Problem") > 0.0);
}

#[test]
fn a_sentiment_word_keeps_the_negation_before_it() {
    // Each "care" is negated by its own "don't" only, not again by the one before.
    assert!(en("DON'T CARE DON'T CARE DON'T CARE #whatever") < -0.5);
}

#[test]
fn intensifiers_raise_and_dampeners_lower() {
    assert!(en("The food is very good") > en("The food is good"));
    assert!(en("The food is extremely bad") < en("The food is bad"));
    assert!(en("The food is slightly good") < en("The food is good"));
    assert!(en("The food is kind of good") < en("The food is good"));
    assert!(de("Das Essen ist sehr gut") > de("Das Essen ist gut"));
    assert!(de("Das Essen ist mega lecker") > de("Das Essen ist lecker"));
    assert!(de("Das Essen ist total schlecht") < de("Das Essen ist schlecht"));
    assert!(de("Das Essen ist etwas langweilig") > de("Das Essen ist langweilig"));
    assert!(de("Das ist kaum gut") < de("Das ist gut"));
}

#[test]
fn words_that_boost_or_stand_alone() {
    // "super" boosts a following sentiment word and is positive on its own.
    assert!(de("Das war super") > 0.4);
    assert!(de("Das war super lecker") > de("Das war lecker"));
    assert!(en("damn") < 0.0 && en("damn good") > en("good"));
}

#[test]
fn but_shifts_the_weight_to_the_second_clause() {
    assert!(en("The hotel was nice, but the staff was terrible") < 0.0);
    assert!(en("The weather was awful but the food was great") > 0.0);
    assert!(de("Das Hotel war schön, aber das Personal war furchtbar") < 0.0);
    let plain = en("The staff was terrible");
    let after_but = en("Fine, but the staff was terrible");
    assert!(after_but < plain, "{after_but} should weigh more than {plain}");
}

#[test]
fn capitals_amid_lower_case_add_emphasis() {
    assert!(en("This is GREAT") > en("This is great"));
    assert!(en("This is TERRIBLE") < en("This is terrible"));
    // All capitals is shouting throughout: no word stands out.
    assert_eq!(en("THIS IS GREAT"), en("this is great"));
}

#[test]
fn punctuation_adds_emphasis() {
    assert!(en("Good!!!") > en("Good"));
    assert!(en("Bad!!!") < en("Bad"));
    assert_eq!(en("Meeting at noon!!!"), 0.0);
}

#[test]
fn emoji_and_emoticons_carry_sentiment() {
    assert!(en("😍") > 0.5);
    assert!(en("😡😡") < -0.5);
    assert!(de("Montag 😭") < 0.0);
    assert!(en("Got the job 👍🏽") > 0.3, "skin tone modifier");
    assert!(en("see you later :)") > 0.3 && en("see you later :(") < -0.3);
    assert!(de("bis später :-)") > 0.3);
    assert!(en("great news! ❤️") > en("great news!"));
}

#[test]
fn idioms_and_elongation() {
    assert!(en("I can't stand this") < -0.3);
    assert!(en("I can't wait for the weekend") > 0.3);
    assert!(de("Das Konzert war der Hammer") > 0.5);
    assert!(de("Das geht gar nicht") < -0.3);
    assert_eq!(en("goooood"), en("good"));
    assert!(de("geiiiil") > 0.4);
}

#[test]
fn german_sentences() {
    assert!(de("Ich liebe dich") > 0.5);
    assert!(de("Ich liebe dich nicht") < 0.0, "negation after the verb");
    assert!(de("Ich mag das neue Design nicht") < 0.0);
    assert!(de("Leider nicht.") < 0.0, "regret is not negated");
    assert!(de("Der Kundenservice war total unfreundlich") < -0.4);
    assert!(de("Schöne Grüße und danke!") > 0.4);
    assert!(de("Schoene Gruesse") > 0.3, "ae/oe/ue spelling");
    assert!(de("GROSSARTIG, wirklich großartig") > 0.6, "ß and SS");
    assert!(de("Die schönsten Tage") > 0.3, "inflected form");
}

#[test]
fn empty_and_neutral_text() {
    let mut a = Analyzer::new();
    for text in ["", "   ", "...", "Der Zug fährt um acht."] {
        let s = a.score(text, Language::De);
        assert_eq!(s.compound, 0.0, "{text:?}");
        assert_eq!(s.label(), Label::Neutral);
        assert_eq!(s.neutral, 1.0);
    }
}

#[test]
fn proportions_sum_to_one() {
    let mut a = Analyzer::new();
    for text in ["good bad ugly", "I love it!!!", "Nicht schlecht, aber zu teuer?!", "😀 meh"] {
        let s = a.score(text, Language::En);
        assert!((s.positive + s.negative + s.neutral - 1.0).abs() < 1e-9, "{text}");
        assert!((-1.0..=1.0).contains(&s.compound));
    }
}

fn score(input: Value) -> Result<Value, StepError> {
    FakeHost::new().run::<Score>(input)
}

#[test]
fn score_action_outputs_the_documented_fields() {
    let out = score(json!({ "text": "I love this, it's wonderful!" })).unwrap();
    assert_eq!(out["label"], "positive");
    assert_eq!(out["language"], "en");
    let compound = out["compound"].as_f64().unwrap();
    assert!(compound > 0.5 && compound <= 1.0);
    let sum: f64 = ["positive", "negative", "neutral"].iter().map(|k| out[k].as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-3);
    assert_eq!(out.as_object().unwrap().len(), 7);
    assert_eq!(out["reasons"], json!(["word:\"love\"", "word:\"wonderful\""]));
    // No "-0.0" in outputs: a text without negative words is negative 0.
    assert!(out["negative"].as_f64().unwrap().is_sign_positive());
}

#[test]
fn score_action_detects_or_takes_the_language() {
    let out = score(json!({ "text": "Das ist wirklich nicht gut" })).unwrap();
    assert_eq!((out["language"].as_str(), out["label"].as_str()), (Some("de"), Some("negative")));
    let out = score(json!({ "text": "Gift", "language": "de" })).unwrap();
    assert_eq!(out["language"], "de");
    let out = score(json!({ "text": "", "language": "auto" })).unwrap();
    assert_eq!((out["compound"].as_f64(), out["label"].as_str()), (Some(0.0), Some("neutral")));
}

#[test]
fn score_action_rejects_bad_input() {
    for input in [
        json!({ "text": "hi", "language": "fr" }),
        json!({ "text": "hi", "extra": true }),
        json!({ "language": "en" }),
        json!({ "text": 3 }),
    ] {
        assert!(matches!(score(input.clone()), Err(StepError::InvalidInput(_))), "{input}");
    }
}

#[test]
fn batch_keeps_order_and_summarizes() {
    let texts = ["I love it", "I hate it", "It is a chair", "Ich liebe es", ""];
    let out = FakeHost::new().run_action(ACTIONS, "batch", json!({ "texts": texts })).unwrap();
    let results = out["results"].as_array().unwrap();
    let labels: Vec<&str> = results.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["positive", "negative", "neutral", "positive", "neutral"]);
    assert_eq!(results[3]["language"], "de");
    for (text, result) in texts.iter().zip(results) {
        let single = score(json!({ "text": text })).unwrap();
        assert_eq!(&single, result, "batch and score agree on {text:?}");
    }
    let summary = &out["summary"];
    assert_eq!(summary["count"], 5);
    assert_eq!(
        (summary["positive"].as_u64(), summary["negative"].as_u64(), summary["neutral"].as_u64()),
        (Some(2), Some(1), Some(2))
    );
    let mean: f64 = results.iter().map(|r| r["compound"].as_f64().unwrap()).sum::<f64>() / 5.0;
    assert!((summary["mean_compound"].as_f64().unwrap() - mean).abs() < 1e-3);
}

#[test]
fn batch_of_nothing() {
    let out = FakeHost::new().run::<Batch>(json!({ "texts": [] })).unwrap();
    assert_eq!(
        out,
        json!({ "results": [], "summary": { "count": 0, "mean_compound": 0.0, "positive": 0, "negative": 0, "neutral": 0 } })
    );
}

#[test]
fn batch_language_applies_to_every_text() {
    let out = FakeHost::new().run::<Batch>(json!({ "texts": ["gut", "good"], "language": "de" })).unwrap();
    assert!(out["results"].as_array().unwrap().iter().all(|r| r["language"] == "de"));
}

#[test]
fn batch_takes_at_most_ten_thousand_texts() {
    let at_limit = vec!["ok"; MAX_BATCH];
    let out = FakeHost::new().run::<Batch>(json!({ "texts": at_limit })).unwrap();
    assert_eq!(out["summary"]["count"], 10_000);
    let over = vec!["ok"; MAX_BATCH + 1];
    match FakeHost::new().run::<Batch>(json!({ "texts": over })) {
        Err(StepError::InvalidInput(message)) => assert!(message.contains("10000"), "{message}"),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn dispatches_by_action_id() {
    let host = FakeHost::new();
    let out = host.run_action(ACTIONS, "score", json!({ "text": "great" })).unwrap();
    assert_eq!(out["label"], "positive");
    assert!(matches!(host.run_action(ACTIONS, "translate", json!({})), Err(StepError::InvalidInput(_))));
}

#[test]
fn manifest_declares_the_actions_and_only_the_models_permissions() {
    let manifest = include_str!("../plugin.toml");
    let declared: Vec<&str> = manifest
        .lines()
        .zip(manifest.lines().skip(1))
        .filter(|(l, _)| l.trim() == "[[actions]]")
        .filter_map(|(_, next)| next.trim().strip_prefix("id = ").map(|id| id.trim_matches('"')))
        .collect();
    let registered: Vec<&str> = ACTIONS.iter().map(|e| e.id).collect();
    assert_eq!(declared, registered);
    assert!(manifest.contains("maxItems = 10000"));
    assert!(!manifest.contains("kv ="));
    let permissions = &manifest[manifest.find("[permissions]").unwrap()..];
    assert!(permissions.contains("http = [\"https://*\"]\nsecrets = { OPENAI_API_KEY = [\"https://*\"] }"));
}
