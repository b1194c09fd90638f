//! The first-party social plugins against loopback servers that speak each service's wire
//! format, and the example workflows end to end. This module holds the shared harness.

mod ab_test;
mod bluesky;
mod caption;
mod classify;
mod mastodon;
mod media;
mod notify;
mod rss;
mod scoring;
mod scoring_time_report;
pub mod servers;
mod workflows;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use roost::capabilities::secrets::Secret;
use roost::engine::{Engine, Progress, RunReport, report};
use roost::runtime::pattern::HostPattern;
use roost::runtime::registry::Registry;
use roost::runtime::{Runtime, StepCall, StepFailure};
use roost::store::Store;
use serde_json::{Map, Value};
use tempfile::TempDir;

use crate::support;

/// The first-party plugins, a SQLite file for kv and runs, and the workspace's secrets.
pub struct Harness {
    pub runtime: Arc<Runtime>,
    pub registry: Arc<Registry>,
    pub store: Store,
    pub secrets: BTreeMap<String, Secret>,
    pub db_url: String,
    _dir: TempDir,
}

impl Harness {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("roost.db").display());
        let runtime = Arc::new(support::runtime());
        let registry = Arc::new(Registry::with_builtins(&runtime).unwrap());
        let store = Store::connect(&url).await.unwrap();
        Self { runtime, registry, store, secrets: BTreeMap::new(), db_url: url, _dir: dir }
    }

    /// Sets secret `name`, bound to `hosts` (`scheme://host[:port]`; empty: `https://loopback.test`,
    /// as which the test network policy judges the loopback servers).
    pub fn secret(&mut self, name: &str, value: &str, hosts: &[&str]) {
        let hosts = if hosts.is_empty() { &["https://loopback.test"][..] } else { hosts };
        let hosts = hosts.iter().map(|h| HostPattern::parse(h).unwrap()).collect();
        self.secrets.insert(name.into(), Secret { value: value.into(), hosts });
    }

    /// Runs `plugin/action` once with `input`, as step `step` of run `run` in workspace `acme`.
    pub async fn step(&self, plugin: &str, action: &str, input: Value) -> Result<Value, StepFailure> {
        self.call(plugin, StepCall { action: action.into(), input, ..self.blank_call() }).await
    }

    /// A call with the harness's database and secrets, a fixed run and a fresh idempotency key.
    pub fn blank_call(&self) -> StepCall {
        StepCall {
            workspace: "acme".into(),
            workflow: "test".into(),
            run_id: "run-1".into(),
            step_id: "step".into(),
            attempt: 1,
            idempotency_key: uuid::Uuid::now_v7().to_string(),
            secrets: self.secrets.clone(),
            db: Some(self.store.clone()),
            ..StepCall::default()
        }
    }

    /// Runs `call` on the newest version of `plugin`.
    pub async fn call(&self, plugin: &str, call: StepCall) -> Result<Value, StepFailure> {
        let found =
            self.registry.plugins().iter().filter(|p| p.manifest.id == plugin).max_by_key(|p| &p.manifest.version);
        let plugin = found.unwrap_or_else(|| panic!("no plugin `{plugin}` is built in")).clone();
        let outcome = self.runtime.execute(&plugin, call).await;
        for log in &outcome.logs {
            eprintln!("[{}] {}", log.level, log.message);
        }
        outcome.result
    }

    /// Runs the workflow file `path` with `inputs` to its end (or until it waits).
    pub async fn run_workflow(&self, path: &Path, inputs: Value) -> (Progress, RunReport, Engine) {
        let (progress, report, engine, _) = self.start_workflow(path, inputs).await;
        (progress, report, engine)
    }

    /// [`Harness::run_workflow`], also giving the run id (to decide approvals, resume).
    pub async fn start_workflow(&self, path: &Path, inputs: Value) -> (Progress, RunReport, Engine, String) {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.display().to_string();
        let plan = roost::workflow::load(&name, &text, self.registry.as_ref()).unwrap_or_else(|d| panic!("{d}"));
        let engine = Engine::new(self.runtime.clone(), self.registry.clone(), self.store.clone())
            .with_secrets(self.secrets.clone());
        let given: Map<String, Value> = serde_json::from_value(inputs).unwrap();
        let inputs = plan.bind_json_inputs(&given).unwrap_or_else(|e| panic!("inputs: {e:?}"));
        let run = engine.start(&plan, &name, &text, inputs, "acme", "manual").await.unwrap();
        let progress = engine.drive(&run, Duration::from_secs(30)).await.unwrap();
        let report = report(&self.store, &run).await.unwrap();
        (progress, report, engine, run)
    }

    /// Drives run `run` again (after a decision or a moved timer) and reports it.
    pub async fn resume(&self, engine: &Engine, run: &str) -> (Progress, RunReport) {
        let progress = engine.drive(run, Duration::from_secs(30)).await.unwrap();
        (progress, report(&self.store, run).await.unwrap())
    }
}

/// `workflows/NAME` in the repository.
pub fn workflow_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows").join(name)
}
