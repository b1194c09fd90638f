//! Installed plugins: their actions, schemas and the permissions they were granted.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::runtime::Plugin;
use crate::service::AppState;
use crate::service::auth::Caller;
use crate::service::error::{ApiError, ApiResult, ErrorBody};

use super::openapi::Unauthorized;

pub(super) fn plugin_json(p: &Plugin, detail: bool) -> Value {
    let m = &p.manifest;
    let actions: Vec<Value> = m
        .actions
        .iter()
        .map(|a| {
            let mut v = json!({ "id": a.id, "description": a.description, "side_effects": a.side_effects });
            if detail {
                v["input"] = a.input.clone();
                v["output"] = a.output.clone();
            }
            v
        })
        .collect();
    json!({
        "id": m.id, "version": m.version.to_string(), "description": m.description, "digest": p.digest,
        "actions": actions,
        "permissions": {
            "http": m.permissions.http.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "kv": m.permissions.kv,
            "secrets": m.permissions.secrets.iter().map(|(k, v)| (k.clone(), json!(v.iter().map(ToString::to_string).collect::<Vec<_>>()))).collect::<serde_json::Map<_, _>>(),
        },
        "limits": { "memory_mb": m.limits.memory_mb, "timeout_ms": m.limits.timeout_ms, "output_kb": m.limits.output_kb },
    })
}

/// Every installed plugin; any valid token may read the list.
#[utoipa::path(get, operation_id = "list_plugins", path = "/api/v1/plugins", tag = "plugins", security(("bearer" = [])),
    responses((status = 200, description = "Every installed plugin: `{id, version, description, digest, actions, permissions, limits}`", body = Vec<Object>), Unauthorized))]
pub async fn list(State(s): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(s.registry.view(None).entries().iter().map(|e| plugin_json(&e.plugin, false)).collect()))
}

/// One plugin's versions with schemas and permissions.
#[utoipa::path(get, operation_id = "get_plugin", path = "/api/v1/plugins/{id}", tag = "plugins", security(("bearer" = [])),
    params(("id" = String, Path, description = "Plugin id")),
    responses((status = 200, description = "Each installed version, with the actions' input and output schemas", body = Vec<Object>), Unauthorized,
        (status = 404, description = "Not installed", body = ErrorBody)))]
pub async fn get(State(s): State<AppState>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Vec<Value>>> {
    let view = s.registry.view(None);
    let found: Vec<Value> =
        view.entries().iter().filter(|e| e.plugin.manifest.id == id).map(|e| plugin_json(&e.plugin, true)).collect();
    if found.is_empty() {
        return Err(ApiError::not_found(format!("plugin `{id}` is not installed")));
    }
    Ok(Json(found))
}
