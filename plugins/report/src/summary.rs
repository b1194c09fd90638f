//! The digest's numbers: sentiment counts, mean compound, top authors, alerts, posts and
//! their engagement.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::input::{Checked, Item, Label};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorCount {
    pub handle: String,
    pub mentions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Mentions within the period.
    pub mentions: usize,
    pub positive: usize,
    pub negative: usize,
    pub neutral: usize,
    /// Mentions without a sentiment.
    pub unscored: usize,
    /// The mean compound of the scored mentions; null when none is scored.
    pub mean_compound: Option<f64>,
    pub top_authors: Vec<AuthorCount>,
    /// Alerts: spikes whose severity is not `none`.
    pub spikes: usize,
    /// Negative mentions over all mentions of the period, 0 to 1; null without mentions.
    pub negative_share: Option<f64>,
    /// Published posts within the period.
    pub posts: usize,
    /// Likes, reposts and replies of those posts, summed.
    pub engagement: u64,
    /// Mentions and posts left out because they fall outside the period.
    pub outside_period: usize,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn count(items: &[Item], label: Label) -> usize {
    items.iter().filter(|m| m.label == Some(label)).count()
}

/// Authors by mentions, most first (ties by handle); handles compared case-insensitively.
pub fn top_authors(items: &[Item], top: usize) -> Vec<AuthorCount> {
    let mut by_handle: BTreeMap<String, AuthorCount> = BTreeMap::new();
    for m in items {
        let handle = &m.mention.author.handle;
        by_handle
            .entry(handle.to_lowercase())
            .or_insert_with(|| AuthorCount { handle: handle.clone(), mentions: 0 })
            .mentions += 1;
    }
    let mut authors: Vec<AuthorCount> = by_handle.into_values().collect();
    authors.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.handle.cmp(&b.handle)));
    authors.truncate(top);
    authors
}

pub fn summarize(input: &Checked) -> Summary {
    let items = &input.mentions;
    let scored: Vec<f64> =
        items.iter().filter_map(|m| m.mention.sentiment.as_ref().map(|s| s.compound.clamp(-1.0, 1.0))).collect();
    let mean_compound = (!scored.is_empty()).then(|| round4(scored.iter().sum::<f64>() / scored.len() as f64));
    Summary {
        mentions: items.len(),
        positive: count(items, Label::Positive),
        negative: count(items, Label::Negative),
        neutral: count(items, Label::Neutral),
        unscored: items.len() - scored.len(),
        mean_compound,
        top_authors: top_authors(items, input.top),
        spikes: input.spikes.iter().filter(|s| s.severity != "none").count(),
        negative_share: (!items.is_empty()).then(|| round4(count(items, Label::Negative) as f64 / items.len() as f64)),
        posts: input.posts.len(),
        engagement: input.posts.iter().map(|(_, p)| p.engagement()).sum(),
        outside_period: input.outside,
    }
}
