//! Working one claimed job: start a step, run an action attempt or an item, wake a timer,
//! time out an approval. Each records only its own outcome; `settle` derives the rest.

use std::time::Duration;

use serde_json::{Value, json};

use crate::runtime::{Plugin, StepCall, StepFailure, StepOutcome};
use crate::store::{AttemptRecord, ItemRecord, Job, RunState, StepRecord, now_ms};
use crate::workflow::{OnTimeout, PlanStep, StepKind, quoted_json, truthy};

use super::durable::{Engine, EngineError};
use super::hold::{Gate, hold};
use super::hooks::{StepEvent, StepLimits};
use super::live::Commit;
use super::scope::{RunScope, Shared};

impl Engine {
    /// Works `job` on the run as `state` holds it; the outcome, for the caller to write.
    pub(super) async fn work(&self, job: Job, (state, scope): Shared) -> Result<Commit, EngineError> {
        let plan = self.plan(&job.run_id).await?;
        let step = plan
            .step(&job.step_id)
            .ok_or_else(|| EngineError::Invalid(format!("run `{}` has no step `{}`", job.run_id, job.step_id)))?;
        let mut commit = Commit { remove_jobs: vec![(job.step_id.clone(), job.idx)], ..Commit::default() };
        match job.kind.as_str() {
            "step" => self.start_step(step, &state, &scope, &job, true, &mut commit).await,
            "ready" => self.start_step(step, &state, &scope, &job, false, &mut commit).await,
            "wake" => self.wake(step, &state, &mut commit),
            "item" => self.attempt(step, &state, &scope, &job, &mut commit).await,
            "approval" => self.approval_timeout(step, &state, &job, &mut commit).await?,
            other => return Err(EngineError::Invalid(format!("unknown job kind `{other}`"))),
        }
        Ok(commit)
    }

    /// Starts a step: `if` and `wait_until` first (unless `first` is false: the step's
    /// time has come), then by kind.
    async fn start_step(
        &self,
        step: &PlanStep,
        state: &RunState,
        scope: &RunScope,
        job: &Job,
        first: bool,
        commit: &mut Commit,
    ) {
        let record = |status: &str| step_record(state, step, status);
        if first && let Some(condition) = &step.condition {
            match condition.render(&scope.scope(None, None)) {
                Ok(v) if !truthy(&v) => return commit.steps.push(record("skipped")),
                Ok(_) => {}
                Err(e) => {
                    return fail(
                        commit,
                        record("failed"),
                        &format!("`if` could not be evaluated: {e}"),
                        "invalid-input",
                    );
                }
            }
        }
        if first {
            match self.wait_until(step, scope) {
                Ok(Some(at)) if at > now_ms() => {
                    commit.jobs.push(Job { kind: "ready".into(), available_at: at, ..job.clone() });
                    return commit.steps.push(record("waiting"));
                }
                Ok(_) => {}
                Err(e) => return fail(commit, record("failed"), &e, "invalid-input"),
            }
        }
        match &step.kind {
            StepKind::Approval(approval) => match super::approvals::request(approval, step, state, scope, job) {
                Ok((request, timer)) => {
                    commit.approvals.push(request);
                    commit.jobs.extend(timer);
                    commit.steps.push(record("waiting"));
                }
                Err(e) => fail(commit, record("failed"), &e, "invalid-input"),
            },
            StepKind::Wait(duration) => {
                commit.jobs.push(Job {
                    kind: "wake".into(),
                    available_at: now_ms() + duration.as_millis() as i64,
                    ..job.clone()
                });
                commit.steps.push(record("waiting"));
            }
            StepKind::Respond(respond) => super::respond::respond(respond, step, state, scope, commit),
            StepKind::Action { .. } if step.for_each.is_some() => self.fan_out(step, state, scope, commit),
            StepKind::Action { .. } => self.attempt(step, state, scope, job, commit).await,
        }
    }

