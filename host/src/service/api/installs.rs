//! A workspace's plugins: what it sees (built-in, folder, the instance's installs and its
//! own) with permissions and refusals, and installs into it by its owners, audited.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::install::{self, InstallError, Proposal};
use crate::oci::{Reference, TrustPolicy};
use crate::runtime::registry::{Entry, Source};
use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};

use super::openapi::Denied;
use super::workspaces::workspace;

/// The largest install request: a 64 MiB component in base64, and its manifest.
pub const MAX_INSTALL_BODY: usize = (crate::runtime::registry::MAX_COMPONENT_BYTES as usize) / 3 * 4 + (1 << 20);

/// An install: a component sent with its manifest, or an OCI reference to fetch.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallRequest {
    /// An OCI reference to fetch (never a path on the server).
    pub reference: Option<String>,
    /// The `plugin.toml` text, with `component`.
    pub manifest: Option<String>,
    /// The `.wasm` component, base64.
    pub component: Option<String>,
    /// Install although it asks for permissions (or more than the version it follows);
    /// without it such an install answers 409 `confirmation_required` with the permissions
    /// and the change in `details`.
    #[serde(default)]
    pub confirm: bool,
}

fn scope_of(source: &Source) -> &'static str {
    match source {
        Source::Builtin => "builtin",
        Source::Folder(_) => "folder",
        Source::Installed { workspace: None, .. } => "instance",
        Source::Installed { workspace: Some(_), .. } => "workspace",
    }
}

fn entry_json(e: &Entry) -> Value {
    let mut v = super::plugins::plugin_json(&e.plugin, false);
    v["scope"] = json!(scope_of(&e.source));
    if let Source::Installed { reference, .. } = &e.source {
        v["reference"] = json!(reference);
    }
    v
}

fn proposal_json(p: &Proposal) -> Value {
    let m = &p.plugin.manifest;
    let (previous, added, removed) = match &p.previous {
        Some((v, diff)) => (Some(v.to_string()), diff.added.clone(), diff.removed.clone()),
        None => (None, Vec::new(), Vec::new()),
    };
    json!({ "id": m.id, "version": m.version.to_string(), "digest": p.plugin.digest, "permissions": p.permissions,
        "previous": previous, "added": added, "removed": removed })
}

/// Most installed versions one workspace may hold (each up to 64 MiB, loaded by every
/// process of the instance).
const MAX_WORKSPACE_INSTALLS: usize = 32;

/// How long an install waits for the one compile slot before answering 503.
const COMPILE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

static COMPILING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Most characters of a refusal an answer carries (a TOML error quotes whole lines).
const MAX_REASON_CHARS: usize = 2_000;

/// Refuses a reference to a registry the operator did not open to workspace owners.
fn workspace_registry(reference: &str, trust: &TrustPolicy) -> ApiResult<()> {
    let parsed = Reference::parse(reference).map_err(|e| ApiError::invalid(e.to_string()))?;
    if trust.workspace_registries.iter().any(|r| r.eq_ignore_ascii_case(&parsed.registry)) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "registry `{}` is not one workspace owners may install from; the operator lists those in \
         [registry] workspace_registries",
        parsed.registry
    )))
}

fn api_error(e: InstallError) -> ApiError {
    match e {
        InstallError::Store(e) => e.into(),
        InstallError::TooLarge { .. } | InstallError::ManifestTooLarge { .. } => {
            ApiError::payload_too_large(e.to_string())
        }
        InstallError::Conflict(_) | InstallError::AlreadyInstalled { .. } | InstallError::UseUpgrade { .. } => {
            ApiError::conflict(e.to_string())
        }
        InstallError::NotInstalled { .. } => ApiError::not_found(e.to_string()),
        _ => {
            let reason: String = e.to_string().chars().take(MAX_REASON_CHARS).collect();
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_plugin", reason)
        }
    }
}

#[utoipa::path(get, operation_id = "list_workspace_plugins", path = "/api/v1/workspaces/{ws}/plugins", tag = "plugins", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "`{plugins: [{id, version, description, digest, scope (builtin, folder, instance, workspace), reference?, actions, permissions, limits}], refused: [{id, file, reason}]}`", body = Object), Denied))]
pub async fn list(State(s): State<AppState>, caller: Caller, Path(ws): Path<String>) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let view = s.registry.view(Some(&ws));
    let refused: Vec<Value> =
        view.refused().iter().map(|r| json!({ "id": r.id, "file": r.file, "reason": r.reason })).collect();
    Ok(Json(json!({ "plugins": view.entries().iter().map(entry_json).collect::<Vec<_>>(), "refused": refused })))
}

