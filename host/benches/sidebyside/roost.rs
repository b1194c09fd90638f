//! Roost as the benchmark runs it: the `roost serve` binary of this build over a fresh data
//! folder, the committed webhook workflows, signed deliveries, and a poller that reports
//! when runs answered with 202 have finished.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::oneshot;

use super::process::{Server, cache_root, free_port};

pub const OPERATOR: &str = "roost_sidebyside-operator";
const KEY: &str = "sidebyside-hook-key";
/// How often the poller lists the runs, and how many of the newest it reads.
const POLL_EVERY: Duration = Duration::from_millis(20);
const POLL_LIMIT: usize = 100;
/// What the poller's waiters learn: the run's status and when it finished (epoch ms).
pub type Finished = (String, i64);

/// Starts `roost serve` with the workflows of `benches/sidebyside` and the echo test
/// plugin, over a fresh data folder; compiled plugins are kept between runs, as a
/// deployment keeps them between restarts.
pub async fn start(tmp: &Path) -> Server {
    let files = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sidebyside");
    let (data, plugins) = (tmp.join("roost"), tmp.join("plugins/echo"));
    std::fs::create_dir_all(&data).expect("a temporary folder is writable");
    std::fs::create_dir_all(&plugins).expect("a temporary folder is writable");
    let echo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins/echo/plugin.toml");
    std::fs::copy(echo, plugins.join("plugin.toml")).expect("the echo test plugin's manifest is readable");
    let wasm = Path::new(env!("ROOST_WASM_PLUGIN_DIR")).join("echo.wasm");
    std::fs::copy(wasm, plugins.join("echo.wasm")).expect("the echo test plugin is built");
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_roost"));
    command
        .arg("--plugins")
        .arg(&plugins)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&data)
        .arg("--workflows")
        .arg(&files)
        .env("ROOST_OPERATOR_TOKEN", OPERATOR)
        .env("ROOST_CACHE_DIR", plugin_cache())
        .env_remove("ROOST_DB")
        .env_remove("ROOST_CONFIG")
        .current_dir(&data);
    let server = Server::start("Roost", command, port, "/healthz", &tmp.join("roost.log")).await;
    let (status, answer) = api(&server.base, reqwest::Method::PUT, "/secrets/HOOK_KEY", json!({ "value": KEY })).await;
    assert!((200..300).contains(&status), "setting the webhook secret answered {status}: {answer}");
    // The default daily step quota would end a long run of the benchmark.
    let quotas = json!({ "quotas": { "concurrent_runs": null, "steps_per_day": null } });
    let (status, answer) = api(&server.base, reqwest::Method::PATCH, "", quotas).await;
    assert!((200..300).contains(&status), "lifting the quotas answered {status}: {answer}");
    server
}

/// Where `roost serve` keeps its compiled plugins between runs of the benchmark.
pub fn plugin_cache() -> std::path::PathBuf {
    cache_root().join("roost-compiled-plugins")
}

/// Calls the API of workspace `default`; returns the status and the JSON answer.
pub async fn api(base: &str, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let url = format!("{base}/api/v1/workspaces/default{path}");
    let answer = reqwest::Client::new().request(method, &url).bearer_auth(OPERATOR).json(&body).send().await;
    let answer = answer.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// Stores workflow `name` again with `wait: 30s` on its webhook, so that deliveries are
/// answered with the run's outputs; false when this Roost does not accept it.
pub async fn ask_to_wait(base: &str, name: &str) -> bool {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("benches/sidebyside/{name}.yaml"));
    let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let plain = "webhook: { secret: HOOK_KEY }";
    assert!(source.contains(plain), "{} must declare `{plain}`", file.display());
    let waiting = source.replace(plain, "webhook: { secret: HOOK_KEY, wait: 30s }");
    let (status, answer) = api(base, reqwest::Method::POST, "/workflows", json!({ "source": waiting })).await;
    match status {
        200..300 => true,
        422 => false,
        _ => panic!("storing workflow `{name}` with `wait: 30s` answered {status}: {answer}"),
    }
}

/// `sha256=<hex>` of `body` keyed with the webhook secret.
pub fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Waits for run `id` to finish (at most `limit`) and returns it as the API shows it.
pub async fn finished_run(base: &str, id: &str, limit: Duration) -> Value {
    let began = std::time::Instant::now();
    loop {
        let (_, run) = api(base, reqwest::Method::GET, &format!("/runs/{id}"), Value::Null).await;
        if !run["finished_at"].is_null() {
            return run;
        }
        assert!(began.elapsed() < limit, "run {id} had not finished after {limit:?}: {run}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Tells the senders of deliveries answered with 202 when their runs have finished, by
/// listing the newest runs of one workflow every few milliseconds while any is awaited.
/// Each sender waits for its run before sending again, so few runs are ever unfinished.
#[derive(Clone, Default)]
pub struct Poller {
    waiting: Arc<Mutex<HashMap<String, oneshot::Sender<Finished>>>>,
}

impl Poller {
    /// Starts polling `workflow` until the poller and its clones are dropped.
    pub fn spawn(base: &str, workflow: &str) -> Poller {
        let poller = Poller::default();
        let weak = Arc::downgrade(&poller.waiting);
        let url = format!("{base}/api/v1/workspaces/default/runs?workflow={workflow}&limit={POLL_LIMIT}");
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            while let Some(waiting) = weak.upgrade() {
                if !waiting.lock().unwrap().is_empty() {
                    let runs = match client.get(&url).bearer_auth(OPERATOR).send().await {
                        Ok(answer) => answer.json::<Vec<Value>>().await.unwrap_or_default(),
                        Err(_) => Vec::new(),
                    };
                    let mut waiting = waiting.lock().unwrap();
                    for run in runs {
                        let (Some(id), Some(at)) = (run["id"].as_str(), run["finished_at"].as_i64()) else { continue };
                        if let Some(tx) = waiting.remove(id) {
                            let _ = tx.send((run["status"].as_str().unwrap_or_default().to_string(), at));
                        }
                    }
                }
                drop(waiting);
                tokio::time::sleep(POLL_EVERY).await;
            }
        });
        poller
    }

    /// Waits for run `id` to finish; None after `limit`.
    pub async fn wait(&self, id: &str, limit: Duration) -> Option<Finished> {
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id.to_string(), tx);
        let finished = tokio::time::timeout(limit, rx).await.ok().and_then(Result::ok);
        self.waiting.lock().unwrap().remove(id);
        finished
    }
}
