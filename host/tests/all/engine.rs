//! The durable engine, one semantic point per test: DAG order, `for_each`, retries,
//! approvals, timers, `if`, resuming in another engine, exactly-once publishing, and the
//! CLI around approvals. Runs are recorded in a real SQLite file (a few also in PostgreSQL);
//! the engine's own tables (`attempts`, `step_items`, `jobs`) are read with a second pool.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use roost::engine::{Engine, Progress, RunReport, idempotency_key, report};
use roost::store::{Store, now_ms};
use roost::workflow;
use serde_json::{Value, json};
use sqlx::Row;
use tempfile::TempDir;

use crate::support::{self, Publisher};

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
    registry.add(support::load_flaky(&runtime, http_hosts));
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

// ---------------------------------------------------------------------------------------
// 1. The DAG

const DAG: &str = r#"
name: dag
steps:
  - id: tail
    uses: echo/echo@1
    needs: [summary]
    with: { done: true }
  - id: summary
    uses: echo/echo@1
    needs: [b]
    with: { a_slept: "${{ steps.a.output.ms }}" }
  - id: a
    uses: flaky/slow@1
    with: { ms: 400 }
  - id: b
    uses: flaky/slow@1
    with: { ms: 300 }
outputs:
  a_slept: ${{ steps.summary.output.a_slept }}
"#;

async fn dag_orders_steps_by_references_and_needs(db: Db) {
    let engine = engine(&db.store);
    let run_id = start(&engine, DAG, &[]).await;
    let before = report(&db.store, &run_id).await.unwrap();
    assert_eq!(before.status, "running");
    assert!(before.steps.values().all(|s| s.status == "pending"), "{before:?}");
    let mut ready: Vec<String> = db.store.pending_jobs(&run_id).await.unwrap().into_iter().map(|j| j.step_id).collect();
    ready.sort();
    assert_eq!(ready, ["a", "b"], "only the steps without dependencies are ready at first");

    assert_eq!(engine.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    assert_eq!(
        statuses(&done),
        BTreeMap::from([("a", "succeeded"), ("b", "succeeded"), ("summary", "succeeded"), ("tail", "succeeded")])
    );
    assert_eq!(done.steps["summary"].output, json!({ "a_slept": 400 }), "a whole `${{ }}` keeps the number's type");
    assert_eq!(done.outputs, json!({ "a_slept": 400 }));

    // The independent steps ran side by side.
    let (a, b) = (interval(&done.steps["a"].output), interval(&done.steps["b"].output));
    assert!(a.0 < b.1 && b.0 < a.1, "a {a:?} and b {b:?} did not overlap");
    // `summary` reads `a` and needs `b`: it started after both ended; `tail` only needs `summary`.
    let first = |v: Vec<Attempt>| v.into_iter().next().unwrap();
    let summary = first(attempts(&db.url, &run_id, "summary").await);
    let tail = first(attempts(&db.url, &run_id, "tail").await);
    for dep in ["a", "b"] {
        let dep = first(attempts(&db.url, &run_id, dep).await);
        assert!(summary.started_at >= dep.finished_at, "summary {summary:?} started before {dep:?} ended");
    }
    assert!(tail.started_at >= summary.finished_at, "tail {tail:?} started before summary {summary:?} ended");
}

#[tokio::test]
async fn dag_orders_steps_by_references_and_needs_in_sqlite() {
    dag_orders_steps_by_references_and_needs(sqlite().await).await;
}

#[tokio::test]
async fn dag_orders_steps_by_references_and_needs_in_postgres() {
    dag_orders_steps_by_references_and_needs(postgres().await).await;
}

#[test]
fn a_dependency_cycle_is_an_error_naming_it() {
    let runtime = support::runtime();
    let registry = support::registry(&runtime);
    let yaml = "name: cyclic\nsteps:\n  - id: a\n    uses: echo/echo@1\n    with: { x: \"${{ steps.b.output }}\" }\n  - id: b\n    uses: echo/echo@1\n    needs: [a]\n";
    let err = workflow::load("cyclic.yaml", yaml, &registry).unwrap_err().to_string();
    assert!(err.contains("dependency cycle: a -> b -> a"), "{err}");
}

#[tokio::test]

async fn a_steps_started_at_is_when_its_first_attempt_began() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: one-slow\nsteps:\n  - id: nap\n    uses: flaky/slow@1\n    with: { ms: 300 }\n";
    let done = finish(&engine, yaml, &[]).await;
    let attempt = attempts(&db.url, &done.run_id, "nap").await.remove(0);
    let record = db.store.get_run(&done.run_id).await.unwrap();
    let nap = record.steps.iter().find(|s| s.step_id == "nap").unwrap();
    let started = nap.started_at.unwrap();
    assert!(
        started <= attempt.started_at,
        "steps.started_at {started} is after the attempt began at {} (it ended at {})",
        attempt.started_at,
        attempt.finished_at
    );
}

// ---------------------------------------------------------------------------------------
// 2. for_each

