//! What happens to each due occurrence of a schedule: it fires, or it is recorded as
//! missed with the reason, by how late it is and the schedule's `catch_up`.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::workflow::CatchUp;

/// Occurrences due longer ago than this were missed (Roost was down or stalled).
pub const MISSED_AFTER: Duration = Duration::seconds(60);
/// Occurrences fired later than this are recorded as `late`.
pub const LATE_AFTER: Duration = Duration::seconds(5);

/// What to do with one occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start a run; `catch_up` names the policy when it makes up for a missed time.
    Fire { catch_up: Option<&'static str> },
    /// Record the occurrence as missed, with why.
    Missed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub due: DateTime<Utc>,
    pub action: Action,
}

/// Decides each of `due` (oldest first, all at or before `now`): the ones due within
/// [`MISSED_AFTER`] fire; older ones were missed and `catch_up` says which of them fire.
pub fn decide(due: &[DateTime<Utc>], now: DateTime<Utc>, catch_up: CatchUp, tz: Tz) -> Vec<Decision> {
    let split = due.partition_point(|d| now - *d > MISSED_AFTER);
    let (missed, on_time) = due.split_at(split);
    let missed_decisions = missed.iter().enumerate().map(|(i, &d)| {
        let why = format!("missed by {}: Roost was not running or could not fire it on time", human(now - d));
        let action = match catch_up {
            CatchUp::All => Action::Fire { catch_up: Some("all") },
            CatchUp::Last if on_time.is_empty() && i + 1 == missed.len() => Action::Fire { catch_up: Some("last") },
            CatchUp::Last => match on_time.first() {
                Some(&newer) => Action::Missed(format!(
                    "{why}; with catch_up: last it is not made up for, as the newer time {} runs on time",
                    local(newer, tz)
                )),
                None => Action::Missed(format!(
                    "{why}; catch_up: last makes up only for the newest missed time, {}",
                    local(missed[missed.len() - 1], tz)
                )),
            },
            CatchUp::None => Action::Missed(format!("{why}; catch_up: none does not make up for it")),
        };
        Decision { due: d, action }
    });
    let on_time = on_time.iter().map(|&d| Decision { due: d, action: Action::Fire { catch_up: None } });
    missed_decisions.chain(on_time).collect()
}

/// `t` as RFC 3339 in the schedule's zone.
pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

/// A lateness for people: `12.3 s`, `4 min 10 s`, `2 h 5 min`, `3 d 4 h`.
pub fn human(d: Duration) -> String {
    let ms = d.num_milliseconds().max(0);
    match ms {
        0..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} min {} s", ms / 60_000, ms / 1000 % 60),
        3_600_000..86_400_000 => format!("{} h {} min", ms / 3_600_000, ms / 60_000 % 60),
        _ => format!("{} d {} h", ms / 86_400_000, ms / 3_600_000 % 24),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, d, 9, 0, 0).unwrap()
    }

    fn fired(decisions: &[Decision]) -> Vec<DateTime<Utc>> {
        decisions.iter().filter(|d| matches!(d.action, Action::Fire { .. })).map(|d| d.due).collect()
    }

    fn missed_reasons(decisions: &[Decision]) -> Vec<String> {
        decisions
            .iter()
            .filter_map(|d| match &d.action {
                Action::Missed(reason) => Some(reason.clone()),
                Action::Fire { .. } => None,
            })
            .collect()
    }

    #[test]
    fn catch_up_after_downtime_follows_the_policy() {
        let due = [day(1), day(2), day(3)];
        let now = day(3) + Duration::hours(1);
        let tz = chrono_tz::UTC;
        let none = decide(&due, now, CatchUp::None, tz);
        assert!(fired(&none).is_empty());
        let reasons = missed_reasons(&none);
        assert_eq!(reasons.len(), 3);
        assert!(reasons[0].starts_with("missed by 2 d 1 h: Roost was not running"), "{}", reasons[0]);
        assert!(reasons[2].ends_with("catch_up: none does not make up for it"), "{}", reasons[2]);

        let last = decide(&due, now, CatchUp::Last, tz);
        assert_eq!(fired(&last), [day(3)]);
        assert_eq!(last[2].action, Action::Fire { catch_up: Some("last") });
        assert!(missed_reasons(&last)[0].contains("only for the newest missed time, 2024-05-03T09:00:00+00:00"));

        let all = decide(&due, now, CatchUp::All, tz);
        assert_eq!(fired(&all), due);
        assert!(all.iter().all(|d| d.action == Action::Fire { catch_up: Some("all") }));
    }

    #[test]
    fn on_time_occurrences_fire_and_last_does_not_add_a_second_run() {
        let now = day(3) + Duration::seconds(30);
        let due = [day(2), day(3)];
        let last = decide(&due, now, CatchUp::Last, chrono_tz::UTC);
        assert_eq!(fired(&last), [day(3)]);
        assert_eq!(last[1].action, Action::Fire { catch_up: None });
        assert!(missed_reasons(&last)[0].contains("as the newer time 2024-05-03T09:00:00+00:00 runs on time"));
        let just = decide(&[day(3)], day(3) + MISSED_AFTER, CatchUp::None, chrono_tz::UTC);
        assert_eq!(fired(&just), [day(3)], "exactly at the limit still fires");
    }

    #[test]
    fn lateness_reads_well() {
        assert_eq!(human(Duration::milliseconds(12_345)), "12.3 s");
        assert_eq!(human(Duration::seconds(250)), "4 min 10 s");
        assert_eq!(human(Duration::minutes(125)), "2 h 5 min");
        assert_eq!(human(Duration::hours(76)), "3 d 4 h");
        assert_eq!(human(Duration::seconds(-3)), "0.0 s");
    }
}
