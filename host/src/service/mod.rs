//! `roost serve`: the long-running service with triggers, the REST API and the web UI.
//!
//! [`App`] holds what every request and background task shares; [`router`] maps the HTTP
//! surface (`/api/v1`, `/hooks`, `/healthz`, `/metrics`, the UI); [`worker`] drives runs
//! with due work; [`scheduler`] fires cron triggers.

pub mod api;
pub mod auth;
pub mod error;
pub mod hook_verify;
pub mod hook_wait;
pub mod hooks;
pub mod launch;
pub mod leader;
pub mod loading;
pub mod metering;
pub mod metrics;
pub mod names;
pub mod notices;
pub mod people;
pub mod plugin_sync;
pub mod publishing;
pub mod quotas;
pub mod retention;
pub mod roles;
pub mod scheduler;
pub mod start;
pub mod ui;
pub mod vault;
pub mod wakeups;
pub mod worker;

use std::ops::Deref;
use std::sync::Arc;

use axum::Router;

use crate::engine::Engine;
use crate::runtime::Runtime;
use crate::runtime::registry::Registry;
use crate::store::Store;

use self::vault::Vault;

/// What the service's parts share; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<App>);

pub struct App {
    pub store: Store,
    pub engine: Arc<Engine>,
    pub registry: Arc<Registry>,
    pub runtime: Arc<Runtime>,
    pub vault: Vault,
    /// Wakes the workers when a run was started or an approval decided.
    pub wake: Arc<wakeups::Wake>,
    pub plans: launch::PlanCache,
    /// Where workflows are loaded: off the async threads, a few at a time.
    pub loader: loading::Loader,
    pub worker: worker::Worker,
    /// The counters `/metrics` shows; the engine's step observer.
    pub metrics: Arc<metrics::Metrics>,
    /// The scheduler's clock and how late schedules fire.
    pub scheduling: scheduler::Scheduling,
    /// How long history is kept and how often schedules may fire.
    pub retention: retention::Policy,
    /// Which plugin signatures installs trust, and how registries are reached.
    pub trust: Arc<crate::oci::TrustPolicy>,
    /// Sign-in settings and recent failures.
    pub people: Arc<people::People>,
    /// Approval notices to the workspaces' webhooks.
    pub notices: notices::Notices,
    /// Webhook answers waiting for their runs, by workspace.
    pub waits: hook_wait::OpenWaits,
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    pub fn new(app: App) -> Self {
        Self(Arc::new(app))
    }
}

/// What a process without the API role answers: its health and its metrics.
pub fn probes(state: AppState) -> Router {
    Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route("/metrics", axum::routing::get(metrics::scrape))
        .layer(axum::middleware::from_fn(error::envelope))
        .with_state(state)
}

/// The whole HTTP surface; every error it answers is in [`error::ErrorBody`]'s envelope.
pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", api::routes())
        .route("/healthz", axum::routing::get(healthz))
        .route("/metrics", axum::routing::get(metrics::scrape))
        .route("/hooks/{workspace}/{workflow}", axum::routing::post(hooks::receive).get(hook_verify::verify))
        .route("/auth/oidc/start", axum::routing::get(people::oidc::start))
        .route("/auth/oidc/callback", axum::routing::get(people::oidc::callback))
        .route("/", axum::routing::get(ui::index))
        .route("/ui/{*path}", axum::routing::get(ui::asset))
        .layer(axum::middleware::from_fn(error::envelope))
        .with_state(state)
}

/// Whether the service can reach its database.
#[utoipa::path(get, operation_id = "healthz", path = "/healthz", tag = "service",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Object),
        (status = 503, description = "The database is unreachable", body = error::ErrorBody)))]
pub async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.store.ping().await {
        Ok(_) => (axum::http::StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok" }))).into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            error::ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is unreachable",
            )
            .into_response()
        }
    }
}
