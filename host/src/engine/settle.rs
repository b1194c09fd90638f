//! Settling a run after each change: what is ready now, what is skipped, and how it ends.
//!
//! Settling derives every consequence from the run's recorded states, so it is
//! idempotent: running it twice, or after a crash, changes nothing more.

use std::collections::HashMap;

use serde_json::Value;

use crate::store::{ApprovalRecord, Job, RunState, now_ms};
use crate::workflow::{Plan, PlanStep, StepKind};

use super::live::{Commit, Live};
use super::scope::RunScope;
use super::work::step_record;

const FINAL: &[&str] = &["succeeded", "failed", "skipped", "cancelled"];

/// Settles `live` in memory: enqueues what became ready, skips what cannot run, finishes
/// `for_each` steps and the run. True when the run just reached its end.
pub(super) fn settle(plan: &Plan, live: &mut Live) -> bool {
    // Each pass may finish steps that make others ready; stop when a pass changes nothing.
    loop {
        if matches!(live.status(), "queued" | "cancelled") {
            return false;
        }
        let mut commit = step_changes(plan, &live.state, &live.jobs);
        if !commit.steps.is_empty() || !commit.remove_jobs.is_empty() {
            live.apply(&commit);
            continue;
        }
        // No step changed state: this pass's view is final, with its new jobs counted.
        let mut open_jobs = live.jobs.clone();
        open_jobs.extend(commit.enqueue.iter().cloned());
        commit.run = run_status(plan, &live.state, &open_jobs);
        let ended =
            commit.run.as_ref().is_some_and(|(status, ..)| FINAL.contains(&status.as_str()) || status == "rejected");
        live.apply(&commit);
        return ended;
    }
}

/// The steps that become ready, skipped or cancelled, and the `for_each` steps that end.
fn step_changes(plan: &Plan, state: &RunState, jobs: &[Job]) -> Commit {
    let run_id = &state.run.id;
    let mut commit = Commit::default();
    let status: HashMap<&str, &str> = state.run.steps.iter().map(|s| (s.step_id.as_str(), s.status.as_str())).collect();
    finish_items(plan, state, jobs, &mut commit);
    let failed = failed(plan, &status);
    for step in plan.topological_order() {
        let current = status.get(step.id.as_str()).copied().unwrap_or("pending");
        if failed && current == "waiting" {
            commit.steps.push(step_record(state, step, "cancelled"));
            if matches!(step.kind, StepKind::Approval(_)) {
                let withdrawn = ApprovalRecord {
                    run_id: run_id.clone(),
                    step_id: step.id.clone(),
                    status: "cancelled".into(),
                    ..ApprovalRecord::default()
                };
                commit.approvals.push(withdrawn);
            }
            commit.remove_jobs.extend(jobs.iter().filter(|j| j.step_id == step.id).map(|j| (j.step_id.clone(), j.idx)));
            continue;
        }
        if current != "pending" || jobs.iter().any(|j| j.step_id == step.id) {
            continue;
        }
        if failed || blocked(plan, step, &status, state) {
            commit.steps.push(step_record(state, step, "skipped"));
        } else if step.needs.iter().all(|n| status.get(n.as_str()).is_some_and(|s| FINAL.contains(s))) {
            commit.enqueue.push(ready(run_id, step));
        }
    }
    let main_done = plan.steps.iter().all(|s| status.get(s.id.as_str()).is_some_and(|st| FINAL.contains(st)));
    if failed && main_done && commit.steps.is_empty() {
        start_on_failure(plan, state, jobs, &status, &mut commit);
    }
    commit
}

fn ready(run_id: &str, step: &PlanStep) -> Job {
    Job {
        run_id: run_id.into(),
        step_id: step.id.clone(),
        idx: -1,
        kind: "step".into(),
        attempt: 1,
        available_at: now_ms(),
    }
}

/// Once the main steps of a failed run have ended, the `on_failure` steps run in their order.
fn start_on_failure(plan: &Plan, state: &RunState, jobs: &[Job], status: &HashMap<&str, &str>, commit: &mut Commit) {
    for step in plan.on_failure_order() {
        let current = status.get(step.id.as_str()).copied();
        let queued = jobs.iter().any(|j| j.step_id == step.id);
        let needs_done = step.needs.iter().all(|n| status.get(n.as_str()).is_some_and(|s| FINAL.contains(s)));
        if matches!(current, None | Some("pending")) && !queued && needs_done {
            commit.steps.push(step_record(state, step, "pending"));
            commit.enqueue.push(ready(&state.run.id, step));
        }
    }
}

fn failed(plan: &Plan, status: &HashMap<&str, &str>) -> bool {
    plan.steps.iter().any(|s| status.get(s.id.as_str()) == Some(&"failed") && !s.continue_on_error)
}

