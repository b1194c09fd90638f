//! The service on PostgreSQL: the API's happy path end to end, quotas and metrics included.

use reqwest::Method;
use roost::store::Store;
use serde_json::json;

use super::{OPERATOR, Service};
use crate::support;

const FLOW: &str = "name: approve-echo
inputs:
  text: { type: string }
steps:
  - id: review
    approval: { message: \"Post ${{ inputs.text }}?\" }
  - id: echo
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ inputs.text }}\", greeting: \"${{ vars.GREETING }}\" }
";

#[tokio::test]
async fn the_api_happy_path_runs_on_postgres() {
    let store = Store::connect(&support::pg_url().await).await.unwrap();
    let service = Service::start_with(store, tempfile::tempdir().unwrap(), None).await;
    let quotas = json!({ "steps_per_day": 100, "concurrent_runs": 5, "plugin_memory_mb": 32 });
    let (status, ws) = service
        .call(OPERATOR, Method::POST, "/api/v1/workspaces", Some(json!({ "id": "acme", "quotas": quotas })))
        .await;
    assert_eq!(status, 201, "{ws}");
    let editor = service.workspace_token("acme", "editor").await;
    let approver = service.workspace_token("acme", "approver").await;
    let api = |path: &str| format!("/api/v1/workspaces/acme{path}");
    let (status, _) =
        service.call(&editor, Method::PUT, &api("/variables/GREETING"), Some(json!({ "value": "hey" }))).await;
    assert_eq!(status, 204);
    let (status, _) = service.call(&editor, Method::PUT, &api("/secrets/TOKEN"), Some(json!({ "value": "x" }))).await;
    assert_eq!(status, 204);
    let (status, saved) =
        service.call(&editor, Method::POST, &api("/workflows"), Some(json!({ "source": FLOW }))).await;
    assert_eq!(status, 201, "{saved}");
    let body = json!({ "inputs": { "text": "hello" } });
    let (status, started) = service.call(&editor, Method::POST, &api("/workflows/approve-echo/runs"), Some(body)).await;
    assert_eq!(status, 202, "{started}");
    let run = started["run_id"].as_str().unwrap();
    service.wait_status("acme", run, &["waiting"]).await;
    let (_, inbox) = service.call(&approver, Method::GET, &api("/approvals"), None).await;
    assert_eq!(inbox[0]["run_id"], run, "{inbox}");
    let decide = api(&format!("/runs/{run}/approvals/review/approve"));
    let (status, decided) = service.call(&approver, Method::POST, &decide, Some(json!({ "comment": "ok" }))).await;
    assert_eq!(status, 200, "{decided}");
    let done = service.wait_status("acme", run, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["steps"][1]["output"], json!({ "text": "hello", "greeting": "hey" }), "{done}");
    let (_, runs) = service.call(&editor, Method::GET, &api("/runs?status=succeeded"), None).await;
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    let (_, logs) = service.call(&editor, Method::GET, &api(&format!("/runs/{run}/logs")), None).await;
    assert!(logs.is_array(), "{logs}");
    let (_, audit) = service.call(OPERATOR, Method::GET, &api("/audit"), None).await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|a| a["action"].as_str()).collect();
    assert!(actions.contains(&"approval.approve") && actions.contains(&"secret.set"), "{actions:?}");
    let metrics = service.client.get(format!("{}/metrics", service.url)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("roost_runs{workspace=\"acme\",status=\"succeeded\"} 1"), "{metrics}");
    service.running.shutdown().await;
}
