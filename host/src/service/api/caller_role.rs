//! What the caller may do in a workspace, so a client shows only the controls that work.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::ApiResult;

use super::openapi::Denied;
use super::workspaces::workspace;

/// The caller's standing in one workspace.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CallerRole {
    /// `owner`, `editor`, `approver` or `viewer`; the operator acts as `owner`.
    pub role: String,
    /// Whether the caller is the instance's operator (creates, changes and deletes workspaces).
    pub operator: bool,
}

#[utoipa::path(get, operation_id = "get_caller_role", path = "/api/v1/workspaces/{ws}/role", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "The caller's role in the workspace", body = CallerRole), Denied))]
pub async fn role(State(s): State<AppState>, caller: Caller, Path(ws): Path<String>) -> ApiResult<Json<CallerRole>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let operator = caller.is_operator();
    let role = if operator { Role::Owner } else { caller.role };
    Ok(Json(CallerRole { role: role.as_str().into(), operator }))
}
