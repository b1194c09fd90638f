//! Executes a workflow plan: each step's input rendered, run in the sandbox, and recorded.
//!
//! Steps run in plan order (every reference points backwards). Each step's state is
//! written to the store before and after it runs; the first failure skips the rest.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::capabilities::secrets::Secret;
use crate::runtime::registry::Registry;
use crate::runtime::{Runtime, StepCall, StepFailure};
use crate::store::{NewRun, StepRecord, Store, StoreError, now_ms};
use crate::workflow::{Plan, PlanStep, Scope};

/// Where a run happens and with what.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub workspace: String,
    pub secrets: BTreeMap<String, Secret>,
}

/// A run's end: the shape `roost run --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: String,
    pub status: &'static str,
    pub steps: BTreeMap<String, StepReport>,
    pub outputs: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub status: &'static str,
    pub output: Value,
    pub error: Option<String>,
}

/// Runs plans on a runtime, recording into a store when there is one.
pub struct Executor<'a> {
    pub runtime: &'a Runtime,
    pub registry: &'a Registry,
    pub store: Option<&'a Store>,
}

impl Executor<'_> {
    /// Runs `plan` once with bound `inputs`; an `Err` means the store failed, not the run.
    pub async fn run(
        &self,
        plan: &Plan,
        inputs: Map<String, Value>,
        options: &RunOptions,
    ) -> Result<RunReport, StoreError> {
        let run_id = uuid::Uuid::now_v7().to_string();
        if let Some(store) = self.store {
            let new = NewRun {
                id: run_id.clone(),
                workspace: options.workspace.clone(),
                workflow: plan.name.clone(),
                inputs: Value::Object(inputs.clone()),
            };
            store.create_run(&new).await?;
        }
        let mut outputs: HashMap<String, Value> = HashMap::new();
        let mut steps = BTreeMap::new();
        let mut failure: Option<String> = None;
        for step in &plan.steps {
            if failure.is_some() {
                steps.insert(step.id.clone(), StepReport { status: "skipped", output: Value::Null, error: None });
                continue;
            }
            let scope = Scope { inputs: &inputs, steps: &outputs };
            let report = self.step(plan, step, &scope, &run_id, options).await?;
            match &report.error {
                Some(e) => failure = Some(format!("step `{}` failed: {e}", step.id)),
                None => {
                    outputs.insert(step.id.clone(), report.output.clone());
                }
            }
            steps.insert(step.id.clone(), report);
        }
        let (status, run_outputs) = match &failure {
            Some(_) => ("failed", Value::Null),
            None => render_outputs(plan, &inputs, &outputs),
        };
        if let Some(store) = self.store {
            let error = failure.as_deref().or(if status == "failed" {
                Some("the workflow's outputs could not be rendered")
            } else {
                None
            });
            store.finish_run(&run_id, status, Some(&run_outputs), error).await?;
        }
        Ok(RunReport { run_id, status, steps, outputs: run_outputs })
    }

    async fn step(
        &self,
        plan: &Plan,
        step: &PlanStep,
        scope: &Scope<'_>,
        run_id: &str,
        options: &RunOptions,
    ) -> Result<StepReport, StoreError> {
        let plugin = self.registry.get(&step.plugin, &step.version);
        let mut record = StepRecord {
            run_id: run_id.to_string(),
            step_id: step.id.clone(),
            workspace: options.workspace.clone(),
            plugin: step.plugin.clone(),
            plugin_version: step.version.to_string(),
            digest: plugin.as_ref().map(|p| p.digest.clone()).unwrap_or_default(),
            status: "running".into(),
            attempt: 1,
            started_at: Some(now_ms()),
            ..StepRecord::default()
        };
        let started = Instant::now();
        let rendered = step.with.render(scope).map_err(|e| StepFailure::InvalidInput(e.to_string()));
        record.input = rendered.as_ref().ok().cloned();
        if let Some(store) = self.store {
            store.save_step(&record).await?;
        }
        let result = match (rendered, plugin) {
            (Err(e), _) => Err(e),
            (Ok(_), None) => {
                Err(StepFailure::Fatal(format!("plugin `{}` {} is no longer installed", step.plugin, step.version)))
            }
            (Ok(input), Some(plugin)) => {
                let call = StepCall {
                    action: step.action.clone(),
                    workspace: options.workspace.clone(),
                    workflow: plan.name.clone(),
                    run_id: run_id.to_string(),
                    step_id: step.id.clone(),
                    attempt: 1,
                    idempotency_key: format!("{run_id}/{}", step.id),
                    input,
                    secrets: options.secrets.clone(),
                    db: self.store.cloned(),
                };
                let outcome = self.runtime.execute(&plugin, call).await;
                record.logs = outcome.logs;
                outcome.result
            }
        };
        record.finished_at = Some(now_ms());
        record.duration_us = Some(started.elapsed().as_micros() as i64);
        let report = match result {
            Ok(output) => {
                record.status = "succeeded".into();
                record.output = Some(output.clone());
                StepReport { status: "succeeded", output, error: None }
            }
            Err(failure) => {
                record.status = "failed".into();
                record.error = Some(failure.to_string());
                record.error_kind = Some(failure.kind().into());
                StepReport { status: "failed", output: Value::Null, error: Some(failure.to_string()) }
            }
        };
        if let Some(store) = self.store {
            store.save_step(&record).await?;
        }
        Ok(report)
    }
}

/// The run's outputs, or `failed` when one cannot be rendered.
fn render_outputs(plan: &Plan, inputs: &Map<String, Value>, outputs: &HashMap<String, Value>) -> (&'static str, Value) {
    let scope = Scope { inputs, steps: outputs };
    let mut rendered = Map::new();
    for (name, template) in &plan.outputs {
        match template.render(&scope) {
            Ok(v) => {
                rendered.insert(name.clone(), v);
            }
            Err(e) => {
                tracing::warn!("output `{name}` could not be rendered: {e}");
                return ("failed", Value::Null);
            }
        }
    }
    ("succeeded", Value::Object(rendered))
}
