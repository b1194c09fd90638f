//! Starting runs of stored workflows, for the API, webhooks and schedules alike: inputs
//! bound and typed, the workspace's quota checked, variables and trigger fixed in the run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::AppState;
use super::error::ApiError;
use super::quotas::Quotas;
use crate::engine::Origin;
use crate::store::WorkflowRecord;
use crate::workflow::{self, Plan};

/// Plans of stored workflows by (workspace, name, revision), parsed once.
#[derive(Default)]
pub struct PlanCache(Mutex<HashMap<(String, String, i64), Arc<Plan>>>);

impl PlanCache {
    /// The plan of `w`; a workflow marked broken is not loaded again.
    pub fn plan(&self, s: &AppState, w: &WorkflowRecord) -> Result<Arc<Plan>, ApiError> {
        if let Some(error) = &w.error {
            let message = format!("the stored workflow no longer loads: {error}");
            return Err(ApiError::new(StatusCode::CONFLICT, "invalid_workflow", message));
        }
        let key = (w.workspace.clone(), w.name.clone(), w.revision);
        if let Some(plan) = self.0.lock().unwrap().get(&key) {
            return Ok(plan.clone());
        }
        let plan = workflow::load(&file_name(w), &w.source, s.registry.as_ref()).map_err(|d| {
            ApiError::new(StatusCode::CONFLICT, "invalid_workflow", format!("the stored workflow no longer loads: {d}"))
        })?;
        let plan = Arc::new(plan);
        self.0.lock().unwrap().insert(key, plan.clone());
        Ok(plan)
    }

    /// Keeps a plan loaded elsewhere (off the async threads) for a workflow's revision.
    pub fn insert(&self, workspace: &str, revision: i64, plan: Plan) {
        let key = (workspace.to_string(), plan.name.clone(), revision);
        self.0.lock().unwrap().insert(key, Arc::new(plan));
    }
}

/// The name diagnostics and runs give a stored workflow's text.
pub fn file_name(w: &WorkflowRecord) -> String {
    format!("{}/{}.yaml", w.workspace, w.name)
}

/// Starts a run of `w` with JSON `inputs`, started by `trigger` (`{"kind": ...}` and what
/// the trigger carries). Returns the run id.
pub async fn start_run(
    s: &AppState,
    w: &WorkflowRecord,
    inputs: &Map<String, Value>,
    trigger: Value,
) -> Result<String, ApiError> {
    let started = start_claiming(s, w, inputs, trigger, None).await?;
    started.ok_or_else(|| ApiError::internal("a run without a delivery was refused as claimed"))
}

/// [`start_run`] for delivery `delivery` of `w`, claimed in the transaction that creates
/// the run: `None`, with nothing started, when an earlier run holds it. A refusal (inputs,
/// quota) claims nothing, so the sender's retry may start the run.
pub async fn start_claiming(
    s: &AppState,
    w: &WorkflowRecord,
    inputs: &Map<String, Value>,
    trigger: Value,
    delivery: Option<String>,
) -> Result<Option<String>, ApiError> {
    let plan = s.plans.plan(s, w)?;
    let inputs = bind_inputs(&plan, inputs)?;
    check_quota(s, &w.workspace).await?;
    let vars: Map<String, Value> =
        s.store.variables(&w.workspace).await?.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let kind = trigger.get("kind").and_then(Value::as_str).unwrap_or("manual").to_string();
    let context = json!({ "trigger": trigger, "vars": vars, "revision": w.revision });
    let origin = Origin { kind, context, delivery };
    let run = s.engine.start_from(&plan, (&file_name(w), &w.source), inputs, &w.workspace, origin).await?;
    if run.is_some() {
        s.wake.notify_one();
    }
    Ok(run)
}

/// `inputs` typed by `plan`'s declarations; every invalid field is named in the error.
fn bind_inputs(plan: &Plan, inputs: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    plan.bind_json_inputs(inputs).map_err(|errors| {
        let details: Vec<Value> = errors
            .iter()
            .map(|(field, message)| json!({ "field": format!("inputs.{field}"), "message": message }))
            .collect();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_inputs",
            errors.iter().map(|e| e.1.clone()).collect::<Vec<_>>().join("; "),
        )
        .with_details(Value::Array(details))
    })
}

/// Refuses a new run of `ws` while its active runs fill its quota.
async fn check_quota(s: &AppState, ws: &str) -> Result<(), ApiError> {
    let workspace = s.store.workspace(ws).await?.ok_or_else(|| ApiError::not_found("workspace not found"))?;
    let Some(limit) = Quotas::parse(&workspace.quotas)?.concurrent_runs else { return Ok(()) };
    let active = s.store.active_runs(ws).await?;
    if active >= i64::from(limit) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "quota_exceeded",
            format!("workspace `{ws}` has {active} active runs, its quota allows {limit}; retry later"),
        ));
    }
    Ok(())
}
