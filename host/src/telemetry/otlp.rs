//! Spans as Roost makes them, and their OTLP/HTTP JSON encoding (`POST /v1/traces`).
//!
//! The encoding follows the OTLP JSON mapping: ids as lowercase hex, times and 64-bit
//! integers as decimal strings, enums as numbers.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::context::{SpanId, TraceId};

/// What a span stands for, as OTLP numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Internal = 1,
    Client = 3,
}

/// An attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr {
    Str(String),
    Int(i64),
}

impl From<&str> for Attr {
    fn from(text: &str) -> Self {
        Self::Str(text.to_string())
    }
}

impl From<i64> for Attr {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

/// One ended span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub trace: TraceId,
    pub id: SpanId,
    pub parent: Option<SpanId>,
    pub name: String,
    pub kind: Kind,
    pub start_ns: u64,
    pub end_ns: u64,
    pub attributes: Vec<(&'static str, Attr)>,
    /// False: the span's status is an error.
    pub ok: bool,
}

/// Now, in nanoseconds since the Unix epoch.
pub fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
}

/// The body of one export request: `spans` as the spans of service `roost`.
pub fn encode(spans: &[Span]) -> Value {
    json!({
        "resourceSpans": [{
            "resource": { "attributes": [attribute("service.name", &Attr::from("roost"))] },
            "scopeSpans": [{
                "scope": { "name": "roost", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans.iter().map(encode_span).collect::<Vec<_>>(),
            }],
        }],
    })
}

fn encode_span(span: &Span) -> Value {
    let mut out = json!({
        "traceId": span.trace.to_string(),
        "spanId": span.id.to_string(),
        "name": span.name,
        "kind": span.kind as i32,
        "startTimeUnixNano": span.start_ns.to_string(),
        "endTimeUnixNano": span.end_ns.to_string(),
        "attributes": span.attributes.iter().map(|(k, v)| attribute(k, v)).collect::<Vec<_>>(),
        "status": { "code": if span.ok { 1 } else { 2 } },
    });
    if let Some(parent) = span.parent {
        out["parentSpanId"] = Value::String(parent.to_string());
    }
    out
}

fn attribute(key: &str, value: &Attr) -> Value {
    let value = match value {
        Attr::Str(s) => json!({ "stringValue": s }),
        Attr::Int(n) => json!({ "intValue": n.to_string() }),
    };
    json!({ "key": key, "value": value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_encode_in_the_otlp_json_mapping() {
        let span = Span {
            trace: TraceId([0xab; 16]),
            id: SpanId([1; 8]),
            parent: Some(SpanId([2; 8])),
            name: "step publish".into(),
            kind: Kind::Internal,
            start_ns: 1_700_000_000_000_000_001,
            end_ns: 1_700_000_000_000_000_002,
            attributes: vec![("roost.step.id", "publish".into()), ("roost.attempt", 2.into())],
            ok: false,
        };
        let root = Span { parent: None, ok: true, kind: Kind::Client, ..span.clone() };
        let body = encode(&[span, root]);
        let resource = &body["resourceSpans"][0];
        assert_eq!(
            resource["resource"]["attributes"][0],
            json!({ "key": "service.name", "value": { "stringValue": "roost" } })
        );
        let spans = &resource["scopeSpans"][0]["spans"];
        assert_eq!(spans[0]["traceId"], "ab".repeat(16));
        assert_eq!(spans[0]["spanId"], "0101010101010101");
        assert_eq!(spans[0]["parentSpanId"], "0202020202020202");
        assert_eq!(spans[0]["startTimeUnixNano"], "1700000000000000001");
        assert_eq!(spans[0]["kind"], 1);
        assert_eq!(spans[0]["status"]["code"], 2);
        assert_eq!(spans[0]["attributes"][1], json!({ "key": "roost.attempt", "value": { "intValue": "2" } }));
        assert!(spans[1].get("parentSpanId").is_none());
        assert_eq!((spans[1]["kind"].clone(), spans[1]["status"]["code"].clone()), (json!(3), json!(1)));
    }
}
