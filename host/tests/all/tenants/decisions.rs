//! An approval is decided by a listed role or a stronger one, with a short plain-text comment:
//! no escape sequence, bell or reordering character reaches the step's output or the audit log.

use reqwest::Method;
use serde_json::{Value, json};

use crate::serve::{OPERATOR, Service};

const REVIEW: &str = "name: review
steps:
  - id: review
    approval: { message: Go?, approvers: [approver] }
";

/// A run of [`REVIEW`] in `acme`, waiting for its approval; the path that approves it.
async fn waiting(service: &Service) -> String {
    service.put_workflow("acme", REVIEW).await;
    let path = "/api/v1/workspaces/acme/workflows/review/runs";
    let (status, started) = service.call(OPERATOR, Method::POST, path, Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let run = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("acme", &run, &["waiting"]).await;
    format!("/api/v1/workspaces/acme/runs/{run}/approvals/review/approve")
}

#[tokio::test]
async fn a_comment_with_controls_or_bidi_or_too_long_is_refused() {
    let service = Service::start().await;
    let approver = service.workspace_token("acme", "approver").await;
    let approve = waiting(&service).await;
    let bad = ["\u{1b}[31mLGTM\u{1b}[0m", "ding\u{7}", "ok \u{202E}evorppa", &"x".repeat(2_001)];
    for comment in bad {
        let (status, body) = service.call(&approver, Method::POST, &approve, Some(json!({ "comment": comment }))).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "invalid_request", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().starts_with("comment: "), "{body}");
    }
    let (status, decided) =
        service.call(&approver, Method::POST, &approve, Some(json!({ "comment": "ship it — ✓" }))).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["comment"], "ship it — ✓");
    let owner = service.workspace_token("acme", "owner").await;
    let (_, audit) = service.call(&owner, Method::GET, "/api/v1/workspaces/acme/audit", None).await;
    let text = audit.to_string();
    assert!(!text.contains("\\u001b") && !text.contains('\u{202E}') && !text.contains("\\u0007"), "{text}");
}

#[tokio::test]
async fn an_owner_or_editor_decides_what_an_approver_may_and_a_viewer_cannot() {
    let service = Service::start().await;
    let viewer = service.workspace_token("acme", "viewer").await;
    let approve = waiting(&service).await;
    let (status, body) = service.call(&viewer, Method::POST, &approve, None).await;
    assert_eq!(status, 403, "{body}");
    let owner = service.workspace_token("acme", "owner").await;
    let (status, decided): (u16, Value) = service.call(&owner, Method::POST, &approve, None).await;
    assert_eq!(status, 200, "an owner includes the approver role: {decided}");
    assert_eq!(decided["status"], "approved");
    let editor = service.workspace_token("acme", "editor").await;
    let approve = waiting(&service).await;
    let (status, decided) = service.call(&editor, Method::POST, &approve, None).await;
    assert_eq!(status, 200, "an editor includes the approver role: {decided}");
}
