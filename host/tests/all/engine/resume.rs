//! Resuming: a run finished by another engine, and a dead worker's job taken over after its lease.

use std::time::Duration;

use roost::engine::{Progress, idempotency_key, report};
use roost::store::{Store, now_ms};
use serde_json::json;

use super::{Db, PATIENCE, attempts, engine, postgres, sqlite, start};

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
