//! A 2xx to a webhook means its run is committed, even when the service is killed: the
//! delivery is claimed in the transaction that creates its run, on SQLite and PostgreSQL;
//! claims that earlier versions left without a run are repaired on upgrade; and a real
//! `roost serve` killed with SIGKILL under a stream of deliveries answers every one with
//! a run that exists, once.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use roost::engine::{Engine, Origin};
use roost::store::Store;
use roost::workflow;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use sqlx::Row;

use super::count;
use crate::support;

const KEY: &str = "hook-key-under-fire";
pub(super) const OPERATOR: &str = "roost_operator-crash-token";
/// A webhook workflow of one echo step, signed with workspace secret `HOOK_KEY`.
pub(crate) const HOOKED: &str = "name: hooked
on:
  webhook: { secret: HOOK_KEY }
steps:
  - id: echo
    uses: echo/echo@1
    with: { n: \"${{ trigger.body.n }}\" }
";

/// Starts a run of `HOOKED` in `engine` for `delivery` (none: a run no delivery claims).
async fn start(engine: &Engine, delivery: Option<&str>) -> Option<String> {
    let plan = workflow::load("hooked.yaml", HOOKED, engine.registry()).unwrap_or_else(|d| panic!("{d}"));
    let context = json!({ "trigger": { "kind": "webhook", "body": { "n": 1 } } });
    let origin = Origin { kind: "webhook".into(), context, delivery: delivery.map(String::from) };
    engine.start_from(&plan, ("hooked.yaml", HOOKED), Map::new(), "acme", origin).await.unwrap()
}

/// Two processes (each its own pool and writer) start the same delivery 24 times at once,
/// among 8 runs no delivery claims: one run is created for the delivery, with its steps
/// and jobs, the others write nothing, and a later retry finds that run.
async fn one_run_per_delivery(url: &str) {
    let runtime = Arc::new(support::runtime());
    let registry = Arc::new(support::registry(&runtime));
    let mut engines = Vec::new();
    for _ in 0..2 {
        let store = Store::connect(url).await.unwrap();
        engines.push(Engine::new(runtime.clone(), registry.clone(), store));
    }
    let attempts = (0..32).map(|i| start(&engines[i % 2], (i < 24).then_some("hook:d-1")));
    let started = futures::future::join_all(attempts).await;
    let winners: Vec<&String> = started[..24].iter().flatten().collect();
    assert_eq!(winners.len(), 1, "one attempt of the delivery creates its run: {started:?}");
    assert!(started[24..].iter().all(Option::is_some), "runs without a delivery are never refused");

    let store = engines[0].store();
    assert_eq!(store.delivery_run("acme", "hooked", "hook:d-1").await.unwrap().as_ref(), Some(winners[0]));
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM runs").await, 9);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM steps").await, 9, "the losing attempts wrote no steps");
    assert_eq!(count(&pool, "SELECT COUNT(DISTINCT run_id) FROM jobs").await, 9, "nor jobs");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM hook_deliveries WHERE run_id IS NULL").await, 0);

    // The sender's retry, from either process, creates nothing and finds the run.
    assert_eq!(start(&engines[1], Some("hook:d-1")).await, None);
    assert_eq!(store.delivery_run("acme", "hooked", "hook:d-1").await.unwrap().as_ref(), Some(winners[0]));
    assert!(start(&engines[1], Some("hook:d-2")).await.is_some(), "another delivery starts its own run");
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM runs").await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_of_a_delivery_create_one_run_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    one_run_per_delivery(&format!("sqlite://{}", dir.path().join("roost.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_of_a_delivery_create_one_run_in_postgres() {
    one_run_per_delivery(&support::pg_url().await).await;
}

/// A database that an earlier version left with two claims without a run (its process
/// died between claiming and linking): one delivery's run was created, the other's not.
/// Upgrading links the first claim to its run and gives the second back.
async fn claims_left_by_earlier_versions_are_linked_or_given_back(url: &str, backend: &str) {
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations").join(backend);
    let earlier = tempfile::tempdir().unwrap();
    for file in std::fs::read_dir(&all).unwrap().map(|f| f.unwrap().path()) {
        if file.file_name().unwrap().to_str().unwrap() < "0006" {
            std::fs::copy(&file, earlier.path().join(file.file_name().unwrap())).unwrap();
        }
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::migrate::Migrator::new(earlier.path()).await.unwrap().run(&pool).await.unwrap();
    for sql in [
        "INSERT INTO runs (id, workspace, workflow, status, inputs, created_at, trigger, context) VALUES \
         ('run-1', 'acme', 'hooked', 'running', '{}', 1, 'webhook', '{\"trigger\":{\"kind\":\"webhook\",\"delivery\":\"d-1\"}}')",
        "INSERT INTO hook_deliveries (workspace, workflow, delivery_id, run_id, received_at) VALUES \
         ('acme', 'hooked', 'hook:d-1', NULL, 1), ('acme', 'hooked', 'hook:d-2', NULL, 1), \
         ('acme', 'hooked', 'schedule:every@1', NULL, 1)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
    }
    let store = Store::connect(url).await.unwrap();
    assert_eq!(store.delivery_run("acme", "hooked", "hook:d-1").await.unwrap().as_deref(), Some("run-1"));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM hook_deliveries WHERE delivery_id = 'hook:d-2'").await, 0);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM hook_deliveries WHERE delivery_id LIKE 'schedule:%'").await, 1);
    // The given-back delivery's retry starts its run.
    let runtime = Arc::new(support::runtime());
    let registry = Arc::new(support::registry(&runtime));
    let engine = Engine::new(runtime, registry, store);
    let run = start(&engine, Some("hook:d-2")).await.expect("the retry starts the run");
    assert_eq!(engine.store().delivery_run("acme", "hooked", "hook:d-2").await.unwrap(), Some(run));
}

