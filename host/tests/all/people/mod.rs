//! People: accounts, sessions by cookie with CSRF, invitations, personal tokens and OpenID
//! sign-in, against a real service over a SQLite file (and, for OpenID, a real provider).
//! This module holds what they share: accounts made in the store, cookies carried by hand.

mod accounts;
mod browser;
mod cli;
mod invitations;
mod oidc;

use reqwest::Method;
use roost::service::people::password;
use serde_json::Value;

use crate::serve::Service;

/// A password every test account has.
pub const PASSWORD: &str = "a long enough password";

/// Makes an account for `email` with [`PASSWORD`], a member of each `(workspace, role)`.
pub async fn account(service: &Service, email: &str, roles: &[(&str, &str)]) -> String {
    let store = &service.state().store;
    let user = store.create_user(email, Some(&password::hash(PASSWORD).unwrap()), false).await.unwrap().unwrap();
    for (ws, role) in roles {
        store.set_membership(&user.id, ws, role).await.unwrap();
    }
    user.id
}

/// A browser's sign-in, as far as the API can tell: its cookie and CSRF token.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// Signs in with `email` and `password`: (status, body, the session when it worked).
pub async fn sign_in(service: &Service, email: &str, password: &str) -> (u16, Value, Option<(Session, String)>) {
    let body = serde_json::json!({ "email": email, "password": password });
    let resp = service.client.post(format!("{}/api/v1/auth/signin", service.url)).json(&body).send().await.unwrap();
    let status = resp.status().as_u16();
    let set_cookie = resp.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string());
    let body: Value = resp.json().await.unwrap();
    let session = set_cookie.map(|header| {
        let cookie = header.split(';').next().unwrap().to_string();
        (Session { cookie, csrf: body["csrf"].as_str().unwrap_or_default().to_string() }, header)
    });
    (status, body, session)
}

/// Signs in and panics unless it worked.
pub async fn signed_in(service: &Service, email: &str) -> Session {
    let (status, body, session) = sign_in(service, email, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    session.unwrap().0
}

/// `method path` with the session's cookie, and its CSRF token when `csrf`.
pub async fn call(
    service: &Service,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
    csrf: bool,
) -> (u16, Value) {
    let mut req = service.client.request(method, format!("{}{path}", service.url)).header("cookie", &session.cookie);
    if csrf {
        req = req.header("x-csrf-token", &session.csrf);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
