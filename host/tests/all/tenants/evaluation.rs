//! Expressions a tenant writes cannot crash or wedge the service: time arithmetic out of
//! range fails its run with a clear error and the worker keeps every slot; a viewer's
//! calendar request renders a bounded number of step inputs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::serve::calendar::{SCHEDULED, in_minutes, service_with_poster, start_waiting};
use crate::serve::{OPERATOR, Service};

/// A step whose input moves now by `by`.
fn moved_by(name: &str, by: &str) -> String {
    format!(
        "name: {name}\nsteps:\n  - id: s\n    uses: echo/echo@1\n    with: {{ at: \"${{{{ time_add(now(), '{by}') }}}}\" }}\n"
    )
}

async fn start(service: &Service, ws: &str, name: &str) -> String {
    let path = format!("/api/v1/workspaces/{ws}/workflows/{name}/runs");
    let (status, started) = service.call(OPERATOR, Method::POST, &path, None).await;
    assert_eq!(status, 202, "{started}");
    started["run_id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_past_the_calendar_fails_the_run_and_frees_its_slot() {
    let service = Service::start().await;
    service.workspace_token("t", "owner").await;
    service.put_workflow("t", &moved_by("far", "100000000d")).await;
    service.put_workflow("t", &moved_by("near", "7d")).await;
    // More runs than the worker has slots: a run that panicked and kept its slot would
    // leave none for the last ones.
    let mut runs = Vec::new();
    for _ in 0..70 {
        runs.push(start(&service, "t", "far").await);
    }
    for run in &runs {
        let ended = service.wait_status("t", run, &["failed", "succeeded", "cancelled"]).await;
        assert_eq!(ended["status"], "failed", "{ended}");
        let error = ended["error"].as_str().unwrap_or_default().to_string();
        let steps = ended["steps"].to_string();
        assert!(error.contains("time_add") || steps.contains("time_add"), "{ended}");
    }
    let near = start(&service, "t", "near").await;
    let done = service.wait_status("t", &near, &["failed", "succeeded"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (status, health) = service.call(OPERATOR, Method::GET, "/healthz", None).await;
    assert_eq!(status, 200, "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_renders_a_bounded_number_of_previews_per_request() {
    let service = service_with_poster().await;
    service.put_workflow("default", SCHEDULED).await;
    let at = in_minutes(90);
    for i in 0..12 {
        start_waiting(&service, "scheduled-post", json!({ "text": format!("post {i}"), "at": at })).await;
    }
    let viewer = service.workspace_token("default", "viewer").await;
    let path = "/api/v1/workspaces/default/calendar";
    let (status, list) = service.call(&viewer, Method::GET, path, None).await;
    assert_eq!(status, 200, "{list}");
    let previews: Vec<&Value> =
        list.as_array().unwrap().iter().map(|e| &e["publish_steps"][0]["preview"]["text"]).collect();
    assert_eq!(previews.len(), 12);
    let rendered = previews.iter().filter(|text| text.as_str().is_some_and(|t| t.starts_with("post "))).count();
    assert_eq!(rendered, 8, "eight rendered, the rest as written: {previews:?}");
    assert!(previews[8..].iter().all(|text| **text == json!("${{ steps.draft.output.text }}")), "{previews:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_value_in_the_wrong_place_is_quoted_as_an_excerpt() {
    let service = Service::start().await;
    service.workspace_token("t", "owner").await;
    let yaml = "name: fan\ninputs:\n  x: { type: string }\nsteps:\n  - id: s\n    for_each: ${{ inputs.x }}\n    uses: echo/echo@1\n    with: { v: \"${{ item }}\" }\n";
    service.put_workflow("t", yaml).await;
    let path = "/api/v1/workspaces/t/workflows/fan/runs";
    let big = "y".repeat(1_500_000);
    let (status, started) = service.call(OPERATOR, Method::POST, path, Some(json!({ "inputs": { "x": big } }))).await;
    assert_eq!(status, 202, "{started}");
    let run = started["run_id"].as_str().unwrap();
    let ended = service.wait_status("t", run, &["failed", "succeeded"]).await;
    assert_eq!(ended["status"], "failed");
    let steps = ended["steps"].as_array().cloned().unwrap_or_default();
    let step_error = steps.iter().find_map(|st| st["error"].as_str()).unwrap_or_default().to_string();
    assert!(
        step_error.contains("must be a list") && step_error.len() < 500,
        "the step quotes an excerpt: {step_error}"
    );
    let error = ended["error"].as_str().unwrap_or_default();
    assert!(error.contains("`for_each` must be a list, got `\"yyy"), "{error}");
    assert!(error.len() < 500, "{error}");
}