#[utoipa::path(post, operation_id = "install_plugin", path = "/api/v1/workspaces/{ws}/plugins", tag = "plugins", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")), request_body = InstallRequest,
    responses((status = 201, description = "Installed beside the versions already there: `{id, version, sha256, source, signer, installed_by, installed_at}`", body = Object), Denied,
        (status = 409, description = "`confirmation_required` (details: `{permissions, previous, added, removed}`), or that id and version is already given", body = ErrorBody),
        (status = 413, description = "The component is over 64 MiB", body = ErrorBody),
        (status = 422, description = "The plugin was refused: manifest, imports against permissions, or fetch", body = ErrorBody)))]
pub async fn install(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    let held = s.store.installed_plugins().await?.iter().filter(|r| r.workspace.as_deref() == Some(&ws)).count();
    if held >= MAX_WORKSPACE_INSTALLS {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "quota_exceeded",
            format!("workspace `{ws}` holds {held} installed plugin versions, the most it may; remove one first"),
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_INSTALL_BODY)
        .await
        .map_err(|_| ApiError::payload_too_large(format!("an install request is at most {MAX_INSTALL_BODY} bytes")))?;
    let request: InstallRequest =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::invalid(format!("the install request: {e}")))?;
    let fetched = match (request.reference, request.manifest, request.component) {
        (Some(reference), None, None) => {
            workspace_registry(&reference, &s.trust)?;
            install::fetch_reference(&reference, &s.trust).await.map_err(api_error)?
        }
        (None, Some(manifest), Some(component)) => {
            let wasm = base64::engine::general_purpose::STANDARD
                .decode(component.trim())
                .map_err(|e| ApiError::invalid(format!("`component` is not base64: {e}")))?;
            let fetched = install::uploaded(&format!("upload by {}", caller.actor()), manifest, wasm);
            install::require_signer(&fetched, &s.trust).map_err(api_error)?;
            fetched
        }
        _ => return Err(ApiError::invalid("send either `reference`, or `manifest` with `component`")),
    };
    // One upload compiles at a time, so owners installing at once cannot take every core.
    let _compiling = tokio::time::timeout(COMPILE_WAIT, COMPILING.acquire())
        .await
        .map_err(|_| {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "another install is compiling; retry later")
        })?
        .map_err(ApiError::internal)?;
    let (runtime, registry) = (s.runtime.clone(), s.registry.clone());
    let ws_owned = ws.clone();
    let proposal = tokio::task::spawn_blocking(move || install::prepare(&runtime, &registry, fetched, Some(&ws_owned)))
        .await
        .map_err(ApiError::internal)?
        .map_err(api_error)?;
    if proposal.widens() && !request.confirm {
        let message = format!(
            "{} {} asks for permissions{}; send the request again with \"confirm\": true",
            proposal.plugin.manifest.id,
            proposal.plugin.manifest.version,
            if proposal.previous.is_some() { " beyond the version it follows" } else { "" }
        );
        return Err(ApiError::new(StatusCode::CONFLICT, "confirmation_required", message)
            .with_details(proposal_json(&proposal)));
    }
    let row = install::commit(&s.store, &proposal, &caller.actor()).await.map_err(api_error)?;
    install::sync(&s.registry, &s.runtime, &s.store).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": row.id, "version": row.version, "sha256": row.sha256, "source": row.source,
            "signer": row.signer, "installed_by": row.installed_by, "installed_at": crate::store::timestamp::value(Some(row.installed_at)) })),
    ))
}

#[utoipa::path(delete, operation_id = "remove_plugin", path = "/api/v1/workspaces/{ws}/plugins/{plugin}/{version}", tag = "plugins", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("plugin" = String, Path, description = "Plugin id"), ("version" = String, Path, description = "The installed version")),
    responses((status = 204, description = "Removed; workflows that resolved to it no longer load"), Denied,
        (status = 404, description = "The workspace holds no such install", body = ErrorBody)))]
pub async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, plugin, version)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    caller.require(&ws, Role::Owner)?;
    workspace(&s, &ws).await?;
    install::remove(&s.store, Some(&ws), &plugin, &version, &caller.actor()).await.map_err(api_error)?;
    install::sync(&s.registry, &s.runtime, &s.store).await?;
    Ok(StatusCode::NO_CONTENT)
}
