//! XRPC wire basics: the service URL, query strings, rate-limit headers and error bodies,
//! and how each XRPC error becomes a step error.

use roost_sdk::StepError;
use roost_sdk::http::Response;
use serde_json::Value;

/// What every hint about credentials says.
pub const APP_PASSWORD_HINT: &str = "check `identifier` and the workspace secret BLUESKY_APP_PASSWORD: create an app \
     password on Bluesky under Settings > Privacy and security > App passwords and store it as BLUESKY_APP_PASSWORD \
     (the account's main password does not work when e-mail two-factor sign-in is on)";

/// The PDS base URL from the `service` input: `http(s)://host[:port]`, without a trailing `/`.
pub fn service_base(service: &str) -> Result<String, StepError> {
    let trimmed = service.trim().trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => Ok(trimmed.to_string()),
        _ => Err(StepError::invalid_input(format!(
            "`service` must be the base URL of a Bluesky PDS such as \"https://bsky.social\" (no path), got {service:?}"
        ))),
    }
}

/// `base/xrpc/nsid?k=v&...`; a key may repeat, as XRPC encodes arrays (`reasons=a&reasons=b`).
pub fn url(base: &str, nsid: &str, params: &[(&str, String)]) -> String {
    let mut url = format!("{base}/xrpc/{nsid}");
    for (i, (key, value)) in params.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(key);
        url.push('=');
        url.push_str(&encode(value));
    }
    url
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `RateLimit-*` headers of a response (draft-polli-ratelimit-headers, as the PDS sends them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix epoch seconds at which the window resets.
    pub reset: Option<u64>,
    /// The window in seconds, from `RateLimit-Policy: <limit>;w=<seconds>`.
    pub window: Option<u64>,
}

impl RateLimit {
    pub fn from_headers(header: impl Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        let window = header("RateLimit-Policy").and_then(|policy| {
            policy.split(';').skip(1).find_map(|part| part.trim().strip_prefix("w=").and_then(|w| w.parse().ok()))
        });
        Self {
            limit: number("RateLimit-Limit"),
            remaining: number("RateLimit-Remaining"),
            reset: number("RateLimit-Reset"),
            window,
        }
    }

    /// How long to wait at `now_ms`: until the reset, else one policy window, else unknown.
    pub fn wait_ms(&self, now_ms: u64) -> Option<u64> {
        match (self.reset, self.window) {
            (Some(reset), _) => Some(reset.saturating_mul(1000).saturating_sub(now_ms)),
            (None, Some(window)) => Some(window.saturating_mul(1000)),
            (None, None) => None,
        }
    }
}

/// A failed XRPC call: `{"error": "<Name>", "message": "<text>"}` with its status and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XrpcError {
    pub nsid: String,
    pub status: u16,
    pub name: String,
    pub message: String,
    /// Boxed: the headers would make every `Result` carrying this error large.
    pub rate: Box<RateLimit>,
}

/// The error name XRPC gives a status when the body names none (`xrpc/src/types.ts`).
pub fn default_name(status: u16) -> &'static str {
    match status {
        400 => "InvalidRequest",
        401 => "AuthenticationRequired",
        403 => "Forbidden",
        404 => "XRPCNotSupported",
        406 => "NotAcceptable",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        429 => "RateLimitExceeded",
        500 => "InternalServerError",
        501 => "MethodNotImplemented",
        502 => "UpstreamFailure",
        503 => "NotEnoughResources",
        504 => "UpstreamTimeout",
        _ => "Unknown",
    }
}

impl XrpcError {
    /// Reads a response of status >= 400; a body that is not an XRPC error (an HTML page
    /// from a CDN, say) gets the status's default name.
    pub fn from_response(nsid: &str, resp: &Response) -> Self {
        let body: Option<Value> = serde_json::from_slice(&resp.body).ok();
        let field = |key: &str| body.as_ref().and_then(|b| b.get(key)).and_then(Value::as_str).map(str::to_string);
        let message = field("message").unwrap_or_else(|| {
            if body.is_some() || resp.body.is_empty() {
                String::new()
            } else {
                "the body is not an XRPC error (not JSON)".into()
            }
        });
        Self {
            nsid: nsid.to_string(),
            status: resp.status,
            name: field("error").unwrap_or_else(|| default_name(resp.status).to_string()),
            message,
            rate: Box::new(RateLimit::from_headers(|name| resp.header(name).map(str::to_string))),
        }
    }

    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }

    /// The access token must be renewed (expired, or no longer verifiable).
    pub fn is_token_problem(&self) -> bool {
        self.is("ExpiredToken") || self.is("InvalidToken")
    }

    fn describe(&self) -> String {
        let mut text = format!("{} answered HTTP {} {}", self.nsid, self.status, self.name);
        if !self.message.is_empty() {
            text.push_str(": ");
            text.push_str(&self.message);
        }
        text
    }

    /// The step error for this failure at `now_ms`; the name decides first, the status second.
    pub fn into_step_error(self, now_ms: u64) -> StepError {
        let text = self.describe();
        match self.name.as_str() {
            "RateLimitExceeded" => rate_limited(text, &self.rate, now_ms),
            "AuthenticationRequired" | "AuthFactorTokenRequired" | "AuthMissing" | "ExpiredToken" | "InvalidToken" => {
                StepError::fatal(format!("{text}; {APP_PASSWORD_HINT}"))
            }
            "AccountTakedown" => StepError::fatal(format!("{text}; the account is taken down or suspended")),
            "InvalidRequest" | "BadQueryString" | "HandleNotFound" | "RecordNotFound" => StepError::invalid_input(text),
            _ if self.status == 429 => rate_limited(text, &self.rate, now_ms),
            _ if self.status >= 500 => StepError::retryable(text),
            _ if self.status == 403 => StepError::fatal(format!(
                "{text}; the service refuses this call for this account or client (it may have disabled the endpoint)"
            )),
            _ => StepError::fatal(text),
        }
    }
}

