//! The hour-of-week model: each post's engagement relative to the account's median,
//! smoothed over neighbouring hours and shrunk (empirical Bayes) toward a prior mean.
//!
//! For post `p`, `r_p` = (likes + reposts + replies) / followers at posting time (or the
//! raw count when followers are not given for every post) and `q_p = r_p / median(r)`.
//! Each post adds `q_p` with weight 1 to its hour and 0.5 to the hours before and after,
//! giving sums `S[h]` and weights `N[h]`; then
//! `score[h] = (S[h] + M·prior_mean[h]) / (N[h] + M)` with `M` = 3 pseudo-posts and
//! `prior_mean[h] = (1 − λ)·1 + λ·prior(h)`, `λ = max(0.25, 1 − n/15)`: with no posts
//! the score is the general-audience prior; from 15 posts on the estimate shrinks toward
//! the account's median (1.0), keeping a quarter of the prior's shape. That quarter is
//! there because engagement data says nothing about hours the account never posts at:
//! shrunk to a flat median, 3 a.m. would tie with the account's typical hour.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use chrono_tz::Tz;

use crate::prior::prior;

pub const BINS: usize = 168;
/// Pseudo-posts of the prior in each hour.
pub const PSEUDO_POSTS: f64 = 3.0;
/// With fewer posts than this the general-audience prior takes part.
pub const COLD_START_POSTS: f64 = 15.0;
/// The least share of the general-audience prior in the prior mean.
pub const MIN_PRIOR_WEIGHT: f64 = 0.25;
/// Only posts from the 90 days before the newest one count.
pub const HISTORY_DAYS: i64 = 90;
/// Posts younger than this have not collected their engagement yet.
pub const MIN_AGE_HOURS: i64 = 48;

/// One past post, its time parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Post {
    pub at: DateTime<Utc>,
    pub engagement: u64,
    pub followers: Option<u64>,
}

/// Scores and counts per hour of the week, in one time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub score: Vec<f64>,
    /// Posts in each hour (not smoothed).
    pub samples: Vec<u32>,
    /// The smoothed weights `N[h]` behind each score.
    pub weight: Vec<f64>,
    /// The smoothed mean `S[h] / N[h]` of the account's own posts (0 without any).
    pub own_mean: Vec<f64>,
    /// Posts that entered the model.
    pub posts_used: usize,
    /// λ: the share of the general-audience prior in the prior mean.
    pub prior_weight: f64,
}

/// The hour of the week of `at` in `tz`: 0 = Monday 00:00–00:59 local.
pub fn bin_of(at: DateTime<Utc>, tz: Tz) -> usize {
    let local = at.with_timezone(&tz);
    local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize
}

/// The posts that count at `as_of`: at least 48 h old, within 90 days of the newest such.
pub fn usable(posts: &[Post], as_of: DateTime<Utc>) -> Vec<Post> {
    let cutoff = as_of - Duration::hours(MIN_AGE_HOURS);
    let old_enough: Vec<Post> = posts.iter().copied().filter(|p| p.at <= cutoff).collect();
    let Some(newest) = old_enough.iter().map(|p| p.at).max() else { return Vec::new() };
    let start = newest - Duration::days(HISTORY_DAYS);
    old_enough.into_iter().filter(|p| p.at >= start).collect()
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Each post's engagement relative to the account's median (the mean when the median is
/// 0); empty when no post has any engagement.
pub fn relative(posts: &[Post]) -> Vec<f64> {
    let per_follower = posts.iter().all(|p| p.followers.is_some_and(|f| f > 0));
    let r: Vec<f64> = posts
        .iter()
        .map(|p| match (per_follower, p.followers) {
            (true, Some(f)) => p.engagement as f64 / f as f64,
            _ => p.engagement as f64,
        })
        .collect();
    let mut base = median(&r);
    if base == 0.0 {
        base = r.iter().sum::<f64>() / r.len().max(1) as f64;
    }
    if base == 0.0 { Vec::new() } else { r.iter().map(|x| x / base).collect() }
}

/// Builds the model from the posts that count.
pub fn build(posts: &[Post], tz: Tz) -> Model {
    let q = relative(posts);
    let used = if q.is_empty() { 0 } else { posts.len() };
    let lambda = (1.0 - used as f64 / COLD_START_POSTS).max(MIN_PRIOR_WEIGHT);
    let mut sum = vec![0.0; BINS];
    let mut weight = vec![0.0; BINS];
    let mut samples = vec![0u32; BINS];
    for (post, q) in posts.iter().zip(&q) {
        let h = bin_of(post.at, tz);
        samples[h] += 1;
        for (offset, w) in [(BINS - 1, 0.5), (0, 1.0), (1, 0.5)] {
            let b = (h + offset) % BINS;
            sum[b] += w * q;
            weight[b] += w;
        }
    }
    let score = (0..BINS)
        .map(|h| {
            let prior_mean = (1.0 - lambda) + lambda * prior(h);
            (sum[h] + PSEUDO_POSTS * prior_mean) / (weight[h] + PSEUDO_POSTS)
        })
        .collect();
    let own_mean = (0..BINS).map(|h| if weight[h] > 0.0 { sum[h] / weight[h] } else { 0.0 }).collect();
    Model { score, samples, weight, own_mean, posts_used: used, prior_weight: lambda }
}
