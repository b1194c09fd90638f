//! Picking the next slots: the best-scoring free hour in each 24 h look-ahead, spaced
//! from the already scheduled posts and from each other.

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::model::{Model, bin_of};
use crate::prior::prior;

/// At most this many posts (scheduled or suggested) on one local day.
pub const MAX_PER_DAY: usize = 2;
/// Slots are looked for this far ahead of `after`.
pub const HORIZON_DAYS: i64 = 28;
/// Each slot is the best hour within this look-ahead from the earliest free hour.
pub const LOOKAHEAD_HOURS: i64 = 24;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    /// RFC 3339 in the account's time zone.
    pub at: String,
    pub score: f64,
    pub reason: String,
}

/// What constrains the choice.
pub struct Plan<'a> {
    pub tz: Tz,
    pub after: DateTime<Utc>,
    pub min_gap: Duration,
    pub scheduled: &'a [DateTime<Utc>],
    pub count: usize,
}

/// The first whole local hour at or after `t`.
pub fn first_hour(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    let whole = t
        - Duration::seconds(i64::from(local.minute() * 60 + local.second()))
        - Duration::nanoseconds(i64::from(local.nanosecond()));
    if whole < t { whole + Duration::hours(1) } else { whole }
}

fn local_day(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Whether `c` keeps the gap to every taken time and the day still has room.
fn free(c: DateTime<Utc>, taken: &[DateTime<Utc>], plan: &Plan) -> bool {
    let spaced = taken.iter().all(|t| (c - *t).abs() >= plan.min_gap);
    let day = local_day(c, plan.tz);
    spaced && taken.iter().filter(|t| local_day(**t, plan.tz) == day).count() < MAX_PER_DAY
}

/// Up to `plan.count` slots in time order; fewer when the horizon has no more room.
pub fn pick(model: &Model, plan: &Plan) -> Vec<Slot> {
    let mut taken: Vec<DateTime<Utc>> = plan.scheduled.to_vec();
    let end = plan.after + Duration::days(HORIZON_DAYS);
    let mut from = first_hour(plan.after, plan.tz);
    let mut slots = Vec::new();
    while slots.len() < plan.count && from < end {
        let best = (0..LOOKAHEAD_HOURS)
            .map(|i| from + Duration::hours(i))
            .filter(|c| *c < end && free(*c, &taken, plan))
            .max_by(|a, b| {
                model.score[bin_of(*a, plan.tz)].total_cmp(&model.score[bin_of(*b, plan.tz)]).then(b.cmp(a))
            });
        match best {
            Some(at) => {
                slots.push(slot(model, plan.tz, at, from));
                taken.push(at);
                from = at + Duration::hours(1);
            }
            None => from += Duration::hours(LOOKAHEAD_HOURS),
        }
    }
    slots
}

fn slot(model: &Model, tz: Tz, at: DateTime<Utc>, from: DateTime<Utc>) -> Slot {
    let h = bin_of(at, tz);
    let local = at.with_timezone(&tz);
    let from_local = from.with_timezone(&tz);
    let reason = format!(
        "{} {:02}:00 {tz}: {}; best free hour in the 24 h from {} {:02}:00",
        DAYS[h / 24],
        h % 24,
        explain(model, h),
        DAYS[bin_of(from, tz) / 24],
        from_local.hour()
    );
    Slot { at: local.to_rfc3339_opts(SecondsFormat::Secs, true), score: round3(model.score[h]), reason }
}

/// Why bin `h` scores what it does, in one clause.
pub fn explain(model: &Model, h: usize) -> String {
    let score = model.score[h];
    let l = model.prior_weight;
    let toward = if l >= 1.0 {
        format!("the general-audience prior {:.2} (no usable history)", prior(h))
    } else {
        format!(
            "{:.0}% your median, {:.0}% the general-audience prior {:.2} ({} posts of history)",
            (1.0 - l) * 100.0,
            l * 100.0,
            prior(h),
            model.posts_used
        )
    };
    if model.weight[h] == 0.0 {
        return format!("score {score:.2}: no posts of yours at or next to this hour, so the prior mean: {toward}");
    }
    format!(
        "score {score:.2}: {} post(s) at this hour (weight {:.1} with the neighbouring hours at half weight) \
         at {:.2}× your median engagement, shrunk toward {toward}",
        model.samples[h], model.weight[h], model.own_mean[h]
    )
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
