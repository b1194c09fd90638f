//! Invitations by link: accepted once, within their time, by a new person (who sets a
//! password) or one with an account (who confirms theirs); refused to the wrong callers.
//! A person's decision names them in the run and the audit log.

use reqwest::Method;
use roost::service::auth::token_hash;
use roost::store::{InvitationRecord, now_ms};
use serde_json::{Value, json};

use super::{PASSWORD, account, call, signed_in};
use crate::serve::{OPERATOR, Service};

async fn invite(service: &Service, token: &str, ws: &str, email: &str, role: &str) -> (u16, Value) {
    let body = json!({ "email": email, "role": role });
    service.call(token, Method::POST, &format!("/api/v1/workspaces/{ws}/invitations"), Some(body)).await
}

async fn accept(service: &Service, secret: &str, password: &str) -> (u16, Value) {
    let path = format!("/api/v1/invitations/{secret}/accept");
    service.call("", Method::POST, &path, Some(json!({ "password": password }))).await
}

#[tokio::test]
async fn an_invitation_makes_an_account_once() {
    let service = Service::start().await;
    let (status, made) = invite(&service, OPERATOR, "default", "Bob@Example.com", "editor").await;
    assert_eq!(status, 201, "{made}");
    let secret = made["token"].as_str().unwrap();
    assert_eq!(made["link"], format!("/#/invitation/{secret}"));
    assert_eq!(made["invitation"]["invited_by"].as_str().unwrap().split(':').next(), Some("operator"));
    let (status, view) = service.call("", Method::GET, &format!("/api/v1/invitations/{secret}"), None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!((view["email"].as_str(), view["has_account"].as_bool()), (Some("bob@example.com"), Some(false)));

    let (status, answer) = accept(&service, secret, "short").await;
    assert_eq!(status, 400, "a weak password leaves the invitation usable: {answer}");
    let (status, me) = accept(&service, secret, PASSWORD).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["workspaces"], json!([{ "workspace": "default", "role": "editor" }]));
    assert!(me["csrf"].is_string(), "accepting signs in");
    let (status, again) = accept(&service, secret, PASSWORD).await;
    assert_eq!((status, again["error"]["code"].as_str()), (404, Some("not_found")), "single use: {again}");
    let (status, _) = service.call("", Method::GET, &format!("/api/v1/invitations/{secret}"), None).await;
    assert_eq!(status, 404);
    signed_in(&service, "bob@example.com").await;
    let (_, members) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/members", None).await;
    assert_eq!(members[0]["email"], "bob@example.com");
    assert_eq!(members[0]["role"], "editor");
    service.running.shutdown().await;
}

#[tokio::test]
async fn an_expired_or_mistyped_invitation_is_refused() {
    let service = Service::start().await;
    let secret = "roost_expired-invitation";
    let old = InvitationRecord {
        id: "inv-old".into(),
        workspace: "default".into(),
        email: "late@example.com".into(),
        role: "owner".into(),
        invited_by: "operator:x".into(),
        created_at: now_ms() - 10 * 86_400_000,
        expires_at: now_ms() - 1,
        accepted_at: None,
    };
    service.state().store.create_invitation(&old, &token_hash(secret)).await.unwrap();
    let (status, answer) = accept(&service, secret, PASSWORD).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (410, Some("expired")), "{answer}");
    assert!(service.state().store.user_by_email("late@example.com").await.unwrap().is_none());
    let (status, _) = accept(&service, "roost_mistyped", PASSWORD).await;
    assert_eq!(status, 404);
    let (status, _) = accept(&service, &"x".repeat(5000), PASSWORD).await;
    assert_eq!(status, 404, "an oversized secret is just not found");
    service.running.shutdown().await;
}

#[tokio::test]
async fn someone_with_an_account_confirms_their_password_to_join() {
    let service = Service::start().await;
    service.workspace_token("globex", "owner").await;
    account(&service, "carol@example.com", &[("default", "viewer")]).await;
    let (_, made) = invite(&service, OPERATOR, "globex", "carol@example.com", "approver").await;
    let secret = made["token"].as_str().unwrap();
    let (_, view) = service.call("", Method::GET, &format!("/api/v1/invitations/{secret}"), None).await;
    assert_eq!(view["has_account"], true);
    let (status, _) = accept(&service, secret, "someone else's guess").await;
    assert_eq!(status, 401, "the account's password confirms who accepts");
    let (status, me) = accept(&service, secret, PASSWORD).await;
    assert_eq!(status, 200, "{me}");
    let expected = json!([{ "workspace": "default", "role": "viewer" }, { "workspace": "globex", "role": "approver" }]);
    assert_eq!(me["workspaces"], expected, "memberships in several workspaces");
    service.running.shutdown().await;
}

