//! The spans of runs, steps, attempts and HTTP requests, built from what the engine records.
//!
//! Runs and steps keep their times in milliseconds: their spans start at the start's
//! millisecond and end at the end of the last one, so they enclose the attempts and
//! requests inside them, timed in nanoseconds.

use std::time::Duration;

use url::Url;

use super::Tracer;
use super::context::{AttemptIds, RunTrace, TraceParent, random_span, run_span, step_span};
use super::otlp::{Attr, Kind, Span, now_ns};
use crate::store::{RunRecord, RunWrite, StepRecord};

const STEP_ENDS: &[&str] = &["succeeded", "failed", "skipped", "cancelled"];
const RUN_ENDS: &[&str] = &["succeeded", "failed", "rejected", "cancelled"];

/// The start of millisecond `ms`, in nanoseconds.
fn start_of(ms: i64) -> u64 {
    ms.max(0) as u64 * 1_000_000
}

/// The end of millisecond `ms`, in nanoseconds.
fn end_of(ms: i64) -> u64 {
    start_of(ms) + 999_999
}

/// One ended plugin call, as the runtime saw it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub run_id: &'a str,
    pub step_id: &'a str,
    pub plugin: &'a str,
    pub action: &'a str,
    pub attempt: u32,
    /// `succeeded` or the failure's kind.
    pub outcome: &'a str,
    pub duration: Duration,
    pub memory_peak: usize,
}

impl Tracer {
    /// The ids of attempt `attempt` of `step` (item `idx`, or -1) of `run`; `None` when off.
    pub fn attempt_ids(&self, run: &RunRecord, step: &str, idx: i64, attempt: u32) -> Option<AttemptIds> {
        self.is_on().then(|| AttemptIds::new(RunTrace::of(&run.id, &run.context), &run.id, step, idx, attempt))
    }

    /// The spans of the steps and the run that `write` ends, to [`Tracer::emit_all`] once
    /// the write went through; none when off.
    pub fn ended(&self, run: &RunRecord, write: &RunWrite) -> Vec<Span> {
        if !self.is_on() {
            return Vec::new();
        }
        let trace = RunTrace::of(&run.id, &run.context);
        let ended = write.steps.iter().filter(|s| STEP_ENDS.contains(&s.status.as_str()));
        let mut spans: Vec<Span> = ended.filter_map(|s| step(trace, s)).collect();
        if let Some(finished) = write.finished_at.filter(|_| RUN_ENDS.contains(&write.status.as_str())) {
            spans.push(Span {
                trace: trace.trace,
                id: run_span(&run.id),
                parent: trace.parent,
                name: format!("run {}", run.workflow),
                kind: Kind::Internal,
                start_ns: start_of(run.started_at.unwrap_or(run.created_at).min(finished)),
                end_ns: end_of(finished),
                attributes: vec![
                    ("roost.workspace", run.workspace.as_str().into()),
                    ("roost.workflow", run.workflow.as_str().into()),
                    ("roost.run.id", run.id.as_str().into()),
                    ("roost.run.status", write.status.as_str().into()),
                ],
                ok: write.status != "failed",
            });
        }
        spans
    }

    pub fn emit_all(&self, spans: Vec<Span>) {
        for span in spans {
            self.emit(span);
        }
    }

    /// Emits the span of one ended attempt, timed back from now.
    pub fn attempt(&self, ids: AttemptIds, a: Attempt<'_>) {
        let end_ns = now_ns();
        self.emit(Span {
            trace: ids.trace,
            id: ids.span,
            parent: Some(ids.step),
            name: format!("{}/{}", a.plugin, a.action),
            kind: Kind::Internal,
            start_ns: end_ns.saturating_sub(a.duration.as_nanos() as u64),
            end_ns,
            attributes: vec![
                ("roost.run.id", a.run_id.into()),
                ("roost.step.id", a.step_id.into()),
                ("roost.attempt", i64::from(a.attempt).into()),
                ("roost.outcome", a.outcome.into()),
                ("roost.duration_us", (a.duration.as_micros() as i64).into()),
                ("roost.memory_peak_bytes", (a.memory_peak as i64).into()),
            ],
            ok: a.outcome == "succeeded",
        });
    }

    /// What the http capability of the attempt `ids` traces with; `None` when off.
    pub fn http(&self, ids: Option<AttemptIds>) -> Option<HttpTrace> {
        Some(HttpTrace { tracer: self.clone(), ids: ids.filter(|_| self.is_on())? })
    }
}

