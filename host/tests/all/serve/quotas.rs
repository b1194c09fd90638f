//! Workspace quotas on steps: a daily count beyond which steps fail for good, and memory
//! and time ceilings below what a plugin's manifest asks for.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::secrets::{hostile, service_with};
use super::{OPERATOR, Service};

async fn service() -> Service {
    service_with(SocketAddr::from(([127, 0, 0, 1], 0)), |rt| vec![hostile(rt, &["https://api.example.com".into()])])
        .await
}

/// Creates workspace `ws` with `quotas`, stores `yaml` in it and runs it to its end.
async fn run_with_quotas(service: &Service, ws: &str, quotas: Value, yaml: &str) -> Value {
    let (status, body) =
        service.call(OPERATOR, Method::POST, "/api/v1/workspaces", Some(json!({ "id": ws, "quotas": quotas }))).await;
    assert_eq!(status, 201, "{body}");
    service.put_workflow(ws, yaml).await;
    let name = yaml.lines().next().unwrap().trim_start_matches("name: ");
    let path = format!("/api/v1/workspaces/{ws}/workflows/{name}/runs");
    let (status, started) = service.call(OPERATOR, Method::POST, &path, None).await;
    assert_eq!(status, 202, "{started}");
    service.wait_status(ws, started["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await
}

fn step<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["steps"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("no step {id}: {run}"))
}

#[tokio::test]
async fn a_step_beyond_the_daily_quota_fails_without_retries() {
    let service = service().await;
    let yaml = "name: three
steps:
  - id: a
    uses: echo/echo@1
    with: { n: 1 }
  - id: b
    needs: [a]
    uses: echo/echo@1
    with: { n: 2 }
  - id: c
    needs: [b]
    uses: echo/echo@1
    with: { n: 3 }
    retry: { max_attempts: 3, initial_delay: 10ms }
";
    let run = run_with_quotas(&service, "acme", json!({ "steps_per_day": 2 }), yaml).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(step(&run, "b")["status"], "succeeded");
    let c = step(&run, "c");
    assert_eq!(c["status"], "failed");
    let error = c["error"].as_str().unwrap();
    assert!(error.starts_with("quota exceeded: 2 steps per day in workspace acme"), "{error}");
    assert_eq!(c["error_kind"], "fatal");
    assert_eq!(c["attempt"], 1, "a refused step is not retried");
    let metrics = service.client.get(format!("{}/metrics", service.url)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("roost_quota_refusals_total{workspace=\"acme\",quota=\"steps_per_day\"} 1"), "{metrics}");
    service.running.shutdown().await;
}

#[tokio::test]
async fn the_memory_quota_caps_what_the_manifest_asks() {
    let service = service().await;
    // The manifest asks for the default 64 MiB; the workspace allows 16.
    let yaml = "name: hog\nsteps:\n  - id: hog\n    uses: hostile/hog@1\n    with: {}\n";
    let run = run_with_quotas(&service, "small", json!({ "plugin_memory_mb": 16 }), yaml).await;
    let error = step(&run, "hog")["error"].as_str().unwrap().to_string();
    assert!(error.contains("exceeded its memory limit of 16 MiB"), "{error}");
    let run = run_with_quotas(&service, "roomy", json!({ "plugin_memory_mb": 256 }), yaml).await;
    let error = step(&run, "hog")["error"].as_str().unwrap().to_string();
    assert!(error.contains("exceeded its memory limit of 64 MiB"), "a quota never raises the manifest's: {error}");
    service.running.shutdown().await;
}

#[tokio::test]
async fn the_time_quota_caps_the_workflow_timeout() {
    let service = service().await;
    let yaml = "name: nap\nsteps:\n  - id: nap\n    uses: hostile/sleep@1\n    with: { ms: 5000 }\n    timeout: 10s\n";
    let started = Instant::now();
    let run = run_with_quotas(&service, "brisk", json!({ "plugin_timeout_ms": 300 }), yaml).await;
    let nap = step(&run, "nap");
    assert_eq!(nap["error_kind"], "timeout", "{nap}");
    assert_eq!(nap["error"], "step timed out after 300ms");
    assert!(started.elapsed() < Duration::from_secs(4), "the step was cut at the quota: {:?}", started.elapsed());
    service.running.shutdown().await;
}
