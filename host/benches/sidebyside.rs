//! Roost against Node-RED 5.0.7, side by side on this machine: a webhook receives 100
//! mentions, they are scored, the negative ones are answered.
//!
//! Run with `cargo bench -p roost --bench sidebyside`. Node-RED is installed from npm into
//! a cache folder (`ROOST_BENCH_CACHE`, default `~/.cache/roost-bench`) and started with
//! the flow of `benches/sidebyside/` (word lists in a function node, nothing persisted);
//! Roost is this build's `roost serve` over a fresh SQLite database, with the signed
//! webhook workflow `score` (the `sentiment/batch` plugin, every run persisted) and `echo`
//! (one trivial step, the service's own cost). Both get the same seeded requests; the
//! answers to sample requests must name the same negatives or the benchmark fails.
//!
//! Closed-loop senders (8, then 16) run in interleaved rounds for `ROOST_BENCH_SECONDS`
//! each (default 20) after a warm-up, `ROOST_BENCH_ROUNDS` times (default 2). A Roost
//! delivery answered with its run's outputs (a webhook with `wait`) completes with the
//! answer; one answered 202 completes when its run has finished, read from the runs list.
//! `ROOST_BENCH_SYNC=1` requires the waiting webhook, `0` never asks for it; unset, it is
//! used when this Roost accepts it.

#[path = "sidebyside/load.rs"]
mod load;
#[path = "sidebyside/mentions.rs"]
mod mentions;
#[path = "sidebyside/nodered.rs"]
mod nodered;
#[path = "sidebyside/process.rs"]
mod process;
#[path = "sidebyside/roost.rs"]
mod roost;

use std::sync::Arc;
use std::time::Duration;

use load::{Count, Request, Series, Target};
use process::Server;
use serde_json::{Value, json};

const SENDERS: [usize; 2] = [8, 16];
const SEED: u64 = 0x5EED_2026;
/// Distinct request bodies, sent in turn.
const BODIES: usize = 64;
/// Requests whose negatives are compared between the systems before the load.
const SAMPLES: usize = 4;

