//! Requests to one Mastodon instance: its base URL, the bearer token placeholder, the
//! rate-limit headers, and Mastodon's error bodies mapped to step errors.

use roost_sdk::http::{Request, Response};
use roost_sdk::secrets::{self, SecretError};
use roost_sdk::{StepError, Value, log};

use roost_sdk::time;

/// The workspace secret holding the access token.
pub const TOKEN_SECRET: &str = "MASTODON_TOKEN";

/// Whether an action needs the token or may go without it (public endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Required,
    IfSet,
}

/// A client of one instance for one action.
#[derive(Debug)]
pub struct Api {
    base: String,
    authorization: Option<String>,
    /// The OAuth scope the action needs, named in errors about the token.
    scope: &'static str,
}

impl Api {
    pub fn new(instance: &str, auth: Auth, scope: &'static str) -> Result<Self, StepError> {
        let base = base_url(instance)?;
        let authorization = match secrets::placeholder(TOKEN_SECRET) {
            Ok(placeholder) => Some(format!("Bearer {placeholder}")),
            Err(SecretError::NotSet(_)) if auth == Auth::IfSet => None,
            Err(SecretError::NotSet(_)) => {
                return Err(StepError::invalid_input(format!(
                    "the workspace secret {TOKEN_SECRET} is not set: create an access token on {base} \
                     (Preferences > Development) with the scope {scope} and store it as {TOKEN_SECRET}"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self { base, authorization, scope })
    }

    /// The instance's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `host[:port]` of the instance, for default kv keys.
    pub fn host(&self) -> &str {
        self.base.split_once("://").map_or(self.base.as_str(), |(_, host)| host)
    }

    fn request(&self, method: &str, path: &str) -> Request {
        let mut req = Request::new(method, &format!("{}{path}", self.base)).header("Accept", "application/json");
        if let Some(auth) = &self.authorization {
            req = req.header("Authorization", auth.clone());
        }
        req
    }

    /// GETs `path` (with its query); any error status is a step error.
    pub fn get(&self, path: &str, what: &str) -> Result<Response, StepError> {
        let resp = self.request("GET", path).send()?;
        note_rate_limit(&resp);
        check(resp, what, self.scope, time::now_ms())
    }

    /// GETs `path`; a 404 is `None`.
    pub fn get_found(&self, path: &str, what: &str) -> Result<Option<Response>, StepError> {
        let resp = self.request("GET", path).send()?;
        note_rate_limit(&resp);
        if resp.status == 404 {
            return Ok(None);
        }
        check(resp, what, self.scope, time::now_ms()).map(Some)
    }

    /// POSTs the raw `body` of `content_type` to `path` (a multipart upload).
    pub fn post_body(&self, path: &str, body: Vec<u8>, content_type: &str, what: &str) -> Result<Response, StepError> {
        let resp = self.request("POST", path).header("Content-Type", content_type.to_string()).body(body).send()?;
        note_rate_limit(&resp);
        check(resp, what, self.scope, time::now_ms())
    }

    /// POSTs `body` as JSON to `path` with extra `headers`.
    pub fn post_json(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, String)],
        what: &str,
    ) -> Result<Response, StepError> {
        let mut req = self.request("POST", path).json(body)?;
        for (name, value) in headers {
            req = req.header(name, value.clone());
        }
        let resp = req.send()?;
        note_rate_limit(&resp);
        check(resp, what, self.scope, time::now_ms())
    }
}

/// Checks `instance` and returns it without a trailing slash.
pub fn base_url(instance: &str) -> Result<String, StepError> {
    let trimmed = instance.trim().trim_end_matches('/');
    let fix = "give the server's base URL, such as https://mastodon.social";
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        return Err(StepError::invalid_input(format!("`instance` `{instance}` has no https:// scheme; {fix}")));
    };
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err(StepError::invalid_input(format!("`instance` `{instance}` is not an http(s) URL; {fix}")));
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) || rest.contains(char::is_whitespace) {
        return Err(StepError::invalid_input(format!(
            "`instance` `{instance}` must be only scheme and host, without a path, query or user; {fix}"
        )));
    }
    Ok(format!("{}://{rest}", scheme.to_ascii_lowercase()))
}

