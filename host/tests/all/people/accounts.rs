//! Accounts and sessions: sign-up closed by default, one message for a wrong address or
//! password, guessing bounded, cookie flags, CSRF, sign-out and expiry, personal tokens.

use reqwest::Method;
use roost::service::auth::token_hash;
use roost::store::now_ms;
use serde_json::json;

use super::{PASSWORD, account, call, sign_in, signed_in};
use crate::serve::{OPERATOR, Service, Setup};

#[tokio::test]
async fn sign_up_is_closed_unless_the_operator_opens_it() {
    let closed = Service::start().await;
    let body = json!({ "email": "new@example.com", "password": PASSWORD });
    let (status, answer) = closed.call("", Method::POST, "/api/v1/auth/signup", Some(body.clone())).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("forbidden")), "{answer}");
    assert!(closed.state().store.user_by_email("new@example.com").await.unwrap().is_none());
    let (_, providers) = closed.call("", Method::GET, "/api/v1/auth/providers", None).await;
    assert_eq!(providers["signup"], false);

    let auth = roost::service::people::AuthConfig { signup: true, ..Default::default() };
    let open = Service::launch(Setup { auth, ..Setup::default() }, |_| Vec::new()).await;
    let (status, answer) = open.call("", Method::POST, "/api/v1/auth/signup", Some(body.clone())).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["user"]["email"], "new@example.com");
    assert_eq!(answer["workspaces"], json!([]), "a new account is a member of nothing");
    let (status, _) = open.call("", Method::POST, "/api/v1/auth/signup", Some(body)).await;
    assert_eq!(status, 409, "one account per address");
    let short = json!({ "email": "b@example.com", "password": "short" });
    let (status, answer) = open.call("", Method::POST, "/api/v1/auth/signup", Some(short)).await;
    assert_eq!(status, 400, "{answer}");
    closed.running.shutdown().await;
    open.running.shutdown().await;
}

