//! Retrying a run from its failed steps: a new run of the earlier run's own workflow text
//! and inputs that starts with the earlier run's succeeded steps already done, so only
//! what failed, and what depends on it, runs again.
//!
//! A step is carried over when it succeeded and every step it needs was carried over too:
//! a step that ran on the output of a failed (`continue_on_error`) step runs again with
//! the new output. A rejected approval is asked again; `on_failure` steps never carry over.

use serde_json::{Value, json};

use super::durable::{Engine, EngineError, Origin};
use crate::store::{RunRecord, StepRecord};
use crate::workflow::{self, Plan};

/// A run started by [`Engine::retry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retried {
    pub run_id: String,
    /// The steps carried over from the earlier run, in the order they ran.
    pub reused: Vec<String>,
}

impl Engine {
    /// Starts a run of `earlier`'s stored workflow text with its inputs, the main steps
    /// that succeeded in it carried over as they ended (output, plugin, digest, attempt
    /// count), with no times of their own in the new run. `context` is the new run's:
    /// `{trigger, vars, retry: {of, by}}`; `retry.reused` is added here.
    pub async fn retry(&self, earlier: &RunRecord, mut context: Value) -> Result<Retried, EngineError> {
        let source = self.store.run_source(&earlier.id).await?;
        let (name, text, workspace) =
            source.ok_or_else(|| EngineError::Invalid(format!("run `{}` has no stored workflow", earlier.id)))?;
        let plan = workflow::load(&name, &text, &self.registry.view(Some(&workspace)))
            .map_err(|d| EngineError::Workflow { run: earlier.id.clone(), diagnostics: d.to_string() })?;
        let reused = reusable(&plan, earlier);
        let ids: Vec<String> = reused.iter().map(|s| s.step_id.clone()).collect();
        if let Some(context) = context.as_object_mut() {
            let retry = context.entry("retry").or_insert_with(|| json!({}));
            retry["of"] = json!(earlier.id);
            retry["reused"] = json!(ids);
        }
        let inputs = earlier.inputs.as_object().cloned().unwrap_or_default();
        let origin = Origin { kind: "retry".into(), context, delivery: None };
        let run = self.create(&plan, (&name, &text), inputs, &workspace, origin, reused).await?;
        let run_id =
            run.ok_or_else(|| EngineError::Invalid("a run without a delivery was refused as claimed".into()))?;
        Ok(Retried { run_id, reused: ids })
    }
}

/// The main steps of `earlier` to carry over, in topological order, without times.
fn reusable(plan: &Plan, earlier: &RunRecord) -> Vec<StepRecord> {
    let mut kept: Vec<StepRecord> = Vec::new();
    for step in plan.topological_order() {
        let Some(record) = earlier.steps.iter().find(|s| s.step_id == step.id) else { continue };
        let needs_kept = step.needs.iter().all(|n| kept.iter().any(|k| &k.step_id == n));
        if record.outcome() == "succeeded" && needs_kept {
            kept.push(StepRecord { started_at: None, finished_at: None, duration_us: None, ..record.clone() });
        }
    }
    kept
}
