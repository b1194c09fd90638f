//! Two services on one PostgreSQL: an install made through one is used by the other once it
//! reads the installs (as its background task does), and stored workflows resolve again.

use reqwest::Method;
use roost::store::Store;
use serde_json::{Value, json};

use super::{echo_wasm, sha256, upload};
use crate::serve::{OPERATOR, Service};
use crate::support;

const FLOW: &str = "name: newest\nsteps:\n  - id: a\n    uses: echo/echo\n    with: { text: hi }\n";

/// Runs the stored `newest` workflow in `acme` on `service`; the step's (version, digest).
async fn run_newest(service: &Service) -> (Value, Value) {
    let (status, started) =
        service.call(OPERATOR, Method::POST, "/api/v1/workspaces/acme/workflows/newest/runs", Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let run = service.wait_status("acme", started["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    (run["steps"][0]["plugin_version"].clone(), run["steps"][0]["digest"].clone())
}

#[tokio::test]
async fn an_install_through_one_service_is_used_by_another_on_the_same_database() {
    let url = support::pg_url().await;
    let first = Service::start_with(Store::connect(&url).await.unwrap(), tempfile::tempdir().unwrap(), None).await;
    let second = Service::start_with(Store::connect(&url).await.unwrap(), tempfile::tempdir().unwrap(), None).await;
    let owner = first.workspace_token("acme", "owner").await;
    first.put_workflow("acme", FLOW).await;
    assert_eq!(run_newest(&second).await.0, json!("1.0.0"));

    let (status, body) =
        first.call(&owner, Method::POST, "/api/v1/workspaces/acme/plugins", Some(upload("5.0.0", "", 11))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(run_newest(&first).await, (json!("5.0.0"), json!(sha256(&echo_wasm(11)))), "no stale plan");

    let state = second.state();
    assert!(roost::install::sync(&state.registry, &state.runtime, &state.store).await.unwrap());
    assert!(!roost::install::sync(&state.registry, &state.runtime, &state.store).await.unwrap(), "nothing new");
    let (_, seen) = second.call(OPERATOR, Method::GET, "/api/v1/workspaces/acme/plugins", None).await;
    assert!(seen["plugins"].as_array().unwrap().iter().any(|p| p["version"] == "5.0.0"), "{seen}");
    assert_eq!(run_newest(&second).await.0, json!("5.0.0"), "the plan cached before the install was dropped");
    first.running.shutdown().await;
    second.running.shutdown().await;
}
