//! The per-key baseline (EWMA mean and variance of the mention count and of the negative
//! count), the spike score against it, and the update after scoring.

use serde::{Deserialize, Serialize};

/// The EWMA span: `α = 2 / (N + 1)` with N = 24 windows.
pub const SPAN: f64 = 24.0;
/// Windows seen before alerts start.
pub const WARMUP: u64 = 6;
/// A spike needs at least this many mentions (no alert on 1 → 2).
pub const MIN_COUNT: u64 = 5;
/// A negative spike: at least 40% negative ...
pub const NEG_SHARE_MIN: f64 = 0.40;
/// ... and at least 20 points above the baseline's negative share.
pub const NEG_SHARE_LIFT: f64 = 0.20;
/// A negative spike is critical from this z on ...
pub const CRITICAL_Z: f64 = 5.0;
/// ... or from this many negative-spike windows in a row.
pub const CRITICAL_STREAK: u32 = 3;
/// Updates cap an observation at `mean + WINSOR · max(σ, √mean, 1)`.
pub const WINSOR: f64 = 3.0;

/// How readily a volume spike is called: the z threshold `k`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// k = 2
    Sensitive,
    /// k = 3
    #[default]
    Normal,
    /// k = 4
    Conservative,
}

impl Sensitivity {
    pub fn k(self) -> f64 {
        match self {
            Sensitivity::Sensitive => 2.0,
            Sensitivity::Normal => 3.0,
            Sensitivity::Conservative => 4.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

/// An exponentially weighted mean and variance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Ewma {
    pub mean: f64,
    pub variance: f64,
}

impl Ewma {
    /// `max(σ, √mean, 1)`: the Poisson floor keeps small baselines from alerting on noise.
    pub fn scale(&self) -> f64 {
        self.variance.sqrt().max(self.mean.sqrt()).max(1.0)
    }

    pub fn z(&self, x: f64) -> f64 {
        (x - self.mean) / self.scale()
    }

    /// `μ ← μ + α(x − μ)`, `v ← (1 − α)(v + α(x − μ)²)`.
    pub fn update(&mut self, x: f64, alpha: f64) {
        let d = x - self.mean;
        self.mean += alpha * d;
        self.variance = (1.0 - alpha) * (self.variance + alpha * d * d);
    }
}

/// What is kept per key between windows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub window_minutes: u32,
    /// Windows folded in so far.
    pub samples: u64,
    pub count: Ewma,
    pub negative: Ewma,
    /// Negative-spike windows in a row up to the last one.
    pub streak: u32,
}

/// The score of one window against a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub severity: Severity,
    pub z: f64,
    pub negative_z: f64,
    pub negative_share: f64,
    pub baseline_negative_share: f64,
    pub warming_up: bool,
    /// Negative-spike windows in a row, this one included.
    pub streak: u32,
    pub reason: String,
}

impl Baseline {
    /// The negative share the baseline expects (its negative mean over its count mean).
    pub fn negative_share(&self) -> f64 {
        if self.count.mean > 0.0 { (self.negative.mean / self.count.mean).min(1.0) } else { 0.0 }
    }

    /// Scores `count` mentions, `negative` of them negative, with threshold `k`.
    pub fn assess(&self, count: u64, negative: u64, k: f64) -> Assessment {
        let (x, n) = (count as f64, negative as f64);
        let z = self.count.z(x);
        let negative_z = self.negative.z(n);
        let share = if count > 0 { n / x } else { 0.0 };
        let base_share = self.negative_share();
        let warming_up = self.samples < WARMUP;
        let volume = z >= k && count >= MIN_COUNT && x >= 2.0 * self.count.mean;
        let negative_gate = share >= NEG_SHARE_MIN && share - base_share >= NEG_SHARE_LIFT;
        let slow_burn = negative_z >= k && negative >= MIN_COUNT && n >= 2.0 * self.negative.mean;
        let crisis = !warming_up && volume && negative_gate;
        let streak = if crisis { self.streak + 1 } else { 0 };

        let volume_text = format!("{count} mentions vs {:.1} expected (z {z:.1})", self.count.mean);
        let share_text = format!("{:.0}% negative (baseline {:.0}%)", share * 100.0, base_share * 100.0);
        let (severity, reason) = if warming_up {
            let reason = format!(
                "learning the baseline: window {} of {WARMUP}, alerts start after {WARMUP} windows; {volume_text}",
                self.samples + 1
            );
            (Severity::None, reason)
        } else if crisis && (z >= CRITICAL_Z || streak >= CRITICAL_STREAK) {
            let why = if z >= CRITICAL_Z {
                format!("z >= {CRITICAL_Z}")
            } else {
                format!("{streak} negative-spike windows in a row")
            };
            (Severity::Critical, format!("negative spike ({why}): {volume_text}, {share_text}"))
        } else if crisis {
            (Severity::High, format!("negative spike: {volume_text}, {share_text}"))
        } else if slow_burn {
            let reason = format!(
                "negative mentions rising: {negative} negative vs {:.1} expected (z {negative_z:.1}); {volume_text}",
                self.negative.mean
            );
            (Severity::Medium, reason)
        } else if volume {
            (Severity::Low, format!("volume spike, not negative: {volume_text}, {share_text}"))
        } else {
            (Severity::None, format!("no spike: {volume_text}{}", quiet_because(z, k, count, x, self.count.mean)))
        };
        Assessment {
            severity,
            z,
            negative_z,
            negative_share: share,
            baseline_negative_share: base_share,
            warming_up,
            streak,
            reason,
        }
    }

    /// Folds a window in. During warm-up the window counts in full and `α = 1/samples`
    /// (a plain running mean); afterwards `α = 2/(N+1)` and the counts are capped at
    /// `mean + 3·max(σ, √mean, 1)`, so one spike moves the mean by at most `α·3` scales
    /// while a lasting new level is learned within a few spans.
    pub fn update(&mut self, count: u64, negative: u64, streak: u32) {
        let capped = |e: &Ewma, v: u64| {
            let v = v as f64;
            if self.samples < WARMUP { v } else { v.min(e.mean + WINSOR * e.scale()) }
        };
        let x = capped(&self.count, count);
        let n = capped(&self.negative, negative);
        self.samples += 1;
        let alpha = (2.0 / (SPAN + 1.0)).max(1.0 / self.samples as f64);
        self.count.update(x, alpha);
        self.negative.update(n, alpha);
        self.streak = streak;
    }
}

fn quiet_because(z: f64, k: f64, count: u64, x: f64, mean: f64) -> String {
    if z < k {
        format!("; z under the threshold {k}")
    } else if count < MIN_COUNT {
        format!("; fewer than {MIN_COUNT} mentions")
    } else if x < 2.0 * mean {
        "; less than twice the expected volume".to_string()
    } else {
        String::new()
    }
}
