//! Retrying a failed run from its failed steps: `POST .../runs/{id}/retry` starts a run of
//! the earlier run's own workflow text and inputs that carries over the steps that
//! succeeded, so a post that went out is not sent twice.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use crate::engine::EngineError;
use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::launch::check_quota;
use crate::store::RunRecord;

use super::openapi::Denied;

/// A run started by a retry.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RetryStarted {
    pub run_id: String,
    /// The steps carried over from the earlier run, done without running again.
    pub reused: Vec<String>,
}

#[utoipa::path(post, operation_id = "retryRun", path = "/api/v1/workspaces/{ws}/runs/{id}/retry", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "The failed, cancelled or rejected run")),
    responses((status = 202, description = "A new run of the earlier run's workflow text and inputs, its succeeded steps carried over", body = RetryStarted), Denied,
        (status = 409, description = "The run has not ended, succeeded, or its workflow no longer loads", body = ErrorBody),
        (status = 429, description = "The workspace's `concurrent_runs` quota is reached", body = ErrorBody)))]
pub async fn retry(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<RetryStarted>)> {
    caller.require(&ws, Role::Editor)?;
    let run = ended_run(&s, &ws, &id).await?;
    if run.status == "succeeded" {
        return Err(ApiError::conflict(format!("run `{id}` succeeded: nothing to retry; run it again instead")));
    }
    check_quota(&s, &ws).await?;
    // The earlier trigger as it was (expressions may read it); the variables as they are now,
    // like secrets, so a fixed setting is what the retry runs with.
    let vars: serde_json::Map<String, Value> =
        s.store.variables(&ws).await?.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let mut context = run.context.clone();
    if !context.is_object() {
        context = json!({});
    }
    context["vars"] = Value::Object(vars);
    context["retry"] = json!({ "by": caller.actor().to_string() });
    let retried = s.engine.retry(&run, context).await.map_err(|e| match e {
        EngineError::Workflow { diagnostics, .. } => {
            ApiError::conflict(format!("run `{id}`'s workflow no longer loads:\n{diagnostics}"))
        }
        other => other.into(),
    })?;
    s.wake.notify_one();
    let detail = format!(
        "of {id}; reused {}",
        if retried.reused.is_empty() { "none".into() } else { retried.reused.join(", ") }
    );
    s.store.audit(Some(&ws), &caller.actor(), "run.retry", &retried.run_id, Some(&detail)).await?;
    Ok((StatusCode::ACCEPTED, Json(RetryStarted { run_id: retried.run_id, reused: retried.reused })))
}

/// Run `id` of workspace `ws`, when it has ended: 404 when it is not there, 409 while it is active.
pub(super) async fn ended_run(s: &AppState, ws: &str, id: &str) -> ApiResult<RunRecord> {
    if s.store.run_workspace(id).await?.as_deref() != Some(ws) {
        return Err(ApiError::not_found(format!("run `{id}` not found in workspace `{ws}`")));
    }
    let run = s.store.get_run(id).await?;
    if !crate::store::FINISHED.contains(&run.status.as_str()) {
        return Err(ApiError::conflict(format!("run `{id}` has not ended ({}); wait for it or cancel it", run.status)));
    }
    Ok(run)
}
