//! Listening end to end: who may put a tag on the brand's posts. Outsiders' problem tags,
//! lookalike letters, one loud account and malformed dates, from `observe` through
//! `hashtags` and `generate`.

use roost_sdk::testing::FakeHost;
use roost_sdk::{Value, json};

use super::*;

fn observe(host: &FakeHost, mentions: Vec<Value>) -> Value {
    host.run_action(ACTIONS, "observe", json!({ "mentions": mentions })).unwrap()
}

fn mention(text: &str, handle: Option<&str>) -> Value {
    let neutral = json!({"label": "neutral", "compound": 0.0});
    match handle {
        Some(handle) => json!({"text": text, "sentiment": neutral, "network": "bluesky",
                               "author": {"id": format!("did:plc:{handle}"), "handle": handle,
                                          "display_name": handle, "url": "https://bsky.app"}}),
        None => json!({"text": text, "sentiment": neutral}),
    }
}

fn tags(out: &Value) -> Vec<String> {
    out["hashtags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect()
}

#[test]
fn outsiders_cannot_put_hostile_tags_on_the_brands_posts() {
    let host = FakeHost::new().actions(ACTIONS);
    let mut mentions = Vec::new();
    for who in ["ada.bsky.social", "bob.bsky.social", "cy.bsky.social"] {
        for text in ["Hm #AcmeLies", "Hm #AcmeOutаge", "Hm #SummerSale", "Hm #Acme", "Hm #AcmeLügen #AcmeL1es"] {
            mentions.push(mention(text, Some(who)));
        }
    }
    let out = observe(&host, mentions);
    assert_eq!(out["mentions"], 15);
    assert_eq!(out["tags_seen"], 15, "#AcmeOutаge mixes Latin and Cyrillic and is not counted");
    let draft = json!({"topic": "The new Acme summer sale", "network": "mastodon", "variants": 1,
                       "keywords": ["lies", "Sommer"]});
    let out = host.run::<Generate>(draft).unwrap();
    assert_eq!(out["kind"], "announcement");
    let mut caption_tags: Vec<&str> =
        out["captions"][0]["hashtags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    caption_tags.sort_unstable();
    assert_eq!(caption_tags, ["#Acme", "#Sommer", "#SummerSale"], "no #Lies from a keyword either: {out}");
    let out = host.run_action(ACTIONS, "hashtags", json!({"text": "The new Acme summer sale", "max": 10})).unwrap();
    let mut suggested = tags(&out);
    suggested.sort_unstable();
    assert_eq!(suggested, ["#Acme", "#SummerSale"]);
    assert!(out["suggestions"].as_array().unwrap().iter().all(|s| s["source"] == "observed"));
}

#[test]
fn a_tag_needs_three_distinct_authors() {
    let host = FakeHost::new().actions(ACTIONS);
    // One loud account, and mentions without an author (one anonymous crowd together).
    let mut mentions: Vec<Value> = (0..10).map(|_| mention("Go #Sommerfest", Some("loud.bsky.social"))).collect();
    mentions.extend((0..10).map(|_| mention("Go #Sommerfest", None)));
    observe(&host, mentions);
    let ask = || host.run_action(ACTIONS, "hashtags", json!({"text": "Unser Sommerfest"})).unwrap();
    assert!(tags(&ask()).is_empty(), "two authors are not a community: {}", ask());
    // The same handle on another network is another account.
    let mut other = mention("Go #Sommerfest", Some("loud.bsky.social"));
    other["network"] = json!("mastodon");
    observe(&host.clone().context(|c| c.idempotency_key = "run-2/step-1".into()), vec![other]);
    assert_eq!(tags(&ask()), ["#Sommerfest"]);
}

#[test]
fn malformed_dates_are_skipped_not_counted_as_today() {
    let host = FakeHost::new().actions(ACTIONS);
    let mut mentions = Vec::new();
    for (i, created_at) in ["not a date", "2026-02-30T10:00:00Z", "", "2026-05-04"].iter().enumerate() {
        let mut m = mention("#BadDate", Some(&format!("user{i}")));
        m["created_at"] = json!(created_at);
        mentions.push(m);
    }
    let mut undated = mention("#Undated", Some("user9"));
    undated["created_at"] = Value::Null;
    mentions.push(undated);
    let out = observe(&host, mentions);
    assert_eq!((out["mentions"].clone(), out["skipped"].clone()), (json!(1), json!(4)), "{out}");
    let day: observed::DayCounts = serde_json::from_slice(&host.kv_get(&observed::key(day::today())).unwrap()).unwrap();
    assert!(!day.tags.contains_key("baddate") && day.tags.contains_key("undated"), "{day:?}");
}

#[test]
fn sober_kinds_get_no_observed_tags_and_no_problem_keyword_tags() {
    let host = FakeHost::new().actions(ACTIONS);
    let mentions: Vec<Value> = ["a", "b", "c"].iter().map(|who| mention("#BabyFormula #Acme", Some(who))).collect();
    observe(&host, mentions);
    for (topic, keywords, kind, own) in [
        (
            "Product recall: batch 42 of our baby formula may contain glass",
            json!(["Recall", "baby formula"]),
            "sensitive",
            json!(["#BabyFormula"]),
        ),
        ("Security breach at Acme", json!(["data leak", "Acme"]), "sensitive", json!(["#Acme"])),
        ("Rückruf: Charge 42 unseres Babybreis", json!(["Rückruf"]), "sensitive", json!([])),
        ("Acme checkout outage", json!(["outage", "Acme"]), "incident", json!(["#Acme"])),
        ("Gas leak at our Main Street store, everyone evacuated", json!([]), "sensitive", json!([])),
    ] {
        let input = json!({"topic": topic, "network": "mastodon", "keywords": keywords, "variants": 5,
                           "voice": "casual, fun"});
        let out = host.run::<Generate>(input).unwrap();
        assert_eq!(out["kind"], kind, "{topic}");
        for caption in out["captions"].as_array().unwrap() {
            let text = caption["text"].as_str().unwrap();
            assert!(!text.chars().any(emoji::is_emoji) && !text.contains('?'), "{text}");
            assert_eq!(caption["hashtags"], own, "only the user's own non-problem keywords: {text}");
            for cheer in ["Big news", "Guess what", "Spread the word", "What do you think", "Tell us"] {
                assert!(!text.contains(cheer), "{text}");
            }
            assert!(kind == "incident" || !text.contains("trouble") && !text.contains("hassle"), "{text}");
        }
    }
}
