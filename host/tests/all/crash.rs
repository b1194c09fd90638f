//! `kill -9` of a `roost` process in the middle of a `for_each` that publishes: after
//! `roost run --resume`, every item is published exactly once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

use crate::support;

const ITEMS: usize = 12;

/// Counts requests per `Idempotency-Key`, as a server that replays duplicates would see them.
#[derive(Clone, Default)]
struct Publications(Arc<Mutex<HashMap<String, usize>>>);

async fn publish(State(seen): State<Publications>, headers: HeaderMap) -> StatusCode {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    *seen.0.lock().unwrap().entry(key).or_default() += 1;
    // Slow enough that the process is killed with requests in flight.
    tokio::time::sleep(Duration::from_millis(150)).await;
    StatusCode::OK
}

async fn server() -> (Publications, SocketAddr) {
    let seen = Publications::default();
    let app = Router::new().route("/statuses", post(publish)).with_state(seen.clone());
    let addr = crate::support::serve_loopback(app).await;
    (seen, addr)
}

fn roost(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost"));
    cmd.args(args)
        .env("ROOST_DATA_DIR", data)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env("ROOST_CONFIG", data.join("roost.toml"))
        .env("ROOST_LEASE_SECONDS", "2")
        .env_remove("ROOST_DB");
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_and_publishes_every_item_exactly_once() {
    let (seen, addr) = server().await;
    let data = tempfile::tempdir().unwrap();
    let port = addr.port();
    // The loopback server is reached through configuration, as an operator would set it up.
    let config = "[http]\nallow_private = [\"loopback.test\"]\nresolve = { \"loopback.test\" = [\"127.0.0.1\"] }\n";
    std::fs::write(data.path().join("roost.toml"), config).unwrap();
    let base = std::fs::read_to_string(support::test_plugins_dir().join("flaky/plugin.toml")).unwrap();
    let manifest =
        base.replace("http = [\"http://loopback.test\"]", &format!("http = [\"http://loopback.test:{port}\"]"));
    support::plugin_folder(&data.path().join("plugins"), "flaky", &manifest, "flaky.wasm");
    let workflow = data.path().join("publish-all.yaml");
    let posts: Vec<String> = (0..ITEMS).map(|i| format!("\"post {i}\"")).collect();
    let yaml = format!(
        r#"name: publish-all
inputs:
  posts: {{ type: array, default: [{posts}] }}
steps:
  - id: publish
    uses: flaky/publish@1
    for_each: ${{{{ inputs.posts }}}}
    concurrency: 2
    with: {{ url: "http://loopback.test:{port}/statuses", text: "${{{{ item }}}}" }}
"#,
        posts = posts.join(", ")
    );
    std::fs::write(&workflow, yaml).unwrap();
    let db = format!("sqlite://{}", data.path().join("runs.db").display());

    let mut child = roost(data.path(), &["run", workflow.to_str().unwrap(), "--json", "--db", &db])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.0.lock().unwrap().len() < 4 {
        assert!(Instant::now() < deadline, "the run never got going");
        assert!(
            child.try_wait().unwrap().is_none(),
            "roost ended before it was killed: {:?}",
            child.wait_with_output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = seen.0.lock().unwrap().clone();
    assert!(before.len() < ITEMS, "the run finished before it was killed");

    let store = roost::store::Store::connect(&db).await.unwrap();
    let run_id = only_run(&db).await;
    assert_eq!(store.get_run(&run_id).await.unwrap().status, "running");
    let out = roost(data.path(), &["run", "--resume", &run_id, "--json", "--db", &db]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(report["steps"]["publish"]["output"].as_array().unwrap().len(), ITEMS);

    let seen = seen.0.lock().unwrap().clone();
    let keys: Vec<String> = (0..ITEMS).map(|i| format!("{run_id}/publish/{i}")).collect();
    let mut got: Vec<&String> = seen.keys().collect();
    got.sort();
    let mut want: Vec<&String> = keys.iter().collect();
    want.sort();
    assert_eq!(got, want, "every item is published under its own key");
    // A key sent twice is a request in flight at the kill, retried with the same key:
    // the server deduplicates it. Items committed before the kill were never sent again.
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).map(|(k, _)| k.clone()).collect();
    assert!(repeated.len() <= 2, "more retries than requests in flight: {repeated:?}");
    for key in &repeated {
        assert!(before.contains_key(key), "{key} was repeated without having been in flight");
    }
}

async fn only_run(db: &str) -> String {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db).await.unwrap();
    let rows = sqlx::query("SELECT id FROM runs").fetch_all(&pool).await.unwrap();
    assert_eq!(rows.len(), 1);
    rows[0].try_get(0).unwrap()
}
