//! A loopback OpenAI-compatible chat-completions server (`POST /v1/chat/completions`,
//! `GET /v1/models`) that records every request. Unless a scripted answer is queued it
//! answers like Ollama's `/v1`: a completion for a model it serves, a 404
//! `not_found_error` for any other. Queued answers give each error shape in turn: OpenAI
//! and Ollama `/v1`, Ollama's native string, llama.cpp, old vLLM, and plain text.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The models the server serves.
pub const MODELS: &[&str] = &["llama3.2", "qwen3:8b"];

/// How an error body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"error": {"message", "type", "param", "code"}}` (OpenAI, Ollama `/v1`, new vLLM).
    OpenAi,
    /// `{"error": "…"}` (Ollama's native API).
    OllamaNative,
    /// `{"error": {"code", "message", "type"}}` (llama.cpp server).
    LlamaCpp,
    /// `{"object": "error", "message", "type", "param", "code"}` (older vLLM).
    VllmFlat,
    /// The message as `text/plain`.
    Plain,
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A completion with one choice per content.
    Contents(Vec<String>),
    /// An error in `shape`, with `Retry-After: retry_after` when given.
    Error { status: u16, shape: Shape, message: String, retry_after: Option<u32> },
}

impl Answer {
    pub fn error(status: u16, shape: Shape, message: &str) -> Self {
        Self::Error { status, shape, message: message.into(), retry_after: None }
    }
}

/// One chat-completions request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// The content of the message with `role`.
    pub fn message(&self, role: &str) -> String {
        let messages = self.body["messages"].as_array().cloned().unwrap_or_default();
        let found = messages.iter().find(|m| m["role"] == role);
        found.and_then(|m| m["content"].as_str()).unwrap_or_default().to_string()
    }
}

#[derive(Default)]
struct ServerState {
    script: VecDeque<Answer>,
    seen: Vec<Seen>,
}

/// A loopback OpenAI-compatible server; clones share state.
#[derive(Clone, Default)]
pub struct OpenAi {
    state: Arc<Mutex<ServerState>>,
}

impl OpenAi {
    pub async fn start() -> (Self, SocketAddr) {
        let server = OpenAi::default();
        let app = Router::new().fallback(handle).with_state(server.clone());
        let addr = crate::support::serve_loopback(app).await;
        (server, addr)
    }

    fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap()
    }

    /// Queues `answer` for the next completion request (answers are used in order).
    pub fn push(&self, answer: Answer) {
        self.lock().script.push_back(answer);
    }

    /// Every completion request so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }
}

async fn handle(State(server): State<OpenAi>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    match (method.as_str(), uri.path()) {
        ("GET", "/v1/models") => {
            let data: Vec<Value> =
                MODELS.iter().map(|m| json!({"id": m, "object": "model", "owned_by": "library"})).collect();
            axum::Json(json!({"object": "list", "data": data})).into_response()
        }
        ("POST", "/v1/chat/completions") => {
            let Ok(body) = serde_json::from_slice::<Value>(&body) else {
                return error(400, Shape::OpenAi, "invalid JSON body", None);
            };
            let seen = Seen { headers, body: body.clone() };
            let scripted = {
                let mut state = server.lock();
                state.seen.push(seen);
                state.script.pop_front()
            };
            match scripted {
                Some(Answer::Contents(contents)) => completion(&body, &contents),
                Some(Answer::Error { status, shape, message, retry_after }) => {
                    error(status, shape, &message, retry_after)
                }
                None => default_answer(&body),
            }
        }
        _ => (StatusCode::NOT_FOUND, "404 page not found").into_response(),
    }
}

/// What Ollama does: a caption for a served model, `not_found_error` for another.
fn default_answer(body: &Value) -> Response {
    let model = body["model"].as_str().unwrap_or_default();
    if !MODELS.contains(&model) {
        return error(404, Shape::OpenAi, &format!("model \"{model}\" not found, try pulling it first"), None);
    }
    let user = body["messages"].as_array().and_then(|m| m.iter().find(|m| m["role"] == "user")).cloned();
    let user = user.and_then(|m| m["content"].as_str().map(String::from)).unwrap_or_default();
    let topic = user.lines().find_map(|l| l.strip_prefix("Topic: ")).unwrap_or("something");
    let content = format!("\"Take {}: all about {topic}. #Loopback\"", body["seed"]);
    completion(body, &[content])
}

fn completion(request: &Value, contents: &[String]) -> Response {
    let choices: Vec<Value> = contents
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"index": i, "message": {"role": "assistant", "content": c}, "finish_reason": "stop"}))
        .collect();
    axum::Json(json!({
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": 1_755_770_000,
        "model": request["model"],
        "system_fingerprint": "fp_loopback",
        "choices": choices,
        "usage": {"prompt_tokens": 52, "completion_tokens": 24, "total_tokens": 76},
    }))
    .into_response()
}

fn error(status: u16, shape: Shape, message: &str, retry_after: Option<u32>) -> Response {
    let code = StatusCode::from_u16(status).unwrap();
    let body = match shape {
        Shape::OpenAi => {
            let kind = match status {
                400 => "invalid_request_error",
                404 => "not_found_error",
                _ => "api_error",
            };
            json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
        }
        Shape::OllamaNative => json!({"error": message}),
        Shape::LlamaCpp => {
            let kind = match status {
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                501 => "not_supported_error",
                503 => "unavailable_error",
                400 => "invalid_request_error",
                _ => "server_error",
            };
            json!({"error": {"code": status, "message": message, "type": kind}})
        }
        Shape::VllmFlat => {
            json!({"object": "error", "message": message, "type": "BadRequestError", "param": null, "code": status})
        }
        Shape::Plain => {
            let mut response = (code, message.to_string()).into_response();
            add_retry_after(&mut response, retry_after);
            return response;
        }
    };
    let mut response = (code, axum::Json(body)).into_response();
    add_retry_after(&mut response, retry_after);
    response
}

fn add_retry_after(response: &mut Response, seconds: Option<u32>) {
    if let Some(seconds) = seconds {
        response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
}
