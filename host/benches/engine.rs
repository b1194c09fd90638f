//! Engine throughput with durable SQLite against an in-memory store, and the cost of
//! runs waiting on approvals.
//!
//! Run with `cargo bench -p roost --bench engine`. Throughput runs a 4-step workflow of
//! trivial plugin steps through the whole engine (jobs, leases, commits, settling);
//! the ratio between the two stores is the cost of durability. With `ROOST_BENCH_POSTGRES`
//! set to a server's URL (e.g. postgres://postgres@127.0.0.1:5432/test), the same runs go
//! through PostgreSQL too, in a schema of their own.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use roost::engine::{Engine, Progress};
use roost::store::Store;
use roost::workflow::{self, Plan};
use serde_json::Map;

const FOUR_STEPS: &str = "name: four-steps
steps:
  - id: a
    uses: echo/echo@1
    with: { n: 1 }
  - id: b
    uses: echo/echo@1
    with: { prev: \"${{ steps.a.output.n }}\" }
  - id: c
    uses: echo/echo@1
    with: { n: 3 }
  - id: d
    uses: echo/echo@1
    with: { b: \"${{ steps.b.output }}\", c: \"${{ steps.c.output }}\" }
";

const APPROVAL: &str = "name: waits
steps:
  - id: review
    approval: { message: Publish? }
";

const RUNS: usize = 2_000;
/// Runs worked at once, as many as `roost serve`'s worker drives at once.
const DRIVERS: usize = 64;
const WAITING: usize = 10_000;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let (runtime, registry, _) = support::echo();
    let registry = Arc::new(registry);
    let dir = tempfile::tempdir().unwrap();

    let file = format!("sqlite://{}", dir.path().join("bench.db").display());
    let memory = "sqlite::memory:".to_string();
    let mut stores = vec![("SQLite file (WAL)", file), ("SQLite in memory", memory)];
    let postgres = std::env::var("ROOST_BENCH_POSTGRES").ok();
    if let Some(base) = &postgres {
        stores.push(("PostgreSQL", postgres_schema(base, true).await));
    }
    let mut results = Vec::new();
    for (name, url) in &stores {
        let engine = Engine::new(runtime.clone(), registry.clone(), Store::connect(url).await.unwrap());
        let plan = workflow::load("four.yaml", FOUR_STEPS, registry.as_ref()).unwrap();
        throughput(&engine, &plan, 200).await; // warm-up
        let elapsed = throughput(&engine, &plan, RUNS).await;
        let runs_per_s = RUNS as f64 / elapsed.as_secs_f64();
        println!(
            "{name:<20} {RUNS} runs x 4 steps in {:>7.1} ms: {runs_per_s:>7.0} runs/s {:>7.0} steps/s",
            ms(elapsed),
            runs_per_s * 4.0
        );
        results.push(runs_per_s);
    }
    if let Some(base) = &postgres {
        postgres_schema(base, false).await;
    }
    println!("durability costs {:.2}x (in-memory runs/s over file runs/s)", results[1] / results[0]);

    let url = format!("sqlite://{}", dir.path().join("approvals.db").display());
    let engine = Engine::new(runtime.clone(), registry.clone(), Store::connect(&url).await.unwrap());
    let plan = workflow::load("waits.yaml", APPROVAL, registry.as_ref()).unwrap();
    let before = resident_kib();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(WAITING);
    for _ in 0..WAITING {
        let id = engine.start(&plan, "waits.yaml", APPROVAL, Map::new(), "bench", "bench").await.unwrap();
        assert!(matches!(engine.drive(&id, Duration::ZERO).await.unwrap(), Progress::Waiting { .. }));
        ids.push(id);
    }
    let parked = started.elapsed();
    let after = resident_kib();
    let started = Instant::now();
    for id in &ids {
        engine.decide(id, "review", true, "bench", None).await.unwrap();
    }
    let decided = started.elapsed();
    println!(
        "{WAITING} runs waiting on approvals: started and parked in {:.1} s, resident memory {:.1} MB before, {:.1} MB after ({:+.1} MB), all decided in {:.1} s ({:.0}/s)",
        parked.as_secs_f64(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after as f64 - before as f64) / 1024.0,
        decided.as_secs_f64(),
        WAITING as f64 / decided.as_secs_f64()
    );
}

/// Starts and works `count` runs, `DRIVERS` at a time, each driven as soon as it is
/// started: how `roost serve` takes runs from webhooks and schedules.
async fn throughput(engine: &Engine, plan: &Plan, count: usize) -> Duration {
    let started = Instant::now();
    futures::stream::iter(0..count)
        .for_each_concurrent(DRIVERS, |_| async {
            let id = engine.start(plan, "four.yaml", FOUR_STEPS, Map::new(), "bench", "bench").await.unwrap();
            assert_eq!(engine.drive(&id, Duration::from_secs(5)).await.unwrap(), Progress::Finished);
        })
        .await;
    started.elapsed()
}

/// A fresh schema in the PostgreSQL database at `base`, as a URL that uses it; dropped
/// again, when not `create`.
async fn postgres_schema(base: &str, create: bool) -> String {
    use sqlx::Connection;
    let schema = format!("roost_bench_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
        .execute(&mut conn)
        .await
        .unwrap();
    if create {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut conn).await.unwrap();
    }
    format!("{base}?options=-c%20search_path%3D{schema}")
}

fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