    /// The time `wait_until` names, in Unix milliseconds.
    fn wait_until(&self, step: &PlanStep, scope: &RunScope) -> Result<Option<i64>, String> {
        let Some(template) = &step.wait_until else { return Ok(None) };
        let value = template.render(&scope.scope(None, None)).map_err(|e| e.to_string())?;
        let text = value
            .as_str()
            .ok_or_else(|| format!("`wait_until` must be an RFC 3339 time, got {}", quoted_json(&value)))?;
        let at = chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|e| format!("`wait_until` value `{text}` is not an RFC 3339 time: {e}"))?;
        Ok(Some(at.timestamp_millis()))
    }

    /// A `wait` step's timer is due: the step succeeds.
    fn wake(&self, step: &PlanStep, state: &RunState, commit: &mut Commit) {
        let mut record = step_record(state, step, "succeeded");
        record.output = Some(json!({ "waited_until": chrono::Utc::now().to_rfc3339() }));
        commit.steps.push(record);
    }

    /// Creates the items of a `for_each` step; `settle` enqueues them.
    fn fan_out(&self, step: &PlanStep, state: &RunState, scope: &RunScope, commit: &mut Commit) {
        let list = step.for_each.as_ref().map(|t| t.render(&scope.scope(None, None)));
        let items = match list {
            Some(Ok(Value::Array(items))) => items,
            Some(Ok(other)) => {
                return fail(
                    commit,
                    step_record(state, step, "failed"),
                    &format!("`for_each` must be a list, got {}", quoted_json(&other)),
                    "invalid-input",
                );
            }
            Some(Err(e)) => return fail(commit, step_record(state, step, "failed"), &e.to_string(), "invalid-input"),
            None => Vec::new(),
        };
        for (idx, item) in items.into_iter().enumerate() {
            commit.items.push(ItemRecord {
                run_id: state.run.id.clone(),
                step_id: step.id.clone(),
                idx: idx as i64,
                status: "pending".into(),
                item: Some(item),
                ..ItemRecord::default()
            });
        }
        commit.steps.push(step_record(state, step, "running"));
    }

    /// One attempt of an action (the step's, or one item's), with its retry decision.
    async fn attempt(&self, step: &PlanStep, state: &RunState, scope: &RunScope, job: &Job, commit: &mut Commit) {
        let StepKind::Action { plugin, action, version, digest, with } = &step.kind else { return };
        let item =
            (job.idx >= 0).then(|| state.items.iter().find(|i| i.step_id == step.id && i.idx == job.idx)).flatten();
        let item_value = item.and_then(|i| i.item.clone());
        let started = now_ms();
        let nonce = secret_nonce(job);
        let mut input_scope = scope.scope(item_value.as_ref(), item.map(|i| i.idx as usize));
        input_scope.secret_nonce = &nonce;
        let rendered = with.render(&input_scope);
        let found = self.registry.find(&state.run.workspace, plugin, version, digest.as_deref());
        let pin = digest.as_ref().map_or(String::new(), |d| format!(" sha256:{d}"));
        let result = match (rendered, found) {
            (Err(e), _) => Err(StepFailure::InvalidInput(e.to_string())),
            (Ok(_), None) => Err(StepFailure::Fatal(format!("plugin `{plugin}` {version}{pin} is not installed"))),
            (Ok(input), Some(p)) => match self.gate(&p, action, &state.run.workspace).await {
                Gate::Held => return hold(step, state, job, commit),
                Gate::Refused(refused) => Err(refused),
                Gate::Run(limits) => {
                    let outcome = self.execute(&p, action, (state, step, job), input.clone(), limits).await;
                    let mut record = step_record(state, step, "running");
                    record.started_at = Some(started);
                    record.digest = p.digest.clone();
                    record.input = if job.idx < 0 { Some(input) } else { None };
                    record.logs = outcome.logs;
                    record.duration_us = Some(outcome.duration.as_micros() as i64);
                    commit.steps.push(record);
                    outcome.result
                }
            },
        };
        let retry = match &result {
            Err(f @ (StepFailure::Retryable { .. } | StepFailure::Timeout(_)))
                if job.attempt < step.retry.max_attempts =>
            {
                let after = match f {
                    StepFailure::Retryable { after_ms: Some(ms), .. } => Duration::from_millis(*ms),
                    _ => step.retry.delay(job.attempt, rand_unit()),
                };
                Some(after)
            }
            _ => None,
        };
        commit.attempts.push(AttemptRecord {
            run_id: job.run_id.clone(),
            step_id: step.id.clone(),
            idx: job.idx,
            attempt: job.attempt,
            status: if result.is_ok() { "succeeded".into() } else { "failed".into() },
            error: result.as_ref().err().map(ToString::to_string),
            error_kind: result.as_ref().err().map(|f| f.kind().to_string()),
            started_at: started,
            finished_at: now_ms(),
        });
        if let Some(after) = retry {
            commit.jobs.push(Job {
                attempt: job.attempt + 1,
                available_at: now_ms() + after.as_millis() as i64,
                ..job.clone()
            });
            return;
        }
        let (status, output, error) = match result {
            Ok(v) => ("succeeded", Some(v), None),
            Err(f) => ("failed", None, Some(f)),
        };
        match item {
            Some(item) => commit.items.push(ItemRecord {
                status: status.into(),
                output,
                error: error.map(|f| f.to_string()),
                attempt: job.attempt,
                ..item.clone()
            }),
            None => {
                let running = commit.steps.iter().position(|r| r.step_id == step.id).map(|i| commit.steps.remove(i));
                let mut record = running.unwrap_or_else(|| step_record(state, step, status));
                record.status = status.into();
                record.attempt = job.attempt;
                record.output = output;
                record.error_kind = error.as_ref().map(|f| f.kind().to_string());
                record.error = error.map(|f| f.to_string());
                record.finished_at = Some(now_ms());
                commit.steps.push(record);
            }
        }
    }

    /// Runs one action attempt under the workspace's `limits`, its lease kept, the observer told.
    async fn execute(
        &self,
        plugin: &Plugin,
        action: &str,
        (state, step, job): (&RunState, &PlanStep, &Job),
        input: Value,
        limits: StepLimits,
    ) -> StepOutcome {
        let secrets = match self.secrets.secrets(&state.run.workspace).await {
            Ok(secrets) => secrets,
            Err(e) => {
                tracing::error!("secrets of workspace `{}` unavailable: {e}", state.run.workspace);
                Default::default()
            }
        };
        let manifest_timeout = Duration::from_millis(plugin.manifest.limits.timeout_ms);
        let call = StepCall {
            action: action.to_string(),
            workspace: state.run.workspace.clone(),
            workflow: state.run.workflow.clone(),
            run_id: state.run.id.clone(),
            step_id: step.id.clone(),
            attempt: job.attempt,
            idempotency_key: idempotency_key(job),
            input,
            secrets,
            db: Some(self.store.clone()),
            timeout: limits.timeout(step.timeout, manifest_timeout),
            max_memory_mb: limits.memory_mb,
            secret_nonce: secret_nonce(job),
            trace: self.tracer().attempt_ids(&state.run, &step.id, job.idx, job.attempt),
        };
        let event = StepEvent { workspace: &state.run.workspace, plugin: plugin.id(), action };
        self.observer.started(event);
        let outcome = tokio::select! {
            outcome = self.runtime.execute(plugin, call) => outcome,
            () = self.keep_leased(job) => unreachable!("keep_leased never returns"),
        };
        self.observer.finished(event, outcome.kind(), outcome.duration, outcome.memory_peak, &outcome.host_calls);
        outcome
    }

    async fn approval_timeout(
        &self,
        step: &PlanStep,
        state: &RunState,
        job: &Job,
        commit: &mut Commit,
    ) -> Result<(), EngineError> {
        let StepKind::Approval(approval) = &step.kind else { return Ok(()) };
        let Some(current) = self.store.approval(&job.run_id, &step.id).await? else { return Ok(()) };
        if current.status != "waiting" {
            return Ok(());
        }
        match approval.on_timeout {
            OnTimeout::Fail => {
                let mut decided = current;
                decided.status = "expired".into();
                commit.approvals.push(decided);
                fail(commit, step_record(state, step, "failed"), "the approval timed out", "timeout");
            }
            OnTimeout::Approve | OnTimeout::Reject => {
                let approved = approval.on_timeout == OnTimeout::Approve;
                let verdict = super::approvals::Verdict {
                    approved,
                    by: "system:timeout".into(),
                    comment: Some("decided by the approval's timeout".into()),
                    edits: Default::default(),
                };
                // The timeout decides for everyone a quorum still waits for; with no edits the
                // offered values stand, so nothing can be refused.
                let current = crate::store::ApprovalRecord { quorum: 1, ..current };
                let _ = super::approvals::decision(state, step, current, &verdict, commit);
            }
        }
        Ok(())
    }

    /// Renews the job's lease while its step runs; never returns.
    async fn keep_leased(&self, job: &Job) {
        let every = self.lease / 3;
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = self.store.renew(job, &self.worker, self.lease.as_millis() as i64).await {
                tracing::warn!("could not renew the lease of {}/{}: {e}", job.run_id, job.step_id);
            }
        }
    }
}

