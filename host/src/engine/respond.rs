//! Working a `respond` step: its answer rendered and recorded as its output, committed
//! with the step; the webhook's handler reads it from the store (see `service::hook_wait`).

use crate::store::{RunState, StepRecord};
use crate::workflow::{PlanStep, Respond};

use super::live::Commit;
use super::scope::RunScope;
use super::work::{fail, step_record};

/// The `plugin` a `respond` step is recorded under (with no version, so no installed
/// plugin's steps look like one).
pub const RESPOND_PLUGIN: &str = "respond";

/// Renders the answer; the step succeeds with it or fails naming the field.
pub(super) fn respond(respond: &Respond, step: &PlanStep, state: &RunState, scope: &RunScope, commit: &mut Commit) {
    let answer = match respond.render(&scope.scope(None, None)) {
        Ok(answer) => answer,
        Err(e) => return fail(commit, step_record(state, step, "failed"), &e, "invalid-input"),
    };
    let mut record = StepRecord { output: Some(answer), ..step_record(state, step, "succeeded") };
    // The first answer is the earliest to finish: one that ran after another answer sorts
    // after it even within the same millisecond.
    let answered = state.run.steps.iter().filter(|s| s.plugin == RESPOND_PLUGIN && s.plugin_version.is_empty());
    let latest = answered.filter(|s| s.status == "succeeded").filter_map(|s| s.finished_at).max();
    record.finished_at = record.finished_at.max(latest.map(|at| at + 1));
    commit.steps.push(record);
}
