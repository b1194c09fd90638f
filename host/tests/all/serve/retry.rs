//! Retrying a run from its failed step: what succeeded is carried over and not sent again,
//! the failed step runs with the settings fixed since, a rejected approval is asked again,
//! and a retry is refused where it makes no sense or belongs to someone else.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{OPERATOR, Service, Setup};
use crate::support::{self, Publisher};

/// `draft` goes to a server that answers; `post` goes where the variable `TARGET` says.
fn campaign(port: u16) -> String {
    format!(
        "name: campaign
inputs:
  text: {{ type: string }}
steps:
  - id: draft
    uses: flaky/publish@1
    with: {{ url: \"http://loopback.test:{port}/drafts\", text: \"${{{{ inputs.text }}}}\" }}
  - id: post
    uses: flaky/publish@1
    with: {{ url: \"${{{{ vars.TARGET }}}}/statuses\", text: \"${{{{ steps.draft.output.status }}}} ${{{{ inputs.text }}}}\" }}
  - id: tell
    needs: [post]
    uses: echo/echo@1
    with: {{ text: done }}
on_failure:
  - id: alarm
    uses: echo/echo@1
    with: {{ text: \"${{{{ failure.step }}}} failed\" }}
"
    )
}

async fn call(service: &Service, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    service.call(token, method, &format!("/api/v1/workspaces/default{path}"), body).await
}

fn step<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["steps"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("no step {id}: {run}"))
}

#[tokio::test]
async fn a_failed_run_is_retried_from_its_failed_step_and_what_succeeded_is_not_sent_again() {
    let (server, addr) = Publisher::start(Duration::ZERO).await;
    // A port nothing listens on: the first `post` cannot connect.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let hosts = [format!("http://loopback.test:{}", addr.port()), format!("http://loopback.test:{dead}")];
    let service = Service::launch(Setup::default(), |runtime| vec![support::load_flaky(runtime, &hosts)]).await;
    service.put_workflow("default", &campaign(addr.port())).await;
    let editor = service.workspace_token("default", "editor").await;
    let target = json!({ "value": format!("http://loopback.test:{dead}") });
    assert_eq!(call(&service, &editor, Method::PUT, "/variables/TARGET", Some(target)).await.0, 204);

    let (status, started) =
        call(&service, &editor, Method::POST, "/workflows/campaign/runs", Some(json!({ "inputs": { "text": "Hi" } })))
            .await;
    assert_eq!(status, 202, "{started}");
    let first = started["run_id"].as_str().unwrap().to_string();
    let failed = service.wait_status("default", &first, &["failed", "succeeded"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(
        ["draft", "post", "tell", "alarm"].map(|s| step(&failed, s)["status"].as_str().unwrap().to_string()),
        ["succeeded", "failed", "skipped", "succeeded"].map(String::from)
    );

    // The setting is fixed; the retry runs the failed step with it and sends the draft no more.
    let target = json!({ "value": format!("http://loopback.test:{}", addr.port()) });
    assert_eq!(call(&service, &editor, Method::PUT, "/variables/TARGET", Some(target)).await.0, 204);
    let (status, retried) = call(&service, &editor, Method::POST, &format!("/runs/{first}/retry"), None).await;
    assert_eq!(status, 202, "{retried}");
    assert_eq!(retried["reused"], json!(["draft"]), "only the step that succeeded is carried over");
    let second = retried["run_id"].as_str().unwrap().to_string();
    let done = service.wait_status("default", &second, &["failed", "succeeded"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["retry"]["of"], json!(first));
    assert_eq!(done["retry"]["by"], failed["trigger"]["by"], "the editor who retried: {done}");
    assert_eq!(done["trigger"], failed["trigger"], "the earlier trigger, as expressions saw it");
    assert_eq!(done["inputs"], json!({ "text": "Hi" }), "the same inputs");
    let draft = step(&done, "draft");
    assert_eq!((&draft["status"], &draft["output"]), (&json!("succeeded"), &step(&failed, "draft")["output"]));
    assert_eq!(draft["started_at"], Value::Null, "a carried-over step did not run in this run: {draft}");
    assert_eq!(step(&done, "tell")["status"], "succeeded");
    assert!(done["steps"].as_array().unwrap().iter().all(|s| s["id"] != "alarm"), "no failure, no alarm: {done}");

    let counts = server.counts();
    assert_eq!(counts.get(&format!("{first}/draft")), Some(&1), "{counts:?}");
    assert_eq!(counts.get(&format!("{second}/post")), Some(&1), "{counts:?}");
    assert_eq!(counts.len(), 2, "the draft was sent once, by the first run: {counts:?}");
    let posted: Value = serde_json::from_str(&server.by_key.lock().unwrap()[&format!("{second}/post")][0]).unwrap();
    assert_eq!(posted, json!({ "text": "200 Hi" }), "the failed step read the carried-over output");

    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "run.retry").expect("the retry is audited");
    assert_eq!((&entry["target"], &entry["detail"]), (&json!(second), &json!(format!("of {first}; reused draft"))));

    // A run that succeeded has nothing to retry.
    let (status, body) = call(&service, &editor, Method::POST, &format!("/runs/{second}/retry"), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("conflict")), "{body}");
    service.running.shutdown().await;
}

const REVIEW: &str = "name: review
steps:
  - id: prepare
    uses: echo/echo@1
    with: { text: prepared }
  - id: review
    needs: [prepare]
    approval: { message: \"Post it?\" }
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: posted }
";

#[tokio::test]
async fn a_rejected_approval_is_asked_again_and_a_retry_is_refused_where_it_does_not_belong() {
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let editor = service.workspace_token("default", "editor").await;
    let viewer = service.workspace_token("default", "viewer").await;
    let stranger = service.workspace_token("elsewhere", "owner").await;
    let (_, started) = call(&service, &editor, Method::POST, "/workflows/review/runs", Some(json!({}))).await;
    let id = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("default", &id, &["waiting"]).await;
    let retry = format!("/runs/{id}/retry");
    let (status, body) = call(&service, &editor, Method::POST, &retry, None).await;
    assert_eq!(status, 409, "a waiting run is not retried: {body}");
    let reject = format!("/runs/{id}/approvals/review/reject");
    assert_eq!(call(&service, &editor, Method::POST, &reject, None).await.0, 200);
    service.wait_status("default", &id, &["rejected"]).await;

    assert_eq!(call(&service, &viewer, Method::POST, &retry, None).await.0, 403, "a viewer may not retry");
    let foreign = format!("/api/v1/workspaces/elsewhere/runs/{id}/retry");
    assert_eq!(service.call(&stranger, Method::POST, &foreign, None).await.0, 404, "another workspace's run");
    let missing = "/runs/0190aaaa-0000-7000-8000-000000000000/retry";
    assert_eq!(call(&service, &editor, Method::POST, missing, None).await.0, 404);

    let (status, retried) = call(&service, &editor, Method::POST, &retry, None).await;
    assert_eq!((status, &retried["reused"]), (202, &json!(["prepare"])), "the rejection is not carried over");
    let again = retried["run_id"].as_str().unwrap();
    let waiting = service.wait_status("default", again, &["waiting"]).await;
    assert_eq!(step(&waiting, "prepare")["status"], "succeeded");
    assert_eq!(step(&waiting, "review")["status"], "waiting", "asked again: {waiting}");
    let approve = format!("/runs/{again}/approvals/review/approve");
    assert_eq!(call(&service, &editor, Method::POST, &approve, None).await.0, 200);
    let done = service.wait_status("default", again, &["succeeded", "failed"]).await;
    assert_eq!(step(&done, "post")["output"], json!({ "text": "posted" }), "{done}");
    service.running.shutdown().await;
}
