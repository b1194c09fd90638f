//! Follower tiers with their engagement benchmarks, and the reach range a workflow asks
//! for (a named tier or its own minimum and maximum followers).

use serde::{Deserialize, Serialize};

/// Follower-size tiers: nano 1k–10k, micro 10k–100k, mid 100k–500k, macro 500k–1M,
/// mega 1M and more. An account under 1,000 followers is rated against the nano tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Nano,
    Micro,
    Mid,
    Macro,
    Mega,
}

impl Tier {
    /// The median engagement rate expected of the tier (likes + reposts + replies per follower).
    pub fn benchmark(self) -> f64 {
        match self {
            Tier::Nano => 0.03,
            Tier::Micro => 0.02,
            Tier::Mid => 0.015,
            Tier::Macro => 0.01,
            Tier::Mega => 0.007,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Tier::Nano => "nano",
            Tier::Micro => "micro",
            Tier::Mid => "mid",
            Tier::Macro => "macro",
            Tier::Mega => "mega",
        }
    }

    /// The tier's follower range: at least `.0`, below `.1` (none for mega).
    pub fn bounds(self) -> (u64, Option<u64>) {
        match self {
            Tier::Nano => (1_000, Some(10_000)),
            Tier::Micro => (10_000, Some(100_000)),
            Tier::Mid => (100_000, Some(500_000)),
            Tier::Macro => (500_000, Some(1_000_000)),
            Tier::Mega => (1_000_000, None),
        }
    }
}

/// The tier of a follower count (under 10,000 is nano).
pub fn tier_of(followers: u64) -> Tier {
    match followers {
        0..10_000 => Tier::Nano,
        10_000..100_000 => Tier::Micro,
        100_000..500_000 => Tier::Mid,
        500_000..1_000_000 => Tier::Macro,
        _ => Tier::Mega,
    }
}

/// The minimum reach when a workflow names none: the start of the nano tier.
pub const DEFAULT_MIN_FOLLOWERS: u64 = 1_000;

/// The reach a workflow wants: at least `min` followers and at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReachRange {
    pub min: u64,
    pub max: Option<u64>,
}

impl Default for ReachRange {
    fn default() -> Self {
        ReachRange { min: DEFAULT_MIN_FOLLOWERS, max: None }
    }
}

impl ReachRange {
    /// From a named tier or explicit bounds (not both); the tier's upper bound is
    /// inclusive here, so `micro` takes 10,000 to 100,000 followers.
    pub fn from_input(tier: Option<Tier>, min: Option<u64>, max: Option<u64>) -> Result<Self, String> {
        if let Some(tier) = tier {
            if min.is_some() || max.is_some() {
                return Err(format!(
                    "`tier` is `{}` and `min_followers`/`max_followers` are given too; give either a tier or the bounds",
                    tier.name()
                ));
            }
            let (min, max) = tier.bounds();
            return Ok(ReachRange { min, max });
        }
        let range = ReachRange { min: min.unwrap_or(DEFAULT_MIN_FOLLOWERS), max };
        if let Some(max) = max
            && max < range.min
        {
            return Err(format!(
                "`max_followers` is {max}, below the minimum {}; raise it or lower the minimum",
                range.min
            ));
        }
        Ok(range)
    }

    /// The follower counts the reach factor runs between: the range's minimum (at least
    /// 100) gives 0 points and its maximum (without one: 1,000× the minimum) 100.
    pub fn scale(self) -> (f64, f64) {
        let lo = self.min.max(100) as f64;
        let hi = self.max.map_or(lo * 1_000.0, |m| m as f64).max(lo * 10.0);
        (lo, hi)
    }

    pub fn describe(self) -> String {
        match self.max {
            Some(max) => format!("{} to {max} followers", self.min),
            None => format!("at least {} followers", self.min),
        }
    }
}
