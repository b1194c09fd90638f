//! A schedule's time is fired exactly once across processes and crashes: its claim is
//! written in the transaction that creates its run, on SQLite and PostgreSQL; the
//! workflow's concurrency acts only for the attempt that won the claim; two schedulers
//! over one database fire each time once; and a real `roost serve` killed with SIGKILL
//! under per-second schedules fires every time once after its restarts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use roost::engine::{Engine, Origin};
use roost::service::scheduler::ManualClock;
use roost::store::Store;
use roost::workflow;
use serde_json::{Map, Value, json};
use sqlx::Row;

use super::count;
use super::webhooks::Serve;
use crate::serve::schedules::{events, settle, utc, wait_events, wait_seen};
use crate::serve::{OPERATOR, Service, Setup};
use crate::support;

/// A nightly workflow that keeps one run: a new one cancels the one before.
const NIGHTLY: &str = "name: nightly
on:
  schedule:
    - cron: \"0 3 * * *\"
concurrency: { limit: 1, on_busy: cancel_running }
steps:
  - id: review
    approval: { message: Go? }
";

/// The claim of the nightly time at `ms`, as the scheduler writes it.
fn occurrence(ms: i64) -> String {
    format!("schedule:0|0 3 * * *|UTC@{ms}")
}

/// One attempt of `engine` at firing the nightly time claimed under `claim`.
async fn attempt(engine: &Engine, claim: &str) -> Option<String> {
    let plan = workflow::load("nightly.yaml", NIGHTLY, engine.registry()).unwrap_or_else(|d| panic!("{d}"));
    let context = json!({ "trigger": { "kind": "schedule", "cron": "0 3 * * *" } });
    let origin = Origin { kind: "schedule".into(), context, delivery: Some(claim.into()) };
    engine.start_from(&plan, ("nightly.yaml", NIGHTLY), Map::new(), "acme", origin).await.unwrap()
}

/// Two processes (each its own pool and writer) fire the same time 16 times at once while
/// last night's run is active: one run is created, and it alone cancels last night's. A
/// process that gets to the time after it was fired creates nothing and cancels nothing.
async fn one_run_per_occurrence(url: &str) {
    let runtime = Arc::new(support::runtime());
    let registry = Arc::new(support::registry(&runtime));
    let mut engines = Vec::new();
    for _ in 0..2 {
        engines.push(Engine::new(runtime.clone(), registry.clone(), Store::connect(url).await.unwrap()));
    }
    let last_night = attempt(&engines[0], &occurrence(1_000)).await.expect("the first night fires");
    let tonight = occurrence(86_401_000);
    let started = futures::future::join_all((0..16).map(|i| attempt(&engines[i % 2], &tonight))).await;
    let winners: Vec<&String> = started.iter().flatten().collect();
    assert_eq!(winners.len(), 1, "one attempt at the time creates its run: {started:?}");
    let run = winners[0].clone();
    // The other process's pass comes late: the run it would have made room for is there.
    assert_eq!(attempt(&engines[1], &tonight).await, None);

    let store = engines[0].store();
    assert_eq!(store.delivery_run("acme", "nightly", &tonight).await.unwrap().as_ref(), Some(&run));
    let old = store.run_state(&last_night).await.unwrap().run;
    assert_eq!(old.status, "cancelled");
    assert_eq!(
        old.error.unwrap(),
        format!("cancelled to make room for run {run} (concurrency limit 1, on_busy: cancelrunning)")
    );
    let new = store.run_state(&run).await.unwrap().run;
    assert_eq!(new.status, "running", "no losing attempt cancelled the run that won: {:?}", new.error);
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM runs").await, 2);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM steps").await, 2, "the losing attempts wrote no steps");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM hook_deliveries WHERE run_id IS NULL").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attempts_at_a_time_create_one_run_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    one_run_per_occurrence(&format!("sqlite://{}", dir.path().join("roost.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attempts_at_a_time_create_one_run_in_postgres() {
    one_run_per_occurrence(&support::pg_url().await).await;
}

/// A per-minute workflow `name` with `concurrency`, whose runs wait for an approval.
fn minutely(name: &str, concurrency: &str) -> String {
    format!(
        "name: {name}
on:
  schedule:
    - cron: \"* * * * *\"
{concurrency}steps:
  - id: review
    approval: {{ message: Go? }}
"
    )
}