/// Maps an error status to a step error.
pub fn check(resp: Response, what: &str, scope: &str, now_ms: i64) -> Result<Response, StepError> {
    let status = resp.status;
    if (200..300).contains(&status) {
        return Ok(resp);
    }
    let text = error_text(&resp.body);
    Err(match status {
        401 | 403 => StepError::fatal(format!(
            "Mastodon refused the access token while {what} (HTTP {status}: {text}): the token in the \
             workspace secret {TOKEN_SECRET} is wrong, revoked, or lacks the scope {scope}; create a new \
             token with that scope and store it as {TOKEN_SECRET}"
        )),
        400 | 422 => StepError::invalid_input(format!("Mastodon rejected {what} (HTTP {status}): {text}")),
        429 => {
            let after = retry_after_ms(&resp, now_ms);
            let wait = after.map_or(String::new(), |ms| format!("; the limit resets in {} s", ms.div_ceil(1000)));
            let message = format!("Mastodon's rate limit was hit while {what} (HTTP 429: {text}){wait}");
            match after {
                Some(ms) => StepError::retry_after(message, ms),
                None => StepError::retryable(message),
            }
        }
        500.. => {
            let message = format!("Mastodon failed while {what} (HTTP {status}: {text})");
            match retry_after_ms(&resp, now_ms) {
                Some(ms) => StepError::retry_after(message, ms),
                None => StepError::retryable(message),
            }
        }
        _ => StepError::fatal(format!("Mastodon answered HTTP {status} while {what}: {text}")),
    })
}

/// The text of a Mastodon error body `{"error": "...", "error_description": "..."}`, or
/// the start of whatever else the body holds.
pub fn error_text(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let field = |name: &str| value.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
        match (field("error"), field("error_description")) {
            (Some(e), Some(d)) => return format!("{e}: {d}"),
            (Some(e), None) => return e.to_string(),
            (None, Some(d)) => return d.to_string(),
            (None, None) => {}
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no error text".into();
    }
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() { format!("{cut}…") } else { cut }
}

/// How long to wait before retrying: until `X-RateLimit-Reset` (an ISO 8601 time), else
/// `Retry-After` (seconds or an HTTP date). At least one second.
pub fn retry_after_ms(resp: &Response, now_ms: i64) -> Option<u64> {
    let at = resp.header("x-ratelimit-reset").and_then(time::parse_rfc3339_ms).or_else(|| {
        let value = resp.header("retry-after")?.trim();
        match value.parse::<u64>() {
            Ok(seconds) => Some(now_ms.saturating_add(seconds.saturating_mul(1000) as i64)),
            Err(_) => time::parse_http_date_ms(value),
        }
    })?;
    Some(at.saturating_sub(now_ms).max(1000) as u64)
}

/// Logs a warning when fewer than a tenth of the requests (or 10) are left.
fn note_rate_limit(resp: &Response) {
    if let Some(message) = rate_limit_warning(resp) {
        log::warn(&message);
    }
}

