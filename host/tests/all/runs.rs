//! Runs end to end through the engine, recorded in a real SQLite file and in PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use roost::engine::{Engine, Progress, RunReport, report};
use roost::runtime::Runtime;
use roost::runtime::cache::CacheOutcome;
use roost::runtime::registry::Registry;
use roost::store::Store;
use roost::workflow;
use serde_json::{Map, json};

use crate::support;

const TWO_ECHOES: &str = r#"
name: two-echoes
inputs:
  text: { type: string }
steps:
  - id: first
    uses: echo/echo@1
    with: { text: "${{ inputs.text }}", n: 3 }
  - id: second
    uses: echo/echo@1
    with: { again: "${{ steps.first.output }}", said: "said ${{ steps.first.output.text }}" }
outputs:
  said: ${{ steps.second.output.said }}
"#;

const FAILS_THEN_ECHOES: &str = r#"
name: fails-midway
steps:
  - id: boom
    uses: hostile/panic@1
  - id: after
    uses: echo/echo@1
    needs: [boom]
    with: { never: true }
on_failure:
  - id: alert
    uses: echo/echo@1
    with: { text: "run ${{ run.id }} failed at ${{ failure.step }}" }
"#;

const COUNTS: &str = r#"
name: counts
steps:
  - id: count
    uses: hostile/counter@1
"#;

fn full_registry(runtime: &Runtime) -> Registry {
    let mut registry = support::registry(runtime);
    let perms = support::permissions(&["https://api.example.com".into()], &["https://api.example.com".into()]);
    registry.add(support::load_hostile(runtime, &support::hostile_manifest("hostile", &perms)).unwrap()).unwrap();
    registry
}

/// Starts `yaml` and works it to its end.
async fn run(engine: &Engine, yaml: &str, inputs: &[(&str, &str)], workspace: &str) -> RunReport {
    let plan = workflow::load("test.yaml", yaml, engine.registry()).unwrap();
    let given: Vec<(String, String)> = inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let inputs: Map<String, serde_json::Value> = plan.bind_inputs(&given).unwrap();
    let run_id = engine.start(&plan, "test.yaml", yaml, inputs, workspace, "test").await.unwrap();
    assert_eq!(engine.drive(&run_id, Duration::from_secs(30)).await.unwrap(), Progress::Finished);
    report(engine.store(), &run_id).await.unwrap()
}

/// The checks every backend must pass.
async fn records_runs_steps_logs_and_kv(store: Store) {
    let runtime = support::runtime();
    let registry = full_registry(&runtime);
    let engine = Engine::new(Arc::new(runtime), Arc::new(registry), store.clone());

    let report = run(&engine, TWO_ECHOES, &[("text", "hi")], "acme").await;
    assert_eq!(report.status, "succeeded");
    assert_eq!(report.outputs, json!({ "said": "said hi" }));
    let record = store.get_run(&report.run_id).await.unwrap();
    assert_eq!(
        (record.status.as_str(), record.workspace.as_str(), record.workflow.as_str()),
        ("succeeded", "acme", "two-echoes")
    );
    assert_eq!(record.inputs, json!({ "text": "hi" }));
    assert_eq!(record.steps.len(), 2);
    let second = record.steps.iter().find(|s| s.step_id == "second").unwrap();
    assert_eq!(second.input, Some(json!({ "again": { "text": "hi", "n": 3 }, "said": "said hi" })));
    assert_eq!(second.output, second.input);
    assert_eq!(second.status, "succeeded");
    assert_eq!(second.digest.len(), 64);
    assert!(second.duration_us.is_some() && second.finished_at >= second.started_at);

    let report = run(&engine, FAILS_THEN_ECHOES, &[], "acme").await;
    assert_eq!(report.status, "failed");
    assert_eq!(report.steps["after"].status, "skipped");
    let alert = &report.steps["alert"];
    assert_eq!(alert.status, "succeeded");
    assert_eq!(alert.output["text"], format!("run {} failed at boom", report.run_id));
    let record = store.get_run(&report.run_id).await.unwrap();
    assert!(record.error.as_deref().unwrap().starts_with("step `boom` failed: plugin trapped"));
    let boom = &record.steps[0];
    assert_eq!((boom.status.as_str(), boom.error_kind.as_deref()), ("failed", Some("trap")));
    assert!(boom.logs.iter().any(|l| l.message.contains("hostile plugin gave up on purpose")), "{:?}", boom.logs);

    // kv is kept per workspace and plugin, across runs.
    let count = |r: RunReport| r.steps["count"].output["count"].clone();
    assert_eq!(count(run(&engine, COUNTS, &[], "acme").await), 1);
    assert_eq!(count(run(&engine, COUNTS, &[], "acme").await), 2);
    assert_eq!(count(run(&engine, COUNTS, &[], "globex").await), 1);
}

