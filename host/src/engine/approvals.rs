//! Deciding approvals: by a person through the CLI or API, or by the approval's timeout.

use serde_json::json;

use crate::store::{ApprovalRecord, RunState, Written, now_ms};
use crate::workflow::{PlanStep, StepKind};

use super::durable::{Engine, EngineError};
use super::live::{Commit, Live};
use super::settle::settle;
use super::work::step_record;

/// Records a decision: the approval row, and the step's output `{approved, by, at, comment}`.
pub(super) fn decision(
    state: &RunState,
    step: &PlanStep,
    mut approval: ApprovalRecord,
    approved: bool,
    by: &str,
    comment: Option<String>,
    commit: &mut Commit,
) {
    let at = now_ms();
    approval.status = if approved { "approved" } else { "rejected" }.into();
    approval.decided_by = Some(by.into());
    approval.decided_at = Some(at);
    approval.comment = comment.clone();
    let mut record = step_record(state, step, "succeeded");
    let at_text = chrono::DateTime::from_timestamp_millis(at).map(|t| t.to_rfc3339());
    record.output = Some(json!({ "approved": approved, "by": by, "at": at_text, "comment": comment }));
    commit.approvals.push(approval);
    commit.steps.push(record);
    commit.remove_jobs.push((step.id.clone(), -1));
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
            let mut live = Live::loaded(self.store.load_run(run_id).await?);
            let mut commit = Commit::default();
            decision(&live.state, step, approval, approved, by, comment.clone(), &mut commit);
            live.apply(&commit);
            let ended = settle(&plan, &mut live);
            if let Written::Done(_) = self.store.write_run(live.take_write()).await? {
                if ended {
                    self.promote_queued(&plan, &live.state.run.workspace).await?;
                }
                return Ok(());
            }
        }
    }
}
