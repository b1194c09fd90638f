//! The expression contexts of a run, rebuilt from its stored state, and what the jobs of
//! a run being driven share of it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::live::Live;
use crate::store::{ItemRecord, RunRecord, RunState, StepRecord};
use crate::workflow::{Scope, StepView};

/// What the jobs of one batch share: the run without its outputs, and the expression context.
pub type Shared = (Arc<RunState>, Arc<RunScope>);

impl Live {
    /// What jobs started now see: the run without its outputs (they read them through the
    /// scope), and the expression context, built again only after a step changed. Items'
    /// outputs, the bulk of a large `for_each`, are never copied for a job.
    pub fn shared(&mut self) -> Shared {
        let state = &self.state;
        let scope = self.scope.get_or_insert_with(|| Arc::new(RunScope::new(state))).clone();
        (Arc::new(without_outputs(state)), scope)
    }
}

/// `state` with no step input or output, no item output and no run output.
fn without_outputs(state: &RunState) -> RunState {
    let r = &state.run;
    let step = |s: &StepRecord| StepRecord {
        run_id: s.run_id.clone(),
        step_id: s.step_id.clone(),
        workspace: s.workspace.clone(),
        plugin: s.plugin.clone(),
        plugin_version: s.plugin_version.clone(),
        digest: s.digest.clone(),
        status: s.status.clone(),
        attempt: s.attempt,
        error: s.error.clone(),
        error_kind: s.error_kind.clone(),
        started_at: s.started_at,
        finished_at: s.finished_at,
        duration_us: s.duration_us,
        ..StepRecord::default()
    };
    let item = |i: &ItemRecord| ItemRecord {
        run_id: i.run_id.clone(),
        step_id: i.step_id.clone(),
        idx: i.idx,
        status: i.status.clone(),
        item: i.item.clone(),
        output: None,
        error: i.error.clone(),
        attempt: i.attempt,
    };
    let run = RunRecord {
        id: r.id.clone(),
        workspace: r.workspace.clone(),
        workflow: r.workflow.clone(),
        status: r.status.clone(),
        inputs: r.inputs.clone(),
        outputs: None,
        error: r.error.clone(),
        created_at: r.created_at,
        finished_at: r.finished_at,
        started_at: r.started_at,
        trigger: r.trigger.clone(),
        context: r.context.clone(),
        version: r.version,
        steps: r.steps.iter().map(step).collect(),
    };
    RunState { run, items: state.items.iter().map(item).collect() }
}

/// What expressions in a run can see, owned, so scopes can borrow from it.
#[derive(Debug)]
pub struct RunScope {
    inputs: Map<String, Value>,
    steps: HashMap<String, StepView>,
    run: Value,
    trigger: Value,
    vars: Map<String, Value>,
    /// `{step, error}` of the first failed step, for `on_failure` steps.
    failure: Option<Value>,
}

impl RunScope {
    pub fn new(state: &RunState) -> Self {
        let inputs = state.run.inputs.as_object().cloned().unwrap_or_default();
        let steps = state
            .run
            .steps
            .iter()
            .map(|s| {
                (
                    s.step_id.clone(),
                    StepView { output: s.output.clone().unwrap_or(Value::Null), status: s.status.clone() },
                )
            })
            .collect();
        let started = state.run.started_at.and_then(chrono::DateTime::from_timestamp_millis).map(|t| t.to_rfc3339());
        let run = json!({ "id": state.run.id, "started_at": started, "trigger": state.run.trigger });
        let failed = state.run.steps.iter().find(|s| s.status == "failed");
        let failure = failed.map(|s| json!({ "step": s.step_id, "error": s.error }));
        let context = &state.run.context;
        let trigger = context.get("trigger").cloned().unwrap_or_else(|| json!({ "kind": state.run.trigger }));
        let vars = context.get("vars").and_then(Value::as_object).cloned().unwrap_or_default();
        Self { inputs, steps, run, trigger, vars, failure }
    }

    /// The scope of a step, or of one `for_each` item.
    pub fn scope<'a>(&'a self, item: Option<&'a Value>, index: Option<usize>) -> Scope<'a> {
        Scope {
            inputs: &self.inputs,
            steps: &self.steps,
            item,
            index,
            run: &self.run,
            trigger: &self.trigger,
            vars: &self.vars,
            failure: self.failure.as_ref(),
            now: chrono::Utc::now(),
            secret_nonce: "",
        }
    }
}
