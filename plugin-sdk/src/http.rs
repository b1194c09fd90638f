//! Outbound HTTP through the host: a small request builder and JSON helpers.
//!
//! The host checks every request against the manifest's allow-list and against private
//! networks, caps sizes and times, and substitutes `{{secret:NAME}}` placeholders (see
//! [`crate::secrets`]) only for the hosts each secret is bound to.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StepError;

/// An HTTP request to send with [`Request::send`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub timeout_ms: Option<u32>,
}

/// A buffered HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why the host did not deliver a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The URL, an address it resolved to, or a redirect is not allowed.
    Denied(String),
    InvalidRequest(String),
    Timeout,
    /// The response body is larger than the host allows.
    TooLarge,
    Connection(String),
    /// The response had an error status (from [`Response::error_for_status`]).
    Status {
        status: u16,
        body: String,
    },
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Denied(m) => write!(f, "request denied: {m}"),
            Self::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Self::Timeout => f.write_str("request timed out"),
            Self::TooLarge => f.write_str("response too large"),
            Self::Connection(m) => write!(f, "connection failed: {m}"),
            Self::Status { status, body } => write!(f, "HTTP {status}: {body}"),
        }
    }
}

impl std::error::Error for HttpError {}

/// Denied and invalid requests cannot succeed on retry; the rest may.
impl From<HttpError> for StepError {
    fn from(e: HttpError) -> Self {
        match &e {
            HttpError::Denied(_) | HttpError::InvalidRequest(_) | HttpError::TooLarge => {
                StepError::fatal(e.to_string())
            }
            HttpError::Status { status, .. } if *status == 429 || *status >= 500 => StepError::retryable(e.to_string()),
            HttpError::Status { .. } => StepError::fatal(e.to_string()),
            HttpError::Timeout | HttpError::Connection(_) => StepError::retryable(e.to_string()),
        }
    }
}

impl Request {
    pub fn new(method: &str, url: &str) -> Self {
        Self { method: method.to_string(), url: url.to_string(), headers: Vec::new(), body: None, timeout_ms: None }
    }

    pub fn get(url: &str) -> Self {
        Self::new("GET", url)
    }

    pub fn post(url: &str) -> Self {
        Self::new("POST", url)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets a JSON body and its content type.
    pub fn json<T: Serialize>(self, value: &T) -> Result<Self, HttpError> {
        let body = serde_json::to_vec(value).map_err(|e| HttpError::InvalidRequest(e.to_string()))?;
        Ok(self.header("Content-Type", "application/json").body(body))
    }

    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// The first value of header `name`, compared without regard to case.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Sends the request through the host.
    pub fn send(self) -> Result<Response, HttpError> {
        crate::host::http_fetch(self)
    }
}

impl Response {
    /// The first value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// `Retry-After` in milliseconds: delay-seconds (fractions allowed) or an HTTP date
    /// (0 when already past); `None` when absent or unreadable.
    pub fn retry_after_ms(&self) -> Option<u64> {
        let value = self.header("retry-after")?.trim();
        if let Ok(seconds) = value.parse::<f64>() {
            return (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1000.0).round() as u64);
        }
        let at = httpdate::parse_http_date(value).ok()?;
        Some(at.duration_since(std::time::SystemTime::now()).map_or(0, |d| d.as_millis() as u64))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, StepError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| StepError::fatal(format!("response of HTTP {} is not the JSON expected: {e}", self.status)))
    }

    /// Turns a 4xx or 5xx status into [`HttpError::Status`], keeping the body's start.
    pub fn error_for_status(self) -> Result<Self, HttpError> {
        if self.status < 400 {
            return Ok(self);
        }
        let mut body = self.text();
        body.truncate(body.floor_char_boundary(512));
        Err(HttpError::Status { status: self.status, body })
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let response = |value: &str| Response {
            status: 429,
            headers: vec![("Retry-After".into(), value.into())],
            body: Vec::new(),
        };
        assert_eq!(response("7").retry_after_ms(), Some(7000));
        assert_eq!(response("1.5").retry_after_ms(), Some(1500));
        assert_eq!(response("Wed, 21 Oct 2015 07:28:00 GMT").retry_after_ms(), Some(0));
        assert_eq!(response("soon").retry_after_ms(), None);
        assert_eq!(Response { status: 429, headers: vec![], body: vec![] }.retry_after_ms(), None);
    }
}
