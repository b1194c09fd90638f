//! A run held in memory while an engine works on it: its state, jobs and version, the
//! changes made since the last write, and those changes as whole rows to write.
//!
//! Working a job and settling the run produce a [`Commit`], a change described the way
//! the engine thinks of it. [`Live::apply`] folds it into the run in memory; the next
//! write sends the rows it touched, and goes through only if nobody else changed the
//! run meanwhile (its version). Otherwise the run is read again and the change re-applied.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::store::{
    ApprovalRecord, AttemptRecord, ItemRecord, Job, LoadedRun, LogRecord, NewRunRow, RunState, RunWrite, StepRecord,
    now_ms,
};

use super::budget::Budget;
use super::scope::RunScope;

/// Everything one unit of work (or one settling) changes.
#[derive(Debug, Default, Clone)]
pub struct Commit {
    /// Jobs this commit finishes or cancels, by step and item.
    pub remove_jobs: Vec<(String, i64)>,
    /// Steps' new states; a field left empty keeps what the step had (input, digest,
    /// start time), log lines are appended.
    pub steps: Vec<StepRecord>,
    pub items: Vec<ItemRecord>,
    pub attempts: Vec<AttemptRecord>,
    /// Jobs to add, or to replace (a retry re-schedules its own job).
    pub jobs: Vec<Job>,
    /// Jobs for steps or items that are ready, added only if that step (or item) is
    /// still `pending` and has no job.
    pub enqueue: Vec<Job>,
    pub approvals: Vec<ApprovalRecord>,
    /// The run's new status, outputs and error, when it changes.
    pub run: Option<(String, Option<Value>, Option<String>)>,
}

/// A job's key: its step and item.
type Key = (String, i64);

fn key(job: &Job) -> Key {
    (job.step_id.clone(), job.idx)
}

/// A run in memory, with what changed since it was last written.
#[derive(Debug)]
pub struct Live {
    pub state: RunState,
    pub jobs: Vec<Job>,
    /// Leases on jobs as last known: owner and until when.
    leases: HashMap<Key, (String, i64)>,
    log_lines: HashMap<String, i64>,
    changed: Changed,
    /// The bytes the run's outputs hold, against the caps.
    pub budget: Budget,
    /// The expression context as of the steps' last change, shared by the jobs started
    /// since; `None` once a step changed.
    pub(super) scope: Option<Arc<RunScope>>,
}

#[derive(Debug, Default)]
struct Changed {
    /// A new run's workflow file name and text: the run's row is inserted.
    create: Option<(String, String)>,
    steps: BTreeSet<String>,
    items: BTreeSet<Key>,
    jobs: BTreeSet<Key>,
    attempts: Vec<AttemptRecord>,
    approvals: Vec<ApprovalRecord>,
    logs: Vec<(String, i64, LogRecord)>,
    run: bool,
}

impl Live {
    /// A run as read from the store.
    pub fn loaded(loaded: LoadedRun) -> Self {
        let mut leases = HashMap::new();
        let jobs = loaded
            .jobs
            .into_iter()
            .map(|(job, lease)| {
                if let Some(lease) = lease {
                    leases.insert(key(&job), lease);
                }
                job
            })
            .collect();
        let budget = Budget::of(&loaded.state);
        let (state, log_lines) = (loaded.state, loaded.log_lines);
        Self { state, jobs, leases, log_lines, changed: Changed::default(), budget, scope: None }
    }

    /// A new run following the workflow `source` (file name and text), written with its
    /// first changes.
    pub fn created(state: RunState, source: (String, String)) -> Self {
        let changed = Changed {
            create: Some(source),
            steps: state.run.steps.iter().map(|s| s.step_id.clone()).collect(),
            run: true,
            ..Changed::default()
        };
        let budget = Budget::of(&state);
        Self {
            state,
            jobs: Vec::new(),
            leases: HashMap::new(),
            log_lines: HashMap::new(),
            changed,
            budget,
            scope: None,
        }
    }

    pub fn status(&self) -> &str {
        &self.state.run.status
    }