const FAN_OUT: &str = r#"
name: fan-out
steps:
  - id: people
    uses: echo/echo@1
    with: { list: [{ name: ada }, { name: bob }, { name: cy }] }
  - id: greet
    uses: echo/echo@1
    for_each: ${{ steps.people.output.list }}
    with: { line: "${{ index }}: ${{ item.name }}", item: "${{ item }}", index: "${{ index }}" }
  - id: naps
    uses: flaky/slow@1
    for_each: [500, 250, 400, 200, 300, 450, 250]
    concurrency: 3
    with: { ms: "${{ item }}" }
outputs:
  lines: ${{ steps.greet.output }}
"#;

#[tokio::test]
async fn for_each_keeps_item_order_scopes_item_and_index_and_honours_concurrency() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, FAN_OUT, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(
        done.steps["greet"].output,
        json!([
            { "line": "0: ada", "item": { "name": "ada" }, "index": 0 },
            { "line": "1: bob", "item": { "name": "bob" }, "index": 1 },
            { "line": "2: cy", "item": { "name": "cy" }, "index": 2 },
        ])
    );
    let naps = done.steps["naps"].output.as_array().unwrap().clone();
    let slept: Vec<u64> = naps.iter().map(|o| o["ms"].as_u64().unwrap()).collect();
    assert_eq!(slept, [500, 250, 400, 200, 300, 450, 250], "outputs are in item order, not finishing order");
    let intervals: Vec<(u64, u64)> = naps.iter().map(interval).collect();
    assert_eq!(
        max_overlap(&intervals),
        3,
        "concurrency 3: at most 3 items at once, and 3 did run together: {intervals:?}"
    );
    let recorded = items(&db.url, &done.run_id, "naps").await;
    assert_eq!(recorded.len(), 7);
    assert!(recorded.iter().all(|(_, s)| s == "succeeded"), "{recorded:?}");
    assert_eq!(attempts(&db.url, &done.run_id, "naps").await.len(), 7, "one attempt per item");
}

/// A `for_each` whose middle item fails (fatally, once), and a step reading its result.
fn item_fails(tolerate: bool) -> String {
    format!(
        r#"
name: item-fails
steps:
  - id: tries
    uses: flaky/fail-times@1
    for_each: [0, 1, 0]
    continue_on_error: {tolerate}
    with: {{ times: "${{{{ item }}}}", kind: fatal }}
  - id: after
    uses: echo/echo@1
    with: {{ saw: "${{{{ steps.tries.output }}}}", status: "${{{{ steps.tries.status }}}}" }}
"#
    )
}

#[tokio::test]
async fn a_failed_item_fails_the_step_and_the_run() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, &item_fails(false), &[]).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.steps["tries"].status, "failed");
    let error = done.steps["tries"].error.as_deref().unwrap();
    assert!(error.contains("1 of 3 items failed; item 1") && error.contains("fails on purpose"), "{error}");
    assert_eq!(done.steps["after"].status, "skipped");
    let recorded = items(&db.url, &done.run_id, "tries").await;
    assert_eq!(recorded[1], (1, "failed".to_string()));
    assert!(done.error.as_deref().unwrap().contains("step `tries` failed"), "{:?}", done.error);
}

#[tokio::test]
async fn with_continue_on_error_a_failed_item_leaves_null_in_its_slot() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, &item_fails(true), &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(done.steps["tries"].status, "succeeded");
    let run = &done.run_id;
    let ok = |idx: usize| json!({ "attempts": 1, "attempt": 1, "key": format!("{run}/tries/{idx}") });
    let expected = json!([ok(0), null, ok(2)]);
    assert_eq!(done.steps["tries"].output, expected);
    assert_eq!(done.steps["after"].status, "succeeded");
    assert_eq!(done.steps["after"].output, json!({ "saw": expected, "status": "succeeded" }));
}

// ---------------------------------------------------------------------------------------
// 3. Retries

fn flaky_step(with: &str, extra: &str) -> String {
    format!("name: retries\nsteps:\n  - id: flaky\n    uses: flaky/fail-times@1\n    with: {with}\n{extra}")
}

#[tokio::test]
async fn retryable_errors_are_retried_with_backoff_and_the_same_idempotency_key() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = flaky_step(
        "{ times: 2, kind: retryable }",
        "    retry: { max_attempts: 3, backoff: exponential, initial_delay: 100ms }\n",
    );
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let key = format!("{}/flaky", done.run_id);
    // The kv counter is keyed by the idempotency key: 3 means every attempt had the same key.
    assert_eq!(done.steps["flaky"].output, json!({ "attempts": 3, "attempt": 3, "key": key }));
    let tries = attempts(&db.url, &done.run_id, "flaky").await;
    let summary: Vec<(i64, &str, Option<&str>)> =
        tries.iter().map(|a| (a.attempt, a.status.as_str(), a.error_kind.as_deref())).collect();
    assert_eq!(summary, [(1, "failed", Some("retryable")), (2, "failed", Some("retryable")), (3, "succeeded", None)]);
    assert!(tries.iter().all(|a| a.idx == -1));
    // Exponential backoff: 100 ms after the first failure, 200 ms after the second.
    assert!(tries[1].started_at - tries[0].finished_at >= 100, "{tries:?}");
    assert!(tries[2].started_at - tries[1].finished_at >= 200, "{tries:?}");
    let record = db.store.get_run(&done.run_id).await.unwrap();
    assert_eq!(record.steps[0].attempt, 3);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = flaky_step("{ times: 5, kind: retryable }", "    retry: { max_attempts: 3, initial_delay: 10ms }\n");
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.steps["flaky"].status, "failed");
    let error = done.steps["flaky"].error.as_deref().unwrap();
    assert!(error.contains("attempt 3 of 5 fails on purpose"), "{error}");
    let tries = attempts(&db.url, &done.run_id, "flaky").await;
    assert_eq!(tries.len(), 3, "{tries:?}");
    assert!(tries.iter().all(|a| a.status == "failed" && a.error_kind.as_deref() == Some("retryable")));
}

