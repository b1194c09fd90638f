//! Workspaces (operator only), their tokens (owners) and their audit log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::service::AppState;
use crate::service::auth::{Caller, Role, new_token, token_hash};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::names::{self, NameKind};
use crate::store::{AuditRecord, TokenRecord, WorkspaceRecord, now_ms};

use super::openapi::{Denied, OperatorOnly, Unauthorized};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    pub id: String,
    pub name: Option<String>,
    /// `{concurrent_runs, steps_per_day, plugin_memory_mb, plugin_timeout_ms}`, each optional.
    #[serde(default)]
    pub quotas: Option<Value>,
}

#[utoipa::path(get, operation_id = "list_workspaces", path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    responses((status = 200, description = "The workspaces the token may see: all for the operator, its own for a workspace token", body = Vec<WorkspaceRecord>), Unauthorized))]
pub async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<WorkspaceRecord>>> {
    let all = s.store.workspaces().await?;
    Ok(Json(all.into_iter().filter(|w| caller.role_in(&w.id).is_some()).collect()))
}

#[utoipa::path(post, operation_id = "create_workspace", path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    request_body = NewWorkspace,
    responses((status = 201, description = "Created", body = WorkspaceRecord), OperatorOnly,
        (status = 400, description = "Bad id or quotas", body = ErrorBody),
        (status = 409, description = "The workspace exists already", body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewWorkspace>,
) -> ApiResult<(StatusCode, Json<WorkspaceRecord>)> {
    caller.require_operator()?;
    names::check(NameKind::WorkspaceId, "id", &body.id)?;
    let name = body.name.unwrap_or_else(|| body.id.clone());
    names::check(NameKind::Label, "name", &name)?;
    let quotas = body.quotas.unwrap_or_else(|| json!({}));
    crate::service::quotas::Quotas::parse(&quotas)?;
    if !s.store.create_workspace(&body.id, &name, &quotas).await? {
        return Err(ApiError::conflict(format!("workspace `{}` exists already", body.id)));
    }
    s.store.audit(Some(&body.id), &caller.actor(), "workspace.create", &body.id, None).await?;
    let created = s.store.workspace(&body.id).await?.ok_or_else(|| ApiError::internal("workspace vanished"))?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, operation_id = "get_workspace", path = "/api/v1/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), responses((status = 200, description = "The workspace", body = WorkspaceRecord), Denied))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<WorkspaceRecord>> {
    caller.require(&ws, Role::Viewer)?;
    Ok(Json(workspace(&s, &ws).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceUpdate {
    pub quotas: Value,
}

/// Changes a workspace's quotas: the operator's decision, not the client's.
#[utoipa::path(patch, operation_id = "update_workspace", path = "/api/v1/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), request_body = WorkspaceUpdate,
    responses((status = 200, description = "The workspace with its new quotas", body = WorkspaceRecord), Denied,
        (status = 400, description = "Bad quotas", body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Json(body): Json<WorkspaceUpdate>,
) -> ApiResult<Json<WorkspaceRecord>> {
    caller.require(&ws, Role::Viewer)?;
    caller.require_operator()?;
    crate::service::quotas::Quotas::parse(&body.quotas)?;
    workspace(&s, &ws).await?;
    s.store.set_workspace_quotas(&ws, &body.quotas).await?;
    s.store.audit(Some(&ws), &caller.actor(), "workspace.quotas", &ws, Some(&body.quotas.to_string())).await?;
    Ok(Json(workspace(&s, &ws).await?))
}

pub(crate) async fn workspace(s: &AppState, ws: &str) -> ApiResult<WorkspaceRecord> {
    s.store.workspace(ws).await?.ok_or_else(|| ApiError::not_found(format!("workspace `{ws}` not found")))
}

#[utoipa::path(get, operation_id = "list_tokens", path = "/api/v1/workspaces/{ws}/tokens", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), responses((status = 200, description = "The workspace's tokens, never their values", body = Vec<TokenRecord>), Denied))]
pub async fn tokens(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<TokenRecord>>> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    Ok(Json(s.store.tokens(Some(&ws)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// `owner`, `editor`, `approver` or `viewer`.
    pub role: String,
}

/// A token just created: the only time its value is shown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    pub role: String,
    pub token: String,
}

#[utoipa::path(post, operation_id = "create_token", path = "/api/v1/workspaces/{ws}/tokens", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), request_body = NewToken,
    responses((status = 201, description = "Created; the only time the value is shown", body = CreatedToken), Denied,
        (status = 400, description = "Bad role or name", body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Json(body): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::invalid(format!("role `{}` is not one of owner, editor, approver, viewer", body.role))
    })?;
    names::check(NameKind::Label, "name", &body.name)?;
    let value = new_token()?;
    let record = TokenRecord {
        id: uuid::Uuid::now_v7().to_string(),
        workspace: Some(ws.clone()),
        role: role.as_str().into(),
        name: body.name.clone(),
        created_at: now_ms(),
        last_used_at: None,
        user_id: None,
    };
    s.store.create_token(&record, &token_hash(&value)).await?;
    s.store.audit(Some(&ws), &caller.actor(), "token.create", &body.name, Some(role.as_str())).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id: record.id, name: record.name, role: record.role, token: value })))
}

#[utoipa::path(delete, operation_id = "delete_token", path = "/api/v1/workspaces/{ws}/tokens/{id}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), Denied))]
pub async fn delete_token(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Owner)?;
    if !s.store.delete_token(&ws, &id).await? {
        return Err(ApiError::not_found(format!("token `{id}` not found in workspace `{ws}`")));
    }
    s.store.audit(Some(&ws), &caller.actor(), "token.delete", &id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, operation_id = "get_audit_log", path = "/api/v1/workspaces/{ws}/audit", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), responses((status = 200, description = "The newest 500 entries of the audit log", body = Vec<AuditRecord>), Denied))]
pub async fn audit(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    Ok(Json(s.store.audit_log(&ws, 500).await?))
}
