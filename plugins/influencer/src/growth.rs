//! The growth factor from follower snapshots, and the follower-jump check on them.

use chrono::{DateTime, Duration, Utc};

use crate::factors::{Raw, mean_sd};
use crate::input::Account;

/// Snapshots this far apart measure growth over 30 days directly.
pub const MEASURED_DAYS: (i64, i64) = (20, 40);
/// Snapshots closer than this are too near to say anything about growth.
pub const MIN_DAYS: i64 = 7;

/// The growth factor and whether it was scaled to 30 days from a span outside
/// [`MEASURED_DAYS`] (flagged `growth_extrapolated`).
///
/// `G = clamp(50 + 250·g, 0, 100)`, `g` the follower growth per 30 days between the latest
/// count and the snapshot nearest 30 days before it (at least [`MIN_DAYS`] back).
pub fn growth(account: &Account) -> (Raw, bool) {
    let unavailable = |reason: String| (Raw { name: "growth", value: None, score: None, reason }, false);
    let Some(&(last_at, last_f)) = account.snapshots.last() else {
        return unavailable("not scored: no follower count".into());
    };
    let target = last_at - Duration::days(30);
    let base = account
        .snapshots
        .iter()
        .filter(|(at, _)| last_at - *at >= Duration::days(MIN_DAYS))
        .min_by_key(|(at, _)| (*at - target).num_seconds().abs());
    let Some(&(base_at, base_f)) = base else {
        return unavailable(format!(
            "not scored: needs a follower count at least {MIN_DAYS} days before the latest (kept in kv by earlier runs, or given as `snapshots`)"
        ));
    };
    if base_f == 0 {
        return unavailable("not scored: the snapshot to compare with has 0 followers".into());
    }
    let days = (last_at - base_at).num_seconds() as f64 / 86_400.0;
    let g = (last_f as f64 - base_f as f64) / base_f as f64 * 30.0 / days;
    let score = (50.0 + 250.0 * g).clamp(0.0, 100.0);
    let measured = (MEASURED_DAYS.0 as f64..=MEASURED_DAYS.1 as f64).contains(&days);
    let how = if measured { "" } else { ", scaled to 30 days" };
    let reason = format!("{base_f} → {last_f} followers in {days:.0} days: {:+.1}% per 30 days{how}", g * 100.0);
    (Raw { name: "growth", value: Some(g), score: Some(score), reason }, !measured)
}

/// The largest daily-change z-score above 5 among the snapshot intervals, if any. Each
/// interval is compared with the mean and deviation of the others (at least five of them,
/// deviation at least one follower a day).
pub fn follower_jump(snapshots: &[(DateTime<Utc>, u64)]) -> Option<f64> {
    let rates: Vec<f64> = snapshots
        .windows(2)
        .filter_map(|w| {
            let days = (w[1].0 - w[0].0).num_seconds() as f64 / 86_400.0;
            (days > 0.0).then(|| (w[1].1 as f64 - w[0].1 as f64) / days)
        })
        .collect();
    if rates.len() < 6 {
        return None;
    }
    (0..rates.len())
        .map(|i| {
            let others: Vec<f64> = rates.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, r)| *r).collect();
            let (mean, sd) = mean_sd(&others);
            (rates[i] - mean) / sd.max(1.0)
        })
        .filter(|z| *z > 5.0)
        .max_by(f64::total_cmp)
}
