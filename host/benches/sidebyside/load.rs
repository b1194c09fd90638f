//! The closed-loop load generator: a fixed number of senders, each sending its next
//! request once the previous one is complete (answered, or for a Roost delivery answered
//! with 202, its run finished), for a fixed time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::roost::{Poller, sign};

/// How long a sender waits for one request to complete.
const REQUEST_LIMIT: Duration = Duration::from_secs(60);

/// One request body with what a correct answer counts.
pub struct Request {
    pub body: String,
    pub signature: String,
    pub negatives: u64,
}

impl Request {
    pub fn new(body: String, negatives: u64) -> Request {
        Request { signature: sign(body.as_bytes()), body, negatives }
    }
}

/// What an answer's `count` must be.
#[derive(Clone, Copy)]
pub enum Count {
    /// The request's negative mentions.
    Negatives,
    /// Every mention.
    All(u64),
}

/// A system under load: where to send, how to read the answer.
pub struct Target {
    pub label: &'static str,
    pub url: String,
    pub count: Count,
    /// Roost: the poller of the workflow's runs, for deliveries answered with 202.
    pub roost: Option<Poller>,
}

/// The completed requests of one phase.
#[derive(Default)]
pub struct Phase {
    /// From the phase's start to its last completion.
    pub elapsed: Duration,
    pub latencies_ms: Vec<f64>,
    /// Completions read from a 200 answer and from a finished run after a 202.
    pub answered: usize,
    pub polled: usize,
    pub errors: usize,
    pub first_error: Option<String>,
}

impl Phase {
    pub fn per_second(&self) -> f64 {
        self.latencies_ms.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn merge(&mut self, other: Phase) {
        self.elapsed = self.elapsed.max(other.elapsed);
        self.latencies_ms.extend(other.latencies_ms);
        self.answered += other.answered;
        self.polled += other.polled;
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }
}

enum Done {
    /// The answer carried the result; its latency is the answer's.
    Answered,
    /// The run finished at this time (epoch ms).
    Polled(i64),
}

fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Runs `senders` closed-loop senders against `target` for `length`; `tag` makes the
/// delivery ids of this phase unique.
pub async fn phase(
    target: &Arc<Target>,
    requests: &Arc<Vec<Request>>,
    senders: usize,
    length: Duration,
    tag: &str,
) -> Phase {
    let client = reqwest::Client::builder().pool_max_idle_per_host(senders).build().expect("a client builds");
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(senders);
    for _ in 0..senders {
        let (target, requests, next, client, tag) =
            (target.clone(), requests.clone(), next.clone(), client.clone(), tag.to_string());
        tasks.push(tokio::spawn(async move {
            let mut phase = Phase::default();
            while start.elapsed() < length {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let request = &requests[n % requests.len()];
                let (sent_ms, began) = (epoch_ms(), Instant::now());
                let done =
                    tokio::time::timeout(REQUEST_LIMIT, send(&client, &target, request, &format!("{tag}-{n}"))).await;
                let done = done.unwrap_or_else(|_| Err(format!("no answer within {REQUEST_LIMIT:?}")));
                let latency_ms = match done {
                    Ok(Done::Answered) => {
                        phase.answered += 1;
                        began.elapsed().as_secs_f64() * 1000.0
                    }
                    Ok(Done::Polled(finished_ms)) => {
                        phase.polled += 1;
                        (finished_ms - sent_ms).max(0) as f64
                    }
                    Err(e) => {
                        phase.errors += 1;
                        if phase.first_error.is_none() {
                            phase.first_error = Some(e);
                        }
                        continue;
                    }
                };
                phase.latencies_ms.push(latency_ms);
                let completed = began.duration_since(start) + Duration::from_secs_f64(latency_ms / 1000.0);
                phase.elapsed = phase.elapsed.max(completed);
            }
            phase
        }));
    }
    let mut all = Phase::default();
    for task in tasks {
        all.merge(task.await.expect("a sender does not panic"));
    }
    all
}

async fn send(client: &reqwest::Client, target: &Target, request: &Request, delivery: &str) -> Result<Done, String> {
    let mut post = client.post(&target.url).header("content-type", "application/json").body(request.body.clone());
    if target.roost.is_some() {
        post = post.header("x-roost-signature", &request.signature).header("x-roost-delivery", delivery);
    }
    let answer = post.send().await.map_err(|e| format!("{}: {e}", target.url))?;
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.map_err(|e| format!("{}: the answer is not JSON: {e}", target.url))?;
    let expected = match target.count {
        Count::Negatives => request.negatives,
        Count::All(n) => n,
    };
    match (status, &target.roost) {
        (200, _) => {
            let result = if target.roost.is_some() { &body["outputs"] } else { &body };
            match result["count"].as_u64() {
                Some(count) if count == expected => Ok(Done::Answered),
                _ => Err(format!("{status} answer without `count` {expected}: {body}")),
            }
        }
        (202, Some(poller)) => {
            let id = body["run_id"].as_str().ok_or_else(|| format!("202 without a run id: {body}"))?;
            match poller.wait(id, REQUEST_LIMIT).await {
                Some((status, at)) if status == "succeeded" => Ok(Done::Polled(at)),
                Some((status, _)) => Err(format!("run {id} ended {status}")),
                None => Err(format!("run {id} did not finish within {REQUEST_LIMIT:?}")),
            }
        }
        _ => Err(format!("answer {status}: {body}")),
    }
}

/// The phases of one system at one concurrency, merged, with each phase's rate.
#[derive(Default)]
pub struct Series {
    pub total: Phase,
    pub elapsed: Duration,
    pub rates: Vec<f64>,
}

impl Series {
    pub fn add(&mut self, phase: Phase) {
        self.rates.push(phase.per_second());
        self.elapsed += phase.elapsed;
        self.total.merge(phase);
    }

    /// Completed requests per second over all phases.
    pub fn per_second(&self) -> f64 {
        self.total.latencies_ms.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// Nearest-rank quantile of the latencies, in ms.
    pub fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.total.latencies_ms.clone();
        if sorted.is_empty() {
            return f64::NAN;
        }
        sorted.sort_by(f64::total_cmp);
        sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
    }
}
