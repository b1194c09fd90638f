//! How often a schedule fires at most, and the operator's minimum interval between two
//! firings of one schedule: checked when a workflow is stored or validated, and again by
//! the scheduler for workflows stored before the minimum was raised.

use std::time::Duration;

use cron::TimeUnitSpec;

use crate::workflow::{Diagnostic, Diagnostics, Plan, Schedule};

const MINUTE: u32 = 60;
const HOUR: u32 = 60 * MINUTE;
const DAY: u32 = 24 * HOUR;

/// The shortest time between two consecutive firings of `s` on the wall clock of its zone.
///
/// A cron fires on every combination of its seconds, minutes and hours (on the days it
/// allows), so the shortest gap is one of: between two of its seconds; from its last second
/// in one allowed minute to its first in the next; the same across two allowed hours; and
/// from the last firing of a day to the first of the next (taken as the next day, which
/// overstates how often a schedule of few days fires, never understates it). Computed from
/// the fields, not by walking times: a few hundred steps whatever the cron says.
pub fn shortest_gap(s: &Schedule) -> Duration {
    let seconds: Vec<u32> = s.schedule.seconds().iter().collect();
    let minutes: Vec<u32> = s.schedule.minutes().iter().collect();
    let hours: Vec<u32> = s.schedule.hours().iter().collect();
    let span = |set: &[u32], unit: u32| set.last().zip(set.first()).map_or(0, |(l, f)| (l - f) * unit);
    let in_minute = span(&seconds, 1);
    let in_hour = span(&minutes, MINUTE) + in_minute;
    let in_day = span(&hours, HOUR) + in_hour;
    let gaps =
        [steps(&seconds, 1, 0), steps(&minutes, MINUTE, in_minute), steps(&hours, HOUR, in_hour), Some(DAY - in_day)];
    Duration::from_secs(u64::from(gaps.into_iter().flatten().min().unwrap_or(DAY)))
}

/// The shortest step between consecutive values of `set` counted in `unit`, less the
/// `inner` span the smaller fields fill within one value.
fn steps(set: &[u32], unit: u32, inner: u32) -> Option<u32> {
    set.windows(2).map(|w| (w[1] - w[0]) * unit - inner).min()
}

/// How often `s` fires, if that is more often than once per `min`.
pub fn too_frequent(s: &Schedule, min: Duration) -> Option<Duration> {
    Some(shortest_gap(s)).filter(|gap| *gap < min)
}

/// The shortest average time between two firings of a workflow with `schedules`: one
/// over the sum of each schedule's highest rate (one firing per [`shortest_gap`]). A sound
/// bound: over any long span the workflow fires no more often than this, however the
/// schedules interleave (60 crons `N * * * * *` each fire once a minute, together once a
/// second). `None` without schedules.
pub fn combined_gap(schedules: &[Schedule]) -> Option<Duration> {
    let rate: f64 = schedules.iter().map(|s| 1.0 / shortest_gap(s).as_secs_f64()).sum();
    (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate))
}

/// Why schedule `index` of `schedules` must not fire under minimum interval `min`: it
/// fires too often alone, or the workflow's schedules do together; `None` when it may.
pub fn refusal(schedules: &[Schedule], index: usize, min: Duration) -> Option<Diagnostic> {
    let s = &schedules[index];
    if let Some(gap) = too_frequent(s, min) {
        return Some(diagnostic(s, gap, min));
    }
    let together = combined_gap(schedules).filter(|gap| gap.as_secs_f64() * (1.0 + 1e-9) < min.as_secs_f64())?;
    let message = format!(
        "the workflow's {} schedules together fire up to once every {}, more often than this service allows \
         (once every {})",
        schedules.len(),
        seconds_rounded(together),
        seconds(min)
    );
    Some(Diagnostic::new(schedules[0].pos, message).with_help(format!(
        "the sum over the schedules of (1 / each one's shortest gap) must be at most 1 / {}: use fewer \
         schedules or fire each less often; the operator can lower `min_schedule_interval_seconds` under \
         `[retention]`",
        seconds(min)
    )))
}

/// `plan`, unless its schedules fire more often than once per `min`: then an error at each
/// cron string of `file` that does alone, or one at the first schedule when they do together.
pub fn within_min_interval(plan: Plan, file: &str, min: Duration) -> Result<Plan, Diagnostics> {
    let schedules = &plan.triggers.schedules;
    let mut errors: Vec<Diagnostic> =
        schedules.iter().filter_map(|s| too_frequent(s, min).map(|gap| diagnostic(s, gap, min))).collect();
    if errors.is_empty() && !schedules.is_empty() {
        errors.extend(refusal(schedules, 0, min));
    }
    if errors.is_empty() { Ok(plan) } else { Err(Diagnostics::new(file, errors)) }
}