#[tokio::test]
async fn claims_left_by_earlier_versions_are_linked_or_given_back_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("roost.db").display());
    claims_left_by_earlier_versions_are_linked_or_given_back(&url, "sqlite").await;
}

#[tokio::test]
async fn claims_left_by_earlier_versions_are_linked_or_given_back_in_postgres() {
    claims_left_by_earlier_versions_are_linked_or_given_back(&support::pg_url().await, "postgres").await;
}

/// Deliveries sent per second.
const RATE: u64 = 150;
/// How long the service takes deliveries between two kills.
const PHASE: Duration = Duration::from_millis(1500);
/// How many times the service is killed.
const KILLS: usize = 4;
/// How long senders keep retrying unanswered deliveries once the service is back.
const PATIENCE: Duration = Duration::from_secs(30);

/// What a sender saw of one delivery: the run every 2xx named, the attempts made, and
/// whether the first 2xx said the run had been started by an earlier attempt.
#[derive(Debug, Default, Clone)]
struct Seen {
    runs: Vec<Option<String>>,
    attempts: usize,
    first_was_duplicate: bool,
}

/// The sender's record of every delivery, by number.
type Ledger = Arc<Mutex<BTreeMap<usize, Seen>>>;

/// A `roost serve` process on a loopback port over the SQLite file in `data`.
pub(super) struct Serve {
    child: Child,
    pub(super) url: String,
}

