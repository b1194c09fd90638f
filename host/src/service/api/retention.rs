//! Deleting a run and everything stored about it, and a workspace's retention of history.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::retention::MAX_DAYS;
use crate::store::Deletion;

use super::openapi::Denied;

#[utoipa::path(delete, operation_id = "delete_run", path = "/api/v1/workspaces/{ws}/runs/{id}", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "`{run_id, deleted: true}`: the run, its steps, logs, attempts, items, jobs, approvals and delivery ids are gone", body = Object), Denied,
        (status = 409, description = "The run has not ended: cancel it first", body = ErrorBody)))]
pub async fn delete_run(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Owner)?;
    match s.store.delete_run(&ws, &id).await? {
        Deletion::Deleted => {}
        Deletion::NotFound => return Err(ApiError::not_found(format!("run `{id}` not found in workspace `{ws}`"))),
        Deletion::Active(status) => {
            return Err(ApiError::conflict(format!(
                "run `{id}` is {status}; cancel it first (POST /api/v1/workspaces/{ws}/runs/{id}/cancel), then delete it"
            )));
        }
    }
    s.store.audit(Some(&ws), &caller.actor(), "run.delete", &id, None).await?;
    Ok(Json(json!({ "run_id": id, "deleted": true })))
}

/// How long a workspace keeps its history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RetentionView {
    /// Days finished runs, their records, trigger events and delivery ids are kept.
    pub days: i64,
    /// The workspace's own setting; `null`: it follows the instance default.
    pub workspace_days: Option<i64>,
    /// The operator's default, also the most an owner may set.
    pub default_days: u32,
    /// The shortest time between two firings of one schedule.
    pub min_schedule_interval_seconds: u64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRetention {
    /// Days to keep; `null` returns to the instance default.
    pub days: Option<i64>,
}

async fn view(s: &AppState, ws: &str) -> ApiResult<RetentionView> {
    let own =
        s.store.retention_days(ws).await?.ok_or_else(|| ApiError::not_found(format!("workspace `{ws}` not found")))?;
    Ok(RetentionView {
        days: s.retention.days_for(own),
        workspace_days: own,
        default_days: s.retention.days,
        min_schedule_interval_seconds: s.retention.min_schedule_interval.as_secs(),
    })
}

#[utoipa::path(get, operation_id = "get_retention", path = "/api/v1/workspaces/{ws}/retention", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "How long the workspace keeps its history", body = RetentionView), Denied))]
pub async fn get(State(s): State<AppState>, caller: Caller, Path(ws): Path<String>) -> ApiResult<Json<RetentionView>> {
    caller.require(&ws, Role::Viewer)?;
    Ok(Json(view(&s, &ws).await?))
}

/// Sets the workspace's retention. An owner may keep history for less than the instance
/// default, never more: a longer one grows the shared database. The operator may set up
/// to the host's ceiling.
#[utoipa::path(put, operation_id = "set_retention", path = "/api/v1/workspaces/{ws}/retention", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), request_body = SetRetention,
    responses((status = 200, description = "The retention now in force", body = RetentionView), Denied,
        (status = 400, description = "Days out of range", body = ErrorBody)))]
pub async fn set(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Json(body): Json<SetRetention>,
) -> ApiResult<Json<RetentionView>> {
    caller.require(&ws, Role::Owner)?;
    let most = if caller.is_operator() { MAX_DAYS } else { s.retention.days };
    if let Some(days) = body.days.filter(|d| !(1..=i64::from(most)).contains(d)) {
        let who =
            if caller.is_operator() { "the host's ceiling" } else { "the instance default; the operator may set more" };
        return Err(ApiError::invalid(format!("retention of {days} days: must be 1 to {most} ({who})")));
    }
    if !s.store.set_retention_days(&ws, body.days).await? {
        return Err(ApiError::not_found(format!("workspace `{ws}` not found")));
    }
    let detail = body.days.map_or_else(|| "instance default".to_string(), |d| format!("{d} days"));
    s.store.audit(Some(&ws), &caller.actor(), "workspace.retention", &ws, Some(&detail)).await?;
    Ok(Json(view(&s, &ws).await?))
}
