//! The people of a workspace: its members with their roles, and invitations by link that
//! an owner sends to an e-mail address; accepting one makes the account or adds the role.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::service::AppState;
use crate::service::auth::{Caller, Role, new_token, token_hash};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::people::{normalize_email, password};
use crate::store::{InvitationRecord, MemberRecord, now_ms};

use super::openapi::Denied;
use super::workspaces::workspace;

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;
/// Pending invitations a workspace holds at most: each is a standing way in.
pub const MAX_PENDING: usize = 200;

#[utoipa::path(get, operation_id = "list_members", path = "/api/v1/workspaces/{ws}/members", tag = "people", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "The workspace's people and their roles", body = Vec<MemberRecord>), Denied))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<MemberRecord>>> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    Ok(Json(s.store.members(&ws).await?))
}

#[utoipa::path(delete, operation_id = "remove_member", path = "/api/v1/workspaces/{ws}/members/{user}", tag = "people", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("user" = String, Path, description = "Account id")),
    responses((status = 204, description = "The person is no longer a member"), Denied))]
pub async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Owner)?;
    if !s.store.remove_membership(&ws, &user).await? {
        return Err(ApiError::not_found(format!("account `{user}` is not a member of `{ws}`")));
    }
    s.store.audit(Some(&ws), &caller.actor(), "member.remove", &user, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whom to invite, with which role.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    /// `owner`, `editor`, `approver` or `viewer`.
    pub role: String,
}

/// An invitation just made: the only time its secret is shown, as part of `link`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedInvitation {
    pub invitation: InvitationRecord,
    /// The secret in the link, for scripts.
    pub token: String,
    /// `/#/invitation/TOKEN`: send it to the person; it works once, for 7 days.
    pub link: String,
}

#[utoipa::path(get, operation_id = "list_invitations", path = "/api/v1/workspaces/{ws}/invitations", tag = "people", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "Invitations not yet accepted, newest first", body = Vec<InvitationRecord>), Denied))]
pub async fn invitations(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<InvitationRecord>>> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    Ok(Json(s.store.invitations(&ws).await?))
}

#[utoipa::path(post, operation_id = "invite", path = "/api/v1/workspaces/{ws}/invitations", tag = "people", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), request_body = NewInvitation,
    responses((status = 201, description = "The invitation with its link, shown once", body = CreatedInvitation), Denied,
        (status = 400, description = "Bad address or role, or too many pending", body = ErrorBody)))]
pub async fn invite(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Json(body): Json<NewInvitation>,
) -> ApiResult<(StatusCode, Json<CreatedInvitation>)> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    let email = normalize_email(&body.email)?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::invalid(format!("role `{}` is not one of owner, editor, approver, viewer", body.role))
    })?;
    if s.store.invitations(&ws).await?.len() >= MAX_PENDING {
        return Err(ApiError::invalid(format!("`{ws}` has {MAX_PENDING} pending invitations; withdraw some first")));
    }
    let token = new_token()?;
    let now = now_ms();
    let invitation = InvitationRecord {
        id: uuid::Uuid::now_v7().to_string(),
        workspace: ws.clone(),
        email: email.clone(),
        role: role.as_str().into(),
        invited_by: caller.actor().to_string(),
        created_at: now,
        expires_at: now + INVITATION_DAYS * 86_400_000,
        accepted_at: None,
    };
    s.store.create_invitation(&invitation, &token_hash(&token)).await?;
    s.store.audit(Some(&ws), &caller.actor(), "invitation.create", &email, Some(role.as_str())).await?;
    let link = format!("/#/invitation/{token}");
    Ok((StatusCode::CREATED, Json(CreatedInvitation { invitation, token, link })))
}

#[utoipa::path(delete, operation_id = "withdraw_invitation", path = "/api/v1/workspaces/{ws}/invitations/{id}", tag = "people", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Invitation id")),
    responses((status = 204, description = "Withdrawn: the link no longer works"), Denied))]
