//! One schedule's due occurrences in one pass of the scheduler: each is fired or recorded
//! as missed ([`super::fire`]); the schedule's mark moves past them once all are handled.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use super::decide::{Action, decide, local};
use super::fire::{claim, fire, not_run};
use super::occurrences::{between, next};
use super::{Key, catch_up_name, event};
use crate::service::AppState;
use crate::store::{StoreError, TriggerEvent, WorkflowRecord};
use crate::workflow::Schedule;

/// Occurrences handled one by one per schedule and pass; older ones are recorded together.
const KEEP: usize = 100;
/// How far back occurrences are looked at after downtime.
const LOOK_BACK_DAYS: i64 = 31;
/// Occurrences listed per step while counting a long downtime.
const CHUNK: usize = 10_000;

/// Where a schedule stands after a pass.
pub(super) struct Handled {
    /// The last occurrence handled, as now stored.
    pub mark: DateTime<Utc>,
    /// When the next occurrence is due (none while the workflow is disabled).
    pub next: Option<DateTime<Utc>>,
}

/// Older occurrences than the [`KEEP`] handled one by one.
#[derive(Debug, Clone, Copy)]
struct Older {
    count: u64,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
}

/// Handles the occurrences of `sched` due in `(mark, now]`.
pub(super) async fn handle(
    s: &AppState,
    w: &WorkflowRecord,
    sched: &Schedule,
    key: &Key,
    mark: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Handled, StoreError> {
    if !w.enabled {
        // A disabled workflow's times pass unfired; enabled again, it starts from then.
        if between(sched, mark, now, 1).is_empty() {
            return Ok(Handled { mark, next: None });
        }
        s.store.set_schedule_mark(&key.0, &key.1, &key.2, now.timestamp_millis()).await?;
        return Ok(Handled { mark: now, next: None });
    }
    let tz = sched.timezone;
    let mut from = mark;
    let horizon = now - Duration::days(LOOK_BACK_DAYS);
    if mark < horizon {
        if !between(sched, mark, horizon, 1).is_empty() {
            let reason = format!(
                "the times from {} to {} were not looked at: Roost was not running for more than {LOOK_BACK_DAYS} days",
                local(mark, tz),
                local(horizon, tz)
            );
            s.store.record_trigger(&TriggerEvent { reason: Some(reason), ..event(s, w, "schedule", "missed") }).await?;
        }
        from = horizon;
    }
    let (older, due) = tail(sched, from, now);
    if let Some(older) = older {
        record_older(s, w, sched, key, older).await?;
    }
    for d in decide(&due, now, sched.catch_up, tz) {
        // An error here left the time unclaimed: the mark stays, and a later pass retries.
        match d.action {
            Action::Fire { catch_up } => fire(s, w, sched, key, d.due, catch_up).await?,
            Action::Missed(reason) => not_run(s, w, sched, key, d.due, ("missed", reason)).await?,
        }
    }
    let handled = due.last().copied().unwrap_or(from);
    if handled != mark {
        s.store.set_schedule_mark(&key.0, &key.1, &key.2, handled.timestamp_millis()).await?;
    }
    Ok(Handled { mark: handled, next: next(sched, now, 1).first().copied() })
}

/// One `missed` event for the occurrences older than the newest [`KEEP`].
async fn record_older(
    s: &AppState,
    w: &WorkflowRecord,
    sched: &Schedule,
    key: &Key,
    o: Older,
) -> Result<(), StoreError> {
    let span = format!("{}..{}", o.first.timestamp_millis(), o.last.timestamp_millis());
    if !claim(s, key, &span).await? {
        return Ok(());
    }
    let reason = format!(
        "{} times from {} to {} were missed: Roost was not running, and more than {KEEP} times were due at \
         once, so only the newest {KEEP} were handled one by one (catch_up: {})",
        o.count,
        local(o.first, sched.timezone),
        local(o.last, sched.timezone),
        catch_up_name(sched.catch_up)
    );
    let e = TriggerEvent {
        due_at: Some(o.last.timestamp_millis()),
        reason: Some(reason),
        ..event(s, w, "schedule", "missed")
    };
    s.store.record_trigger(&e).await
}

/// The newest [`KEEP`] occurrences in `(from, now]`, oldest first, and the older ones counted.
fn tail(sched: &Schedule, from: DateTime<Utc>, now: DateTime<Utc>) -> (Option<Older>, Vec<DateTime<Utc>>) {
    let mut kept = VecDeque::new();
    let mut older: Option<Older> = None;
    let mut after = from;
    loop {
        let chunk = between(sched, after, now, CHUNK);
        for &t in &chunk {
            kept.push_back(t);
            if kept.len() > KEEP
                && let Some(old) = kept.pop_front()
            {
                older = Some(match older {
                    None => Older { count: 1, first: old, last: old },
                    Some(o) => Older { count: o.count + 1, last: old, ..o },
                });
            }
        }
        match chunk.last() {
            Some(&last) if chunk.len() == CHUNK => after = last,
            _ => break,
        }
    }
    (older, kept.into())
}