#[tokio::test]
async fn only_owners_invite_and_inputs_are_checked() {
    let service = Service::start().await;
    account(&service, "ed@example.com", &[("default", "editor")]).await;
    let ed = signed_in(&service, "ed@example.com").await;
    let body = json!({ "email": "x@example.com", "role": "owner" });
    let path = "/api/v1/workspaces/default/invitations";
    let (status, answer) = call(&service, &ed, Method::POST, path, Some(body), true).await;
    assert_eq!(status, 403, "an editor cannot invite (nor make an owner): {answer}");
    let owner = service.workspace_token("default", "owner").await;
    for (email, role) in [("not an address", "viewer"), ("a@example.com", "admin"), (&*"a".repeat(300), "viewer")] {
        let (status, answer) = invite(&service, &owner, "default", email, role).await;
        assert_eq!(status, 400, "{email} {role}: {answer}");
    }
    let (status, _) = service
        .call(&owner, Method::POST, path, Some(json!({ "email": "a@example.com", "role": "viewer", "x": 1 })))
        .await;
    assert_eq!(status, 422, "unknown fields are refused");
    let (status, made) = invite(&service, &owner, "default", "dan@example.com", "viewer").await;
    assert_eq!(status, 201);
    let id = made["invitation"]["id"].as_str().unwrap();
    let (status, _) = service.call(&owner, Method::DELETE, &format!("{path}/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = accept(&service, made["token"].as_str().unwrap(), PASSWORD).await;
    assert_eq!(status, 404, "a withdrawn invitation no longer works");
    service.running.shutdown().await;
}

const REVIEW: &str = "name: review
steps:
  - id: check
    approval: { message: \"Post it?\" }
";

#[tokio::test]
async fn a_persons_decision_names_them_in_the_run_and_the_audit_log() {
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    account(&service, "ann@example.com", &[("default", "approver")]).await;
    let ann = signed_in(&service, "ann@example.com").await;
    let (status, started) =
        call(&service, &ann, Method::POST, "/api/v1/workspaces/default/workflows/review/runs", None, true).await;
    assert_eq!(status, 403, "an approver does not start runs: {started}");
    let (_, started) =
        service.call(OPERATOR, Method::POST, "/api/v1/workspaces/default/workflows/review/runs", None).await;
    let run = started["run_id"].as_str().unwrap();
    service.wait_status("default", run, &["waiting"]).await;
    let path = format!("/api/v1/workspaces/default/runs/{run}/approvals/check/approve");
    let (status, decided) = call(&service, &ann, Method::POST, &path, Some(json!({ "comment": "fine" })), true).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["decided_by"], "user:ann@example.com");
    service.wait_status("default", run, &["succeeded"]).await;
    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    let entry = audit.as_array().unwrap().iter().find(|a| a["action"] == "approval.approve").unwrap();
    assert_eq!(
        (entry["actor"]["kind"].as_str(), entry["actor"]["name"].as_str()),
        (Some("user"), Some("ann@example.com"))
    );
    service.running.shutdown().await;
}

#[tokio::test]
async fn invitations_and_sessions_work_on_postgres() {
    let store = roost::store::Store::connect(&crate::support::pg_url().await).await.unwrap();
    let service = Service::start_with(store, tempfile::tempdir().unwrap(), None).await;
    let (_, made) = invite(&service, OPERATOR, "default", "pat@example.com", "owner").await;
    let (status, me) = accept(&service, made["token"].as_str().unwrap(), PASSWORD).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(accept(&service, made["token"].as_str().unwrap(), PASSWORD).await.0, 404, "single use");
    let pat = signed_in(&service, "pat@example.com").await;
    let body = Some(json!({ "email": "quinn@example.com", "role": "viewer" }));
    let (status, _) = call(&service, &pat, Method::POST, "/api/v1/workspaces/default/invitations", body, true).await;
    assert_eq!(status, 201);
    let (status, created) =
        call(&service, &pat, Method::POST, "/api/v1/me/tokens", Some(json!({ "name": "ci" })), true).await;
    assert_eq!(status, 201, "{created}");
    let (status, members) =
        service.call(created["token"].as_str().unwrap(), Method::GET, "/api/v1/workspaces/default/members", None).await;
    assert_eq!((status, members[0]["email"].as_str()), (200, Some("pat@example.com")));
    service.running.shutdown().await;
}