/// `workflow`'s runs, oldest first, as (status, error, the time they fired for).
async fn runs(service: &Service, workflow: &str) -> Vec<(String, Option<String>, String)> {
    let path = format!("/api/v1/workspaces/default/runs?workflow={workflow}&limit=100");
    let (_, list) = service.call(OPERATOR, Method::GET, &path, None).await;
    let mut runs = Vec::new();
    for run in list.as_array().unwrap() {
        let id = run["id"].as_str().unwrap();
        let (_, run) =
            service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs/{id}"), None).await;
        let error = run["error"].as_str().map(String::from);
        runs.push((run["status"].as_str().unwrap().to_string(), error, run["trigger"]["due_at"].to_string()));
    }
    runs.sort_by(|a, b| a.2.cmp(&b.2));
    runs
}

/// Two services with their schedulers over one database and one clock: each of four
/// minutes fires once per workflow, with one event each, and the workflow that cancels
/// its previous run ends with exactly its newest run active.
async fn two_schedulers_fire_each_time_once(url: &str) {
    let clock = Arc::new(ManualClock::new(utc("2024-06-01T10:00:30Z")));
    let mut services = Vec::new();
    for _ in 0..2 {
        let store = Store::connect(url).await.unwrap();
        let setup = Setup { store: Some(store), clock: Some(clock.clone()), ..Setup::default() };
        services.push(Service::launch(setup, |_| Vec::new()).await);
    }
    let replace = "concurrency: { limit: 1, on_busy: cancel_running }\n";
    services[0].put_workflow("default", &minutely("every", "")).await;
    services[0].put_workflow("default", &minutely("replace", replace)).await;
    for service in &services {
        wait_seen(service, "every").await;
        wait_seen(service, "replace").await;
    }
    for minute in 1..=4 {
        clock.set(utc(&format!("2024-06-01T10:0{minute}:00Z")));
        wait_events(&services[0], "every", minute).await;
        wait_events(&services[0], "replace", minute).await;
        settle().await; // both schedulers have had their pass
    }
    for workflow in ["every", "replace"] {
        let events = events(&services[1], workflow).await;
        let due: Vec<&str> = events.iter().map(|e| e["due_at"].as_str().unwrap()).collect();
        assert_eq!(due, (1..=4).map(|m| format!("2024-06-01T10:0{m}:00+00:00")).collect::<Vec<_>>(), "{events:#?}");
        let runs = runs(&services[1], workflow).await;
        assert_eq!(runs.len(), 4, "one run per time: {runs:#?}");
        let mut fired: Vec<&String> = runs.iter().map(|r| &r.2).collect();
        fired.dedup();
        assert_eq!(fired.len(), 4, "{runs:#?}");
    }
    let replaced = runs(&services[1], "replace").await;
    let active: Vec<&str> = replaced.iter().map(|r| r.0.as_str()).filter(|s| *s != "cancelled").collect();
    assert_eq!(active.len(), 1, "exactly the newest run is active: {replaced:#?}");
    assert_ne!(replaced[3].0, "cancelled", "{replaced:#?}");
    for service in services {
        service.running.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_over_one_database_fire_each_time_once_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    two_schedulers_fire_each_time_once(&format!("sqlite://{}", dir.path().join("roost.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_over_one_database_fire_each_time_once_in_postgres() {
    two_schedulers_fire_each_time_once(&support::pg_url().await).await;
}

/// Workflows firing every second, so that a kill finds some time in the middle of firing.
const TICKERS: usize = 16;
/// How many times the service is killed.
const KILLS: usize = 6;
/// How long the service runs between two kills.
const PHASE: Duration = Duration::from_millis(1200);

/// A data folder whose `workflows` hold [`TICKERS`] per-second workflows.
fn tickers() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data.path().join("workflows")).unwrap();
    for i in 0..TICKERS {
        let yaml = format!(
            "name: tick-{i}\non:\n  schedule:\n    - {{ cron: \"* * * * * *\", catch_up: all }}\n\
             steps:\n  - id: review\n    approval: {{ message: Go? }}\n"
        );
        std::fs::write(data.path().join(format!("workflows/tick-{i}.yaml")), yaml).unwrap();
    }
    std::fs::write(data.path().join("roost.toml"), "[retention]\nmin_schedule_interval_seconds = 1\n").unwrap();
    data
}

/// Per workflow, the runs by the time (ms) they fired for, and the events by time.
type Fired = BTreeMap<String, (BTreeMap<i64, Vec<String>>, BTreeMap<i64, Vec<Option<String>>>)>;

async fn fired(pool: &sqlx::AnyPool) -> Fired {
    let mut fired = Fired::new();
    for row in sqlx::query("SELECT workflow, id, context FROM runs").fetch_all(pool).await.unwrap() {
        let context: Value = serde_json::from_str(&row.try_get::<String, _>(2).unwrap()).unwrap();
        let due = DateTime::parse_from_rfc3339(context["trigger"]["due_at"].as_str().unwrap()).unwrap();
        let runs = &mut fired.entry(row.try_get(0).unwrap()).or_default().0;
        runs.entry(due.timestamp_millis()).or_default().push(row.try_get(1).unwrap());
    }
    let events = "SELECT workflow, due_at, run_id FROM trigger_events WHERE kind = 'schedule'";
    for row in sqlx::query(events).fetch_all(pool).await.unwrap() {
        let by_time = &mut fired.entry(row.try_get(0).unwrap()).or_default().1;
        by_time.entry(row.try_get(1).unwrap()).or_default().push(row.try_get(2).unwrap());
    }
    fired
}

/// Sleeps until `offset` past the next whole second, when the scheduler is firing.
async fn into_a_pass(offset: Duration) {
    let into = Utc::now().timestamp_subsec_millis() as u64;
    tokio::time::sleep(Duration::from_millis(1000 - into) + offset).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_whose_firing_was_killed_fires_once_after_restart() {
    let began = Instant::now();
    let data = tickers();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let mut serve = Serve::start(data.path());
    serve.ready(&client).await;
    // Every run waits for an approval, 16 more each second: on a slow machine the default
    // quota of 256 active runs would refuse times, which this test does not measure.
    let quotas = json!({ "quotas": { "concurrent_runs": 100_000 } });
    let lifted =
        client.patch(format!("{}/api/v1/workspaces/default", serve.url)).bearer_auth(super::webhooks::OPERATOR);
    assert!(lifted.json(&quotas).send().await.unwrap().status().is_success(), "the quota is lifted");
    for kill in 0..KILLS {
        tokio::time::sleep(PHASE).await;
        // Each kill lands at another point of a pass: 5, 20, 35, ... ms past the second.
        into_a_pass(Duration::from_millis(5 + 15 * kill as u64)).await;
        serve.kill();
        serve = Serve::start(data.path());
        serve.ready(&client).await;
    }
    // Every time due before now is handled by the restarted service's first passes.
    let cut = Utc::now().timestamp_millis() - 1000;
    tokio::time::sleep(Duration::from_secs(3)).await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", data.path().join("roost.db").display())).await.unwrap();
    let fired = fired(&pool).await;
    let orphans = count(&pool, "SELECT COUNT(*) FROM hook_deliveries WHERE run_id IS NULL").await;
    serve.kill();

    assert_eq!(fired.len(), TICKERS, "every workflow fired");
    let (mut times, mut lost, mut doubled, mut unrecorded) = (0, Vec::new(), Vec::new(), Vec::new());
    for (workflow, (runs, events)) in &fired {
        let first = *runs.keys().next().unwrap();
        for due in (first..=cut).step_by(1000) {
            times += 1;
            let run = runs.get(&due).cloned().unwrap_or_default();
            let recorded = events.get(&due).cloned().unwrap_or_default();
            match run.as_slice() {
                [] => lost.push(format!("{workflow}@{due}")),
                [run] if recorded != [Some(run.clone())] => unrecorded.push(format!("{workflow}@{due}: {recorded:?}")),
                [_] => {}
                _ => doubled.push(format!("{workflow}@{due}: {run:?}")),
            }
        }
        doubled.extend(runs.iter().filter(|(_, r)| r.len() > 1).map(|(due, r)| format!("{workflow}@{due}: {r:?}")));
    }
    assert!(lost.is_empty(), "{} of {times} times have no run: {lost:?}", lost.len());
    assert!(doubled.is_empty(), "times fired twice: {doubled:?}");
    assert!(unrecorded.is_empty(), "times not recorded once with their run: {unrecorded:?}");
    assert_eq!(orphans, 0, "a time was claimed without a run");
    eprintln!(
        "{TICKERS} per-second workflows, {KILLS} kills: {times} times each fired once; {:.1} s",
        began.elapsed().as_secs_f64()
    );
}
