//! Prometheus metrics at `GET /metrics`, in the text exposition format 0.0.4.
//!
//! Counted by this process since it started: plugin executions started and finished, their
//! duration and peak linear memory by plugin and action, steps refused by a quota, and how
//! late schedule occurrences fired. Read
//! from the database at each scrape: runs by workspace and status, the queue depth (jobs due
//! and not leased) and waiting approvals by workspace.
//!
//! Who may read them: anyone, when the service listens on a loopback address (the default
//! `127.0.0.1:8080`: only this machine reaches it, and a scraper there needs no credential);
//! otherwise only the operator token (`Authorization: Bearer`), since the metrics name every
//! workspace. Workspace tokens are refused either way when a token is required.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::scheduler::LatenessSnapshot;
use crate::capabilities::calls::HostCalls;
use crate::engine::{StepEvent, StepObserver};
use crate::store::{Store, StoreError, Usage};

/// The content type of the text exposition format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the step duration histogram, in seconds.
const DURATION_BUCKETS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

const MIB: f64 = 1048576.0;

/// Upper bounds of the peak memory histogram, in bytes: 1 MiB to the host's 512 MiB ceiling.
const MEMORY_BUCKETS: [f64; 10] =
    [MIB, 2.0 * MIB, 4.0 * MIB, 8.0 * MIB, 16.0 * MIB, 32.0 * MIB, 64.0 * MIB, 128.0 * MIB, 256.0 * MIB, 512.0 * MIB];

/// The service's counters, shared by the engine (as its [`StepObserver`]) and the endpoint.
pub struct Metrics {
    anonymous: bool,
    steps: Mutex<Steps>,
    /// Each workspace's use, for billing.
    pub meter: super::metering::Meter,
}

#[derive(Default)]
struct Steps {
    /// By (plugin, action).
    started: BTreeMap<(String, String), u64>,
    /// Durations by (plugin, action, outcome); their counts are the finished steps.
    durations: BTreeMap<(String, String, String), Histogram>,
    /// Peak linear memory by (plugin, action).
    memory: BTreeMap<(String, String), Histogram>,
    /// By (workspace, quota).
    refusals: BTreeMap<(String, String), u64>,
}

/// Observations in buckets (each counted once, in the first bound it fits), with sum and count.
#[derive(Debug, Clone, Default, PartialEq)]
struct Histogram {
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], value: f64) {
        self.buckets.resize(bounds.len(), 0);
        if let Some(i) = bounds.iter().position(|b| value <= *b) {
            self.buckets[i] += 1;
        }
        self.sum += value;
        self.count += 1;
    }
}

impl Metrics {
    /// `anonymous`: whether `/metrics` answers without a token (the listener is on loopback).
    pub fn new(anonymous: bool) -> Self {
        Self { anonymous, steps: Mutex::default(), meter: super::metering::Meter::default() }
    }

    /// A step of `workspace` refused by `quota` (e.g. `steps_per_day`).
    pub fn quota_refused(&self, workspace: &str, quota: &str) {
        *self.steps.lock().unwrap().refusals.entry((workspace.into(), quota.into())).or_default() += 1;
    }

    /// The exposition: this process's counters, then the store's current counts.
    pub async fn render(&self, store: &Store, lateness: &LatenessSnapshot) -> Result<String, StoreError> {
        let (runs, depth, approvals) =
            (store.run_counts().await?, store.queue_depth().await?, store.waiting_approval_counts().await?);
        let mut out = Text::default();
        self.render_steps(&mut out);
        self.render_usage(&mut out);
        out.family("roost_runs", "gauge", "Runs in the database by workspace and status.");
        for (workspace, status, n) in &runs {
            out.sample("roost_runs", &[("workspace", workspace), ("status", status)], *n as f64);
        }
        out.family("roost_queue_depth", "gauge", "Jobs due now and not leased by any worker.");
        out.sample("roost_queue_depth", &[], depth as f64);
        out.family("roost_approvals_waiting", "gauge", "Approvals waiting for a decision, by workspace.");
        for (workspace, n) in &approvals {
            out.sample("roost_approvals_waiting", &[("workspace", workspace)], *n as f64);
        }
        out.family(
            "roost_schedule_fire_lateness_seconds",
            "histogram",
            "How long after its due time each schedule occurrence started its run.",
        );
        for (le, n) in &lateness.buckets {
            out.sample("roost_schedule_fire_lateness_seconds_bucket", &[("le", &number(*le))], *n as f64);
        }
        out.sample("roost_schedule_fire_lateness_seconds_bucket", &[("le", "+Inf")], lateness.count as f64);
        out.sample("roost_schedule_fire_lateness_seconds_sum", &[], lateness.sum_seconds);
        out.sample("roost_schedule_fire_lateness_seconds_count", &[], lateness.count as f64);
        Ok(out.0)
    }

