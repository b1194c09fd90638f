//! `roost:plugin/http`: buffered outbound HTTP inside the plugin's allow-list.
//!
//! ```rust,ignore
//! let resp = roost_sdk::http::Request::get("https://mastodon.social/api/v1/instance").send()?;
//! ```
//!
//! Each request, and each redirect it follows, must match the manifest's
//! `[permissions] http` patterns, must not reach a private network (see [`super::net`]),
//! and gets its `{{secret:NAME}}` placeholders filled for that URL only. The response
//! body is capped at [`HTTP_MAX_RESPONSE`] and the whole exchange at the step's deadline.
//! The plugin gets the response's headers and body with every value of the step's secrets
//! scrubbed (see [`super::redact`]): an upstream that echoes its credential (a proxy's
//! error page, a hostile instance) hands the plugin `[redacted:NAME]`. A step that holds
//! secrets is refused compressed bodies, whose bytes could hide an echo.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

use crate::runtime::bindings::http::{Header, Host, HttpError, Request, Response};
use crate::runtime::limits::{HTTP_DEFAULT_TIMEOUT, HTTP_MAX_REDIRECTS, HTTP_MAX_RESPONSE};
use crate::runtime::pattern::{HostPattern, any_matches};

use super::StepState;
use super::net::{BlockedAddress, GuardedResolver, NetPolicy};
use super::redact::Redactor;
use super::secrets::{SecretsCap, origin};
use crate::telemetry::HttpTrace;

/// The HTTP client all steps share, with the operator's network policy built in.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: Arc<NetPolicy>,
}

impl HttpClient {
    pub fn new(policy: NetPolicy) -> Result<Self, reqwest::Error> {
        // Several runtimes may share a process; the first installs the provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(policy.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("roost/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, policy })
    }
}

/// The http capability of one step.
#[derive(Debug)]
pub struct HttpCap {
    client: HttpClient,
    allow: Vec<HostPattern>,
    deadline: Instant,
    /// The attempt's tracing; `None` when tracing is off.
    trace: Option<HttpTrace>,
}

impl HttpCap {
    pub fn new(client: HttpClient, allow: Vec<HostPattern>, deadline: Instant) -> Self {
        Self { client, allow, deadline, trace: None }
    }

    /// This capability, its requests carrying `traceparent` and traced as spans.
    pub fn traced(mut self, trace: Option<HttpTrace>) -> Self {
        self.trace = trace;
        self
    }

