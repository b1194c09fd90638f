//! Roost plugin `crisis`: are the latest mentions a (negative) spike or a slow burn?
//!
//! The action keeps one state per `key` in the plugin's key-value store: the baselines
//! (`detect::Model`) and the windows not closed yet (`windows::Tracker`). It buckets the
//! given mentions by their own timestamps, scores every window that closed against the
//! baselines, then folds it in. A retry of the same step returns the stored result.

mod baseline;
mod burn;
mod detect;
mod feed;
mod output;
mod season;
mod silence;
/// The scenario generator and runner serve the tests and the example, not the component.
#[cfg(not(target_family = "wasm"))]
pub mod sim;
#[cfg(not(target_family = "wasm"))]
pub mod synth;
mod windows;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_scenarios;
#[cfg(test)]
mod tests_windows;

use chrono::{DateTime, Utc};
use roost_sdk::{Action, Context, StepError, kv};
use serde::{Deserialize, Serialize};

pub use baseline::{Baseline, Ewma, Sensitivity, Severity};
pub use burn::Burn;
pub use detect::{Assessment, Detector, Finding, Model};
pub use feed::{Feed, State};
pub use output::DetectOutput;
pub use season::Basis;
pub use silence::Silence;
pub use windows::{Ignored, Mention, MentionIn, parse as parse_mentions};

/// States not updated for this long expire (seconds).
const STATE_TTL: u32 = 30 * 86_400;
const MAX_KEY_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectInput {
    /// The state's name, e.g. `acme/mentions`.
    pub key: String,
    /// The fetched mentions with their sentiment (or give `count` and `negative`).
    #[serde(default)]
    pub mentions: Option<Vec<MentionIn>>,
    /// One pre-counted window: its mentions ...
    #[serde(default)]
    pub count: Option<u64>,
    /// ... and how many of them are negative.
    #[serde(default)]
    pub negative: Option<u64>,
    #[serde(default = "default_window")]
    pub window_minutes: u32,
    /// Now (mentions) or the window's end (counts), RFC 3339; default: the clock.
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub sensitivity: Sensitivity,
}

fn default_window() -> u32 {
    10
}

/// What one call brings: mentions, or one counted window.
enum Batch {
    Mentions(Vec<Mention>),
    Count { count: u64, negative: u64 },
}

/// The stored state with the last call's result, for retries.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    state: State,
    last_key: String,
    last_output: DetectOutput,
}

fn check(input: &DetectInput) -> Result<(Batch, DateTime<Utc>), String> {
    if input.key.trim().is_empty() || input.key.chars().count() > MAX_KEY_CHARS {
        return Err(format!(
            "`key` must name the baseline in 1 to {MAX_KEY_CHARS} characters, such as \"acme/mentions\""
        ));
    }
    if !(1..=10_080).contains(&input.window_minutes) {
        return Err(format!("`window_minutes` is {}; give 1 to 10080 (a week)", input.window_minutes));
    }
    let batch = match (&input.mentions, input.count, input.negative) {
        (Some(m), None, None) => Batch::Mentions(windows::parse(m)?),
        (None, Some(count), Some(negative)) if negative <= count => Batch::Count { count, negative },
        (None, Some(count), Some(negative)) => {
            return Err(format!(
                "`negative` is {negative} but `count` is {count}: negative mentions are a part of all mentions in the window"
            ));
        }
        (Some(_), _, _) => return Err("give either `mentions` or `count` and `negative`, not both".into()),
        (None, _, _) => {
            return Err("give `mentions` (with their sentiment), or `count` and `negative` of one window".into());
        }
    };
    let at = match &input.at {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("`at` is `{text}`, not an RFC 3339 time ({e}); write it like 2025-05-01T09:30:00Z"))?,
        None => DateTime::<Utc>::from(std::time::SystemTime::now()),
    };
    Ok((batch, at))
}

/// Loads the key's state, or starts one; refuses another window length or feed.
fn state(input: &DetectInput, stored: Option<Stored>, feed: Feed) -> Result<State, String> {
    let Some(s) = stored else { return Ok(State::new(input.window_minutes, feed)) };
    if s.state.model.window_minutes != input.window_minutes {
        return Err(format!(
            "the baseline `{}` counts {}-minute windows but `window_minutes` is {}; use the same window length or another `key`",
            input.key, s.state.model.window_minutes, input.window_minutes
        ));
    }
    if s.state.feed != feed {
        return Err(format!(
            "the baseline `{}` is fed {:?} but this call gives {feed:?}; feed one key one way (or use another `key`)",
            input.key, s.state.feed
        )
        .to_lowercase());
    }
    Ok(s.state)
}

/// Scores the mentions' windows (or one counted window) and updates the key's baselines.
pub struct Detect;

impl Action for Detect {
    type Input = DetectInput;
    type Output = DetectOutput;

    fn run(ctx: &Context, input: DetectInput) -> Result<DetectOutput, StepError> {
        let (batch, at) = check(&input).map_err(StepError::invalid_input)?;
        let store_key = format!("state:{}", input.key);
        let stored: Option<Stored> = kv::get_json(&store_key)?;
        if let Some(stored) = &stored
            && stored.last_key == ctx.idempotency_key
        {
            return Ok(stored.last_output.clone());
        }
        let feed = if matches!(batch, Batch::Mentions(_)) { Feed::Mentions } else { Feed::Counts };
        let mut state = state(&input, stored, feed).map_err(StepError::invalid_input)?;
        let (k, at_ms) = (input.sensitivity.k(), at.timestamp_millis());
        let output = match batch {
            Batch::Mentions(m) => state.mentions(&input.key, &m, at_ms, k),
            Batch::Count { count, negative } => state.count(&input.key, count, negative, at_ms, k),
        };
        let stored = Stored { state, last_key: ctx.idempotency_key.clone(), last_output: output.clone() };
        kv::set_json(&store_key, &stored, Some(STATE_TTL))?;
        Ok(output)
    }
}

roost_sdk::plugin! { "detect" => Detect }
