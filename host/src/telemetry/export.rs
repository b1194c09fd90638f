//! The background task that sends spans to the collector: a bounded queue, batches,
//! retries with backoff.
//!
//! Steps hand spans over with `try_send` and never wait: when the queue is full the span
//! is dropped and counted. Failures are logged with the status or the innermost cause,
//! never the endpoint (which may hold credentials) or the headers.

use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::{mpsc, oneshot};

use super::otlp::{Span, encode};

/// Spans waiting to be sent at most; a process that makes more before the task catches up
/// drops the excess rather than hold memory or slow a step.
pub const QUEUE: usize = 4096;

/// Spans in one export request at most.
pub const BATCH: usize = 512;

/// How long a span waits for its batch to fill.
pub const EVERY: Duration = Duration::from_secs(1);

/// Tries of one export request; a collector down for longer loses that batch.
const TRIES: u32 = 4;

/// The first pause between two tries, doubled after each.
const BACKOFF: Duration = Duration::from_millis(200);

/// How long one export request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What the task is told.
#[derive(Debug)]
pub(super) enum Message {
    Span(Span),
    /// Send everything queued before this, then answer.
    Flush(oneshot::Sender<()>),
}

/// Where spans go: `{endpoint}/v1/traces` with the configured headers.
pub(super) struct Target {
    pub url: String,
    pub headers: HeaderMap,
}

/// Starts the task in the current tokio runtime; it ends once every sender is dropped.
pub(super) fn spawn(target: Target) -> Result<mpsc::Sender<Message>, reqwest::Error> {
    // The first client built in a process installs the TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No redirects: a redirect would carry the exporter's headers (an API key) elsewhere.
    let client =
        reqwest::Client::builder().timeout(REQUEST_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build()?;
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(run(rx, Exporter { client, target }));
    Ok(tx)
}

struct Exporter {
    client: reqwest::Client,
    target: Target,
}

async fn run(mut rx: mpsc::Receiver<Message>, exporter: Exporter) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Some(Message::Span(span)) => {
                    batch.push(span);
                    if batch.len() >= BATCH {
                        exporter.send(std::mem::take(&mut batch)).await;
                    }
                }
                Some(Message::Flush(done)) => {
                    exporter.send(std::mem::take(&mut batch)).await;
                    let _ = done.send(());
                }
                None => return exporter.send(batch).await,
            },
            _ = tick.tick() => exporter.send(std::mem::take(&mut batch)).await,
        }
    }
}

impl Exporter {
    /// Sends `spans`, trying again after a connection failure, a 429 or a 5xx.
    async fn send(&self, spans: Vec<Span>) {
        if spans.is_empty() {
            return;
        }
        let body = encode(&spans);
        let mut pause = BACKOFF;
        let mut why = String::new();
        for _ in 0..TRIES {
            let request = self.client.post(&self.target.url).headers(self.target.headers.clone()).json(&body);
            match request.send().await {
                Ok(resp) if resp.status().is_success() => return,
                Ok(resp) if !retryable(resp.status()) => {
                    tracing::warn!("the collector refused {} spans: status {}", spans.len(), resp.status());
                    return;
                }
                Ok(resp) => why = format!("status {}", resp.status()),
                Err(e) => why = e.without_url().to_string(),
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        tracing::warn!("{} spans were not exported after {TRIES} tries: {why}", spans.len());
    }
}

fn retryable(status: reqwest::StatusCode) -> bool {
    status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS
}
