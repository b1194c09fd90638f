//! How often a schedule fires at most, and the operator's minimum interval between two
//! firings of one schedule: checked when a workflow is stored or validated, and again by
//! the scheduler for workflows stored before the minimum was raised.

use chrono::{DateTime, Utc};

use super::occurrences::next;
use crate::workflow::{Diagnostic, Diagnostics, Plan, Schedule};

/// Firings looked at to find a schedule's shortest gap. A cron is a product of its fields,
/// so its pattern of gaps repeats within every allowed hour and day: this many firings
/// cover a whole cycle of any schedule whose gaps are long enough to matter.
const SAMPLES: usize = 2_000;

/// The shortest time between two consecutive firings of `s` after `from`, if it fires twice.
pub fn shortest_gap(s: &Schedule, from: DateTime<Utc>) -> Option<std::time::Duration> {
    let times = next(s, from, SAMPLES);
    times.windows(2).filter_map(|w| (w[1] - w[0]).to_std().ok()).min()
}

/// Whether `s` fires more often than once per `min`.
pub fn too_frequent(s: &Schedule, min: std::time::Duration, now: DateTime<Utc>) -> Option<std::time::Duration> {
    shortest_gap(s, now).filter(|gap| *gap < min)
}

/// `plan`, unless one of its schedules fires more often than once per `min`: then an error
/// at each such cron string of `file`.
pub fn within_min_interval(plan: Plan, file: &str, min: std::time::Duration) -> Result<Plan, Diagnostics> {
    let now = Utc::now();
    let errors: Vec<Diagnostic> = plan
        .triggers
        .schedules
        .iter()
        .filter_map(|s| too_frequent(s, min, now).map(|gap| diagnostic(s, gap, min)))
        .collect();
    if errors.is_empty() { Ok(plan) } else { Err(Diagnostics::new(file, errors)) }
}

/// The error for `s`, which fires `gap` apart where `min` is allowed.
pub fn diagnostic(s: &Schedule, gap: std::time::Duration, min: std::time::Duration) -> Diagnostic {
    Diagnostic::new(s.pos, message(s, gap, min)).with_help(format!(
        "fire at most once every {}, e.g. with 5 fields (`* * * * *` is every minute); the operator can lower \
         `min_schedule_interval_seconds` under `[retention]`",
        seconds(min)
    ))
}

/// What is wrong with `s`, for diagnostics and the scheduler's log alike.
pub fn message(s: &Schedule, gap: std::time::Duration, min: std::time::Duration) -> String {
    format!(
        "schedule `{}` fires every {} at times, more often than this service allows (once every {})",
        s.cron,
        seconds(gap),
        seconds(min)
    )
}

fn seconds(d: std::time::Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

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
        let from = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let gap = |cron: &str| shortest_gap(&schedule(cron), from).map(|d| d.as_secs());
        assert_eq!(gap("* * * * * *"), Some(1));
        assert_eq!(gap("*/15 * * * * *"), Some(15));
        assert_eq!(gap("* * * * *"), Some(60));
        assert_eq!(gap("*/10 * * * *"), Some(600));
        assert_eq!(gap("0,59 23 * * *"), Some(59 * 60), "within the day");
        assert_eq!(gap("59 23,0 * * *"), Some(60 * 60), "across midnight");
        assert_eq!(gap("0 9 * * MON-FRI"), Some(24 * 3600));
        assert_eq!(gap("0,1 0 29 2 *"), Some(60), "only in leap years");
    }

    #[test]
    fn a_too_frequent_schedule_is_an_error_at_its_cron() {
        let min = Duration::from_secs(60);
        let now = Utc::now();
        assert_eq!(too_frequent(&schedule("* * * * *"), min, now), None);
        let gap = too_frequent(&schedule("*/30 * * * * *"), min, now).expect("every 30 s");
        let d = diagnostic(&schedule("*/30 * * * * *"), gap, min);
        assert_eq!((d.line, d.column), (4, 13));
        assert_eq!(
            d.message,
            "schedule `*/30 * * * * *` fires every 30 s at times, more often than this service allows (once every 60 s)"
        );
        assert!(d.help.unwrap().contains("min_schedule_interval_seconds"));
        assert_eq!(too_frequent(&schedule("* * * * * *"), Duration::from_secs(1), now), None, "lowered to 1 s");
    }
}
