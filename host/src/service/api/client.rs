//! The client's side of a client link, without an account: the approval's preview, and one
//! decision (approve or reject, with a comment) or comments before it. The link's secret is
//! the only credential; the decision names the link in the run and the audit log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::Verdict;
use crate::service::AppState;
use crate::service::auth::token_hash;
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::names;
use crate::store::{Actor, ApprovalLinkRecord, ApprovalRecord, MAX_LINK_COMMENTS, now_ms};

use super::runs::MAX_COMMENT_CHARS;

/// What the client sees of the approval behind a link.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClientView {
    /// The workspace's display name.
    pub workspace: String,
    pub workflow: String,
    pub step_id: String,
    pub message: String,
    #[schema(value_type = Object)]
    pub preview: Option<Value>,
    #[serde(serialize_with = "crate::store::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: i64,
    /// The fields the client may edit: `[{name, type, description, max_length, value}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub fields: Option<Value>,
    /// Comments sent through this link so far.
    #[schema(value_type = Vec<Object>)]
    pub comments: Value,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientAnswer {
    /// `approve`, `reject`, or `comment` (a comment that leaves the link open).
    pub decision: String,
    /// At most 2,000 characters of plain text; required for `comment`.
    pub comment: Option<String>,
    /// With a decision: new values of the approval's `fields`, by name.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, Value>>,
}

/// The link of `token` and its approval while the link can be used.
async fn open(s: &AppState, token: &str) -> ApiResult<(ApprovalLinkRecord, ApprovalRecord)> {
    let gone = || ApiError::not_found("this approval link is not valid: it was mistyped or revoked");
    let link = s.store.approval_link_by_hash(&token_hash(token)).await?.ok_or_else(gone)?;
    match link.outcome.as_deref() {
        Some("revoked") => return Err(gone()),
        Some(outcome) => {
            return Err(ApiError::new(StatusCode::GONE, "used", format!("this link was used: the post was {outcome}")));
        }
        None => {}
    }
    if link.expires_at <= now_ms() {
        return Err(ApiError::new(StatusCode::GONE, "expired", "this approval link has expired; ask for a new one"));
    }
    let approval = s.store.approval(&link.run_id, &link.step_id).await?.ok_or_else(gone)?;
    if approval.status != "waiting" {
        let done = format!("this approval was already decided by the team: {}", approval.status);
        return Err(ApiError::new(StatusCode::GONE, "decided", done));
    }
    Ok((link, approval))
}

#[utoipa::path(get, operation_id = "get_client_approval", path = "/api/v1/client/{token}", tag = "approvals",
    params(("token" = String, Path, description = "The secret of the client link")),
    responses((status = 200, description = "The approval's preview", body = ClientView),
        (status = 404, description = "Mistyped or revoked", body = ErrorBody),
        (status = 410, description = "Used, expired, or decided by the team", body = ErrorBody)))]
pub async fn view(State(s): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<ClientView>> {
    let (link, approval) = open(&s, &token).await?;
    Ok(Json(shown(&s, link, approval).await?))
}

/// What the client is shown of `link` and its `approval`.
async fn shown(s: &AppState, link: ApprovalLinkRecord, approval: ApprovalRecord) -> ApiResult<ClientView> {
    let workspace = s.store.workspace(&link.workspace).await?.map(|w| w.name).unwrap_or_default();
    let run = s.store.get_run(&link.run_id).await?;
    Ok(ClientView {
        workspace,
        workflow: run.workflow,
        step_id: link.step_id,
        message: approval.message,
        preview: approval.preview,
        expires_at: link.expires_at,
        fields: approval.fields,
        comments: link.comments,
    })
}

#[utoipa::path(post, operation_id = "answer_client_approval", path = "/api/v1/client/{token}", tag = "approvals",
    params(("token" = String, Path, description = "The secret of the client link")), request_body = ClientAnswer,
    responses((status = 200, description = "Recorded: the decision (which uses the link up) or the comment", body = ClientView),
        (status = 404, description = "Mistyped or revoked", body = ErrorBody),
        (status = 409, description = "The link has taken its 20 comments", body = ErrorBody),
        (status = 410, description = "Used, expired, or decided by the team", body = ErrorBody)))]
pub async fn answer(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Json(body): Json<ClientAnswer>,
) -> ApiResult<Json<ClientView>> {
    let approved = match body.decision.as_str() {
        "approve" => Some(true),
        "reject" => Some(false),
        "comment" => None,
        other => return Err(ApiError::invalid(format!("decision: `{other}` is not approve, reject or comment"))),
    };
    let comment = body.comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if let Some(comment) = &comment {
        names::check_text("comment", comment, MAX_COMMENT_CHARS)?;
    }
    let (link, _) = open(&s, &token).await?;
    let actor = Actor::link(&link.id);
    let target = format!("{}/{}", link.run_id, link.step_id);
    let Some(approved) = approved else {
        let text = comment.ok_or_else(|| ApiError::invalid("comment: required when the decision is `comment`"))?;
        if !s.store.comment_approval_link(&link, &text).await? {
            let full = format!("this link has taken its {MAX_LINK_COMMENTS} comments, or changed meanwhile");
            return Err(ApiError::conflict(full));
        }
        s.store.audit(Some(&link.workspace), &actor, "approval.comment", &target, Some(&text)).await?;
        return view(State(s), Path(token)).await;
    };
    let outcome = if approved { "approved" } else { "rejected" };
    if !s.store.take_approval_link(&link.run_id, &link.id, outcome).await? {
        return Err(ApiError::new(StatusCode::GONE, "used", "this link was used meanwhile"));
    }
    let verdict = Verdict { approved, by: actor.to_string(), comment, edits: body.fields.unwrap_or_default() };
    if let Err(e) = s.engine.decide_with(&link.run_id, &link.step_id, &verdict).await {
        s.store.release_approval_link(&link.run_id, &link.id).await?;
        return Err(e.into());
    }
    super::runs::audit_decision(&s, &link.workspace, &actor, &target, &verdict).await?;
    s.worker.drive_now(&s, &link.workspace, &link.run_id);
    let approval = s.store.approval(&link.run_id, &link.step_id).await?;
    let approval = approval.ok_or_else(|| ApiError::internal("a decided approval is gone"))?;
    Ok(Json(shown(&s, link, approval).await?))
}
