//! Mentions scored per second by `sentiment/batch` inside the sandbox, against the same
//! analyzer called natively in the same run.
//!
//! Run with `cargo bench -p roost --bench sentiment`. Texts are the 4,200 rated tweets of
//! `../shared/data/sentiment/` when present (repeated to 10,000 per batch), else a built-in
//! mix. Each figure is the median of several rounds; the ratio is what to read.

use std::sync::Arc;
use std::time::{Duration, Instant};

use roost::runtime::registry::Registry;
use roost::runtime::{Runtime, RuntimeConfig, StepCall};
use sentiment::{Analyzer, detect};
use serde_json::json;

const BATCH: usize = 10_000;
const ROUNDS: usize = 7;

fn texts() -> Vec<String> {
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/sentiment/tweets_GroundTruth.txt");
    let mut base: Vec<String> = std::fs::read_to_string(data)
        .map(|t| t.lines().filter_map(|l| l.splitn(3, '\t').nth(2)).map(String::from).collect())
        .unwrap_or_default();
    if base.is_empty() {
        base = [
            "I love this new feature, thank you!",
            "Worst update ever. Nothing works :(",
            "Das ist leider überhaupt nicht gut.",
            "Wann kommt die deutsche Version? Ich freue mich schon!",
            "ok",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    base.iter().cycle().take(BATCH).cloned().collect()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let runtime = Arc::new(Runtime::new(RuntimeConfig::default()).unwrap());
    let registry = Registry::with_builtins(&runtime).unwrap();
    let plugin = registry.plugins().iter().find(|p| p.manifest.id == "sentiment").unwrap().clone();
    let texts = texts();
    let input = json!({ "texts": texts, "language": "auto" });

    let (mut sandbox, mut native) = (Vec::new(), Vec::new());
    for round in 0..=ROUNDS {
        let call = StepCall { action: "batch".into(), input: input.clone(), ..StepCall::default() };
        let started = Instant::now();
        let outcome = runtime.execute(&plugin, call).await;
        let took = started.elapsed();
        let output = outcome.result.expect("batch succeeds");
        assert_eq!(output["results"].as_array().map(Vec::len), Some(BATCH));

        let started = Instant::now();
        let mut analyzer = Analyzer::new();
        let mut sum = 0.0;
        for text in &texts {
            sum += analyzer.score(text, detect(text)).compound;
        }
        std::hint::black_box(sum);
        let native_took = started.elapsed();
        if round > 0 {
            sandbox.push(took);
            native.push(native_took);
        }
    }
    let (sandbox, native) = (median(sandbox), median(native));
    let per_sec = |d: Duration| BATCH as f64 / d.as_secs_f64();
    println!("sentiment/batch of {BATCH} texts, median of {ROUNDS} rounds:");
    println!("  in the sandbox (validate input, run, validate output): {sandbox:?} = {:.0} texts/s", per_sec(sandbox));
    println!("  native analyzer, same texts:                          {native:?} = {:.0} texts/s", per_sec(native));
    println!("  sandbox / native time: {:.2}x", sandbox.as_secs_f64() / native.as_secs_f64());
}
