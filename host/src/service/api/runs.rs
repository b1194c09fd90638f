//! Runs (start, list, read with steps and logs, cancel, resume) and approvals.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::engine::Verdict;

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::launch::start_run;
use crate::service::names;
use crate::store::timestamp;
use crate::store::{Actor, ApprovalRecord, AttemptRecord, RunRecord, RunSummary};

use super::openapi::Denied;
use super::run_query::RunQuery;
use super::workflows::find;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    #[serde(default)]
    pub inputs: Map<String, Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Started {
    pub run_id: String,
}

#[utoipa::path(post, operation_id = "start_run", path = "/api/v1/workspaces/{ws}/workflows/{name}/runs", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Workflow name")), request_body(content = StartRun, description = "Optional: the run's inputs"),
    responses((status = 202, description = "Started; the worker drives it", body = Started), Denied,
        (status = 409, description = "The stored workflow no longer loads", body = ErrorBody),
        (status = 422, description = "Inputs do not match; `details` names each field", body = ErrorBody),
        (status = 429, description = "The workspace's `concurrent_runs` quota is reached", body = ErrorBody)))]
pub async fn start(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
    body: Option<Json<StartRun>>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    caller.require(&ws, Role::Editor)?;
    let w = find(&s, &ws, &name).await?;
    let inputs = body.map(|Json(b)| b.inputs).unwrap_or_default();
    let run_id = start_run(&s, &w, &inputs, json!({ "kind": "manual", "by": caller.actor().to_string() })).await?;
    Ok((StatusCode::ACCEPTED, Json(Started { run_id })))
}