#[tokio::test]
async fn invalid_input_and_fatal_errors_are_never_retried() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    for (kind, recorded) in [("invalid", "invalid-input"), ("fatal", "fatal")] {
        let yaml = flaky_step(
            &format!("{{ times: 1, kind: {kind} }}"),
            "    retry: { max_attempts: 5, initial_delay: 10ms }\n",
        );
        let done = finish(&engine, &yaml, &[]).await;
        assert_eq!((done.status.as_str(), done.steps["flaky"].status.as_str()), ("failed", "failed"), "{kind}");
        let tries = attempts(&db.url, &done.run_id, "flaky").await;
        assert_eq!(tries.len(), 1, "{kind}: {tries:?}");
        assert_eq!(tries[0].error_kind.as_deref(), Some(recorded));
        let record = db.store.get_run(&done.run_id).await.unwrap();
        assert_eq!(record.steps[0].error_kind.as_deref(), Some(recorded));
    }
}

#[tokio::test]
async fn a_plugins_retry_after_wins_over_the_backoff() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let retry = "    retry: { max_attempts: 3, initial_delay: 30s, max_delay: 1m }\n";
    // The plugin asks for 200 ms; the backoff alone would wait 30 s.
    let yaml = flaky_step("{ times: 2, kind: retryable, retry_after_ms: 200 }", retry);
    let run_id = start(&engine, &yaml, &[]).await;
    assert_eq!(engine.drive(&run_id, Duration::from_secs(5)).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    let tries = attempts(&db.url, &run_id, "flaky").await;
    assert_eq!(tries.len(), 3);
    for pair in tries.windows(2) {
        let gap = pair[1].started_at - pair[0].finished_at;
        assert!((200..30_000).contains(&gap), "gap {gap} ms: {tries:?}");
    }

    // Without a retry-after the backoff holds: the next attempt is 30 s away.
    let yaml = flaky_step("{ times: 2, kind: retryable }", retry);
    let run_id = start(&engine, &yaml, &[]).await;
    let before = now_ms();
    let Progress::Waiting { approvals, until: Some(until) } =
        engine.drive(&run_id, Duration::from_secs(5)).await.unwrap()
    else {
        panic!("the run should wait for its retry")
    };
    assert!(approvals.is_empty());
    assert!(until >= before + 29_000, "the retry is due in {} ms", until - before);
    assert_eq!(attempts(&db.url, &run_id, "flaky").await.len(), 1);
    let jobs = db.store.pending_jobs(&run_id).await.unwrap();
    assert_eq!((jobs.len(), jobs[0].attempt, jobs[0].available_at), (1, 2, until));
}

#[tokio::test]
async fn timeouts_are_retried() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: too-slow\nsteps:\n  - id: nap\n    uses: flaky/slow@1\n    with: { ms: 2000 }\n    timeout: 200ms\n    retry: { max_attempts: 2, initial_delay: 50ms }\n";
    let done = finish(&engine, yaml, &[]).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.steps["nap"].status, "failed");
    let tries = attempts(&db.url, &done.run_id, "nap").await;
    let kinds: Vec<_> = tries.iter().map(|a| (a.attempt, a.error_kind.as_deref())).collect();
    assert_eq!(kinds, [(1, Some("timeout")), (2, Some("timeout"))]);
    let record = db.store.get_run(&done.run_id).await.unwrap();
    assert_eq!(record.steps[0].error_kind.as_deref(), Some("timeout"));
}

// ---------------------------------------------------------------------------------------
// 4. Approvals

const REVIEW: &str = r#"
name: review
steps:
  - id: draft
    uses: echo/echo@1
    with: { text: hello }
  - id: review
    approval:
      message: "Publish '${{ steps.draft.output.text }}'?"
      preview: ${{ steps.draft.output }}
      approvers: [editor]
  - id: publish
    needs: [review]
    if: ${{ steps.review.output.approved }}
    uses: echo/echo@1
    with: { text: "${{ steps.draft.output.text }}", by: "${{ steps.review.output.by }}" }
  - id: notify
    needs: [review]
    uses: echo/echo@1
    with: { notified: true }
  - id: audit
    uses: echo/echo@1
    with: { audited: true }
outputs:
  by: ${{ steps.publish.output.by }}
"#;

/// Starts REVIEW and drives it to its approval.
async fn waiting_review(engine: &Engine) -> String {
    let run_id = start(engine, REVIEW, &[]).await;
    let progress = engine.drive(&run_id, PATIENCE).await.unwrap();
    assert_eq!(progress, Progress::Waiting { approvals: vec!["review".into()], until: None });
    run_id
}

