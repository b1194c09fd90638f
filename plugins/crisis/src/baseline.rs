//! The global volume baseline: an EWMA mean and variance of the mention count per window,
//! with a Poisson floor on its scale and capped (winsorised) updates.

use serde::{Deserialize, Serialize};

/// The EWMA span: `α = 2 / (N + 1)` with N = 24 windows.
pub const SPAN: f64 = 24.0;
/// Windows seen before alerts start.
pub const WARMUP: u64 = 6;
/// Updates cap an observation at `mean + WINSOR · max(σ, √mean, 1)`.
pub const WINSOR: f64 = 3.0;

/// How readily a spike is called: the z threshold `k` (and the slow-burn threshold with it).
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

    /// Folds `x` in with `α = max(floor, 1/samples)`, capped at `mean + WINSOR · scale`
    /// once `capped` (so one spike moves the mean by at most `α·3` scales).
    pub fn fold(&mut self, x: f64, samples: u64, floor: f64, capped: bool) {
        let x = if capped { x.min(self.mean + WINSOR * self.scale()) } else { x };
        self.update(x, floor.max(1.0 / samples.max(1) as f64));
    }
}

/// The count baseline over all windows, whatever their hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Windows folded in so far.
    pub samples: u64,
    pub count: Ewma,
}

impl Baseline {
    pub fn warming_up(&self) -> bool {
        self.samples < WARMUP
    }

    /// Folds a window in. During warm-up the window counts in full and `α = 1/samples`
    /// (a plain running mean); afterwards `α = 2/(N+1)` and the count is capped, so a
    /// crisis that lasts several windows keeps being measured against the calm before it,
    /// while a lasting new level is still learned within a few spans.
    pub fn update(&mut self, count: u64) {
        let capped = !self.warming_up();
        self.samples += 1;
        self.count.fold(count as f64, self.samples, 2.0 / (SPAN + 1.0), capped);
    }
}
