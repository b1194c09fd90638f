//! Metering through the service: a workspace's plugin executions, wasm time, HTTP requests
//! and bytes, and the tokens its model's API reported, stored per UTC day (every 10 s and
//! when the service stops) and answered by `GET .../usage`, `GET /usage` and `/metrics`;
//! one workspace never sees another's, and a bad range is refused with its reason.

use reqwest::Method;
use roost::store::Store;
use serde_json::{Value, json};

use super::{OPERATOR, Service};
use crate::social::servers::openai::OpenAi;

const DRAFT: &str = "name: draft
inputs:
  endpoint: { type: string }
steps:
  - id: caption
    uses: caption/generate@0.1
    with: { topic: our new release, network: mastodon, endpoint: \"${{ inputs.endpoint }}\", model: llama3.2, variants: 1 }
";

const ECHO: &str = "name: echo
steps:
  - id: echo
    uses: echo/echo@1
    with: { text: hi }
";

/// The tokens the loopback model reports per completion.
const TOKENS_PER_ANSWER: i64 = 76;

async fn run(service: &Service, ws: &str, workflow: &str, inputs: Value) {
    let path = format!("/api/v1/workspaces/{ws}/workflows/{workflow}/runs");
    let (status, started) = service.call(OPERATOR, Method::POST, &path, Some(json!({ "inputs": inputs }))).await;
    assert_eq!(status, 202, "{started}");
    let done = service.wait_status(ws, started["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");
}

#[tokio::test]
async fn each_workspace_is_metered_for_what_its_plugins_used() {
    let (model, model_addr) = OpenAi::start().await;
    let service = Service::start().await;
    for ws in ["acme", "other"] {
        let (status, body) =
            service.call(OPERATOR, Method::POST, "/api/v1/workspaces", Some(json!({ "id": ws }))).await;
        assert_eq!(status, 201, "{body}");
    }
    service.put_workflow("acme", DRAFT).await;
    service.put_workflow("other", ECHO).await;
    let endpoint = format!("http://loopback.test:{}/v1", model_addr.port());
    for _ in 0..2 {
        run(&service, "acme", "draft", json!({ "endpoint": endpoint })).await;
    }
    run(&service, "other", "echo", json!({})).await;
    assert_eq!(model.requests().len(), 2, "one completion per run");
    service.state().metrics.meter.flush(&service.state().store).await.unwrap();

    let viewer = service.workspace_token("acme", "viewer").await;
    let (status, acme) = service.call(&viewer, Method::GET, "/api/v1/workspaces/acme/usage", None).await;
    assert_eq!(status, 200, "{acme}");
    let total = &acme["total"];
    assert_eq!(total["steps"], 2, "{acme}");
    assert_eq!(total["model_tokens"], 2 * TOKENS_PER_ANSWER, "{acme}");
    assert_eq!(total["http_requests"], 2, "{acme}");
    let sent = model.requests().iter().map(|r| r.body.to_string().len() as i64).sum::<i64>();
    let out = total["http_bytes_out"].as_i64().unwrap();
    assert!(out > sent / 2 && out < sent * 2, "request bodies sent: {out} bytes, the server parsed {sent}");
    assert!(total["http_bytes_in"].as_i64().unwrap() > 100, "{acme}");
    assert!(total["wasm_ms"].as_i64().unwrap() > 0 && total["memory_peak_bytes"].as_i64().unwrap() > 1 << 16);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let day = acme["days"][0]["day"].as_str().unwrap();
    assert!(day == today || acme["days"].as_array().unwrap().len() == 2, "{day}: a run may cross midnight UTC");
    assert_eq!(acme["days"][0]["workspace"], "acme");

    // Another workspace's use is not acme's to read, nor the operator's list.
    let (status, _) = service.call(&viewer, Method::GET, "/api/v1/workspaces/other/usage", None).await;
    assert!(status == 403 || status == 404, "{status}");
    let owner = service.workspace_token("acme", "owner").await;
    let (status, _) = service.call(&owner, Method::GET, "/api/v1/usage", None).await;
    assert_eq!(status, 403, "only the operator lists every workspace");
    let (status, all) = service.call(OPERATOR, Method::GET, "/api/v1/usage", None).await;
    assert_eq!(status, 200, "{all}");
    let names: Vec<&str> =
        all["workspaces"].as_array().unwrap().iter().filter_map(|w| w["workspace"].as_str()).collect();
    assert_eq!(names, ["acme", "other"], "{all}");
    assert_eq!(all["workspaces"][1]["total"]["steps"], 1);
    assert_eq!(all["workspaces"][1]["total"]["model_tokens"], 0);

    // Ranges: a bad day, an inverted or too long range, an unknown parameter.
    for (query, said) in [
        ("?from=2026-02-30", "`from` must be a day"),
        ("?from=2026-12-08&to=2026-12-01", "after"),
        ("?from=2020-01-01&to=2026-12-01", "366"),
        ("?since=2026-12-01", "since"),
    ] {
        let (status, body) =
            service.call(&viewer, Method::GET, &format!("/api/v1/workspaces/acme/usage{query}"), None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.to_string().contains(said), "{query}: {body}");
    }
    let (status, past) =
        service.call(&viewer, Method::GET, "/api/v1/workspaces/acme/usage?from=2020-01-01&to=2020-01-31", None).await;
    assert_eq!(status, 200);
    assert_eq!((past["total"]["steps"].as_i64(), past["days"].as_array().map(Vec::len)), (Some(0), Some(0)));

    let metrics = service.client.get(format!("{}/metrics", service.url)).send().await.unwrap().text().await.unwrap();
    let line = format!("roost_workspace_model_tokens_total{{workspace=\"acme\"}} {}", 2 * TOKENS_PER_ANSWER);
    assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");

    // What was counted after the last flush is stored when the service stops.
    run(&service, "other", "echo", json!({})).await;
    let db = format!("sqlite://{}", service.dir.path().join("roost.db").display());
    service.running.shutdown().await;
    let store = Store::connect(&db).await.unwrap();
    let other = store.usage(Some("other"), "2000-01-01", "9999-12-31").await.unwrap();
    assert_eq!(other.iter().map(|d| d.usage.steps).sum::<i64>(), 2, "{other:?}");
}
