//! Signing in and out with an e-mail address and a password, opening an account when
//! sign-up is open, who the caller is, and a person's own API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::service::AppState;
use crate::service::auth::{Caller, Grants, new_token, token_hash};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::names::{self, NameKind};
use crate::service::people::{normalize_email, password, session};
use crate::store::{TokenRecord, UserRecord, now_ms};

use super::openapi::Unauthorized;
use super::workspaces::CreatedToken;

/// An e-mail address and a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// Who is signed in: the account, its workspaces with roles, and the CSRF token to send
/// as `X-CSRF-Token` with changes made by the session cookie.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// `user`, `operator` or `workspace` (a workspace token).
    pub kind: String,
    pub user: Option<UserRecord>,
    /// `[{workspace, role}]`; every workspace as `owner` for the operator and admins.
    pub workspaces: Vec<Value>,
    /// Whether the caller acts for the whole instance (the operator token or an admin):
    /// creates, changes and deletes workspaces.
    pub operator: bool,
    pub csrf: Option<String>,
}

/// How people may sign in here.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Providers {
    pub password: bool,
    pub signup: bool,
    /// The OpenID provider's name for its button (`GET /auth/oidc/start`), when configured.
    pub oidc: Option<String>,
}

#[utoipa::path(get, operation_id = "auth_providers", path = "/api/v1/auth/providers", tag = "people",
    responses((status = 200, description = "How people may sign in", body = Providers)))]
pub async fn providers(State(s): State<AppState>) -> Json<Providers> {
    Json(Providers { password: true, signup: s.people.config.signup, oidc: s.people.oidc_label() })
}

/// The one message for every wrong address or password: it never says which was wrong.
const WRONG: &str = "the e-mail address or the password is wrong";

#[utoipa::path(post, operation_id = "sign_in", path = "/api/v1/auth/signin", tag = "people", request_body = Credentials,
    responses((status = 200, description = "Signed in: the session cookie is set", body = SessionInfo),
        (status = 401, description = "Wrong address or password (the same message for both)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this address lately", body = ErrorBody)))]
pub async fn sign_in(State(s): State<AppState>, Json(body): Json<Credentials>) -> ApiResult<Response> {
    let email = normalize_email(&body.email).map_err(|_| ApiError::unauthorized(WRONG))?;
    s.people.check_attempts(&email)?;
    let found = s.store.user_by_email(&email).await?;
    let stored = found.as_ref().and_then(|(_, hash)| hash.clone());
    if !password::verify_off_thread(body.password, stored).await? {
        s.people.record_failure(&email);
        return Err(ApiError::unauthorized(WRONG));
    }
    s.people.clear_failures(&email);
    let (user, _) = found.ok_or_else(|| ApiError::unauthorized(WRONG))?;
    signed_in(&s, user).await
}

/// The answer of a successful sign-in: the cookie and who is signed in.
pub(crate) async fn signed_in(s: &AppState, user: UserRecord) -> ApiResult<Response> {
    let value = session::start(s, &user).await?;
    let caller = session::person(s, user, String::new(), String::new()).await?;
    let info = describe(s, &caller, Some(session::csrf_token(&value))).await?;
    let mut response = Json(info).into_response();
    response.headers_mut().insert(header::SET_COOKIE, session::set_cookie(&s.people.config, Some(&value)));
    Ok(response)
}

#[utoipa::path(post, operation_id = "sign_up", path = "/api/v1/auth/signup", tag = "people", request_body = Credentials,
    responses((status = 200, description = "The account is made and signed in", body = SessionInfo),
        (status = 400, description = "Bad address or password", body = ErrorBody),
        (status = 403, description = "Sign-up is closed: ask for an invitation", body = ErrorBody),
        (status = 409, description = "The address has an account", body = ErrorBody)))]
pub async fn sign_up(State(s): State<AppState>, Json(body): Json<Credentials>) -> ApiResult<Response> {
    if !s.people.config.signup {
        return Err(ApiError::forbidden("sign-up is closed on this Roost; ask an owner for an invitation"));
    }
    let email = normalize_email(&body.email)?;
    password::check(&body.password)?;
    let hash = password::hash_off_thread(body.password).await?;
    let user = s
        .store
        .create_user(&email, Some(&hash), false)
        .await?
        .ok_or_else(|| ApiError::conflict("this address has an account; sign in instead"))?;
    signed_in(&s, user).await
}