/// The error for `s`, which fires `gap` apart where `min` is allowed.
pub fn diagnostic(s: &Schedule, gap: Duration, min: Duration) -> Diagnostic {
    Diagnostic::new(s.pos, message(s, gap, min)).with_help(format!(
        "fire at most once every {}, e.g. with 5 fields (`* * * * *` is every minute); the operator can lower \
         `min_schedule_interval_seconds` under `[retention]`",
        seconds(min)
    ))
}

/// What is wrong with `s`, for diagnostics and the scheduler's log alike.
pub fn message(s: &Schedule, gap: Duration, min: Duration) -> String {
    format!(
        "schedule `{}` fires every {} at times, more often than this service allows (once every {})",
        s.cron,
        seconds(gap),
        seconds(min)
    )
}

fn seconds_rounded(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::{CatchUp, Pos};

    /// A schedule from 5 cron fields (day of week by name), or 6 with seconds first.
    fn schedule(cron: &str) -> Schedule {
        let full = if cron.split_whitespace().count() == 5 { format!("0 {cron}") } else { cron.to_string() };
        Schedule {
            cron: cron.into(),
            schedule: std::str::FromStr::from_str(&full).unwrap(),
            timezone: chrono_tz::Europe::Paris,
            catch_up: CatchUp::Last,
            pos: Pos::new(4, 13),
        }
    }

    #[test]
    fn the_shortest_gap_is_found_wherever_it_falls() {
        let gap = |cron: &str| shortest_gap(&schedule(cron)).as_secs();
        assert_eq!(gap("* * * * * *"), 1);
        assert_eq!(gap("*/15 * * * * *"), 15);
        assert_eq!(gap("50,5 * * * * *"), 15, "across a minute: :50 then :05");
        assert_eq!(gap("* * * * *"), 60);
        assert_eq!(gap("*/10 * * * *"), 600);
        assert_eq!(gap("0,59 23 * * *"), 59 * 60);
        assert_eq!(gap("59 23,0 * * *"), 3600, "23:59 then 00:59 the next day");
        assert_eq!(gap("0,30 9-17 * * *"), 30 * 60);
        assert_eq!(gap("59 8 * * *"), 24 * 3600);
        assert_eq!(gap("0 9,17 * * MON-FRI"), 8 * 3600);
        assert_eq!(gap("0,1 0 29 2 *"), 60, "only in leap years");
        assert_eq!(gap("58 59 23 * * *"), 24 * 3600, "one second a day");
    }

    #[test]
    fn a_too_frequent_schedule_is_an_error_at_its_cron() {
        let min = Duration::from_secs(60);
        assert_eq!(too_frequent(&schedule("* * * * *"), min), None);
        let gap = too_frequent(&schedule("*/30 * * * * *"), min).expect("every 30 s");
        let d = diagnostic(&schedule("*/30 * * * * *"), gap, min);
        assert_eq!((d.line, d.column), (4, 13));
        assert_eq!(
            d.message,
            "schedule `*/30 * * * * *` fires every 30 s at times, more often than this service allows (once every 60 s)"
        );
        assert!(d.help.unwrap().contains("min_schedule_interval_seconds"));
        assert_eq!(too_frequent(&schedule("* * * * * *"), Duration::from_secs(1)), None, "lowered to 1 s");
    }

    #[test]
    fn schedules_that_fire_too_often_together_are_an_error_at_the_first() {
        let min = Duration::from_secs(60);
        let each_second: Vec<Schedule> = (0..60).map(|n| schedule(&format!("{n} * * * * *"))).collect();
        assert_eq!(combined_gap(&each_second), Some(Duration::from_secs(1)));
        let d = refusal(&each_second, 59, min).expect("together once a second");
        assert_eq!((d.line, d.column), (4, 13));
        assert_eq!(
            d.message,
            "the workflow's 60 schedules together fire up to once every 1.00 s, more often than this service allows \
             (once every 60 s)"
        );
        assert!(d.help.unwrap().contains("1 / each one's shortest gap"));
        let halves = [schedule("*/2 * * * *"), schedule("1-59/2 * * * *")];
        assert!(refusal(&halves, 1, min).is_none(), "two every 2 min: once a minute together");
        let thirds =
            [schedule("*/3 * * * *"), schedule("1-59/3 * * * *"), schedule("2-59/3 * * * *"), schedule("0 9 * * *")];
        assert!(refusal(&thirds, 3, min).is_some(), "a daily one tips three every 3 min over");
        assert!(refusal(&thirds[..3], 0, min).is_none());
    }
}
