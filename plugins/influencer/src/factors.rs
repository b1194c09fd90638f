//! The factors of reach, engagement, authenticity, topic fit and activity, each 0–100
//! with a one-line reason (growth is in `growth`).

use chrono::Duration;

use crate::input::{Account, PostData};
use crate::text;
use crate::tiers::{ReachRange, Tier};

/// Only posts of the last 60 days count for engagement, topic fit and activity.
pub const WINDOW_DAYS: i64 = 60;
/// At most the newest 100 posts of the window are used.
pub const MAX_POSTS: usize = 100;
/// Engagement needs at least this many posts in the window.
pub const MIN_POSTS_FOR_ER: usize = 3;
/// Activity's target posting rate, posts per week.
pub const TARGET_PPW: f64 = 3.0;

/// One factor before weighing: `score` is `None` when the data does not allow it.
#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    pub name: &'static str,
    pub value: Option<f64>,
    pub score: Option<f64>,
    pub reason: String,
}

/// What the engagement factor measured, which authenticity reads too.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Engagement {
    pub median: f64,
    pub mean: f64,
    pub p90: f64,
}

pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The nearest-rank percentile `p` (0–1) of `values`.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let rank = (p * v.len() as f64).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

/// Mean and population standard deviation.
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The posts of the window, newest 100 at most, oldest first.
pub fn window_posts(account: &Account) -> Vec<&PostData> {
    let start = account.now - Duration::days(WINDOW_DAYS);
    let mut posts: Vec<&PostData> = account.posts.iter().filter(|p| p.at >= start).collect();
    let skip = posts.len().saturating_sub(MAX_POSTS);
    posts.drain(..skip);
    posts
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// `R = 100·clamp(log(F / lo) / log(hi / lo), 0, 1)` over the workflow's reach range
/// (see [`ReachRange::scale`]): its minimum 0 points, its maximum 100.
pub fn reach(followers: u64, range: ReachRange) -> Raw {
    let f = followers as f64;
    let (lo, hi) = range.scale();
    let score = if followers == 0 { 0.0 } else { (100.0 * (f / lo).ln() / (hi / lo).ln()).clamp(0.0, 100.0) };
    Raw {
        name: "reach",
        value: Some(f),
        score: Some(score),
        reason: format!("{followers} followers on a log scale from {lo:.0} (0 points) to {hi:.0} (100)"),
    }
}

/// The prior's strength in follower-posts: with `n·F` of this size the measured rate and
/// the benchmark weigh the same.
pub const PRIOR_FOLLOWER_POSTS: f64 = 50_000.0;
/// The lowest rate ratio the logarithm reads (1/64 of the benchmark), so that posts
/// without any engagement still have a finite score.
const MIN_RATIO: f64 = 1.0 / 64.0;

/// `E = clamp(50 + 25·w·log2(ER / b_tier), 0, 100)`, `ER` the median of
/// `engagement_i / F` and `w = n·F / (n·F + m)` the credibility of `n` posts seen by `F`
/// followers: the log ratio to the benchmark shrinks toward 0 (the benchmark) when
/// followers or posts are few.
pub fn engagement(account: &Account, posts: &[&PostData], tier: Tier) -> (Raw, Option<Engagement>) {
    let unavailable = |reason: String| Raw { name: "engagement", value: None, score: None, reason };
    if posts.len() < MIN_POSTS_FOR_ER {
        let reason = format!(
            "not scored: {} post(s) in the last {WINDOW_DAYS} days, at least {MIN_POSTS_FOR_ER} are needed",
            posts.len()
        );
        return (unavailable(reason), None);
    }
    if account.followers == 0 {
        return (unavailable("not scored: with 0 followers there is no engagement rate".into()), None);
    }
    let f = account.followers as f64;
    let rates: Vec<f64> = posts.iter().map(|p| p.engagement() as f64 / f).collect();
    let er = Engagement { median: median(&rates), mean: mean_sd(&rates).0, p90: percentile(&rates, 0.9) };
    let b = tier.benchmark();
    let exposure = posts.len() as f64 * f;
    let w = exposure / (exposure + PRIOR_FOLLOWER_POSTS);
    let ratio = (er.median / b).max(MIN_RATIO);
    let score = (50.0 + 25.0 * w * ratio.log2()).clamp(0.0, 100.0);
    let reason = format!(
        "median ER {} over {} posts is {:.2}× the {}-tier benchmark {}, counted {:.2}× after shrinking (weight {w:.2} for {} posts × {} followers; mean {}, p90 {})",
        pct(er.median),
        posts.len(),
        er.median / b,
        tier.name(),
        pct(b),
        ratio.powf(w),
        posts.len(),
        account.followers,
        pct(er.mean),
        pct(er.p90)
    );
    (Raw { name: "engagement", value: Some(er.median), score: Some(score), reason }, Some(er))
}

/// One applied authenticity penalty.
#[derive(Debug, Clone, PartialEq)]
pub struct Penalty {
    pub flag: &'static str,
    pub points: f64,
    pub why: String,
}

/// The authenticity penalties that apply (the profile shape carries no avatar or
/// verification, so those two rules cannot be checked).
pub fn penalties(account: &Account, posts: &[&PostData], er: Option<Engagement>, tier: Tier) -> Vec<Penalty> {
    let mut out = Vec::new();
    let mut add = |flag, points, why: String| out.push(Penalty { flag, points, why });
    let f = account.followers as f64;
    if account.bot {
        add("bot", 40.0, "the account is flagged as a bot".into());
    }
    if let Some(created) = account.created_at {
        let days = (account.now - created).num_days();
        if days < 90 {
            add("new_account", 20.0, format!("the account is {days} days old (< 90)"));
        }
    }
    if account.followers >= 1_000 && account.following as f64 / f > 2.0 {
        let ratio = account.following as f64 / f;
        add(
            "follow_ratio",
            15.0,
            format!("follows {ratio:.1}× as many accounts as follow it (> 2 with ≥ 1,000 followers)"),
        );
    }
    if account.bio.trim().is_empty() {
        add("empty_bio", 5.0, "the bio is empty".into());
    }
    if let Some(er) = er
        && account.followers >= 10_000
        && er.median > 5.0 * tier.benchmark()
    {
        add("suspicious_engagement", 10.0, format!("median ER {} is over 5× the tier benchmark", pct(er.median)));
    }
    if posts.len() >= MIN_POSTS_FOR_ER {
        let ratios: Vec<f64> = posts
            .iter()
            .filter(|p| p.likes + p.replies > 0)
            .map(|p| if p.likes == 0 { f64::INFINITY } else { p.replies as f64 / p.likes as f64 })
            .collect();
        if !ratios.is_empty() && median(&ratios) > 1.0 {
            add("reply_heavy", 10.0, "the median post has more replies than likes (possible pod comments)".into());
        }
        let counts: Vec<f64> = posts.iter().map(|p| p.engagement() as f64).collect();
        let (mean, sd) = mean_sd(&counts);
        if mean > 0.0 && sd / mean > 2.5 {
            add(
                "spiky_engagement",
                10.0,
                format!("engagement varies {:.1}× its mean across posts (CV > 2.5)", sd / mean),
            );
        }
        let texts: Vec<&str> = posts.iter().map(|p| p.text.as_str()).collect();
        let dups = text::near_duplicates(&texts, 0.9);
        if dups as f64 / posts.len() as f64 > 0.3 {
            add("duplicate_posts", 10.0, format!("{dups} of {} posts are near-duplicates (> 30%)", posts.len()));
        }
    }
    if let Some(z) = crate::growth::follower_jump(&account.snapshots) {
        add("follower_jump", 20.0, format!("a follower jump {z:.1}σ above the usual daily change (> 5σ)"));
    }
    out
}

/// `A = clamp(100 − Σ penalties, 0, 100)`.
pub fn authenticity(penalties: &[Penalty]) -> Raw {
    let total: f64 = penalties.iter().map(|p| p.points).sum();
    let score = (100.0 - total).clamp(0.0, 100.0);
    let reason = if penalties.is_empty() {
        "no penalties: not a bot, follow ratio and engagement pattern look normal".to_string()
    } else {
        penalties.iter().map(|p| format!("−{} {}", p.points, p.why)).collect::<Vec<_>>().join("; ")
    };
    Raw { name: "authenticity", value: Some(score / 100.0), score: Some(score), reason }
}

/// `T = 100·(0.6·share_on_topic + 0.4·cos)` over the window's posts and the bio.
pub fn topic_fit(account: &Account, posts: &[&PostData]) -> Raw {
    let unavailable = |reason: &str| Raw { name: "topic_fit", value: None, score: None, reason: reason.into() };
    if account.topics.is_empty() {
        return unavailable("not scored: no `topics` were given");
    }
    let mut docs: Vec<Vec<String>> = posts.iter().map(|p| text::tokens(&p.text)).collect();
    let bio = text::tokens(&account.bio);
    let has_bio = !bio.is_empty();
    if has_bio {
        docs.push(bio);
    }
    if docs.is_empty() {
        return unavailable("not scored: no posts in the window and an empty bio");
    }
    let terms: Vec<Vec<String>> = account.topics.iter().map(|t| text::tokens(t)).collect();
    let on_topic = docs.iter().filter(|d| terms.iter().any(|t| text::contains_term(d, t))).count();
    let share = on_topic as f64 / docs.len() as f64;
    let words: Vec<String> = terms.concat();
    let cos = text::tfidf_cosine(&docs, &words);
    let score = 100.0 * (0.6 * share + 0.4 * cos);
    let texts = if has_bio { format!("{} posts + bio", docs.len() - 1) } else { format!("{} posts", docs.len()) };
    let reason = format!("{on_topic} of {} texts ({texts}) mention a topic term; tf-idf cosine {cos:.3}", docs.len());
    Raw { name: "topic_fit", value: Some(share), score: Some(score), reason }
}

/// `C = 100·min(1, ppw / 3)`, −20 for a gap over 21 days, −20 for no post in 30 days.
pub fn activity(account: &Account, posts: &[&PostData]) -> Raw {
    let unavailable = |reason: String| Raw { name: "activity", value: None, score: None, reason };
    let Some(last) = account.posts.last() else {
        if account.posts_count == 0 {
            let reason = "the account has never posted".to_string();
            return Raw { name: "activity", value: Some(0.0), score: Some(0.0), reason };
        }
        return unavailable(format!(
            "not scored: no recent posts were supplied although the profile counts {} posts",
            account.posts_count
        ));
    };
    let window_start = account.now - Duration::days(WINDOW_DAYS);
    let mut days = WINDOW_DAYS as f64;
    if let Some(created) = account.created_at {
        days = days.min((account.now - created).num_seconds() as f64 / 86_400.0);
    }
    // A long list that does not reach back to the window's start is likely cut short by
    // the API's page size: rate it over the span it covers instead.
    let oldest = account.posts[0].at;
    if posts.len() >= 20 && oldest > window_start {
        days = days.min((account.now - oldest).num_seconds() as f64 / 86_400.0);
    }
    let weeks = (days / 7.0).max(1.0);
    let ppw = posts.len() as f64 / weeks;
    let mut score = 100.0 * (ppw / TARGET_PPW).min(1.0);
    let mut notes = vec![format!("{:.1} posts/week over {:.1} weeks (target {TARGET_PPW})", ppw, weeks)];
    let gap = posts.windows(2).map(|w| (w[1].at - w[0].at).num_days()).max().unwrap_or(0);
    if gap > 21 {
        score -= 20.0;
        notes.push(format!("−20 longest gap {gap} days"));
    }
    let silent = (account.now - last.at).num_days();
    if silent > 30 {
        score -= 20.0;
        notes.push(format!("−20 last post {silent} days ago"));
    }
    Raw { name: "activity", value: Some(ppw), score: Some(score.max(0.0)), reason: notes.join("; ") }
}
