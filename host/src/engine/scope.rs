//! The expression contexts of a run, rebuilt from its stored state.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::store::RunState;
use crate::workflow::{Scope, StepView};

/// What expressions in a run can see, owned, so scopes can borrow from it.
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
