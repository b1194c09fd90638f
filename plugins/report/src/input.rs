//! The digest's input as it arrives, and its checked form: times parsed, mentions of the
//! period only, each with a sentiment label.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::labels::Lang;
use crate::series::MAX_BARS;
use crate::settings::{self, Brand, BrandIn, Previous};

/// The most rows of each "top" table.
pub const MAX_TOP: usize = 100;
/// The most mentions, posts and spikes a digest takes.
pub const MAX_MENTIONS: usize = 10_000;
pub const MAX_POSTS: usize = 1_000;
pub const MAX_SPIKES: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestInput {
    #[serde(default)]
    pub title: Option<String>,
    pub period: Period,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    #[serde(default)]
    pub posts: Vec<PostIn>,
    #[serde(default)]
    pub spikes: Vec<Spike>,
    #[serde(default = "ten")]
    pub top: usize,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub brand: Option<BrandIn>,
    #[serde(default)]
    pub previous: Option<Previous>,
    #[serde(default)]
    pub report_url: Option<String>,
}

fn ten() -> usize {
    10
}

#[derive(Debug, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// A mention as the mastodon and bluesky plugins give it, optionally with sentiment.
#[derive(Debug, Clone, Deserialize)]
pub struct Mention {
    #[serde(default)]
    pub network: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    pub created_at: String,
    pub author: Author,
    #[serde(default)]
    pub likes: u64,
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub replies: u64,
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Author {
    pub handle: String,
    #[serde(default)]
    pub display_name: String,
}

/// A sentiment/score result (`compound` in -1..1 and its label).
#[derive(Debug, Clone, Deserialize)]
pub struct Sentiment {
    pub compound: f64,
    #[serde(default)]
    pub label: Option<String>,
}

/// A published post (mastodon/bluesky `publish`), with engagement when known.
#[derive(Debug, Clone, Deserialize)]
pub struct PostIn {
    #[serde(default)]
    pub network: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub text: String,
    pub created_at: String,
    #[serde(default)]
    pub scheduled_at: Option<String>,
    #[serde(default)]
    pub likes: u64,
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub replies: u64,
}

/// A crisis/detect output.
#[derive(Debug, Clone, Deserialize)]
pub struct Spike {
    pub severity: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub negative_share: f64,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Positive,
    Negative,
    Neutral,
}

impl Label {
    pub fn name(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Negative => "negative",
            Label::Neutral => "neutral",
        }
    }
}

/// A mention of the period with its time parsed.
#[derive(Debug, Clone)]
pub struct Item {
    pub at: DateTime<Utc>,
    pub mention: Mention,
    /// `None` when the mention carries no sentiment.
    pub label: Option<Label>,
}

impl PostIn {
    pub fn engagement(&self) -> u64 {
        self.likes + self.reposts + self.replies
    }
}

impl Item {
    pub fn engagement(&self) -> u64 {
        self.mention.likes + self.mention.reposts + self.mention.replies
    }
}

/// The checked input.
#[derive(Debug, Clone)]
pub struct Checked {
    pub title: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The mentions within the period, oldest first.
    pub mentions: Vec<Item>,
    /// Mentions and posts left out because they fall outside the period.
    pub outside: usize,
    /// The posts of the period, oldest first.
    pub posts: Vec<(DateTime<Utc>, PostIn)>,
    pub spikes: Vec<Spike>,
    pub top: usize,
    pub lang: Lang,
    pub tz: Tz,
    pub brand: Brand,
    pub previous: Option<Previous>,
    pub report_url: Option<String>,
}

pub fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{field}` is `{text}`, not an RFC 3339 time ({e}); write it like 2025-05-01T00:00:00Z"))
}

/// The label a sentiment result gives, or its compound score's at ±0.05.
fn label_of(s: &Sentiment) -> Label {
    match s.label.as_deref() {
        Some("positive") => Label::Positive,
        Some("negative") => Label::Negative,
        Some("neutral") => Label::Neutral,
        _ if s.compound >= 0.05 => Label::Positive,
        _ if s.compound <= -0.05 => Label::Negative,
        _ => Label::Neutral,
    }
}

impl DigestInput {
    pub fn check(self) -> Result<Checked, String> {
        let from = parse_time("period.from", &self.period.from)?;
        let to = parse_time("period.to", &self.period.to)?;
        if from > to {
            return Err(format!(
                "`period.from` ({}) is after `period.to` ({}); swap them",
                self.period.from, self.period.to
            ));
        }
        let tz = settings::timezone(self.timezone.as_deref())?;
        let (first, last) = (from.with_timezone(&tz).date_naive(), to.with_timezone(&tz).date_naive());
        if crate::series::step_for(first, last).is_none() {
            return Err(format!(
                "`period` spans {} days, more than {MAX_BARS} months; give a shorter period",
                (last - first).num_days() + 1
            ));
        }
        for (field, len, max) in [
            ("mentions", self.mentions.len(), MAX_MENTIONS),
            ("posts", self.posts.len(), MAX_POSTS),
            ("spikes", self.spikes.len(), MAX_SPIKES),
        ] {
            if len > max {
                return Err(format!("`{field}` has {len} items; give at most {max}"));
            }
        }
        let lang = settings::language(self.language.as_deref())?;
        let brand = settings::brand(self.brand)?;
        let previous = settings::previous(self.previous)?;
        let report_url = settings::report_url(self.report_url)?;
        if self.top == 0 || self.top > MAX_TOP {
            return Err(format!("`top` is {}; give 1 to {MAX_TOP}", self.top));
        }
        let mut mentions = Vec::with_capacity(self.mentions.len());
        let mut outside = 0;
        for (i, mention) in self.mentions.into_iter().enumerate() {
            let at = parse_time(&format!("mentions[{i}].created_at"), &mention.created_at)?;
            if at >= from && at <= to {
                let label = mention.sentiment.as_ref().map(label_of);
                mentions.push(Item { at, mention, label });
            } else {
                outside += 1;
            }
        }
        let mut posts = Vec::with_capacity(self.posts.len());
        for (i, post) in self.posts.into_iter().enumerate() {
            let at = parse_time(&format!("posts[{i}].created_at"), &post.created_at)?;
            if at >= from && at <= to {
                posts.push((at, post));
            } else {
                outside += 1;
            }
        }
        mentions.sort_by_key(|m| m.at);
        posts.sort_by_key(|(at, _)| *at);
        let title = self.title.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| lang.labels().default_title.into());
        let spikes = self.spikes;
        let top = self.top;
        Ok(Checked { title, from, to, outside, mentions, posts, spikes, top, lang, tz, brand, previous, report_url })
    }
}
