//! Chat completions against an OpenAI-compatible server (OpenAI, Ollama, vLLM,
//! llama.cpp), every server's error shape mapped to a step error, and the answer inside
//! a reply (reasoning blocks and Markdown fences removed).
//!
//! Error bodies read: `{"error": {"message", "type", "code"}}` (OpenAI, Ollama `/v1`,
//! vLLM, llama.cpp), `{"error": "…"}` (Ollama's native API), `{"object": "error",
//! "message", …}` (old vLLM), and plain text (proxies, `404 page not found`).
//!
//! 408, 429, 5xx and connection failures are retryable (after `Retry-After` when given);
//! 400 and 404 are invalid input naming the model (or the endpoint, when the body shows
//! there is no chat-completions API there); 401 and 403 are fatal.
//!
//! ```no_run
//! use roost_sdk::openai::{Model, Options};
//! # fn ask() -> Result<(), roost_sdk::StepError> {
//! let model = Model::new("http://localhost:11434/v1", Some("llama3.2"))?;
//! let messages = serde_json::json!([{ "role": "user", "content": "Say hi" }]);
//! let replies = model.complete(&messages, &Options::default())?;
//! let first = replies.first().map(|c| roost_sdk::openai::answer(c));
//! # Ok(()) }
//! ```

use crate::http::{Request, Response};
use crate::secrets::{self, SecretError};
use crate::{StepError, Value, json};

/// The secret sent as `Authorization: Bearer …` when the workspace has set it; a
/// manifest declares it with the hosts it may go to.
pub const API_KEY: &str = "OPENAI_API_KEY";

/// The sampling and the time of one completion request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub temperature: f64,
    /// The most tokens the reply may take (reasoning models think before they answer).
    pub max_tokens: u32,
    pub seed: u64,
    /// How long the request may take; the host shortens it to the step's remaining time.
    pub timeout_ms: u32,
}

/// Varied replies (temperature 0.8), room for a short text after a reasoning model's
/// thoughts (1024 tokens), and two minutes, which a local model on a CPU may need.
impl Default for Options {
    fn default() -> Self {
        Self { temperature: 0.8, max_tokens: 1024, seed: 1, timeout_ms: 120_000 }
    }
}

/// A model served by an OpenAI-compatible server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model<'a> {
    /// The base URL, e.g. `http://localhost:11434/v1`.
    pub endpoint: &'a str,
    pub model: &'a str,
}

