//! W3C Trace Context: `traceparent` parsed and formatted, and the ids of a run's spans.
//!
//! No span id is stored. A run's trace is the one its webhook's `traceparent` named, or
//! one derived from the run id; the spans of the run, its steps and their attempts have
//! ids derived from what names them. Whichever process drives a part of a run computes
//! the same ids, so the spans it emits join the same tree.

use std::fmt;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A trace's id: 16 bytes, never all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(pub [u8; 16]);

/// A span's id: 8 bytes, never all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(pub [u8; 8]);

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// A `traceparent` header: the trace and the span of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace: TraceId,
    pub parent: SpanId,
}

impl TraceParent {
    /// Parses `00-{32 hex}-{16 hex}-{2 hex}`, lowercase, with ids not all zero; `None`
    /// for anything else (another version, too long or short, uppercase).
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.split('-');
        let (version, trace, parent, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || version != "00" || decode::<1>(flags).is_none() {
            return None;
        }
        let (trace, parent) = (TraceId(decode(trace)?), SpanId(decode(parent)?));
        (trace.0 != [0; 16] && parent.0 != [0; 8]).then_some(Self { trace, parent })
    }

    /// The header's value, sampled: Roost records every span it makes.
    pub fn header(&self) -> String {
        format!("00-{}-{}-01", self.trace, self.parent)
    }
}

/// `text` as `N` bytes, if it is exactly `2 * N` lowercase hex digits.
fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let lower = text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if text.len() != 2 * N || !lower {
        return None;
    }
    let mut out = [0; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

/// Where a run's spans hang: its trace, and the caller's span when a webhook named one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunTrace {
    pub trace: TraceId,
    pub parent: Option<SpanId>,
}

impl RunTrace {
    /// The trace of run `run_id` whose stored context is `context`: the valid `traceparent`
    /// its trigger's headers carry, else one derived from the run id.
    pub fn of(run_id: &str, context: &Value) -> Self {
        let header = context.pointer("/trigger/headers/traceparent").and_then(Value::as_str);
        match header.and_then(TraceParent::parse) {
            Some(tp) => Self { trace: tp.trace, parent: Some(tp.parent) },
            None => Self { trace: TraceId(derive(&["trace", run_id])), parent: None },
        }
    }
}

/// The ids an attempt's spans use: the trace, the attempt's own span, its step's span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptIds {
    pub trace: TraceId,
    pub span: SpanId,
    pub step: SpanId,
}

impl AttemptIds {
    /// The ids of attempt `attempt` of step `step` (item `idx`, or -1) of run `run_id`.
    pub fn new(run: RunTrace, run_id: &str, step: &str, idx: i64, attempt: u32) -> Self {
        Self { trace: run.trace, span: attempt_span(run_id, step, idx, attempt), step: step_span(run_id, step) }
    }
}

pub fn run_span(run_id: &str) -> SpanId {
    SpanId(derive(&["run", run_id]))
}

pub fn step_span(run_id: &str, step: &str) -> SpanId {
    SpanId(derive(&["step", run_id, step]))
}

pub fn attempt_span(run_id: &str, step: &str, idx: i64, attempt: u32) -> SpanId {
    SpanId(derive(&["attempt", run_id, step, &idx.to_string(), &attempt.to_string()]))
}

/// A fresh span id for what happens once (an HTTP request).
pub fn random_span() -> SpanId {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        return SpanId(derive(&["random", &now.as_nanos().to_string(), &std::process::id().to_string()]));
    }
    nonzero(bytes, SpanId)
}

/// The first `N` bytes of the SHA-256 of `parts`, never all zero.
fn derive<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut hash = Sha256::new_with_prefix(b"roost-trace");
    for part in parts {
        // A separator no id holds keeps ("a", "bc") apart from ("ab", "c").
        hash.update([0]);
        hash.update(part.as_bytes());
    }
    let mut out = [0; N];
    out.copy_from_slice(&hash.finalize()[..N]);
    nonzero(out, |b| b)
}

fn nonzero<const N: usize, T>(mut bytes: [u8; N], wrap: impl Fn([u8; N]) -> T) -> T {
    if bytes == [0; N] {
        bytes[N - 1] = 1;
    }
    wrap(bytes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_parses_and_formats_back() {
        let tp = TraceParent::parse(VALID).unwrap();
        assert_eq!(tp.trace.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(tp.parent.to_string(), "00f067aa0ba902b7");
        assert_eq!(tp.header(), VALID);
        let unsampled = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap();
        assert_eq!(unsampled, tp, "the flags do not change the ids");
    }

    #[test]
    fn invalid_traceparents_are_refused() {
        let refused = [
            ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version ff"),
            ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "unknown version"),
            ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "all-zero trace id"),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "all-zero span id"),
            ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "short trace id"),
            ("00-4bf92f3577b34da6a3ce929d0e0e47360-00f067aa0ba902b7-01", "long trace id"),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01", "short span id"),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", "short flags"),
            ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "uppercase trace id"),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", "uppercase span id"),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx", "extra field"),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902g7-01", "not hex"),
            ("", "empty"),
        ];
        for (header, why) in refused {
            assert_eq!(TraceParent::parse(header), None, "{why}: {header}");
        }
    }

    #[test]
    fn a_run_takes_its_webhooks_trace_or_derives_one() {
        let from_hook = RunTrace::of("r1", &json!({ "trigger": { "headers": { "traceparent": VALID } } }));
        let tp = TraceParent::parse(VALID).unwrap();
        assert_eq!(from_hook, RunTrace { trace: tp.trace, parent: Some(tp.parent) });
        let bad = json!({ "trigger": { "headers": { "traceparent": "00-zz" } } });
        for context in [json!(null), bad] {
            let derived = RunTrace::of("r1", &context);
            assert_eq!(derived, RunTrace::of("r1", &json!({})), "derived from the run id alone");
            assert_eq!(derived.parent, None);
            assert_ne!(derived.trace, RunTrace::of("r2", &json!({})).trace);
        }
    }

    #[test]
    fn span_ids_are_the_same_in_every_process_and_differ_by_what_they_name() {
        assert_eq!(run_span("r1"), run_span("r1"));
        assert_eq!(attempt_span("r1", "s", -1, 2), attempt_span("r1", "s", -1, 2));
        let ids = [
            run_span("r1"),
            run_span("r2"),
            step_span("r1", "s"),
            step_span("r1", "t"),
            attempt_span("r1", "s", -1, 1),
            attempt_span("r1", "s", -1, 2),
            attempt_span("r1", "s", 0, 1),
            attempt_span("r1", "t", -1, 1),
            random_span(),
            random_span(),
        ];
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        assert!(ids.iter().all(|id| id.0 != [0; 8]));
        assert_ne!(step_span("a", "bc"), step_span("ab", "c"), "parts are kept apart");
    }
}
