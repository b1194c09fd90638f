//! Follower counts kept per account in the plugin's kv namespace, one a day at most and
//! the newest [`MAX_SNAPSHOTS`], so that growth becomes measurable over repeated runs.

use chrono::{DateTime, SecondsFormat, Utc};
use roost_sdk::{StepError, kv};
use serde::{Deserialize, Serialize};

/// Snapshots kept per account: about three months of daily runs.
pub const MAX_SNAPSHOTS: usize = 90;
/// The longest account key kept (the host allows 512 bytes per kv key).
pub const MAX_KEY_LEN: usize = 200;

/// One stored follower count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub at: String,
    pub followers: u64,
}

fn kv_key(account: &str) -> String {
    format!("followers:{account}")
}

/// The stored history of `account`, oldest first, as `(time, followers)`; entries that do
/// not parse are skipped.
pub fn load(account: &str) -> Result<Vec<(DateTime<Utc>, u64)>, StepError> {
    let stored: Vec<Snapshot> = kv::get_json(&kv_key(account))?.unwrap_or_default();
    Ok(parse(&stored))
}

fn parse(stored: &[Snapshot]) -> Vec<(DateTime<Utc>, u64)> {
    let mut out: Vec<(DateTime<Utc>, u64)> = stored
        .iter()
        .filter_map(|s| DateTime::parse_from_rfc3339(&s.at).ok().map(|t| (t.with_timezone(&Utc), s.followers)))
        .collect();
    out.sort_by_key(|(at, _)| *at);
    out
}

/// `history` with the count at `now` added: it replaces a count of the same UTC day,
/// counts after `now` are dropped, and only the newest [`MAX_SNAPSHOTS`] stay.
pub fn record(history: &[(DateTime<Utc>, u64)], now: DateTime<Utc>, followers: u64) -> Vec<(DateTime<Utc>, u64)> {
    let mut out: Vec<(DateTime<Utc>, u64)> =
        history.iter().copied().filter(|(at, _)| *at <= now && at.date_naive() != now.date_naive()).collect();
    out.push((now, followers));
    out.sort_by_key(|(at, _)| *at);
    let skip = out.len().saturating_sub(MAX_SNAPSHOTS);
    out.drain(..skip);
    out
}

/// Stores `history` for `account`.
pub fn save(account: &str, history: &[(DateTime<Utc>, u64)]) -> Result<(), StepError> {
    let stored: Vec<Snapshot> = history
        .iter()
        .map(|(at, followers)| Snapshot { at: at.to_rfc3339_opts(SecondsFormat::Secs, true), followers: *followers })
        .collect();
    Ok(kv::set_json(&kv_key(account), &stored, None)?)
}

/// `a` and `b` together, one count per UTC day (the later one of a day wins), oldest first.
pub fn merge(a: &[(DateTime<Utc>, u64)], b: &[(DateTime<Utc>, u64)]) -> Vec<(DateTime<Utc>, u64)> {
    let mut all: Vec<(DateTime<Utc>, u64)> = a.iter().chain(b).copied().collect();
    all.sort_by_key(|(at, _)| *at);
    let mut out: Vec<(DateTime<Utc>, u64)> = Vec::with_capacity(all.len());
    for snap in all {
        match out.last_mut() {
            Some(last) if last.0.date_naive() == snap.0.date_naive() => *last = snap,
            _ => out.push(snap),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn day(d: i64) -> DateTime<Utc> {
        "2025-06-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(d)
    }

    #[test]
    fn one_count_a_day_and_at_most_ninety() {
        let mut h = Vec::new();
        for d in 0..120 {
            h = record(&h, day(d), 1_000 + d as u64);
            h = record(&h, day(d) + Duration::hours(3), 2_000 + d as u64);
        }
        assert_eq!(h.len(), MAX_SNAPSHOTS);
        assert_eq!(h[0], (day(30) + Duration::hours(3), 2_030), "the later count of a day replaces the earlier");
        assert_eq!(h.last().unwrap().1, 2_119);
    }

    #[test]
    fn counts_after_now_are_dropped_and_stored_text_round_trips() {
        let h = record(&[(day(5), 9), (day(-3), 7)], day(0), 8);
        assert_eq!(h, vec![(day(-3), 7), (day(0), 8)]);
        let stored = vec![
            Snapshot { at: "2025-06-01T12:00:00Z".into(), followers: 3 },
            Snapshot { at: "x".into(), followers: 1 },
        ];
        assert_eq!(parse(&stored), vec![(day(0), 3)]);
    }

    #[test]
    fn merging_keeps_one_count_per_day() {
        let m = merge(&[(day(0), 1), (day(2), 3)], &[(day(0) + Duration::hours(1), 2), (day(1), 5)]);
        assert_eq!(m, vec![(day(0) + Duration::hours(1), 2), (day(1), 5), (day(2), 3)]);
    }
}