impl<'a> Model<'a> {
    /// The model named by a step's `endpoint` and `model` inputs, both trimmed; invalid
    /// input when the endpoint is not an http(s) URL or the model is missing.
    pub fn new(endpoint: &'a str, model: Option<&'a str>) -> Result<Self, StepError> {
        let endpoint = endpoint.trim();
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(StepError::invalid_input(format!(
                "`endpoint` {endpoint:?} is not an http(s) URL; give the server's base URL, e.g. http://localhost:11434/v1"
            )));
        }
        match model.map(str::trim).filter(|m| !m.is_empty()) {
            Some(model) => Ok(Self { endpoint, model }),
            None => Err(StepError::invalid_input(
                "`model` is required with `endpoint`: name a model the server serves, e.g. llama3.2 for Ollama",
            )),
        }
    }

    /// `{endpoint}/chat/completions`, whether or not the endpoint ends in `/`.
    pub fn url(&self) -> String {
        format!("{}/chat/completions", self.endpoint.trim_end_matches('/'))
    }

    /// The contents of the choices of one completion of `messages`.
    pub fn complete(&self, messages: &Value, options: &Options) -> Result<Vec<String>, StepError> {
        let body = json!({
            "model": self.model,
            "messages": messages,
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
            "seed": options.seed,
            "stream": false,
        });
        let mut request = Request::post(&self.url())
            .header("Content-Type", "application/json")
            .body(inert_json(&body))
            .timeout_ms(options.timeout_ms);
        if let Some(key) = api_key()? {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let response = request.send().map_err(|e| {
            let e = StepError::from(e);
            with_message(&e, format!("calling the model server at {}: {}", self.url(), e.message()))
        })?;
        if response.status >= 400 {
            return Err(self.failure(&response));
        }
        self.contents(&response)
    }

    fn contents(&self, response: &Response) -> Result<Vec<String>, StepError> {
        let not_completion = |why: String| {
            StepError::fatal(format!(
                "{} did not answer with a chat completion ({why}); `endpoint` must be the base URL of an \
                 OpenAI-compatible API, such as http://localhost:11434/v1 for Ollama",
                self.url()
            ))
        };
        let value: Value = serde_json::from_slice(&response.body).map_err(|e| not_completion(e.to_string()))?;
        if let Some(message) = error_message(&value) {
            return Err(self.failure_with(response, message));
        }
        let choices =
            value.get("choices").and_then(Value::as_array).ok_or_else(|| not_completion("no `choices`".into()))?;
        Ok(choices
            .iter()
            .filter_map(|c| c.pointer("/message/content").and_then(Value::as_str))
            .map(String::from)
            .collect())
    }

    /// The step error for an error response.
    fn failure(&self, response: &Response) -> StepError {
        let detail = serde_json::from_slice::<Value>(&response.body).ok().and_then(|v| error_message(&v));
        match detail {
            Some(detail) => self.failure_with(response, detail),
            None => {
                let text = plain(&response.text());
                if response.status == 404 {
                    return StepError::invalid_input(format!(
                        "`endpoint`: {} has no chat-completions API (HTTP 404: {text}); the base URL usually \
                         ends in /v1, e.g. http://localhost:11434/v1",
                        self.url()
                    ));
                }
                self.failure_with(response, text)
            }
        }
    }

    fn failure_with(&self, response: &Response, detail: String) -> StepError {
        let status = response.status;
        let url = self.url();
        match status {
            401 => StepError::fatal(format!(
                "{url} refused the API key (HTTP 401: {detail}); set the workspace secret {API_KEY} to a valid key"
            )),
            403 => {
                StepError::fatal(format!("{url} refused the request (HTTP 403: {detail}); check the key's permissions"))
            }
            400 | 404 | 422 => StepError::invalid_input(format!(
                "`model`: {url} refused model `{}` (HTTP {status}: {detail}); check that the server serves \
                 this model (for Ollama: `ollama list`, `ollama pull {}`)",
                self.model, self.model
            )),
            408 | 409 | 429 | 500.. => {
                let message = format!("{url} is busy or failing (HTTP {status}: {detail})");
                match response.retry_after_ms() {
                    Some(ms) => StepError::retry_after(message, ms),
                    None => StepError::retryable(message),
                }
            }
            _ => StepError::fatal(format!("{url} answered HTTP {status}: {detail}")),
        }
    }
}

/// The answer in a reply's content: without `<think>…</think>` blocks that reasoning
/// models put before it, and the inside of a Markdown code fence when the whole answer is
/// one; trimmed.
pub fn answer(content: &str) -> String {
    strip_fences(strip_reasoning(content).trim()).to_string()
}

fn strip_reasoning(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find("<think>") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("</think>").map_or("", |end| &rest[start + end + "</think>".len()..]);
    }
    out.push_str(rest);
    out
}

fn strip_fences(text: &str) -> &str {
    let Some(inner) = text.strip_prefix("```").and_then(|t| t.strip_suffix("```")) else { return text };
    // The opening fence may name a language: ```json or ```text.
    match inner.split_once('\n') {
        Some((first, body)) if !first.trim().contains(' ') => body.trim(),
        _ => inner.trim(),
    }
}

/// `value` as JSON in which no string reads `{{secret:…}}`: the host fills placeholders
/// into bodies, and a text sent to the model must not make it insert a secret. The JSON
/// escape `\u0073` is the letter `s`, so the server reads the same text.
fn inert_json(value: &Value) -> Vec<u8> {
    value.to_string().replace("{{secret:", "{{\\u0073ecret:").into_bytes()
}

