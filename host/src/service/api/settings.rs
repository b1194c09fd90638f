//! A workspace's secrets (write-only: names and bindings are listed, values never) and variables.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::service::vault::{SetSecretError, set_secret};

use super::openapi::Denied;
use super::workspaces::workspace;
use crate::service::names::{self, NameKind};

/// What the API tells of a secret: never its value.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SecretInfo {
    pub name: String,
    /// The only hosts the value may be sent to (and only where the plugin's manifest allows
    /// it too); empty: nowhere.
    pub hosts: Vec<String>,
    #[serde(serialize_with = "crate::store::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretValue {
    pub value: String,
    /// `scheme://host[:port]` patterns the value may be sent to, where the plugin's manifest
    /// allows it too; none: the value is sent nowhere (HMAC keys need no host).
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[utoipa::path(get, operation_id = "list_secrets", path = "/api/v1/workspaces/{ws}/secrets", tag = "settings", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), responses((status = 200, description = "Names and bindings; values are never answered", body = Vec<SecretInfo>), Denied))]
pub async fn secrets(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<SecretInfo>>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let list = s.store.secrets(&ws).await?;
    Ok(Json(list.into_iter().map(|x| SecretInfo { name: x.name, hosts: x.hosts, updated_at: x.updated_at }).collect()))
}

#[utoipa::path(put, operation_id = "put_secret", path = "/api/v1/workspaces/{ws}/secrets/{name}", tag = "settings", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Secret name")), request_body = SecretValue,
    responses((status = 204, description = "Stored, encrypted"), Denied,
        (status = 400, description = "Bad name, value or host pattern", body = ErrorBody)))]
pub async fn put_secret(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
    Json(body): Json<SecretValue>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Editor)?;
    workspace(&s, &ws).await?;
    names::check(NameKind::Secret, "secret name", &name)?;
    set_secret((&s.store, &s.vault), &ws, &name, &body.value, body.hosts, &caller.actor()).await.map_err(
        |e| match e {
            SetSecretError::Invalid(message) => ApiError::invalid(message),
            SetSecretError::Store(e) => e.into(),
            SetSecretError::Vault(e) => ApiError::internal(e),
        },
    )?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, operation_id = "delete_secret", path = "/api/v1/workspaces/{ws}/secrets/{name}", tag = "settings", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Secret name")),
    responses((status = 204, description = "Deleted"), Denied))]
pub async fn delete_secret(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Editor)?;
    if !s.store.delete_secret(&ws, &name).await? {
        return Err(ApiError::not_found(format!("secret `{name}` not found in workspace `{ws}`")));
    }
    s.store.audit(Some(&ws), &caller.actor(), "secret.delete", &name, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Variable {
    pub name: String,
    pub value: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableValue {
    pub value: String,
}

/// The longest variable value, in bytes. Every run copies all of its workspace's variables
/// into its stored context, so a large value is paid again by every run.
pub const MAX_VARIABLE_BYTES: usize = 64 * 1024;
/// The most variables a workspace holds (see [`MAX_VARIABLE_BYTES`]).
pub const MAX_VARIABLES: usize = 200;
/// The most bytes of names and values a workspace's variables hold together: the bound on
/// what each run copies into its context.
pub const MAX_VARIABLES_TOTAL_BYTES: usize = 1024 * 1024;

/// Variable writes of this process, one at a time, so two concurrent writes cannot both
/// pass the limits against the same old total.
static VARIABLE_WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Refuses setting `name` to `value` when it would break a variable limit, given the
/// workspace's `current` variables.
fn check_variable_limits(current: &[(String, String)], name: &str, value: &str) -> ApiResult<()> {
    if value.len() > MAX_VARIABLE_BYTES {
        return Err(ApiError::invalid(format!(
            "variable `{name}`: its value is {} bytes, over the limit of {MAX_VARIABLE_BYTES} bytes",
            value.len()
        )));
    }
    let others = current.iter().filter(|(n, _)| n != name);
    if others.clone().count() + 1 > MAX_VARIABLES {
        return Err(ApiError::invalid(format!(
            "variable `{name}`: the workspace already holds {MAX_VARIABLES} variables, the limit; delete one first"
        )));
    }
    let total = others.map(|(n, v)| n.len() + v.len()).sum::<usize>() + name.len() + value.len();
    if total > MAX_VARIABLES_TOTAL_BYTES {
        return Err(ApiError::invalid(format!(
            "variable `{name}`: the workspace's variables would hold {total} bytes, over the limit of \
             {MAX_VARIABLES_TOTAL_BYTES} bytes; shorten or delete some first"
        )));
    }
    Ok(())
}

#[utoipa::path(get, operation_id = "list_variables", path = "/api/v1/workspaces/{ws}/variables", tag = "settings", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), responses((status = 200, description = "The variables, as `vars.NAME` in workflows", body = Vec<Variable>), Denied))]
pub async fn variables(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<Variable>>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let list = s.store.variables(&ws).await?;
    Ok(Json(list.into_iter().map(|(name, value)| Variable { name, value }).collect()))
}

#[utoipa::path(put, operation_id = "put_variable", path = "/api/v1/workspaces/{ws}/variables/{name}", tag = "settings", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Variable name")), request_body = VariableValue,
    responses((status = 204, description = "Stored"), Denied,
        (status = 400, description = "Bad name, or over a size or count limit", body = ErrorBody)))]
pub async fn put_variable(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
    Json(body): Json<VariableValue>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Editor)?;
    workspace(&s, &ws).await?;
    names::check(NameKind::Variable, "variable name", &name)?;
    let writing = VARIABLE_WRITES.lock().await;
    check_variable_limits(&s.store.variables(&ws).await?, &name, &body.value)?;
    s.store.put_variable(&ws, &name, &body.value).await?;
    drop(writing);
    s.store.audit(Some(&ws), &caller.actor(), "variable.set", &name, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, operation_id = "delete_variable", path = "/api/v1/workspaces/{ws}/variables/{name}", tag = "settings", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("name" = String, Path, description = "Variable name")),
    responses((status = 204, description = "Deleted"), Denied))]
pub async fn delete_variable(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Editor)?;
    if !s.store.delete_variable(&ws, &name).await? {
        return Err(ApiError::not_found(format!("variable `{name}` not found in workspace `{ws}`")));
    }
    s.store.audit(Some(&ws), &caller.actor(), "variable.delete", &name, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
