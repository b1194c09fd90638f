//! Weighing the factors into the total, and the confidence and flags of the result.

use serde::Serialize;

use crate::factors::{self, Raw, Tier};
use crate::input::Account;

/// One factor as the step outputs it. `points = weight × score`, and the points add up
/// to `total`: `weight` is the factor's default weight rescaled over the available
/// factors (0 for an unavailable one), `default_weight` the default itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub name: &'static str,
    pub available: bool,
    /// The measured quantity: followers, median ER, authenticity/100, on-topic share,
    /// posts per week or 30-day growth; null when unavailable.
    pub value: Option<f64>,
    /// 0–100; null when unavailable.
    pub score: Option<f64>,
    pub weight: f64,
    pub default_weight: f64,
    pub points: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreOutput {
    /// 0–100, one decimal.
    pub total: f64,
    pub tier: Tier,
    /// The tier's engagement-rate benchmark.
    pub benchmark: f64,
    /// 0–1: how much data the score rests on.
    pub confidence: f64,
    /// `high` (>= 0.9), `medium` (>= 0.6) or `low`.
    pub confidence_label: &'static str,
    pub factors: Vec<Factor>,
    /// Authenticity findings and missing data, as short names.
    pub flags: Vec<String>,
    /// How many posts of the last 60 days were used.
    pub posts_used: usize,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Scores a checked account.
pub fn score(account: &Account) -> ScoreOutput {
    let tier = factors::tier_of(account.followers);
    let posts = factors::window_posts(account);
    let (engagement, er) = factors::engagement(account, &posts, tier);
    let penalties = factors::penalties(account, &posts, er, tier);
    let raws = vec![
        factors::reach(account.followers),
        engagement,
        factors::authenticity(&penalties),
        factors::topic_fit(account, &posts),
        factors::activity(account, &posts),
        factors::growth(account),
    ];
    let available_weight: f64 = raws.iter().filter(|r| r.score.is_some()).map(|r| r.weight).sum();
    let factors: Vec<Factor> = raws.iter().map(|r| weigh(r, available_weight)).collect();
    let total = round(factors.iter().map(|f| f.points).sum::<f64>(), 1);

    let mut flags: Vec<String> = penalties.iter().map(|p| p.flag.to_string()).collect();
    let (confidence, data_flags) = confidence(account, posts.len(), &raws);
    flags.extend(data_flags);
    let confidence_label = match confidence {
        c if c >= 0.9 => "high",
        c if c >= 0.6 => "medium",
        _ => "low",
    };
    ScoreOutput {
        total,
        tier,
        benchmark: tier.benchmark(),
        confidence,
        confidence_label,
        factors,
        flags,
        posts_used: posts.len(),
    }
}

fn weigh(raw: &Raw, available_weight: f64) -> Factor {
    let weight = match raw.score {
        Some(_) if available_weight > 0.0 => raw.weight / available_weight,
        _ => 0.0,
    };
    let score = raw.score.map(|s| round(s, 1));
    Factor {
        name: raw.name,
        available: raw.score.is_some(),
        value: raw.value.map(|v| round(v, 6)),
        score,
        weight: round(weight, 4),
        default_weight: raw.weight,
        points: round(weight * raw.score.unwrap_or(0.0), 2),
        reason: raw.reason.clone(),
    }
}

/// The confidence and the flags naming the missing data:
/// posts in the window (0: ×0.25, 1–2: ×0.35, 3–7: ×0.55, 8–19: ×0.8, 20+: ×1),
/// ×0.85 without growth data, ×0.9 without `created_at`, ×0.7 when engagement cannot be
/// rated for want of followers.
fn confidence(account: &Account, n: usize, raws: &[Raw]) -> (f64, Vec<String>) {
    let mut flags = Vec::new();
    let mut c = match n {
        0 => 0.25,
        1..=2 => 0.35,
        3..=7 => 0.55,
        8..=19 => 0.8,
        _ => 1.0,
    };
    if n == 0 {
        flags.push("no_recent_posts".to_string());
    } else if n < factors::MIN_POSTS_FOR_ER {
        flags.push("few_posts".to_string());
    }
    let available = |name: &str| raws.iter().any(|r| r.name == name && r.score.is_some());
    if !available("growth") {
        c *= 0.85;
        flags.push("growth_unavailable".to_string());
    }
    if account.created_at.is_none() {
        c *= 0.9;
        flags.push("no_created_at".to_string());
    }
    if n >= factors::MIN_POSTS_FOR_ER && !available("engagement") {
        c *= 0.7;
        flags.push("engagement_unavailable".to_string());
    }
    if account.topics.is_empty() {
        flags.push("no_topics".to_string());
    }
    (round(c, 3), flags)
}