/// `Some(placeholder)` when the workspace has set the API key, `None` when it has not.
fn api_key() -> Result<Option<String>, StepError> {
    match secrets::placeholder(API_KEY) {
        Ok(placeholder) => Ok(Some(placeholder)),
        Err(SecretError::NotSet(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The message of any of the error shapes, with its type when there is one.
fn error_message(value: &Value) -> Option<String> {
    let error = value.get("error");
    let flat = value.get("object").and_then(Value::as_str) == Some("error");
    let message = match error {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(e @ Value::Object(_)) => e.get("message").and_then(Value::as_str),
        _ if flat => value.get("message").and_then(Value::as_str),
        _ => None,
    }?;
    let kind = error.and_then(|e| e.get("type")).or_else(|| flat.then(|| value.get("type")).flatten());
    Some(match kind.and_then(Value::as_str) {
        Some(kind) => format!("{message} [{kind}]"),
        None => message.to_string(),
    })
}

/// The start of a plain-text body, on one line.
fn plain(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None if line.is_empty() => "empty body".into(),
        None => line,
    }
}

/// `error` of the same kind, with `message`.
fn with_message(error: &StepError, message: String) -> StepError {
    match error {
        StepError::InvalidInput(_) => StepError::InvalidInput(message),
        StepError::Retryable { after_ms, .. } => StepError::Retryable { message, after_ms: *after_ms },
        StepError::Fatal(_) => StepError::Fatal(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_error_shape() {
        let openai =
            json!({"error": {"message": "model not found", "type": "not_found_error", "param": null, "code": null}});
        assert_eq!(error_message(&openai).unwrap(), "model not found [not_found_error]");
        let llama = json!({"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}});
        assert_eq!(error_message(&llama).unwrap(), "Loading model [unavailable_error]");
        let ollama = json!({"error": "model 'x' not found"});
        assert_eq!(error_message(&ollama).unwrap(), "model 'x' not found");
        let vllm_old =
            json!({"object": "error", "message": "bad", "type": "BadRequestError", "param": null, "code": 400});
        assert_eq!(error_message(&vllm_old).unwrap(), "bad [BadRequestError]");
        assert_eq!(error_message(&json!({"choices": []})), None);
        assert_eq!(error_message(&json!({"message": "not flagged as an error"})), None);
    }

    #[test]
    fn plain_bodies_are_shortened_to_one_line() {
        assert_eq!(plain("404 page\nnot found\n"), "404 page not found");
        assert_eq!(plain(""), "empty body");
        assert_eq!(plain(&"x ".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn bodies_carry_no_placeholder() {
        let body = json!({"messages": [{"content": "Topic: {{secret:OPENAI_API_KEY}}"}]});
        let bytes = inert_json(&body);
        assert!(!String::from_utf8_lossy(&bytes).contains("{{secret:"));
        assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), body);
    }

    #[test]
    fn url_joins_the_endpoint() {
        let m = |endpoint| Model::new(endpoint, Some("m")).unwrap().url();
        assert_eq!(m("http://localhost:11434/v1"), "http://localhost:11434/v1/chat/completions");
        assert_eq!(m(" https://api.example.com/v1/ "), "https://api.example.com/v1/chat/completions");
    }

    #[test]
    fn new_wants_an_http_url_and_a_model() {
        let invalid = |e: StepError, what: &str| matches!(e, StepError::InvalidInput(m) if m.starts_with(what));
        assert!(invalid(Model::new("localhost:11434", Some("m")).unwrap_err(), "`endpoint`"));
        assert!(invalid(Model::new("http://h/v1", None).unwrap_err(), "`model` is required"));
        assert!(invalid(Model::new("http://h/v1", Some("  ")).unwrap_err(), "`model` is required"));
        assert_eq!(Model::new("http://h/v1", Some(" m ")).unwrap().model, "m");
    }

    #[test]
    fn answers_lose_reasoning_and_fences() {
        assert_eq!(answer("<think>hmm</think>\n\n[1]"), "[1]");
        assert_eq!(answer("```json\n[{\"id\": 1}]\n```"), "[{\"id\": 1}]");
        assert_eq!(answer("```\nplain\n```"), "plain");
        assert_eq!(answer("<think>only thoughts"), "");
        assert_eq!(answer(" a <think>x</think>b "), "a b");
    }
}
