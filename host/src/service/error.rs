//! API errors: a stable code, a message for people, optional details; internals never leak.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

/// An error answered as `{"error": {"code", "message", "details"?}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `unauthorized`, `forbidden`, `not_found`, `invalid_request`,
    /// `invalid_workflow`, `invalid_inputs`, `conflict`, `quota_exceeded`,
    /// `method_not_allowed`, `payload_too_large`, `unsupported_media_type`, `uri_too_long`,
    /// `headers_too_large`, `internal`; for people: `csrf_failed`, `rate_limited`, `expired`
    /// (an invitation), `oidc_failed`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: None }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    /// A failure inside Roost: logged in full, answered without detail.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        let id = uuid::Uuid::now_v7();
        tracing::error!(error_id = %id, "internal error: {error}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("internal error {id}; see the server log"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ErrorDetail { code: self.code.into(), message: self.message, details: self.details } };
        (self.status, Json(body)).into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::RunNotFound(id) => Self::not_found(format!("run `{id}` not found")),
            other => Self::internal(other),
        }
    }
}

impl From<crate::engine::EngineError> for ApiError {
    fn from(e: crate::engine::EngineError) -> Self {
        match e {
            crate::engine::EngineError::Store(s) => s.into(),
            crate::engine::EngineError::Invalid(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            crate::engine::EngineError::Edit(m) => Self::invalid(m),
            other => Self::internal(other),
        }
    }
}

/// The result type of every handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// The most of a framework rejection's plain-text body read into the envelope: its texts
/// are one line, and a hostile response must not make the service buffer more.
const MAX_REJECTION_TEXT: usize = 4 << 10;

/// The most of a request's path an error repeats, so a long path cannot flood answers or logs.
const SHOWN_PATH_CHARS: usize = 200;

/// The longest path and query the service reads: no route needs more, and a longer one is
/// refused here, in the envelope, well below the HTTP server's own limit (which closes the
/// connection with a bare 414).
pub const MAX_URI_BYTES: usize = 8 << 10;

/// The most header bytes (names and values) of one request, for the same reason: the HTTP
/// server's own limit answers a bare 431.
pub const MAX_HEADER_BYTES: usize = 32 << 10;

/// 414 or 431 in the envelope when the request's URI or headers are larger than the service reads.
fn oversized(request: &axum::extract::Request) -> Option<ApiError> {
    let uri = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri > MAX_URI_BYTES {
        let message =
            format!("the request's path and query are {uri} bytes, more than the {MAX_URI_BYTES} the service reads");
        return Some(ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long", message));
    }
    let headers: usize = request.headers().iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    (headers > MAX_HEADER_BYTES).then(|| {
        let message =
            format!("the request's headers are {headers} bytes, more than the {MAX_HEADER_BYTES} the service reads");
        ApiError::new(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", message)
    })
}

/// Marks a response to send as the handler built it, whatever its status: a workflow's
/// own answer to its webhook (a `respond` step's), which is not the service's error.
#[derive(Debug, Clone, Copy)]
pub struct Verbatim;

/// Puts every error the framework answers by itself (a JSON body that does not parse or
/// fit, 413, 415, an unknown route, 405, a path or query that does not parse) into the one
/// envelope, so no client ever has to handle plain text. Handlers' own errors are
/// [`ApiError`]s already and pass through untouched.
pub async fn envelope(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if let Some(refused) = oversized(&request) {
        return refused.into_response();
    }
    let method = request.method().clone();
    let path: String = request.uri().path().chars().take(SHOWN_PATH_CHARS).collect();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let verbatim = response.extensions().get::<Verbatim>().is_some();
    if !(status.is_client_error() || status.is_server_error()) || is_json || verbatim {
        return response;
    }
    let allow = response.headers().get(axum::http::header::ALLOW).cloned();
    let text = match axum::body::to_bytes(response.into_body(), MAX_REJECTION_TEXT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let mut answer = rejection(status, &method, &path, &text, allow.as_ref()).into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(axum::http::header::ALLOW, allow);
    }
    answer
}

/// The envelope of a framework rejection: its code from the status, its message from the
/// framework's text (which names the field, line and column) or, if it has none, from
/// what was asked.
fn rejection(
    status: StatusCode,
    method: &axum::http::Method,
    path: &str,
    text: &str,
    allow: Option<&axum::http::HeaderValue>,
) -> ApiError {
    let code = match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        s if s.is_server_error() => "internal",
        _ => "invalid_request",
    };
    let message = match (status, text.is_empty()) {
        (StatusCode::NOT_FOUND, true) => {
            format!("no route `{method} {path}`; the API is described at /api/v1/openapi.json")
        }
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            let allowed = allow.and_then(|v| v.to_str().ok()).unwrap_or("another method");
            format!("`{path}` does not accept `{method}`; it accepts {allowed}")
        }
        (StatusCode::PAYLOAD_TOO_LARGE, _) => {
            format!("the request body to `{path}` is larger than the service accepts")
        }
        (_, true) => format!("`{method} {path}` was refused: {}", status.canonical_reason().unwrap_or("error")),
        (_, false) => lowercase_first(text),
    };
    ApiError::new(status, code, message)
}

/// Framework texts begin with a capital ("Failed to parse..."); ours are lowercase.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}