async fn approving_continues_the_run(db: Db) {
    let first = engine(&db.store);
    let run_id = waiting_review(&first).await;
    let waiting = report(&db.store, &run_id).await.unwrap();
    assert_eq!(waiting.status, "waiting");
    assert_eq!(waiting.steps["review"].status, "waiting");
    assert_eq!(waiting.steps["publish"].status, "pending");
    assert_eq!(waiting.steps["audit"].status, "succeeded", "independent work is not held up");
    // Waiting is a row: nothing is leased or queued for the run.
    assert!(db.store.pending_jobs(&run_id).await.unwrap().is_empty());
    let rows = db.store.waiting_approvals("acme").await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.run_id.as_str(), row.step_id.as_str(), row.status.as_str()),
        (run_id.as_str(), "review", "waiting")
    );
    assert_eq!(row.message, "Publish 'hello'?");
    assert_eq!(row.preview, Some(json!({ "text": "hello" })));
    assert_eq!(row.approvers, ["editor"]);
    assert!(db.store.waiting_approvals("globex").await.unwrap().is_empty());
    drop(first);

    // Decided later, by another engine (another process in real life).
    let second = engine(&db.store);
    let before = chrono::Utc::now();
    second.decide(&run_id, "review", true, "ada", Some("ok".into())).await.unwrap();
    assert_eq!(second.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded", "{done:?}");
    let output = &done.steps["review"].output;
    assert_eq!(output["approved"], true);
    assert_eq!(output["by"], "ada");
    assert_eq!(output["comment"], "ok");
    let at = chrono::DateTime::parse_from_rfc3339(output["at"].as_str().unwrap()).unwrap();
    assert!(at.timestamp_millis() >= before.timestamp_millis() - 1000, "{at}");
    assert_eq!(output.as_object().unwrap().len(), 4, "{output}");
    assert_eq!(done.steps["publish"].output, json!({ "text": "hello", "by": "ada" }));
    assert_eq!(done.steps["notify"].status, "succeeded");
    assert_eq!(done.outputs, json!({ "by": "ada" }));
    assert!(db.store.waiting_approvals("").await.unwrap().is_empty());
    let row = db.store.approval(&run_id, "review").await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.decided_by.as_deref(), row.comment.as_deref()),
        ("approved", Some("ada"), Some("ok"))
    );
    // A decision is final.
    assert!(second.decide(&run_id, "review", false, "bob", None).await.is_err());
}

#[tokio::test]
async fn approving_continues_the_run_in_sqlite() {
    approving_continues_the_run(sqlite().await).await;
}

#[tokio::test]
async fn approving_continues_the_run_in_postgres() {
    approving_continues_the_run(postgres().await).await;
}

#[tokio::test]
async fn rejecting_skips_what_depends_on_it_and_the_run_ends_rejected() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let run_id = waiting_review(&engine).await;
    engine.decide(&run_id, "review", false, "bob", Some("not today".into())).await.unwrap();
    assert_eq!(engine.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "rejected", "{done:?}");
    let output = &done.steps["review"].output;
    assert_eq!(
        (&output["approved"], &output["by"], &output["comment"]),
        (&json!(false), &json!("bob"), &json!("not today"))
    );
    assert_eq!(done.steps["publish"].status, "skipped");
    assert_eq!(done.steps["notify"].status, "skipped", "a step that only `needs` the approval is skipped too");
    assert_eq!(done.steps["audit"].status, "succeeded");
    let row = db.store.approval(&run_id, "review").await.unwrap().unwrap();
    assert_eq!(row.status, "rejected");
    assert_eq!(db.store.get_run(&run_id).await.unwrap().status, "rejected");
}

#[tokio::test]
async fn an_approvals_timeout_decides_it_on_a_later_drive() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    for (on_timeout, run_status, review_status, row_status) in [
        ("approve", "succeeded", "succeeded", "approved"),
        ("reject", "rejected", "succeeded", "rejected"),
        ("fail", "failed", "failed", "expired"),
    ] {
        let yaml = format!(
            "name: timed-review\nsteps:\n  - id: review\n    approval: {{ message: Go?, timeout: 1s, on_timeout: {on_timeout} }}\n  - id: publish\n    needs: [review]\n    uses: echo/echo@1\n    with: {{ published: true }}\n"
        );
        let run_id = start(&engine, &yaml, &[]).await;
        let Progress::Waiting { approvals, until: Some(_) } = engine.drive(&run_id, Duration::ZERO).await.unwrap()
        else {
            panic!("{on_timeout}: the run should wait for the approval and its deadline")
        };
        assert_eq!(approvals, ["review"]);
        assert_eq!(db.store.waiting_approvals("acme").await.unwrap().len(), 1, "{on_timeout}");
        assert_eq!(engine.drive(&run_id, Duration::from_secs(5)).await.unwrap(), Progress::Finished, "{on_timeout}");
        let done = report(&db.store, &run_id).await.unwrap();
        assert_eq!(done.status, run_status, "{on_timeout}: {done:?}");
        assert_eq!(done.steps["review"].status, review_status, "{on_timeout}");
        let publish = if on_timeout == "approve" { "succeeded" } else { "skipped" };
        assert_eq!(done.steps["publish"].status, publish, "{on_timeout}");
        if on_timeout != "fail" {
            assert_eq!(done.steps["review"].output["approved"], on_timeout == "approve");
        }
        let row = db.store.approval(&run_id, "review").await.unwrap().unwrap();
        assert_eq!(row.status, row_status, "{on_timeout}");
        assert!(db.store.waiting_approvals("acme").await.unwrap().is_empty(), "{on_timeout}");
    }
}

