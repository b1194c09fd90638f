//! History at scale: 100,000 finished runs pruned without stalling other writers, and the
//! periodic queries (and a real `roost serve` at rest) costing the same over them as over
//! a fresh database.

use std::time::{Duration, Instant};

use roost::service::retention::{Policy, prune};
use roost::store::{Actor, Store, now_ms};
use serde_json::json;
use sqlx::AnyPool;

use super::retention::{DAY_MS, raw};

/// Runs in a grown database.
const RUNS: i64 = 100_000;

/// The workflow text every seeded run keeps, as runs of stored workflows do.
const SOURCE: &str = "name: digest\non:\n  schedule:\n    - cron: \"0 9 * * *\"\nsteps:\n  - id: fetch\n    uses: echo/echo@1\n    with: { n: 1 }\n  - id: post\n    needs: [fetch]\n    uses: echo/echo@1\n    with: { text: \"${{ steps.fetch.outputs.n }}\" }\n";

/// `RUNS` finished runs of `default` shaped like the engine's (two steps, each with a log
/// line and an attempt, a trigger event and a delivery id per run), the newest finished at
/// `newest` (ms) and each `spacing` ms before the next. Generated inside SQLite, so 100,000
/// take seconds.
async fn seed_history(db: &AnyPool, newest: i64, spacing: i64) {
    const SEQ: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) ";
    let statements = [
        "INSERT INTO runs (id, workspace, workflow, status, inputs, outputs, created_at, finished_at, source, source_name, trigger, started_at, context, version) \
         SELECT printf('run-%07d', i), 'default', 'digest', 'succeeded', '{\"text\":\"hello\"}', '{\"posted\":true,\"id\":\"109876543210\"}', \
         $2 - i * $3 - 900, $2 - i * $3, $4, 'default/digest.yaml', 'schedule', $2 - i * $3 - 900, '{\"trigger\":{\"kind\":\"schedule\"},\"vars\":{}}', 6 FROM n",
        "INSERT INTO steps (run_id, step_id, workspace, plugin, plugin_version, digest, status, attempt, input, output, started_at, finished_at, duration_us) \
         SELECT printf('run-%07d', i), s.id, 'default', 'echo', '1.0.0', 'sha256:5e1f', 'succeeded', 1, '{\"n\":1}', '{\"n\":1}', $2 - i * $3 - 800, $2 - i * $3 - 100, 700000 \
         FROM n, (SELECT 'fetch' AS id UNION ALL SELECT 'post') s",
        "INSERT INTO step_logs (run_id, step_id, seq, level, message, at) \
         SELECT printf('run-%07d', i), s.id, 0, 'info', 'echoed 1 value', $2 - i * $3 - 500 FROM n, (SELECT 'fetch' AS id UNION ALL SELECT 'post') s",
        "INSERT INTO attempts (run_id, step_id, idx, attempt, status, started_at, finished_at) \
         SELECT printf('run-%07d', i), s.id, 0, 1, 'succeeded', $2 - i * $3 - 800, $2 - i * $3 - 100 FROM n, (SELECT 'fetch' AS id UNION ALL SELECT 'post') s",
        "INSERT INTO trigger_events (id, workspace, workflow, kind, due_at, fired_at, run_id, outcome) \
         SELECT printf('event-%07d', i), 'default', 'digest', 'schedule', $2 - i * $3 - 1000, $2 - i * $3 - 900, printf('run-%07d', i), 'started' FROM n",
        "INSERT INTO hook_deliveries (workspace, workflow, delivery_id, run_id, received_at) \
         SELECT 'default', 'digest', printf('schedule:0@%d', $2 - i * $3 - 1000), printf('run-%07d', i), $2 - i * $3 - 900 FROM n",
    ];
    for sql in statements {
        let source = sql.contains("$4");
        let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SEQ}{sql}"))).bind(RUNS).bind(newest).bind(spacing);
        let query = if source { query.bind(SOURCE) } else { query };
        query.execute(db).await.unwrap();
    }
}

