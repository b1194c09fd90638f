//! Inputs of every size and depth end in a clear error, never a crash or a frozen service.

use std::time::{Duration, Instant};

use reqwest::Method;
use roost::store::Store;
use serde_json::{Value, json};

use crate::serve::{OPERATOR, Service, Setup};

/// A workflow whose one echo step sends `value` as `with.v`.
fn echo_with(name: &str, value: &str) -> String {
    format!("name: {name}\ninputs:\n  x: {{}}\nsteps:\n  - id: s\n    uses: echo/echo@1\n    with:\n      v: {value}\n")
}

fn nested_not(depth: usize) -> String {
    echo_with("deep", &format!("\"${{{{ {}inputs.x }}}}\"", "!".repeat(depth)))
}

async fn healthz(service: &Service) -> u16 {
    service.client.get(format!("{}/healthz", service.url)).send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewers_deep_expression_is_refused_and_the_service_lives() {
    let service = Service::start().await;
    let viewer = service.workspace_token("default", "viewer").await;
    let parens = echo_with("deep", &format!("\"${{{{ {}inputs.x{} }}}}\"", "(".repeat(2300), ")".repeat(2300)));
    for source in [nested_not(3300), parens] {
        let path = "/api/v1/workspaces/default/validate";
        let (status, body) = service.call(&viewer, Method::POST, path, Some(json!({ "source": source }))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["valid"], false, "{body}");
        let first = &body["diagnostics"][0];
        assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(8), Some(11)), "{body}");
        let message = first["message"].as_str().unwrap();
        assert!(message.ends_with("deeper than 64 levels") || message.ends_with("longer than 4096 bytes"), "{body}");
        let path = "/api/v1/workspaces/default/workflows";
        let (status, body) = service.call(OPERATOR, Method::POST, path, Some(json!({ "source": source }))).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "invalid_workflow", "{body}");
    }
    assert_eq!(healthz(&service).await, 200);
    service.running.shutdown().await;
}

/// The database of a service that stored a workflow its loader now refuses, beside one
/// that loads: what older code or higher limits leave behind.
async fn database_with_a_broken_workflow(dir: &tempfile::TempDir) -> Store {
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("roost.db").display())).await.unwrap();
    store.create_workspace("default", "default", &json!({})).await.unwrap();
    store.save_workflow("default", "deep", &nested_not(5000), "older code").await.unwrap();
    store.save_workflow("default", "fine", &echo_with("fine", "\"${{ inputs.x }}\""), "older code").await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_workflow_that_no_longer_loads_is_marked_broken_and_the_rest_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let store = database_with_a_broken_workflow(&dir).await;
    let service =
        Service::launch(Setup { store: Some(store), dir: Some(dir), ..Setup::default() }, |_| Vec::new()).await;
    let (_, list) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/workflows", None).await;
    let error_of = |name: &str| list.as_array().unwrap().iter().find(|w| w["name"] == name).unwrap()["error"].clone();
    let error = error_of("deep");
    assert!(error.as_str().unwrap().contains("default/deep.yaml:8:11: error: invalid expression"), "{list}");
    assert!(error.as_str().unwrap().contains("longer than 4096 bytes"), "{list}");
    assert_eq!(error_of("fine"), Value::Null, "{list}");
    let start = |name: &str| format!("/api/v1/workspaces/default/workflows/{name}/runs");
    let (status, body) =
        service.call(OPERATOR, Method::POST, &start("deep"), Some(json!({ "inputs": { "x": "1" } }))).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("the stored workflow no longer loads"), "{body}");
    let hook =
        service.client.post(format!("{}/hooks/default/deep", service.url)).json(&json!({})).send().await.unwrap();
    assert_eq!(hook.status().as_u16(), 409, "a broken workflow's webhook does not fire");
    let (status, body) =
        service.call(OPERATOR, Method::POST, &start("fine"), Some(json!({ "inputs": { "x": "1" } }))).await;
    assert_eq!(status, 202, "{body}");
    let run = service.wait_status("default", body["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    service.put_workflow("default", &echo_with("deep", "\"${{ !inputs.x }}\"")).await;
    let (_, fixed) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/workflows/deep", None).await;
    assert_eq!(fixed["error"], Value::Null, "{fixed}");
    service.running.shutdown().await;
}

/// `n` expressions on one line: 187 KiB for 32,000 of them, as in the freeze.
fn many_expressions(n: usize) -> String {
    echo_with("big", &format!("\"{}\"", "${{ inputs.x }}".repeat(n).replace("}}${{", "}} ${{")))
}

