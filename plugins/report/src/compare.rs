//! The headline figures against the previous period's: the relative change of counts and
//! the change in percentage points of the negative share.

use serde::Serialize;

use crate::labels::Lang;
use crate::settings::Previous;
use crate::summary::Summary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// `change` is in percent of the previous value.
    Percent,
    /// `change` is in percentage points (shares).
    Points,
}

/// One headline figure now and before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `mentions`, `negative_share`, `posts` or `engagement`.
    pub metric: &'static str,
    pub current: f64,
    pub previous: f64,
    /// Null when the previous count is 0 (no relative change exists).
    pub change: Option<f64>,
    pub unit: Unit,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn count(metric: &'static str, current: u64, previous: Option<u64>) -> Option<Change> {
    let previous = previous?;
    let change = (previous > 0).then(|| round1((current as f64 - previous as f64) * 100.0 / previous as f64));
    Some(Change { metric, current: current as f64, previous: previous as f64, change, unit: Unit::Percent })
}

/// The changes of the figures the previous period gives; empty without one.
pub fn changes(summary: &Summary, previous: Option<&Previous>) -> Vec<Change> {
    let Some(p) = previous else { return Vec::new() };
    let share = summary.negative_share.zip(p.negative_share).map(|(now, before)| Change {
        metric: "negative_share",
        current: now,
        previous: before,
        change: Some(round1((now - before) * 100.0)),
        unit: Unit::Points,
    });
    [
        count("mentions", summary.mentions as u64, p.mentions),
        share,
        count("posts", summary.posts as u64, p.posts),
        count("engagement", summary.engagement, p.engagement),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The change of `metric` as a phrase, e.g. `+23% vs. previous period`; `None` when there
/// is nothing to compare with.
pub fn phrase(changes: &[Change], metric: &str, lang: Lang) -> Option<String> {
    let c = changes.iter().find(|c| c.metric == metric)?;
    let l = lang.labels();
    let amount = match (c.unit, c.change?) {
        (Unit::Percent, x) => lang.percent(x, 0, true),
        (Unit::Points, x) => format!("{} {}", lang.dec(x, 1, true), l.points),
    };
    Some(format!("{amount} {}", l.vs_previous))
}