impl Serve {
    pub(super) fn start(data: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let db = format!("sqlite://{}", data.join("roost.db").display());
        let child = Command::new(env!("CARGO_BIN_EXE_roost"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--db", &db, "--grace-seconds", "1"])
            .arg("--workflows")
            .arg(data.join("workflows"))
            .env("ROOST_DATA_DIR", data)
            .env("ROOST_CACHE_DIR", support::cache_dir())
            .env("ROOST_CONFIG", data.join("roost.toml"))
            .env("ROOST_OPERATOR_TOKEN", OPERATOR)
            .env_remove("ROOST_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self { child, url: format!("http://127.0.0.1:{port}") }
    }

    pub(super) async fn ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !client.get(format!("{}/healthz", self.url)).send().await.is_ok_and(|r| r.status().is_success()) {
            assert!(self.child.try_wait().unwrap().is_none(), "roost serve ended on its own");
            assert!(Instant::now() < deadline, "roost serve did not answer /healthz within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(super) fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends delivery `n` once to `url`; a 2xx is recorded with the run it names.
async fn send(client: reqwest::Client, url: String, n: usize, ledger: Ledger) {
    let body = json!({ "n": n }).to_string();
    let answer = client
        .post(format!("{url}/hooks/default/hooked"))
        .header("x-roost-signature", sign(body.as_bytes()))
        .header("x-roost-delivery", format!("d-{n}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let answer = match answer {
        Ok(resp) if resp.status().is_success() => Some(resp.json::<Value>().await.unwrap_or(Value::Null)),
        _ => None,
    };
    let mut ledger = ledger.lock().unwrap();
    let seen = ledger.entry(n).or_default();
    seen.attempts += 1;
    if let Some(answer) = answer {
        seen.first_was_duplicate |= seen.runs.is_empty() && answer["duplicate"] == true;
        seen.runs.push(answer["run_id"].as_str().map(String::from));
    }
}

/// Sends new deliveries at [`RATE`] to whichever service `url` names, until `stop`; the
/// sends, each ending within the client's timeout.
async fn stream(
    client: reqwest::Client,
    url: Arc<Mutex<String>>,
    ledger: Ledger,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    let mut sends = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let target = url.lock().unwrap().clone();
        sends.push(tokio::spawn(send(client.clone(), target, sends.len(), ledger.clone())));
    }
    sends
}

/// Deliveries with no 2xx yet.
fn unanswered(ledger: &Ledger) -> Vec<usize> {
    ledger.lock().unwrap().iter().filter(|(_, s)| s.runs.is_empty()).map(|(n, _)| *n).collect()
}

/// Sends every unanswered delivery again, as senders retry, until each has a 2xx.
async fn retry_until_answered(client: &reqwest::Client, url: &str, ledger: &Ledger, deadline: Instant) -> usize {
    let mut retried = 0;
    loop {
        let pending = unanswered(ledger);
        if pending.is_empty() {
            return retried;
        }
        assert!(Instant::now() < deadline, "{} deliveries never got a 2xx: {pending:?}", pending.len());
        retried += pending.len();
        for chunk in pending.chunks(32) {
            let sends = chunk.iter().map(|&n| send(client.clone(), url.into(), n, ledger.clone()));
            futures::future::join_all(sends).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The runs of `hooked` by the delivery that started them, and the hook claims' runs.
async fn stored(db: &str) -> (HashMap<String, Vec<String>>, Vec<(String, Option<String>)>) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db).await.unwrap();
    let mut runs: HashMap<String, Vec<String>> = HashMap::new();
    for row in sqlx::query("SELECT id, context FROM runs WHERE workflow = 'hooked'").fetch_all(&pool).await.unwrap() {
        let context: Value = serde_json::from_str(&row.try_get::<String, _>(1).unwrap()).unwrap();
        let delivery = context["trigger"]["delivery"].as_str().unwrap().to_string();
        runs.entry(delivery).or_default().push(row.try_get(0).unwrap());
    }
    let claims = sqlx::query("SELECT delivery_id, run_id FROM hook_deliveries WHERE delivery_id LIKE 'hook:%'")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    (runs, claims)
}

/// A data folder with the echo plugin and `HOOKED` to load at start.
fn data_folder() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(support::test_plugins_dir().join("echo/plugin.toml")).unwrap();
    support::plugin_folder(&data.path().join("plugins"), "echo", &manifest, "echo.wasm");
    std::fs::create_dir_all(data.path().join("workflows")).unwrap();
    std::fs::write(data.path().join("workflows/hooked.yaml"), HOOKED).unwrap();
    std::fs::write(data.path().join("roost.toml"), "").unwrap();
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_answered_2xx_has_exactly_one_run_across_kills() {
    let began = Instant::now();
    let data = data_folder();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let mut serve = Serve::start(data.path());
    serve.ready(&client).await;
    let secret = client
        .put(format!("{}/api/v1/workspaces/default/secrets/HOOK_KEY", serve.url))
        .bearer_auth(OPERATOR)
        .json(&json!({ "value": KEY }))
        .send()
        .await
        .unwrap();
    assert!(secret.status().is_success(), "{:?}", secret.text().await);

    let (url, ledger, stop) =
        (Arc::new(Mutex::new(serve.url.clone())), Ledger::default(), Arc::new(AtomicBool::new(false)));
    let sender = tokio::spawn(stream(client.clone(), url.clone(), ledger.clone(), stop.clone()));
    for _ in 0..KILLS {
        tokio::time::sleep(PHASE).await;
        serve.kill();
        serve = Serve::start(data.path());
        *url.lock().unwrap() = serve.url.clone();
        serve.ready(&client).await;
    }
    tokio::time::sleep(PHASE).await;
    stop.store(true, Ordering::Relaxed);
    let sends = sender.await.unwrap();
    let sent = sends.len();
    for send in sends {
        send.await.unwrap();
    }
    let first_try = sent - unanswered(&ledger).len();
    let retried = retry_until_answered(&client, &serve.url, &ledger, Instant::now() + PATIENCE).await;
    // A sender that retries an answered delivery is told the same run.
    let again: Vec<usize> = (0..sent).step_by(25).collect();
    for &n in &again {
        send(client.clone(), serve.url.clone(), n, ledger.clone()).await;
    }
    serve.kill();

    let (runs, claims) = stored(&format!("sqlite://{}", data.path().join("roost.db").display())).await;
    let ledger = ledger.lock().unwrap().clone();
    assert_eq!(ledger.len(), sent);
    let mut repeated = 0;
    for (n, seen) in &ledger {
        let delivery = format!("d-{n}");
        let stored = runs.get(&delivery).cloned().unwrap_or_default();
        assert_eq!(stored.len(), 1, "delivery {delivery} has {} runs: {stored:?}", stored.len());
        for named in &seen.runs {
            assert_eq!(named.as_ref(), Some(&stored[0]), "a 2xx to {delivery} named no run, or another run");
        }
        repeated += seen.runs.len() - 1;
    }
    assert!(repeated >= again.len(), "every repeated delivery was answered again");
    let lost_answers = ledger.values().filter(|s| s.first_was_duplicate).count();
    assert_eq!(runs.len(), sent, "a run per delivery, and none for deliveries never sent");
    assert_eq!(claims.len(), sent, "a claim per delivery");
    for (claim, run) in &claims {
        let run = run.as_ref().unwrap_or_else(|| panic!("delivery {claim} is claimed without a run"));
        assert_eq!(
            runs[claim.trim_start_matches("hook:")],
            std::slice::from_ref(run),
            "claim {claim} names another run"
        );
    }
    eprintln!(
        "{sent} deliveries at {RATE}/s, {KILLS} kills: {first_try} answered 2xx at once, {retried} retries, \
         {lost_answers} whose run committed before its answer was lost (found by the retry), \
         {repeated} repeats answered with their run, {} runs; {:.1} s",
        runs.len(),
        began.elapsed().as_secs_f64()
    );
}
