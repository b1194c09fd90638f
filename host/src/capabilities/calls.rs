//! How often and how much a step called each `roost:plugin` capability: what `roost plugin
//! run` shows an author beside time and memory, and what a workspace is metered for.

use serde::Serialize;

/// Calls of one step into the host's capabilities (WASI calls are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HostCalls {
    pub http: u32,
    pub kv: u32,
    pub secrets: u32,
    pub log: u32,
    /// Request bodies sent over HTTP, in bytes.
    pub http_bytes_out: u64,
    /// Response bodies received over HTTP, in bytes.
    pub http_bytes_in: u64,
    /// Tokens that models' APIs reported in their answers (see [`model_tokens`]).
    pub model_tokens: u64,
}

impl HostCalls {
    /// Counts one call on `counter`.
    pub(crate) fn count(counter: &mut u32) {
        *counter = counter.saturating_add(1);
    }

    /// Counts an HTTP exchange: the bytes of its request and response bodies, and the
    /// tokens a model's answer reports.
    pub(crate) fn exchanged(&mut self, sent: usize, received: &[u8]) {
        self.http_bytes_out = self.http_bytes_out.saturating_add(sent as u64);
        self.http_bytes_in = self.http_bytes_in.saturating_add(received.len() as u64);
        self.model_tokens = self.model_tokens.saturating_add(model_tokens(received));
    }
}

/// The most tokens one answer may claim; a larger claim counts as this many.
const MAX_TOKENS_PER_ANSWER: u64 = 10_000_000;

/// The tokens a model's JSON answer reports in its `usage` object: `total_tokens`
/// (OpenAI-compatible APIs), else the sum of `prompt_tokens` and `completion_tokens`, or of
/// `input_tokens` and `output_tokens`. Zero for any other body; only bodies that mention
/// `"usage"` are parsed.
pub fn model_tokens(body: &[u8]) -> u64 {
    let starts_as_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !starts_as_object || !body.windows(7).any(|w| w == b"\"usage\"") {
        return 0;
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else { return 0 };
    let usage = &value["usage"];
    let count = |name: &str| usage[name].as_u64();
    let tokens = count("total_tokens")
        .or_else(|| Some(count("prompt_tokens")?.saturating_add(count("completion_tokens")?)))
        .or_else(|| Some(count("input_tokens")?.saturating_add(count("output_tokens")?)))
        .unwrap_or(0);
    tokens.min(MAX_TOKENS_PER_ANSWER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_the_usage_a_model_reports() {
        let openai =
            br#"{"id":"x","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":12,"total_tokens":42}}"#;
        assert_eq!(model_tokens(openai), 42);
        assert_eq!(model_tokens(br#"{"usage":{"prompt_tokens":5,"completion_tokens":6}}"#), 11);
        assert_eq!(model_tokens(br#" {"usage":{"input_tokens":3,"output_tokens":4}}"#), 7);
        assert_eq!(model_tokens(br#"{"usage":{"total_tokens":-5}}"#), 0, "a negative count is no count");
        assert_eq!(model_tokens(br#"{"usage":{"total_tokens":1e30}}"#), 0, "nor a float");
        assert_eq!(model_tokens(br#"{"usage":{"total_tokens":99999999999}}"#), MAX_TOKENS_PER_ANSWER);
        assert_eq!(model_tokens(br#"[{"usage":{"total_tokens":5}}]"#), 0, "only an object's own usage");
        assert_eq!(model_tokens(br#"{"text":"no usage here"}"#), 0);
        assert_eq!(model_tokens(b"{\"usage\": not json"), 0);
        let mut calls = HostCalls::default();
        calls.exchanged(10, openai);
        calls.exchanged(5, b"ok");
        assert_eq!((calls.http_bytes_out, calls.http_bytes_in, calls.model_tokens), (15, openai.len() as u64 + 2, 42));
    }
}
