//! The scheduler: fires the cron schedules of every enabled workflow at their times, in
//! their time zones; after downtime makes up for missed times as each schedule's
//! `catch_up` says; records every decision as a trigger event, so no time passes unseen.
//!
//! Each schedule keeps the last occurrence it handled (`schedule_marks`). Every occurrence
//! is claimed in the store as it is handled (module `fire`): a fired one in the transaction
//! that creates its run, so processes sharing one database never both handle it, and a
//! process killed before that commit leaves it to the next pass. Time comes from a
//! [`Clock`], which tests set by hand.

mod clock;
mod decide;
mod due;
mod fire;
mod interval;
mod lateness;
mod occurrences;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use tokio::sync::watch;

use super::AppState;
use crate::store::{StoreError, TriggerEvent, WorkflowRecord};
use crate::workflow::{CatchUp, Plan, Schedule};

pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use decide::{LATE_AFTER, MISSED_AFTER, human, local};
pub use interval::within_min_interval;
pub use lateness::{BUCKETS, FireLateness, LatenessSnapshot};
pub use occurrences::{between, next};

/// How often the workflows' summary is read for new, changed, disabled or removed schedules.
const RESCAN: std::time::Duration = std::time::Duration::from_secs(1);
/// How often the workflows are read in full even when their summary stayed the same.
const FULL_RESCAN: std::time::Duration = std::time::Duration::from_secs(60);
/// Schedules handled at once; each one's own times are handled in order.
const FIRING: usize = 8;

/// What the scheduler shares with the rest of the service.
pub struct Scheduling {
    pub clock: Arc<dyn Clock>,
    /// How late on-time occurrences fired, for `/metrics`.
    pub lateness: FireLateness,
}

impl Scheduling {
    /// With `clock`, or the system clock.
    pub fn new(clock: Option<Arc<dyn Clock>>) -> Self {
        Self { clock: clock.unwrap_or_else(|| Arc::new(SystemClock)), lateness: FireLateness::default() }
    }
}

/// The name a schedule's mark and claims are kept under: its position, cron and zone.
pub fn schedule_key(index: usize, s: &Schedule) -> String {
    format!("{index}|{}|{}", s.cron, s.timezone.name())
}

/// `catch_up` as written in a workflow.
pub fn catch_up_name(c: CatchUp) -> &'static str {
    match c {
        CatchUp::None => "none",
        CatchUp::Last => "last",
        CatchUp::All => "all",
    }
}

/// A trigger event of `w` decided now by `s`'s clock; the caller fills in the rest.
pub fn event(s: &AppState, w: &WorkflowRecord, kind: &str, outcome: &str) -> TriggerEvent {
    TriggerEvent {
        id: uuid::Uuid::now_v7().to_string(),
        workspace: w.workspace.clone(),
        workflow: w.name.clone(),
        kind: kind.into(),
        due_at: None,
        fired_at: s.scheduling.clock.now().timestamp_millis(),
        run_id: None,
        outcome: outcome.into(),
        reason: None,
    }
}

/// Whether the run just started was started, queued or skipped by the workflow's
/// concurrency policy, and why.
pub async fn admission(s: &AppState, run: &str) -> Result<(&'static str, Option<String>), StoreError> {
    let state = s.store.run_state(run).await?;
    Ok(match state.run.status.as_str() {
        "queued" => ("queued", Some("the workflow's concurrency limit is reached; the run waits its turn".into())),
        "cancelled" => ("skipped", state.run.error),
        _ => ("started", None),
    })
}

/// Fires schedules while this process leads (see [`super::leader`]), until `shutdown`
/// turns true. Each time it comes to lead it reads the marks afresh: another process may
/// have handled occurrences meanwhile. Between occurrences a pass runs only when the
/// workflows changed (a one-row summary read every [`RESCAN`]) or every [`FULL_RESCAN`].
pub async fn run(s: AppState, mut shutdown: watch::Receiver<bool>, mut leading: super::leader::Leading) {
    while super::leader::wait_to_lead(&mut leading, &mut shutdown).await {
        let mut scheduler = Scheduler::default();
        let mut last: Option<([i64; 4], DateTime<Utc>, std::time::Instant)> = None;
        while *leading.borrow_and_update() && !*shutdown.borrow() {
            let clock = s.scheduling.clock.clone();
            let now = clock.now();
            let seen = s.store.workflows_fingerprint().await.ok();
            let idle = match (&last, seen) {
                (Some((before, next, at)), Some(seen)) => {
                    *before == seen && now < *next && at.elapsed() < FULL_RESCAN && !scheduler.failed
                }
                _ => false,
            };
            if !idle {
                let next = scheduler.pass(&s, now).await;
                last =
                    seen.zip(next.or(Some(now + Duration::hours(1)))).map(|(f, n)| (f, n, std::time::Instant::now()));
            }
            let wake = last.as_ref().map_or(now + Duration::seconds(1), |l| l.1);
            tokio::select! {
                () = clock.sleep_until(wake) => {}
                () = tokio::time::sleep(RESCAN) => {}
                _ = shutdown.changed() => {}
                _ = leading.changed() => {}
            }
        }
    }
}

/// (workspace, workflow, [`schedule_key`]).
type Key = (String, String, String);

/// One schedule to look at in a pass: where it stands and what it belongs to.
struct Job {
    w: Arc<WorkflowRecord>,
    plan: Arc<Plan>,
    index: usize,
    key: Key,
    mark: DateTime<Utc>,
}