fn rate_limited(text: String, rate: &RateLimit, now_ms: u64) -> StepError {
    match rate.wait_ms(now_ms) {
        Some(ms) => StepError::retry_after(format!("{text}; the rate limit resets in {} s", ms.div_ceil(1000)), ms),
        None => StepError::retryable(text),
    }
}

/// Unix epoch milliseconds now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn service_urls_are_checked_and_trimmed() {
        assert_eq!(service_base("https://bsky.social/").unwrap(), "https://bsky.social");
        assert_eq!(service_base("http://loopback.test:8080").unwrap(), "http://loopback.test:8080");
        for bad in ["bsky.social", "https://", "https://bsky.social/xrpc", "ftp://x"] {
            let err = service_base(bad).unwrap_err();
            assert!(matches!(err, StepError::InvalidInput(ref m) if m.contains("`service`")), "{bad}: {err}");
        }
    }

    #[test]
    fn arrays_repeat_the_key_and_values_are_encoded() {
        let params = [("reasons", "mention".to_string()), ("reasons", "reply".into()), ("q", "grüße #rust".into())];
        assert_eq!(
            url("https://pds.example", "app.bsky.notification.listNotifications", &params),
            "https://pds.example/xrpc/app.bsky.notification.listNotifications?reasons=mention&reasons=reply\
             &q=gr%C3%BC%C3%9Fe%20%23rust"
        );
    }

    #[test]
    fn rate_limit_headers_give_the_wait_until_the_epoch_reset() {
        let resp = response(
            429,
            &[
                ("ratelimit-limit", "3000"),
                ("RateLimit-Remaining", "0"),
                ("RateLimit-Reset", "1700000030"),
                ("RateLimit-Policy", "3000;w=300"),
            ],
            r#"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#,
        );
        let err = XrpcError::from_response("app.bsky.feed.searchPosts", &resp);
        assert_eq!(
            *err.rate,
            RateLimit { limit: Some(3000), remaining: Some(0), reset: Some(1_700_000_030), window: Some(300) }
        );
        match err.into_step_error(1_700_000_000_500) {
            StepError::Retryable { after_ms, message } => {
                assert_eq!(after_ms, Some(29_500));
                assert!(message.contains("RateLimitExceeded"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let policy_only = RateLimit { window: Some(300), ..RateLimit::default() };
        assert_eq!(policy_only.wait_ms(0), Some(300_000));
    }

    #[test]
    fn errors_are_judged_by_name_then_status() {
        let judge =
            |status, body: &str| XrpcError::from_response("x.y.z", &response(status, &[], body)).into_step_error(0);
        let bad_password =
            judge(401, r#"{"error":"AuthenticationRequired","message":"Invalid identifier or password"}"#);
        assert!(matches!(bad_password, StepError::Fatal(ref m) if m.contains("app password")), "{bad_password:?}");
        assert!(matches!(judge(400, r#"{"error":"InvalidRequest","message":"bad"}"#), StepError::InvalidInput(_)));
        assert!(matches!(judge(400, r#"{"error":"AuthFactorTokenRequired"}"#), StepError::Fatal(_)));
        assert!(matches!(judge(502, "<html>bad gateway</html>"), StepError::Retryable { after_ms: None, .. }));
        let html = judge(403, "<html>Forbidden</html>");
        assert!(
            matches!(html, StepError::Fatal(ref m) if m.contains("Forbidden") && m.contains("not JSON")),
            "{html:?}"
        );
        assert!(matches!(judge(400, r#"{"error":"BlockedActor","message":"blocked"}"#), StepError::Fatal(_)));
    }
}
