//! The `observe` action: counts the hashtags of listened-to mentions per UTC day, with how
//! many of those mentions were negative, so suggestions follow what people actually use.

use std::collections::BTreeMap;

use roost_sdk::{Action, Context, StepError};
use serde::{Deserialize, Serialize};

use crate::day::{self, Day};
use crate::observed::{self, DayCounts, KEEP_DAYS, Observed};

/// The most mentions one step counts; also `maxItems` in plugin.toml.
pub const MAX_MENTIONS: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObserveInput {
    pub mentions: Vec<Mention>,
    /// When the mentions without `created_at` were seen; default now.
    pub at: Option<String>,
}

/// A mention as the mentions actions give it, with `sentiment` attached; other fields
/// (id, url, ...) are ignored.
#[derive(Debug, Deserialize)]
pub struct Mention {
    pub text: String,
    pub created_at: Option<String>,
    pub sentiment: Option<Sentiment>,
    /// Who wrote it; mentions without one count as one anonymous author together.
    pub author: Option<Author>,
    /// The network it was found on, so the same handle on two networks is two authors.
    pub network: Option<String>,
}

/// The author of a mention, as `roost_sdk::social::Author` gives it; other fields ignored.
#[derive(Debug, Default, Deserialize)]
pub struct Author {
    pub handle: Option<String>,
    pub id: Option<String>,
}

/// A sentiment result, as `sentiment/batch` gives it.
#[derive(Debug, Default, Deserialize)]
pub struct Sentiment {
    pub label: Option<String>,
    pub compound: Option<f64>,
}

impl Mention {
    /// The hash of who wrote it: the network with the handle (or, without one, the id).
    fn author_hash(&self) -> String {
        let author = self.author.as_ref();
        let handle = author.and_then(|a| a.handle.as_deref()).map(|h| h.trim().trim_start_matches('@'));
        let who = handle.filter(|h| !h.is_empty()).or_else(|| author.and_then(|a| a.id.as_deref()));
        match who.map(str::trim).filter(|w| !w.is_empty()) {
            Some(who) => observed::author_hash(&format!("{}:{who}", self.network.as_deref().unwrap_or_default())),
            None => observed::author_hash(""),
        }
    }

    /// Negative by its label, or without one by a compound of -0.05 or below (the
    /// sentiment plugin's own threshold).
    fn is_negative(&self) -> bool {
        match &self.sentiment {
            Some(Sentiment { label: Some(label), .. }) => label == "negative",
            Some(Sentiment { compound: Some(c), .. }) => *c <= -0.05,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObserveOutput {
    /// Mentions counted (those within the kept days).
    pub mentions: usize,
    /// Of those, the negative ones.
    pub negative: usize,
    /// Hashtags counted, each once per mention.
    pub tags_seen: usize,
    /// Mentions not counted: older than the kept days, dated in the future, or with a
    /// `created_at` that is no RFC 3339 time.
    pub skipped: usize,
    /// Days of the last 28 that hold counts now.
    pub days_kept: usize,
    /// True when a retry of this step found its counts already recorded.
    pub already_counted: bool,
}

/// Counts the hashtags of mentions into the plugin's kv, once per logical step.
pub struct Observe;

impl Action for Observe {
    type Input = ObserveInput;
    type Output = ObserveOutput;

    fn run(ctx: &Context, input: ObserveInput) -> Result<ObserveOutput, StepError> {
        if input.mentions.len() > MAX_MENTIONS {
            return Err(StepError::invalid_input(format!(
                "`mentions` has {} items; give at most {MAX_MENTIONS} per step",
                input.mentions.len()
            )));
        }
        let today = match input.at.as_deref() {
            Some(at) => day::of_rfc3339(at).ok_or_else(|| {
                StepError::invalid_input(format!("`at` is {at:?}, not an RFC 3339 time like 2026-05-04T09:30:00Z"))
            })?,
            None => day::today(),
        };
        let (days, mut out) = count(&input.mentions, today);
        let step = observed::step_hash(&ctx.idempotency_key);
        let mut written = 0;
        for (day, counts) in &days {
            written += usize::from(observed::record(*day, counts, &step)?);
        }
        out.already_counted = !days.is_empty() && written == 0;
        out.days_kept = Observed::load(today)?.days;
        Ok(out)
    }
}

/// The mentions' tag counts per day (pure), and the output's counts.
fn count(mentions: &[Mention], today: Day) -> (BTreeMap<Day, DayCounts>, ObserveOutput) {
    let mut days: BTreeMap<Day, DayCounts> = BTreeMap::new();
    let mut out =
        ObserveOutput { mentions: 0, negative: 0, tags_seen: 0, skipped: 0, days_kept: 0, already_counted: false };
    for mention in mentions {
        // Only a mention without a date is dated by `at`: a malformed one is not "today".
        let day = match mention.created_at.as_deref() {
            Some(at) => day::of_rfc3339(at),
            None => Some(today),
        };
        // A day ahead is clock skew between the network and us, more is a wrong date.
        let Some(day) = day.filter(|day| *day <= today + 1 && today - day < KEEP_DAYS) else {
            out.skipped += 1;
            continue;
        };
        let negative = mention.is_negative();
        out.mentions += 1;
        out.negative += usize::from(negative);
        out.tags_seen += days.entry(day).or_default().add_mention(&mention.text, negative, &mention.author_hash());
    }
    days.retain(|_, counts| !counts.tags.is_empty());
    (days, out)
}
