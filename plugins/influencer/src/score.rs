//! Weighing the factors into the total, and the confidence and flags of the result.

use serde::Serialize;

use crate::factors::{self, Raw};
use crate::input::Account;
use crate::tiers::{self, Tier};
use crate::{eligibility, growth};

/// One factor as the step outputs it; the points add up to `total`. For reach,
/// engagement, topic fit, activity and growth `points = weight × score`, `weight` being
/// the factor's weight (`default_weight`: the workflow's or the default) rescaled over the
/// available ones (0 for an unavailable one). Authenticity's points are what it removes
/// from their sum (0 or negative), its weight the share of the sum it can remove.
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
    /// Whether the account may be shortlisted: within the workflow's reach, with enough
    /// recent posts to judge, not a bot.
    pub eligible: bool,
    /// Why not, when `eligible` is false.
    pub ineligible_reasons: Vec<String>,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Scores a checked account.
pub fn score(account: &Account) -> ScoreOutput {
    let tier = tiers::tier_of(account.followers);
    let posts = factors::window_posts(account);
    let (engagement, er) = factors::engagement(account, &posts, tier);
    let penalties = factors::penalties(account, &posts, er, tier);
    let (growth, extrapolated) = growth::growth(account);
    let (mut engagement, mut growth) = (engagement, growth);
    cap_inflated(&mut engagement, &penalties, &["reply_heavy", "suspicious_engagement"]);
    cap_inflated(&mut growth, &penalties, &["follower_jump"]);
    let authenticity = factors::authenticity(&penalties);
    let additive = [
        factors::reach(account.followers, account.reach),
        engagement,
        factors::topic_fit(account, &posts),
        factors::activity(account, &posts),
        growth,
    ];
    let weight = |r: &Raw| account.weights.of(r.name);
    let available_weight: f64 = additive.iter().filter(|r| r.score.is_some()).map(weight).sum();
    let subtotal: f64 = additive
        .iter()
        .filter_map(|r| r.score.map(|s| s * weight(r)))
        .map(|p| if available_weight > 0.0 { p / available_weight } else { 0.0 })
        .sum();
    let mut factors: Vec<Factor> = additive.iter().map(|r| weigh(r, weight(r), available_weight)).collect();
    let strength = account.weights.authenticity;
    let kept = 1.0 - strength * (1.0 - authenticity.score.unwrap_or(100.0) / 100.0);
    factors.insert(2, authenticity_factor(&authenticity, strength, subtotal * (kept - 1.0)));
    let total = round(subtotal * kept, 1);
    let raws: Vec<Raw> = additive.into_iter().chain([authenticity]).collect();

    let mut flags: Vec<String> = penalties.iter().map(|p| p.flag.to_string()).collect();
    let (confidence, data_flags) = confidence(account, posts.len(), &raws);
    flags.extend(data_flags);
    if extrapolated {
        flags.push("growth_extrapolated".to_string());
    }
    let ineligible_reasons = eligibility::reasons(account, posts.len());
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
        eligible: ineligible_reasons.is_empty(),
        ineligible_reasons,
    }
}

/// A factor that looks inflated by one of the penalties `by` (engagement by a pod's
/// replies or a rate far above the benchmark, growth by a follower jump) counts no higher
/// than the neutral 50.
fn cap_inflated(raw: &mut Raw, penalties: &[factors::Penalty], by: &[&str]) {
    let inflated: Vec<&str> = penalties.iter().map(|p| p.flag).filter(|f| by.contains(f)).collect();
    if let Some(score) = raw.score
        && score > 50.0
        && !inflated.is_empty()
    {
        raw.score = Some(50.0);
        raw.reason.push_str(&format!("; counted as 50 as it looks inflated: {}", inflated.join(", ")));
    }
}

/// Authenticity scales the other factors' sum: it keeps `1 − s·(1 − A/100)` of it (`s`
/// its weight) and shows what it removes as negative points.
fn authenticity_factor(raw: &Raw, strength: f64, points: f64) -> Factor {
    Factor {
        name: raw.name,
        available: true,
        value: raw.value.map(|v| round(v, 6)),
        score: raw.score.map(|s| round(s, 1)),
        weight: round(strength, 4),
        default_weight: strength,
        points: round(points, 2),
        reason: raw.reason.clone(),
    }
}

fn weigh(raw: &Raw, default_weight: f64, available_weight: f64) -> Factor {
    let weight = match raw.score {
        Some(_) if available_weight > 0.0 => default_weight / available_weight,
        _ => 0.0,
    };
    let score = raw.score.map(|s| round(s, 1));
    Factor {
        name: raw.name,
        available: raw.score.is_some(),
        value: raw.value.map(|v| round(v, 6)),
        score,
        weight: round(weight, 4),
        default_weight,
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
