//! The minimum-evidence rule, the follower history kept in kv across runs, the `rank`
//! action, and the ranking measured on the simulated population.

use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::population::{self, Kind, Simulated, population};
use crate::stats::spearman;
use crate::{ACTIONS, Score, ScoreOutput};

fn shortlist(people: &[Simulated], extra: Value) -> (Vec<(&Simulated, ScoreOutput)>, crate::RankOutput) {
    let (outs, ranked) = population::shortlist(people, &extra);
    (people.iter().zip(outs).collect(), ranked)
}

fn factor(out: &ScoreOutput, name: &str) -> Option<f64> {
    out.factors.iter().find(|f| f.name == name).and_then(|f| f.score)
}

/// Spearman's correlation of the total with factor `name` over the shortlisted accounts.
fn rho(outs: &[(&Simulated, ScoreOutput)], ranked: &crate::RankOutput, name: &str) -> f64 {
    let listed: Vec<&ScoreOutput> = ranked
        .shortlist
        .iter()
        .map(|l| &outs.iter().find(|(s, _)| Some(&s.handle) == l.handle.as_ref()).unwrap().1)
        .collect();
    let (t, v): (Vec<f64>, Vec<f64>) = listed.iter().filter_map(|o| factor(o, name).map(|v| (o.total, v))).unzip();
    spearman(&t, &v).unwrap()
}

#[test]
fn no_account_under_the_minimum_reach_is_shortlisted() {
    let people = population(7);
    for (tier, min, max) in [("nano", 1_000, 10_000), ("micro", 10_000, 100_000), ("mid", 100_000, 500_000)] {
        let (outs, ranked) = shortlist(&people, json!({ "tier": tier }));
        assert!(ranked.count >= 20, "{tier}: {} shortlisted", ranked.count);
        for listed in &ranked.shortlist {
            let f = listed.followers.unwrap();
            assert!((min..=max).contains(&f), "{tier}: {:?} with {f} followers", listed.handle);
        }
        let under = outs.iter().filter(|(s, _)| s.followers < min).count();
        assert!(under > 0 && ranked.excluded_count >= under, "{tier}: {under} under the minimum");
    }
}

#[test]
fn the_137_follower_account_cannot_top_the_list() {
    let people = population(7);
    let (outs, ranked) = shortlist(&people, json!({ "min_followers": 100 }));
    let (_, tiny) = outs.iter().find(|(s, _)| s.handle == "tiny@sim.example").unwrap();
    assert!(tiny.eligible, "eligible with a minimum of 100: {:?}", tiny.ineligible_reasons);
    let position = ranked.shortlist.iter().position(|l| l.handle.as_deref() == Some("tiny@sim.example")).unwrap();
    assert!(position >= 20, "the 137-follower account ranks {}", position + 1);
    let engagement = factor(tiny, "engagement").unwrap();
    assert!(engagement < 60.0, "its 29% rate shrinks toward the benchmark: {engagement}");
    // Under the default minimum (1,000) it is not eligible at all.
    let (outs, _) = shortlist(&people, json!({}));
    let (_, tiny) = outs.iter().find(|(s, _)| s.handle == "tiny@sim.example").unwrap();
    assert!(!tiny.eligible && tiny.ineligible_reasons[0].contains("under the minimum reach of 1000"));
}

#[test]
fn rank_follows_the_weighted_factors() {
    let people = population(7);
    let (outs, ranked) = shortlist(&people, json!({ "tier": "micro" }));
    for name in ["reach", "engagement", "topic_fit", "activity"] {
        let r = rho(&outs, &ranked, name);
        assert!(r > 0.15, "spearman(total, {name}) = {r}");
    }
    // A workflow that weighs only growth ranks by growth.
    let only = json!({ "tier": "micro", "weights": { "reach": 0, "engagement": 0, "topic_fit": 0, "activity": 0, "growth": 1 } });
    let (outs, ranked) = shortlist(&people, only);
    let r = rho(&outs, &ranked, "growth");
    assert!(r > 0.8, "spearman(total, growth) = {r}");
}

#[test]
fn scores_spread_and_fakes_sink() {
    let people = population(7);
    let (outs, ranked) = shortlist(&people, json!({ "tier": "micro" }));
    let totals: Vec<f64> = ranked.shortlist.iter().map(|l| l.total).collect();
    let (max, min) = (totals[0], totals[totals.len() - 1]);
    assert!(max - min >= 40.0, "shortlist totals {min}..{max}");
    let kind = |h: &Option<String>| outs.iter().find(|(s, _)| Some(&s.handle) == h.as_ref()).unwrap().0.kind;
    let top_fakes = ranked.shortlist.iter().take(10).filter(|l| kind(&l.handle) != Kind::Genuine).count();
    assert!(top_fakes <= 1, "{top_fakes} non-genuine accounts in the top 10");
    // Bot-like accounts without the bot flag stay eligible but sink to the bottom half.
    let half = ranked.count / 2;
    let bots: Vec<usize> = ranked.shortlist.iter().filter(|l| kind(&l.handle) == Kind::Bot).map(|l| l.rank).collect();
    assert!(bots.iter().all(|r| *r > half), "bots at ranks {bots:?} of {}", ranked.count);
}

fn profile(followers: u64, posts: usize) -> Value {
    let recent: Vec<Value> = (0..posts)
        .map(|i| json!({ "text": "open source notes", "created_at": format!("2025-05-{:02}T10:00:00Z", 28 - i), "likes": 30 }))
        .collect();
    json!({ "network": "mastodon", "handle": "Anna@Example.social", "followers": followers, "following": 200,
            "bio": "open source", "created_at": "2020-01-01T00:00:00Z", "recent_posts": recent })
}

