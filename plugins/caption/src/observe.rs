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
/// (id, author, url, ...) are ignored.
#[derive(Debug, Deserialize)]
pub struct Mention {
    pub text: String,
    pub created_at: Option<String>,
    pub sentiment: Option<Sentiment>,
}

/// A sentiment result, as `sentiment/batch` gives it.
#[derive(Debug, Default, Deserialize)]
pub struct Sentiment {
    pub label: Option<String>,
    pub compound: Option<f64>,
}

impl Mention {
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
    /// Mentions older than the kept days or dated in the future, not counted.
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
        let day = mention.created_at.as_deref().and_then(day::of_rfc3339).unwrap_or(today);
        // A day ahead is clock skew between the network and us, more is a wrong date.
        if day > today + 1 || today - day >= KEEP_DAYS {
            out.skipped += 1;
            continue;
        }
        let negative = mention.is_negative();
        out.mentions += 1;
        out.negative += usize::from(negative);
        out.tags_seen += days.entry(day).or_default().add_mention(&mention.text, negative);
    }
    days.retain(|_, counts| !counts.tags.is_empty());
    (days, out)
}
