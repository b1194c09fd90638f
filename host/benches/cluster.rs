//! Throughput of 1, 2 and 4 `roost worker` processes draining one backlog on PostgreSQL
//! (against one on a SQLite file), the database transactions each run costs, and what an
//! idle cluster costs the database.
//!
//! Run with `cargo bench -p roost --bench cluster`. Each measurement records a backlog of
//! `ROOST_BENCH_RUNS` runs (default 3,000) of a workflow of two echo steps in-process
//! (`Engine::start`, as `roost serve` records a webhook's run), then starts this build's
//! `roost worker` processes and times them from their spawn until every run has finished.
//! PostgreSQL measurements use a fresh schema of `ROOST_BENCH_POSTGRES` (default
//! postgres://postgres@127.0.0.1:5432/roost_bench, a database created if missing, so that
//! other sessions' transactions are not counted) and count the database's transactions
//! from `pg_stat_database`. The configurations take turns for `ROOST_BENCH_ROUNDS` rounds
//! (default 3); medians are printed. Then an API process and two `roost worker --scheduler`
//! processes sit idle for `ROOST_BENCH_IDLE_SECONDS` (default 30) and their transactions
//! per second are counted. docs/benchmarks.md explains every column.

#[path = "sidebyside/process.rs"]
mod process;
mod support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use process::{Server, cache_root, free_port};
use roost::engine::Engine;
use roost::runtime::Runtime;
use roost::runtime::registry::Registry;
use roost::service::auth::token_hash;
use roost::store::{Backend, Store, TokenRecord};
use roost::workflow::{self, Plan};
use serde_json::{Map, json};
use sqlx::{AnyConnection, Connection, Row};