#[test]
fn too_few_recent_posts_make_an_account_ineligible() {
    let host = FakeHost::new();
    let input = json!({ "profile": profile(20_000, 3), "now": "2025-06-01T00:00:00Z", "tier": "micro" });
    let out = host.run::<Score>(input).unwrap();
    assert_eq!(out["eligible"], false);
    assert_eq!(
        out["ineligible_reasons"],
        json!(["3 post(s) in the last 60 days; at least 5 are needed to judge the account"])
    );
    let input = json!({ "profile": profile(20_000, 3), "now": "2025-06-01T00:00:00Z", "min_posts": 3 });
    assert_eq!(host.run::<Score>(input).unwrap()["eligible"], true);
}

#[test]
fn follower_counts_are_kept_across_runs_and_make_growth() {
    let host = FakeHost::new();
    let run = |followers: u64, now: &str| {
        host.run::<Score>(json!({ "profile": profile(followers, 6), "now": now, "tier": "micro" })).unwrap()
    };
    let first = run(20_000, "2025-05-01T08:00:00Z");
    assert!(first["flags"].as_array().unwrap().contains(&json!("growth_unavailable")));
    run(20_500, "2025-05-01T20:00:00Z");
    let stored: Value =
        serde_json::from_slice(&host.kv_get("followers:mastodon:anna@example.social").unwrap()).unwrap();
    assert_eq!(stored, json!([{ "at": "2025-05-01T20:00:00Z", "followers": 20_500 }]), "one count a day");
    // Ten days later: growth from what exists, scaled and flagged.
    let out = run(21_000, "2025-05-11T08:00:00Z");
    let growth = out["factors"].as_array().unwrap().iter().find(|f| f["name"] == "growth").unwrap().clone();
    assert_eq!(growth["available"], true, "{out}");
    assert!(out["flags"].as_array().unwrap().contains(&json!("growth_extrapolated")));
    // Thirty days after the first count: measured growth, not flagged.
    let out = run(22_550, "2025-05-31T08:00:00Z");
    let growth = out["factors"].as_array().unwrap().iter().find(|f| f["name"] == "growth").unwrap().clone();
    assert!((growth["value"].as_f64().unwrap() - 0.1 * 30.0 / 29.5).abs() < 1e-3, "{growth}");
    assert!(!out["flags"].as_array().unwrap().contains(&json!("growth_extrapolated")), "{out}");
    // `remember: false` leaves the history alone.
    host.run::<Score>(json!({ "profile": profile(1, 6), "now": "2025-06-01T08:00:00Z", "remember": false })).unwrap();
    let stored: Vec<Value> =
        serde_json::from_slice(&host.kv_get("followers:mastodon:anna@example.social").unwrap()).unwrap();
    assert_eq!(stored.len(), 3);
}

#[test]
fn rank_lists_the_eligible_best_first_and_the_excluded_with_reasons() {
    let host = FakeHost::new();
    let cand = |h: &str, total: f64, eligible: bool| {
        json!({ "handle": h, "followers": 1, "recent_posts": [], "score": { "total": total, "tier": "micro", "confidence": 1.0,
                "confidence_label": "high", "eligible": eligible,
                "ineligible_reasons": if eligible { json!([]) } else { json!(["too small"]) } } })
    };
    let input =
        json!({ "candidates": [cand("a", 40.0, true), cand("b", 90.0, false), cand("c", 70.0, true)], "limit": 5 });
    let out = host.run_action(ACTIONS, "rank", input).unwrap();
    let handles: Vec<&str> =
        out["shortlist"].as_array().unwrap().iter().map(|l| l["handle"].as_str().unwrap()).collect();
    assert_eq!(handles, ["c", "a"]);
    assert_eq!(out["shortlist"][0]["rank"], 1);
    assert_eq!(out["excluded"], json!([{ "handle": "b", "total": 90.0, "reasons": ["too small"] }]));
    let err = host.run_action(ACTIONS, "rank", json!({ "candidates": [], "limit": 0 })).unwrap_err();
    // The manifest's schema refuses it before the action runs, as Roost does.
    assert!(matches!(&err, StepError::InvalidInput(m) if m.contains("(at `/limit`)")), "{err:?}");
}

#[test]
fn a_follower_jump_earns_no_growth() {
    let host = FakeHost::new();
    // Ten days of +10 a day, then 5,000 bought in a day.
    let mut snapshots: Vec<Value> = (0..10)
        .map(|d| json!({ "at": format!("2025-05-{:02}T10:00:00Z", 10 + d), "followers": 20_000 + 10 * d }))
        .collect();
    snapshots.push(json!({ "at": "2025-05-20T10:00:00Z", "followers": 25_090 }));
    let input = json!({ "profile": profile(25_100, 6), "snapshots": snapshots, "now": "2025-05-21T10:00:00Z", "remember": false });
    let out = host.run::<Score>(input).unwrap();
    assert!(out["flags"].as_array().unwrap().contains(&json!("follower_jump")), "{out}");
    let growth = out["factors"].as_array().unwrap().iter().find(|f| f["name"] == "growth").unwrap().clone();
    assert_eq!(growth["score"], 50.0, "{growth}");
    assert!(growth["reason"].as_str().unwrap().ends_with("looks inflated: follower_jump"), "{growth}");
}
