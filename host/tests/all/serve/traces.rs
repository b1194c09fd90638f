//! Traces over OTLP: a webhook's `traceparent` names the trace of the run it starts; the
//! run, its step, the plugin call and its HTTP request reach a loopback collector as one
//! tree; the upstream learns the attempt's span; no secret reaches an attribute; and
//! without an endpoint nothing is traced.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::Value;

use super::hooks::{post as deliver, put_secret, sign};
use super::{Service, Setup};
use crate::support::{self, Recorder};

const KEY: &str = "hook-key-of-default";
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER: &str = "00f067aa0ba902b7";
const QUERY_SECRET: &str = "qs-secret-123";

/// A span as the collector decoded it from the OTLP JSON.
#[derive(Debug, Clone)]
struct Decoded {
    trace: String,
    id: String,
    parent: Option<String>,
    name: String,
    start: u64,
    end: u64,
    attributes: Vec<(String, String)>,
}

impl Decoded {
    fn attr(&self, key: &str) -> &str {
        let found = self.attributes.iter().find(|(k, _)| k == key);
        found.map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("span {} has no {key}: {self:?}", self.name))
    }
}

/// A loopback OTLP/HTTP receiver: every span it was sent, and each request's content type.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Decoded>>>,
    types: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    async fn start() -> (Self, String) {
        let collector = Collector::default();
        let app = Router::new().route("/v1/traces", post(receive)).with_state(collector.clone());
        let addr = support::serve_loopback(app).await;
        (collector, format!("http://{addr}"))
    }

    fn spans(&self) -> Vec<Decoded> {
        self.spans.lock().unwrap().clone()
    }
}

async fn receive(State(c): State<Collector>, headers: HeaderMap, body: String) -> &'static str {
    let kind = headers.get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    c.types.lock().unwrap().push(kind);
    let body: Value = serde_json::from_str(&body).unwrap();
    for resource in body["resourceSpans"].as_array().unwrap() {
        assert_eq!(resource["resource"]["attributes"][0]["key"], "service.name");
        assert_eq!(resource["resource"]["attributes"][0]["value"]["stringValue"], "roost");
        for scope in resource["scopeSpans"].as_array().unwrap() {
            c.spans.lock().unwrap().extend(scope["spans"].as_array().unwrap().iter().map(decode));
        }
    }
    "{}"
}

fn decode(span: &Value) -> Decoded {
    let text = |key: &str| span[key].as_str().unwrap_or_else(|| panic!("no {key} in {span}")).to_string();
    let time = |key: &str| text(key).parse::<u64>().unwrap();
    let attributes = span["attributes"].as_array().unwrap().iter().map(|a| {
        let value = &a["value"];
        let value = value.get("stringValue").or_else(|| value.get("intValue")).and_then(Value::as_str);
        (a["key"].as_str().unwrap().to_string(), value.unwrap().to_string())
    });
    Decoded {
        trace: text("traceId"),
        id: text("spanId"),
        parent: span.get("parentSpanId").and_then(Value::as_str).map(String::from),
        name: text("name"),
        start: time("startTimeUnixNano"),
        end: time("endTimeUnixNano"),
        attributes: attributes.collect(),
    }
}