#[utoipa::path(get, operation_id = "list_runs", path = "/api/v1/workspaces/{ws}/runs", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), RunQuery),
    responses((status = 200, description = "Runs, newest first", body = Vec<RunSummary>), Denied,
        (status = 400, description = "A filter or paging value that does not parse; the message names it", body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Query(q): Query<RunQuery>,
) -> ApiResult<Json<Vec<RunSummary>>> {
    caller.require(&ws, Role::Viewer)?;
    let filter = q.filter(ws)?;
    Ok(Json(s.store.list_runs(&filter).await?))
}

/// The run `id` if it belongs to `ws`; another workspace's run is "not found".
async fn run_in(s: &AppState, ws: &str, id: &str) -> ApiResult<RunRecord> {
    match s.store.run_workspace(id).await? {
        Some(owner) if owner == ws => Ok(s.store.get_run(id).await?),
        _ => Err(ApiError::not_found(format!("run `{id}` not found in workspace `{ws}`"))),
    }
}

/// 409 unless `run` is queued, running or waiting; `hint` says what to do instead.
fn require_active(run: &RunRecord, hint: &str) -> ApiResult<()> {
    match run.status.as_str() {
        "queued" | "running" | "waiting" => Ok(()),
        ended => Err(ApiError::conflict(format!("run `{}` has ended ({ended}); {hint}", run.id))),
    }
}

/// A run as the API shows it: steps in start order, each with its logs.
fn run_json(run: &RunRecord, approvals: &[ApprovalRecord], attempts: &[AttemptRecord]) -> Value {
    let steps: Vec<Value> = run
        .steps
        .iter()
        .map(|st| {
            json!({
                "id": st.step_id, "plugin": st.plugin, "plugin_version": st.plugin_version, "status": st.outcome(),
                "digest": (!st.digest.is_empty()).then_some(&st.digest),
                "attempt": st.attempt, "input": st.input, "output": st.output, "error": st.error,
                "error_kind": st.error_kind, "started_at": timestamp::value(st.started_at), "finished_at": timestamp::value(st.finished_at),
                "duration_ms": st.duration_us.map(|us| us as f64 / 1000.0),
                "attempts": attempts.iter().filter(|a| a.step_id == st.step_id).map(|a| json!({
                    "attempt": a.attempt, "item": a.idx, "status": a.status, "error": a.error,
                    "started_at": timestamp::value(Some(a.started_at)), "finished_at": timestamp::value(Some(a.finished_at)),
                })).collect::<Vec<_>>(),
                "logs": st.logs.iter().map(|l| json!({ "level": l.level, "message": l.message, "at": timestamp::value(Some(l.at)) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": run.id, "workspace": run.workspace, "workflow": run.workflow, "status": run.status,
        "trigger": run.context.get("trigger").cloned().unwrap_or_else(|| json!({ "kind": run.trigger })),
        "retry": run.context.get("retry"),
        "inputs": run.inputs, "outputs": run.outputs, "error": run.error,
        "created_at": timestamp::value(Some(run.created_at)), "started_at": timestamp::value(run.started_at), "finished_at": timestamp::value(run.finished_at),
        "steps": steps,
        "approvals": approvals.iter().map(approval_json).collect::<Vec<_>>(),
    })
}

pub fn approval_json(a: &ApprovalRecord) -> Value {
    json!({
        "run_id": a.run_id, "step_id": a.step_id, "status": a.status, "message": a.message, "preview": a.preview,
        "approvers": a.approvers, "requested_at": timestamp::value(Some(a.requested_at)), "expires_at": timestamp::value(a.expires_at),
        "decided_by": a.decided_by, "decided_at": timestamp::value(a.decided_at), "comment": a.comment,
        "fields": a.fields, "quorum": a.quorum.max(1), "votes": a.votes,
    })
}

#[utoipa::path(get, operation_id = "get_run", path = "/api/v1/workspaces/{ws}/runs/{id}", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "The run with its trigger, inputs, outputs, steps (each with its logs and attempts) and approvals", body = Object), Denied))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Viewer)?;
    let run = run_in(&s, &ws, &id).await?;
    let attempts = s.store.run_attempts(&id).await?;
    Ok(Json(run_json(&run, &s.store.run_approvals(&id).await?, &attempts)))
}

#[utoipa::path(get, operation_id = "get_run_logs", path = "/api/v1/workspaces/{ws}/runs/{id}/logs", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "`[{step, level, message, at}]` in step order", body = Vec<Object>), Denied))]
pub async fn logs(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Viewer)?;
    let run = run_in(&s, &ws, &id).await?;
    let lines: Vec<Value> = run
        .steps
        .iter()
        .flat_map(|st| {
            st.logs.iter().map(
                |l| json!({ "step": st.step_id, "level": l.level, "message": l.message, "at": timestamp::value(Some(l.at)) }),
            )
        })
        .collect();
    Ok(Json(Value::Array(lines)))
}

#[utoipa::path(post, operation_id = "cancel_run", path = "/api/v1/workspaces/{ws}/runs/{id}/cancel", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "`{run_id, status: cancelled}`", body = Object), Denied,
        (status = 409, description = "The run has ended", body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Editor)?;
    let run = run_in(&s, &ws, &id).await?;
    require_active(&run, "only active runs can be cancelled")?;
    s.store.cancel_run(&id, &format!("cancelled by {}", caller.actor())).await?;
    s.store.audit(Some(&ws), &caller.actor(), "run.cancel", &id, None).await?;
    Ok(Json(json!({ "run_id": id, "status": "cancelled" })))
}

/// Drives an active run again now, e.g. after its worker died; work already done is kept.
#[utoipa::path(post, operation_id = "resume_run", path = "/api/v1/workspaces/{ws}/runs/{id}/resume", tag = "runs", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "`{run_id, status}`: the run is driven again now", body = Object), Denied,
        (status = 409, description = "The run has ended", body = ErrorBody)))]
pub async fn resume(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Editor)?;
    let run = run_in(&s, &ws, &id).await?;
    require_active(&run, "start a new run instead")?;
    s.worker.drive_now(&s, &ws, &id);
    Ok(Json(json!({ "run_id": id, "status": run.status })))
}

#[utoipa::path(get, operation_id = "list_approvals", path = "/api/v1/workspaces/{ws}/approvals", tag = "approvals", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "Waiting approvals: `{run_id, step_id, workflow, message, preview, approvers, requested_at, expires_at}`", body = Vec<Object>), Denied))]
pub async fn approvals(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<Value>>> {
    caller.require(&ws, Role::Viewer)?;
    super::workspaces::workspace(&s, &ws).await?;
    let waiting = s.store.waiting_approvals(&ws).await?;
    let mut out = Vec::new();
    let workflows = s.store.waiting_approval_workflows(&ws).await?;
    for a in &waiting {
        let mut v = approval_json(a);
        v["workflow"] = json!(workflows.get(&a.run_id));
        out.push(v);
    }
    Ok(Json(out))
}

/// The longest comment on an approval decision, in characters: it is stored in the step's
/// output and the audit log and shown to others, so it cannot be a flood.
pub const MAX_COMMENT_CHARS: usize = 2_000;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// At most 2,000 characters of plain text: no control, format or bidirectional character.
    pub comment: Option<String>,
    /// New values of the approval's `fields`, by name (checked against each field's type
    /// and length); fields left out keep the value offered.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, Value>>,
}

