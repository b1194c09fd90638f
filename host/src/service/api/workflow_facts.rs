//! What the web UI shows about workflows beyond their text: a workflow's declared inputs
//! (for a typed start form), its triggers and the secrets it uses that are not set, each
//! workflow's triggers and newest run; and re-running an ended run with the same inputs.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiResult, ErrorBody};
use crate::service::launch::start_run;
use crate::store::LastRun;
use crate::workflow::{Plan, StepKind, credentials};

use super::openapi::Denied;
use super::runs::Started;
use super::workflows::find;
use super::workspaces::workspace;

/// One declared input, as a form shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InputField {
    pub name: String,
    /// `string`, `integer`, `number`, `boolean`, `object` or `array`.
    #[serde(rename = "type")]
    pub ty: String,
    pub description: Option<String>,
    /// Absent when the input is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    pub required: bool,
}

/// A workflow's inputs, triggers and secrets.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkflowForm {
    pub name: String,
    pub description: Option<String>,
    pub inputs: Vec<InputField>,
    /// Whether runs may be started by hand.
    pub manual: bool,
    /// Cron expressions of its schedules.
    pub schedules: Vec<String>,
    pub webhook: bool,
    /// Secrets its steps and their plugins use, in name order.
    pub secrets: Vec<String>,
    /// Those of `secrets` the workspace has not set: steps that need them will fail.
    pub missing_secrets: Vec<String>,
}

#[utoipa::path(get, operation_id = "get_workflow_form", path = "/api/v1/workspaces/{ws}/workflows/{name}/form", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Workflow name")),
    responses((status = 200, description = "Its declared inputs, triggers and the secrets it uses", body = WorkflowForm), Denied,
        (status = 409, description = "The stored workflow no longer loads", body = ErrorBody)))]
pub async fn form(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
) -> ApiResult<Json<WorkflowForm>> {
    caller.require(&ws, Role::Viewer)?;
    let w = find(&s, &ws, &name).await?;
    let plan = s.plans.plan(&s, &w)?;
    let secrets = secrets_used(&s, &ws, &plan);
    let set: BTreeSet<String> = s.store.secrets(&ws).await?.into_iter().map(|x| x.name).collect();
    let inputs = plan.inputs.iter().map(|i| InputField {
        name: i.name.clone(),
        ty: i.ty.name().into(),
        description: i.description.clone(),
        default: i.default.clone(),
        required: i.default.is_none(),
    });
    Ok(Json(WorkflowForm {
        name: plan.name.clone(),
        description: plan.description.clone(),
        inputs: inputs.collect(),
        manual: plan.triggers.manual,
        schedules: plan.triggers.schedules.iter().map(|s| s.cron.clone()).collect(),
        webhook: plan.triggers.webhook.is_some(),
        missing_secrets: secrets.iter().filter(|n| !set.contains(*n)).cloned().collect(),
        secrets: secrets.into_iter().collect(),
    }))
}

/// Secrets named in steps' `with`, a webhook's signing secret, and those the steps'
/// plugins declare in their manifests.
fn secrets_used(s: &AppState, ws: &str, plan: &Plan) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = plan.triggers.webhook.iter().map(|h| h.secret.clone()).collect();
    for step in plan.steps.iter().chain(&plan.on_failure) {
        if let StepKind::Action { plugin, version, digest, with, .. } = &step.kind {
            names.extend(credentials::secrets_named(with));
            if let Some(found) = s.registry.find(ws, plugin, version, digest.as_deref()) {
                names.extend(found.manifest.permissions.secrets.keys().cloned());
            }
        }
    }
    names
}

/// One workflow in the list: how it starts and how it last ended.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkflowOverview {
    pub workflow: String,
    /// Whether runs may be started by hand.
    pub manual: bool,
    pub webhook: bool,
    /// Cron expressions of its schedules.
    pub schedules: Vec<String>,
    /// Its newest run, if it has one.
    pub last_run: Option<LastRun>,
}

#[utoipa::path(get, operation_id = "list_workflow_overview", path = "/api/v1/workspaces/{ws}/workflow-overview", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "Each workflow's triggers and newest run (a workflow that no longer loads has none)", body = Vec<WorkflowOverview>), Denied))]
pub async fn overview(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<WorkflowOverview>>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let mut last: std::collections::HashMap<String, LastRun> =
        s.store.last_runs(&ws).await?.into_iter().map(|r| (r.workflow.clone(), r)).collect();
    let mut out = Vec::new();
    for w in s.store.workflows(Some(&ws)).await? {
        let plan = s.plans.plan(&s, &w).ok();
        let triggers = plan.as_ref().map(|p| &p.triggers);
        out.push(WorkflowOverview {
            manual: triggers.is_some_and(|t| t.manual),
            webhook: triggers.is_some_and(|t| t.webhook.is_some()),
            schedules: triggers.map(|t| t.schedules.iter().map(|s| s.cron.clone()).collect()).unwrap_or_default(),
            last_run: last.remove(&w.name),
            workflow: w.name,
        });
    }
    Ok(Json(out))
}

#[utoipa::path(post, operation_id = "rerun", path = "/api/v1/workspaces/{ws}/runs/{id}/rerun", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "The ended run to run again")),
    responses((status = 202, description = "A new run of the workflow's current revision with the same inputs", body = Started), Denied,
        (status = 409, description = "The run has not ended, or the stored workflow no longer loads", body = ErrorBody),
        (status = 422, description = "The inputs no longer match the workflow's", body = ErrorBody),
        (status = 429, description = "The workspace's `concurrent_runs` quota is reached", body = ErrorBody)))]
pub async fn rerun(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    caller.require(&ws, Role::Editor)?;
    let run = super::retry::ended_run(&s, &ws, &id).await?;
    let w = find(&s, &ws, &run.workflow).await?;
    let inputs = run.inputs.as_object().cloned().unwrap_or_default();
    let trigger = json!({ "kind": "rerun", "of": id, "by": caller.actor().to_string() });
    let run_id = start_run(&s, &w, &inputs, trigger).await?;
    s.store.audit(Some(&ws), &caller.actor(), "run.rerun", &run_id, Some(&format!("of {id}"))).await?;
    Ok((StatusCode::ACCEPTED, Json(Started { run_id })))
}
