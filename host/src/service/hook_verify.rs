//! The `GET` verification handshake of webhook senders that ask for one before they send
//! (Meta's Graph API, WhatsApp and Instagram, WebSub hubs): `GET /hooks/WS/WORKFLOW?
//! hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` is answered with `C` as plain
//! text when `T` equals the workspace secret the workflow's `webhook.verify_token` names.
//! No run is started; a wrong token is 403, a workflow without `verify_token` 404.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::AppState;
use super::error::{ApiError, ApiResult};

/// The longest challenge echoed back.
const MAX_CHALLENGE: usize = 512;

pub async fn verify(
    State(s): State<AppState>,
    Path((ws, name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match handshake(&s, &ws, &name, &query).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn handshake(s: &AppState, ws: &str, name: &str, query: &HashMap<String, String>) -> ApiResult<Response> {
    let none = || ApiError::not_found(format!("workflow `{name}` in workspace `{ws}` has no webhook verification"));
    let w = s.store.workflow(ws, name).await?.ok_or_else(none)?;
    let plan = s.plans.plan(s, &w).map_err(|_| none())?;
    let secret = plan.triggers.webhook.as_ref().and_then(|h| h.verify_token.clone()).ok_or_else(none)?;
    if query.get("hub.mode").map(String::as_str) != Some("subscribe") {
        return Err(ApiError::invalid("hub.mode must be `subscribe`"));
    }
    let challenge = query.get("hub.challenge").ok_or_else(|| ApiError::invalid("hub.challenge is missing"))?;
    if challenge.is_empty() || challenge.len() > MAX_CHALLENGE || challenge.chars().any(|c| c.is_control()) {
        return Err(ApiError::invalid(format!("hub.challenge must be 1 to {MAX_CHALLENGE} printable characters")));
    }
    let given = query.get("hub.verify_token").map(String::as_bytes).unwrap_or_default();
    let sealed = s.store.secrets(ws).await?.into_iter().find(|x| x.name == secret);
    let expected = match sealed {
        Some(sealed) => s.vault.open(ws, &sealed).map_err(ApiError::internal)?,
        None => {
            tracing::warn!(workspace = %ws, workflow = %name, "webhook verification refused: secret `{secret}` is not set");
            return Err(ApiError::forbidden("the verify token does not match"));
        }
    };
    // Compared as keyed digests, in constant time (the lengths leak nothing either).
    let digest = |token: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"roost webhook verify token").expect("any key length");
        mac.update(token);
        mac
    };
    let wanted = digest(expected.as_bytes()).finalize().into_bytes();
    if digest(given).verify_slice(&wanted).is_err() {
        return Err(ApiError::forbidden("the verify token does not match"));
    }
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], challenge.clone()).into_response())
}
