//! When a cron schedule fires, as instants. The schedule is read on the wall clock of its
//! time zone; at DST changes:
//!
//! - a schedule with a fixed hour (the hour field is not `*`) fires once per wall-clock
//!   time: a time the clocks skip fires at the moment of the change, a time that happens
//!   twice fires the first time only;
//! - a schedule for every hour (hour `*`) follows real time: skipped times do not exist,
//!   repeated times fire each time they happen, so it keeps its pace.
//!
//! Several times mapped to one instant fire once.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use cron::TimeUnitSpec;

use crate::workflow::Schedule;

/// More than any zone's offset ever changes at once.
const SHIFT: Duration = Duration::hours(3);

/// How far ahead [`next`] looks.
const HORIZON_DAYS: i64 = 366 * 30;

/// The instants in `(after, until]` at which `s` fires, oldest first, at most `limit`.
pub fn between(s: &Schedule, after: DateTime<Utc>, until: DateTime<Utc>, limit: usize) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    if until <= after || limit == 0 {
        return out;
    }
    let tz = s.timezone;
    let every_hour = s.schedule.hours().is_all();
    let local_after = after.with_timezone(&tz).naive_local();
    // Inside the first pass of a repeated hour, earlier wall-clock times come again later.
    let start = if repeated(tz, local_after) { local_after - SHIFT } else { local_after };
    let local_until = until.with_timezone(&tz).naive_local();
    // Inside the second pass, later wall-clock times were first passed before `until`.
    let end = if repeated(tz, local_until) { local_until + SHIFT } else { local_until };
    for slot in s.schedule.after(&Utc.from_utc_datetime(&start)) {
        let slot = slot.naive_utc();
        if slot > end {
            break;
        }
        let (instants, twice) = instants(tz, slot, every_hour);
        for t in instants.into_iter().flatten() {
            if t > after && t <= until && out.last() != Some(&t) {
                out.push(t);
            }
        }
        // Instants come in order except within a repeated hour: stop only outside one.
        if out.len() >= limit && !twice {
            break;
        }
    }
    out.sort();
    out.dedup();
    out.truncate(limit);
    out
}

/// The next `n` instants after `after` at which `s` fires.
pub fn next(s: &Schedule, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    between(s, after, after + Duration::days(HORIZON_DAYS), n)
}

/// What a wall-clock `slot` in `tz` means in instants, and whether it happens twice there.
fn instants(tz: Tz, slot: NaiveDateTime, every_hour: bool) -> ([Option<DateTime<Utc>>; 2], bool) {
    match tz.from_local_datetime(&slot) {
        LocalResult::Single(t) => ([Some(t.with_timezone(&Utc)), None], false),
        LocalResult::Ambiguous(first, second) => {
            ([Some(first.with_timezone(&Utc)), every_hour.then(|| second.with_timezone(&Utc))], true)
        }
        LocalResult::None if every_hour => ([None, None], false),
        LocalResult::None => ([Some(gap_end(tz, slot)), None], false),
    }
}

fn repeated(tz: Tz, local: NaiveDateTime) -> bool {
    matches!(tz.from_local_datetime(&local), LocalResult::Ambiguous(..))
}