// ---------------------------------------------------------------------------------------
// 5. Timers

async fn sleep_past(at: i64) {
    let left = at - now_ms();
    if left > -50 {
        tokio::time::sleep(Duration::from_millis((left + 50) as u64)).await;
    }
}

#[tokio::test]
async fn a_wait_step_is_a_durable_timer() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: pause\nsteps:\n  - id: pause\n    wait: 1s\n  - id: after\n    needs: [pause]\n    uses: echo/echo@1\n    with: { after: true }\n";
    let before = now_ms();
    let run_id = start(&engine, yaml, &[]).await;
    let Progress::Waiting { approvals, until: Some(until) } = engine.drive(&run_id, Duration::ZERO).await.unwrap()
    else {
        panic!("the run should wait for its timer")
    };
    assert!(approvals.is_empty());
    assert!(until >= before + 1000 && until <= now_ms() + 1000, "until {until}, started {before}");
    let waiting = report(&db.store, &run_id).await.unwrap();
    assert_eq!(waiting.status, "waiting");
    assert_eq!(statuses(&waiting), BTreeMap::from([("pause", "waiting"), ("after", "pending")]));
    let jobs = db.store.pending_jobs(&run_id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].step_id.as_str(), jobs[0].available_at), ("pause", until));
    drop(engine);

    sleep_past(until).await;
    let engine = self::engine(&db.store);
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    assert_eq!(statuses(&done), BTreeMap::from([("pause", "succeeded"), ("after", "succeeded")]));
    assert!(attempts(&db.url, &run_id, "after").await[0].started_at >= until);
}

const AT: &str = r#"
name: at
inputs:
  at: { type: string }
steps:
  - id: publish
    wait_until: ${{ inputs.at }}
    uses: echo/echo@1
    with: { published: true }
"#;

#[tokio::test]
async fn wait_until_holds_a_step_until_its_time() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let run_id = start(&engine, AT, &[("at", &at_text)]).await;
    assert_eq!(
        engine.drive(&run_id, Duration::ZERO).await.unwrap(),
        Progress::Waiting { approvals: vec![], until: Some(at.timestamp_millis()) }
    );
    let waiting = report(&db.store, &run_id).await.unwrap();
    assert_eq!((waiting.status.as_str(), waiting.steps["publish"].status.as_str()), ("waiting", "waiting"));
    assert!(attempts(&db.url, &run_id, "publish").await.is_empty());

    sleep_past(at.timestamp_millis()).await;
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!((done.status.as_str(), &done.steps["publish"].output), ("succeeded", &json!({ "published": true })));
    assert!(attempts(&db.url, &run_id, "publish").await[0].started_at >= at.timestamp_millis());

    // A time already past does not wait.
    let done = finish(&engine, AT, &[("at", "2020-01-01T00:00:00Z")]).await;
    assert_eq!(done.status, "succeeded");
}

// ---------------------------------------------------------------------------------------
// 6. `if` and `continue_on_error`

const CONDITIONS: &str = r#"
name: conditions
inputs:
  go: { type: boolean }
steps:
  - id: maybe
    if: ${{ inputs.go }}
    uses: echo/echo@1
    with: { ran: true }
  - id: after_maybe
    uses: echo/echo@1
    with: { saw: "${{ steps.maybe.output }}" }
  - id: always
    uses: echo/echo@1
    with: { ok: true }
"#;

#[tokio::test]
async fn a_false_if_skips_the_step_and_its_dependents() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, CONDITIONS, &[("go", "false")]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(
        statuses(&done),
        BTreeMap::from([("maybe", "skipped"), ("after_maybe", "skipped"), ("always", "succeeded")])
    );
    assert!(attempts(&db.url, &done.run_id, "maybe").await.is_empty());
    assert!(attempts(&db.url, &done.run_id, "after_maybe").await.is_empty());

    let done = finish(&engine, CONDITIONS, &[("go", "true")]).await;
    assert_eq!(done.status, "succeeded");
    assert!(done.steps.values().all(|s| s.status == "succeeded"), "{done:?}");
    assert_eq!(done.steps["after_maybe"].output, json!({ "saw": { "ran": true } }));
}

#[tokio::test]
async fn continue_on_error_lets_dependants_see_the_failure() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: tolerant
steps:
  - id: shaky
    uses: flaky/fail-times@1
    with: { times: 1, kind: fatal }
    continue_on_error: true
  - id: fallback
    if: ${{ steps.shaky.status == 'failed' }}
    uses: echo/echo@1
    with: { status: "${{ steps.shaky.status }}" }
  - id: happy_path
    if: ${{ steps.shaky.status == 'succeeded' }}
    uses: echo/echo@1
    with: { ok: true }
