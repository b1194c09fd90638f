//! Mentions counted per day in the workspace's time zone (per week or month when the
//! period has more than `MAX_BARS` days), with their sentiment, and per network.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;

use crate::input::{Item, Label};

/// The most bars of a chart over time.
pub const MAX_BARS: usize = 92;
/// The most networks shown one by one; the rest are summed as one.
pub const MAX_NETWORKS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Day,
    /// Weeks starting on Monday.
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The first day of the bucket, in the time zone.
    pub start: NaiveDate,
    pub total: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub step: Step,
    pub buckets: Vec<Bucket>,
}

fn months(first: NaiveDate, last: NaiveDate) -> i64 {
    i64::from(last.year() - first.year()) * 12 + i64::from(last.month()) - i64::from(first.month()) + 1
}

/// The step that keeps the days `first..=last` within `MAX_BARS` bars; `None` when even
/// months are too many.
pub fn step_for(first: NaiveDate, last: NaiveDate) -> Option<Step> {
    let days = (last - first).num_days() + 1;
    let weeks = (key(Step::Week, last) - key(Step::Week, first)).num_days() / 7 + 1;
    if days <= MAX_BARS as i64 {
        Some(Step::Day)
    } else if weeks <= MAX_BARS as i64 {
        Some(Step::Week)
    } else {
        (months(first, last) <= MAX_BARS as i64).then_some(Step::Month)
    }
}

/// The first day of the bucket `day` falls in.
fn key(step: Step, day: NaiveDate) -> NaiveDate {
    match step {
        Step::Day => day,
        Step::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        Step::Month => day.with_day(1).unwrap_or(day),
    }
}

fn next(step: Step, start: NaiveDate) -> NaiveDate {
    match step {
        Step::Day => start + Duration::days(1),
        Step::Week => start + Duration::days(7),
        Step::Month => start.checked_add_months(chrono::Months::new(1)).unwrap_or(start + Duration::days(31)),
    }
}

/// Every bucket from the first day to the last (empty ones too), the mentions counted in
/// the bucket of their local day. The span was checked by `step_for` beforehand.
pub fn over_time(items: &[Item], first: NaiveDate, last: NaiveDate, tz: Tz) -> Series {
    let step = step_for(first, last).unwrap_or(Step::Month);
    let mut buckets = Vec::new();
    let mut index = BTreeMap::new();
    let mut start = key(step, first);
    while start <= last && buckets.len() < MAX_BARS {
        index.insert(start, buckets.len());
        buckets.push(Bucket { start, total: 0, positive: 0, neutral: 0, negative: 0 });
        start = next(step, start);
    }
    for m in items {
        let day = m.at.with_timezone(&tz).date_naive();
        if let Some(&i) = index.get(&key(step, day)) {
            let b = &mut buckets[i];
            b.total += 1;
            match m.label {
                Some(Label::Positive) => b.positive += 1,
                Some(Label::Neutral) => b.neutral += 1,
                Some(Label::Negative) => b.negative += 1,
                None => {}
            }
        }
    }
    Series { step, buckets }
}

/// Mentions per network, most first (ties by name), beyond `MAX_NETWORKS` summed under
/// `other`; a mention without a network counts under `unknown`.
pub fn by_network(items: &[Item], unknown: &str, other: &str) -> Vec<(String, u64)> {
    let mut nets: BTreeMap<&str, u64> = BTreeMap::new();
    for m in items {
        *nets.entry(if m.mention.network.is_empty() { unknown } else { &m.mention.network }).or_default() += 1;
    }
    let mut sorted: Vec<(String, u64)> = nets.into_iter().map(|(n, c)| (n.to_string(), c)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if sorted.len() > MAX_NETWORKS {
        let rest: u64 = sorted[MAX_NETWORKS - 1..].iter().map(|(_, c)| c).sum();
        sorted.truncate(MAX_NETWORKS - 1);
        sorted.push((other.to_string(), rest));
    }
    sorted
}