/// The first instant whose wall-clock time in `tz` is at or after `slot`, a time the
/// clocks skip: the moment they changed.
fn gap_end(tz: Tz, slot: NaiveDateTime) -> DateTime<Utc> {
    let before = tz.offset_from_utc_datetime(&(slot - Duration::days(1))).fix().local_minus_utc();
    let local = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&tz).naive_local());
    // Read with the offset from before the change, `slot` lies after it; 3 h earlier, before.
    let mut hi = slot.and_utc().timestamp() - i64::from(before);
    let mut lo = hi - SHIFT.num_seconds();
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local(mid).is_some_and(|l| l >= slot) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or_else(|| slot.and_utc())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::workflow::CatchUp;

    /// A schedule from 5 cron fields (any day of week), or 6 with seconds first.
    fn schedule(cron: &str, tz: &str) -> Schedule {
        let full = if cron.split_whitespace().count() == 5 { format!("0 {cron}") } else { cron.to_string() };
        Schedule {
            cron: cron.into(),
            schedule: cron::Schedule::from_str(&full).unwrap(),
            timezone: tz.parse().unwrap(),
            catch_up: CatchUp::Last,
            pos: crate::workflow::Pos::START,
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn texts(times: &[DateTime<Utc>]) -> Vec<String> {
        times.iter().map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).collect()
    }

    #[test]
    fn berlin_daily_0230_fires_at_the_change_in_spring_and_once_in_autumn() {
        let s = schedule("30 2 * * *", "Europe/Berlin");
        let spring = next(&s, utc("2024-03-29T12:00:00Z"), 4);
        // 02:30 does not exist on 31 March: it fires when the clocks jump to 03:00 CEST.
        assert_eq!(
            texts(&spring),
            ["2024-03-30T01:30:00Z", "2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z", "2024-04-02T00:30:00Z"]
        );
        let autumn = next(&s, utc("2024-10-25T12:00:00Z"), 4);
        // 02:30 happens twice on 27 October: at 00:30 UTC (CEST) only.
        assert_eq!(
            texts(&autumn),
            ["2024-10-26T00:30:00Z", "2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z", "2024-10-29T01:30:00Z"]
        );
    }

    #[test]
    fn new_york_daily_times_across_both_changes() {
        let spring = next(&schedule("30 2 * * *", "America/New_York"), utc("2024-03-09T00:00:00Z"), 3);
        assert_eq!(texts(&spring), ["2024-03-09T07:30:00Z", "2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z"]);
        let autumn = next(&schedule("30 1 * * *", "America/New_York"), utc("2024-11-02T00:00:00Z"), 3);
        assert_eq!(texts(&autumn), ["2024-11-02T05:30:00Z", "2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"]);
    }

    #[test]
    fn hourly_schedules_keep_real_time_pace() {
        let s = schedule("30 * * * *", "Europe/Berlin");
        let spring = next(&s, utc("2024-03-30T23:00:00Z"), 4);
        assert_eq!(
            texts(&spring),
            ["2024-03-30T23:30:00Z", "2024-03-31T00:30:00Z", "2024-03-31T01:30:00Z", "2024-03-31T02:30:00Z"]
        );
        let autumn = next(&s, utc("2024-10-26T23:00:00Z"), 4);
        assert_eq!(
            texts(&autumn),
            ["2024-10-26T23:30:00Z", "2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z", "2024-10-27T02:30:00Z"]
        );
        // Asked from inside the first pass of the repeated hour, the second pass still comes.
        assert_eq!(texts(&next(&s, utc("2024-10-27T00:50:00Z"), 1)), ["2024-10-27T01:30:00Z"]);
    }

    #[test]
    fn several_skipped_times_fire_once_and_quarter_hours_stay_in_order() {
        let fixed = next(&schedule("0,30 2 * * *", "Europe/Berlin"), utc("2024-03-31T00:00:00Z"), 2);
        assert_eq!(texts(&fixed), ["2024-03-31T01:00:00Z", "2024-04-01T00:00:00Z"]);
        let quarter = next(&schedule("*/15 * * * *", "Europe/Berlin"), utc("2024-10-27T00:40:00Z"), 6);
        assert_eq!(
            texts(&quarter),
            [
                "2024-10-27T00:45:00Z",
                "2024-10-27T01:00:00Z",
                "2024-10-27T01:15:00Z",
                "2024-10-27T01:30:00Z",
                "2024-10-27T01:45:00Z",
                "2024-10-27T02:00:00Z"
            ]
        );
    }

    #[test]
    fn between_is_exclusive_before_inclusive_after_and_capped() {
        let s = schedule("*/1 * * * * *", "UTC");
        let from = utc("2024-01-01T00:00:00Z");
        let all = between(&s, from, from + Duration::seconds(10), 100);
        assert_eq!(all.len(), 10);
        assert_eq!(all[0], from + Duration::seconds(1));
        assert_eq!(all[9], from + Duration::seconds(10));
        assert_eq!(between(&s, from, from + Duration::seconds(10), 3).len(), 3);
        assert!(between(&s, from, from, 5).is_empty());
        let daily = schedule("0 9 * * *", "UTC");
        let days = between(&daily, utc("2024-01-01T09:00:00Z"), utc("2024-01-04T10:00:00Z"), 100);
        assert_eq!(texts(&days), ["2024-01-02T09:00:00Z", "2024-01-03T09:00:00Z", "2024-01-04T09:00:00Z"]);
    }
}
