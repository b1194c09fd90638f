//! Approval notices: with the workspace secret `APPROVALS_WEBHOOK` set, an approval that
//! starts waiting is posted once to a Slack-compatible webhook; an address the network
//! policy refuses, or a webhook that answers with an error, leaves an audit entry that says
//! why without the secret address.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{OPERATOR, Service};
use crate::social::servers::receiver::Receiver;

const REVIEW: &str = "name: review
steps:
  - id: review
    approval: { message: \"Post the launch text?\", approvers: [approver] }
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: posted }
";

async fn waiting(service: &Service) -> String {
    let path = "/api/v1/workspaces/default/workflows/review/runs";
    let (status, started) = service.call(OPERATOR, Method::POST, path, Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let id = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("default", &id, &["waiting"]).await;
    id
}

async fn set_webhook(service: &Service, url: &str) {
    let path = "/api/v1/workspaces/default/secrets/APPROVALS_WEBHOOK";
    assert_eq!(service.call(OPERATOR, Method::PUT, path, Some(json!({ "value": url }))).await.0, 204);
}

async fn failures(service: &Service) -> Vec<Value> {
    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    audit.as_array().unwrap().iter().filter(|e| e["action"] == "approval.notice.failed").cloned().collect()
}

/// Waits up to 5 s for `done`.
async fn eventually(mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not within 5 s");
}

#[tokio::test]
async fn a_waiting_approval_is_announced_once_to_the_workspace_webhook() {
    let (receiver, addr) = Receiver::start().await;
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    set_webhook(&service, &format!("http://loopback.test:{}/slack/T000/B000/xyz", addr.port())).await;
    let run = waiting(&service).await;
    eventually(async || !receiver.slack_messages().is_empty()).await;
    let message = &receiver.slack_messages()[0];
    let text = message["text"].as_str().unwrap();
    assert!(text.contains("`review` waits for approval at `review`: Post the launch text?"), "{text}");
    assert_eq!(message["roost"]["run_id"], json!(run));
    assert_eq!(message["roost"]["approvers"], json!(["approver"]));

    // Deciding drives the run again; the decided approval is not announced again.
    let approve = format!("/api/v1/workspaces/default/runs/{run}/approvals/review/approve");
    assert_eq!(service.call(OPERATOR, Method::POST, &approve, None).await.0, 200);
    service.wait_status("default", &run, &["succeeded"]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.slack_messages().len(), 1, "one notice per waiting approval");
    assert!(failures(&service).await.is_empty());

    // The webhook refuses: the team can see why in the audit log.
    receiver.slack_answer(404, "no_service", None);
    let second = waiting(&service).await;
    eventually(async || !failures(&service).await.is_empty()).await;
    let failed = &failures(&service).await[0];
    assert_eq!(failed["target"], json!(format!("{second}/review")));
    assert_eq!(failed["detail"], "the webhook at loopback.test answered 404 Not Found");
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_webhook_the_network_policy_refuses_is_not_called() {
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    for (url, why) in [
        ("http://intranet.test/hook", "must use https"),
        ("https://intranet.test/hook", "10.0.0.1"),
        ("https://metadata.test/latest", "169.254.169.254"),
    ] {
        set_webhook(&service, url).await;
        let before = failures(&service).await.len();
        waiting(&service).await;
        eventually(async || failures(&service).await.len() > before).await;
        let detail = failures(&service).await[0]["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(why), "{url}: {detail}");
        assert!(!detail.contains("/hook") && !detail.contains("/latest"), "never the secret address: {detail}");
    }
    service.running.shutdown().await;
}