/// The span of step `s`, ended, under its run's span.
fn step(trace: RunTrace, s: &StepRecord) -> Option<Span> {
    let finished = s.finished_at?;
    Some(Span {
        trace: trace.trace,
        id: step_span(&s.run_id, &s.step_id),
        parent: Some(run_span(&s.run_id)),
        name: format!("step {}", s.step_id),
        kind: Kind::Internal,
        start_ns: start_of(s.started_at.unwrap_or(finished).min(finished)),
        end_ns: end_of(finished),
        attributes: vec![
            ("roost.run.id", s.run_id.as_str().into()),
            ("roost.step.id", s.step_id.as_str().into()),
            ("roost.step.status", s.status.as_str().into()),
        ],
        ok: s.status != "failed",
    })
}

/// Tracing of one attempt's outgoing requests.
#[derive(Debug, Clone)]
pub struct HttpTrace {
    tracer: Tracer,
    ids: AttemptIds,
}

impl HttpTrace {
    /// The `traceparent` a request carries: the attempt's span is its parent.
    pub fn traceparent(&self) -> String {
        TraceParent { trace: self.ids.trace, parent: self.ids.span }.header()
    }

    /// Starts timing one request.
    pub fn start(&self) -> HttpSpan {
        HttpSpan { trace: self.clone(), start_ns: now_ns() }
    }
}

/// One request being timed.
#[derive(Debug)]
pub struct HttpSpan {
    trace: HttpTrace,
    start_ns: u64,
}

impl HttpSpan {
    /// Emits the request's span: its method, scheme, host and port, and the response's
    /// status (`None`: no response). Never the path, the query or any header, which may
    /// hold secrets.
    pub fn end(self, method: &str, url: &Url, status: Option<u16>) {
        let method = method.to_ascii_uppercase();
        let mut attributes = vec![
            ("http.request.method", method.as_str().into()),
            ("url.scheme", url.scheme().into()),
            ("server.address", url.host_str().unwrap_or_default().into()),
        ];
        if let Some(port) = url.port_or_known_default() {
            attributes.push(("server.port", i64::from(port).into()));
        }
        match status {
            Some(code) => attributes.push(("http.response.status_code", i64::from(code).into())),
            None => attributes.push(("error.type", Attr::from("no-response"))),
        }
        let ids = self.trace.ids;
        self.trace.tracer.emit(Span {
            trace: ids.trace,
            id: random_span(),
            parent: Some(ids.span),
            name: format!("HTTP {method}"),
            kind: Kind::Client,
            start_ns: self.start_ns,
            end_ns: now_ns(),
            attributes,
            ok: status.is_some_and(|code| code < 400),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::TelemetryConfig;

    fn record(id: &str, status: &str, times: (i64, Option<i64>)) -> StepRecord {
        let (started_at, finished_at) = (Some(times.0), times.1);
        StepRecord {
            run_id: "r".into(),
            step_id: id.into(),
            status: status.into(),
            started_at,
            finished_at,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_write_yields_the_spans_of_what_it_ends_and_nothing_when_off() {
        let run = RunRecord { id: "r".into(), workflow: "w".into(), started_at: Some(10), ..Default::default() };
        let steps = vec![record("a", "succeeded", (11, Some(20))), record("b", "running", (12, None))];
        let mut write = RunWrite { steps, status: "running".into(), ..Default::default() };
        assert!(Tracer::default().ended(&run, &write).is_empty(), "off: nothing is built");

        let config = TelemetryConfig { otlp_endpoint: Some("http://127.0.0.1:9".into()), ..Default::default() };
        let tracer = Tracer::start(&config).unwrap();
        let spans = tracer.ended(&run, &write);
        assert_eq!(spans.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["step a"]);
        assert_eq!((spans[0].start_ns, spans[0].end_ns), (11_000_000, 20_999_999));
        assert_eq!(spans[0].parent, Some(run_span("r")));

        (write.status, write.finished_at) = ("failed".into(), Some(30));
        let spans = tracer.ended(&run, &write);
        let ended = spans.iter().find(|s| s.name == "run w").unwrap();
        assert_eq!((ended.id, ended.parent, ended.ok), (run_span("r"), None, false));
        assert_eq!((ended.start_ns, ended.end_ns), (10_000_000, 30_999_999));
    }
}
