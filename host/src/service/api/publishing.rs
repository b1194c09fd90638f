//! The crisis stop: stopping every publish of a workspace at once, seeing what it holds
//! back, and resuming (held publishes go out then, or are cancelled one by one before).

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::publishing::{self, PublishingView};

use super::openapi::Denied;
use super::workspaces::workspace;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// Why, for the team (at most 500 characters of plain text).
    pub reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/publishing", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "Whether publishing is stopped, and the publishes held back", body = PublishingView), Denied))]
pub async fn get(State(s): State<AppState>, caller: Caller, Path(ws): Path<String>) -> ApiResult<Json<PublishingView>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    Ok(Json(publishing::view(&s.store, &ws).await?))
}

/// Stops every publish of the workspace: from the answer on, no step of an action that
/// publishes starts; their timers keep their slots.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/publishing/stop", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    request_body(content = Stop, description = "Why"),
    responses((status = 200, description = "The stop in force (an existing stop is kept as it was)", body = PublishingView), Denied,
        (status = 400, description = "The reason is too long or not plain text", body = ErrorBody)))]
pub async fn stop(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    body: Option<Json<Stop>>,
) -> ApiResult<Json<PublishingView>> {
    caller.require(&ws, Role::Editor)?;
    workspace(&s, &ws).await?;
    let reason = body.and_then(|Json(b)| b.reason).unwrap_or_default();
    let (view, _) = publishing::stop(&s.store, &ws, &caller.actor(), "reason", &reason).await?;
    Ok(Json(view))
}

/// Ends the stop: every publish it held back is due at once.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/publishing/resume", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "`{held: false, released}`: the number of publishes now due", body = Object), Denied,
        (status = 409, description = "Publishing was not stopped", body = ErrorBody)))]
pub async fn resume(State(s): State<AppState>, caller: Caller, Path(ws): Path<String>) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Editor)?;
    workspace(&s, &ws).await?;
    let Some(released) = publishing::resume(&s.store, &ws, &caller.actor()).await? else {
        return Err(ApiError::conflict(format!("publishing in workspace `{ws}` is not stopped")));
    };
    s.wake.notify_one();
    Ok(Json(json!({ "held": false, "released": released })))
}