/// A SQLite file with the schema and workspace `default`: its store and URL.
async fn sqlite(dir: &tempfile::TempDir) -> (Store, String) {
    let url = format!("sqlite://{}", dir.path().join("roost.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.create_workspace("default", "default", &json!({})).await.unwrap();
    (store, url)
}

#[tokio::test]
async fn pruning_100k_runs_never_stalls_another_writer() {
    let dir = tempfile::tempdir().unwrap();
    let (store, url) = sqlite(&dir).await;
    let db = raw(&url).await;
    let seeded = Instant::now();
    seed_history(&db, now_ms() - 40 * DAY_MS, 1_000).await;
    eprintln!("seeded {RUNS} finished runs in {:?}", seeded.elapsed());
    let (_stop, running) = tokio::sync::watch::channel(false);
    let pruning = {
        let store = store.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let pruned = prune(&store, &Policy::default(), now_ms(), &running).await.unwrap();
            (pruned, started.elapsed())
        })
    };
    // Another writer meanwhile: a workspace's audit line every 20 ms, each timed.
    let mut slowest = Duration::ZERO;
    let mut writes = 0;
    while !pruning.is_finished() {
        let started = Instant::now();
        store.audit(Some("default"), &Actor::system("probe"), "probe", "write", None).await.unwrap();
        slowest = slowest.max(started.elapsed());
        writes += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (pruned, took) = pruning.await.unwrap();
    eprintln!("pruned {pruned:?} in {took:?}; {writes} writes meanwhile, the slowest took {slowest:?}");
    assert_eq!((pruned.runs, pruned.trigger_events, pruned.deliveries), (RUNS as u64, RUNS as u64, 0));
    for table in ["runs", "steps", "step_logs", "attempts", "trigger_events", "hook_deliveries"] {
        let left: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&db)
            .await
            .map(|r| sqlx::Row::get(&r, 0))
            .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    assert!(writes > 10, "the writer ran all along ({writes} writes)");
    assert!(slowest < Duration::from_secs(1), "a write waited {slowest:?} for the pruning");
}

/// Time of `rounds` rounds of every periodic query but the worker's (quotas, metrics,
/// admission, scheduler, retention) against `store` at `now`.
async fn periodic_queries(store: &Store, now: i64, rounds: u32) -> Duration {
    let policy = Policy::default();
    let cutoff = now - policy.days_for(None) * DAY_MS;
    let started = Instant::now();
    for _ in 0..rounds {
        store.steps_started_since("default", now - now.rem_euclid(DAY_MS)).await.unwrap();
        store.active_runs("default").await.unwrap();
        store.queue_depth().await.unwrap();
        store.waiting_approval_counts().await.unwrap();
        store.workflows(None).await.unwrap();
        store.retention_settings().await.unwrap();
        assert_eq!(store.prune_runs("default", cutoff, 200).await.unwrap(), 0);
        assert_eq!(store.prune_trigger_events("default", cutoff, 200).await.unwrap(), 0);
        assert_eq!(store.prune_deliveries("default", cutoff, 200).await.unwrap(), 0);
    }
    started.elapsed()
}

#[tokio::test]
async fn periodic_queries_cost_the_same_over_100k_finished_runs() {
    let (fresh_dir, grown_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (fresh, _) = sqlite(&fresh_dir).await;
    let (grown, url) = sqlite(&grown_dir).await;
    let now = now_ms();
    // History ends before today: the daily step count reads today's attempts, as many as
    // the day has had so far, which is not the history this measures.
    let today = now - now.rem_euclid(DAY_MS);
    seed_history(&raw(&url).await, today - 60_000, 20_000).await;
    periodic_queries(&fresh, now, 20).await;
    periodic_queries(&grown, now, 20).await;
    let (a, b) = (periodic_queries(&fresh, now, 200).await, periodic_queries(&grown, now, 200).await);
    let ratio = b.as_secs_f64() / a.as_secs_f64();
    eprintln!("200 rounds of the periodic queries: {a:?} fresh, {b:?} over {RUNS} runs (x{ratio:.2})");
    // A scan of 100,000 runs or 200,000 attempts costs milliseconds per query against tens
    // of microseconds for an index search: x100 and more, where noise stays below x3.
    assert!(ratio < 5.0, "the periodic queries cost x{ratio:.1} over a grown history");
}

/// CPU time (user + system) of process `pid` in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let hz = std::process::Command::new("getconf").arg("CLK_TCK").output().unwrap();
    ticks as f64 / String::from_utf8_lossy(&hz.stdout).trim().parse::<f64>().unwrap()
}

/// Whether `GET /healthz` on `port` answers 200 (plain HTTP/1.0, no TLS stack needed).
async fn healthy(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut conn) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let mut answer = Vec::new();
    let asked = conn.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").await;
    asked.is_ok() && conn.read_to_end(&mut answer).await.is_ok() && answer.starts_with(b"HTTP/1.1 200")
}

/// Share of one core a real `roost serve` over the database in `dir` uses at rest.
async fn idle_cpu(dir: &tempfile::TempDir, url: &str) -> f64 {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--db", url])
        .env("ROOST_DATA_DIR", dir.path())
        .env("ROOST_CACHE_DIR", crate::support::cache_dir())
        .env("ROOST_OPERATOR_TOKEN", "roost_idle-test")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let serve = Stopped(child);
    for _ in 0..600 {
        if healthy(port).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (before, started) = (cpu_seconds(serve.0.id()), Instant::now());
    tokio::time::sleep(Duration::from_secs(20)).await;
    (cpu_seconds(serve.0.id()) - before) / started.elapsed().as_secs_f64()
}

/// A child process, killed when dropped (also when a test fails).
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Measures a real `roost serve` at rest over a fresh database and over 100,000 finished
/// runs (about a minute); run with `--ignored --nocapture` to see the figures.
#[tokio::test]
#[ignore = "a measurement of about a minute; prints idle CPU figures"]
async fn idle_cpu_of_roost_serve_stays_flat_over_100k_finished_runs() {
    let (fresh_dir, grown_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (fresh, fresh_url) = sqlite(&fresh_dir).await;
    let (grown, grown_url) = sqlite(&grown_dir).await;
    seed_history(&raw(&grown_url).await, now_ms() - 60_000, 20_000).await;
    fresh.close().await;
    grown.close().await;
    let a = idle_cpu(&fresh_dir, &fresh_url).await;
    let b = idle_cpu(&grown_dir, &grown_url).await;
    eprintln!(
        "idle roost serve: {:.2} % of a core fresh, {:.2} % over {RUNS} finished runs (x{:.2})",
        a * 100.0,
        b * 100.0,
        b / a
    );
    assert!(b < 3.0 * a.max(0.002), "idle cost grew x{:.1} with history", b / a);
}
