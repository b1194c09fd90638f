//! Trigger latency of `roost serve`, in-process on loopback over a SQLite file.
//!
//! Run with `cargo bench -p roost --bench webhook`. An open-loop load generator sends
//! 500 requests/s (at fixed times, whether or not earlier ones were answered):
//! first to `/healthz` as the baseline of a no-op endpoint, then signed webhooks whose
//! runs have one echo step; for those it measures request sent -> the step's
//! `started_at` in the store. Then 50 every-second schedules run for 20 s and the
//! scheduler's fire lateness is read. `ROOST_BENCH_SECONDS` sets the length of each
//! load phase (default 60), `ROOST_BENCH_RATE` the requests per second (default 500).
//! Past what the machine sustains, the latencies are mostly queueing: the achieved
//! rates are printed too.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use roost::service::start::{Running, ServeOptions, start};
use roost::service::vault::Vault;
use roost::store::Store;
use serde_json::{Value, json};
use sha2::Sha256;

const OPERATOR: &str = "roost_bench-operator";
const KEY: &str = "bench-hook-key";
const SCHEDULES: usize = 50;
const CRON_SECONDS: u64 = 20;

const HOOKED: &str = "name: hook-echo
on:
  webhook: { secret: HOOK_KEY }
steps:
  - id: echo
    uses: echo/echo@1
    with: { n: 1 }
";

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(bench());
}

struct Bench {
    rate: u64,
    running: Running,
    url: String,
    client: reqwest::Client,
}

/// One request of a load phase: when it was sent, how long the answer took, the answer.
struct Sent {
    sent_ms: f64,
    latency: Duration,
    result: Result<(u16, Value), String>,
}

async fn bench() {
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let (seconds, rate) = (env("ROOST_BENCH_SECONDS", 60), env("ROOST_BENCH_RATE", 500).max(1));
    let dir = tempfile::tempdir().unwrap();
    let b = service(&dir, rate).await;
    b.api(reqwest::Method::PUT, "/api/v1/workspaces/default/secrets/HOOK_KEY", json!({ "value": KEY })).await;
    b.api(reqwest::Method::POST, "/api/v1/workspaces/default/workflows", json!({ "source": HOOKED })).await;
    println!("{rate} requests/s, open loop, {seconds} s per phase, service on {}", b.url);

    let healthz = b.load(seconds, |_| b.client.get(format!("{}/healthz", b.url))).await;
    let base = summary("GET /healthz (baseline)", &healthz);

    let hooks = b
        .load(seconds, |i| {
            let body = json!({ "seq": i }).to_string();
            b.client
                .post(format!("{}/hooks/default/hook-echo", b.url))
                .header("x-roost-signature", sign(body.as_bytes()))
                .header("x-roost-delivery", format!("bench-{i}"))
                .header("content-type", "application/json")
                .body(body)
        })
        .await;
    let accepted = summary("POST /hooks (202 answer)", &hooks);
    let to_step = first_step_latencies(&b, &hooks).await;
    let (p50, p99) = (quantile(&to_step, 0.5), quantile(&to_step, 0.99));
    println!(
        "webhook sent -> first step started: {} runs, p50 {p50:.1} ms, p99 {p99:.1} ms, max {:.1} ms",
        to_step.len(),
        quantile(&to_step, 1.0)
    );
    println!(
        "ratios to the /healthz baseline: answer p50 {:.1}x p99 {:.1}x; first step started p50 {:.1}x p99 {:.1}x",
        accepted.0 / base.0,
        accepted.1 / base.1,
        p50 / base.0,
        p99 / base.1
    );

    cron_lateness(&b).await;
    b.running.shutdown().await;
}

async fn service(dir: &tempfile::TempDir, rate: u64) -> Bench {
    let (runtime, registry, _) = support::echo();
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let options = ServeOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        store: Store::connect(&db).await.unwrap(),
        runtime,
        registry: Arc::new(registry),
        vault: Vault::from_key(&[9; 32]),
        lease: Duration::from_secs(30),
        workspace: "default".into(),
        workflows: None,
        operator_token: Some(OPERATOR.into()),
        data_dir: dir.path().to_path_buf(),
        grace: Duration::from_secs(5),
        clock: None,
        // The every-second schedules measure lateness, so the minimum interval is lowered.
        retention: roost::service::retention::Policy {
            min_schedule_interval: Duration::from_secs(1),
            ..Default::default()
        },
        trust: Default::default(),
        auth: Default::default(),
        roles: Default::default(),
    };
    let running = start(options).await.unwrap();
    let url = format!("http://{}", running.addr);
    let client = reqwest::Client::builder().pool_max_idle_per_host(1024).build().unwrap();
    Bench { rate, running, url, client }
}

