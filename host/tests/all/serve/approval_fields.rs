//! Approvals with editable fields: the approver fixes the draft before approving, the next
//! step publishes the fixed text, the change is recorded with who made it, and an edit that
//! breaks the field's type or length, or names no field, is refused with the approval still
//! waiting. Through a client link, the client edits too.

use reqwest::Method;
use serde_json::{Value, json};

use super::Service;

const DRAFT: &str = "name: draft
inputs:
  text: { type: string }
steps:
  - id: review
    approval:
      message: \"Post this?\"
      preview: \"${{ inputs.text }}\"
      fields:
        text: { default: \"${{ inputs.text }}\", max_length: 20, description: \"The post\" }
        hour: { type: integer, default: 9 }
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ steps.review.output.fields.text }}\", at: \"${{ steps.review.output.fields.hour }}\" }
";

async fn waiting(service: &Service, token: &str, text: &str) -> String {
    let path = "/api/v1/workspaces/default/workflows/draft/runs";
    let (status, started) = service.call(token, Method::POST, path, Some(json!({ "inputs": { "text": text } }))).await;
    assert_eq!(status, 202, "{started}");
    let id = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("default", &id, &["waiting"]).await;
    id
}

fn step<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["steps"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
}

#[tokio::test]
async fn an_approver_fixes_the_draft_and_the_fixed_text_is_posted() {
    let service = Service::start().await;
    service.put_workflow("default", DRAFT).await;
    let editor = service.workspace_token("default", "editor").await;
    let approver = service.workspace_token("default", "approver").await;
    let run = waiting(&service, &editor, "Helo world").await;
    let (_, shown) =
        service.call(&approver, Method::GET, &format!("/api/v1/workspaces/default/runs/{run}"), None).await;
    assert_eq!(
        shown["approvals"][0]["fields"],
        json!([
            { "name": "text", "type": "string", "description": "The post", "max_length": 20, "value": "Helo world" },
            { "name": "hour", "type": "integer", "description": null, "max_length": null, "value": 9 },
        ])
    );

    let approve = format!("/api/v1/workspaces/default/runs/{run}/approvals/review/approve");
    for (fields, why) in [
        (json!({ "text": "This text is far too long for it" }), "fields.text: 32 characters, more than the 20 allowed"),
        (json!({ "hour": "nine" }), "fields.hour: `nine` is not an integer"),
        (json!({ "title": "x" }), "fields: this approval has no field `title`"),
    ] {
        let (status, body) = service.call(&approver, Method::POST, &approve, Some(json!({ "fields": fields }))).await;
        assert_eq!((status, body["error"]["message"].as_str()), (400, Some(why)), "{body}");
    }
    let still = service.wait_status("default", &run, &["waiting"]).await;
    assert_eq!(still["approvals"][0]["status"], "waiting", "a refused edit decides nothing");

    let edit = json!({ "comment": "typo", "fields": { "text": "Hello world 👋🏽", "hour": "10" } });
    let (status, body) = service.call(&approver, Method::POST, &approve, Some(edit)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fields"][0]["value"], "Hello world 👋🏽", "the approval keeps the decided values");
    let done = service.wait_status("default", &run, &["succeeded", "failed"]).await;
    assert_eq!(step(&done, "post")["output"], json!({ "text": "Hello world 👋🏽", "at": 10 }), "{done}");
    let output = &step(&done, "review")["output"];
    let by = output["by"].as_str().unwrap();
    assert!(by.starts_with("approver:"), "{output}");
    assert_eq!(output["fields"], json!({ "text": "Hello world 👋🏽", "hour": 10 }));
    assert_eq!(
        output["changes"],
        json!([
            { "field": "text", "from": "Helo world", "to": "Hello world 👋🏽", "by": by },
            { "field": "hour", "from": 9, "to": 10, "by": by },
        ])
    );
    let (_, audit) = service.call(super::OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "approval.approve").unwrap();
    assert_eq!(entry["detail"], "typo; edited hour, text");
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_client_edits_through_the_link_and_a_refused_edit_leaves_the_link_usable() {
    let service = Service::start().await;
    service.put_workflow("default", DRAFT).await;
    let editor = service.workspace_token("default", "editor").await;
    let run = waiting(&service, &editor, "Grand opening").await;
    let links = format!("/api/v1/workspaces/default/runs/{run}/approvals/review/links");
    let (_, made) = service.call(&editor, Method::POST, &links, Some(json!({}))).await;
    let url = format!("{}/api/v1/client/{}", service.url, made["token"].as_str().unwrap());
    let view: Value = service.client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["fields"][0]["value"], "Grand opening", "{view}");

    let too_long = json!({ "decision": "approve", "fields": { "text": "x".repeat(21) } });
    let res = service.client.post(&url).json(&too_long).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let edit = json!({ "decision": "approve", "fields": { "text": "Grand opening, 9:00!" } });
    let res = service.client.post(&url).json(&edit).send().await.unwrap();
    assert_eq!(res.status(), 200, "the refused edit did not use the link up");
    let done = service.wait_status("default", &run, &["succeeded", "failed"]).await;
    assert_eq!(step(&done, "post")["output"]["text"], "Grand opening, 9:00!");
    let change = &step(&done, "review")["output"]["changes"][0];
    assert_eq!(change["by"], json!(format!("link:{}", made["id"].as_str().unwrap())));
    service.running.shutdown().await;
}

const TWO_PEOPLE: &str = "name: two
steps:
  - id: review
    approval:
      message: \"Post the statement?\"
      quorum: 2
      fields:
        text: { default: \"We are sorry.\" }
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ steps.review.output.fields.text }}\" }
";

