//! How late schedules fire: a histogram for `/metrics` and recent values for quantiles.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Upper bounds of the histogram's buckets, in seconds.
pub const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0];
/// Values kept for [`FireLateness::quantile`].
const RECENT: usize = 4096;

/// Seconds between when an occurrence was due and when its run was started, for every
/// occurrence fired on time (made-up ones after downtime are not counted).
#[derive(Debug, Default)]
pub struct FireLateness(Mutex<Inner>);

#[derive(Debug, Default)]
struct Inner {
    /// Per bucket of [`BUCKETS`], not cumulative.
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
    recent: VecDeque<f64>,
}

/// A histogram as Prometheus shows one.
#[derive(Debug, Clone, PartialEq)]
pub struct LatenessSnapshot {
    /// `(le, cumulative count)` per bucket; the `+Inf` bucket is `count`.
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum_seconds: f64,
}

impl FireLateness {
    pub fn observe(&self, seconds: f64) {
        let seconds = seconds.max(0.0);
        let mut inner = self.0.lock().unwrap();
        if let Some(i) = BUCKETS.iter().position(|&le| seconds <= le) {
            inner.counts[i] += 1;
        }
        inner.count += 1;
        inner.sum += seconds;
        if inner.recent.len() == RECENT {
            inner.recent.pop_front();
        }
        inner.recent.push_back(seconds);
    }

    pub fn snapshot(&self) -> LatenessSnapshot {
        let inner = self.0.lock().unwrap();
        let mut total = 0;
        let buckets = BUCKETS
            .iter()
            .zip(inner.counts)
            .map(|(&le, n)| {
                total += n;
                (le, total)
            })
            .collect();
        LatenessSnapshot { buckets, count: inner.count, sum_seconds: inner.sum }
    }

    /// The most recent values (at most 4096), oldest first, in seconds.
    pub fn recent(&self) -> Vec<f64> {
        self.0.lock().unwrap().recent.iter().copied().collect()
    }

    /// The `q` quantile (0 to 1) of the most recent values, in seconds.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let mut values = self.recent();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let rank = ((q.clamp(0.0, 1.0) * values.len() as f64).ceil() as usize).clamp(1, values.len());
        Some(values[rank - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_quantiles_nearest_rank() {
        let lateness = FireLateness::default();
        assert_eq!(lateness.quantile(0.5), None);
        for ms in 1..=100 {
            lateness.observe(f64::from(ms) / 1000.0);
        }
        lateness.observe(120.0);
        let snap = lateness.snapshot();
        assert_eq!(snap.count, 101);
        assert_eq!(snap.buckets[0], (0.005, 5));
        assert_eq!(snap.buckets[4], (0.1, 100));
        assert_eq!(snap.buckets.last(), Some(&(60.0, 100)), "120 s is only in +Inf");
        assert!((snap.sum_seconds - 125.05).abs() < 1e-9);
        assert_eq!(lateness.quantile(0.5), Some(0.051));
        assert_eq!(lateness.quantile(1.0), Some(120.0));
    }
}
