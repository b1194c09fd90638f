//! `roost serve` as clients see it: the REST API, tenancy, triggers and the web UI.
//! This module holds the harness: a real service on a loopback port over a SQLite file.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use roost::runtime::{Plugin, Runtime};
use roost::service::AppState;
use roost::service::scheduler::Clock;
use roost::service::start::{Running, ServeOptions, start};
use roost::service::vault::Vault;
use roost::store::Store;
use serde_json::Value;
use tempfile::TempDir;

use crate::support;

/// The operator token every test service accepts.
pub const OPERATOR: &str = "roost_operator-test-token";

/// A running service with its own database and data directory.
pub struct Service {
    pub running: Running,
    pub url: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
}

/// How a test service differs from [`Service::start`]'s.
#[derive(Default)]
pub struct Setup {
    /// Where to listen (default: a free loopback port).
    pub addr: Option<SocketAddr>,
    /// The data directory, e.g. of a service started before (default: a fresh one).
    pub dir: Option<TempDir>,
    /// The database (default: `roost.db` in the data directory).
    pub store: Option<Store>,
    /// Workflows loaded into `default` at start.
    pub workflows: Option<std::path::PathBuf>,
    /// The scheduler's clock (default: the system's).
    pub clock: Option<Arc<dyn Clock>>,
    /// History and schedule limits (default: the service's defaults).
    pub retention: roost::service::retention::Policy,
    /// The plugin trust policy (default: nothing required).
    pub trust: roost::oci::TrustPolicy,
    /// Sign-up and sessions (default: sign-up closed).
    pub auth: roost::service::people::AuthConfig,
    /// The parts of the service it runs (default: all).
    pub roles: roost::service::roles::Roles,
    /// Where traces are exported (default: nowhere, tracing off).
    pub otlp_endpoint: Option<String>,
}

impl Service {
    /// A service over a fresh SQLite file, with the first-party plugins and echo.
    pub async fn start() -> Self {
        Self::launch(Setup::default(), |_| Vec::new()).await
    }

    /// A service over `store`, loading the workflows in `workflows` into `default`.
    pub async fn start_with(store: Store, dir: TempDir, workflows: Option<std::path::PathBuf>) -> Self {
        Self::launch(Setup { store: Some(store), dir: Some(dir), workflows, ..Setup::default() }, |_| Vec::new()).await
    }

    /// A service as `setup` says, whose registry also holds the plugins `extra` loads.
    pub async fn launch(setup: Setup, extra: impl FnOnce(&Runtime) -> Vec<Plugin>) -> Self {
        let dir = setup.dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
        let store = match setup.store {
            Some(store) => store,
            None => Store::connect(&format!("sqlite://{}", dir.path().join("roost.db").display())).await.unwrap(),
        };
        let telemetry = roost::telemetry::TelemetryConfig { otlp_endpoint: setup.otlp_endpoint, ..Default::default() };
        let runtime = support::runtime().with_tracer(roost::telemetry::Tracer::start(&telemetry).unwrap());
        let mut registry = support::registry(&runtime);
        for plugin in extra(&runtime) {
            registry.add(plugin).unwrap();
        }
        let options = ServeOptions {
            addr: setup.addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
            store,
            runtime: Arc::new(runtime),
            registry: Arc::new(registry),
            vault: Vault::from_key(&[42; 32]),
            lease: Duration::from_secs(5),
            workspace: "default".into(),
            workflows: setup.workflows,
            operator_token: Some(OPERATOR.into()),
            data_dir: dir.path().to_path_buf(),
            grace: Duration::from_secs(5),
            clock: setup.clock,
            retention: setup.retention,
            trust: Arc::new(setup.trust),
            auth: setup.auth,
            roles: setup.roles,
        };
        let running = start(options).await.unwrap();
        let url = format!("http://127.0.0.1:{}", running.addr.port());
        Self { running, url, client: reqwest::Client::new(), dir }
    }

    pub fn state(&self) -> &AppState {
        &self.running.state
    }

    /// `method path` with `token` and an optional JSON body: (status, JSON or text as a string).
    pub async fn call(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.url)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Stores workflow `yaml` in workspace `ws` as the operator; panics unless it validates.
    pub async fn put_workflow(&self, ws: &str, yaml: &str) {
        let (status, body) = self
            .call(
                OPERATOR,
                Method::POST,
                &format!("/api/v1/workspaces/{ws}/workflows"),
                Some(serde_json::json!({ "source": yaml })),
            )
            .await;
        assert!(status == 201 || status == 200, "{status}: {body}");
    }

    /// Creates workspace `ws` and a token for it with `role`; returns the token.
    pub async fn workspace_token(&self, ws: &str, role: &str) -> String {
        let (status, body) =
            self.call(OPERATOR, Method::POST, "/api/v1/workspaces", Some(serde_json::json!({ "id": ws }))).await;
        assert!(status == 201 || status == 409, "{status}: {body}");
        let (status, body) = self
            .call(
                OPERATOR,
                Method::POST,
                &format!("/api/v1/workspaces/{ws}/tokens"),
                Some(serde_json::json!({ "name": format!("{ws}-{role}"), "role": role })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// Polls run `id` of `ws` until its status is one of `statuses` (or 30 s pass).
    pub async fn wait_status(&self, ws: &str, id: &str, statuses: &[&str]) -> Value {
        for _ in 0..300 {
            let (_, run) = self.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/{ws}/runs/{id}"), None).await;
            if run["status"].as_str().is_some_and(|s| statuses.contains(&s)) {
                return run;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("run {id} never reached {statuses:?}");
    }
}

mod api;
mod approval_fields;
pub(crate) mod browser;
pub(crate) mod calendar;
mod client_links;
mod everyday;
pub(crate) mod hooks;
mod hooks_wait;
mod metrics;
mod notices;
mod postgres;
mod publishing_stop;
mod quotas;
mod respond;
mod retry;
pub(crate) mod schedules;
pub mod secrets;
mod shape;
mod tenancy;
mod traces;
mod usage;
mod workspace_delete;