    fn render_steps(&self, out: &mut Text) {
        let steps = self.steps.lock().unwrap();
        out.family("roost_steps_started_total", "counter", "Plugin executions started, by plugin and action.");
        for ((plugin, action), n) in &steps.started {
            out.sample("roost_steps_started_total", &[("plugin", plugin), ("action", action)], *n as f64);
        }
        out.family(
            "roost_steps_finished_total",
            "counter",
            "Plugin executions finished, by plugin, action and outcome.",
        );
        for ((plugin, action, outcome), h) in &steps.durations {
            let labels = [("plugin", plugin.as_str()), ("action", action), ("outcome", outcome)];
            out.sample("roost_steps_finished_total", &labels, h.count as f64);
        }
        out.family("roost_step_duration_seconds", "histogram", "Wall-clock time of plugin executions.");
        for ((plugin, action, outcome), h) in &steps.durations {
            let labels = [("plugin", plugin.as_str()), ("action", action), ("outcome", outcome)];
            out.histogram("roost_step_duration_seconds", &labels, h, &DURATION_BUCKETS);
        }
        out.family("roost_step_memory_peak_bytes", "histogram", "Most linear memory a plugin execution held at once.");
        for ((plugin, action), h) in &steps.memory {
            out.histogram(
                "roost_step_memory_peak_bytes",
                &[("plugin", plugin), ("action", action)],
                h,
                &MEMORY_BUCKETS,
            );
        }
        out.family("roost_quota_refusals_total", "counter", "Steps refused by a workspace quota.");
        for ((workspace, quota), n) in &steps.refusals {
            out.sample("roost_quota_refusals_total", &[("workspace", workspace), ("quota", quota)], *n as f64);
        }
    }
}

/// A family of per-workspace usage samples: name, help, and the value it reads.
type UsageFamily = (&'static str, &'static str, fn(&Usage) -> f64);

impl Metrics {
    /// Each workspace's use since this process started (the database keeps it per day).
    fn render_usage(&self, out: &mut Text) {
        let totals = self.meter.totals();
        let counters: [UsageFamily; 5] = [
            ("roost_workspace_steps_total", "Plugin executions, by workspace.", |u| u.steps as f64),
            ("roost_workspace_wasm_seconds_total", "Time spent in plugins, by workspace.", |u| {
                u.wasm_ms as f64 / 1000.0
            }),
            ("roost_workspace_http_requests_total", "Outgoing HTTP requests of plugins, by workspace.", |u| {
                u.http_requests as f64
            }),
            ("roost_workspace_model_tokens_total", "Tokens models' APIs reported, by workspace.", |u| {
                u.model_tokens as f64
            }),
            ("roost_workspace_memory_peak_bytes", "Most memory one plugin execution held, by workspace.", |u| {
                u.memory_peak_bytes as f64
            }),
        ];
        for (name, help, value) in counters {
            out.family(name, if name.ends_with("_total") { "counter" } else { "gauge" }, help);
            for (workspace, usage) in &totals {
                out.sample(name, &[("workspace", workspace)], value(usage));
            }
        }
        let bytes = "roost_workspace_http_bytes_total";
        out.family(bytes, "counter", "HTTP body bytes plugins sent (out) and received (in), by workspace.");
        for (workspace, u) in &totals {
            out.sample(bytes, &[("workspace", workspace), ("direction", "out")], u.http_bytes_out as f64);
            out.sample(bytes, &[("workspace", workspace), ("direction", "in")], u.http_bytes_in as f64);
        }
    }
}

impl StepObserver for Metrics {
    fn started(&self, step: StepEvent<'_>) {
        let key = (step.plugin.to_string(), step.action.to_string());
        *self.steps.lock().unwrap().started.entry(key).or_default() += 1;
    }

    fn finished(&self, step: StepEvent<'_>, outcome: &str, duration: Duration, memory_peak: usize, calls: &HostCalls) {
        self.meter.record(step.workspace, duration, memory_peak, calls);
        let mut steps = self.steps.lock().unwrap();
        let key = (step.plugin.to_string(), step.action.to_string(), outcome.to_string());
        steps.durations.entry(key).or_default().observe(&DURATION_BUCKETS, duration.as_secs_f64());
        let key = (step.plugin.to_string(), step.action.to_string());
        steps.memory.entry(key).or_default().observe(&MEMORY_BUCKETS, memory_peak as f64);
    }
}

/// The text exposition format 0.0.4, written line by line.
#[derive(Default)]
struct Text(String);