    /// Checks that `url` may be requested at all, before any byte is sent.
    fn admit(&self, url: &Url) -> Result<(), HttpError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpError::InvalidRequest(format!("scheme `{}` is not supported", url.scheme())));
        }
        if !self.client.policy.judged_as(url).iter().any(|u| any_matches(&self.allow, u)) {
            return Err(HttpError::Denied(format!(
                "{} is not in the plugin's [permissions] http allow-list",
                origin(url)
            )));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(ip.into()),
            Some(url::Host::Ipv6(ip)) => Some(ip.into()),
            _ => None,
        };
        if let Some(ip) = ip {
            let host = url.host_str().unwrap_or_default();
            self.client.policy.check(host, ip).map_err(|e| HttpError::Denied(e.to_string()))?;
        }
        Ok(())
    }

    async fn fetch(&self, secrets: &SecretsCap, req: Request) -> Result<Response, HttpError> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let asked = req.timeout_ms.map_or(HTTP_DEFAULT_TIMEOUT, |ms| Duration::from_millis(ms.into()));
        let limit = asked.min(remaining);
        tokio::time::timeout(limit, self.follow(secrets, req)).await.map_err(|_| HttpError::Timeout)?
    }

    /// Sends `req`, following redirects, each hop admitted and its secrets filled anew.
    async fn follow(&self, secrets: &SecretsCap, mut req: Request) -> Result<Response, HttpError> {
        let mut url =
            Url::parse(&req.url).map_err(|e| HttpError::InvalidRequest(format!("bad url `{}`: {e}", req.url)))?;
        for _ in 0..=HTTP_MAX_REDIRECTS {
            self.admit(&url)?;
            self.client.policy.refuse_own(&url).await.map_err(|e| HttpError::Denied(e.to_string()))?;
            let resp = self.send_once(secrets, &url, &req).await?;
            let location = resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            match (resp.status().is_redirection(), location) {
                (true, Some(location)) => {
                    url = url
                        .join(location)
                        .map_err(|e| HttpError::InvalidRequest(format!("bad redirect `{location}`: {e}")))?;
                    let status = resp.status().as_u16();
                    if status == 303 || ((status == 301 || status == 302) && req.method != "HEAD") {
                        req.method = "GET".into();
                        req.body = None;
                    }
                }
                _ => return read_response(resp, secrets.redactor()).await,
            }
        }
        Err(HttpError::Connection(format!("more than {HTTP_MAX_REDIRECTS} redirects")))
    }

    async fn send_once(&self, secrets: &SecretsCap, url: &Url, req: &Request) -> Result<reqwest::Response, HttpError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("bad method `{}`", req.method)))?;
        let mut builder = self.client.client.request(method, url.clone());
        let judged = self.client.policy.judged_as(url);
        for h in &req.headers {
            if h.name.eq_ignore_ascii_case("host") {
                continue;
            }
            let value = secrets.substitute(&judged, &h.value).map_err(HttpError::Denied)?;
            let name = HeaderName::from_bytes(h.name.as_bytes())
                .map_err(|_| HttpError::InvalidRequest(format!("bad header name `{}`", h.name)))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|_| HttpError::InvalidRequest(format!("bad value for header `{}`", h.name)))?;
            builder = builder.header(name, value);
        }
        if let Some(body) = &req.body {
            let body = match std::str::from_utf8(body) {
                Ok(text) => secrets.substitute(&judged, text).map_err(HttpError::Denied)?.into_bytes(),
                Err(_) => body.clone(),
            };
            builder = builder.body(body);
        }
        // Tracing: the host's `traceparent` (naming the attempt's span) replaces any the
        // plugin set, and the exchange up to the response's headers becomes a span.
        let Some(trace) = &self.trace else { return builder.send().await.map_err(classify) };
        let mut request = builder.build().map_err(classify)?;
        if let Ok(parent) = HeaderValue::from_str(&trace.traceparent()) {
            request.headers_mut().insert(HeaderName::from_static("traceparent"), parent);
        }
        let span = trace.start();
        let result = self.client.client.execute(request).await.map_err(classify);
        span.end(&req.method, url, result.as_ref().ok().map(|r| r.status().as_u16()));
        result
    }
}

/// Reads the body up to [`HTTP_MAX_RESPONSE`] bytes; headers and body scrubbed by `redactor`.
async fn read_response(mut resp: reqwest::Response, redactor: &Redactor) -> Result<Response, HttpError> {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| Header {
            name: n.as_str().to_string(),
            value: redactor.scrub(&String::from_utf8_lossy(v.as_bytes())),
        })
        .collect();
    let encoding = resp.headers().get(reqwest::header::CONTENT_ENCODING).map(|v| String::from_utf8_lossy(v.as_bytes()));
    if let Some(encoding) = encoding.filter(|e| !redactor.is_empty() && !e.trim().eq_ignore_ascii_case("identity")) {
        return Err(HttpError::Connection(format!(
            "the response is compressed (content-encoding `{encoding}`), which a step holding secrets may not \
             receive: its bytes cannot be checked for echoed secret values"
        )));
    }
    if resp.content_length().is_some_and(|n| n > HTTP_MAX_RESPONSE as u64) {
        return Err(HttpError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > HTTP_MAX_RESPONSE {
            return Err(HttpError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response { status, headers, body: redactor.scrub_bytes(&body) })
}

/// A denied address, a timeout, or any other connection failure.
fn classify(e: reqwest::Error) -> HttpError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(blocked) = err.downcast_ref::<BlockedAddress>() {
            return HttpError::Denied(blocked.to_string());
        }
        source = err.source();
    }
    if e.is_timeout() {
        return HttpError::Timeout;
    }
    HttpError::Connection(e.without_url().to_string())
}

impl Host for StepState {
    async fn fetch(&mut self, req: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        super::calls::HostCalls::count(&mut self.calls.http);
        let Some(http) = &self.http else {
            return Ok(Err(HttpError::Denied("this plugin declares no [permissions] http".into())));
        };
        let method = req.method.clone();
        let url = req.url.clone();
        let sent = req.body.as_ref().map_or(0, Vec::len);
        let result = http.fetch(&self.secrets, req).await;
        match &result {
            Ok(r) => {
                self.calls.exchanged(sent, &r.body);
                self.log.push("debug", &format!("http {method} {url} -> {}", r.status))
            }
            Err(e) => self.log.push("warn", &format!("http {method} {url} failed: {e:?}")),
        }
        Ok(result)
    }
}
