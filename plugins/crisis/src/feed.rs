//! One call's work on a key's state, without the store: mentions bucketed and the closed
//! windows scored and folded in order, or one pre-counted window.

use serde::{Deserialize, Serialize};

use crate::baseline::Severity;
use crate::detect::Model;
use crate::output::{DetectOutput, MAX_ALERTS, time};
use crate::windows::{Mention, Tracker};

/// Closed windows ending this long before `at` (or one window, if longer) are reported;
/// older ones (a backlog) are history: scored and folded in, never alerted on.
pub const ALERT_HORIZON_MS: i64 = 3_600_000;

/// How a key is fed; one key is fed one way, so nothing is counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Feed {
    Mentions,
    Counts,
}

/// What the store keeps per key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub feed: Feed,
    pub model: Model,
    pub tracker: Tracker,
}

impl State {
    pub fn new(window_minutes: u32, feed: Feed) -> Self {
        State { feed, model: Model::new(window_minutes), tracker: Tracker::default() }
    }

    fn window_ms(&self) -> i64 {
        i64::from(self.model.window_minutes) * 60_000
    }

    /// Counts `mentions` seen at `at_ms`, then scores and folds every window that closed.
    pub fn mentions(&mut self, key: &str, mentions: &[Mention], at_ms: i64, k: f64) -> DetectOutput {
        let w = self.window_ms();
        let ignored = self.tracker.add(mentions, at_ms, w);
        let closed = self.tracker.close(at_ms, w);
        let horizon = at_ms - ALERT_HORIZON_MS.max(w);
        let mut reported: Option<DetectOutput> = None;
        let mut alerts = Vec::new();
        for c in &closed {
            let a = self.model.assess(c.start_ms, c.count, c.negative, k);
            if c.start_ms + w >= horizon {
                let out = DetectOutput::of(key, c.start_ms + w, c.count, c.negative, &a, &self.model.baseline);
                if out.severity >= Severity::Medium {
                    alerts.push(out.alert());
                }
                if reported.as_ref().is_none_or(|r| out.severity >= r.severity) {
                    reported = Some(out);
                }
            }
            self.model.fold(c.start_ms, c.count, c.negative, &a);
        }
        let mut out = reported.unwrap_or_else(|| self.idle(key, at_ms, k));
        out.windows = closed.len() as u64;
        out.alerts = alerts.split_off(alerts.len().saturating_sub(MAX_ALERTS));
        out.pending = self.tracker.pending_count();
        out.ignored = ignored;
        out
    }

    /// The output when no window closed: the open window so far, not scored.
    fn idle(&self, key: &str, at_ms: i64, k: f64) -> DetectOutput {
        let w = self.window_ms();
        let start = at_ms.div_euclid(w) * w;
        let p = self.tracker.pending.get(&start).cloned().unwrap_or_default();
        let a = self.model.assess(start, p.count, p.negative, k);
        let mut out = DetectOutput::of(key, start + w, p.count, p.negative, &a, &self.model.baseline);
        out.severity = Severity::None;
        out.detector = None;
        out.findings.clear();
        out.updated = false;
        out.reason = format!(
            "no window closed since the last call: the window ending {} is still open with {} mentions so far",
            time(start + w),
            p.count
        );
        out
    }

    /// Scores one pre-counted window ending at `at_ms` and folds it in when it ends after
    /// the last one.
    pub fn count(&mut self, key: &str, count: u64, negative: u64, at_ms: i64, k: f64) -> DetectOutput {
        let start = at_ms - self.window_ms();
        let a = self.model.assess(start, count, negative, k);
        let mut out = DetectOutput::of(key, at_ms, count, negative, &a, &self.model.baseline);
        let in_order = self.tracker.folded_until.is_none_or(|last| at_ms > last);
        if in_order {
            self.model.fold(start, count, negative, &a);
            self.tracker.folded_until = Some(at_ms);
        } else {
            out.updated = false;
            out.windows = 0;
            out.reason
                .push_str("; this window does not end after the last one scored, so the baseline was left as it was");
        }
        out
    }
}
