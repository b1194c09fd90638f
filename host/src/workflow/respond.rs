//! `respond:` steps: the answer to the webhook that started the run, rendered from
//! expressions while the run goes on. The service sends this answer on the workflow's
//! behalf, so what it may hold is checked here: at load time where values are literal
//! (see [`respond_load`](super::respond_load)), and in full when the step renders.
//!
//! ```yaml
//! - id: answer
//!   respond:
//!     status: 201
//!     headers: { x-score: "${{ steps.score.output.label }}" }
//!     body: { received: "${{ trigger.body.id }}" }
//! ```

use serde_json::{Map, Value, json};

use super::limits::{bytes_text, json_text_within};
use super::template::{RenderError, Scope, Template, json_kind};

/// Most headers one answer may set: each is held with the step's output and sent as is.
pub const MAX_RESPOND_HEADERS: usize = 20;

/// Longest header value, in bytes: proxies and clients refuse headers of a few KiB, and
/// the value is stored with the step.
pub const MAX_HEADER_VALUE: usize = 4096;

/// Largest body, in bytes as sent (a JSON value serialised): the answer is stored with
/// the step and held in memory while it is sent.
pub const MAX_RESPOND_BODY: usize = 1 << 20;

/// Headers the service owns: the message's framing (a workflow's `content-length` or
/// `transfer-encoding` would let its data smuggle a second response), the connection's
/// own (hop-by-hop), and the cookies, content and transport policy of Roost's origin,
/// which the API and the web UI share: the service sends every answer sandboxed, so a
/// body that a browser would run as a page cannot act as Roost's origin. Nor may an
/// answer send a browser elsewhere (`location`, `refresh`, `link`), clear the origin's
/// storage and sessions (`clear-site-data`), ask for credentials in its name
/// (`www-authenticate`), or change how the origin is reached or served (`alt-svc`,
/// `service-worker-allowed`).
pub const RESERVED_HEADERS: [&str; 26] = [
    "alt-svc",
    "clear-site-data",
    "connection",
    "content-encoding",
    "content-length",
    "content-security-policy",
    "date",
    "host",
    "keep-alive",
    "link",
    "location",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "refresh",
    "server",
    "service-worker-allowed",
    "set-cookie",
    "set-cookie2",
    "strict-transport-security",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "www-authenticate",
    "x-content-type-options",
];

/// The prefix of the headers Roost adds itself (`x-roost-run-id`).
pub const RESERVED_PREFIX: &str = "x-roost-";

/// The content type of a body that is a string, unless the workflow sets one.
pub const TEXT_TYPE: &str = "text/plain; charset=utf-8";

/// The content type of a body that is any other JSON value, unless the workflow sets one.
pub const JSON_TYPE: &str = "application/json";

/// An answer to the webhook that started the run. Its output is `{status, headers, body}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Respond {
    /// The HTTP status, 200 to 599 (default 200).
    pub status: Template,
    /// Header names in lowercase, each with its value.
    pub headers: Vec<(String, Template)>,
    /// A string is sent as text, another value as JSON; none (or null) sends no body.
    pub body: Option<Template>,
}

impl Default for Respond {
    fn default() -> Self {
        Respond { status: Template::literal(json!(200)), headers: Vec::new(), body: None }
    }
}

impl Respond {
    /// Renders and checks the answer: `{status, headers, body}` with the headers'
    /// names in lowercase and a `content-type` chosen by the body when none is set. An
    /// error names the field (`respond.headers.x-id`) and what is wrong.
    pub fn render(&self, scope: &Scope<'_>) -> Result<Value, String> {
        let status = self.status.render(scope).map_err(|e| unrenderable("status", &e))?;
        let status = status_code(&status).map_err(|problem| format!("`respond.status` {problem}"))?;
        let mut headers = Map::new();
        for (name, template) in &self.headers {
            let field = format!("headers.{name}");
            let value = template.render(scope).map_err(|e| unrenderable(&field, &e))?;
            let text = header_value(&value).map_err(|problem| format!("`respond.{field}` {problem}"))?;
            headers.insert(name.clone(), Value::String(text));
        }
        let body = match &self.body {
            Some(template) => template.render(scope).map_err(|e| unrenderable("body", &e))?,
            None => Value::Null,
        };
        body_fits(status, &body).map_err(|problem| format!("`respond.body` {problem}"))?;
        if let Some(kind) = content_type(&body) {
            headers.entry("content-type").or_insert_with(|| Value::String(kind.into()));
        }
        Ok(json!({ "status": status, "headers": headers, "body": body }))
    }
}

fn unrenderable(field: &str, e: &RenderError) -> String {
    format!("`respond.{field}` could not be evaluated: {e}")
}

/// A status from 200 to 599 but no redirect (3xx), given as a number or a string of digits.
pub fn status_code(value: &Value) -> Result<u16, String> {
    let code = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match code.filter(|c| (200..=599).contains(c)) {
        Some(code) if (300..=399).contains(&code) => Err(format!(
            "must not be a redirect: Roost's origin does not redirect for a workflow, found {}",
            shown(value)
        )),
        Some(code) => Ok(code as u16),
        None => Err(format!("must be an HTTP status from 200 to 599, found {}", shown(value))),
    }
}

/// The name in lowercase, when it is an HTTP token that the service does not own.
pub fn header_name(name: &str) -> Result<String, String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || name.len() > 64 || !name.bytes().all(token) {
        return Err(format!("`{}` is not a header name: use 1 to 64 letters, digits and `-`", name.escape_debug()));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with(RESERVED_PREFIX) {
        return Err(format!("header `{lower}` is set by Roost itself and cannot be set by a workflow"));
    }
    Ok(lower)
}

/// A header's text: a string, number or boolean on one line of at most
/// [`MAX_HEADER_VALUE`] bytes, without control characters (CR and LF would start a
/// header of the data's choosing).
pub fn header_value(value: &Value) -> Result<String, String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        other => return Err(format!("must be a string, number or boolean, found {}", json_kind(other))),
    };
    if text.len() > MAX_HEADER_VALUE {
        return Err(format!("is longer than {}", bytes_text(MAX_HEADER_VALUE)));
    }
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err("holds a control character (such as CR, LF or NUL): a header value is one line".into());
    }
    Ok(text)
}

/// Whether `body` may go with `status`: at most [`MAX_RESPOND_BODY`] as sent, and
/// nothing with 204 or 304, which carry no body.
pub fn body_fits(status: u16, body: &Value) -> Result<(), String> {
    let fits = match body {
        Value::String(s) => s.len() <= MAX_RESPOND_BODY,
        other => json_text_within(other, MAX_RESPOND_BODY).is_some(),
    };
    if !fits {
        return Err(format!("is larger than {}", bytes_text(MAX_RESPOND_BODY)));
    }
    if matches!(status, 204 | 304) && !body.is_null() {
        return Err(format!("must be empty with status {status}, which carries no body"));
    }
    Ok(())
}

/// The content type a body is sent with when the workflow sets none.
fn content_type(body: &Value) -> Option<&'static str> {
    match body {
        Value::Null => None,
        Value::String(_) => Some(TEXT_TYPE),
        _ => Some(JSON_TYPE),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("`{}`", s.chars().take(40).collect::<String>().escape_debug()),
        other => json_kind(other).to_string(),
    }
}