/// Latencies of `/healthz`, asked every 10 ms until `busy` ends.
async fn sample_healthz(service: &Service, busy: impl std::future::Future<Output = ()>) -> Vec<Duration> {
    let mut samples = Vec::new();
    let sampler = async {
        loop {
            let started = Instant::now();
            assert_eq!(healthz(service).await, 200);
            samples.push(started.elapsed());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        () = busy => {}
        () = sampler => {}
    }
    samples.sort();
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_big_validations_at_once_do_not_freeze_the_service() {
    let service = Service::start().await;
    let viewer = service.workspace_token("default", "viewer").await;
    let source = many_expressions(32_000);
    let validate = || async {
        let path = "/api/v1/workspaces/default/validate";
        let (status, body) = service.call(&viewer, Method::POST, path, Some(json!({ "source": source }))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["diagnostics"][0]["message"], "the workflow has more than 10000 expressions");
    };
    let started = Instant::now();
    let samples = sample_healthz(&service, async {
        futures::future::join_all((0..10).map(|_| validate())).await;
    })
    .await;
    let took = started.elapsed();
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    eprintln!(
        "ten validations took {took:?}; /healthz over {} samples: p50 {:?}, p99 {:?}",
        samples.len(),
        p(0.5),
        p(0.99)
    );
    assert!(took < Duration::from_secs(60), "{took:?}");
    assert!(p(0.99) < Duration::from_millis(250), "p99 {:?}", p(0.99));
    service.running.shutdown().await;
}

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: 0 kB");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Four steps, each `concat` of eight copies of the step before: x8 per level.
const AMPLIFIER: &str = "name: amplify
inputs:
  x: { type: array }
steps:
  - id: l1
    uses: echo/echo@1
    with: { v: \"${{ concat(inputs.x, inputs.x, inputs.x, inputs.x, inputs.x, inputs.x, inputs.x, inputs.x) }}\" }
  - id: l2
    uses: echo/echo@1
    with: { v: \"${{ concat(steps.l1.output.v, steps.l1.output.v, steps.l1.output.v, steps.l1.output.v, steps.l1.output.v, steps.l1.output.v, steps.l1.output.v, steps.l1.output.v) }}\" }
  - id: l3
    uses: echo/echo@1
    with: { v: \"${{ concat(steps.l2.output.v, steps.l2.output.v, steps.l2.output.v, steps.l2.output.v, steps.l2.output.v, steps.l2.output.v, steps.l2.output.v, steps.l2.output.v) }}\" }
  - id: l4
    uses: echo/echo@1
    with: { v: \"${{ concat(steps.l3.output.v, steps.l3.output.v, steps.l3.output.v, steps.l3.output.v, steps.l3.output.v, steps.l3.output.v, steps.l3.output.v, steps.l3.output.v) }}\" }
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amplifying_expression_ends_with_a_clear_error_in_bounded_memory() {
    let service = Service::start().await;
    let inline = format!(
        "\"${{{{ {} }}}}\"",
        (0..4).fold("inputs.x".to_string(), |e, _| format!("concat({})", vec![e; 8].join(", ")))
    );
    let path = "/api/v1/workspaces/default/validate";
    let (_, body) =
        service.call(OPERATOR, Method::POST, path, Some(json!({ "source": echo_with("a", &inline) }))).await;
    assert!(body["diagnostics"][0]["message"].as_str().unwrap().ends_with("longer than 4096 bytes"), "{body}");
    service.put_workflow("default", AMPLIFIER).await;
    let before = peak_rss_kib();
    let input: Vec<String> = (0..1000).map(|i| format!("{i:0>98}")).collect();
    let path = "/api/v1/workspaces/default/workflows/amplify/runs";
    let (status, body) = service.call(OPERATOR, Method::POST, path, Some(json!({ "inputs": { "x": input } }))).await;
    assert_eq!(status, 202, "{body}");
    let run = service.wait_status("default", body["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    let grown = peak_rss_kib().saturating_sub(before);
    eprintln!("peak RSS grew by {grown} KiB");
    assert_eq!(run["status"], "failed", "{run}");
    let error = run["error"].as_str().unwrap_or_default().to_string() + &run.to_string();
    assert!(error.contains("the result of `concat()` is larger than 4 MiB"), "{run}");
    assert!(grown < 400 << 10, "peak RSS grew by {grown} KiB");
    service.running.shutdown().await;
}

#[test]
fn roost_validate_refuses_what_serve_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.yaml");
    std::fs::write(&file, nested_not(3000)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_roost"))
        .arg("validate")
        .arg(&file)
        .env("ROOST_DATA_DIR", dir.path())
        .env("ROOST_CACHE_DIR", crate::support::cache_dir())
        .env_remove("ROOST_DB")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("deep.yaml:8:11: error: invalid expression"), "{stdout}");
    assert!(stdout.contains("the expression nests deeper than 64 levels"), "{stdout}");
}
