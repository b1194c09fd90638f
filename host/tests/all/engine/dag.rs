//! The DAG: steps run in the order their references and `needs` give, side by side when independent.

use std::collections::BTreeMap;

use roost::engine::{Progress, report};
use roost::workflow;
use serde_json::json;

use super::{Attempt, Db, PATIENCE, attempts, engine, finish, interval, postgres, sqlite, start, statuses};
use crate::support;

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