"#;
    let done = finish(&engine, yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(
        statuses(&done),
        BTreeMap::from([("shaky", "failed"), ("fallback", "succeeded"), ("happy_path", "skipped")])
    );
    assert_eq!(done.steps["fallback"].output, json!({ "status": "failed" }));
}

// ---------------------------------------------------------------------------------------
// 7. Resuming

const TWO_STEPS: &str = r#"
name: two-steps
steps:
  - id: first
    uses: echo/echo@1
    with: { text: hi }
  - id: second
    uses: echo/echo@1
    with: { said: "said ${{ steps.first.output.text }}" }
outputs:
  said: ${{ steps.second.output.said }}
"#;

#[tokio::test]
async fn a_run_started_by_one_engine_is_finished_by_another() {
    let db = sqlite().await;
    let first = engine(&db.store);
    let run_id = start(&first, TWO_STEPS, &[]).await;
    drop(first);
    // A new process: its own runtime, registry and connection, the workflow reloaded from the store.
    let store = Store::connect(&db.url).await.unwrap();
    let second = engine(&store);
    assert_eq!(second.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    let done = report(&store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    assert_eq!(done.outputs, json!({ "said": "said hi" }));
    assert_eq!(attempts(&db.url, &run_id, "first").await.len(), 1);
}

async fn a_dead_workers_job_is_taken_over_after_its_lease(db: Db) {
    let yaml = "name: once\nsteps:\n  - id: once\n    uses: flaky/fail-times@1\n    with: { times: 0, kind: fatal }\n";
    let run_id = start(&engine(&db.store), yaml, &[]).await;
    let claimed_at = now_ms();
    let job = db.store.claim("dead-worker", 500, Some(&run_id)).await.unwrap().expect("a ready job");
    assert_eq!(job.step_id, "once");

    let other = engine(&Store::connect(&db.url).await.unwrap());
    assert_eq!(other.drive(&run_id, Duration::from_secs(10)).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    let key = idempotency_key(&job);
    assert_eq!(key, format!("{run_id}/once"));
    assert_eq!(done.steps["once"].output, json!({ "attempts": 1, "attempt": 1, "key": key }));
    let tries = attempts(&db.url, &run_id, "once").await;
    assert_eq!(tries.len(), 1);
    assert!(tries[0].started_at >= claimed_at + 500, "the job ran while the dead worker's lease held: {tries:?}");
}

#[tokio::test]
async fn a_dead_workers_job_is_taken_over_after_its_lease_in_sqlite() {
    a_dead_workers_job_is_taken_over_after_its_lease(sqlite().await).await;
}

#[tokio::test]
async fn a_dead_workers_job_is_taken_over_after_its_lease_in_postgres() {
    a_dead_workers_job_is_taken_over_after_its_lease(postgres().await).await;
}

// ---------------------------------------------------------------------------------------
// 8. Exactly-once publishing

fn publish_workflow(port: u16, concurrency: u32) -> String {
    format!(
        r#"
name: publish-all
steps:
  - id: publish
    uses: flaky/publish@1
    for_each: [p0, p1, p2, p3, p4, p5, p6, p7, p8, p9]
    concurrency: {concurrency}
    with: {{ url: "http://loopback.test:{port}/statuses", text: "post ${{{{ item }}}}" }}
"#
    )
}

/// The server saw each of the run's 10 items exactly once, under its own key.
fn assert_published_once(server: &Publisher, run_id: &str) {
    let expected: BTreeMap<String, usize> = (0..10).map(|i| (format!("{run_id}/publish/{i}"), 1)).collect();
    assert_eq!(server.counts(), expected);
    let bodies = server.by_key.lock().unwrap().clone();
    for i in 0..10 {
        let body: Value = serde_json::from_str(&bodies[&format!("{run_id}/publish/{i}")][0]).unwrap();
        assert_eq!(body, json!({ "text": format!("post p{i}") }));
    }
}

async fn a_for_each_publishes_every_item_exactly_once(db: Db) {
    let (server, addr) = Publisher::start(Duration::from_millis(50)).await;
    let engine = engine_with(&db.store, &[format!("http://loopback.test:{}", addr.port())]);
    let done = finish(&engine, &publish_workflow(addr.port(), 4), &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(done.steps["publish"].output, json!(vec![json!({ "status": 200 }); 10]));
    assert_published_once(&server, &done.run_id);
    assert!((2..=4).contains(&server.max_in_flight()), "{} requests at once", server.max_in_flight());
}

#[tokio::test]

async fn a_for_each_publishes_every_item_exactly_once_in_sqlite() {
    a_for_each_publishes_every_item_exactly_once(sqlite().await).await;
}

#[tokio::test]

async fn a_for_each_publishes_every_item_exactly_once_in_postgres() {
    a_for_each_publishes_every_item_exactly_once(postgres().await).await;
}

/// Two engines (two processes in real life) drive the same run on one database at once.
async fn two_engines_publish_each_item_once(db: Db) {
    let (server, addr) = Publisher::start(Duration::from_millis(100)).await;
    let hosts = [format!("http://loopback.test:{}", addr.port())];
    let a = engine_with(&db.store, &hosts);
    let b = engine_with(&Store::connect(&db.url).await.unwrap(), &hosts);
    let run_id = start(&a, &publish_workflow(addr.port(), 3), &[]).await;
    let (pa, pb) = tokio::join!(a.drive(&run_id, PATIENCE), b.drive(&run_id, PATIENCE));
    assert_eq!((pa.unwrap(), pb.unwrap()), (Progress::Finished, Progress::Finished));
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_published_once(&server, &run_id);
    assert_eq!(attempts(&db.url, &run_id, "publish").await.len(), 10);
}

#[tokio::test]

async fn two_engines_publish_each_item_once_in_sqlite() {
    two_engines_publish_each_item_once(sqlite().await).await;
}

#[tokio::test]

async fn two_engines_publish_each_item_once_in_postgres() {
    two_engines_publish_each_item_once(postgres().await).await;
}

// ---------------------------------------------------------------------------------------
// 9. The CLI

fn roost(data_dir: &Path, args: &[&str]) -> Output {
    roost_command(data_dir, args).output().expect("running roost")
}

fn roost_command(data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roost"));
    command
        .args(args)
        .env("ROOST_DATA_DIR", data_dir)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env_remove("ROOST_DB");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CLI_REVIEW: &str = r#"
name: cli-review
steps:
  - id: draft
    uses: echo/echo@1
    with: { text: hello }
  - id: review
    approval: { message: "Publish '${{ steps.draft.output.text }}'?" }
  - id: publish
    needs: [review]
    uses: echo/echo@1
    with: { text: "${{ steps.draft.output.text }}" }
"#;

/// `roost run` of CLI_REVIEW: exits 3 and tells how to approve; returns the run id.
fn run_until_approval(data: &Path, file: &str, db: &str) -> String {
    let out = roost(data, &["run", file, "--db", db]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}{}", text(&out.stderr));
    let first = stdout.lines().next().unwrap();
    let run_id = first.split_whitespace().nth(1).unwrap().to_string();
    assert_eq!(first, format!("run {run_id} waiting"));
    assert!(stdout.contains(&format!("roost approve {run_id} review")), "{stdout}");
    run_id
}

#[test]
fn approvals_are_listed_and_decided_through_the_cli() {
    let data = tempfile::tempdir().unwrap();
    support::plugin_folder(
        &data.path().join("plugins"),
        "echo",
        &std::fs::read_to_string(support::test_plugins_dir().join("echo/plugin.toml")).unwrap(),
        "echo.wasm",
    );
    let file = data.path().join("review.yaml");
    std::fs::write(&file, CLI_REVIEW).unwrap();
    let (file, db) = (file.to_str().unwrap(), format!("sqlite://{}", data.path().join("runs.db").display()));

    let approved = run_until_approval(data.path(), file, &db);
    let out = roost(data.path(), &["approvals", "list", "--json", "--db", &db]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!((&list[0]["run_id"], &list[0]["step"]), (&json!(approved), &json!("review")));
    assert_eq!(list[0]["message"], "Publish 'hello'?");

    let out = roost(data.path(), &["approve", &approved, "review", "--comment", "x", "--json", "--db", &db]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(
        (&report["steps"]["review"]["output"]["approved"], &report["steps"]["review"]["output"]["comment"]),
        (&json!(true), &json!("x"))
    );
    assert_eq!(report["steps"]["publish"]["output"], json!({ "text": "hello" }));

    let rejected = run_until_approval(data.path(), file, &db);
    let out = roost(data.path(), &["approve", &rejected, "review", "--reject", "--json", "--db", &db]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "rejected", "{report}");
    assert_eq!(report["steps"]["publish"]["status"], "skipped");

    let out = roost(data.path(), &["approvals", "list", "--json", "--db", &db]);
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), json!([]));
}

// ---------------------------------------------------------------------------------------
// More edges of the same semantics

/// Many short items, many at once: the widest window for a `for_each` item to be run twice.
async fn many_items_are_each_published_once(db: Db) {
    let (server, addr) = Publisher::start(Duration::from_millis(5)).await;
    let engine = engine_with(&db.store, &[format!("http://loopback.test:{}", addr.port())]);
    let items: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
    let yaml = publish_workflow(addr.port(), 10)
        .replace("[p0, p1, p2, p3, p4, p5, p6, p7, p8, p9]", &format!("[{}]", items.join(", ")));
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let twice: Vec<_> = server.counts().into_iter().filter(|(_, n)| *n != 1).collect();
    assert_eq!(server.counts().len(), 40);
    assert!(twice.is_empty(), "items published more than once: {twice:?}");
}

#[tokio::test]

async fn many_items_are_each_published_once_in_sqlite() {
    many_items_are_each_published_once(sqlite().await).await;
}

#[tokio::test]

async fn many_items_are_each_published_once_in_postgres() {
    many_items_are_each_published_once(postgres().await).await;
}

#[tokio::test]

async fn for_each_items_are_retried_each_under_its_own_key() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: item-retries\nsteps:\n  - id: tries\n    uses: flaky/fail-times@1\n    for_each: [a, b]\n    concurrency: 2\n    with: { times: 1, kind: retryable }\n    retry: { max_attempts: 2, initial_delay: 50ms }\n";
    let done = finish(&engine, yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let run = &done.run_id;
    let ok = |idx: usize| json!({ "attempts": 2, "attempt": 2, "key": format!("{run}/tries/{idx}") });
    assert_eq!(done.steps["tries"].output, json!([ok(0), ok(1)]));
    let tries: Vec<(i64, i64, String)> =
        attempts(&db.url, run, "tries").await.into_iter().map(|a| (a.idx, a.attempt, a.status)).collect();
    let row = |idx, attempt, status: &str| (idx, attempt, status.to_string());
    assert_eq!(tries, [row(0, 1, "failed"), row(0, 2, "succeeded"), row(1, 1, "failed"), row(1, 2, "succeeded")]);
}

#[tokio::test]

async fn wait_until_holds_a_for_each_step_before_its_fan_out() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: later-fan-out
inputs:
  at: { type: string }
steps:
  - id: each
    wait_until: ${{ inputs.at }}
    uses: echo/echo@1
    for_each: [1, 2]
    with: { n: "${{ item }}" }
"#;
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let run_id = start(&engine, yaml, &[("at", &at_text)]).await;
    let progress = engine.drive(&run_id, Duration::ZERO).await.unwrap();
    let ran = attempts(&db.url, &run_id, "each").await;
    assert!(ran.iter().all(|a| a.started_at >= at.timestamp_millis()), "items ran before `wait_until`: {ran:?}");
    assert_eq!(progress, Progress::Waiting { approvals: vec![], until: Some(at.timestamp_millis()) });
    sleep_past(at.timestamp_millis()).await;
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.steps["each"].output, json!([{ "n": 1 }, { "n": 2 }]));
}

#[tokio::test]

async fn wait_until_holds_an_approval_before_it_is_requested() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: later-review
inputs:
  at: { type: string }
steps:
  - id: review
    wait_until: ${{ inputs.at }}
    approval: { message: Go? }
"#;
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let run_id = start(&engine, yaml, &[("at", &at_text)]).await;
    let progress = engine.drive(&run_id, Duration::ZERO).await.unwrap();
    assert!(db.store.waiting_approvals("acme").await.unwrap().is_empty(), "the approval was requested before its time");
    assert_eq!(progress, Progress::Waiting { approvals: vec![], until: Some(at.timestamp_millis()) });
    sleep_past(at.timestamp_millis()).await;
    let progress = engine.drive(&run_id, Duration::ZERO).await.unwrap();
    assert_eq!(progress, Progress::Waiting { approvals: vec!["review".into()], until: None });
}

#[tokio::test]

async fn a_failed_run_withdraws_its_waiting_approval() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: fails-while-reviewed
steps:
  - id: review
    approval: { message: Go? }
  - id: boom
    uses: flaky/fail-times@1
    with: { times: 1, kind: fatal }
"#;
    let run_id = start(&engine, yaml, &[]).await;
    let progress = engine.drive(&run_id, PATIENCE).await.unwrap();
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "failed", "{done:?}");
    assert_eq!(statuses(&done), BTreeMap::from([("boom", "failed"), ("review", "cancelled")]));
    assert_eq!(progress, Progress::Finished, "a failed run does not wait");
    assert!(
        db.store.waiting_approvals("acme").await.unwrap().is_empty(),
        "`roost approvals list` still offers the approval of a failed run"
    );
}

