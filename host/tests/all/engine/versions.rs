//! Run versions: the store writes a change to a run only if the run is still at the
//! version its writer read, and many runs' writes share one transaction.

use roost::store::{RunWrite, Written};

use super::*;

const ONE_STEP: &str = "name: one\nsteps:\n  - id: only\n    uses: echo/echo@1\n    with: { n: 1 }\n";

/// A write that moves step `only` of `run` to `status`, from a copy at `version`.
fn step_write(run: &roost::store::LoadedRun, version: i64, status: &str) -> RunWrite {
    let mut step = run.state.run.steps.iter().find(|s| s.step_id == "only").unwrap().clone();
    step.status = status.into();
    RunWrite {
        run_id: run.state.run.id.clone(),
        version,
        status: "running".into(),
        steps: vec![step],
        ..RunWrite::default()
    }
}

async fn a_write_from_a_stale_copy_changes_nothing(db: Db) {
    let engine = engine(&db.store);
    let run_id = start(&engine, ONE_STEP, &[]).await;
    let copy = db.store.load_run(&run_id).await.unwrap();
    let read = copy.state.run.version;

    let first = db.store.write_run(step_write(&copy, read, "skipped")).await.unwrap();
    assert_eq!(first, Written::Done(read + 1));
    // A second writer that read the same version loses, and writes none of its rows.
    let second = db.store.write_run(step_write(&copy, read, "cancelled")).await.unwrap();
    assert_eq!(second, Written::Stale);
    let now = db.store.load_run(&run_id).await.unwrap();
    assert_eq!(now.state.run.version, read + 1);
    assert_eq!(now.state.run.steps[0].status, "skipped");
    // Reading again gives the current version, with which a write goes through.
    let third = db.store.write_run(step_write(&now, now.state.run.version, "cancelled")).await.unwrap();
    assert_eq!(third, Written::Done(read + 2));
    assert_eq!(report(&db.store, &run_id).await.unwrap().steps["only"].status, "cancelled");
}

#[tokio::test]
async fn a_write_from_a_stale_copy_changes_nothing_in_sqlite() {
    a_write_from_a_stale_copy_changes_nothing(sqlite().await).await;
}

#[tokio::test]
async fn a_write_from_a_stale_copy_changes_nothing_in_postgres() {
    a_write_from_a_stale_copy_changes_nothing(postgres().await).await;
}

async fn writes_of_many_runs_at_once_each_go_through(db: Db) {
    let engine = engine(&db.store);
    let mut runs = Vec::new();
    for _ in 0..40 {
        let id = start(&engine, ONE_STEP, &[]).await;
        runs.push(db.store.load_run(&id).await.unwrap());
    }
    // Sent together, they reach the writer together; one of them twice, from the same copy.
    let writes = runs.iter().map(|r| db.store.write_run(step_write(r, r.state.run.version, "skipped")));
    let twice = db.store.write_run(step_write(&runs[7], runs[7].state.run.version, "cancelled"));
    let (outcomes, again) = tokio::join!(futures::future::join_all(writes), twice);
    for (run, outcome) in runs.iter().zip(&outcomes) {
        assert_eq!(outcome.as_ref().unwrap(), &Written::Done(run.state.run.version + 1));
        assert_eq!(report(&db.store, &run.state.run.id).await.unwrap().steps["only"].status, "skipped");
    }
    assert_eq!(again.unwrap(), Written::Stale, "the second write of the same run read a version now gone");
}

#[tokio::test]
async fn writes_of_many_runs_at_once_each_go_through_in_sqlite() {
    writes_of_many_runs_at_once_each_go_through(sqlite().await).await;
}

#[tokio::test]
async fn writes_of_many_runs_at_once_each_go_through_in_postgres() {
    writes_of_many_runs_at_once_each_go_through(postgres().await).await;
}

#[tokio::test]
async fn a_run_changed_under_a_driving_engine_is_read_again() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: two\nsteps:\n  - id: first\n    uses: echo/echo@1\n    with: { n: 1 }\n  - id: second\n    uses: echo/echo@1\n    with: { n: \"${{ steps.first.output.n }}\" }\n";
    let run_id = start(&engine, yaml, &[]).await;
    // The engine keeps the run it started in memory; another process changes the run meanwhile.
    let other = db.store.load_run(&run_id).await.unwrap();
    let bumped = RunWrite {
        run_id: run_id.clone(),
        version: other.state.run.version,
        status: "running".into(),
        ..RunWrite::default()
    };
    assert_eq!(db.store.write_run(bumped).await.unwrap(), Written::Done(other.state.run.version + 1));
    assert_eq!(engine.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    assert_eq!(done.steps["second"].output, serde_json::json!({ "n": 1 }));
    assert_eq!(attempts(&db.url, &run_id, "first").await.len(), 1);
    // The other write, then the engine's two (its first, refused as stale, was redone).
    assert_eq!(db.store.load_run(&run_id).await.unwrap().state.run.version, other.state.run.version + 3);
}
