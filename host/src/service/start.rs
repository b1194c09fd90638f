//! Starting and stopping the service: first-start set-up (workspace, operator token),
//! loading a folder of workflows, the listener, the worker and the scheduler.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::auth::{new_token, token_hash};
use super::loading::LoadFailure;
use super::metrics::Metrics;
use super::quotas::StepQuotas;
use super::roles::Roles;
use super::vault::{StoredSecrets, Vault};
use super::{App, AppState, api, launch, leader, loading, retention, router, scheduler, wakeups, worker};
use crate::engine::Engine;
use crate::runtime::Runtime;
use crate::runtime::registry::Registry;
use crate::store::{Actor, Store, TokenRecord, now_ms};

/// Everything `roost serve` is started with.
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub store: Store,
    pub runtime: Arc<Runtime>,
    pub registry: Arc<Registry>,
    pub vault: Vault,
    pub lease: Duration,
    /// The workspace created on first start, into which `workflows` are loaded.
    pub workspace: String,
    /// A folder of `*.yaml` workflows loaded (as new revisions if changed) at start.
    pub workflows: Option<PathBuf>,
    /// The operator token to accept; without it, one is created on first start and written
    /// to `operator-token` in `data_dir`.
    pub operator_token: Option<String>,
    pub data_dir: PathBuf,
    /// How long shutdown waits for runs in flight before handing their jobs back.
    pub grace: Duration,
    /// The scheduler's clock; `None`: the system clock.
    pub clock: Option<Arc<dyn scheduler::Clock>>,
    /// How long history is kept and how often schedules may fire.
    pub retention: retention::Policy,
    /// Which plugin signatures installs trust, and how registries are reached.
    pub trust: Arc<crate::oci::TrustPolicy>,
    /// `[auth]`: sign-up, sessions.
    pub auth: super::people::AuthConfig,
    /// The parts of the service this process runs.
    pub roles: Roles,
}

/// A service started by [`start`].
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting requests, lets runs in flight finish (up to the grace period) and
    /// hands back the leases still held.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Err(e) = self.state.metrics.meter.flush(&self.state.store).await {
            tracing::error!("storing the workspaces' last usage failed: {e}");
        }
        self.state.runtime.tracer().flush().await;
    }
}

/// Starts the service in this process's tokio runtime.
pub async fn start(options: ServeOptions) -> anyhow::Result<Running> {
    options.vault.verify(&options.store).await?;
    let metrics = Arc::new(Metrics::new(options.addr.ip().is_loopback()));
    let engine = Engine::new(options.runtime.clone(), options.registry.clone(), options.store.clone())
        .with_lease(options.lease)
        .with_secret_source(Arc::new(StoredSecrets { store: options.store.clone(), vault: options.vault.clone() }))
        .with_limits(Arc::new(StepQuotas::new(options.store.clone(), metrics.clone())))
        .with_observer(metrics.clone());
    let state = AppState::new(App {
        store: options.store.clone(),
        engine: Arc::new(engine),
        registry: options.registry.clone(),
        runtime: options.runtime.clone(),
        vault: options.vault.clone(),
        wake: Arc::default(),
        plans: launch::PlanCache::default(),
        loader: loading::Loader::default(),
        worker: worker::Worker::default(),
        metrics,
        scheduling: scheduler::Scheduling::new(options.clock.clone()),
        retention: options.retention,
        trust: options.trust.clone(),
        people: Arc::new(super::people::People::new(options.auth.clone()).map_err(anyhow::Error::msg)?),
        notices: super::notices::Notices::new(options.runtime.net().clone())?,
        waits: Default::default(),
    });
    bootstrap(&state, &options).await?;
    crate::install::sync(&state.registry, &state.runtime, &state.store).await?;
    if let Some(dir) = &options.workflows {
        load_workflows(&state, &options.workspace, dir).await?;
    }
    check_stored(&state).await?;
    let listener = tokio::net::TcpListener::bind(options.addr).await?;
    let addr = listener.local_addr()?;
    options.runtime.net().serve_at(addr);
    let (shutdown, rx) = watch::channel(false);
    let roles = options.roles;
    let app = if roles.api { router(state.clone()) } else { super::probes(state.clone()) };
    let mut http_rx = rx.clone();
    let http = tokio::spawn(async move {
        let stop = async move {
            let _ = http_rx.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
            tracing::error!("the HTTP server stopped: {e}");
        }
    });
    let mut tasks = vec![http, tokio::spawn(super::plugin_sync::run(state.clone(), rx.clone()))];
    // Only PostgreSQL carries wake-ups between processes; on SQLite they stay local.
    if options.store.backend() == crate::store::Backend::Postgres {
        tasks.push(tokio::spawn(wakeups::announce(state.clone(), rx.clone())));
    }
    tasks.push(tokio::spawn(super::metering::run(state.clone(), rx.clone())));
    if roles.worker {
        tasks.push(tokio::spawn(wakeups::listen(state.clone(), rx.clone())));
        tasks.push(tokio::spawn(worker::Worker::run(state.clone(), rx.clone(), options.grace)));
    }
    if roles.scheduler {
        let (leads, leading) = watch::channel(false);
        tasks.push(tokio::spawn(leader::elect(state.clone(), leads, rx.clone())));
        tasks.push(tokio::spawn(scheduler::run(state.clone(), rx.clone(), leading.clone())));
        tasks.push(tokio::spawn(retention::run(state.clone(), rx.clone(), leading)));
    }
    tracing::info!(%addr, %roles, "roost serve is listening");
    Ok(Running { addr, state, shutdown, tasks })
}

