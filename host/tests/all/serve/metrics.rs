//! `/metrics` as Prometheus scrapes it: the text format, what each metric counts, and who
//! may read it (anyone on loopback, the operator elsewhere).

use std::net::SocketAddr;

use reqwest::Method;
use serde_json::json;

use super::secrets::service_with;
use super::{OPERATOR, Service};

const FLOWS: [&str; 2] = [
    "name: hello\nsteps:\n  - id: echo\n    uses: echo/echo@1\n    with: { text: hi }\n",
    "name: gated\nsteps:\n  - id: review\n    approval: { message: Go? }\n",
];

/// Checks each line is a comment or `name{labels} value`, and returns the samples.
fn samples(text: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(comment.starts_with("HELP ") || comment.starts_with("TYPE "), "odd comment: {line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "bad labels: {line}");
        }
        let value = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        out.push((series.to_string(), value));
    }
    out
}

#[tokio::test]
async fn metrics_count_steps_runs_queue_and_approvals() {
    let service = Service::start().await;
    for yaml in FLOWS {
        service.put_workflow("default", yaml).await;
    }
    for (name, status) in [("hello", "succeeded"), ("gated", "waiting")] {
        let path = format!("/api/v1/workspaces/default/workflows/{name}/runs");
        let (_, started) = service.call(OPERATOR, Method::POST, &path, Some(json!({}))).await;
        service.wait_status("default", started["run_id"].as_str().unwrap(), &[status]).await;
    }
    let resp = service.client.get(format!("{}/metrics", service.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "anonymous on loopback");
    assert_eq!(resp.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    let text = resp.text().await.unwrap();
    let all = samples(&text);
    let value = |series: &str| {
        all.iter().find(|(s, _)| s == series).map(|(_, v)| *v).unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    let echo = "plugin=\"echo\",action=\"echo\"";
    assert_eq!(value(&format!("roost_steps_started_total{{{echo}}}")), 1.0);
    assert_eq!(value(&format!("roost_steps_finished_total{{{echo},outcome=\"succeeded\"}}")), 1.0);
    assert_eq!(value(&format!("roost_step_duration_seconds_count{{{echo},outcome=\"succeeded\"}}")), 1.0);
    assert_eq!(value(&format!("roost_step_duration_seconds_bucket{{{echo},outcome=\"succeeded\",le=\"+Inf\"}}")), 1.0);
    let peak = value(&format!("roost_step_memory_peak_bytes_sum{{{echo}}}"));
    assert!((65536.0..=64.0 * 1048576.0).contains(&peak), "the echo step's peak linear memory: {peak} bytes");
    println!("echo step: peak linear memory {peak} bytes");
    assert_eq!(value("roost_runs{workspace=\"default\",status=\"succeeded\"}"), 1.0);
    assert_eq!(value("roost_runs{workspace=\"default\",status=\"waiting\"}"), 1.0);
    assert_eq!(value("roost_approvals_waiting{workspace=\"default\"}"), 1.0);
    assert!(value("roost_queue_depth") >= 0.0);
    assert!(text.contains("# TYPE roost_step_duration_seconds histogram"));
    service.running.shutdown().await;
}

#[tokio::test]
async fn off_loopback_only_the_operator_reads_metrics() {
    let service = service_with(SocketAddr::from(([0, 0, 0, 0], 0)), |_| Vec::new()).await;
    let owner = service.workspace_token("acme", "owner").await;
    let url = format!("{}/metrics", service.url);
    let status = |resp: reqwest::Response| resp.status().as_u16();
    assert_eq!(status(service.client.get(&url).send().await.unwrap()), 401);
    assert_eq!(status(service.client.get(&url).bearer_auth(&owner).send().await.unwrap()), 403);
    let resp = service.client.get(&url).bearer_auth(OPERATOR).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(!samples(&resp.text().await.unwrap()).is_empty());
    service.running.shutdown().await;
}