pub fn rate_limit_warning(resp: &Response) -> Option<String> {
    let number = |name: &str| resp.header(name).and_then(|v| v.trim().parse::<u64>().ok());
    let remaining = number("x-ratelimit-remaining")?;
    let limit = number("x-ratelimit-limit").unwrap_or(300);
    if remaining.saturating_mul(10) > limit && remaining > 10 {
        return None;
    }
    let reset = resp.header("x-ratelimit-reset").unwrap_or("an unknown time");
    Some(format!("Mastodon rate limit is low: {remaining} of {limit} requests left until {reset}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    const NOW: i64 = 1_787_321_000_000; // 2026-08-21T14:03:20Z

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(base_url("https://mastodon.social/").unwrap(), "https://mastodon.social");
        assert_eq!(base_url(" HTTP://loopback.test:4000 ").unwrap(), "http://loopback.test:4000");
        for bad in ["mastodon.social", "ftp://x.example", "https://", "https://m.example/@anna", "https://a b"] {
            let err = base_url(bad).unwrap_err();
            assert!(matches!(err, StepError::InvalidInput(ref m) if m.contains("`instance`")), "{bad}: {err}");
        }
    }

    #[test]
    fn rate_limited_responses_wait_until_the_reset() {
        let r = resp(
            429,
            &[
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "2026-08-21T14:05:00.000000Z"),
            ],
            r#"{"error":"Too many requests"}"#,
        );
        match check(r, "reading notifications", "read:notifications", NOW).unwrap_err() {
            StepError::Retryable { message, after_ms } => {
                assert_eq!(after_ms, Some(100_000));
                assert!(message.contains("Too many requests"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let r = resp(429, &[("Retry-After", "30")], "");
        assert_eq!(retry_after_ms(&r, NOW), Some(30_000));
        let r = resp(503, &[("Retry-After", "Fri, 21 Aug 2026 14:04:00 GMT")], "");
        assert_eq!(retry_after_ms(&r, NOW), Some(40_000));
        let past = resp(429, &[("X-RateLimit-Reset", "2020-01-01T00:00:00Z")], "");
        assert_eq!(retry_after_ms(&past, NOW), Some(1000));
        assert!(matches!(check(resp(429, &[], ""), "x", "s", NOW), Err(StepError::Retryable { after_ms: None, .. })));
    }

    #[test]
    fn statuses_map_to_step_error_kinds() {
        let token =
            check(resp(401, &[], r#"{"error":"The access token is invalid"}"#), "reading", "read:notifications", NOW);
        match token.unwrap_err() {
            StepError::Fatal(m) => {
                assert!(m.contains("The access token is invalid") && m.contains("MASTODON_TOKEN"), "{m}");
                assert!(m.contains("read:notifications"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        let scope = check(
            resp(403, &[], r#"{"error":"This action is outside the authorized scopes"}"#),
            "x",
            "write:statuses",
            NOW,
        );
        assert!(matches!(scope, Err(StepError::Fatal(m)) if m.contains("outside the authorized scopes")));
        let invalid =
            check(resp(422, &[], r#"{"error":"Validation failed: Text can't be blank"}"#), "the status", "s", NOW);
        assert!(
            matches!(invalid, Err(StepError::InvalidInput(m)) if m.ends_with("Validation failed: Text can't be blank"))
        );
        assert!(matches!(
            check(resp(502, &[], "<html>bad gateway</html>"), "x", "s", NOW),
            Err(StepError::Retryable { .. })
        ));
        assert!(
            matches!(check(resp(404, &[], r#"{"error":"Record not found"}"#), "x", "s", NOW), Err(StepError::Fatal(m)) if m.contains("Record not found"))
        );
        assert!(check(resp(200, &[], "[]"), "x", "s", NOW).is_ok());
    }

    #[test]
    fn error_texts_include_descriptions_and_tolerate_html() {
        assert_eq!(
            error_text(
                br#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}"#
            ),
            "invalid_grant: The provided authorization grant is invalid"
        );
        assert_eq!(error_text(b"  "), "no error text");
        assert_eq!(error_text(b"<h1>Bad</h1>"), "<h1>Bad</h1>");
        assert!(error_text("x".repeat(500).as_bytes()).ends_with('…'));
    }

    #[test]
    fn low_remaining_requests_warn() {
        let ok = resp(200, &[("X-RateLimit-Limit", "300"), ("X-RateLimit-Remaining", "299")], "");
        assert_eq!(rate_limit_warning(&ok), None);
        let low = resp(
            200,
            &[
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "12"),
                ("X-RateLimit-Reset", "2026-08-21T14:05:00.000000Z"),
            ],
            "",
        );
        let warning = rate_limit_warning(&low).unwrap();
        assert!(warning.contains("12 of 300") && warning.contains("2026-08-21T14:05:00.000000Z"), "{warning}");
        assert_eq!(rate_limit_warning(&resp(200, &[], "")), None);
    }
}