#[utoipa::path(post, operation_id = "approve", path = "/api/v1/workspaces/{ws}/runs/{id}/approvals/{step}/approve", tag = "approvals", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id"), ("step" = String, Path, description = "The approval step's id")),
    request_body(content = Decision, description = "Optional comment"),
    responses((status = 200, description = "The decided approval", body = Object), Denied,
        (status = 409, description = "Already decided", body = ErrorBody)))]
pub async fn approve(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id, step)): Path<(String, String, String)>,
    body: Option<Json<Decision>>,
) -> ApiResult<Json<Value>> {
    decide(s, caller, (ws, id, step), true, body.map(|Json(b)| b).unwrap_or_default()).await
}

#[utoipa::path(post, operation_id = "reject", path = "/api/v1/workspaces/{ws}/runs/{id}/approvals/{step}/reject", tag = "approvals", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id"), ("step" = String, Path, description = "The approval step's id")),
    request_body(content = Decision, description = "Optional comment"),
    responses((status = 200, description = "The decided approval; the run fails", body = Object), Denied,
        (status = 409, description = "Already decided", body = ErrorBody)))]
pub async fn reject(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id, step)): Path<(String, String, String)>,
    body: Option<Json<Decision>>,
) -> ApiResult<Json<Value>> {
    decide(s, caller, (ws, id, step), false, body.map(|Json(b)| b).unwrap_or_default()).await
}

/// Audits a decision, with its comment and the names of the fields it edited.
pub(super) async fn audit_decision(
    s: &AppState,
    ws: &str,
    actor: &Actor,
    target: &str,
    verdict: &Verdict,
) -> ApiResult<()> {
    let action = if verdict.approved { "approval.approve" } else { "approval.reject" };
    let edited = (!verdict.edits.is_empty())
        .then(|| format!("edited {}", verdict.edits.keys().cloned().collect::<Vec<_>>().join(", ")));
    let detail = [verdict.comment.clone(), edited].into_iter().flatten().collect::<Vec<_>>().join("; ");
    s.store.audit(Some(ws), actor, action, target, (!detail.is_empty()).then_some(detail.as_str())).await?;
    Ok(())
}

/// 403 unless the caller's role in `ws` may decide `approval` (or the caller is the operator).
pub(super) fn may_decide(caller: &Caller, ws: &str, approval: &ApprovalRecord) -> ApiResult<()> {
    let role = caller.role_in(ws).unwrap_or(Role::Viewer);
    if caller.is_operator() || role.may_decide(&approval.approvers) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "approval `{}` may be decided by {} or a stronger role; the caller has `{}`",
        approval.step_id,
        approval.approvers.join(", "),
        role.as_str()
    )))
}

async fn decide(
    s: AppState,
    caller: Caller,
    (ws, id, step): (String, String, String),
    approved: bool,
    Decision { comment, fields }: Decision,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Approver)?;
    if let Some(comment) = &comment {
        names::check_text("comment", comment, MAX_COMMENT_CHARS)?;
    }
    run_in(&s, &ws, &id).await?;
    let approval = s
        .store
        .approval(&id, &step)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run `{id}` has no approval `{step}` waiting")))?;
    may_decide(&caller, &ws, &approval)?;
    let verdict = Verdict { approved, by: caller.actor().to_string(), comment, edits: fields.unwrap_or_default() };
    s.engine.decide_with(&id, &step, &verdict).await?;
    audit_decision(&s, &ws, &caller.actor(), &format!("{id}/{step}"), &verdict).await?;
    s.worker.drive_now(&s, &ws, &id);
    let decided = s.store.approval(&id, &step).await?.map(|a| approval_json(&a));
    Ok(Json(decided.unwrap_or(Value::Null)))
}
