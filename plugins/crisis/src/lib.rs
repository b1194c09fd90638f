//! Roost plugin `crisis`: is this window's mention count a (negative) spike?
//!
//! The action keeps one baseline per `key` in the plugin's key-value store, scores the
//! window against it (`baseline::Baseline::assess`), then folds the window in. A retry of
//! the same step returns the stored result without counting the window twice.

mod baseline;

#[cfg(test)]
mod tests;

use chrono::{DateTime, SecondsFormat, Utc};
use roost_sdk::{Action, Context, StepError, kv};
use serde::{Deserialize, Serialize};

pub use baseline::{Assessment, Baseline, Ewma, Sensitivity, Severity};

/// Baselines not updated for this long expire (seconds).
const BASELINE_TTL: u32 = 30 * 86_400;
const MAX_KEY_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectInput {
    /// The baseline's name, e.g. `acme/mentions`.
    pub key: String,
    pub count: u64,
    pub negative: u64,
    #[serde(default = "default_window")]
    pub window_minutes: u32,
    /// The window's end (RFC 3339); default: the clock.
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub sensitivity: Sensitivity,
}

fn default_window() -> u32 {
    10
}

/// The baseline the window was scored against (before this window was folded in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineOut {
    pub mean: f64,
    pub variance: f64,
    pub samples: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectOutput {
    pub key: String,
    pub at: String,
    pub severity: Severity,
    pub z: f64,
    pub negative_z: f64,
    pub expected: f64,
    pub count: u64,
    pub negative: u64,
    pub negative_share: f64,
    pub baseline_negative_share: f64,
    pub reason: String,
    pub warming_up: bool,
    pub streak: u32,
    /// Whether this window was folded into the baseline.
    pub updated: bool,
    pub baseline: BaselineOut,
}

/// What the store keeps per key.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    baseline: Baseline,
    /// The last folded-in window's end, Unix milliseconds.
    last_at_ms: i64,
    last_key: String,
    last_output: DetectOutput,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn check(input: &DetectInput) -> Result<DateTime<Utc>, String> {
    if input.key.trim().is_empty() || input.key.chars().count() > MAX_KEY_CHARS {
        return Err(format!(
            "`key` must name the baseline in 1 to {MAX_KEY_CHARS} characters, such as \"acme/mentions\""
        ));
    }
    if input.negative > input.count {
        return Err(format!(
            "`negative` is {} but `count` is {}: negative mentions are a part of all mentions in the window",
            input.negative, input.count
        ));
    }
    if !(1..=10_080).contains(&input.window_minutes) {
        return Err(format!("`window_minutes` is {}; give 1 to 10080 (a week)", input.window_minutes));
    }
    match &input.at {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("`at` is `{text}`, not an RFC 3339 time ({e}); write it like 2025-05-01T09:30:00Z")),
        None => Ok(DateTime::<Utc>::from(std::time::SystemTime::now())),
    }
}

/// Scores one window of mentions and updates the key's baseline.
pub struct Detect;

impl Action for Detect {
    type Input = DetectInput;
    type Output = DetectOutput;

    fn run(ctx: &Context, input: DetectInput) -> Result<DetectOutput, StepError> {
        let at = check(&input).map_err(StepError::invalid_input)?;
        let store_key = format!("baseline:{}", input.key);
        let stored: Option<Stored> = kv::get_json(&store_key)?;
        if let Some(stored) = &stored
            && stored.last_key == ctx.idempotency_key
        {
            return Ok(stored.last_output.clone());
        }
        let baseline = match &stored {
            Some(s) if s.baseline.window_minutes != input.window_minutes => {
                return Err(StepError::invalid_input(format!(
                    "the baseline `{}` counts {}-minute windows but `window_minutes` is {}; \
                     use the same window length or another `key`",
                    input.key, s.baseline.window_minutes, input.window_minutes
                )));
            }
            Some(s) => s.baseline.clone(),
            None => Baseline { window_minutes: input.window_minutes, ..Baseline::default() },
        };
        let in_order = stored.as_ref().is_none_or(|s| at.timestamp_millis() > s.last_at_ms);
        let a = baseline.assess(input.count, input.negative, input.sensitivity.k());
        let mut reason = a.reason.clone();
        if !in_order {
            reason.push_str("; this window does not end after the last one scored, so the baseline was left as it was");
        }
        let output = DetectOutput {
            key: input.key.clone(),
            at: at.to_rfc3339_opts(SecondsFormat::Secs, true),
            severity: a.severity,
            z: round3(a.z),
            negative_z: round3(a.negative_z),
            expected: round3(baseline.count.mean),
            count: input.count,
            negative: input.negative,
            negative_share: round3(a.negative_share),
            baseline_negative_share: round3(a.baseline_negative_share),
            reason,
            warming_up: a.warming_up,
            streak: a.streak,
            updated: in_order,
            baseline: BaselineOut {
                mean: round3(baseline.count.mean),
                variance: round3(baseline.count.variance),
                samples: baseline.samples,
            },
        };
        if in_order {
            let mut next = baseline;
            next.update(input.count, input.negative, a.streak);
            let stored = Stored {
                baseline: next,
                last_at_ms: at.timestamp_millis(),
                last_key: ctx.idempotency_key.clone(),
                last_output: output.clone(),
            };
            kv::set_json(&store_key, &stored, Some(BASELINE_TTL))?;
        }
        Ok(output)
    }
}

roost_sdk::plugin! { "detect" => Detect }
