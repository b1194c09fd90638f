//! Client links, on SQLite and PostgreSQL: a client without an account sees the preview,
//! comments, and approves once; the decision names the link in the run and the audit log;
//! a used, expired, revoked, tampered or foreign link is refused, and only those who may
//! decide can hand one out.

use reqwest::Method;
use roost::service::auth::token_hash;
use roost::store::{ApprovalLinkRecord, now_ms};
use serde_json::{Value, json};

use super::{OPERATOR, Service};

const REVIEW: &str = "name: review
steps:
  - id: review
    approval:
      message: \"Post this for ACME?\"
      preview: { text: \"Our new shop opens on Monday at 9.\" }
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: posted }
  - id: boss
    needs: [post]
    approval: { message: \"Owners only\", approvers: [owner] }
";

async fn waiting(service: &Service, token: &str) -> String {
    let path = "/api/v1/workspaces/default/workflows/review/runs";
    let (status, started) = service.call(token, Method::POST, path, Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let id = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("default", &id, &["waiting"]).await;
    id
}

fn links(run: &str, step: &str) -> String {
    format!("/api/v1/workspaces/default/runs/{run}/approvals/{step}/links")
}

/// The client's calls carry no token at all.
async fn client(service: &Service, method: Method, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = service.client.request(method, format!("{}/api/v1/client/{token}", service.url));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_client_sees_the_preview_comments_and_approves_once_by_link() {
    a_client_approves_once(Service::start().await).await;
}

#[tokio::test]
async fn a_client_approves_once_by_link_on_postgres() {
    let store = roost::store::Store::connect(&crate::support::pg_url().await).await.unwrap();
    a_client_approves_once(Service::start_with(store, tempfile::tempdir().unwrap(), None).await).await;
}

async fn a_client_approves_once(service: Service) {
    service.put_workflow("default", REVIEW).await;
    let editor = service.workspace_token("default", "editor").await;
    let run = waiting(&service, &editor).await;
    let (status, made) = service.call(&editor, Method::POST, &links(&run, "review"), Some(json!({}))).await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(made["link"], json!(format!("/#/client/{token}")));
    let hours = chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap()).unwrap().to_utc()
        - chrono::Utc::now();
    assert!((71..=72).contains(&hours.num_hours()), "72 hours by default: {hours}");

    let (status, view) = client(&service, Method::GET, &token, None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!((&view["workflow"], &view["step_id"]), (&json!("review"), &json!("review")));
    assert_eq!(view["preview"], json!({ "text": "Our new shop opens on Monday at 9." }));
    assert_eq!(view["message"], "Post this for ACME?");
    let comment = json!({ "decision": "comment", "comment": "Can we say 9:00 instead of 9?" });
    let (status, after) = client(&service, Method::POST, &token, Some(comment)).await;
    assert_eq!(status, 200, "a comment leaves the link open: {after}");
    assert_eq!(after["comments"][0]["text"], "Can we say 9:00 instead of 9?");

    let approve = json!({ "decision": "approve", "comment": "Fine by us" });
    let (status, body) = client(&service, Method::POST, &token, Some(approve.clone())).await;
    assert_eq!(status, 200, "{body}");
    let (status, again) = client(&service, Method::POST, &token, Some(approve)).await;
    assert_eq!((status, again["error"]["code"].as_str()), (410, Some("used")), "single use: {again}");
    assert_eq!(client(&service, Method::GET, &token, None).await.0, 410);

    let done = service.wait_status("default", &run, &["waiting", "succeeded"]).await;
    let decision = done["approvals"].as_array().unwrap().iter().find(|a| a["step_id"] == "review").unwrap();
    let link_id = made["id"].as_str().unwrap();
    assert_eq!(decision["decided_by"], json!(format!("link:{link_id}")), "{decision}");
    assert_eq!(decision["comment"], "Fine by us");
    let post = done["steps"].as_array().unwrap().iter().find(|s| s["id"] == "post").unwrap();
    assert_eq!(post["status"], "succeeded", "the run went on: {done}");

    let (_, listed) = service.call(&editor, Method::GET, &links(&run, "review"), None).await;
    assert_eq!((&listed[0]["outcome"], listed[0]["comments"].as_array().unwrap().len()), (&json!("approved"), 1));
    assert!(listed[0].get("token").is_none() && !listed.to_string().contains(&token), "never the secret: {listed}");
    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    let by_link: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"]["kind"] == "link")
        .map(|e| (e["action"].as_str().unwrap(), e["actor"]["id"].as_str().unwrap()))
        .collect();
    assert_eq!(by_link, [("approval.approve", link_id), ("approval.comment", link_id)]);
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_used_expired_revoked_tampered_or_unearned_link_is_refused() {
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let editor = service.workspace_token("default", "editor").await;
    let approver = service.workspace_token("default", "approver").await;
    let stranger = service.workspace_token("elsewhere", "owner").await;
    let run = waiting(&service, &editor).await;

    // Only an editor who may decide hands out a link, in its own workspace, with a sane lifetime.
    assert_eq!(service.call(&approver, Method::POST, &links(&run, "review"), None).await.0, 403);
    let foreign = format!("/api/v1/workspaces/elsewhere/runs/{run}/approvals/review/links");
    assert_eq!(service.call(&stranger, Method::POST, &foreign, None).await.0, 404);
    assert_eq!(service.call(&stranger, Method::GET, &foreign, None).await.0, 404);
    for body in [json!({ "expires_in_hours": 0 }), json!({ "expires_in_hours": 721 })] {
        assert_eq!(service.call(&editor, Method::POST, &links(&run, "review"), Some(body)).await.0, 400);
    }
    let (status, _) =
        service.call(&editor, Method::POST, &links(&run, "review"), Some(json!({ "role": "owner" }))).await;
    assert_eq!(status, 422, "unknown fields are refused");

    let (_, made) = service.call(&editor, Method::POST, &links(&run, "review"), Some(json!({}))).await;
    let token = made["token"].as_str().unwrap().to_string();
    let mut tampered = token.clone();
    tampered.replace_range(10..11, if &token[10..11] == "a" { "b" } else { "a" });
    assert_eq!(client(&service, Method::GET, &tampered, None).await.0, 404, "a changed secret opens nothing");
    assert_eq!(client(&service, Method::GET, &"x".repeat(5000), None).await.0, 404);
    for bad in [json!({ "decision": "publish" }), json!({ "decision": "comment" })] {
        assert_eq!(client(&service, Method::POST, &token, Some(bad)).await.0, 400);
    }
    let long = json!({ "decision": "comment", "comment": "x".repeat(2001) });
    assert_eq!(client(&service, Method::POST, &token, Some(long)).await.0, 400);
    let sneaky = json!({ "decision": "approve", "by": "owner:admin" });
    assert_eq!(client(&service, Method::POST, &token, Some(sneaky)).await.0, 422);
    for n in 0..20 {
        let comment = json!({ "decision": "comment", "comment": format!("note {n}") });
        assert_eq!(client(&service, Method::POST, &token, Some(comment)).await.0, 200);
    }
    let one_more = json!({ "decision": "comment", "comment": "21st" });
    assert_eq!(client(&service, Method::POST, &token, Some(one_more)).await.0, 409, "20 comments at most");

    // Revoked: gone at once, for viewing and for deciding.
    let revoke = format!("{}/{}", links(&run, "review"), made["id"].as_str().unwrap());
    assert_eq!(service.call(&editor, Method::DELETE, &revoke, None).await.0, 204);
    assert_eq!(service.call(&editor, Method::DELETE, &revoke, None).await.0, 409);
    let approve = json!({ "decision": "approve" });
    assert_eq!(client(&service, Method::POST, &token, Some(approve.clone())).await.0, 404);

    // Expired.
    let secret = "roost_expired-client-link";
    let old = ApprovalLinkRecord {
        id: "link-old".into(),
        workspace: "default".into(),
        run_id: run.clone(),
        step_id: "review".into(),
        created_by: "operator:x".into(),
        created_at: now_ms() - 100_000_000,
        expires_at: now_ms() - 1,
        used_at: None,
        outcome: None,
        comments: json!([]),
    };
    service.state().store.create_approval_link(&old, &token_hash(secret)).await.unwrap();
    let (status, body) = client(&service, Method::POST, secret, Some(approve.clone())).await;
    assert_eq!((status, body["error"]["code"].as_str()), (410, Some("expired")), "{body}");

    // Decided by the team meanwhile: the link cannot overrule it and is not used up.
    let (_, live) = service.call(&editor, Method::POST, &links(&run, "review"), Some(json!({}))).await;
    let reject = format!("/api/v1/workspaces/default/runs/{run}/approvals/review/reject");
    assert_eq!(service.call(&editor, Method::POST, &reject, None).await.0, 200);
    let live_token = live["token"].as_str().unwrap();
    let (status, body) = client(&service, Method::POST, live_token, Some(approve)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (410, Some("decided")), "{body}");
    assert_eq!(service.call(&editor, Method::POST, &links(&run, "review"), None).await.0, 409, "nothing waits");

    // An approval only owners decide cannot be handed out by an editor.
    let second = waiting(&service, &editor).await;
    let approve = format!("/api/v1/workspaces/default/runs/{second}/approvals/review/approve");
    assert_eq!(service.call(&editor, Method::POST, &approve, None).await.0, 200);
    let boss = service.wait_status("default", &second, &["waiting", "failed"]).await;
    assert!(boss["approvals"].as_array().unwrap().iter().any(|a| a["step_id"] == "boss" && a["status"] == "waiting"));
    let (status, body) = service.call(&editor, Method::POST, &links(&second, "boss"), None).await;
    assert_eq!(status, 403, "an editor cannot hand out what only owners decide: {body}");
    service.running.shutdown().await;
}