fn main() {
    // The HTTP client's TLS needs a crypto provider chosen, even for plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime builds");
    rt.block_on(bench());
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

async fn bench() {
    let (seconds, rounds) = (env("ROOST_BENCH_SECONDS", 20).max(1), env("ROOST_BENCH_ROUNDS", 2).max(1));
    let sync = std::env::var("ROOST_BENCH_SYNC").ok().map(|v| v == "1");
    mentions::check_phrases();
    let (red, node) = nodered::install();
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let node_red = nodered::start(&red, &node, tmp.path()).await;
    let compiled = roost::plugin_cache().exists();
    let roost = roost::start(tmp.path()).await;
    let waits = match sync {
        Some(false) => false,
        Some(true) => {
            let both = roost::ask_to_wait(&roost.base, "score").await && roost::ask_to_wait(&roost.base, "echo").await;
            assert!(both, "ROOST_BENCH_SYNC=1: this Roost refuses `on: webhook: {{ wait: 30s }}`");
            true
        }
        None => roost::ask_to_wait(&roost.base, "score").await && roost::ask_to_wait(&roost.base, "echo").await,
    };

    let mut rng = mentions::Xorshift::new(SEED);
    let batches: Vec<mentions::Batch> = (0..BODIES).map(|n| mentions::batch(&mut rng, n)).collect();
    for (n, batch) in batches[..SAMPLES].iter().enumerate() {
        same_negatives(&node_red, &roost, batch, n).await;
    }
    println!("{SAMPLES} sample requests: Node-RED and Roost name the same negatives as the generator");
    let requests: Arc<Vec<Request>> =
        Arc::new(batches.into_iter().map(|b| Request::new(b.body, b.negatives.len() as u64)).collect());

    let targets = [
        Target { label: "Node-RED", url: format!("{}/mentions", node_red.base), count: Count::Negatives, roost: None },
        roost_target(&roost, "score", "Roost sentiment/batch", Count::Negatives),
        roost_target(&roost, "echo", "Roost echo step", Count::All(mentions::PER_REQUEST as u64)),
    ]
    .map(Arc::new);
    let warm = Duration::from_secs(seconds.min(5));
    for target in &targets {
        load::phase(target, &requests, SENDERS[0], warm, &format!("warm-{}", target.label)).await;
    }
    let mut series: Vec<Vec<Series>> =
        targets.iter().map(|_| SENDERS.iter().map(|_| Series::default()).collect()).collect();
    for round in 0..rounds {
        for (s, &senders) in SENDERS.iter().enumerate() {
            for (t, target) in targets.iter().enumerate() {
                let tag = format!("r{round}-c{senders}-{t}");
                let phase = load::phase(target, &requests, senders, Duration::from_secs(seconds), &tag).await;
                println!(
                    "round {} c={senders:<2} {:<22} {:>7.1} req/s, {} answered, {} polled, {} errors{}",
                    round + 1,
                    target.label,
                    phase.per_second(),
                    phase.answered,
                    phase.polled,
                    phase.errors,
                    phase.first_error.as_deref().map(|e| format!(" (first: {e})")).unwrap_or_default()
                );
                series[t][s].add(phase);
            }
        }
    }
    let mode =
        if waits { "webhook waits for the run (200 with outputs)" } else { "202, then the run polled until finished" };
    println!("\n{rounds} rounds of {seconds} s per system and concurrency; Roost: {mode}\n");
    table(&targets, &series);
    resources(&node_red, &roost);
    if !compiled {
        println!("(Roost's start compiled its plugins: the first run's cache in {})", roost::plugin_cache().display());
    }
}

fn roost_target(roost: &Server, workflow: &str, label: &'static str, count: Count) -> Target {
    let url = format!("{}/hooks/default/{workflow}", roost.base);
    Target { label, url, count, roost: Some(roost::Poller::spawn(&roost.base, workflow)) }
}

/// Sends `batch` to both systems and panics unless both answer the generator's negatives.
async fn same_negatives(node_red: &Server, roost: &Server, batch: &mentions::Batch, n: usize) {
    let client = reqwest::Client::new();
    let post = |url: String| client.post(url).header("content-type", "application/json").body(batch.body.clone());
    let answer = post(format!("{}/mentions", node_red.base)).send().await.expect("Node-RED answers");
    let red: Value = answer.json().await.expect("Node-RED answers JSON");
    let request = post(format!("{}/hooks/default/score", roost.base))
        .header("x-roost-signature", roost::sign(batch.body.as_bytes()))
        .header("x-roost-delivery", format!("sample-{n}"));
    let answer = request.send().await.expect("Roost answers");
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.expect("Roost answers JSON");
    let outputs = match (status, body["run_id"].as_str()) {
        (200, _) if !body["outputs"].is_null() => body["outputs"].clone(),
        (202, Some(id)) => {
            let run = roost::finished_run(&roost.base, id, Duration::from_secs(60)).await;
            assert_eq!(run["status"], "succeeded", "the sample run failed: {run}");
            run["outputs"].clone()
        }
        _ => panic!("Roost answered a sample delivery with {status}: {body}"),
    };
    let expected = json!(batch.negatives);
    assert_eq!(red["negatives"], expected, "Node-RED's negatives differ from the generator's");
    assert_eq!(outputs["negatives"], expected, "Roost's negatives differ from the generator's");
}

fn table(targets: &[Arc<Target>], series: &[Vec<Series>]) {
    println!(
        "{:<24} {:>3} {:>9} {:>17} {:>8} {:>8} {:>8}",
        "system", "c", "req/s", "(per round)", "p50 ms", "p90 ms", "p99 ms"
    );
    for (s, senders) in SENDERS.iter().enumerate() {
        for (t, target) in targets.iter().enumerate() {
            let x = &series[t][s];
            let rounds: Vec<String> = x.rates.iter().map(|r| format!("{r:.0}")).collect();
            println!(
                "{:<24} {senders:>3} {:>9.1} {:>17} {:>8.1} {:>8.1} {:>8.1}",
                target.label,
                x.per_second(),
                rounds.join(" "),
                x.quantile(0.5),
                x.quantile(0.9),
                x.quantile(0.99)
            );
        }
        for (t, target) in targets.iter().enumerate().skip(1) {
            let (x, base) = (&series[t][s], &series[0][s]);
            println!(
                "{:<24} {senders:>3} {:>8.2}x {:>17} {:>7.2}x {:>7.2}x {:>7.2}x",
                format!("ratio {}/NR", target.label.trim_start_matches("Roost ")),
                x.per_second() / base.per_second(),
                "",
                x.quantile(0.5) / base.quantile(0.5),
                x.quantile(0.9) / base.quantile(0.9),
                x.quantile(0.99) / base.quantile(0.99)
            );
        }
    }
}

fn resources(node_red: &Server, roost: &Server) {
    let mb = |kb: u64| kb as f64 / 1024.0;
    let (red_peak, roost_peak) = (node_red.memory_kb("VmHWM"), roost.memory_kb("VmHWM"));
    println!("\n{:<24} {:>12} {:>12} {:>10}", "", "Node-RED", "Roost", "Roost/NR");
    println!(
        "{:<24} {:>9.1} MB {:>9.1} MB {:>9.2}x",
        "peak RSS (VmHWM)",
        mb(red_peak),
        mb(roost_peak),
        roost_peak as f64 / red_peak as f64
    );
    let idle = (node_red.idle_rss_kb, roost.idle_rss_kb);
    println!(
        "{:<24} {:>9.1} MB {:>9.1} MB {:>9.2}x",
        "idle RSS",
        mb(idle.0),
        mb(idle.1),
        idle.1 as f64 / idle.0 as f64
    );
    let start = (node_red.start_to_healthy.as_secs_f64(), roost.start_to_healthy.as_secs_f64());
    println!("{:<24} {:>10.2} s {:>10.2} s {:>9.2}x", "start to healthy", start.0, start.1, start.1 / start.0);
}
