//! One schedule's due occurrences in one pass of the scheduler: each is fired, its claim
//! written in the transaction that creates its run, or claimed and recorded as missed or
//! skipped; the schedule's mark moves past them. An occurrence is never claimed without
//! its run or its recorded decision being about to follow, so a process killed in between
//! leaves it unclaimed, and the next pass (of any process) handles it.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, json};

use super::decide::{Action, LATE_AFTER, decide, human, local};
use super::occurrences::{between, next};
use super::{Key, admission, catch_up_name, event};
use crate::service::{AppState, launch};
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

/// The key occurrence `what` of a schedule is claimed under. The store's delivery claims
/// serve schedules too; webhook deliveries are kept under another prefix.
fn claim_key(key: &Key, what: &str) -> String {
    format!("schedule:{}@{what}", key.2)
}

/// Claims occurrence `what` of a schedule for this process, without a run.
async fn claim(s: &AppState, key: &Key, what: &str) -> Result<bool, StoreError> {
    s.store.claim_delivery(&key.0, &key.1, &claim_key(key, what)).await
}

/// Claims occurrence `due` without a run and records it as `outcome` (`missed`,
/// `skipped`), why; nothing when another process claimed it first. An error means it
/// was not claimed.
async fn not_run(
    s: &AppState,
    w: &WorkflowRecord,
    sched: &Schedule,
    key: &Key,
    due: DateTime<Utc>,
    (outcome, reason): (&str, String),
) -> Result<(), StoreError> {
    if !claim(s, key, &due.timestamp_millis().to_string()).await? {
        return Ok(());
    }
    let e =
        TriggerEvent { due_at: Some(due.timestamp_millis()), reason: Some(reason), ..event(s, w, "schedule", outcome) };
    s.store.record_trigger(&e).await.unwrap_or_else(|e| report(w, sched, due, &e));
    Ok(())
}

/// Logs a failure to record what became of an occurrence already claimed: it is handled,
/// and not tried again.
fn report(w: &WorkflowRecord, sched: &Schedule, due: DateTime<Utc>, e: &dyn std::fmt::Display) {
    let due = local(due, sched.timezone);
    tracing::error!(workspace = %w.workspace, workflow = %w.name, due = %due, "schedule `{}`: {e}", sched.cron);
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

/// Fires occurrence `due`: its run is created in the transaction that claims it, so a
/// process killed before that commit leaves the time to the next pass, and a second
/// process's attempt creates nothing. A run refused (the workspace's quota, a workflow
/// that no longer loads) leaves the time claimed and recorded as skipped. An error means
/// it was not claimed.
async fn fire(
    s: &AppState,
    w: &WorkflowRecord,
    sched: &Schedule,
    key: &Key,
    due: DateTime<Utc>,
    catch_up: Option<&'static str>,
) -> Result<(), StoreError> {
    let tz = sched.timezone;
    let trigger = json!({
        "kind": "schedule", "cron": sched.cron, "due_at": local(due, tz), "timezone": tz.name(),
        "body": null, "headers": null,
    });
    let claim = claim_key(key, &due.timestamp_millis().to_string());
    let run = match launch::start_claiming(s, w, &Map::new(), trigger, Some(claim)).await {
        Ok(Some(run)) => run,
        Ok(None) => return Ok(()), // another process fired it
        Err(e) => {
            return not_run(s, w, sched, key, due, ("skipped", format!("the run was not started: {}", e.message))).await;
        }
    };
    let late = s.scheduling.clock.now() - due;
    if catch_up.is_none() {
        s.scheduling.lateness.observe(late.num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6);
    }
    record_fired(s, w, due, catch_up, (late, run)).await.unwrap_or_else(|e| report(w, sched, due, &e));
    Ok(())
}

/// Records what became of occurrence `due` whose run `run` was created `late`.
async fn record_fired(
    s: &AppState,
    w: &WorkflowRecord,
    due: DateTime<Utc>,
    catch_up: Option<&'static str>,
    (late, run): (Duration, String),
) -> Result<(), StoreError> {
    let (mut outcome, mut reason) = admission(s, &run).await?;
    if matches!(outcome, "started" | "queued") && (catch_up.is_some() || late > LATE_AFTER) {
        let mut why = format!("fired {} after it was due", human(late));
        if let Some(policy) = catch_up {
            why.push_str(&format!(", made up for after Roost was not running (catch_up: {policy})"));
        }
        if let Some(queued) = reason {
            why.push_str(&format!("; {queued}"));
        }
        (outcome, reason) = ("late", Some(why));
    }
    let run_id = Some(run);
    let e = TriggerEvent { due_at: Some(due.timestamp_millis()), run_id, reason, ..event(s, w, "schedule", outcome) };
    s.store.record_trigger(&e).await
}
