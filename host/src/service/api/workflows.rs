//! Workflows of a workspace: created from YAML (errors as JSON with line and column),
//! listed, read, revised, enabled or disabled, deleted.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::loading::{self, LoadFailure};
use crate::service::scheduler::within_min_interval;
use crate::store::{Actor, RevisionRecord, WorkflowRecord};
use crate::workflow::{Diagnostics, Plan};

use super::openapi::Denied;
use super::paging;
use super::workspaces::workspace;

/// The result of storing a workflow.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkflowSaved {
    pub name: String,
    pub revision: i64,
    /// False when the text equals the current revision (nothing was stored).
    pub changed: bool,
}

/// Diagnostics as JSON: one `{file, line, column, message, help}` per error.
pub fn diagnostics_json(d: &Diagnostics) -> Value {
    Value::Array(
        d.items
            .iter()
            .map(
                |i| json!({ "file": d.file, "line": i.line, "column": i.column, "message": i.message, "help": i.help }),
            )
            .collect(),
    )
}

/// The answer to a workflow that does not validate: 422 with every diagnostic.
pub fn invalid(d: &Diagnostics) -> ApiError {
    let count = d.items.len();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_workflow",
        format!("the workflow has {count} error{}; see details", if count == 1 { "" } else { "s" }),
    )
    .with_details(diagnostics_json(d))
}

impl From<LoadFailure> for ApiError {
    fn from(failure: LoadFailure) -> Self {
        match failure {
            LoadFailure::Invalid(d) => invalid(&d),
            LoadFailure::Busy => {
                let message = format!("{}; try again later", loading::busy_message());
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
            }
        }
    }
}

/// Loads `source` against the installed plugins, off the async threads, and holds its
/// schedules to the service's minimum interval.
async fn load(s: &AppState, ws: &str, file: &str, source: &str) -> Result<Plan, LoadFailure> {
    let plan = s.loader.load(&s.registry, ws, file, source).await?;
    within_min_interval(plan, file, s.retention.min_schedule_interval).map_err(LoadFailure::Invalid)
}

/// Checks `source` as [`load`] does; an invalid workflow is a 422.
pub async fn check(s: &AppState, ws: &str, file: &str, source: &str) -> Result<Plan, ApiError> {
    Ok(load(s, ws, file, source).await?)
}

/// Validates and stores `source` as the next revision of the workflow it names.
pub async fn save_workflow(
    s: &AppState,
    ws: &str,
    file: &str,
    source: &str,
    author: &Actor,
) -> ApiResult<WorkflowSaved> {
    let generation = s.registry.generation();
    let plan = check(s, ws, file, source).await?;
    let before = s.store.workflow(ws, &plan.name).await?.map(|w| w.revision);
    let revision = s.store.save_workflow(ws, &plan.name, source, &author.to_string()).await?;
    let changed = before != Some(revision);
    if changed {
        s.store.audit(Some(ws), author, "workflow.save", &plan.name, Some(&format!("revision {revision}"))).await?;
    }
    let name = plan.name.clone();
    s.plans.insert(ws, (revision, generation), plan, source.len());
    Ok(WorkflowSaved { name, revision, changed })
}

/// A workflow sent as JSON.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSource {
    /// The workflow's YAML text.
    pub source: String,
}

/// The YAML of a request: the raw body, or `{"source": "..."}` when sent as JSON.
fn source_of(headers: &HeaderMap, body: &Bytes) -> ApiResult<String> {
    let json = headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json"));
    if json {
        let parsed: WorkflowSource = serde_json::from_slice(body)
            .map_err(|e| ApiError::invalid(format!("expected {{\"source\": \"<workflow YAML>\"}}: {e}")))?;
        return Ok(parsed.source);
    }
    String::from_utf8(body.to_vec()).map_err(|_| ApiError::invalid("the workflow must be UTF-8 text"))
}

#[utoipa::path(post, operation_id = "create_workflow", path = "/api/v1/workspaces/{ws}/workflows", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), request_body(description = "The workflow YAML as the raw body, or `{\"source\": YAML}` as JSON",
        content((WorkflowSource = "application/json"), (String = "application/yaml"))),
    responses((status = 201, description = "Stored as a new revision", body = WorkflowSaved),
        (status = 200, description = "Same text as the current revision: nothing stored", body = WorkflowSaved), Denied,
        (status = 422, description = "The workflow does not validate; `details` lists `{file, line, column, message, help}`", body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<WorkflowSaved>)> {
    caller.require(&ws, Role::Editor)?;
    workspace(&s, &ws).await?;
    let source = source_of(&headers, &body)?;
    let saved = save_workflow(&s, &ws, "workflow.yaml", &source, &caller.actor()).await?;
    let status = if saved.changed { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(saved)))
}

