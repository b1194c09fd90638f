//! A loopback receiver for notifications, on three routes:
//!
//! - `POST /hook`: a webhook that, once given a key, accepts only requests whose
//!   `X-Roost-Signature: sha256=<hex>` is the HMAC-SHA256 of the exact body and whose
//!   `X-Roost-Timestamp` is within five minutes (401 otherwise), and keeps one delivery
//!   per `X-Roost-Delivery`;
//! - `POST /slack/{hook}`: a Slack incoming webhook answering Slack's exact texts (`ok`,
//!   or queued errors such as 400 `invalid_payload`, 404 `no_service`, 410
//!   `channel_is_archived`, 429 with `Retry-After`);
//! - `PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`: a Matrix room
//!   send that checks the Bearer token and membership, keeps one event per transaction id
//!   and answers `M_LIMIT_EXCEEDED` on demand.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

/// The Matrix access token the receiver accepts.
pub const MATRIX_TOKEN: &str = "syt_loopback_token";
/// The one room the Matrix account has joined.
pub const ROOM: &str = "!room:loopback.test";

/// One webhook delivery that was accepted.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub event: Option<String>,
    pub body: Value,
}

/// One Matrix event that was created.
#[derive(Debug, Clone)]
pub struct MatrixEvent {
    pub event_id: String,
    pub txn_id: String,
    /// The request path as sent, still percent-encoded.
    pub raw_path: String,
    pub content: Value,
}

#[derive(Default)]
struct ServerState {
    key: Option<String>,
    hook_requests: usize,
    rejected: usize,
    deliveries: Vec<Delivery>,
    slack_script: VecDeque<(u16, &'static str, Option<u32>)>,
    slack_messages: Vec<Value>,
    matrix_limited: usize,
    matrix_requests: usize,
    matrix_events: Vec<MatrixEvent>,
}

/// A loopback notification receiver; clones share state.
#[derive(Clone, Default)]
pub struct Receiver {
    state: Arc<Mutex<ServerState>>,
}

impl Receiver {
    pub async fn start() -> (Self, SocketAddr) {
        let server = Receiver::default();
        let app = Router::new()
            .route("/hook", post(hook))
            .route("/slack/{*hook}", post(slack))
            .route("/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}", put(matrix))
            .with_state(server.clone());
        let addr = crate::support::serve_loopback(app).await;
        (server, addr)
    }

    fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap()
    }

    /// From now on `/hook` requires signatures made with `key`.
    pub fn require_signature(&self, key: &str) {
        self.lock().key = Some(key.into());
    }

    /// The accepted deliveries, one per delivery id.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.lock().deliveries.clone()
    }

    /// How many requests `/hook` got, and how many it refused with 401.
    pub fn hook_counts(&self) -> (usize, usize) {
        let state = self.lock();
        (state.hook_requests, state.rejected)
    }

    /// Answers the next Slack post with `status` and `text` (and `Retry-After`).
    pub fn slack_answer(&self, status: u16, text: &'static str, retry_after: Option<u32>) {
        self.lock().slack_script.push_back((status, text, retry_after));
    }

    /// The bodies of the Slack posts that were answered `ok`.
    pub fn slack_messages(&self) -> Vec<Value> {
        self.lock().slack_messages.clone()
    }

    /// Answers the next `n` Matrix sends with 429 `M_LIMIT_EXCEEDED`.
    pub fn matrix_limit(&self, n: usize) {
        self.lock().matrix_limited = n;
    }

    /// How many Matrix send requests arrived, and the events they created.
    pub fn matrix(&self) -> (usize, Vec<MatrixEvent>) {
        let state = self.lock();
        (state.matrix_requests, state.matrix_events.clone())
    }
}

fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Why a signed request is refused, or `None` when it is good.
fn signature_problem(key: &str, headers: &HeaderMap, body: &[u8]) -> Option<&'static str> {
    let Some(signature) = text(headers, "x-roost-signature") else { return Some("missing X-Roost-Signature") };
    let Some(hex_mac) = signature.strip_prefix("sha256=") else { return Some("signature is not sha256=<hex>") };
    let Ok(mac_bytes) = hex::decode(hex_mac) else { return Some("signature is not hex") };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    if mac.verify_slice(&mac_bytes).is_err() {
        return Some("signature does not match the body");
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    match text(headers, "x-roost-timestamp").and_then(|t| t.parse::<u64>().ok()) {
        Some(t) if t.abs_diff(now) <= 300 => None,
        _ => Some("X-Roost-Timestamp missing or more than five minutes off"),
    }
}

async fn hook(State(server): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let mut state = server.lock();
    state.hook_requests += 1;
    if let Some(problem) = state.key.as_deref().and_then(|key| signature_problem(key, &headers, &body)) {
        state.rejected += 1;
        return (StatusCode::UNAUTHORIZED, problem).into_response();
    }
    let Some(id) = text(&headers, "x-roost-delivery") else {
        return (StatusCode::BAD_REQUEST, "missing X-Roost-Delivery").into_response();
    };
    if state.deliveries.iter().any(|d| d.id == id) {
        return (StatusCode::OK, axum::Json(json!({"duplicate": true}))).into_response();
    }
    let Ok(body) = serde_json::from_slice(&body) else { return (StatusCode::BAD_REQUEST, "not JSON").into_response() };
    state.deliveries.push(Delivery { id, event: text(&headers, "x-roost-event"), body });
    (StatusCode::OK, axum::Json(json!({"duplicate": false}))).into_response()
}

async fn slack(State(server): State<Receiver>, body: Bytes) -> Response {
    let mut state = server.lock();
    if let Some((status, text, retry_after)) = state.slack_script.pop_front() {
        let mut response = (StatusCode::from_u16(status).unwrap(), text).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        return response;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    if !body["text"].is_string() && !body["blocks"].is_array() {
        return (StatusCode::BAD_REQUEST, "no_text").into_response();
    }
    state.slack_messages.push(body);
    (StatusCode::OK, "ok").into_response()
}

fn matrix_error(status: StatusCode, errcode: &str, error: &str) -> Response {
    (status, axum::Json(json!({"errcode": errcode, "error": error}))).into_response()
}

async fn matrix(
    State(server): State<Receiver>,
    Path((room, txn)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = server.lock();
    state.matrix_requests += 1;
    if text(&headers, "authorization").as_deref() != Some(&format!("Bearer {MATRIX_TOKEN}")) {
        return matrix_error(StatusCode::UNAUTHORIZED, "M_UNKNOWN_TOKEN", "Invalid access token passed.");
    }
    if state.matrix_limited > 0 {
        state.matrix_limited -= 1;
        let body = json!({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 1500});
        return (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    }
    if room != ROOM {
        return matrix_error(StatusCode::FORBIDDEN, "M_FORBIDDEN", &format!("User is not in room {room}"));
    }
    let Ok(content) = serde_json::from_slice::<Value>(&body) else {
        return matrix_error(StatusCode::BAD_REQUEST, "M_NOT_JSON", "Content not JSON.");
    };
    // The same transaction id gives back the same event instead of a second one.
    let event_id = match state.matrix_events.iter().find(|e| e.txn_id == txn) {
        Some(event) => event.event_id.clone(),
        None => {
            let event_id = format!("$event{}:loopback.test", state.matrix_events.len() + 1);
            let raw_path = uri.path().to_string();
            state.matrix_events.push(MatrixEvent { event_id: event_id.clone(), txn_id: txn, raw_path, content });
            event_id
        }
    };
    axum::Json(json!({"event_id": event_id})).into_response()
}
