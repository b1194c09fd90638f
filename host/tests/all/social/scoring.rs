//! The pure-logic plugins in the sandbox: `influencer` on an engaged, a bot-like and an
//! empty profile, and `crisis` over windows that share the kv baseline. `best-time` and
//! `report` are in `scoring_time_report`.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use roost::runtime::{StepCall, StepFailure};
use serde_json::{Value, json};

use super::Harness;

const NOW: &str = "2025-06-01T12:00:00Z";

fn ago(days: i64) -> String {
    let now: DateTime<Utc> = NOW.parse().unwrap();
    (now - Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn factor<'a>(out: &'a Value, name: &str) -> &'a Value {
    out["factors"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn profile(followers: u64, following: u64, bio: &str, created_at: Value, bot: bool, posts: Vec<Value>) -> Value {
    json!({ "network": "mastodon", "id": "109", "handle": "someone@example.social", "display_name": "Someone",
            "bio": bio, "url": "https://example.social/@someone", "followers": followers, "following": following,
            "posts_count": 3_100, "created_at": created_at, "bot": bot, "recent_posts": posts })
}

fn post(days_ago: i64, text: &str, likes: u64, reposts: u64, replies: u64) -> Value {
    json!({ "id": days_ago.to_string(), "url": "", "text": text, "created_at": ago(days_ago),
            "likes": likes, "reposts": reposts, "replies": replies })
}

/// 25 posts, one every 2 days, engagement 720..960 with a median of 840 (2% of 42,000);
/// two in three name a topic.
fn engaged_posts() -> Vec<Value> {
    (0..25)
        .map(|i| {
            let text = match i % 3 {
                0 => format!("Upcycling an old denim jacket into a tote bag, part {i}"),
                1 => format!("Sustainable fashion on a budget: second-hand finds, week {i}"),
                _ => format!("Morning walk along the canal, coffee in hand, day {i}"),
            };
            let total = 720 + 10 * i as u64;
            post(1 + 2 * i, &text, total * 8 / 10, total / 10, total - total * 8 / 10 - total / 10)
        })
        .collect()
}

#[tokio::test]
async fn influencer_scores_an_engaged_micro_tier_account_with_high_confidence() {
    let h = Harness::new().await;
    let bio = "Sustainable fashion, slow living and upcycling tips from Berlin";
    let input = json!({
        "profile": profile(42_000, 600, bio, json!("2019-04-02T00:00:00Z"), false, engaged_posts()),
        "topics": ["sustainable fashion", "#upcycling"],
        "snapshots": [{ "at": ago(30), "followers": 39_500 }],
        "tier": "micro",
        "now": NOW });
    let out = h.step("influencer", "score", input).await.unwrap();
    eprintln!("engaged: {out:#}");
    assert_eq!(out["tier"], "micro");
    assert_eq!((out["eligible"].clone(), out["ineligible_reasons"].clone()), (json!(true), json!([])));
    assert_eq!((out["confidence"].clone(), out["confidence_label"].clone()), (json!(1.0), json!("high")));
    assert_eq!(out["flags"], json!([]));
    // Reach over the micro tier: 100·log10(42,000 / 10,000) = 62.3.
    assert_eq!(factor(&out, "reach")["score"], 62.3);
    // Engagement: median ER 840/42,000 = 2%, the micro benchmark: 50 whatever the shrinking.
    let e = factor(&out, "engagement");
    assert_eq!((e["value"].clone(), e["score"].clone()), (json!(0.02), json!(50.0)));
    assert_eq!(factor(&out, "authenticity")["score"], 100.0);
    // Growth: 39,500 → 42,000 in 30 days = +6.33%: 50 + 250·0.0633 = 65.8.
    assert_eq!(factor(&out, "growth")["score"], 65.8);
    // Topic fit: 18 of 26 texts (25 posts + bio) name a topic term.
    assert_eq!(factor(&out, "topic_fit")["value"], 0.692308);
    assert_eq!(factor(&out, "activity")["score"], 100.0, "25 posts in 7 weeks");
    let points: f64 = out["factors"].as_array().unwrap().iter().map(|f| num(&f["points"])).sum();
    assert!((points - num(&out["total"])).abs() < 0.06);
    assert!(num(&out["total"]) > 55.0, "{}", out["total"]);
}

#[tokio::test]
async fn influencer_penalises_a_bot_like_account_with_an_inverted_follow_ratio() {
    let h = Harness::new().await;
    let posts: Vec<Value> = (0..10)
        .map(|i| {
            let likes = if i == 4 { 300 } else { 0 };
            post(1 + 3 * i, "Follow back! Best deals today at shop.example #deal #followback", likes, 0, 0)
        })
        .collect();
    let input = json!({ "profile": profile(1_200, 4_800, "", json!(ago(40)), true, posts), "now": NOW });
    let out = h.step("influencer", "score", input).await.unwrap();
    eprintln!("bot-like: {out:#}");
    let flags: Vec<&str> = out["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for flag in ["bot", "new_account", "follow_ratio", "empty_bio", "spiky_engagement", "duplicate_posts"] {
        assert!(flags.contains(&flag), "{flag} missing from {flags:?}");
    }
    let a = factor(&out, "authenticity");
    assert_eq!(a["score"], 0.0, "40 + 20 + 15 + 5 + 10 + 10 = 100 points of penalties");
    assert!(a["reason"].as_str().unwrap().contains("follows 4.0× as many accounts as follow it"));
    assert_eq!(num(&out["total"]), 0.0, "authenticity 0 keeps nothing of the other factors");
    assert_eq!(out["eligible"], false);

    // The same account without the bot flag scores higher.
    let honest = json!({ "profile": profile(1_200, 4_800, "", json!(ago(40)), false, Vec::new()), "now": NOW });
    let bot = json!({ "profile": profile(1_200, 4_800, "", json!(ago(40)), true, Vec::new()), "now": NOW });
    let honest = h.step("influencer", "score", honest).await.unwrap();
    let bot = h.step("influencer", "score", bot).await.unwrap();
    assert!(num(&bot["total"]) < num(&honest["total"]));
}

#[tokio::test]
async fn influencer_with_no_posts_and_no_creation_date_has_low_confidence() {
    let h = Harness::new().await;
    let input = json!({
        "profile": profile(3_000, 200, "Barista and latte art", Value::Null, false, Vec::new()),
        "topics": ["coffee", "latte art"], "now": NOW });
    let out = h.step("influencer", "score", input).await.unwrap();
    eprintln!("no posts: {out:#}");
    // 0 posts ×0.25, no growth ×0.85, no created_at ×0.9.
    assert_eq!(out["confidence"], 0.191);
    assert_eq!(out["confidence_label"], "low");
    for name in ["engagement", "activity", "growth"] {
        let f = factor(&out, name);
        assert_eq!((f["available"].clone(), f["points"].clone()), (json!(false), json!(0.0)), "{name}");
    }
    assert!(factor(&out, "activity")["reason"].as_str().unwrap().contains("counts 3100 posts"));
    assert_eq!(factor(&out, "topic_fit")["value"], 1.0, "the bio names a topic");
    let flags = out["flags"].as_array().unwrap();
    assert!(flags.contains(&json!("no_recent_posts")) && flags.contains(&json!("no_created_at")));
}

#[tokio::test]
async fn influencer_refuses_a_bad_time_naming_the_field() {
    let h = Harness::new().await;
    let mut p = profile(10, 10, "x", Value::Null, false, vec![post(1, "x", 1, 0, 0)]);
    p["recent_posts"][0]["created_at"] = json!("last Tuesday");
    let err = h.step("influencer", "score", json!({ "profile": p })).await.unwrap_err();
    let StepFailure::InvalidInput(msg) = err else { panic!("{err:?}") };
    assert!(msg.contains("profile.recent_posts[0].created_at"), "{msg}");
}

const QUIET: [(u64, u64); 8] = [(4, 1), (6, 0), (5, 1), (5, 0), (4, 1), (6, 0), (5, 1), (5, 0)];

fn window(key: &str, i: usize, count: u64, negative: u64) -> Value {
    let at = format!("2025-06-02T{:02}:{:02}:00Z", 9 + i / 6, (i % 6) * 10);
    json!({ "key": key, "count": count, "negative": negative, "at": at })
}

/// Runs the quiet windows on `key`, then one more window; returns every output.
async fn quiet_then(h: &Harness, key: &str, count: u64, negative: u64) -> Vec<Value> {
    let mut outs = Vec::new();
    for (i, (x, n)) in QUIET.iter().enumerate() {
        outs.push(h.step("crisis", "detect", window(key, i, *x, *n)).await.unwrap());
    }
    outs.push(h.step("crisis", "detect", window(key, QUIET.len(), count, negative)).await.unwrap());
    outs
}

#[tokio::test]
async fn crisis_calls_a_negative_spike_high_and_the_same_volume_positive_low() {
    let h = Harness::new().await;
    let negative = quiet_then(&h, "acme/mentions", 14, 10).await;
    for (i, out) in negative[..8].iter().enumerate() {
        assert_eq!(out["severity"], "none");
        assert_eq!(out["baseline"]["samples"], i, "each window reads the baseline the previous one stored");
        assert_eq!(out["warming_up"], i < 6);
    }
    let spike = &negative[8];
    eprintln!("negative spike: {spike:#}");
    assert_eq!(spike["severity"], "high");
    assert_eq!(spike["baseline"], json!({ "mean": 5.0, "variance": 0.5, "samples": 8 }));
    assert_eq!((spike["z"].clone(), spike["negative_share"].clone()), (json!(4.025), json!(0.714)));

    let positive = quiet_then(&h, "acme/mentions-positive", 14, 1).await;
    let spike = &positive[8];
    eprintln!("positive spike: {spike:#}");
    assert_eq!(spike["severity"], "low");
    assert_eq!(spike["z"], 4.025, "the same volume against the same baseline");

    // A far larger negative spike on the first key is critical (z >= 5).
    let big = h.step("crisis", "detect", window("acme/mentions", 9, 40, 30)).await.unwrap();
    eprintln!("large negative spike: {big:#}");
    assert_eq!(big["severity"], "critical");
    assert_eq!(big["streak"], 2);
    // The first spike moved the mean by at most α·3 scales: 5 + (1/9)·3·√5.
    assert!((num(&big["expected"]) - (5.0 + 3.0 * 5f64.sqrt() / 9.0)).abs() < 1e-3, "{big}");
}

#[tokio::test]
async fn crisis_retry_returns_the_stored_result_without_counting_twice() {
    let h = Harness::new().await;
    let call = |key: &str, input: Value| StepCall {
        action: "detect".into(),
        input,
        idempotency_key: key.into(),
        ..h.blank_call()
    };
    let first = h.call("crisis", call("run-1/detect", window("k", 0, 7, 1))).await.unwrap();
    let retry = h.call("crisis", call("run-1/detect", window("k", 0, 7, 1))).await.unwrap();
    assert_eq!(first, retry);
    let next = h.call("crisis", call("run-2/detect", window("k", 1, 9, 1))).await.unwrap();
    assert_eq!(next["baseline"], json!({ "mean": 7.0, "variance": 0.0, "samples": 1 }));
    let err = h.step("crisis", "detect", json!({ "key": "k", "count": 1, "negative": 2 })).await.unwrap_err();
    assert!(matches!(err, StepFailure::InvalidInput(ref m) if m.contains("`negative` is 2")), "{err:?}");
}