/// Whether a dependency failed, was skipped or cancelled, or is a rejected approval.
fn blocked(plan: &Plan, step: &PlanStep, status: &HashMap<&str, &str>, state: &RunState) -> bool {
    step.needs.iter().any(|need| match status.get(need.as_str()).copied() {
        Some("skipped" | "cancelled") => true,
        Some("failed") => plan.step(need).is_none_or(|s| !s.continue_on_error),
        Some("succeeded") => rejected(state, need),
        _ => false,
    })
}

/// Whether step `id` is an approval that was rejected.
fn rejected(state: &RunState, id: &str) -> bool {
    state
        .run
        .steps
        .iter()
        .find(|s| s.step_id == id)
        .and_then(|s| s.output.as_ref())
        .and_then(|o| o.get("approved"))
        .is_some_and(|a| a == &Value::Bool(false))
}

/// Enqueues the next items of running `for_each` steps, and finishes those whose items all ended.
fn finish_items(plan: &Plan, state: &RunState, jobs: &[Job], commit: &mut Commit) {
    let running = |id: &str| state.run.steps.iter().any(|s| s.step_id == id && s.status == "running");
    for step in plan.steps.iter().filter(|s| s.for_each.is_some() && running(&s.id)) {
        let items: Vec<_> = state.items.iter().filter(|i| i.step_id == step.id).collect();
        let active = jobs.iter().filter(|j| j.step_id == step.id).count();
        let waiting: Vec<_> = items
            .iter()
            .filter(|i| i.status == "pending" && !jobs.iter().any(|j| j.step_id == step.id && j.idx == i.idx))
            .collect();
        let room = (step.concurrency.max(1) as usize).saturating_sub(active);
        for item in waiting.iter().take(room) {
            commit.enqueue.push(Job {
                run_id: state.run.id.clone(),
                step_id: step.id.clone(),
                idx: item.idx,
                kind: "item".into(),
                attempt: 1,
                available_at: now_ms(),
            });
        }
        if active > 0 || !waiting.is_empty() {
            continue;
        }
        let failures: Vec<_> = items.iter().filter(|i| i.status == "failed").collect();
        let mut record = step_record(state, step, "succeeded");
        record.output = Some(Value::Array(items.iter().map(|i| i.output.clone().unwrap_or(Value::Null)).collect()));
        if let Some(first) = failures.first().filter(|_| !step.continue_on_error) {
            record.status = "failed".into();
            record.error = Some(format!(
                "{} of {} items failed; item {}: {}",
                failures.len(),
                items.len(),
                first.idx,
                first.error.clone().unwrap_or_default()
            ));
            record.error_kind = Some("item".into());
        }
        commit.steps.push(record);
    }
}

/// The run's new status, when it changes: final once nothing is left to do.
fn run_status(plan: &Plan, state: &RunState, jobs: &[Job]) -> Option<(String, Option<Value>, Option<String>)> {
    let status: HashMap<&str, &str> = state.run.steps.iter().map(|s| (s.step_id.as_str(), s.status.as_str())).collect();
    let handlers = plan.on_failure.iter().filter(|s| status.contains_key(s.id.as_str()));
    let open: Vec<&str> = plan
        .steps
        .iter()
        .chain(handlers)
        .map(|s| status.get(s.id.as_str()).copied().unwrap_or("pending"))
        .filter(|s| !FINAL.contains(s))
        .collect();
    let new = if open.is_empty() && jobs.is_empty() {
        if failed(plan, &status) {
            let first = state.run.steps.iter().find(|s| s.status == "failed");
            let error = first.map(|s| format!("step `{}` failed: {}", s.step_id, s.error.clone().unwrap_or_default()));
            return Some(("failed".into(), None, error)).filter(|_| state.run.status != "failed");
        }
        if plan.steps.iter().any(|s| matches!(s.kind, StepKind::Approval(_)) && rejected(state, &s.id)) {
            "rejected"
        } else {
            return finished(plan, state);
        }
    } else if !open.is_empty() && open.iter().all(|s| *s == "waiting" || *s == "pending") && open.contains(&"waiting") {
        "waiting"
    } else {
        "running"
    };
    (state.run.status != new).then(|| (new.to_string(), None, None))
}

/// `succeeded` with the rendered outputs, or `failed` naming the output that did not render.
fn finished(plan: &Plan, state: &RunState) -> Option<(String, Option<Value>, Option<String>)> {
    if state.run.status == "succeeded" {
        return None;
    }
    let scope = RunScope::new(state);
    let mut outputs = serde_json::Map::new();
    for (name, template) in &plan.outputs {
        match template.render(&scope.scope(None, None)) {
            Ok(v) => {
                outputs.insert(name.clone(), v);
            }
            Err(e) => {
                return Some(("failed".into(), None, Some(format!("output `{name}` could not be rendered: {e}"))));
            }
        }
    }
    Some(("succeeded".into(), Some(Value::Object(outputs)), None))
}