#[tokio::test]
async fn a_wrong_address_and_a_wrong_password_read_the_same_and_guessing_is_bounded() {
    let service = Service::start().await;
    account(&service, "alice@example.com", &[("default", "viewer")]).await;
    let (s1, wrong_password, c1) = sign_in(&service, "alice@example.com", "not her password").await;
    let (s2, no_account, c2) = sign_in(&service, "nobody@example.com", "not her password").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong_password, no_account, "the answer does not tell who has an account");
    assert!(c1.is_none() && c2.is_none(), "no cookie without a sign-in");
    for _ in 0..4 {
        assert_eq!(sign_in(&service, "alice@example.com", "guess").await.0, 401);
    }
    let (status, answer, _) = sign_in(&service, "alice@example.com", PASSWORD).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (429, Some("rate_limited")), "{answer}");
    let (status, _, _) = sign_in(&service, "ALICE@example.com", PASSWORD).await;
    assert_eq!(status, 429, "the address is counted however it is spelled");
    service.running.shutdown().await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_lax_and_changes_need_the_csrf_token() {
    let service = Service::start().await;
    account(&service, "alice@example.com", &[("default", "owner")]).await;
    let (status, me, session) = sign_in(&service, "alice@example.com", PASSWORD).await;
    assert_eq!(status, 200, "{me}");
    let (browser, header) = session.unwrap();
    assert!(header.starts_with("roost_session=roost_"), "{header}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(header.contains(flag), "{flag} missing: {header}");
    }
    assert!(!header.contains("Secure"), "plain http on loopback: {header}");
    assert_eq!(me["kind"], "user");
    assert_eq!(me["workspaces"], json!([{ "workspace": "default", "role": "owner" }]));

    let (status, _) = call(&service, &browser, Method::GET, "/api/v1/workspaces/default/tokens", None, false).await;
    assert_eq!(status, 200, "a read needs no CSRF token");
    let body = json!({ "name": "made", "role": "viewer" });
    let path = "/api/v1/workspaces/default/tokens";
    let (status, refused) = call(&service, &browser, Method::POST, path, Some(body.clone()), false).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (403, Some("csrf_failed")), "{refused}");
    let mut forged = browser.clone();
    forged.csrf = "0".repeat(40);
    let (status, _) = call(&service, &forged, Method::POST, path, Some(body.clone()), true).await;
    assert_eq!(status, 403, "a wrong CSRF token is refused");
    let resp = service
        .client
        .post(format!("{}{path}", service.url))
        .header("cookie", &browser.cookie)
        .header("x-csrf-token", &browser.csrf)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "another site's page is refused even with the token");
    let (status, made) = call(&service, &browser, Method::POST, path, Some(body), true).await;
    assert_eq!(status, 201, "{made}");
    let (_, tokens) = service.call(OPERATOR, Method::GET, path, None).await;
    assert_eq!(tokens.as_array().unwrap().len(), 1, "only the change with the token went through: {tokens}");

    let (status, _) = call(&service, &browser, Method::POST, "/api/v1/auth/signout", None, true).await;
    assert_eq!(status, 204);
    let (status, _) = call(&service, &browser, Method::GET, "/api/v1/auth/session", None, false).await;
    assert_eq!(status, 401, "signed out: the cookie no longer works");
    service.running.shutdown().await;
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let service = Service::start().await;
    let user = account(&service, "alice@example.com", &[("default", "owner")]).await;
    let value = "roost_expired-session-value";
    service.state().store.create_session(&user, &token_hash(value), now_ms() - 1).await.unwrap();
    let browser = super::Session { cookie: format!("roost_session={value}"), csrf: String::new() };
    let (status, answer) = call(&service, &browser, Method::GET, "/api/v1/workspaces", None, false).await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("expired"), "{answer}");
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_member_of_one_workspace_cannot_touch_another() {
    let service = Service::start().await;
    service.workspace_token("globex", "owner").await;
    account(&service, "alice@example.com", &[("default", "owner")]).await;
    let alice = signed_in(&service, "alice@example.com").await;
    let (_, seen) = call(&service, &alice, Method::GET, "/api/v1/workspaces", None, false).await;
    let ids: Vec<&str> = seen.as_array().unwrap().iter().filter_map(|w| w["id"].as_str()).collect();
    assert_eq!(ids, ["default"]);
    for (method, path) in [
        (Method::GET, "/api/v1/workspaces/globex/runs"),
        (Method::GET, "/api/v1/workspaces/globex/members"),
        (Method::POST, "/api/v1/workspaces/globex/invitations"),
        (Method::DELETE, "/api/v1/workspaces/globex/secrets/X"),
    ] {
        let body = (method == Method::POST).then(|| json!({ "email": "eve@example.com", "role": "owner" }));
        let (status, answer) = call(&service, &alice, method, path, body, true).await;
        assert_eq!(status, 404, "{path}: {answer}");
    }
    let (_, invitations) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/globex/invitations", None).await;
    assert_eq!(invitations, json!([]));
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_personal_token_acts_as_its_person_with_their_role() {
    let service = Service::start().await;
    account(&service, "ann@example.com", &[("default", "approver")]).await;
    let ann = signed_in(&service, "ann@example.com").await;
    let (status, made) =
        call(&service, &ann, Method::POST, "/api/v1/me/tokens", Some(json!({ "name": "laptop" })), true).await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap();
    let (status, me) = service.call(token, Method::GET, "/api/v1/auth/session", None).await;
    assert_eq!((status, me["user"]["email"].as_str()), (200, Some("ann@example.com")), "{me}");
    let (status, _) = service.call(token, Method::GET, "/api/v1/workspaces/default/runs", None).await;
    assert_eq!(status, 200);
    let (status, answer) =
        service.call(token, Method::PUT, "/api/v1/workspaces/default/variables/X", Some(json!({ "value": "v" }))).await;
    assert_eq!(status, 403, "an approver may not edit: {answer}");
    let (status, _) = service.call(token, Method::POST, "/api/v1/me/tokens", Some(json!({ "name": "more" }))).await;
    assert_eq!(status, 201, "a bearer token needs no CSRF token");
    let lower = service
        .client
        .get(format!("{}/api/v1/auth/session", service.url))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), 200, "the scheme is case-insensitive");
    let (status, answer) = service.call(OPERATOR, Method::GET, "/api/v1/me/tokens", None).await;
    assert_eq!(status, 403, "the operator token is no one's: {answer}");
    let id = made["id"].as_str().unwrap();
    let (status, _) = call(&service, &ann, Method::DELETE, &format!("/api/v1/me/tokens/{id}"), None, true).await;
    assert_eq!(status, 204);
    let (status, _) = service.call(token, Method::GET, "/api/v1/auth/session", None).await;
    assert_eq!(status, 401, "revoked");
    service.running.shutdown().await;
}

#[tokio::test]
async fn hostile_sign_in_bodies_are_answered_in_the_envelope() {
    let service = Service::start().await;
    let url = format!("{}/api/v1/auth/signin", service.url);
    let send = |body: String| service.client.post(&url).header("content-type", "application/json").body(body).send();
    let malformed = send("{\"email\": ".into()).await.unwrap();
    assert_eq!(malformed.status(), 400);
    let unknown = send(json!({ "email": "a@example.com", "password": "x", "admin": true }).to_string()).await.unwrap();
    assert_eq!(unknown.status(), 422, "unknown fields are refused");
    let huge = send(json!({ "email": "a@example.com", "password": "x".repeat(3 << 20) }).to_string()).await.unwrap();
    assert_eq!(huge.status(), 413, "a body over the limit is refused before any hashing");
    let (status, answer, _) = sign_in(&service, "a@example.com", &"x".repeat(100_000)).await;
    assert_eq!(status, 401, "an overlong password is wrong, not hashed: {answer}");
    for response in [malformed, unknown, huge] {
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    service.running.shutdown().await;
}
