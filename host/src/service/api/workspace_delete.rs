//! Deleting a workspace with everything it holds (operator only, confirmed by its id).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::install;
use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::store::WorkspaceDeletion;

use super::openapi::Denied;

/// The confirmation a deletion needs.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Confirm {
    /// The workspace's id again: a deletion cannot be undone.
    pub confirm: Option<String>,
}

#[utoipa::path(delete, operation_id = "delete_workspace", path = "/api/v1/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), Confirm),
    responses((status = 200, description = "`{workspace, deleted: true, runs}`: the workspace and every row it held are gone", body = Object), Denied,
        (status = 400, description = "`confirm` is missing or is not the workspace's id", body = ErrorBody),
        (status = 409, description = "Runs of the workspace are queued, running or waiting; cancel them first", body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Query(q): Query<Confirm>,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Viewer)?;
    caller.require_operator()?;
    if q.confirm.as_deref() != Some(ws.as_str()) {
        return Err(ApiError::invalid(format!(
            "deleting workspace `{ws}` removes everything it holds; confirm with `?confirm={ws}`"
        )));
    }
    let runs = match s.store.delete_workspace(&ws).await? {
        WorkspaceDeletion::Deleted { runs } => runs,
        WorkspaceDeletion::NotFound => return Err(ApiError::not_found(format!("workspace `{ws}` not found"))),
        WorkspaceDeletion::Active(n) => {
            return Err(ApiError::conflict(format!(
                "workspace `{ws}` has {n} run{} queued, running or waiting; cancel {} first",
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "them" }
            )));
        }
    };
    // Its installed plugins left the database: the registry forgets them too.
    install::sync(&s.registry, &s.runtime, &s.store).await?;
    s.store.audit(None, &caller.actor(), "workspace.delete", &ws, Some(&format!("{runs} runs"))).await?;
    Ok(Json(json!({ "workspace": ws, "deleted": true, "runs": runs })))
}
