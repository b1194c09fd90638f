//! Roost plugin `best-time`: when to post, from the account's past engagement.
//!
//! `next-slot` suggests the next hours to post at; `heatmap` gives the 7×24 scores behind
//! them. The model (`model`) scores each local hour of the week; `slots` picks free
//! hours; `prior` is the general-audience fallback for accounts with little history.

mod model;
mod prior;
mod slots;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use roost_sdk::{Action, Context, StepError};
use serde::{Deserialize, Serialize};

pub use model::{Model, Post, bin_of, build, usable};
pub use slots::{Plan, Slot, pick};

/// The most slots one step suggests.
pub const MAX_COUNT: u32 = 50;

/// One past post of the account.
#[derive(Debug, Deserialize)]
pub struct HistoryIn {
    pub created_at: String,
    #[serde(default)]
    pub likes: u64,
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub replies: u64,
    /// Followers when it was posted; used only when every post has it.
    #[serde(default)]
    pub followers: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextSlotInput {
    #[serde(default)]
    pub history: Vec<HistoryIn>,
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default = "default_gap")]
    pub min_gap_hours: f64,
    #[serde(default)]
    pub scheduled: Vec<String>,
    #[serde(default = "one")]
    pub count: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeatmapInput {
    #[serde(default)]
    pub history: Vec<HistoryIn>,
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub after: Option<String>,
}

fn utc() -> String {
    "UTC".into()
}
fn default_gap() -> f64 {
    3.0
}
fn one() -> u32 {
    1
}

#[derive(Debug, Serialize)]
pub struct NextSlotOutput {
    pub slots: Vec<Slot>,
    pub timezone: String,
    pub posts_used: usize,
    /// The share of the general-audience prior in each hour's prior mean (1 = cold start).
    pub prior_weight: f64,
}

#[derive(Debug, Serialize)]
pub struct HeatmapOutput {
    /// 7 rows (Monday first) of 24 local hours: the score, 1.0 = the account's median.
    pub cells: Vec<Vec<f64>>,
    /// Posts in each cell.
    pub samples: Vec<Vec<u32>>,
    pub timezone: String,
    pub posts_used: usize,
    pub prior_weight: f64,
}

fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, StepError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        StepError::invalid_input(format!(
            "`{field}` is `{text}`, not an RFC 3339 time ({e}); write it like 2025-05-01T09:30:00+02:00"
        ))
    })
}

fn parse_zone(name: &str) -> Result<Tz, StepError> {
    name.parse().map_err(|_| {
        StepError::invalid_input(format!(
            "`timezone` is `{name}`, which is not an IANA time zone; use a name such as Europe/Berlin or UTC"
        ))
    })
}

/// The time zone, `after` (default: the clock) and the posts that count at that time.
fn prepare(history: &[HistoryIn], zone: &str, after: Option<&str>) -> Result<(Tz, DateTime<Utc>, Model), StepError> {
    let tz = parse_zone(zone)?;
    let now = DateTime::<Utc>::from(std::time::SystemTime::now());
    let after = match after {
        Some(text) => parse_time("after", text)?,
        None => now,
    };
    let mut posts = Vec::with_capacity(history.len());
    for (i, h) in history.iter().enumerate() {
        let at = parse_time(&format!("history[{i}].created_at"), &h.created_at)?;
        posts.push(Post { at, engagement: h.likes + h.reposts + h.replies, followers: h.followers });
    }
    let model = build(&usable(&posts, after.min(now)), tz);
    Ok((tz, after, model))
}

/// Suggests the next hours to post at.
pub struct NextSlot;

impl Action for NextSlot {
    type Input = NextSlotInput;
    type Output = NextSlotOutput;

    fn run(_ctx: &Context, input: NextSlotInput) -> Result<NextSlotOutput, StepError> {
        if !(0.0..=168.0).contains(&input.min_gap_hours) {
            return Err(StepError::invalid_input(format!("`min_gap_hours` is {}; give 0 to 168", input.min_gap_hours)));
        }
        if input.count == 0 || input.count > MAX_COUNT {
            return Err(StepError::invalid_input(format!("`count` is {}; give 1 to {MAX_COUNT}", input.count)));
        }
        let (tz, after, model) = prepare(&input.history, &input.timezone, input.after.as_deref())?;
        let scheduled = input
            .scheduled
            .iter()
            .enumerate()
            .map(|(i, s)| parse_time(&format!("scheduled[{i}]"), s))
            .collect::<Result<Vec<_>, _>>()?;
        let min_gap = Duration::seconds((input.min_gap_hours * 3600.0).round() as i64);
        let plan = Plan { tz, after, min_gap, scheduled: &scheduled, count: input.count as usize };
        Ok(NextSlotOutput {
            slots: pick(&model, &plan),
            timezone: tz.name().to_string(),
            posts_used: model.posts_used,
            prior_weight: slots::round3(model.prior_weight),
        })
    }
}

/// The 7×24 scores and sample counts.
pub struct Heatmap;

impl Action for Heatmap {
    type Input = HeatmapInput;
    type Output = HeatmapOutput;

    fn run(_ctx: &Context, input: HeatmapInput) -> Result<HeatmapOutput, StepError> {
        let (tz, _, model) = prepare(&input.history, &input.timezone, input.after.as_deref())?;
        Ok(HeatmapOutput {
            cells: model.score.chunks(24).map(|day| day.iter().map(|s| slots::round3(*s)).collect()).collect(),
            samples: model.samples.chunks(24).map(<[u32]>::to_vec).collect(),
            timezone: tz.name().to_string(),
            posts_used: model.posts_used,
            prior_weight: slots::round3(model.prior_weight),
        })
    }
}

roost_sdk::plugin! { "next-slot" => NextSlot, "heatmap" => Heatmap }
