//! A deterministic simulated population of profiles across the follower tiers, with
//! bought followers, engagement pods, bots, quiet accounts and varying topic fit, for
//! measuring the ranking (the `shortlist` example and the ranking tests).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::{RankInput, RankOutput, ScoreInput, ScoreOutput, rank, score};

/// The moment the population is scored at.
pub const NOW: &str = "2025-06-01T12:00:00Z";
/// The topic the simulated accounts are more or less about.
pub const TOPIC: &str = "open source";

/// What kind of account a simulated profile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Genuine,
    /// Followers bought in a jump: many followers, little engagement.
    BoughtFollowers,
    /// An engagement pod: inflated engagement, more replies than likes.
    Pod,
    Bot,
    /// Posts rarely: too few recent posts to judge.
    Quiet,
}

/// One simulated account: the score step's input and what it was built from.
#[derive(Debug, Clone)]
pub struct Simulated {
    pub handle: String,
    pub kind: Kind,
    pub followers: u64,
    /// The share of its posts that are on topic.
    pub topic_share: f64,
    /// `{ profile, topics, snapshots, now }` as a workflow passes it.
    pub input: Value,
}

/// xorshift64*: a small deterministic generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// `median · e^(sigma·N(0,1))`.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
}

/// Follower bands `(count, low, high)`, drawn log-uniformly: below 1k, nano, micro, mid,
/// macro, mega.
const BANDS: [(usize, f64, f64); 6] = [
    (100, 20.0, 1_000.0),
    (130, 1_000.0, 10_000.0),
    (150, 10_000.0, 100_000.0),
    (60, 100_000.0, 500_000.0),
    (30, 500_000.0, 1_000_000.0),
    (30, 1_000_000.0, 5_000_000.0),
];

/// The typical engagement rate at a follower count: high for small accounts, falling
/// with size (about 6% at 100, 2% at 20k, 0.6% at 2M).
pub fn typical_rate(followers: f64) -> f64 {
    (0.2 * followers.max(10.0).powf(-0.26)).clamp(0.004, 0.12)
}

const ON_TOPIC: [&str; 6] = [
    "Notes on open source maintainers and their funding",
    "Why our open source release took three months",
    "Reviewing pull requests for an open source parser",
    "An open source tool I use every day",
    "Open source licences explained for designers",
    "Mentoring newcomers in open source projects",
];

const OFF_TOPIC: [&str; 8] = [
    "Morning coffee by the river",
    "Weekend hike photos from the hills",
    "Cooking a lentil stew tonight",
    "The train was late again today",
    "A new record from my favourite band",
    "Football results and a long evening",
    "Reading a novel about the sea",
    "Gardening: the tomatoes finally grow",
];

fn at(now: DateTime<Utc>, days_ago: f64) -> String {
    let t = now - Duration::seconds((days_ago * 86_400.0) as i64);
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The 500 accounts of seed `seed`, the same every time.
pub fn population(seed: u64) -> Vec<Simulated> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for (band, &(count, lo, hi)) in BANDS.iter().enumerate() {
        for i in 0..count {
            let followers = (lo.ln() + rng.unit() * (hi.ln() - lo.ln())).exp();
            let kind = match rng.unit() {
                x if x < 0.08 && band >= 1 => Kind::BoughtFollowers,
                x if x < 0.12 => Kind::Pod,
                x if x < 0.15 => Kind::Bot,
                x if x < 0.25 => Kind::Quiet,
                _ => Kind::Genuine,
            };
            out.push(account(&mut rng, format!("a{band}{i:03}@sim.example"), followers, kind));
        }
    }
    out.push(the_137_follower_case(&mut rng));
    out
}

/// The case the ranking was built against: 137 followers and engagement far above any
/// benchmark on every post, on topic.
pub fn the_137_follower_case(rng: &mut Rng) -> Simulated {
    let mut s = account(rng, "tiny@sim.example".into(), 137.0, Kind::Genuine);
    let now: DateTime<Utc> = NOW.parse().expect("NOW is RFC 3339");
    let posts: Vec<Value> = (0..20)
        .map(|i| post(at(now, 1.0 + 2.5 * i as f64), ON_TOPIC[i % ON_TOPIC.len()], i as u64, 40, 4, 3))
        .collect();
    s.input["profile"]["recent_posts"] = Value::Array(posts);
    s.topic_share = 1.0;
    s
}

fn post(created_at: String, text: &str, i: u64, likes: u64, reposts: u64, replies: u64) -> Value {
    json!({ "id": i.to_string(), "url": "", "text": format!("{text} ({i})"), "created_at": created_at,
            "likes": likes, "reposts": reposts, "replies": replies })
}