#[tokio::test]
async fn sqlite_file_records_runs_steps_logs_and_kv() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roost.db").display());
    records_runs_steps_logs_and_kv(Store::connect(&url).await.unwrap()).await;
    assert!(dir.path().join("roost.db").metadata().unwrap().len() > 0);
    // Runs, comments and the audit log are the owner's alone, and so is the write-ahead log.
    use std::os::unix::fs::PermissionsExt;
    let open = Store::connect(&url).await.unwrap();
    for file in ["roost.db", "roost.db-wal", "roost.db-shm"] {
        let meta = dir.path().join(file).metadata().unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
    }
    drop(open);
}

#[tokio::test]
async fn postgres_records_runs_steps_logs_and_kv() {
    records_runs_steps_logs_and_kv(Store::connect(&support::pg_url().await).await.unwrap()).await;
}

#[test]
fn a_second_load_of_a_plugin_comes_from_the_compile_cache() {
    let cache = tempfile::tempdir().unwrap();
    let config = roost::runtime::RuntimeConfig { cache_dir: Some(cache.path().into()), ..Default::default() };
    let manifest = std::fs::read_to_string(support::test_plugins_dir().join("echo/plugin.toml")).unwrap();
    let wasm = std::fs::read(support::wasm_dir().join("echo.wasm")).unwrap();
    let first = Runtime::new(config.clone()).unwrap().load("echo/plugin.toml", &manifest, &wasm).unwrap();
    assert_eq!(first.cache, CacheOutcome::Compiled);
    let second = Runtime::new(config).unwrap().load("echo/plugin.toml", &manifest, &wasm).unwrap();
    assert_eq!(second.cache, CacheOutcome::Hit);
    assert_eq!(first.digest, second.digest);
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1);
}

fn one_at_a_time(on_busy: &str) -> String {
    format!(
        "name: one-at-a-time\nconcurrency: {{ limit: 1, on_busy: {on_busy} }}\nsteps:\n  - id: review\n    approval: {{ message: Go? }}\n"
    )
}

/// Starts `yaml` and drives it once.
async fn start(engine: &Engine, yaml: &str) -> (String, Progress) {
    let plan = workflow::load("busy.yaml", yaml, engine.registry()).unwrap();
    let run_id = engine.start(&plan, "busy.yaml", yaml, Map::new(), "acme", "test").await.unwrap();
    let progress = engine.drive(&run_id, Duration::ZERO).await.unwrap();
    (run_id, progress)
}

async fn status(engine: &Engine, run_id: &str) -> (String, Option<String>) {
    let run = engine.store().get_run(run_id).await.unwrap();
    (run.status, run.error)
}

#[tokio::test]
async fn the_concurrency_policy_queues_skips_or_cancels_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("busy.db").display())).await.unwrap();
    let runtime = support::runtime();
    let registry = support::registry(&runtime);
    let engine = Engine::new(Arc::new(runtime), Arc::new(registry), store);

    let queue = one_at_a_time("queue");
    let (first, _) = start(&engine, &queue).await;
    let (second, progress) = start(&engine, &queue).await;
    assert_eq!(progress, Progress::Queued);
    assert_eq!(status(&engine, &second).await.0, "queued");
    engine.decide(&first, "review", true, "ada", None).await.unwrap();
    assert_eq!(status(&engine, &first).await.0, "succeeded");
    // The first run's end lets the queued one start.
    assert!(matches!(engine.drive(&second, Duration::ZERO).await.unwrap(), Progress::Waiting { .. }));
    assert_eq!(status(&engine, &second).await.0, "waiting");

    let skip = one_at_a_time("skip");
    let (skipped, _) = start(&engine, &skip).await;
    let (state, error) = status(&engine, &skipped).await;
    assert_eq!(state, "cancelled");
    assert_eq!(
        error.as_deref(),
        Some("skipped: 1 runs of `one-at-a-time` already active (concurrency limit 1, on_busy: skip)")
    );

    let cancel = one_at_a_time("cancel_running");
    let (newest, progress) = start(&engine, &cancel).await;
    assert!(matches!(progress, Progress::Waiting { .. }));
    let (state, error) = status(&engine, &second).await;
    assert_eq!(state, "cancelled");
    assert!(error.unwrap().starts_with(&format!("cancelled to make room for run {newest}")));
    assert!(engine.store().waiting_approvals("acme").await.unwrap().iter().all(|a| a.run_id == newest));
}