    /// Folds `commit` into the run, as the store would apply it.
    pub fn apply(&mut self, commit: &Commit) {
        for (step, idx) in &commit.remove_jobs {
            self.jobs.retain(|j| !(j.step_id == *step && j.idx == *idx));
            self.leases.remove(&(step.clone(), *idx));
            self.changed.jobs.insert((step.clone(), *idx));
        }
        for step in &commit.steps {
            self.upsert_step(step);
        }
        for item in &commit.items {
            self.changed.items.insert((item.step_id.clone(), item.idx));
            self.budget.hold(&item.step_id, item.idx, item.output.as_ref());
            match self.state.items.iter_mut().find(|i| i.step_id == item.step_id && i.idx == item.idx) {
                Some(current) => {
                    current.status = item.status.clone();
                    current.output = item.output.clone();
                    current.error = item.error.clone();
                    current.attempt = item.attempt;
                }
                None => self.state.items.push(item.clone()),
            }
        }
        self.changed.attempts.extend(commit.attempts.iter().cloned());
        for job in &commit.jobs {
            self.jobs.retain(|j| !(j.step_id == job.step_id && j.idx == job.idx));
            self.leases.remove(&key(job));
            self.changed.jobs.insert(key(job));
            self.jobs.push(job.clone());
        }
        for job in &commit.enqueue {
            if self.pending(job) && !self.jobs.iter().any(|j| j.step_id == job.step_id && j.idx == job.idx) {
                self.changed.jobs.insert(key(job));
                self.jobs.push(job.clone());
            }
        }
        self.changed.approvals.extend(commit.approvals.iter().cloned());
        if let Some((status, outputs, error)) = &commit.run {
            let run = &mut self.state.run;
            run.status = status.clone();
            run.outputs = outputs.clone().or(run.outputs.take());
            run.error = error.clone().or(run.error.take());
            if matches!(status.as_str(), "succeeded" | "failed" | "rejected" | "cancelled") {
                run.finished_at = Some(now_ms());
            }
            self.changed.run = true;
        }
    }

    /// Whether the step (or item) of `job` is `pending`.
    fn pending(&self, job: &Job) -> bool {
        if job.idx < 0 {
            self.state.run.steps.iter().any(|s| s.step_id == job.step_id && s.status == "pending")
        } else {
            self.state.items.iter().any(|i| i.step_id == job.step_id && i.idx == job.idx && i.status == "pending")
        }
    }

    fn upsert_step(&mut self, new: &StepRecord) {
        self.changed.steps.insert(new.step_id.clone());
        self.budget.hold(&new.step_id, -1, new.output.as_ref());
        self.scope = None;
        let lines = self.log_lines.entry(new.step_id.clone()).or_default();
        for line in &new.logs {
            self.changed.logs.push((new.step_id.clone(), *lines, line.clone()));
            *lines += 1;
        }
        let Some(current) = self.state.run.steps.iter_mut().find(|s| s.step_id == new.step_id) else {
            self.state.run.steps.push(StepRecord { logs: Vec::new(), ..new.clone() });
            return;
        };
        current.status = new.status.clone();
        current.attempt = new.attempt;
        if new.input.is_some() {
            current.input = new.input.clone();
        }
        current.output = new.output.clone();
        current.error = new.error.clone();
        current.error_kind = new.error_kind.clone();
        current.started_at = current.started_at.or(new.started_at);
        current.finished_at = new.finished_at;
        current.duration_us = new.duration_us;
        if !new.digest.is_empty() {
            current.digest = new.digest.clone();
        }
    }

    /// Jobs changed since the last write that are due now and leased by nobody, up to
    /// `room` of them, leased to `owner` until `until` by the next write.
    pub fn lease_new(&mut self, owner: &str, until: i64, room: usize) -> Vec<Job> {
        let now = now_ms();
        let mut leased = Vec::new();
        for job in &self.jobs {
            let k = key(job);
            if leased.len() == room || !self.changed.jobs.contains(&k) || self.leases.contains_key(&k) {
                continue;
            }
            if job.available_at <= now {
                self.leases.insert(k, (owner.to_string(), until));
                leased.push(job.clone());
            }
        }
        leased
    }

    /// Notes the leases a claim took.
    pub fn leased(&mut self, jobs: &[Job], owner: &str, until: i64) {
        for job in jobs {
            self.leases.insert(key(job), (owner.to_string(), until));
        }
    }

    /// Whether every claimed job is one this copy of the run knows, as it knows it.
    pub fn knows(&self, jobs: &[Job]) -> bool {
        jobs.iter().all(|j| self.jobs.contains(j))
    }

    /// The earliest time a job not leased by a live worker can be claimed, if any can be:
    /// due now (or earlier) means one can be claimed at once.
    pub fn next_claimable(&self) -> Option<i64> {
        self.jobs
            .iter()
            .map(|j| match self.leases.get(&key(j)) {
                Some((_, until)) => j.available_at.max(*until + 1),
                None => j.available_at,
            })
            .min()
    }

    pub fn has_changes(&self) -> bool {
        let c = &self.changed;
        c.create.is_some()
            || c.run
            || !(c.steps.is_empty() && c.items.is_empty() && c.jobs.is_empty())
            || !(c.attempts.is_empty() && c.approvals.is_empty() && c.logs.is_empty())
    }