fn account(rng: &mut Rng, handle: String, real_followers: f64, kind: Kind) -> Simulated {
    let now: DateTime<Utc> = NOW.parse().expect("NOW is RFC 3339");
    // Bought followers: the audience that engages is the real one, the count is inflated.
    let followers = match kind {
        Kind::BoughtFollowers => real_followers * rng.range(4.0, 15.0),
        _ => real_followers,
    };
    let mut rate = typical_rate(real_followers) * rng.lognormal(1.0, 0.5);
    if kind == Kind::Pod {
        rate *= rng.range(5.0, 9.0);
    }
    let topic_share = match rng.unit() {
        x if x < 0.3 => rng.range(0.0, 0.15),
        x if x < 0.7 => rng.range(0.2, 0.6),
        _ => rng.range(0.6, 1.0),
    };
    let per_week = match kind {
        Kind::Quiet => rng.range(0.0, 0.4),
        Kind::Bot => rng.range(10.0, 30.0),
        _ => rng.lognormal(3.0, 0.7),
    };
    let n = ((per_week * 60.0 / 7.0).round() as usize).min(40);
    let mut posts = Vec::with_capacity(n);
    for i in 0..n {
        let days_ago = (i as f64 + rng.unit()) * 60.0 / n.max(1) as f64;
        let on = rng.unit() < topic_share;
        let text = if on { ON_TOPIC[i % ON_TOPIC.len()] } else { OFF_TOPIC[(i * 3) % OFF_TOPIC.len()] };
        let text = if kind == Kind::Bot { "Follow for daily deals, link in bio" } else { text };
        let engagement = (rate * real_followers * rng.lognormal(1.0, 0.5)).round() as u64;
        let (likes, reposts, replies) = match kind {
            Kind::Pod => (engagement / 4, engagement / 10, engagement - engagement / 4 - engagement / 10),
            _ => (engagement * 8 / 10, engagement / 10, engagement - engagement * 8 / 10 - engagement / 10),
        };
        posts.push(post(at(now, days_ago), text, i as u64, likes, reposts, replies));
    }
    let following = match kind {
        Kind::Bot => followers * rng.range(2.5, 6.0),
        _ => rng.range(50.0, 1_500.0).min(followers.max(100.0) * 1.5),
    };
    let snapshots = history(rng, now, followers, kind);
    let bio = if kind == Kind::Bot || rng.unit() < 0.05 {
        String::new()
    } else if topic_share > 0.5 {
        "Open source maintainer, talks and notes".to_string()
    } else {
        "Photos, food and the occasional thought".to_string()
    };
    let profile = json!({
        "network": "mastodon", "id": handle.clone(), "handle": handle.clone(), "display_name": handle.clone(),
        "bio": bio, "url": format!("https://sim.example/@{handle}"),
        "followers": followers.round() as u64, "following": following.round() as u64,
        "posts_count": n as u64 + rng.range(50.0, 3_000.0) as u64,
        "created_at": at(now, if kind == Kind::Bot { rng.range(20.0, 200.0) } else { rng.range(200.0, 3_000.0) }),
        "bot": kind == Kind::Bot && rng.unit() < 0.5, "recent_posts": posts,
    });
    let input = json!({ "profile": profile, "topics": [TOPIC], "snapshots": snapshots, "now": NOW });
    Simulated { handle, kind, followers: followers.round() as u64, topic_share, input }
}

/// Up to six earlier follower counts over the last 60 days; bought followers arrive in one
/// jump between two of them.
fn history(rng: &mut Rng, now: DateTime<Utc>, followers: f64, kind: Kind) -> Value {
    let count = (rng.unit() * 7.0) as usize;
    let monthly = rng.normal() * 0.03 + 0.02;
    let jump_at = rng.range(5.0, 30.0);
    let bought = rng.range(4.0, 10.0);
    let snaps: Vec<Value> = (1..=count)
        .map(|k| {
            let days = 10.0 * k as f64;
            let mut f = followers / (1.0 + monthly * days / 30.0);
            if kind == Kind::BoughtFollowers && days > jump_at {
                f /= bought;
            }
            json!({ "at": at(now, days), "followers": f.max(0.0).round() as u64 })
        })
        .collect();
    Value::Array(snaps)
}

/// Scores every account with the score step's fields in `extra` added to its input
/// (e.g. `{"tier": "micro"}`), and ranks them as the `rank` step does, all of them listed.
pub fn shortlist(people: &[Simulated], extra: &Value) -> (Vec<ScoreOutput>, RankOutput) {
    let outs: Vec<ScoreOutput> = people
        .iter()
        .map(|sim| {
            let mut input = sim.input.clone();
            for (k, v) in extra.as_object().into_iter().flatten() {
                input[k] = v.clone();
            }
            let input: ScoreInput = serde_json::from_value(input).expect("the population is valid input");
            score(&input.check().expect("the population checks"))
        })
        .collect();
    let candidates: Vec<Value> = people
        .iter()
        .zip(&outs)
        .map(|(s, o)| json!({ "handle": s.handle, "followers": s.followers, "score": o }))
        .collect();
    let input: RankInput =
        serde_json::from_value(json!({ "candidates": candidates, "limit": crate::rank::MAX_CANDIDATES }))
            .expect("scores are candidates");
    (outs, rank(input))
}
