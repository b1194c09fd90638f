//! The action's output: the reported window's assessment, the other windows that alerted
//! in the same call, and what was not counted.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::baseline::{Baseline, Severity};
use crate::detect::{Assessment, Detector, Finding};
use crate::season::Basis;
use crate::silence::round3;
use crate::windows::Ignored;

/// Windows alerting in one call listed at most.
pub const MAX_ALERTS: usize = 12;

/// The global baseline the window was scored against (before it was folded in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineOut {
    pub mean: f64,
    pub variance: f64,
    pub samples: u64,
}

/// Another window of the same call that alerted (medium or above).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertOut {
    pub at: String,
    pub severity: Severity,
    pub detector: Option<Detector>,
    pub count: u64,
    pub negative: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectOutput {
    pub key: String,
    pub at: String,
    pub severity: Severity,
    pub detector: Option<Detector>,
    pub basis: Basis,
    pub z: f64,
    pub negative_z: f64,
    pub expected: f64,
    pub expected_negative: f64,
    pub count: u64,
    pub negative: u64,
    pub negative_share: f64,
    pub baseline_negative_share: f64,
    pub cusum: f64,
    pub reason: String,
    pub warming_up: bool,
    pub streak: u32,
    /// Whether this window was folded into the baseline.
    pub updated: bool,
    pub baseline: BaselineOut,
    pub findings: Vec<Finding>,
    /// Windows closed (scored and folded in) by this call.
    pub windows: u64,
    pub alerts: Vec<AlertOut>,
    /// Mentions waiting in windows not closed yet.
    pub pending: u64,
    pub ignored: Ignored,
}

pub fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl DetectOutput {
    /// The output for a window ending at `end_ms`, scored against `baseline`.
    pub fn of(key: &str, end_ms: i64, count: u64, negative: u64, a: &Assessment, baseline: &Baseline) -> Self {
        DetectOutput {
            key: key.to_string(),
            at: time(end_ms),
            severity: a.severity,
            detector: a.detector,
            basis: a.basis,
            z: round3(a.z),
            negative_z: round3(a.negative_z),
            expected: round3(a.expected.mean),
            expected_negative: round3(a.expected_negative),
            count,
            negative,
            negative_share: round3(a.negative_share),
            baseline_negative_share: round3(a.baseline_negative_share),
            cusum: round3(a.cusum),
            reason: a.reason.clone(),
            warming_up: a.warming_up,
            streak: a.streak,
            updated: true,
            baseline: BaselineOut {
                mean: round3(baseline.count.mean),
                variance: round3(baseline.count.variance),
                samples: baseline.samples,
            },
            findings: a.findings.clone(),
            windows: 1,
            alerts: Vec::new(),
            pending: 0,
            ignored: Ignored::default(),
        }
    }

    pub fn alert(&self) -> AlertOut {
        AlertOut {
            at: self.at.clone(),
            severity: self.severity,
            detector: self.detector,
            count: self.count,
            negative: self.negative,
            reason: self.reason.clone(),
        }
    }
}
