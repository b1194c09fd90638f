//! The crisis stop: stopping every publish of a workspace at once, seeing what it holds
//! back, and resuming (held publishes go out then, or are cancelled one by one before).

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::names::check_text;
use crate::store::{HeldJob, HoldRecord, MAX_REASON_CHARS};

use super::openapi::Denied;
use super::workspaces::workspace;

/// Held publishes listed per request, earliest slot first.
const LISTED: i64 = 500;

/// Whether a workspace's publishing is stopped, and what the stop holds back.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublishingView {
    pub held: bool,
    /// When the stop began (RFC 3339).
    pub since: Option<String>,
    /// Who stopped it, as the audit log names them.
    pub by: Option<String>,
    pub reason: Option<String>,
    /// Publishing steps (or items) whose time came during the stop, earliest first, at most 500.
    #[schema(value_type = Vec<Object>)]
    pub held_publishes: Vec<Value>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// Why, for the team (at most 500 characters of plain text).
    pub reason: Option<String>,
}

fn view(hold: Option<HoldRecord>, held: &[HeldJob]) -> PublishingView {
    let time = |ms: i64| crate::store::timestamp::value(Some(ms)).as_str().map(str::to_string);
    PublishingView {
        held: hold.is_some(),
        since: hold.as_ref().and_then(|h| time(h.since)),
        by: hold.as_ref().map(|h| h.actor.clone()),
        reason: hold.map(|h| h.reason),
        held_publishes: held
            .iter()
            .map(|j| {
                json!({
                    "run_id": j.run_id, "workflow": j.workflow, "step": j.step_id,
                    "item": (j.idx >= 0).then_some(j.idx), "slot": time(j.slot),
                })
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/publishing", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "Whether publishing is stopped, and the publishes held back", body = PublishingView), Denied))]
pub async fn get(State(s): State<AppState>, caller: Caller, Path(ws): Path<String>) -> ApiResult<Json<PublishingView>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let hold = s.store.publishing_hold(&ws).await?;
    let held = s.store.held_jobs(&ws, LISTED).await?;
    Ok(Json(view(hold, &held)))
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
    let reason = reason.trim();
    check_text("reason", reason, MAX_REASON_CHARS)?;
    let actor = caller.actor();
    let name = actor.name.clone().unwrap_or_else(|| actor.id.clone());
    let (hold, started) = s.store.hold_publishing(&ws, &name, reason).await?;
    if started {
        s.store.audit(Some(&ws), &actor, "publishing.stop", &ws, Some(reason)).await?;
    }
    let held = s.store.held_jobs(&ws, LISTED).await?;
    Ok(Json(view(Some(hold), &held)))
}

/// Ends the stop: every publish it held back is due at once.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/publishing/resume", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "`{held: false, released}`: the number of publishes now due", body = Object), Denied,
        (status = 409, description = "Publishing was not stopped", body = ErrorBody)))]
pub async fn resume(State(s): State<AppState>, caller: Caller, Path(ws): Path<String>) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Editor)?;
    workspace(&s, &ws).await?;
    let Some(released) = s.store.release_publishing(&ws).await? else {
        return Err(ApiError::conflict(format!("publishing in workspace `{ws}` is not stopped")));
    };
    s.store.audit(Some(&ws), &caller.actor(), "publishing.resume", &ws, Some(&format!("{released} released"))).await?;
    s.wake.notify_one();
    Ok(Json(json!({ "held": false, "released": released })))
}
