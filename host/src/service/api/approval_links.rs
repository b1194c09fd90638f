//! Client links, as the team makes them: a link for one waiting approval that whoever holds
//! it can open without an account (see `client.rs`); listed with their state and the
//! comments sent through them, and revoked.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::service::AppState;
use crate::service::auth::{Caller, Role, new_token, token_hash};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::store::{ApprovalLinkRecord, ApprovalRecord, now_ms};

use super::openapi::Denied;

/// How long a link lasts unless asked otherwise, and at most.
const DEFAULT_HOURS: u32 = 72;
const MAX_HOURS: u32 = 30 * 24;
/// Unused, unexpired links one approval may have at once.
const MAX_OPEN_LINKS: usize = 10;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// Hours until the link expires: 1 to 720, 72 when left out.
    pub expires_in_hours: Option<u32>,
}

/// A link just made: the only time its secret is shown, as part of `link`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedLink {
    #[serde(flatten)]
    pub record: ApprovalLinkRecord,
    /// The secret in the link, for scripts.
    pub token: String,
    /// The web UI's address of the client page, relative to the service.
    pub link: String,
}

/// The waiting approval `step` of run `id` in `ws`, if the caller may decide it.
async fn decidable(s: &AppState, caller: &Caller, ws: &str, id: &str, step: &str) -> ApiResult<ApprovalRecord> {
    let approval = s.store.approval(id, step).await?.filter(|a| a.workspace == ws);
    let approval = approval.ok_or_else(|| ApiError::not_found(format!("run `{id}` has no approval `{step}`")))?;
    super::runs::may_decide(caller, ws, &approval)?;
    Ok(approval)
}

#[utoipa::path(post, operation_id = "create_approval_link", path = "/api/v1/workspaces/{ws}/runs/{id}/approvals/{step}/links", tag = "approvals", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id"), ("step" = String, Path, description = "The approval step's id")),
    request_body(content = NewLink, description = "Optional lifetime"),
    responses((status = 201, description = "The link; its secret is shown only now", body = CreatedLink), Denied,
        (status = 409, description = "The approval is not waiting, or it has 10 open links", body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id, step)): Path<(String, String, String)>,
    body: Option<Json<NewLink>>,
) -> ApiResult<(StatusCode, Json<CreatedLink>)> {
    caller.require(&ws, Role::Editor)?;
    let hours = body.and_then(|Json(b)| b.expires_in_hours).unwrap_or(DEFAULT_HOURS);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(ApiError::invalid(format!("expires_in_hours: {hours}, not between 1 and {MAX_HOURS}")));
    }
    let approval = decidable(&s, &caller, &ws, &id, &step).await?;
    if approval.status != "waiting" {
        return Err(ApiError::conflict(format!("approval `{step}` was already decided: {}", approval.status)));
    }
    let now = now_ms();
    let open = s.store.approval_links(&id, &step).await?;
    if open.iter().filter(|l| l.used_at.is_none() && l.expires_at > now).count() >= MAX_OPEN_LINKS {
        return Err(ApiError::conflict(format!(
            "approval `{step}` has {MAX_OPEN_LINKS} open links; revoke one before making another"
        )));
    }
    let token = new_token()?;
    let record = ApprovalLinkRecord {
        id: uuid::Uuid::now_v7().to_string(),
        workspace: ws.clone(),
        run_id: id.clone(),
        step_id: step.clone(),
        created_by: caller.actor().to_string(),
        created_at: now,
        expires_at: now + i64::from(hours) * 3_600_000,
        used_at: None,
        outcome: None,
        comments: serde_json::json!([]),
    };
    s.store.create_approval_link(&record, &token_hash(&token)).await?;
    s.store.audit(Some(&ws), &caller.actor(), "approval.link", &format!("{id}/{step}"), Some(&record.id)).await?;
    let link = format!("/#/client/{token}");
    Ok((StatusCode::CREATED, Json(CreatedLink { record, token, link })))
}

#[utoipa::path(get, operation_id = "list_approval_links", path = "/api/v1/workspaces/{ws}/runs/{id}/approvals/{step}/links", tag = "approvals", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id"), ("step" = String, Path, description = "The approval step's id")),
    responses((status = 200, description = "The approval's links, newest first, with their comments; never their secrets", body = Vec<ApprovalLinkRecord>), Denied))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id, step)): Path<(String, String, String)>,
) -> ApiResult<Json<Vec<ApprovalLinkRecord>>> {
    caller.require(&ws, Role::Viewer)?;
    let approval = s.store.approval(&id, &step).await?.filter(|a| a.workspace == ws);
    approval.ok_or_else(|| ApiError::not_found(format!("run `{id}` has no approval `{step}`")))?;
    Ok(Json(s.store.approval_links(&id, &step).await?))
}

#[utoipa::path(delete, operation_id = "revoke_approval_link", path = "/api/v1/workspaces/{ws}/runs/{id}/approvals/{step}/links/{link}", tag = "approvals", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id"), ("step" = String, Path, description = "The approval step's id"),
        ("link" = String, Path, description = "The link's id")),
    responses((status = 204, description = "Revoked: the link no longer opens"), Denied,
        (status = 409, description = "The link was used or has expired", body = ErrorBody)))]
pub async fn revoke(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id, step, link)): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Editor)?;
    decidable(&s, &caller, &ws, &id, &step).await?;
    let links = s.store.approval_links(&id, &step).await?;
    links.iter().find(|l| l.id == link).ok_or_else(|| ApiError::not_found(format!("no link `{link}` for `{step}`")))?;
    if !s.store.take_approval_link(&id, &link, "revoked").await? {
        return Err(ApiError::conflict(format!("link `{link}` was used or has expired")));
    }
    s.store.audit(Some(&ws), &caller.actor(), "approval.link.revoke", &format!("{id}/{step}"), Some(&link)).await?;
    Ok(StatusCode::NO_CONTENT)
}
