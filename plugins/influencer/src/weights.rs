//! The factors' weights: the defaults, and the ones a workflow sets.

use serde::Deserialize;

/// The six factors in output order.
pub const FACTORS: [&str; 6] = ["reach", "engagement", "authenticity", "topic_fit", "activity", "growth"];

/// Weights by factor; a workflow may set any of them (the rest keep their defaults).
/// Reach, engagement, topic fit, activity and growth are summed, their weights rescaled
/// over the available ones to sum to 1; authenticity then scales that sum, keeping
/// `1 − authenticity·(1 − A/100)` of it.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub reach: f64,
    pub engagement: f64,
    pub authenticity: f64,
    pub topic_fit: f64,
    pub activity: f64,
    pub growth: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { reach: 0.25, engagement: 0.35, authenticity: 1.0, topic_fit: 0.25, activity: 0.10, growth: 0.05 }
    }
}

impl Weights {
    /// The weight of factor `name` (0 for an unknown name).
    pub fn of(&self, name: &str) -> f64 {
        match name {
            "reach" => self.reach,
            "engagement" => self.engagement,
            "authenticity" => self.authenticity,
            "topic_fit" => self.topic_fit,
            "activity" => self.activity,
            "growth" => self.growth,
            _ => 0.0,
        }
    }

    /// Each weight between 0 and 1, and not all 0.
    pub fn check(&self) -> Result<(), String> {
        for name in FACTORS {
            let w = self.of(name);
            if !(0.0..=1.0).contains(&w) {
                return Err(format!("`weights.{name}` is {w}; a weight must be between 0 and 1"));
            }
        }
        if FACTORS.iter().filter(|n| **n != "authenticity").all(|n| self.of(n) == 0.0) {
            return Err(
                "`weights` of reach, engagement, topic_fit, activity and growth are all 0; give one a weight".into()
            );
        }
        Ok(())
    }
}