/// The nonce of one attempt's secret placeholders: keyed with a random key of this
/// process, so data cannot guess it, and the same when rendering and when executing.
fn secret_nonce(job: &Job) -> String {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let key = KEY.get_or_init(crate::runtime::new_nonce);
    let message = format!("{}/{}/{}/{}", job.run_id, job.step_id, job.idx, job.attempt);
    crate::capabilities::secrets::hmac_hex(key.as_bytes(), message.as_bytes())[..32].to_string()
}

/// The same on every attempt of the same step (and item), across processes.
pub fn idempotency_key(job: &Job) -> String {
    match job.idx {
        i if i < 0 => format!("{}/{}", job.run_id, job.step_id),
        i => format!("{}/{}/{i}", job.run_id, job.step_id),
    }
}

/// A step's record with its plugin named, and nothing else yet.
pub(super) fn blank_record(run_id: &str, workspace: &str, step: &PlanStep) -> StepRecord {
    let (plugin, version) = match &step.kind {
        StepKind::Action { plugin, version, .. } => (plugin.clone(), version.to_string()),
        StepKind::Approval(_) => ("approval".into(), String::new()),
        StepKind::Wait(_) => ("wait".into(), String::new()),
        StepKind::Respond(_) => (super::respond::RESPOND_PLUGIN.into(), String::new()),
    };
    StepRecord {
        run_id: run_id.into(),
        step_id: step.id.clone(),
        workspace: workspace.into(),
        plugin,
        plugin_version: version,
        ..StepRecord::default()
    }
}

/// The step's record moving to `status` now.
pub(super) fn step_record(state: &RunState, step: &PlanStep, status: &str) -> StepRecord {
    let previous = state.run.steps.iter().find(|s| s.step_id == step.id);
    StepRecord {
        status: status.into(),
        attempt: previous.map_or(0, |p| p.attempt),
        started_at: Some(now_ms()),
        finished_at: matches!(status, "succeeded" | "failed" | "skipped" | "cancelled").then(now_ms),
        ..blank_record(&state.run.id, &state.run.workspace, step)
    }
}

pub(super) fn fail(commit: &mut Commit, mut record: StepRecord, error: &str, kind: &str) {
    record.status = "failed".into();
    record.error = Some(error.into());
    record.error_kind = Some(kind.into());
    record.finished_at = Some(now_ms());
    commit.steps.push(record);
}

/// A number in [0, 1) for backoff jitter.
fn rand_unit() -> f64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    f64::from(nanos % 1_000_000) / 1_000_000.0
}