/// First start: the workspace exists, and there is an operator token.
async fn bootstrap(state: &AppState, options: &ServeOptions) -> anyhow::Result<()> {
    let store = &state.store;
    if store.create_workspace(&options.workspace, &options.workspace, &json!({})).await? {
        tracing::info!(workspace = %options.workspace, "created workspace");
    }
    let token = match &options.operator_token {
        Some(token) => Some(token.clone()),
        None if store.has_operator_token().await? => None,
        None => {
            let token = new_token().map_err(|e| anyhow::anyhow!(e.message))?;
            let path = options.data_dir.join("operator-token");
            write_private(&path, &token)?;
            tracing::warn!("created the operator token; it is in {} (readable by this user only)", path.display());
            Some(token)
        }
    };
    if let Some(token) = token {
        let hash = token_hash(&token);
        if store.token_by_hash(&hash).await?.is_none() {
            let record = TokenRecord {
                id: uuid::Uuid::now_v7().to_string(),
                workspace: None,
                role: "owner".into(),
                name: "operator".into(),
                created_at: now_ms(),
                last_used_at: None,
                user_id: None,
            };
            // Processes started together on a new database race to create it: one wins.
            if let Err(e) = store.create_token(&record, &hash).await
                && store.token_by_hash(&hash).await?.is_none()
            {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, format!("{text}\n").as_bytes())?;
    Ok(())
}

/// Stored workflows loaded at the same time while the service starts.
const STARTUP_LOADS: usize = 4;

/// Loads every stored workflow before triggers can fire: one that no longer loads (stored
/// by older code, or under higher limits) is marked broken with its errors, so its
/// triggers stay silent while the service serves everything else; the others' plans are
/// kept, so the scheduler does not load them again.
async fn check_stored(state: &AppState) -> anyhow::Result<()> {
    let workflows = state.store.workflows(None).await?;
    let generation = state.registry.generation();
    let mut checks = futures::stream::iter(workflows)
        .map(|w| async move {
            let result = state.loader.load(&state.registry, &w.workspace, &launch::file_name(&w), &w.source).await;
            (w, result)
        })
        .buffer_unordered(STARTUP_LOADS);
    while let Some((w, result)) = checks.next().await {
        match result {
            Ok(plan) => {
                if w.error.is_some() {
                    state.store.set_workflow_error(&w.workspace, &w.name, w.revision, None).await?;
                }
                state.plans.insert(&w.workspace, (w.revision, generation), plan, w.source.len());
            }
            Err(failure @ LoadFailure::Invalid(_)) => {
                let error = failure.summary();
                tracing::error!(workspace = %w.workspace, workflow = %w.name, "marked broken: {error}");
                state.store.set_workflow_error(&w.workspace, &w.name, w.revision, Some(&error)).await?;
            }
            Err(busy) => {
                tracing::warn!(workspace = %w.workspace, workflow = %w.name, "not checked: {}", busy.summary())
            }
        }
    }
    Ok(())
}

/// Stores every `*.yaml` in `dir` in `workspace`; a file that does not validate is
/// reported with its diagnostics and skipped, the others still load.
pub async fn load_workflows(state: &AppState, workspace: &str, dir: &Path) -> anyhow::Result<usize> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read the workflows folder {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut loaded = 0;
    for file in files {
        let source = std::fs::read_to_string(&file)?;
        let name = file.display().to_string();
        match api::save_workflow(state, workspace, &name, &source, &Actor::system("startup")).await {
            Ok(saved) => {
                loaded += 1;
                tracing::info!(workflow = %saved.name, revision = saved.revision, "loaded {name}");
            }
            Err(e) => {
                let details = e.details.map(|d| d.to_string()).unwrap_or_default();
                tracing::error!("{name} was not loaded: {} {details}", e.message);
            }
        }
    }
    Ok(loaded)
}
