//! What would have silenced an alert: the smallest count, or negative share, at which each
//! rule fires for this window, computed by inverting the rule.

use serde::{Deserialize, Serialize};

use crate::baseline::Ewma;
use crate::detect::MIN_COUNT;

/// Below these the finding would not have fired (each alone silences it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// The smallest window count the rule fires at.
    pub mentions: Option<u64>,
    /// The smallest negative share of this window's count the rule fires at.
    pub negative_share: Option<f64>,
    /// The same in words.
    pub text: String,
}

fn ceil(x: f64) -> u64 {
    x.max(0.0).ceil() as u64
}

/// The smallest count that is a volume spike: `z ≥ k`, at least `MIN_COUNT` and at least
/// twice the expected count.
pub fn volume_floor(e: Ewma, k: f64) -> u64 {
    MIN_COUNT.max(ceil(e.mean + k * e.scale())).max(ceil(2.0 * e.mean))
}

/// The fewest negative mentions that make a volume spike of `count` a negative spike.
pub fn spike_floor(e: Ewma, en: f64, nscale: f64, excess_min: f64, count: u64, k: f64) -> u64 {
    let excess = (count as f64 - e.mean).max(1.0);
    MIN_COUNT.max(ceil(en + k * nscale)).max(ceil(en + excess_min * excess))
}

/// The fewest negative mentions that make a window of `count` a negative rise.
pub fn rise_floor(en: f64, nscale: f64, share_min: f64, count: u64, k: f64) -> u64 {
    MIN_COUNT.max(ceil(en + k * nscale)).max(ceil(share_min * count as f64))
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

impl Silence {
    /// From the count floor and the negative-count floor of a window of `count`.
    pub fn new(mentions: Option<u64>, negatives: Option<u64>, count: u64) -> Self {
        let share = negatives.map(|n| (n as f64 / count.max(1) as f64).min(1.0));
        let text = match (mentions, share) {
            (Some(m), Some(s)) => format!("would not alert below {m} mentions or below {} negative", percent(s)),
            (Some(m), None) => format!("would not alert below {m} mentions"),
            (None, Some(s)) => format!("would not alert below {} negative", percent(s)),
            (None, None) => String::new(),
        };
        Silence { mentions, negative_share: share.map(round3), text }
    }

    /// For the slow burn: the share this window needed to keep the CUSUM at its threshold.
    pub fn burn(share: Option<f64>, count: u64) -> Self {
        let text = match share {
            Some(s) if s > 0.0 => {
                format!("would not alert below {} negative of {count} mentions this window", percent(s))
            }
            _ => "stays above the threshold this window at any share; quiets down as the share falls back".into(),
        };
        Silence { mentions: None, negative_share: share.map(round3), text }
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