    /// The changes since the last write as whole rows; they count as written from now on.
    pub fn take_write(&mut self) -> RunWrite {
        let changed = std::mem::take(&mut self.changed);
        let run = &self.state.run;
        let steps = run.steps.iter().filter(|s| changed.steps.contains(&s.step_id)).cloned().collect();
        let items = changed
            .items
            .iter()
            .filter_map(|(step, idx)| self.state.items.iter().find(|i| i.step_id == *step && i.idx == *idx))
            .cloned()
            .collect();
        let mut jobs = Vec::new();
        let mut removed_jobs = Vec::new();
        for k in changed.jobs {
            match self.jobs.iter().find(|j| j.step_id == k.0 && j.idx == k.1) {
                Some(job) => jobs.push((job.clone(), self.leases.get(&k).cloned())),
                None => removed_jobs.push(k),
            }
        }
        RunWrite {
            run_id: run.id.clone(),
            version: run.version,
            create: changed.create.map(|source| {
                Box::new(NewRunRow {
                    workspace: run.workspace.clone(),
                    workflow: run.workflow.clone(),
                    inputs: run.inputs.clone(),
                    context: run.context.clone(),
                    trigger: run.trigger.clone().unwrap_or_default(),
                    created_at: run.created_at,
                    source,
                    delivery: None,
                })
            }),
            status: run.status.clone(),
            outputs: run.outputs.clone(),
            error: run.error.clone(),
            finished_at: run.finished_at,
            steps,
            logs: changed.logs,
            items,
            attempts: changed.attempts,
            removed_jobs,
            jobs,
            approvals: changed.approvals,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::RunRecord;

    fn run() -> Live {
        let step = |id: &str| StepRecord {
            run_id: "r".into(),
            step_id: id.into(),
            status: "pending".into(),
            ..StepRecord::default()
        };
        let record = RunRecord {
            id: "r".into(),
            status: "running".into(),
            started_at: Some(0),
            version: 3,
            steps: vec![step("a"), step("b")],
            ..RunRecord::default()
        };
        let loaded = LoadedRun {
            state: RunState { run: record, items: Vec::new() },
            jobs: Vec::new(),
            log_lines: HashMap::from([("a".to_string(), 2)]),
        };
        Live::loaded(loaded)
    }

    fn job(step: &str) -> Job {
        Job { run_id: "r".into(), step_id: step.into(), idx: -1, kind: "step".into(), attempt: 1, available_at: 0 }
    }

    #[test]
    fn a_step_change_keeps_what_it_leaves_empty_and_numbers_new_log_lines() {
        let mut live = run();
        let line = LogRecord { level: "info".into(), message: "hi".into(), at: 5 };
        let started = StepRecord {
            step_id: "a".into(),
            status: "running".into(),
            input: Some(json!({ "n": 1 })),
            digest: "abc".into(),
            started_at: Some(10),
            logs: vec![line.clone()],
            ..StepRecord::default()
        };
        let finished = StepRecord {
            step_id: "a".into(),
            status: "succeeded".into(),
            output: Some(json!(1)),
            started_at: Some(20),
            logs: vec![line],
            ..StepRecord::default()
        };
        live.apply(&Commit { steps: vec![started, finished], ..Commit::default() });
        let write = live.take_write();
        assert_eq!(write.version, 3);
        let a = &write.steps[0];
        assert_eq!((a.status.as_str(), a.started_at, a.digest.as_str()), ("succeeded", Some(10), "abc"));
        assert_eq!((a.input.clone(), a.output.clone()), (Some(json!({ "n": 1 })), Some(json!(1))));
        assert_eq!(write.logs.iter().map(|(s, seq, _)| (s.as_str(), *seq)).collect::<Vec<_>>(), [("a", 2), ("a", 3)]);
        assert!(!live.has_changes(), "taking the write leaves nothing to write");
    }

    #[test]
    fn a_job_is_enqueued_once_and_only_for_a_pending_step() {
        let mut live = run();
        live.apply(&Commit { enqueue: vec![job("a"), job("a")], ..Commit::default() });
        assert_eq!(live.jobs, vec![job("a")]);
        let done = StepRecord { step_id: "b".into(), status: "succeeded".into(), ..StepRecord::default() };
        live.apply(&Commit { steps: vec![done], enqueue: vec![job("b")], ..Commit::default() });
        assert_eq!(live.jobs, vec![job("a")], "b is no longer pending");
        let leased = live.lease_new("me", 99, 8);
        assert_eq!(leased, vec![job("a")]);
        assert_eq!(live.take_write().jobs, vec![(job("a"), Some(("me".to_string(), 99)))]);
        // Finished and removed: the next write deletes it.
        live.apply(&Commit { remove_jobs: vec![("a".into(), -1)], ..Commit::default() });
        let write = live.take_write();
        assert_eq!((write.jobs.len(), write.removed_jobs), (0, vec![("a".to_string(), -1)]));
    }
}