const TWO_STEPS: &str = "name: two-steps
steps:
  - id: a
    uses: echo/echo@1
    with: { n: 1 }
  - id: b
    uses: echo/echo@1
    with: { prev: \"${{ steps.a.output.n }}\" }
";

const WORKERS: [usize; 3] = [1, 2, 4];
const NAMES: [&str; 4] = ["worker-0", "worker-1", "worker-2", "worker-3"];
/// Runs recorded at once while the backlog is built.
const STARTERS: usize = 16;
/// How often the benchmark counts the finished runs; each count is one transaction,
/// subtracted from the workers' figures.
const POLL: Duration = Duration::from_millis(50);
/// How long a drain may take before the benchmark gives up.
const DRAIN_LIMIT: Duration = Duration::from_secs(600);
/// Time for an idle cluster's start-up work to reach `pg_stat_database` before its idle
/// rate is counted: PostgreSQL flushes an idle session's counts within 10 s.
const SETTLE: Duration = Duration::from_secs(12);
const OPERATOR: &str = "roost_cluster-bench-operator";
const MASTER_KEY: &str = "6c6f6f6b2061742074686520636c75737465722c206e6f7420746865206b6579";
const COUNT_FINISHED: &str = "SELECT COUNT(finished_at), COUNT(CASE WHEN status = 'succeeded' THEN 1 END) FROM runs";
const COUNT_XACTS: &str = "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()";

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(bench());
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// What every measurement uses: the engine parts that record the backlog, and the
/// PostgreSQL database the schemas are made in.
struct Bench {
    runtime: Arc<Runtime>,
    registry: Arc<Registry>,
    plan: Plan,
    postgres: String,
    tmp: tempfile::TempDir,
    measurements: usize,
}

/// One drain: runs/s, the slowest worker's time from spawn to healthy, and on PostgreSQL
/// the transactions committed and rolled back.
#[derive(Clone, Copy)]
struct Drained {
    runs_per_s: f64,
    start_s: f64,
    xacts: Option<(i64, i64)>,
}

async fn bench() {
    let began = Instant::now();
    let (runs, rounds) = (env("ROOST_BENCH_RUNS", 3_000) as usize, env("ROOST_BENCH_ROUNDS", 3).max(1));
    let idle_seconds = env("ROOST_BENCH_IDLE_SECONDS", 30).max(1);
    let postgres = std::env::var("ROOST_BENCH_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/roost_bench".into());
    create_database(&postgres).await;
    let (runtime, registry, _) = support::echo();
    let plan = workflow::load("two-steps.yaml", TWO_STEPS, &registry).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut b = Bench { runtime, registry: Arc::new(registry), plan, postgres, tmp, measurements: 0 };
    let others = background(&b.postgres).await;
    println!(
        "{runs} runs of 2 echo steps per drain, {rounds} rounds; other sessions in the database: {others} transactions in 2 s"
    );
    b.drain(Backend::Sqlite, 1, 200).await; // warm-up: compiles the plugin into the shared cache
    let mut sqlite = Vec::new();
    let mut pg: Vec<Vec<Drained>> = vec![Vec::new(); WORKERS.len()];
    for round in 1..=rounds {
        let d = b.drain(Backend::Sqlite, 1, runs).await;
        print!("round {round}: SQLite 1 worker {:.0} runs/s", d.runs_per_s);
        sqlite.push(d);
        for (i, &workers) in WORKERS.iter().enumerate() {
            let d = b.drain(Backend::Postgres, workers, runs).await;
            print!("; PostgreSQL {workers} {:.0}", d.runs_per_s);
            pg[i].push(d);
        }
        println!();
    }
    let (idle, started) = b.idle(idle_seconds).await;
    println!();
    table(&sqlite, &pg, runs);
    println!();
    println!("| idle on PostgreSQL ({idle_seconds} s) | transactions/s | per process |");
    println!("|---|---|---|");
    println!("| 1 `serve --role api` + 2 `worker --scheduler` | {idle:.2} | {:.2} |", idle / 3.0);
    let started: Vec<String> =
        started.iter().map(|(name, s, mb)| format!("{name} healthy after {s:.2} s, {mb:.0} MB resident")).collect();
    println!("\nidle cluster: {}", started.join("; "));
    println!("\nthe benchmark took {:.0} s", began.elapsed().as_secs_f64());
}

impl Bench {
    /// Records `runs` runs in a SQLite file or a fresh PostgreSQL schema, then times
    /// `workers` worker processes from their spawn until every run has finished.
    async fn drain(&mut self, backend: Backend, workers: usize, runs: usize) -> Drained {
        self.measurements += 1;
        let dir = self.tmp.path().join(format!("m{}", self.measurements));
        let (url, schema) = match backend {
            Backend::Postgres => {
                let schema = format!("roost_cluster_bench_{}_{}", std::process::id(), self.measurements);
                (self.schema(&schema, true).await, Some(schema))
            }
            Backend::Sqlite => (format!("sqlite://{}", dir.join("roost.db").display()), None),
        };
        install_echo(&dir);
        self.backlog(&url, runs).await;
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        // On PostgreSQL this connection's start and this reading are two transactions.
        let before = match schema {
            Some(_) => Some(xacts(&mut conn).await),
            None => None,
        };
        let started = Instant::now();
        let spawns = NAMES[..workers].iter().map(|name| spawn(&dir, &url, name, &["worker"]));
        let (servers, (finished, polls)) = tokio::join!(futures::future::join_all(spawns), finished(&mut conn, runs));
        let runs_per_s = runs as f64 / finished.duration_since(started).as_secs_f64();
        let start_s = servers.iter().map(|s| s.start_to_healthy.as_secs_f64()).fold(0.0, f64::max);
        drop(servers);
        conn.close().await.unwrap();
        let xacts = match (before, schema) {
            (Some((commits, rollbacks)), Some(schema)) => {
                let (after_commits, after_rollbacks) = self.settled_xacts().await;
                self.schema(&schema, false).await;
                Some((after_commits - commits - 2 - polls, after_rollbacks - rollbacks))
            }
            _ => None,
        };
        Drained { runs_per_s, start_s, xacts }
    }

    /// Records `runs` runs of the two-step workflow in workspace `default` of `url`.
    async fn backlog(&self, url: &str, runs: usize) {
        let store = first_start(url).await;
        let engine = Engine::new(self.runtime.clone(), self.registry.clone(), store.clone());
        futures::stream::iter(0..runs)
            .for_each_concurrent(STARTERS, |_| async {
                engine.start(&self.plan, "two-steps.yaml", TWO_STEPS, Map::new(), "default", "bench").await.unwrap();
            })
            .await;
        store.close().await;
        // A closed session reports its last counts to `pg_stat_database` as it ends.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    /// Transactions per second of one API process and two workers standing for scheduler,
    /// idle with one workflow that has no trigger, counted after they settled; and how
    /// each process started: its name, seconds to healthy, resident MB once healthy.
    async fn idle(&mut self, seconds: u64) -> (f64, Vec<(&'static str, f64, f64)>) {
        let dir = self.tmp.path().join("idle");
        install_echo(&dir);
        std::fs::create_dir_all(dir.join("workflows")).unwrap();
        std::fs::write(dir.join("workflows/two-steps.yaml"), TWO_STEPS).unwrap();
        let schema = format!("roost_cluster_bench_{}_idle", std::process::id());
        let url = self.schema(&schema, true).await;
        first_start(&url).await.close().await;
        let workflows = dir.join("workflows").display().to_string();
        let api = ["serve", "--role", "api", "--workflows", workflows.as_str()];
        let spawns = [
            spawn(&dir, &url, "api", &api),
            spawn(&dir, &url, NAMES[0], &["worker", "--scheduler"]),
            spawn(&dir, &url, NAMES[1], &["worker", "--scheduler"]),
        ];
        let servers = futures::future::join_all(spawns).await;
        tokio::time::sleep(SETTLE).await;
        // Both readings lag the sessions' latest transactions alike, idle as they are.
        let (before, _) = self.xacts_now().await;
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let (after, _) = self.xacts_now().await;
        let started = servers.iter().zip(["api", NAMES[0], NAMES[1]]);
        let started =
            started.map(|(s, n)| (n, s.start_to_healthy.as_secs_f64(), s.idle_rss_kb as f64 / 1024.0)).collect();
        drop(servers);
        self.schema(&schema, false).await;
        ((after - before - 2) as f64 / seconds as f64, started)
    }

    /// The database's transaction counts, read on a connection of its own that is closed
    /// at once: the two transactions it makes are in the next reading.
    async fn xacts_now(&self) -> (i64, i64) {
        let mut conn = AnyConnection::connect(&self.postgres).await.unwrap();
        let counts = xacts(&mut conn).await;
        conn.close().await.unwrap();
        counts
    }

    /// The counts once the sessions of stopped processes have ended and reported theirs.
    async fn settled_xacts(&self) -> (i64, i64) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.xacts_now().await
    }

    /// Creates schema `name` (or, when not `create`, drops it) and returns a URL using it.
    async fn schema(&self, name: &str, create: bool) -> String {
        let mut conn = AnyConnection::connect(&self.postgres).await.unwrap();
        let sql = match create {
            true => format!("CREATE SCHEMA {name}"),
            false => format!("DROP SCHEMA {name} CASCADE"),
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        let separator = if self.postgres.contains('?') { '&' } else { '?' };
        format!("{}{separator}options=-c%20search_path%3D{name}", self.postgres)
    }
}

/// The database of `url` as a first start of `roost serve` leaves it: migrated, with
/// workspace `default` and the operator token. Processes started at once on an empty
/// database race to store that token, and all but one fail.
async fn first_start(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.create_workspace("default", "default", &json!({})).await.unwrap();
    let token = TokenRecord {
        id: uuid::Uuid::now_v7().to_string(),
        workspace: None,
        role: "owner".into(),
        name: "operator".into(),
        created_at: roost::store::now_ms(),
        last_used_at: None,
        user_id: None,
    };
    store.create_token(&token, &token_hash(OPERATOR)).await.unwrap();
    store
}

/// Counts the finished runs every [`POLL`] until all `runs` have; when that was seen and
/// how many counts it took. Every run must have succeeded.
async fn finished(conn: &mut AnyConnection, runs: usize) -> (Instant, i64) {
    let started = Instant::now();
    let mut polls = 0;
    loop {
        let row = sqlx::raw_sql(COUNT_FINISHED).fetch_one(&mut *conn).await.unwrap();
        polls += 1;
        let (finished, succeeded): (i64, i64) = (row.get(0), row.get(1));
        if finished as usize >= runs {
            assert_eq!(succeeded, finished, "every run succeeds");
            return (Instant::now(), polls);
        }
        assert!(started.elapsed() < DRAIN_LIMIT, "{finished} of {runs} runs finished after {DRAIN_LIMIT:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// The commits and rollbacks of the connection's database so far.
async fn xacts(conn: &mut AnyConnection) -> (i64, i64) {
    let row = sqlx::raw_sql(COUNT_XACTS).fetch_one(conn).await.unwrap();
    (row.get(0), row.get(1))
}

/// Transactions other sessions make in the benchmark's database in 2 s.
async fn background(postgres: &str) -> i64 {
    let read = || async {
        let mut conn = AnyConnection::connect(postgres).await.unwrap();
        let (commits, rollbacks) = xacts(&mut conn).await;
        conn.close().await.unwrap();
        commits + rollbacks
    };
    let before = read().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    read().await - before - 2
}

/// Creates the database `postgres` names unless it exists, through the server's
/// `postgres` database.
async fn create_database(postgres: &str) {
    sqlx::any::install_default_drivers();
    let mut url = url::Url::parse(postgres).unwrap();
    let name = url.path().trim_start_matches('/').to_string();
    url.set_path("/postgres");
    let mut conn = AnyConnection::connect(url.as_str()).await.expect("the PostgreSQL server at 127.0.0.1:5432");
    let exists = sqlx::query("SELECT COUNT(*) FROM pg_database WHERE datname = $1").bind(&name).fetch_one(&mut conn);
    if exists.await.unwrap().get::<i64, _>(0) == 0 {
        let create = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        sqlx::raw_sql(sqlx::AssertSqlSafe(create)).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
}

/// The echo test plugin installed in data folder `dir`.
fn install_echo(dir: &Path) {
    let plugin = dir.join("plugins/echo");
    std::fs::create_dir_all(&plugin).unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins/echo/plugin.toml");
    std::fs::copy(manifest, plugin.join("plugin.toml")).unwrap();
    std::fs::copy(Path::new(env!("ROOST_WASM_PLUGIN_DIR")).join("echo.wasm"), plugin.join("echo.wasm")).unwrap();
}

/// Starts `roost ARGS` on data folder `dir` and database `url`; healthy when it returns.
async fn spawn(dir: &Path, url: &str, name: &'static str, args: &[&str]) -> Server {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_roost"));
    command
        .args(args)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .env("ROOST_DB", url)
        .env("ROOST_DATA_DIR", dir)
        .env("ROOST_CACHE_DIR", cache_root().join("roost-compiled-plugins"))
        .env("ROOST_OPERATOR_TOKEN", OPERATOR)
        .env("ROOST_MASTER_KEY", MASTER_KEY)
        .env_remove("ROOST_CONFIG")
        .env_remove("RUST_LOG")
        .current_dir(dir);
    Server::start(name, command, port, "/healthz", &dir.join(format!("{name}.log"))).await
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

/// The markdown table of the drains.
fn table(sqlite: &[Drained], pg: &[Vec<Drained>], runs: usize) {
    let rates = |ds: &[Drained]| ds.iter().map(|d| d.runs_per_s).collect::<Vec<_>>();
    let each = |ds: &[Drained]| rates(ds).iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", ");
    let base = median(rates(sqlite));
    let one = median(rates(&pg[0]));
    let start = |ds: &[Drained]| median(ds.iter().map(|d| d.start_s).collect());
    println!(
        "| store | worker processes | runs/s (median) | runs/s (each round) | vs 1 worker | vs SQLite | start (s) | transactions/run | rolled back/run |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!("| SQLite file | 1 | {base:.0} | {} | 1.00 | 1.00 | {:.2} | – | – |", each(sqlite), start(sqlite));
    for (ds, workers) in pg.iter().zip(WORKERS) {
        let rate = median(rates(ds));
        let per_run = |pick: fn((i64, i64)) -> i64| {
            median(ds.iter().map(|d| pick(d.xacts.unwrap()) as f64 / runs as f64).collect())
        };
        println!(
            "| PostgreSQL | {workers} | {rate:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.3} |",
            each(ds),
            rate / one,
            rate / base,
            start(ds),
            per_run(|(c, r)| c + r),
            per_run(|(_, r)| r),
        );
    }
}