impl Bench {
    async fn api(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let resp =
            self.client.request(method, format!("{}{path}", self.url)).bearer_auth(OPERATOR).json(&body).send().await;
        let resp = resp.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Sends `rate` requests a second for `seconds`, each at its own fixed time.
    async fn load(&self, seconds: u64, request: impl Fn(u64) -> reqwest::RequestBuilder) -> Vec<Sent> {
        let total = self.rate * seconds;
        let interval = Duration::from_secs(1) / self.rate as u32;
        let start = tokio::time::Instant::now();
        let mut tasks = Vec::with_capacity(total as usize);
        for i in 0..total {
            tokio::time::sleep_until(start + interval * i as u32).await;
            let req = request(i);
            tasks.push(tokio::spawn(async move {
                let sent_ms = epoch_ms();
                let began = Instant::now();
                let result = match req.send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
                        Ok((status, body))
                    }
                    Err(e) => Err(e.to_string()),
                };
                Sent { sent_ms, latency: began.elapsed(), result }
            }));
        }
        let mut out = Vec::with_capacity(tasks.len());
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    }
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Nearest rank; `values` need not be sorted.
fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Prints a phase's answer latencies and errors; returns (p50, p99) in ms.
fn summary(name: &str, sent: &[Sent]) -> (f64, f64) {
    let ok: Vec<f64> = sent
        .iter()
        .filter(|s| matches!(&s.result, Ok((status, _)) if (200..300).contains(status)))
        .map(|s| s.latency.as_secs_f64() * 1000.0)
        .collect();
    let errors = sent.len() - ok.len();
    let (p50, p99) = (quantile(&ok, 0.5), quantile(&ok, 0.99));
    let first = sent.iter().map(|s| s.sent_ms).fold(f64::INFINITY, f64::min);
    let last = sent.iter().map(|s| s.sent_ms + s.latency.as_secs_f64() * 1000.0).fold(0.0, f64::max);
    println!(
        "{name:<26} {} requests, {errors} errors, answer p50 {p50:.2} ms, p99 {p99:.2} ms, max {:.2} ms; \
         answered {:.0}/s",
        sent.len(),
        quantile(&ok, 1.0),
        sent.len() as f64 / ((last - first) / 1000.0)
    );
    if let Some(first) = sent.iter().find(|s| !matches!(&s.result, Ok((status, _)) if (200..300).contains(status))) {
        match &first.result {
            Ok((status, body)) => println!("  first error: {status} {body}"),
            Err(e) => println!("  first error: {e}"),
        }
    }
    (p50, p99)
}

/// Waits for the accepted webhooks' runs to start their step (up to 3 minutes), then
/// reads each step's `started_at` against when its request was sent.
async fn first_step_latencies(b: &Bench, hooks: &[Sent]) -> Vec<f64> {
    let store = &b.running.state.store;
    let runs: Vec<(f64, String)> = hooks
        .iter()
        .filter_map(|s| match &s.result {
            Ok((202, body)) => body["run_id"].as_str().map(|id| (s.sent_ms, id.to_string())),
            _ => None,
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    if let Some((_, last)) = runs.last() {
        while Instant::now() < deadline {
            let state = store.run_state(last).await.unwrap();
            if state.run.finished_at.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let mut latencies = Vec::with_capacity(runs.len());
    let (mut not_started, mut first, mut last) = (0, i64::MAX, 0);
    for (sent_ms, id) in &runs {
        let state = store.run_state(id).await.unwrap();
        match state.run.steps.first().and_then(|s| s.started_at) {
            Some(started) => {
                latencies.push(started as f64 - sent_ms);
                (first, last) = (first.min(started), last.max(started));
            }
            None => not_started += 1,
        }
    }
    if not_started > 0 {
        println!("  {not_started} accepted webhooks had not started their step 3 minutes after the load");
    }
    if last > first {
        println!("  first steps started at {:.0}/s", latencies.len() as f64 / ((last - first) as f64 / 1000.0));
    }
    latencies
}

/// 50 every-second schedules for 20 s: how late the scheduler starts their runs. The
/// first seconds, while the scheduler picks the new workflows up, are not counted.
async fn cron_lateness(b: &Bench) {
    let lateness = &b.running.state.scheduling.lateness;
    for i in 0..SCHEDULES {
        let source = format!(
            "name: tick-{i}\non:\n  schedule:\n    - cron: \"*/1 * * * * *\"\nsteps:\n  - id: echo\n    uses: echo/echo@1\n    with: {{ n: 1 }}\n"
        );
        b.api(reqwest::Method::POST, "/api/v1/workspaces/default/workflows", json!({ "source": source })).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = lateness.snapshot().count;
    tokio::time::sleep(Duration::from_secs(CRON_SECONDS)).await;
    let fired = (lateness.snapshot().count - before) as usize;
    for i in 0..SCHEDULES {
        let path = format!("/api/v1/workspaces/default/workflows/tick-{i}");
        b.api(reqwest::Method::PATCH, &path, json!({ "enabled": false })).await;
    }
    let events = b.running.state.store.trigger_events("default", "", 100_000).await.unwrap();
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for e in events.iter().filter(|e| e.workflow.starts_with("tick-")) {
        *outcomes.entry(e.outcome.clone()).or_default() += 1;
    }
    println!("  schedule trigger events by outcome (whole phase): {outcomes:?}");
    let recent = lateness.recent();
    let values: Vec<f64> = recent[recent.len().saturating_sub(fired)..].iter().map(|s| s * 1000.0).collect();
    let due = SCHEDULES as u64 * CRON_SECONDS;
    println!(
        "cron fire lateness: {SCHEDULES} every-second schedules for {CRON_SECONDS} s ({due} times due), {fired} fired \
         on time, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile(&values, 0.5),
        quantile(&values, 0.99),
        quantile(&values, 1.0)
    );
}
