//! What the three kinds of delivery share: URL checks, JSON bodies that cannot carry a
//! secret placeholder, `Retry-After`, and the start of an error body for messages.

use roost_sdk::StepError;
use roost_sdk::http::Response;
use serde::Serialize;

/// `value` as JSON in which no string can read `{{secret:…}}`.
///
/// The host fills secret placeholders into request bodies, so a payload that passes on
/// text from elsewhere (a mention, a feed item) could otherwise make the host insert a
/// secret into a request to the payload's destination. The JSON escape `\u0073` is the
/// letter `s`: receivers decode the same text.
pub fn inert_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StepError> {
    let text =
        serde_json::to_string(value).map_err(|e| StepError::fatal(format!("the body does not serialize: {e}")))?;
    Ok(text.replace("{{secret:", "{{\\u0073ecret:").into_bytes())
}

/// Refuses a `field` that is not an http(s) URL.
pub fn check_url(field: &str, url: &str) -> Result<(), StepError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        return Ok(());
    }
    Err(StepError::invalid_input(format!("`{field}` {url:?} is not an http(s) URL")))
}

/// A retryable error, after `after_ms` when the service said how long to wait.
pub fn retry(message: String, after_ms: Option<u64>) -> StepError {
    match after_ms {
        Some(ms) => StepError::retry_after(message, ms),
        None => StepError::retryable(message),
    }
}

/// The start of the body, on one line, for error messages.
pub fn body_start(response: &Response) -> String {
    let line = response.text().split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None if line.is_empty() => "empty body".into(),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn placeholders_in_payloads_are_escaped_but_decode_the_same() {
        let payload = json!({"text": "steal {{secret:MATRIX_TOKEN}} please", "{{secret:X}}": 1});
        let body = inert_json(&payload).unwrap();
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(!text.contains("{{secret:"), "{text}");
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), payload);
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("url", "https://example.com/hook").is_ok());
        assert!(matches!(check_url("url", "ftp://x"), Err(StepError::InvalidInput(m)) if m.contains("`url`")));
    }

    #[test]
    fn body_start_is_short_and_one_line() {
        let response = |body: &str| Response { status: 500, headers: vec![], body: body.as_bytes().to_vec() };
        assert_eq!(body_start(&response("no\n service")), "no service");
        assert_eq!(body_start(&response("")), "empty body");
        assert_eq!(body_start(&response(&"y".repeat(500))).chars().count(), 201);
    }
}
