//! The slow-burn detector: a long, slowly adapting baseline of the negative share and a
//! Bernoulli CUSUM of each window's negative mentions against it.

use serde::{Deserialize, Serialize};

/// What a new key assumes about its negative share ...
pub const PRIOR_SHARE: f64 = 0.15;
/// ... worth this many mentions, so the first mentions do not set the share alone.
pub const PRIOR_MENTIONS: f64 = 20.0;
/// The share baseline forgets with a time constant of three days: a burn of a few hours
/// moves it by a few percent of the shift, where the spike EWMA (four hours) would have
/// learned it.
pub const MEMORY_MINUTES: f64 = 3.0 * 1440.0;
/// The CUSUM tests the baseline share `p0` against `p0 + LIFT`.
pub const LIFT: f64 = 0.45;
/// The CUSUM alerts from this score on (at sensitivity `normal`, scaled by `k / 3`) ...
pub const THRESHOLD: f64 = 8.0;
/// ... and stops accumulating at this multiple of it, so it quiets down within a few
/// windows after the burn ends instead of draining for hours.
pub const CAP: f64 = 1.5;

/// The most mentions one window's evidence counts as. Mentions of a busy account are not
/// independent (threads, quotes, one angry customer's friends), so a busy hour's share
/// swings more than a coin would; counting each window as at most this many mentions keeps
/// those swings from adding up to a false burn, while a real one (most of a window
/// negative) still crosses the threshold in a window or two.
pub const MAX_WINDOW_EVIDENCE: f64 = 12.0;

/// A slow burn is `high` only once its run (since the CUSUM last stood at zero) holds this
/// many negative mentions more than the usual share gives: a few angry posts in a quiet
/// hour are not a burn.
pub const MIN_EXCESS: f64 = 8.0;

/// The long share baseline (decayed sums of mentions) and the CUSUM score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Burn {
    pub negative: f64,
    pub mentions: f64,
    pub cusum: f64,
    /// Negative mentions above the usual share since the CUSUM last stood at zero.
    #[serde(default)]
    pub excess: f64,
}

/// The log-likelihood ratios a negative and an other mention add.
fn weights(p0: f64) -> (f64, f64) {
    let p1 = (p0 + LIFT).min(0.95);
    ((p1 / p0).ln(), ((1.0 - p1) / (1.0 - p0)).ln())
}

pub fn threshold(k: f64) -> f64 {
    THRESHOLD * k / 3.0
}

impl Burn {
    /// The expected negative share: the decayed sums with the prior.
    pub fn share(&self) -> f64 {
        (self.negative + PRIOR_SHARE * PRIOR_MENTIONS) / (self.mentions + PRIOR_MENTIONS)
    }

    /// This window's evidence for a raised share (positive) or against it.
    pub fn llr(&self, count: u64, negative: u64) -> f64 {
        let (a, b) = weights(self.share());
        let scale = (MAX_WINDOW_EVIDENCE / count.max(1) as f64).min(1.0);
        scale * (negative as f64 * a + (count - negative) as f64 * b)
    }

    /// The CUSUM after this window: `max(0, S + llr)`, capped.
    pub fn next(&self, count: u64, negative: u64, k: f64) -> f64 {
        (self.cusum + self.llr(count, negative)).clamp(0.0, CAP * threshold(k))
    }

    /// The run's excess negatives after this window (zero when the CUSUM falls to zero).
    pub fn next_excess(&self, count: u64, negative: u64, cusum: f64) -> f64 {
        if cusum > 0.0 { self.excess + negative as f64 - self.share() * count as f64 } else { 0.0 }
    }

    /// The smallest negative share of a window of `count` mentions that keeps the CUSUM at
    /// the threshold; `None` when no share would (too few mentions).
    pub fn share_to_alert(&self, count: u64, k: f64) -> Option<f64> {
        if count == 0 {
            return None;
        }
        let (a, b) = weights(self.share());
        let scale = (MAX_WINDOW_EVIDENCE / count as f64).min(1.0);
        let n = ((threshold(k) - self.cusum) / scale - count as f64 * b) / (a - b);
        (n <= count as f64).then(|| (n.max(0.0).ceil() / count as f64).min(1.0))
    }

    /// Folds a window in after it was scored: the CUSUM as scored, the sums decayed.
    pub fn fold(&mut self, count: f64, negative: f64, (cusum, excess): (f64, f64), window_minutes: u32) {
        let keep = (-f64::from(window_minutes) / MEMORY_MINUTES).exp();
        self.negative = self.negative * keep + negative;
        self.mentions = self.mentions * keep + count;
        self.cusum = cusum;
        self.excess = excess;
    }
}
