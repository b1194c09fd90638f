//! The REST API under `/api/v1`: every workspace-scoped route checks the caller's token
//! against the workspace in its path before it reads or writes anything.

mod plugins;
mod runs;
mod settings;
mod workflows;
mod workspaces;

use axum::Router;
use axum::routing::{get, post, put};

use super::AppState;

pub use workflows::{WorkflowSaved, save_workflow};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces", get(workspaces::list).post(workspaces::create))
        .route("/workspaces/{ws}", get(workspaces::get).patch(workspaces::update))
        .route("/workspaces/{ws}/tokens", get(workspaces::tokens).post(workspaces::create_token))
        .route("/workspaces/{ws}/tokens/{id}", axum::routing::delete(workspaces::delete_token))
        .route("/workspaces/{ws}/audit", get(workspaces::audit))
        .route("/workspaces/{ws}/secrets", get(settings::secrets))
        .route("/workspaces/{ws}/secrets/{name}", put(settings::put_secret).delete(settings::delete_secret))
        .route("/workspaces/{ws}/variables", get(settings::variables))
        .route("/workspaces/{ws}/variables/{name}", put(settings::put_variable).delete(settings::delete_variable))
        .route("/workspaces/{ws}/workflows", get(workflows::list).post(workflows::create))
        .route(
            "/workspaces/{ws}/workflows/{name}",
            get(workflows::get).delete(workflows::delete).patch(workflows::update),
        )
        .route("/workspaces/{ws}/workflows/{name}/revisions", get(workflows::revisions))
        .route("/workspaces/{ws}/workflows/{name}/runs", post(runs::start))
        .route("/workspaces/{ws}/validate", post(workflows::validate))
        .route("/workspaces/{ws}/runs", get(runs::list))
        .route("/workspaces/{ws}/runs/{id}", get(runs::get))
        .route("/workspaces/{ws}/runs/{id}/logs", get(runs::logs))
        .route("/workspaces/{ws}/runs/{id}/cancel", post(runs::cancel))
        .route("/workspaces/{ws}/runs/{id}/resume", post(runs::resume))
        .route("/workspaces/{ws}/approvals", get(runs::approvals))
        .route("/workspaces/{ws}/runs/{id}/approvals/{step}/approve", post(runs::approve))
        .route("/workspaces/{ws}/runs/{id}/approvals/{step}/reject", post(runs::reject))
        .route("/plugins", get(plugins::list))
        .route("/plugins/{id}", get(plugins::get))
}

/// A name used in a path: a workspace id, a secret or variable name.
pub(crate) fn check_name(kind: &str, name: &str) -> Result<(), super::error::ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(super::error::ApiError::invalid(format!(
            "{kind} `{name}` must be 1 to 64 letters, digits, `-`, `_` or `.`"
        )))
    }
}