#[tokio::test]
async fn a_failure_cancels_a_waiting_timer() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: fails-while-waiting\nsteps:\n  - id: pause\n    wait: 1h\n  - id: boom\n    uses: flaky/fail-times@1\n    with: { times: 1, kind: fatal }\n";
    let run_id = start(&engine, yaml, &[]).await;
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "failed");
    assert_eq!(statuses(&done), BTreeMap::from([("boom", "failed"), ("pause", "cancelled")]));
    assert!(db.store.pending_jobs(&run_id).await.unwrap().is_empty());
}

/// Many independent plain steps finishing together: each must run exactly once (the kv
/// counter of `fail-times` counts executions per idempotency key).
async fn many_independent_steps_each_run_once(db: Db) {
    let engine = engine(&db.store);
    let mut yaml = String::from("name: wide\nsteps:\n");
    for i in 0..30 {
        yaml.push_str(&format!("  - id: s{i}\n    uses: flaky/fail-times@1\n    with: {{ times: 0, kind: fatal }}\n"));
    }
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let twice: Vec<_> = done
        .steps
        .iter()
        .filter(|(_, s)| s.output["attempts"] != 1)
        .map(|(id, s)| (id, &s.output["attempts"]))
        .collect();
    assert!(twice.is_empty(), "steps executed more than once: {twice:?}");
}

#[tokio::test]

async fn many_independent_steps_each_run_once_in_sqlite() {
    many_independent_steps_each_run_once(sqlite().await).await;
}

#[tokio::test]

async fn many_independent_steps_each_run_once_in_postgres() {
    many_independent_steps_each_run_once(postgres().await).await;
}