#[derive(Default)]
struct Scheduler {
    /// The last occurrence handled per schedule, as stored.
    marks: HashMap<Key, DateTime<Utc>>,
    /// Revisions whose plan does not load, reported once.
    unloadable: HashSet<(String, String, i64)>,
    /// Per schedule of a revision: whether it fires more often than the minimum interval.
    too_frequent: HashMap<(String, String, i64, usize), bool>,
    /// Whether the last pass failed somewhere, so the next one must not wait for a change.
    failed: bool,
}

impl Scheduler {
    /// Handles everything due at `now`; returns when the next occurrence is due.
    async fn pass(&mut self, s: &AppState, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.failed = true;
        let workflows = match s.store.workflows(None).await {
            Ok(workflows) => workflows.into_iter().map(Arc::new),
            Err(e) => {
                tracing::error!("the scheduler cannot read the workflows: {e}");
                return None;
            }
        };
        let mut failed = false;
        let mut jobs = Vec::new();
        let mut current = HashSet::new();
        for w in workflows {
            current.insert((w.workspace.clone(), w.name.clone(), w.revision));
            let plan = match s.plans.plan(s, &w) {
                Ok(plan) => plan,
                Err(e) => {
                    if self.unloadable.insert((w.workspace.clone(), w.name.clone(), w.revision)) {
                        tracing::error!(workspace = %w.workspace, workflow = %w.name, "schedules not fired: {}", e.message);
                    }
                    continue;
                }
            };
            for (index, sched) in plan.triggers.schedules.iter().enumerate() {
                if self.refuse(s, &w, index, &plan.triggers.schedules).await {
                    continue;
                }
                let key = (w.workspace.clone(), w.name.clone(), schedule_key(index, sched));
                match self.mark(s, &w, &key, now).await {
                    Ok(mark) => jobs.push(Job { w: w.clone(), plan: plan.clone(), index, key, mark }),
                    Err(e) => {
                        failed = true;
                        tracing::error!(workspace = %w.workspace, workflow = %w.name, "schedule `{}`: {e}", sched.cron)
                    }
                }
            }
        }
        let seen: HashSet<Key> = jobs.iter().map(|j| j.key.clone()).collect();
        let handled: Vec<(Key, Result<due::Handled, StoreError>)> = futures::stream::iter(jobs)
            .map(|job| {
                let s = s.clone();
                async move {
                    let sched = &job.plan.triggers.schedules[job.index];
                    let result = due::handle(&s, &job.w, sched, &job.key, job.mark, now).await;
                    (job.key, result)
                }
            })
            .buffer_unordered(FIRING)
            .collect()
            .await;
        let mut next_due: Option<DateTime<Utc>> = None;
        for (key, result) in handled {
            match result {
                Ok(h) => {
                    next_due = match (next_due, h.next) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    self.marks.insert(key, h.mark);
                }
                Err(e) => {
                    failed = true;
                    tracing::error!(workspace = %key.0, workflow = %key.1, "schedule `{}`: {e}", key.2)
                }
            }
        }
        self.failed = failed;
        self.marks.retain(|key, _| seen.contains(key));
        self.too_frequent.retain(|(ws, name, revision, _), _| current.contains(&(ws.clone(), name.clone(), *revision)));
        next_due
    }

    /// Whether schedule `index` of `schedules` fires more often than the operator's minimum
    /// interval allows, alone or with the others (a workflow stored before the minimum was
    /// raised or the check covered the whole workflow): such a schedule is never fired, and
    /// this is reported once per revision, in the log and as a `skipped` trigger event.
    async fn refuse(&mut self, s: &AppState, w: &WorkflowRecord, index: usize, schedules: &[Schedule]) -> bool {
        let id = (w.workspace.clone(), w.name.clone(), w.revision, index);
        if let Some(refused) = self.too_frequent.get(&id) {
            return *refused;
        }
        let min = s.retention.min_schedule_interval;
        let refusal = interval::refusal(schedules, index, min);
        if let Some(refusal) = &refusal {
            let reason = format!(
                "{}; it is not fired until the workflow is changed or the operator lowers `min_schedule_interval_seconds`",
                refusal.message
            );
            tracing::error!(workspace = %w.workspace, workflow = %w.name, "{reason}");
            let e = TriggerEvent { reason: Some(reason), ..event(s, w, "schedule", "skipped") };
            if let Err(e) = s.store.record_trigger(&e).await {
                tracing::error!(workspace = %w.workspace, workflow = %w.name, "recording a refused schedule: {e}");
            }
        }
        self.too_frequent.insert(id, refusal.is_some());
        refusal.is_some()
    }

    /// The last occurrence handled; a schedule seen for the first time starts from when
    /// its workflow was saved, if that was just now, else from now.
    async fn mark(
        &mut self,
        s: &AppState,
        w: &WorkflowRecord,
        key: &Key,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StoreError> {
        if let Some(mark) = self.marks.get(key) {
            return Ok(*mark);
        }
        let (workspace, workflow, schedule) = key;
        let mark = match s.store.schedule_mark(workspace, workflow, schedule).await? {
            Some(ms) => DateTime::from_timestamp_millis(ms).unwrap_or(now),
            None => {
                let saved = DateTime::from_timestamp_millis(w.updated_at).unwrap_or(now);
                let mark = saved.clamp(now - MISSED_AFTER, now);
                s.store.set_schedule_mark(workspace, workflow, schedule, mark.timestamp_millis()).await?;
                mark
            }
        };
        self.marks.insert(key.clone(), mark);
        Ok(mark)
    }
}