#[utoipa::path(post, operation_id = "sign_out", path = "/api/v1/auth/signout", tag = "people", security(("bearer" = [])),
    responses((status = 204, description = "The session has ended and its cookie is cleared"), Unauthorized))]
pub async fn sign_out(
    State(s): State<AppState>,
    _caller: Caller,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    if let Some(value) = session::cookie_value(&headers) {
        s.store.delete_session(&token_hash(&value)).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session::set_cookie(&s.people.config, None))]).into_response())
}

#[utoipa::path(get, operation_id = "get_session", path = "/api/v1/auth/session", tag = "people", security(("bearer" = [])),
    responses((status = 200, description = "Who the caller is and where they may act", body = SessionInfo), Unauthorized))]
pub async fn current(
    State(s): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<SessionInfo>> {
    let csrf = session::cookie_value(&headers).filter(|_| caller.person.is_some()).map(|v| session::csrf_token(&v));
    Ok(Json(describe(&s, &caller, csrf).await?))
}

async fn describe(s: &AppState, caller: &Caller, csrf: Option<String>) -> ApiResult<SessionInfo> {
    let user = match &caller.person {
        Some(p) => s.store.user(&p.id).await?,
        None => None,
    };
    let workspaces = match &caller.grants {
        Grants::Everything => {
            s.store.workspaces().await?.into_iter().map(|w| json!({ "workspace": w.id, "role": "owner" })).collect()
        }
        Grants::Workspace(ws, role) => vec![json!({ "workspace": ws, "role": role.as_str() })],
        Grants::Member(roles) => roles.iter().map(|(ws, r)| json!({ "workspace": ws, "role": r.as_str() })).collect(),
    };
    let kind = match (&caller.person, &caller.grants) {
        (Some(_), _) => "user",
        (None, Grants::Workspace(..)) => "workspace",
        (None, _) => "operator",
    };
    Ok(SessionInfo { kind: kind.into(), user, workspaces, operator: caller.is_operator(), csrf })
}

/// A personal token to make: it acts as its person, with their roles.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonalToken {
    pub name: String,
}

/// A person holds at most this many tokens: each is a standing way in.
pub const MAX_PERSONAL_TOKENS: usize = 20;

#[utoipa::path(get, operation_id = "list_personal_tokens", path = "/api/v1/me/tokens", tag = "people", security(("bearer" = [])),
    responses((status = 200, description = "The caller's personal tokens, never their values", body = Vec<TokenRecord>), Unauthorized,
        (status = 403, description = "Not a person", body = ErrorBody)))]
pub async fn tokens(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TokenRecord>>> {
    let person = caller.require_person()?;
    Ok(Json(s.store.user_tokens(&person.id).await?))
}

#[utoipa::path(post, operation_id = "create_personal_token", path = "/api/v1/me/tokens", tag = "people", security(("bearer" = [])),
    request_body = NewPersonalToken,
    responses((status = 201, description = "Created; the only time the value is shown", body = CreatedToken), Unauthorized,
        (status = 403, description = "Not a person", body = ErrorBody),
        (status = 400, description = "Bad name, or too many tokens", body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewPersonalToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let person = caller.require_person()?;
    names::check(NameKind::Label, "name", &body.name)?;
    if s.store.user_tokens(&person.id).await?.len() >= MAX_PERSONAL_TOKENS {
        return Err(ApiError::invalid(format!(
            "a person holds at most {MAX_PERSONAL_TOKENS} tokens; revoke one first"
        )));
    }
    let value = new_token()?;
    let record = TokenRecord {
        id: uuid::Uuid::now_v7().to_string(),
        workspace: None,
        role: "person".into(),
        name: body.name,
        created_at: now_ms(),
        last_used_at: None,
        user_id: Some(person.id.clone()),
    };
    s.store.create_token(&record, &token_hash(&value)).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id: record.id, name: record.name, role: record.role, token: value })))
}

#[utoipa::path(delete, operation_id = "delete_personal_token", path = "/api/v1/me/tokens/{id}", tag = "people", security(("bearer" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), Unauthorized, (status = 403, description = "Not a person", body = ErrorBody),
        (status = 404, description = "No such token of the caller's", body = ErrorBody)))]
pub async fn delete_token(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let person = caller.require_person()?;
    if !s.store.delete_user_token(&person.id, &id).await? {
        return Err(ApiError::not_found(format!("token `{id}` not found among yours")));
    }
    Ok(StatusCode::NO_CONTENT)
}