pub async fn withdraw(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Owner)?;
    if !s.store.delete_invitation(&ws, &id).await? {
        return Err(ApiError::not_found(format!("no pending invitation `{id}` in `{ws}`")));
    }
    s.store.audit(Some(&ws), &caller.actor(), "invitation.withdraw", &id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the link's page shows before accepting.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    pub workspace: String,
    pub email: String,
    pub role: String,
    /// Whether the address has an account: then its password confirms, else it sets one.
    pub has_account: bool,
    #[serde(serialize_with = "crate::store::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: i64,
}

/// The invitation of a link's secret while it can still be accepted.
async fn live(s: &AppState, token: &str) -> ApiResult<InvitationRecord> {
    let gone = || ApiError::not_found("this invitation link is not valid: it was used, withdrawn, or mistyped");
    let invitation = s.store.invitation_by_hash(&token_hash(token)).await?.ok_or_else(gone)?;
    if invitation.accepted_at.is_some() {
        return Err(gone());
    }
    if invitation.expires_at <= now_ms() {
        return Err(ApiError::new(StatusCode::GONE, "expired", "this invitation has expired; ask for a new one"));
    }
    Ok(invitation)
}

#[utoipa::path(get, operation_id = "get_invitation", path = "/api/v1/invitations/{token}", tag = "people",
    params(("token" = String, Path, description = "The secret of the invitation link")),
    responses((status = 200, description = "The invitation", body = InvitationView),
        (status = 404, description = "Used, withdrawn or mistyped", body = ErrorBody),
        (status = 410, description = "Expired", body = ErrorBody)))]
pub async fn view(State(s): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<InvitationView>> {
    let invitation = live(&s, &token).await?;
    let has_account = s.store.user_by_email(&invitation.email).await?.is_some();
    let InvitationRecord { workspace, email, role, expires_at, .. } = invitation;
    Ok(Json(InvitationView { workspace, email, role, has_account, expires_at }))
}

/// The password: set for a new account, confirmed for an existing one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub password: String,
}

#[utoipa::path(post, operation_id = "accept_invitation", path = "/api/v1/invitations/{token}/accept", tag = "people",
    params(("token" = String, Path, description = "The secret of the invitation link")), request_body = Acceptance,
    responses((status = 200, description = "A member now, and signed in", body = super::account::SessionInfo),
        (status = 400, description = "The new password breaks a rule", body = ErrorBody),
        (status = 401, description = "The account's password is wrong", body = ErrorBody),
        (status = 404, description = "Used, withdrawn or mistyped", body = ErrorBody),
        (status = 410, description = "Expired", body = ErrorBody)))]
pub async fn accept(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Json(body): Json<Acceptance>,
) -> ApiResult<Response> {
    let invitation = live(&s, &token).await?;
    let user = match s.store.user_by_email(&invitation.email).await? {
        Some((user, stored)) => {
            s.people.check_attempts(&invitation.email)?;
            if !password::verify_off_thread(body.password, stored).await? {
                s.people.record_failure(&invitation.email);
                return Err(ApiError::unauthorized("the password of this account is wrong"));
            }
            user
        }
        None => {
            password::check(&body.password)?;
            let hash = password::hash_off_thread(body.password).await?;
            match s.store.create_user(&invitation.email, Some(&hash), false).await? {
                Some(user) => user,
                None => return Err(ApiError::conflict("the account was made meanwhile; open the link again")),
            }
        }
    };
    if !s.store.take_invitation(&invitation.id).await? {
        return Err(ApiError::not_found("this invitation link is not valid: it was used meanwhile"));
    }
    s.store.set_membership(&user.id, &invitation.workspace, &invitation.role).await?;
    let actor = crate::store::Actor::user(&user.id, &user.email);
    s.store
        .audit(Some(&invitation.workspace), &actor, "invitation.accept", &user.email, Some(&invitation.role))
        .await?;
    super::account::signed_in(&s, user).await
}
