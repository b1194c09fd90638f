//! One workspace's slow or waiting steps cannot starve another's; memory per run is capped;
//! the operator's step timeout caps what a manifest and a workflow ask.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use crate::serve::{OPERATOR, Service, Setup};
use crate::social::servers::mastodon::{self, Mastodon};
use crate::support;

/// How long the slow instance takes to answer each request.
const SLOW: Duration = Duration::from_secs(10);
/// Runs the flooding workspace starts: more than the worker's slots (64).
const FLOOD: usize = 80;

/// A Mastodon instance that answers every request after `delay`, by passing it on to the
/// loopback Mastodon at `upstream` (so every answer is in the real wire format).
async fn slow_instance(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    async fn pass_on(
        State((upstream, delay)): State<(SocketAddr, Duration)>,
        uri: Uri,
        headers: HeaderMap,
    ) -> Response {
        tokio::time::sleep(delay).await;
        let mut request = reqwest::Client::new().get(format!("http://{upstream}{uri}"));
        if let Some(auth) = headers.get("authorization") {
            request = request.header("authorization", auth.as_bytes());
        }
        let answer = request.send().await.unwrap();
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
        (status, [("content-type", "application/json")], answer.bytes().await.unwrap()).into_response()
    }
    support::serve_loopback(Router::new().fallback(pass_on).with_state((upstream, delay))).await
}

/// Starts workflow `name` of `ws` as the operator; the run's id.
async fn start_run(service: &Service, ws: &str, name: &str) -> String {
    let path = format!("/api/v1/workspaces/{ws}/workflows/{name}/runs");
    let (status, started) = service.call(OPERATOR, Method::POST, &path, None).await;
    assert_eq!(status, 202, "{started}");
    started["run_id"].as_str().unwrap().to_string()
}

/// Runs of `ws` that have ended.
async fn ended(service: &Service, ws: &str) -> Vec<Value> {
    let (_, runs) = service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/{ws}/runs?limit=200"), None).await;
    let runs = runs.as_array().cloned().or_else(|| runs["runs"].as_array().cloned()).unwrap_or_default();
    runs.into_iter().filter(|r| matches!(r["status"].as_str(), Some("succeeded" | "failed"))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_slow_runs_does_not_hold_back_another_workspace() {
    let (_mastodon, upstream) = Mastodon::start().await;
    let slow = slow_instance(upstream, SLOW).await;
    let service = Service::start().await;
    let owner = service.workspace_token("flood", "owner").await;
    let instance = Mastodon::instance(slow);
    let secret = json!({ "value": mastodon::TOKEN, "hosts": [instance] });
    let path = "/api/v1/workspaces/flood/secrets/MASTODON_TOKEN";
    let (status, body) = service.call(&owner, Method::PUT, path, Some(secret)).await;
    assert!(status < 300, "{status}: {body}");
    let profile = format!(
        "name: profile\nsteps:\n  - id: who\n    uses: mastodon/account@0\n    with: {{ instance: \"{instance}\", acct: {} }}\n",
        mastodon::OWNER
    );
    service.put_workflow("flood", &profile).await;
    service.workspace_token("calm", "owner").await;
    service.put_workflow("calm", "name: ping\nsteps:\n  - id: ping\n    uses: echo/echo@1\n    with: { n: 1 }\n").await;

    for _ in 0..FLOOD {
        start_run(&service, "flood", "profile").await;
    }
    // Let the flood take every slot it can before the other workspace arrives.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let ping = start_run(&service, "calm", "ping").await;
    let run = service.wait_status("calm", &ping, &["succeeded", "failed"]).await;
    let waited = started.elapsed();
    let flood_done = ended(&service, "flood").await;
    eprintln!("the other workspace's one-step run took {waited:?} behind {FLOOD} slow runs");
    assert_eq!(run["status"], "succeeded", "{run}");
    assert!(flood_done.is_empty(), "the run went ahead of the flood, not after it: {} ended first", flood_done.len());
    assert!(waited < SLOW / 2, "a one-step run waited {waited:?} behind another workspace's slow steps");
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_for_each_of_large_items_fails_at_its_cap_and_the_database_stays_small() {
    let hostile = hostile_manifest("output_kb = 16384");
    let service = Service::launch(Setup::default(), |rt| vec![support::load_hostile(rt, &hostile).unwrap()]).await;
    service.workspace_token("fan", "owner").await;
    let items: Vec<usize> = (0..32).collect();
    let yaml = format!(
        "name: fan\nsteps:\n  - id: blobs\n    uses: hostile/big-output@1\n    for_each: \"${{{{ from_json('{}') }}}}\"\n    \
         concurrency: 4\n    with: {{}}\n",
        json!(items)
    );
    service.put_workflow("fan", &yaml).await;
    let id = start_run(&service, "fan", "fan").await;
    let run = service.wait_status("fan", &id, &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "failed", "{run}");
    let error = run["error"].as_str().unwrap();
    assert!(error.starts_with("step `blobs` failed: "), "{error}");
    assert!(error.contains("the outputs of `for_each` step `blobs` would sum to"), "{error}");
    assert!(error.contains("over the cap of 32.0 MiB (MAX_FOR_EACH_OUTPUT)"), "{error}");
    let bytes = database_bytes(service.dir.path());
    eprintln!("32 items of 8 MiB: the database holds {} MiB", bytes >> 20);
    assert!(bytes < 160 << 20, "the database grew to {} MiB", bytes >> 20);
    service.running.shutdown().await;
}

/// The hostile plugin's manifest with its permissions and `limit` under `[limits]`.
fn hostile_manifest(limit: &str) -> String {
    support::hostile_manifest(
        "hostile",
        &format!("{}[limits]\n{limit}\n", support::permissions(&["https://api.example.com".into()], &[])),
    )
}

/// The bytes of the SQLite database in `dir`, with its write-ahead log.
fn database_bytes(dir: &Path) -> u64 {
    ["roost.db", "roost.db-wal"].iter().filter_map(|f| std::fs::metadata(dir.join(f)).ok()).map(|m| m.len()).sum()
}

#[test]
fn the_operators_step_timeout_caps_the_manifest_and_the_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = hostile_manifest("timeout_ms = 60000");
    let plugins = dir.path().join("plugins");
    support::plugin_folder(&plugins, "hostile", &manifest, "hostile.wasm");
    let workflow = dir.path().join("nap.yaml");
    let yaml = "name: nap\nsteps:\n  - id: nap\n    uses: hostile/sleep@1\n    with: { ms: 20000 }\n    timeout: 30s\n";
    std::fs::write(&workflow, yaml).unwrap();
    let config = dir.path().join("roost.toml");
    std::fs::write(&config, "[limits]\nmax_step_timeout_seconds = 1\n").unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(["--config", config.to_str().unwrap(), "--plugins", plugins.to_str().unwrap()])
        .args(["run", workflow.to_str().unwrap(), "--json"])
        .env("ROOST_DATA_DIR", dir.path().join("data"))
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env_remove("ROOST_DB")
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let nap = &report["steps"]["nap"];
    assert_eq!(nap["error"], "step timed out after 1s", "{report}");
    assert_eq!(report["status"], "failed");
    assert!(started.elapsed() < Duration::from_secs(15), "the step ran {:?}", started.elapsed());
}
