//! The durable engine, one semantic point per test: DAG order, `for_each`, retries,
//! approvals, timers, `if`, resuming in another engine, exactly-once publishing, run
//! versions (a write from a stale copy of a run is refused), and the
//! CLI around approvals. Runs are recorded in a real SQLite file (a few also in PostgreSQL);
//! the engine's own tables (`attempts`, `step_items`, `jobs`) are read with a second pool.
//!
//! This module holds the helpers the areas share; each area's tests are in a submodule.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use roost::engine::{Engine, Progress, RunReport, report};
use roost::store::Store;
use roost::workflow;
use serde_json::Value;
use sqlx::Row;
use tempfile::TempDir;

use crate::support;

mod approvals;
mod cli;
mod conditions;
mod dag;
mod exactly_once;
mod for_each;
mod resume;
mod retries;
mod timers;
mod versions;

const LEASE: Duration = Duration::from_secs(2);
const PATIENCE: Duration = Duration::from_secs(30);

/// A database for one test: the store, its URL (for a second, reading pool) and its folder.
struct Db {
    store: Store,
    url: String,
    _dir: Option<TempDir>,
}

async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roost.db").display());
    Db { store: Store::connect(&url).await.unwrap(), url, _dir: Some(dir) }
}

async fn postgres() -> Db {
    let url = support::pg_url().await;
    Db { store: Store::connect(&url).await.unwrap(), url, _dir: None }
}

/// An engine with its own runtime: the first-party plugins, echo, and flaky allowed `http_hosts`.
fn engine_with(store: &Store, http_hosts: &[String]) -> Engine {
    let runtime = support::runtime();
    let mut registry = support::registry(&runtime);
    registry.add(support::load_flaky(&runtime, http_hosts)).unwrap();
    Engine::new(Arc::new(runtime), Arc::new(registry), store.clone()).with_lease(LEASE)
}

/// An engine whose flaky plugin may call the (unused) base host of its manifest.
fn engine(store: &Store) -> Engine {
    engine_with(store, &["http://loopback.test".into()])
}

async fn start(engine: &Engine, yaml: &str, inputs: &[(&str, &str)]) -> String {
    let plan = workflow::load("t.yaml", yaml, engine.registry()).unwrap_or_else(|d| panic!("{d}"));
    let given: Vec<(String, String)> = inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let inputs = plan.bind_inputs(&given).unwrap();
    engine.start(&plan, "t.yaml", yaml, inputs, "acme", "test").await.unwrap()
}

/// Starts `yaml`, drives it to its end and returns its report.
async fn finish(engine: &Engine, yaml: &str, inputs: &[(&str, &str)]) -> RunReport {
    let run_id = start(engine, yaml, inputs).await;
    assert_eq!(engine.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    report(engine.store(), &run_id).await.unwrap()
}

fn statuses(report: &RunReport) -> BTreeMap<&str, &str> {
    report.steps.iter().map(|(id, s)| (id.as_str(), s.status.as_str())).collect()
}

/// One row of the `attempts` table.
#[derive(Debug, Clone)]
struct Attempt {
    idx: i64,
    attempt: i64,
    status: String,
    error_kind: Option<String>,
    started_at: i64,
    finished_at: i64,
}

async fn read_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(url).await.unwrap()
}

/// Every recorded attempt of `step` in `run`, by item and attempt.
async fn attempts(url: &str, run: &str, step: &str) -> Vec<Attempt> {
    let pool = read_pool(url).await;
    let rows = sqlx::query(
        "SELECT CAST(idx AS BIGINT), CAST(attempt AS BIGINT), status, error_kind, started_at, finished_at \
         FROM attempts WHERE run_id = $1 AND step_id = $2 ORDER BY idx, attempt",
    )
    .bind(run)
    .bind(step)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| Attempt {
            idx: r.get(0),
            attempt: r.get(1),
            status: r.get(2),
            error_kind: r.get(3),
            started_at: r.get(4),
            finished_at: r.get(5),
        })
        .collect()
}

/// `(idx, status)` of every `for_each` item of `step` in `run`.
async fn items(url: &str, run: &str, step: &str) -> Vec<(i64, String)> {
    let pool = read_pool(url).await;
    let rows = sqlx::query(
        "SELECT CAST(idx AS BIGINT), status FROM step_items WHERE run_id = $1 AND step_id = $2 ORDER BY idx",
    )
    .bind(run)
    .bind(step)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// The most intervals `(started, ended)` that overlap at one moment.
fn max_overlap(intervals: &[(u64, u64)]) -> usize {
    intervals.iter().map(|(s, _)| intervals.iter().filter(|(s2, e2)| s2 <= s && s < e2).count()).max().unwrap_or(0)
}

fn interval(output: &Value) -> (u64, u64) {
    (output["started"].as_u64().unwrap(), output["ended"].as_u64().unwrap())
}