/// `{valid, diagnostics}` for a workflow text, without storing it.
#[utoipa::path(post, operation_id = "validate_workflow", path = "/api/v1/workspaces/{ws}/validate", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), request_body(description = "The workflow YAML as the raw body, or `{\"source\": YAML}` as JSON",
        content((WorkflowSource = "application/json"), (String = "application/yaml"))),
    responses((status = 200, description = "`{valid, name?, diagnostics: [{file, line, column, message, help}]}`", body = Object), Denied,
        (status = 503, description = "Loading did not finish within its time budget", body = ErrorBody)))]
pub async fn validate(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let source = source_of(&headers, &body)?;
    Ok(Json(match load(&s, &ws, "workflow.yaml", &source).await {
        Ok(plan) => json!({ "valid": true, "name": plan.name, "diagnostics": [] }),
        Err(LoadFailure::Invalid(d)) => json!({ "valid": false, "diagnostics": diagnostics_json(&d) }),
        Err(busy) => return Err(busy.into()),
    }))
}

#[utoipa::path(get, operation_id = "list_workflows", path = "/api/v1/workspaces/{ws}/workflows", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), responses((status = 200, description = "The workflows with their current revision", body = Vec<WorkflowRecord>), Denied))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<WorkflowRecord>>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    Ok(Json(s.store.workflows(Some(&ws)).await?))
}

pub(crate) async fn find(s: &AppState, ws: &str, name: &str) -> ApiResult<WorkflowRecord> {
    s.store
        .workflow(ws, name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("workflow `{name}` not found in workspace `{ws}`")))
}

#[utoipa::path(get, operation_id = "get_workflow", path = "/api/v1/workspaces/{ws}/workflows/{name}", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Workflow name")), responses((status = 200, description = "The workflow", body = WorkflowRecord), Denied))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
) -> ApiResult<Json<WorkflowRecord>> {
    caller.require(&ws, Role::Viewer)?;
    Ok(Json(find(&s, &ws, &name).await?))
}

/// Revisions in one answer: each holds a whole workflow text (up to 1 MiB), so an answer
/// with every revision of an often-saved workflow would cost the service hundreds of MiB.
pub const REVISIONS_PER_PAGE: i64 = 20;

/// Which revisions to list: those older than `before`, when given.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RevisionPage {
    /// List the revisions older than this one (the last `revision` of the previous page).
    before: Option<i64>,
    /// At most this many (1 to 500, default 20).
    limit: Option<i64>,
}

#[utoipa::path(get, operation_id = "list_revisions", path = "/api/v1/workspaces/{ws}/workflows/{name}/revisions", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Workflow name"), RevisionPage),
    responses((status = 200, description = "The newest 20 revisions (older than `before`, when given), newest first", body = Vec<RevisionRecord>), Denied,
        (status = 400, description = "`before` or `limit` out of range, or an unknown parameter", body = ErrorBody)))]
pub async fn revisions(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
    Query(page): Query<RevisionPage>,
) -> ApiResult<Json<Vec<RevisionRecord>>> {
    caller.require(&ws, Role::Viewer)?;
    let before = paging::revision_cursor(page.before)?;
    let limit = paging::limit(page.limit, REVISIONS_PER_PAGE, paging::MAX_LIMIT)?;
    find(&s, &ws, &name).await?;
    Ok(Json(s.store.workflow_revisions(&ws, &name, before, limit).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowUpdate {
    /// Whether its schedule and webhook triggers fire.
    pub enabled: bool,
}

#[utoipa::path(patch, operation_id = "update_workflow", path = "/api/v1/workspaces/{ws}/workflows/{name}", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Workflow name")), request_body = WorkflowUpdate,
    responses((status = 200, description = "The workflow", body = WorkflowRecord), Denied))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
    Json(body): Json<WorkflowUpdate>,
) -> ApiResult<Json<WorkflowRecord>> {
    caller.require(&ws, Role::Editor)?;
    find(&s, &ws, &name).await?;
    s.store.set_workflow_enabled(&ws, &name, body.enabled).await?;
    let action = if body.enabled { "workflow.enable" } else { "workflow.disable" };
    s.store.audit(Some(&ws), &caller.actor(), action, &name, None).await?;
    Ok(Json(find(&s, &ws, &name).await?))
}

#[utoipa::path(delete, operation_id = "delete_workflow", path = "/api/v1/workspaces/{ws}/workflows/{name}", tag = "workflows", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Workflow name")), responses((status = 204, description = "Deleted with its revisions"), Denied))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Editor)?;
    if !s.store.delete_workflow(&ws, &name).await? {
        return Err(ApiError::not_found(format!("workflow `{name}` not found in workspace `{ws}`")));
    }
    s.store.audit(Some(&ws), &caller.actor(), "workflow.delete", &name, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
