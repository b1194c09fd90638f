//! Traces of runs as OpenTelemetry spans, exported over OTLP/HTTP (JSON) when configured.
//!
//! ```toml
//! [telemetry]
//! otlp_endpoint = "http://collector:4318"   # OTEL_EXPORTER_OTLP_ENDPOINT
//! headers = { "x-api-key" = "..." }          # OTEL_EXPORTER_OTLP_HEADERS (k=v,k2=v2)
//! ```
//!
//! A run is a tree: `run <workflow>` -> `step <id>` -> `<plugin>/<action>` (one per
//! attempt) -> `HTTP <METHOD>` (one per request the plugin sends). See
//! [`context`] for how ids are chosen, [`export`] for the queue. Without an endpoint the
//! [`Tracer`] is off: every event costs one `Option` check.

pub mod context;
mod export;
pub mod otlp;
mod spans;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

pub use export::{BATCH, EVERY, QUEUE};
pub use spans::{Attempt, HttpSpan, HttpTrace};

use export::{Message, Target};
use otlp::Span;

/// `[telemetry]`: where spans are exported. Off without an endpoint.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL; spans are posted to `{otlp_endpoint}/v1/traces`.
    pub otlp_endpoint: Option<String>,
    /// Headers sent with every export, such as a collector's API key; never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl std::fmt::Debug for TelemetryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryConfig")
            .field("otlp_endpoint", &self.otlp_endpoint.as_ref().map(|_| "[set]"))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TelemetryConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_EXPORTER_OTLP_HEADERS` over the file's values.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(endpoint) = var("OTEL_EXPORTER_OTLP_ENDPOINT").filter(|e| !e.trim().is_empty()) {
            self.otlp_endpoint = Some(endpoint);
        }
        for pair in var("OTEL_EXPORTER_OTLP_HEADERS").iter().flat_map(|h| h.split(',')) {
            if let Some((name, value)) = pair.split_once('=') {
                self.headers.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
    }
}

/// How long a flush waits for the collector before giving up on what is queued.
const FLUSH_WAIT: Duration = Duration::from_secs(5);

/// The handle spans are emitted through; cheap to clone, off by default.
#[derive(Debug, Clone, Default)]
pub struct Tracer(Option<Arc<Queue>>);

#[derive(Debug)]
struct Queue {
    tx: mpsc::Sender<Message>,
    dropped: AtomicU64,
}

impl Tracer {
    /// A tracer exporting as `config` says, its task started in the current tokio runtime;
    /// off without an endpoint.
    pub fn start(config: &TelemetryConfig) -> Result<Self, String> {
        let Some(endpoint) = config.otlp_endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
            return Ok(Self::default());
        };
        // The endpoint may carry credentials: errors describe it without quoting it.
        let parsed = url::Url::parse(endpoint).map_err(|e| format!("[telemetry] otlp_endpoint is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("[telemetry] otlp_endpoint must be an http:// or https:// URL".into());
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let bad = || format!("[telemetry] header `{name}` is not a valid HTTP header");
            let value = HeaderValue::from_str(value).map_err(|_| bad())?;
            headers.insert(HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?, value);
        }
        if tokio::runtime::Handle::try_current().is_err() {
            return Err("telemetry must be started inside the async runtime".into());
        }
        let target = Target { url: format!("{}/v1/traces", endpoint.trim_end_matches('/')), headers };
        let tx = export::spawn(target).map_err(|e| format!("failed to create the telemetry client: {e}"))?;
        Ok(Self(Some(Arc::new(Queue { tx, dropped: AtomicU64::new(0) }))))
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Queues `span` for export without waiting: dropped and counted when the queue is full.
    pub fn emit(&self, span: Span) {
        if let Some(queue) = &self.0
            && queue.tx.try_send(Message::Span(span)).is_err()
        {
            queue.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Spans dropped because the queue was full, since the start.
    pub fn dropped(&self) -> u64 {
        self.0.as_ref().map_or(0, |q| q.dropped.load(Ordering::Relaxed))
    }

    /// Sends what is queued, waiting up to [`FLUSH_WAIT`] (at shutdown, at the end of `roost run`).
    pub async fn flush(&self) {
        let Some(queue) = &self.0 else { return };
        let (done, sent) = oneshot::channel();
        let flushed = async {
            if queue.tx.send(Message::Flush(done)).await.is_ok() {
                let _ = sent.await;
            }
        };
        if tokio::time::timeout(FLUSH_WAIT, flushed).await.is_err() {
            tracing::warn!("spans still queued for export were given up after {FLUSH_WAIT:?}");
        }
        let dropped = self.dropped();
        if dropped > 0 {
            tracing::warn!("{dropped} spans were dropped: the export queue of {QUEUE} was full");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_sets_the_endpoint_and_headers() {
        let mut config = TelemetryConfig { otlp_endpoint: Some("http://file:4318".into()), ..Default::default() };
        config.apply_env(|k| match k {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://env:4318".into()),
            "OTEL_EXPORTER_OTLP_HEADERS" => Some("x-api-key=abc, x-team = t1".into()),
            _ => None,
        });
        assert_eq!(config.otlp_endpoint.as_deref(), Some("http://env:4318"));
        assert_eq!(config.headers["x-api-key"], "abc");
        assert_eq!(config.headers["x-team"], "t1");
        assert!(!format!("{config:?}").contains("abc"), "header values stay out of debug output");
    }

    #[tokio::test]
    async fn without_an_endpoint_the_tracer_is_off_and_bad_endpoints_are_refused() {
        let off = Tracer::start(&TelemetryConfig::default()).unwrap();
        assert!(!off.is_on());
        off.flush().await;
        let bad = TelemetryConfig { otlp_endpoint: Some("ftp://user:pw@collector".into()), ..Default::default() };
        let err = Tracer::start(&bad).unwrap_err();
        assert!(!err.contains("pw"), "{err}");
    }
}
