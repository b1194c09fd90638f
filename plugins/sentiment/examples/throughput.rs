//! Measures how many short texts per second `batch` scores on one core.
//!
//! ```text
//! cargo run --release -p sentiment --example throughput [-- texts.tsv]
//! ```
//!
//! Without an argument it uses built-in English and German sentences; with a TSV file
//! (`id<TAB>rating<TAB>text`) it uses that file's texts. Prints the rate of the analyzer
//! alone and of the whole `batch` action, JSON in and out, through the FakeHost.

use std::time::{Duration, Instant};

use roost_sdk::testing::FakeHost;
use sentiment::{ACTIONS, Analyzer, LanguageChoice, MAX_BATCH};

const SAMPLES: &[&str] = &[
    "VADER is smart, handsome, and funny!",
    "The food was not good at all :(",
    "I love this phone, but the battery is kinda disappointing.",
    "Worst. Service. EVER. Never again!!!",
    "Das ist echt mega geil, danke! 😍",
    "Ich mag das neue Update nicht.",
    "Der Kundenservice war leider total unfreundlich.",
    "Heute ist Montag.",
    "Just landed in Berlin, see you all tonight",
    "Nicht schlecht, aber etwas zu teuer.",
];

fn main() {
    // What a fresh wasm instance pays before its first result: the tables are static
    // data, so this is one text's work plus first-touch page faults.
    let start = Instant::now();
    let cold = Analyzer::new().score("Das ist echt mega gut, danke! :)", LanguageChoice::Auto.resolve("x"));
    println!("first text, cold:      {:>10.1} µs ({:.3})", start.elapsed().as_secs_f64() * 1e6, cold.compound);

    let texts = load_texts();
    let n = texts.len();
    println!("{n} texts, mean length {} bytes", texts.iter().map(String::len).sum::<usize>() / n);

    let mut analyzer = Analyzer::new();
    let rate = measure(n, || {
        let mut sum = 0.0;
        for text in &texts {
            sum += analyzer.score(text, LanguageChoice::Auto.resolve(text)).compound;
        }
        std::hint::black_box(sum);
    });
    println!("analyzer alone:        {rate:>10.0} texts/s");

    let host = FakeHost::new();
    let chunks: Vec<serde_json::Value> = texts.chunks(MAX_BATCH).map(|c| serde_json::json!({ "texts": c })).collect();
    let rate = measure(n, || {
        for input in &chunks {
            let out = host.run_action(ACTIONS, "batch", input.clone()).expect("batch runs");
            std::hint::black_box(out);
        }
    });
    println!("batch action, JSON:    {rate:>10.0} texts/s");
}

fn load_texts() -> Vec<String> {
    let from_file = std::env::args().nth(1).map(|path| {
        let data = std::fs::read_to_string(&path).expect("the TSV file is readable");
        data.lines().filter_map(|l| l.splitn(3, '\t').nth(2)).map(str::to_string).collect::<Vec<_>>()
    });
    let base = from_file.unwrap_or_else(|| SAMPLES.iter().map(|s| s.to_string()).collect());
    // About 100,000 texts, varied a little so nothing is trivially cached.
    (0..100_000).map(|i| format!("{} #{i}", base[i % base.len()])).collect()
}

/// Texts per second over the best of five runs of `f`, which scores `n` texts.
fn measure(n: usize, mut f: impl FnMut()) -> f64 {
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or(Duration::MAX);
    n as f64 / best.as_secs_f64()
}
