//! The REST API end to end over a real listening service.

use reqwest::Method;
use serde_json::json;

use super::{OPERATOR, Service};

const APPROVAL_FLOW: &str = "name: approve-echo
inputs:
  text: { type: string }
steps:
  - id: review
    approval:
      message: \"Post ${{ inputs.text }}?\"
      preview: \"${{ inputs.text }}\"
  - id: echo
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ inputs.text }}\" }
";

#[tokio::test]
async fn a_run_waits_for_approval_and_finishes_when_approved() {
    let service = Service::start().await;
    service.put_workflow("default", APPROVAL_FLOW).await;
    let (status, started) = service
        .call(
            OPERATOR,
            Method::POST,
            "/api/v1/workspaces/default/workflows/approve-echo/runs",
            Some(json!({ "inputs": { "text": "hello" } })),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    let run = started["run_id"].as_str().unwrap();
    service.wait_status("default", run, &["waiting"]).await;
    let (_, inbox) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/approvals", None).await;
    assert_eq!(inbox[0]["preview"], "hello", "{inbox}");
    let approver = service.workspace_token("default", "approver").await;
    let path = format!("/api/v1/workspaces/default/runs/{run}/approvals/review/approve");
    let (status, decided) = service.call(&approver, Method::POST, &path, Some(json!({ "comment": "ship it" }))).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "approved");
    let done = service.wait_status("default", run, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    service.running.shutdown().await;
}

#[tokio::test]
async fn invalid_workflows_and_inputs_are_answered_with_where_and_what() {
    let service = Service::start().await;
    let (status, body) = service
        .call(
            OPERATOR,
            Method::POST,
            "/api/v1/workspaces/default/workflows",
            Some(json!({ "source": "name: bad\nsteps:\n  - id: a\n    uses: sentiment/scor@0.2\n" })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid_workflow");
    assert_eq!(body["error"]["details"][0]["line"], 4);
    assert_eq!(body["error"]["details"][0]["column"], 11);
    service.put_workflow("default", APPROVAL_FLOW).await;
    let (status, body) = service
        .call(
            OPERATOR,
            Method::POST,
            "/api/v1/workspaces/default/workflows/approve-echo/runs",
            Some(json!({ "inputs": { "text": 5 } })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_inputs");
    assert_eq!(body["error"]["details"][0]["field"], "inputs.text");
    let (status, body) = service.call("nope", Method::GET, "/api/v1/workspaces", None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");
    service.running.shutdown().await;
}