#[tokio::test]
async fn a_quorum_waits_for_different_people_and_one_rejection_rejects() {
    a_quorum_waits(Service::start().await).await;
}

#[tokio::test]
async fn a_quorum_with_edits_waits_for_different_people_on_postgres() {
    let store = roost::store::Store::connect(&crate::support::pg_url().await).await.unwrap();
    a_quorum_waits(Service::start_with(store, tempfile::tempdir().unwrap(), None).await).await;
}

async fn a_quorum_waits(service: Service) {
    service.put_workflow("default", TWO_PEOPLE).await;
    let ada = service.workspace_token("default", "approver").await;
    let bo = service.workspace_token("default", "editor").await;
    let start = "/api/v1/workspaces/default/workflows/two/runs";
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (_, started) = service.call(&bo, Method::POST, start, Some(json!({}))).await;
        let id = started["run_id"].as_str().unwrap().to_string();
        service.wait_status("default", &id, &["waiting"]).await;
        runs.push(id);
    }
    let decide = |run: &str, verb: &str| format!("/api/v1/workspaces/default/runs/{run}/approvals/review/{verb}");

    let fix = json!({ "fields": { "text": "We are sorry for the outage." } });
    let (status, first) = service.call(&ada, Method::POST, &decide(&runs[0], "approve"), Some(fix)).await;
    assert_eq!(
        (status, &first["status"], first["votes"].as_array().unwrap().len()),
        (200, &json!("waiting"), 1),
        "{first}"
    );
    assert_eq!(first["fields"][0]["value"], "We are sorry for the outage.", "the first approver's fix is kept");
    let (status, again) = service.call(&ada, Method::POST, &decide(&runs[0], "approve"), None).await;
    assert_eq!(status, 409, "the same person does not count twice: {again}");
    let still = service.wait_status("default", &runs[0], &["waiting"]).await;
    assert_eq!(step(&still, "review")["status"], "waiting");

    let (status, _) = service.call(&bo, Method::POST, &decide(&runs[0], "approve"), None).await;
    assert_eq!(status, 200);
    let done = service.wait_status("default", &runs[0], &["succeeded", "failed"]).await;
    assert_eq!(step(&done, "post")["output"]["text"], "We are sorry for the outage.");
    let output = &step(&done, "review")["output"];
    assert_eq!(output["votes"][0]["by"], first["votes"][0]["by"], "{output}");
    assert_eq!(output["changes"][0]["to"], "We are sorry for the outage.", "earlier edits stay recorded: {output}");

    // A veto: one approval, then a rejection, rejects.
    assert_eq!(service.call(&ada, Method::POST, &decide(&runs[1], "approve"), None).await.0, 200);
    assert_eq!(service.call(&bo, Method::POST, &decide(&runs[1], "reject"), None).await.0, 200);
    service.wait_status("default", &runs[1], &["rejected"]).await;
    service.running.shutdown().await;
}
