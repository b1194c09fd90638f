//! Deciding approvals: by a person through the CLI or API, or by the approval's timeout.

use serde_json::{Map, Value, json};

use crate::store::{ApprovalRecord, Job, RunState, Written, now_ms};
use crate::workflow::approval_fields::{self, apply_edits, values_of};
use crate::workflow::{Approval, PlanStep, StepKind};

use super::durable::{Engine, EngineError};
use super::live::{Commit, Live};
use super::scope::RunScope;
use super::settle::settle;
use super::work::step_record;

/// The request of approval step `step` as it starts: message, preview and fields rendered,
/// and the job that applies its timeout, if it has one.
pub(super) fn request(
    approval: &Approval,
    step: &PlanStep,
    state: &RunState,
    scope: &RunScope,
    job: &Job,
) -> Result<(ApprovalRecord, Option<Job>), String> {
    let s = scope.scope(None, None);
    let render = |t: &crate::workflow::Template| t.render(&s).map_err(|e| e.to_string());
    let message = render(&approval.message)?;
    let message = message.as_str().map(String::from).unwrap_or_else(|| message.to_string());
    let preview = approval.preview.as_ref().map(render).transpose()?;
    let defaults = approval.fields.iter().map(|f| f.default.as_ref().map_or(Ok(Value::Null), render));
    let defaults = defaults.collect::<Result<Vec<_>, _>>()?;
    let fields =
        (!approval.fields.is_empty()).then(|| approval_fields::stored(&approval.fields, defaults)).transpose()?;
    let expires_at = approval.timeout.map(|t| now_ms() + t.as_millis() as i64);
    let timer = expires_at.map(|at| Job { kind: "approval".into(), available_at: at, ..job.clone() });
    let request = ApprovalRecord {
        run_id: job.run_id.clone(),
        step_id: step.id.clone(),
        workspace: state.run.workspace.clone(),
        status: "waiting".into(),
        message,
        preview,
        approvers: approval.approvers.clone(),
        requested_at: now_ms(),
        expires_at,
        fields,
        quorum: approval.quorum,
        ..Default::default()
    };
    Ok((request, timer))
}

/// A decision on an approval.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub approved: bool,
    /// Who decided, as the audit log names them.
    pub by: String,
    pub comment: Option<String>,
    /// New values of the approval's fields, by name; the others keep their offered value.
    pub edits: Map<String, Value>,
}

/// Records a decision: the approval row (with the fields as decided), and the step's output
/// `{approved, by, at, comment, fields, changes, votes}`: the fields' final values, each edit,
/// and the earlier approvals of a quorum. An approval that still needs others is recorded as
/// a vote, and the step keeps waiting.
pub(super) fn decision(
    state: &RunState,
    step: &PlanStep,
    mut approval: ApprovalRecord,
    verdict: &Verdict,
    commit: &mut Commit,
) -> Result<(), String> {
    let Verdict { approved, by, comment, edits } = verdict;
    let offered = approval.fields.clone().unwrap_or_else(|| json!([]));
    let (fields, changes) = apply_edits(&offered, edits)?;
    let mut changes: Vec<Value> = changes
        .into_iter()
        .map(|mut c| {
            c["by"] = json!(by);
            c
        })
        .collect();
    let at = now_ms();
    let at_text = chrono::DateTime::from_timestamp_millis(at).map(|t| t.to_rfc3339());
    let values = values_of(&fields);
    if approval.fields.is_some() {
        approval.fields = Some(fields);
    }
    if *approved && (approval.votes.len() as u32 + 1) < approval.quorum {
        approval.votes.push(json!({ "by": by, "at": at_text, "comment": comment, "changes": changes }));
        commit.approvals.push(approval);
        return Ok(());
    }
    let earlier: Vec<Value> =
        approval.votes.iter().flat_map(|v| v["changes"].as_array().cloned().unwrap_or_default()).collect();
    changes.splice(0..0, earlier);
    approval.status = if *approved { "approved" } else { "rejected" }.into();
    approval.decided_by = Some(by.clone());
    approval.decided_at = Some(at);
    approval.comment = comment.clone();
    let mut record = step_record(state, step, "succeeded");
    record.output = Some(json!({
        "approved": approved, "by": by, "at": at_text, "comment": comment,
        "fields": values, "changes": changes, "votes": approval.votes,
    }));
    commit.approvals.push(approval);
    commit.steps.push(record);
    commit.remove_jobs.push((step.id.clone(), -1));
    Ok(())
}

impl Engine {
    /// Approves or rejects the waiting approval `step_id` of `run_id`, then settles the run.
    pub async fn decide(
        &self,
        run_id: &str,
        step_id: &str,
        approved: bool,
        by: &str,
        comment: Option<String>,
    ) -> Result<(), EngineError> {
        let verdict = Verdict { approved, by: by.into(), comment, edits: Map::new() };
        self.decide_with(run_id, step_id, &verdict).await
    }

    /// [`Engine::decide`] with edits of the approval's fields; edits that break a field's
    /// type or length, or name no field, are refused with nothing written.
    pub async fn decide_with(&self, run_id: &str, step_id: &str, verdict: &Verdict) -> Result<(), EngineError> {
        let plan = self.plan(run_id).await?;
        let step = plan.step(step_id).filter(|s| matches!(s.kind, StepKind::Approval(_)));
        let step =
            step.ok_or_else(|| EngineError::Invalid(format!("run `{run_id}` has no approval step `{step_id}`")))?;
        // Read, decide and write again if the run changed in between (a worker settled it).
        loop {
            let approval = self.store.approval(run_id, step_id).await?;
            let approval = approval.ok_or_else(|| {
                EngineError::Invalid(format!("step `{step_id}` of run `{run_id}` is not waiting for approval yet"))
            })?;
            if approval.status != "waiting" {
                return Err(EngineError::Invalid(format!(
                    "step `{step_id}` of run `{run_id}` was already decided: {}",
                    approval.status
                )));
            }
            if approval.votes.iter().any(|v| v["by"] == verdict.by.as_str()) {
                return Err(EngineError::Invalid(format!(
                    "`{}` has approved `{step_id}` already; it needs {} different people",
                    verdict.by, approval.quorum
                )));
            }
            let mut live = Live::loaded(self.store.load_run(run_id).await?);
            let mut commit = Commit::default();
            decision(&live.state, step, approval, verdict, &mut commit).map_err(EngineError::Edit)?;
            live.apply(&commit);
            let ended = settle(&plan, &mut live);
            let write = live.take_write();
            let spans = self.tracer().ended(&live.state.run, &write);
            if let Written::Done(_) = self.store.write_run(write).await? {
                self.tracer().emit_all(spans);
                if ended {
                    self.promote_queued(&plan, &live.state.run.workspace).await?;
                }
                return Ok(());
            }
        }
    }
}