fn workflow(port: u16) -> String {
    format!(
        "name: traced
on:
  webhook: {{ secret: HOOK_KEY }}
steps:
  - id: post
    uses: flaky/publish@1
    with: {{ url: \"http://loopback.test:{port}/statuses?access_token={QUERY_SECRET}\", text: hi }}
"
    )
}

/// A service tracing to `endpoint` (or not), with workflow `traced` posting to `upstream`.
async fn service(endpoint: Option<String>, upstream: u16) -> Service {
    let setup = Setup { otlp_endpoint: endpoint, ..Setup::default() };
    let hosts = [format!("http://loopback.test:{upstream}")];
    let flaky = |runtime: &roost::runtime::Runtime| vec![support::load_flaky(runtime, &hosts)];
    let service = Service::launch(setup, flaky).await;
    put_secret(&service, "default", KEY).await;
    service.put_workflow("default", &workflow(upstream)).await;
    service
}

/// Delivers a webhook carrying `traceparent` and waits for its run to succeed; its id.
async fn run_once(service: &Service) -> String {
    let body = b"{}";
    let signature = sign(KEY, body);
    let traceparent = format!("00-{TRACE}-{CALLER}-01");
    let headers = [
        ("x-roost-signature", signature.as_str()),
        ("x-roost-delivery", "d-1"),
        ("content-type", "application/json"),
        ("traceparent", traceparent.as_str()),
    ];
    let (status, started) = deliver(service, "/hooks/default/traced", body, &headers).await;
    assert_eq!(status, 202, "{started}");
    let run_id = started["run_id"].as_str().unwrap().to_string();
    let run = service.wait_status("default", &run_id, &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    run_id
}

fn one<'a>(spans: &'a [Decoded], name: &str) -> &'a Decoded {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one span `{name}` in {spans:#?}");
    found[0]
}

#[tokio::test]
async fn a_webhook_run_is_one_trace_from_the_callers_span_to_the_plugins_request() {
    let (collector, endpoint) = Collector::start().await;
    let (upstream, addr) = Recorder::start().await;
    let service = service(Some(endpoint), addr.port()).await;
    let run_id = run_once(&service).await;
    // Shutting down flushes what is still queued.
    service.running.shutdown().await;

    let spans = collector.spans();
    assert_eq!(spans.len(), 4, "{spans:#?}");
    assert!(spans.iter().all(|s| s.trace == TRACE), "one trace, the header's: {spans:#?}");
    let run = one(&spans, "run traced");
    let step = one(&spans, "step post");
    let attempt = one(&spans, "flaky/publish");
    let http = one(&spans, "HTTP POST");
    assert_eq!(run.parent.as_deref(), Some(CALLER), "the caller's span is the run's parent");
    assert_eq!(step.parent.as_ref(), Some(&run.id));
    assert_eq!(attempt.parent.as_ref(), Some(&step.id));
    assert_eq!(http.parent.as_ref(), Some(&attempt.id));

    let times = [run.start, step.start, attempt.start, http.start, http.end, attempt.end, step.end, run.end];
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "each span inside its parent: {times:?}");

    assert_eq!((run.attr("roost.run.id"), run.attr("roost.run.status")), (run_id.as_str(), "succeeded"));
    assert_eq!((run.attr("roost.workspace"), run.attr("roost.workflow")), ("default", "traced"));
    assert_eq!((step.attr("roost.step.id"), step.attr("roost.step.status")), ("post", "succeeded"));
    assert_eq!((attempt.attr("roost.attempt"), attempt.attr("roost.outcome")), ("1", "succeeded"));
    assert!(attempt.attr("roost.memory_peak_bytes").parse::<u64>().unwrap() > 0);
    assert_eq!((http.attr("http.request.method"), http.attr("server.address")), ("POST", "loopback.test"));
    assert_eq!(http.attr("http.response.status_code"), "200");

    let seen = upstream.requests();
    assert_eq!(seen.len(), 1);
    let sent: Vec<_> = seen[0].headers.get_all("traceparent").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(sent, [format!("00-{TRACE}-{}-01", attempt.id)], "the upstream learns the attempt's span");

    let values: Vec<&str> = spans.iter().flat_map(|s| s.attributes.iter().map(|(_, v)| v.as_str())).collect();
    for secret in [QUERY_SECRET, "access_token", KEY, "/statuses"] {
        assert!(!values.iter().any(|v| v.contains(secret)), "`{secret}` in an attribute: {values:?}");
    }
    assert!(collector.types.lock().unwrap().iter().all(|t| t == "application/json"));
}

#[tokio::test]
async fn without_an_endpoint_nothing_is_traced_or_propagated() {
    let (upstream, addr) = Recorder::start().await;
    let service = service(None, addr.port()).await;
    assert!(!service.state().runtime.tracer().is_on());
    run_once(&service).await;
    service.running.shutdown().await;
    let seen = upstream.requests();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].headers.get("traceparent").is_none(), "{:?}", seen[0].headers);
}