impl Text {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
            let _ = write!(self.0, "{{{}}}", pairs.join(","));
        }
        let _ = writeln!(self.0, " {}", number(value));
    }

    fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &Histogram, bounds: &[f64]) {
        let mut cumulative = 0;
        for (i, bound) in bounds.iter().enumerate() {
            cumulative += h.buckets.get(i).copied().unwrap_or(0);
            let le = number(*bound);
            let with_le: Vec<(&str, &str)> = labels.iter().copied().chain([("le", le.as_str())]).collect();
            self.sample(&format!("{name}_bucket"), &with_le, cumulative as f64);
        }
        let with_inf: Vec<(&str, &str)> = labels.iter().copied().chain([("le", "+Inf")]).collect();
        self.sample(&format!("{name}_bucket"), &with_inf, h.count as f64);
        self.sample(&format!("{name}_sum"), labels, h.sum);
        self.sample(&format!("{name}_count"), labels, h.count as f64);
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Integers without a fraction, others as Rust prints them (which Prometheus parses).
fn number(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{value}")
    }
}

#[utoipa::path(get, operation_id = "get_metrics", path = "/metrics", tag = "service", security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "Not on loopback, and no valid token", body = ErrorBody),
        (status = 403, description = "Not on loopback, and not the operator token", body = ErrorBody)))]
pub async fn scrape(State(s): State<AppState>, caller: Result<Caller, ApiError>) -> Response {
    if !s.metrics.anonymous
        && let Err(e) = caller.and_then(|c| c.require_operator())
    {
        return e.into_response();
    }
    match s.metrics.render(&s.store, &s.scheduling.lateness.snapshot()).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> StepEvent<'static> {
        StepEvent { workspace: "acme", plugin: "echo", action: "echo" }
    }

    #[test]
    fn histograms_are_cumulative_with_sum_and_count() {
        let metrics = Metrics::new(true);
        metrics.started(event());
        metrics.started(event());
        let calls = HostCalls { http: 2, http_bytes_in: 512, model_tokens: 42, ..HostCalls::default() };
        metrics.finished(event(), "succeeded", Duration::from_millis(30), 3 << 20, &calls);
        metrics.finished(event(), "timeout", Duration::from_secs(400), 600 << 20, &HostCalls::default());
        let mut out = Text::default();
        metrics.render_steps(&mut out);
        let text = out.0;
        let has = |line: &str| assert!(text.lines().any(|l| l == line), "no line `{line}` in\n{text}");
        has("# TYPE roost_steps_started_total counter");
        has("roost_steps_started_total{plugin=\"echo\",action=\"echo\"} 2");
        has("roost_steps_finished_total{plugin=\"echo\",action=\"echo\",outcome=\"timeout\"} 1");
        has("roost_step_duration_seconds_bucket{plugin=\"echo\",action=\"echo\",outcome=\"succeeded\",le=\"0.025\"} 0");
        has("roost_step_duration_seconds_bucket{plugin=\"echo\",action=\"echo\",outcome=\"succeeded\",le=\"0.05\"} 1");
        has("roost_step_duration_seconds_bucket{plugin=\"echo\",action=\"echo\",outcome=\"succeeded\",le=\"300\"} 1");
        has("roost_step_duration_seconds_bucket{plugin=\"echo\",action=\"echo\",outcome=\"timeout\",le=\"300\"} 0");
        has("roost_step_duration_seconds_bucket{plugin=\"echo\",action=\"echo\",outcome=\"timeout\",le=\"+Inf\"} 1");
        has("roost_step_duration_seconds_sum{plugin=\"echo\",action=\"echo\",outcome=\"succeeded\"} 0.03");
        has("roost_step_memory_peak_bytes_bucket{plugin=\"echo\",action=\"echo\",le=\"2097152\"} 0");
        has("roost_step_memory_peak_bytes_bucket{plugin=\"echo\",action=\"echo\",le=\"4194304\"} 1");
        has("roost_step_memory_peak_bytes_bucket{plugin=\"echo\",action=\"echo\",le=\"536870912\"} 1");
        has("roost_step_memory_peak_bytes_bucket{plugin=\"echo\",action=\"echo\",le=\"+Inf\"} 2");
        has("roost_step_memory_peak_bytes_count{plugin=\"echo\",action=\"echo\"} 2");
        let mut out = Text::default();
        metrics.render_usage(&mut out);
        let text = out.0;
        let has = |line: &str| assert!(text.lines().any(|l| l == line), "no line `{line}` in\n{text}");
        has("roost_workspace_steps_total{workspace=\"acme\"} 2");
        has("roost_workspace_wasm_seconds_total{workspace=\"acme\"} 400.03");
        has("roost_workspace_http_requests_total{workspace=\"acme\"} 2");
        has("roost_workspace_http_bytes_total{workspace=\"acme\",direction=\"in\"} 512");
        has("roost_workspace_model_tokens_total{workspace=\"acme\"} 42");
        has("roost_workspace_memory_peak_bytes{workspace=\"acme\"} 629145600");
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut out = Text::default();
        out.family("x", "gauge", "a \\ b\nc");
        out.sample("x", &[("workspace", "a\"b\\c\nd")], 1.5);
        assert_eq!(out.0, "# HELP x a \\\\ b\\nc\n# TYPE x gauge\nx{workspace=\"a\\\"b\\\\c\\nd\"} 1.5\n");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(1e20), "100000000000000000000");
    }
}
