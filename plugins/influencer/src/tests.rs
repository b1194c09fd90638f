//! Hand-computed factor cases, properties of the total, and the action through FakeHost.

use chrono::{DateTime, Duration, Utc};
use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::factors;
use crate::growth::{follower_jump, growth};
use crate::input::{Account, PostData};
use crate::tiers::{ReachRange, Tier};
use crate::weights::Weights;
use crate::{ACTIONS, Score, score, text, tier_of};

fn now() -> DateTime<Utc> {
    "2025-06-01T12:00:00Z".parse().unwrap()
}

fn post(days_ago: i64, text: &str, likes: u64, reposts: u64, replies: u64) -> PostData {
    PostData { at: now() - Duration::days(days_ago), text: text.into(), likes, reposts, replies }
}

fn account(followers: u64, mut posts: Vec<PostData>) -> Account {
    posts.sort_by_key(|p| p.at);
    Account {
        followers,
        following: 300,
        posts_count: 500,
        created_at: Some(now() - Duration::days(1000)),
        bot: false,
        bio: "Writes about Rust".into(),
        posts,
        topics: Vec::new(),
        snapshots: vec![(now(), followers)],
        now: now(),
        reach: ReachRange::default(),
        min_posts: 5,
        weights: Weights::default(),
        key: None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn tiers_and_benchmarks() {
    let cases = [(0, Tier::Nano), (9_999, Tier::Nano), (10_000, Tier::Micro), (99_999, Tier::Micro)];
    let more = [(100_000, Tier::Mid), (499_999, Tier::Mid), (500_000, Tier::Macro), (1_000_000, Tier::Mega)];
    for (f, tier) in cases.into_iter().chain(more) {
        assert_eq!(tier_of(f), tier, "{f} followers");
    }
    assert_eq!(Tier::Micro.benchmark(), 0.02);
    assert_eq!(Tier::Mega.benchmark(), 0.007);
}

#[test]
fn reach_is_log_scaled_over_the_workflows_range() {
    let r = |f, range| factors::reach(f, range).score.unwrap();
    // Default: 1,000 followers 0, a million 100.
    let all = ReachRange::default();
    assert_eq!((r(0, all), r(500, all)), (0.0, 0.0));
    assert!(close(r(1_000, all), 0.0));
    assert!(close(r(1_000_000, all), 100.0) && (r(31_623, all) - 50.0).abs() < 0.01);
    // Micro: 10,000 followers 0, 100,000 100, the middle of the decade 50.
    let micro = ReachRange::from_input(Some(Tier::Micro), None, None).unwrap();
    assert_eq!(micro, ReachRange { min: 10_000, max: Some(100_000) });
    assert!(close(r(10_000, micro), 0.0) && close(r(100_000, micro), 100.0));
    assert!((r(31_623, micro) - 50.0).abs() < 0.01);
    assert_eq!(r(5_000_000, micro), 100.0);
}

#[test]
fn reach_ranges_are_a_tier_or_bounds() {
    assert!(ReachRange::from_input(Some(Tier::Nano), Some(5), None).unwrap_err().contains("`tier`"));
    assert!(ReachRange::from_input(None, Some(50_000), Some(10_000)).unwrap_err().contains("`max_followers`"));
    let r = ReachRange::from_input(None, Some(2_000), None).unwrap();
    assert_eq!((r.min, r.max, r.scale()), (2_000, None, (2_000.0, 2_000_000.0)));
    assert_eq!(ReachRange::from_input(Some(Tier::Mega), None, None).unwrap().max, None);
}

#[test]
fn engagement_is_50_at_the_benchmark_and_25_per_credible_doubling() {
    // 100,000 followers × 3 posts: w = 300,000 / 350,000; micro-tier benchmark 2%.
    let w = 300_000.0 / 350_000.0;
    let rate = |engagements: [u64; 3]| {
        let posts: Vec<PostData> = engagements.iter().map(|&e| post(1, "x", e, 0, 0)).collect();
        let a = account(100_000, posts);
        let window = factors::window_posts(&a);
        factors::engagement(&a, &window, Tier::Micro).0.score.unwrap()
    };
    assert!(close(rate([1_000, 2_000, 4_000]), 50.0), "median 2% = benchmark");
    assert!(close(rate([4_000, 4_000, 4_000]), 50.0 + 25.0 * w));
    assert!(close(rate([1_000, 1_000, 1_000]), 50.0 - 25.0 * w));
    assert!(close(rate([16_000, 16_000, 16_000]), 100.0), "3 credible doublings: clamped");
    // No engagement at all reads as 1/64 of the benchmark.
    assert!(close(rate([0, 0, 0]), (50.0 - 25.0 * 6.0 * w).max(0.0)));
}

#[test]
fn few_followers_shrink_engagement_toward_the_benchmark() {
    let score_of = |followers: u64, per_post: u64, n: i64| {
        let posts: Vec<PostData> = (1..=n).map(|d| post(d, "x", per_post, 0, 0)).collect();
        let a = account(followers, posts);
        let w = factors::window_posts(&a);
        factors::engagement(&a, &w, tier_of(followers)).0.score.unwrap()
    };
    // 137 followers and 40 engagements a post: 29% is 9.7× the nano benchmark, but
    // 20 posts × 137 followers give it a weight of 2,740 / 52,740 = 0.052.
    let tiny = score_of(137, 40, 20);
    let w = 2_740.0 / 52_740.0;
    assert!(close(tiny, 50.0 + 25.0 * w * (40.0 / 137.0 / 0.03_f64).log2()), "{tiny}");
    assert!(tiny < 55.0, "{tiny}");
    // The same rate on 20,000 followers is credible.
    let micro = score_of(20_000, 20_000 * 40 / 137, 20);
    assert!(micro > 95.0, "{micro}");
    // Fewer posts shrink too.
    assert!(score_of(20_000, 800, 3) < score_of(20_000, 800, 20));
}

#[test]
fn engagement_needs_three_posts_in_the_window_and_followers() {
    let a = account(10_000, vec![post(1, "a", 5, 0, 0), post(2, "b", 5, 0, 0), post(61, "old", 5, 0, 0)]);
    let window = factors::window_posts(&a);
    assert_eq!(window.len(), 2, "the 61-day-old post is outside the window");
    let (raw, er) = factors::engagement(&a, &window, Tier::Micro);
    assert_eq!((raw.score, er), (None, None));
    assert!(raw.reason.contains("2 post(s)"), "{}", raw.reason);
    let a = account(0, vec![post(1, "a", 5, 0, 0), post(2, "b", 5, 0, 0), post(3, "c", 5, 0, 0)]);
    let window = factors::window_posts(&a);
    assert_eq!(factors::engagement(&a, &window, Tier::Nano).0.score, None);
}

#[test]
fn authenticity_penalties_add_up() {
    let mut a = account(1_000, Vec::new());
    a.bot = true;
    a.bio = " ".into();
    a.following = 2_001;
    a.created_at = Some(now() - Duration::days(30));
    let p = factors::penalties(&a, &[], None, Tier::Nano);
    let flags: Vec<&str> = p.iter().map(|p| p.flag).collect();
    assert_eq!(flags, ["bot", "new_account", "follow_ratio", "empty_bio"]);
    assert_eq!(factors::authenticity(&p).score, Some(100.0 - 40.0 - 20.0 - 15.0 - 5.0));

    // A ratio of exactly 2, or fewer than 1,000 followers, is not penalised.
    a.following = 2_000;
    assert!(factors::penalties(&a, &[], None, Tier::Nano).iter().all(|p| p.flag != "follow_ratio"));
    a.followers = 999;
    a.following = 9_000;
    assert!(factors::penalties(&a, &[], None, Tier::Nano).iter().all(|p| p.flag != "follow_ratio"));
}

#[test]
fn engagement_anomalies_are_penalised() {
    // Replies outnumber likes on the median post.
    let posts: Vec<PostData> = (1..=4).map(|d| post(d, &format!("post {d} here"), 1, 0, 3)).collect();
    let a = account(500, posts);
    let w = factors::window_posts(&a);
    let flags: Vec<&str> = factors::penalties(&a, &w, None, Tier::Nano).iter().map(|p| p.flag).collect();
    assert_eq!(flags, ["reply_heavy"]);

    // Nine posts with no engagement and one with 100: mean 10, sd 30, CV 3 > 2.5.
    let posts: Vec<PostData> =
        (1..=10).map(|d| post(d, &format!("topic number {d}"), if d == 5 { 100 } else { 0 }, 0, 0)).collect();
    let a = account(500, posts);
    let w = factors::window_posts(&a);
    let flags: Vec<&str> = factors::penalties(&a, &w, None, Tier::Nano).iter().map(|p| p.flag).collect();
    assert_eq!(flags, ["spiky_engagement"]);

    // Two of five posts are the same text: 40% > 30%.
    let texts = ["Buy now at our shop", "Buy now at our shop", "a walk in the park", "coffee time again", "late train"];
    let posts: Vec<PostData> = texts.iter().enumerate().map(|(i, t)| post(i as i64 + 1, t, 2, 0, 1)).collect();
    let a = account(500, posts);
    let w = factors::window_posts(&a);
    let flags: Vec<&str> = factors::penalties(&a, &w, None, Tier::Nano).iter().map(|p| p.flag).collect();
    assert_eq!(flags, ["duplicate_posts"]);

    // Median ER 11% with 10,000 followers is over 5× the micro benchmark (10%).
    let er = factors::Engagement { median: 0.11, mean: 0.11, p90: 0.11 };
    let a = account(10_000, Vec::new());
    let flags: Vec<&str> = factors::penalties(&a, &[], Some(er), Tier::Micro).iter().map(|p| p.flag).collect();
    assert_eq!(flags, ["suspicious_engagement"]);
}

#[test]
fn a_follower_jump_is_five_deviations_above_the_other_days() {
    let day = |d: i64, f: u64| (now() - Duration::days(10 - d), f);
    let mut snaps: Vec<_> = (0..8).map(|d| day(d, 1_000 + 10 * d as u64)).collect();
    assert_eq!(follower_jump(&snaps), None, "steady +10/day");
    snaps.push(day(8, 1_070 + 500));
    let z = follower_jump(&snaps).unwrap();
    // The others change by exactly 10 a day (sd 0, floored at 1): z = 500 − 10 = 490.
    assert!(close(z, 490.0), "{z}");
}

#[test]
fn topic_fit_by_hand() {
    // Stop words out: [rust, great] and [like, coffee]; idf equal for all four words, so
    // cos = 1 / sqrt(4) = 0.5; share 1/2; T = 100·(0.6·0.5 + 0.4·0.5) = 50.
    let mut a = account(500, vec![post(1, "Rust is great", 0, 0, 0), post(2, "I like coffee", 0, 0, 0)]);
    a.bio = String::new();
    a.topics = vec!["#Rust".into()];
    let fit = |a: &Account| factors::topic_fit(a, &factors::window_posts(a));
    let raw = fit(&a);
    assert!(close(raw.score.unwrap(), 50.0), "{raw:?}");
    assert_eq!(raw.value, Some(0.5));

    // The bio counts as one more text.
    a.bio = "Rustacean? No: a Rust trainer".into();
    let raw = fit(&a);
    assert!(raw.reason.starts_with("2 of 3 texts (2 posts + bio)"), "{}", raw.reason);

    a.topics.clear();
    assert_eq!(fit(&a).score, None);
}

#[test]
fn text_is_folded_and_terms_match_whole_words() {
    assert_eq!(text::tokens("<p>Schön &amp; GRÜN, #Straße!</p>"), ["schoen", "amp", "gruen", "strasse"]);
    let doc = text::tokens("We love open source software");
    assert!(text::contains_term(&doc, &text::tokens("Open Source")));
    assert!(!text::contains_term(&doc, &text::tokens("source open")));
    assert!(!text::contains_term(&text::tokens("rustacean"), &text::tokens("rust")));
}

#[test]
fn activity_rate_gaps_and_silence() {
    // One post a week for 8 weeks over the 60-day window: 8 / (60/7) = 0.933 posts/week.
    let posts: Vec<PostData> = (0..8).map(|w| post(2 + 7 * w, "x", 0, 0, 0)).collect();
    let a = account(500, posts);
    let raw = factors::activity(&a, &factors::window_posts(&a));
    assert!(close(raw.score.unwrap(), 100.0 * (8.0 / (60.0 / 7.0)) / 3.0), "{raw:?}");

    // 18 daily posts from 59 to 42 days ago: 2.1 posts/week → 70, −20 silent 42 days.
    let posts: Vec<PostData> = (42..60).map(|d| post(d, "x", 0, 0, 0)).collect();
    let a = account(500, posts);
    let raw = factors::activity(&a, &factors::window_posts(&a));
    assert!(close(raw.score.unwrap(), 100.0 * (18.0 / (60.0 / 7.0)) / 3.0 - 20.0), "{raw:?}");

    // A 30-day gap and silence: both deductions, clamped at 0.
    let a = account(500, vec![post(55, "x", 0, 0, 0), post(35, "y", 0, 0, 0)]);
    assert_eq!(factors::activity(&a, &factors::window_posts(&a)).score, Some(0.0));

    // No listed posts: 0 if the account never posted, otherwise not scored.
    let mut a = account(500, Vec::new());
    assert_eq!(factors::activity(&a, &[]).score, None);
    a.posts_count = 0;
    assert_eq!(factors::activity(&a, &[]).score, Some(0.0));
}

#[test]
fn growth_from_snapshots() {
    let mut a = account(11_000, Vec::new());
    assert_eq!(growth(&a).0.score, None, "one point in time");
    a.snapshots = vec![(now() - Duration::days(30), 10_000), (now(), 11_000)];
    let (raw, extrapolated) = growth(&a);
    assert!(close(raw.value.unwrap(), 0.1) && close(raw.score.unwrap(), 75.0), "{raw:?}");
    assert!(!extrapolated, "30 days apart measure growth directly");
    // The snapshot nearest to 30 days back is used, the growth scaled to 30 days.
    a.snapshots = vec![(now() - Duration::days(60), 8_000), (now() - Duration::days(28), 10_000), (now(), 11_000)];
    let (raw, extrapolated) = growth(&a);
    assert!(close(raw.value.unwrap(), 0.1 * 30.0 / 28.0) && !extrapolated, "{raw:?}");
    // Only 10 days of history: scaled from what exists, and flagged.
    a.snapshots = vec![(now() - Duration::days(10), 10_000), (now(), 10_500)];
    let (raw, extrapolated) = growth(&a);
    assert!(close(raw.value.unwrap(), 0.05 * 3.0) && extrapolated, "{raw:?}");
    assert!(raw.reason.ends_with("scaled to 30 days"), "{}", raw.reason);
    a.snapshots = vec![(now() - Duration::days(6), 10_000), (now(), 11_000)];
    assert_eq!(growth(&a).0.score, None, "less than 7 days apart");
}

fn profile_json(followers: u64, following: u64, bot: bool, posts: Value) -> Value {
    json!({ "profile": {
        "network": "mastodon", "id": "1", "handle": "anna@example.social", "display_name": "Anna",
        "bio": "Coffee and open source", "url": "https://example.social/@anna",
        "followers": followers, "following": following, "posts_count": 900,
        "created_at": "2021-03-01T00:00:00Z", "bot": bot, "recent_posts": posts },
        "topics": ["open source"], "now": "2025-06-01T12:00:00Z" })
}

fn posts_json(n: i64, engagement: u64) -> Value {
    let posts: Vec<Value> = (0..n)
        .map(|i| {
            let at = (now() - Duration::days(2 * i + 1)).to_rfc3339();
            json!({ "id": i.to_string(), "url": "", "text": format!("open source note {i}"), "created_at": at,
                    "likes": engagement, "reposts": 0, "replies": 0 })
        })
        .collect();
    Value::Array(posts)
}

#[test]
fn the_total_is_the_sum_of_the_points_and_weights_are_rescaled() {
    let host = FakeHost::new();
    let out = host.run::<Score>(profile_json(10_000, 300, false, posts_json(10, 200))).unwrap();
    let factors = out["factors"].as_array().unwrap();
    let points: f64 = factors.iter().map(|f| f["points"].as_f64().unwrap()).sum();
    assert!((points - out["total"].as_f64().unwrap()).abs() < 0.06, "{out}");
    // Growth is unavailable: the other additive weights are divided by 0.95.
    let growth = factors.iter().find(|f| f["name"] == "growth").unwrap();
    assert_eq!((growth["available"].clone(), growth["weight"].clone()), (json!(false), json!(0.0)));
    let reach = factors.iter().find(|f| f["name"] == "reach").unwrap();
    assert_eq!(reach["weight"], json!(((0.25 / 0.95) * 1e4_f64).round() / 1e4));
    let authenticity = factors.iter().find(|f| f["name"] == "authenticity").unwrap();
    assert_eq!((authenticity["score"].clone(), authenticity["points"].clone()), (json!(100.0), json!(0.0)));
    // A bot loses 40 authenticity points, so 40% of the other factors' sum.
    let bot = host.run::<Score>(profile_json(10_000, 300, true, posts_json(10, 200))).unwrap();
    let factors = bot["factors"].as_array().unwrap();
    let points = |f: &Value| f["points"].as_f64().unwrap();
    let authenticity = factors.iter().find(|f| f["name"] == "authenticity").unwrap();
    let others: f64 = factors.iter().filter(|f| f["name"] != "authenticity").map(points).sum();
    assert!((points(authenticity) + 0.4 * others).abs() < 0.02, "{bot}");
    assert!((bot["total"].as_f64().unwrap() - 0.6 * others).abs() < 0.06, "{bot}");
    assert_eq!(out["tier"], "micro");
    assert_eq!(out["confidence"], json!(0.68), "10 posts ×0.8, no growth ×0.85");
    assert_eq!(out["confidence_label"], "medium");
}

#[test]
fn more_engagement_never_lowers_and_the_bot_flag_never_raises_the_total() {
    let host = FakeHost::new();
    let total = |v: Value| host.run::<Score>(v).unwrap()["total"].as_f64().unwrap();
    let mut last = -1.0;
    // Monotonic up to 5× the benchmark (1,000 likes on 10,000 followers); above it the
    // possible-pod penalty applies on purpose.
    for likes in [0, 20, 50, 100, 200, 400, 800, 1_000] {
        let t = total(profile_json(10_000, 300, false, posts_json(12, likes)));
        assert!(t >= last, "{likes} likes: {t} < {last}");
        last = t;
        let bot = total(profile_json(10_000, 300, true, posts_json(12, likes)));
        assert!(bot < t, "{likes} likes: bot {bot} vs {t}");
    }
    let out = host.run::<Score>(profile_json(10_000, 300, false, posts_json(12, 1_600))).unwrap();
    assert_eq!(out["flags"][0], "suspicious_engagement");
}

#[test]
fn bad_input_names_the_field() {
    let host = FakeHost::new();
    let mut input = profile_json(10, 10, false, posts_json(3, 1));
    input["profile"]["recent_posts"][1]["created_at"] = json!("yesterday");
    let Err(StepError::InvalidInput(msg)) = host.run_action(ACTIONS, "score", input) else { panic!() };
    assert!(msg.contains("profile.recent_posts[1].created_at") && msg.contains("RFC 3339"), "{msg}");
    let mut input = profile_json(10, 10, false, posts_json(3, 1));
    input["topics"] = json!(["#"]);
    let Err(StepError::InvalidInput(msg)) = host.run_action(ACTIONS, "score", input) else { panic!() };
    assert!(msg.contains("topics[0]"), "{msg}");
}

#[test]
fn score_is_deterministic_for_a_fixed_now() {
    let mut a = account(5_000, (1..=6).map(|d| post(d, "Rust tips", 100, 10, 5)).collect());
    a.topics = vec!["rust".into()];
    assert_eq!(score(&a), score(&a));
}
