//! The EWMA and the severity rules by hand, and windows in a row through FakeHost's kv.

use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::{ACTIONS, Baseline, Detect, Ewma, Severity};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A baseline fed `windows` of (count, negative).
fn fed(windows: &[(u64, u64)]) -> Baseline {
    let mut b = Baseline { window_minutes: 10, ..Baseline::default() };
    for &(x, n) in windows {
        b.update(x, n, 0);
    }
    b
}

const QUIET: [(u64, u64); 8] = [(4, 1), (6, 0), (5, 1), (5, 0), (4, 1), (6, 0), (5, 1), (5, 0)];

#[test]
fn early_windows_give_the_running_mean_and_population_variance() {
    let b = fed(&[(4, 0), (6, 0), (5, 0)]);
    assert!(close(b.count.mean, 5.0));
    assert!(close(b.count.variance, 2.0 / 3.0), "{}", b.count.variance);
    let b = fed(&QUIET);
    assert!(close(b.count.mean, 5.0) && close(b.count.variance, 0.5), "{b:?}");
    assert!(close(b.negative.mean, 0.5) && close(b.negative.variance, 0.25), "{b:?}");
    assert!(close(b.negative_share(), 0.1));
}

#[test]
fn the_scale_has_a_poisson_floor_and_a_floor_of_one() {
    assert_eq!(Ewma { mean: 4.0, variance: 1.0 }.scale(), 2.0);
    assert_eq!(Ewma { mean: 4.0, variance: 9.0 }.scale(), 3.0);
    assert_eq!(Ewma { mean: 0.25, variance: 0.0 }.scale(), 1.0);
    // After the first 12 windows α is 2/(24+1): μ 10 → 10 + 0.08·(20 − 10) = 10.8.
    let mut e = Ewma { mean: 10.0, variance: 0.0 };
    e.update(20.0, 0.08);
    assert!(close(e.mean, 10.8) && close(e.variance, 0.92 * 0.08 * 100.0));
}

#[test]
fn a_negative_spike_is_high_and_the_same_volume_positive_is_low() {
    let b = fed(&QUIET);
    // z = (14 − 5) / max(√0.5, √5, 1) = 9 / 2.236 = 4.02; 10 of 14 negative.
    let a = b.assess(14, 10, 3.0);
    assert!(close(a.z, 9.0 / 5f64.sqrt()), "{}", a.z);
    assert_eq!(a.severity, Severity::High, "{}", a.reason);
    assert!(a.reason.starts_with("negative spike: 14 mentions vs 5.0 expected (z 4.0), 71% negative"), "{}", a.reason);
    let a = b.assess(14, 1, 3.0);
    assert_eq!(a.severity, Severity::Low, "{}", a.reason);
    // z = 15 / 2.236 = 6.7 >= 5.
    assert_eq!(b.assess(20, 15, 3.0).severity, Severity::Critical);
    // Sensitivity: z = 8 / 2.236 = 3.58 is a spike at k = 3, not at k = 4; k = 2 calls z 2.7.
    assert_eq!(b.assess(13, 1, 3.0).severity, Severity::Low);
    assert_eq!(b.assess(13, 1, 4.0).severity, Severity::None);
    assert_eq!(b.assess(11, 8, 2.0).severity, Severity::High);
}

#[test]
fn the_negative_gate_needs_share_and_lift() {
    let mut b = fed(&QUIET);
    // Negatives usually 1.5 of 5 (30%), spread 2: neither window below is a negative-count
    // spike (z 1.75 and 2.25), so only the gate on the share decides.
    b.negative = Ewma { mean: 1.5, variance: 4.0 };
    // 5 of 14 = 36% < 40%.
    assert_eq!(b.assess(14, 5, 3.0).severity, Severity::Low);
    // 6 of 14 = 43%, but only 13 points above the usual 30%.
    assert_eq!(b.assess(14, 6, 3.0).severity, Severity::Low);
    // 9 of 14 = 64%, 34 points above.
    assert_eq!(b.assess(14, 9, 3.0).severity, Severity::High);
    // With the usual quiet negatives, 5 negative of 14 is itself a negative-count spike.
    assert_eq!(fed(&QUIET).assess(14, 5, 3.0).severity, Severity::Medium);
}

#[test]
fn rising_negativity_without_a_volume_spike_is_medium() {
    let mut b = fed(&QUIET);
    b.count = Ewma { mean: 20.0, variance: 4.0 };
    b.negative = Ewma { mean: 1.0, variance: 1.0 };
    // count z = 4 / √20 = 0.9; negative z = (9 − 1) / 1 = 8.
    let a = b.assess(24, 9, 3.0);
    assert_eq!(a.severity, Severity::Medium, "{}", a.reason);
    assert!(close(a.negative_z, 8.0));
}

#[test]
fn no_alert_on_small_numbers_or_while_warming_up() {
    let b = fed(&[(1, 0); 8]);
    assert_eq!(b.assess(2, 2, 3.0).severity, Severity::None, "1 → 2");
    let a = b.assess(4, 4, 3.0);
    assert!(close(a.z, 3.0));
    assert_eq!(a.severity, Severity::None, "fewer than 5 mentions");
    assert!(a.reason.ends_with("fewer than 5 mentions"), "{}", a.reason);
    let early = fed(&QUIET[..5]);
    let a = early.assess(50, 50, 3.0);
    assert!(a.warming_up && a.severity == Severity::None);
    assert!(a.reason.starts_with("learning the baseline: window 6 of 6"), "{}", a.reason);
}

#[test]
fn a_spike_moves_the_baseline_by_at_most_alpha_times_three_scales() {
    let mut b = fed(&[(20, 2); 30]);
    assert!(close(b.count.mean, 20.0) && close(b.count.variance, 0.0));
    b.update(500, 400, 1);
    // Capped at 20 + 3·√20 = 33.42: μ = 20 + 0.08·13.42 = 21.07.
    assert!(close(b.count.mean, 20.0 + 0.08 * 3.0 * 20f64.sqrt()), "{}", b.count.mean);
    assert_eq!(b.streak, 1);
}

#[test]
fn three_negative_spikes_in_a_row_are_critical() {
    // z = 4.43, 4.04, 3.42: each under 5, each at least twice the moving mean.
    let mut b = fed(&[(10, 1); 30]);
    let mut severities = Vec::new();
    for _ in 0..3 {
        let a = b.assess(24, 18, 3.0);
        assert!(a.z < 5.0, "critical by streak, not by z: {}", a.z);
        severities.push(a.severity);
        b.update(24, 18, a.streak);
    }
    assert_eq!(severities, [Severity::High, Severity::High, Severity::Critical]);
}

fn detect(host: &FakeHost, step: usize, input: Value) -> Result<Value, StepError> {
    let host = host.clone().context(|c| c.idempotency_key = format!("run/{step}"));
    host.run_action(ACTIONS, "detect", input)
}

fn window(i: usize, count: u64, negative: u64) -> Value {
    let at = format!("2025-06-01T{:02}:{:02}:00Z", 8 + i / 6, (i % 6) * 10);
    json!({ "key": "acme/mentions", "count": count, "negative": negative, "at": at })
}

#[test]
fn windows_share_the_stored_baseline() {
    let host = FakeHost::new();
    for (i, (x, n)) in QUIET.iter().enumerate() {
        let out = detect(&host, i, window(i, *x, *n)).unwrap();
        assert_eq!(out["baseline"]["samples"], i);
        assert_eq!(out["severity"], "none");
    }
    let out = detect(&host, 8, window(8, 14, 10)).unwrap();
    assert_eq!((out["severity"].clone(), out["expected"].clone()), (json!("high"), json!(5.0)), "{out}");
    assert_eq!(out["baseline"], json!({ "mean": 5.0, "variance": 0.5, "samples": 8 }));
    // A retry of the same step returns the same result and counts the window once.
    assert_eq!(detect(&host, 8, window(8, 14, 10)).unwrap(), out);
    let next = detect(&host, 9, window(9, 5, 0)).unwrap();
    assert_eq!(next["baseline"]["samples"], 9);
    // A window that does not end after the last one is scored but not folded in.
    let old = detect(&host, 10, window(3, 5, 0)).unwrap();
    assert_eq!(old["updated"], false);
    assert_eq!(detect(&host, 11, window(10, 5, 0)).unwrap()["baseline"]["samples"], 10);
    // Another key has its own baseline.
    let other = json!({ "key": "acme/other", "count": 14, "negative": 10, "at": "2025-06-01T10:00:00Z" });
    assert_eq!(host.run::<Detect>(other).unwrap()["warming_up"], true);
}

#[test]
fn bad_input_says_which_field() {
    let host = FakeHost::new();
    let err = |input: Value| match detect(&host, 0, input) {
        Err(StepError::InvalidInput(msg)) => msg,
        other => panic!("{other:?}"),
    };
    assert!(err(json!({ "key": "k", "count": 3, "negative": 4 })).contains("`negative` is 4 but `count` is 3"));
    assert!(err(json!({ "key": " ", "count": 3, "negative": 1 })).contains("`key`"));
    assert!(err(json!({ "key": "k", "count": 3, "negative": 1, "at": "noon" })).contains("`at` is `noon`"));
    detect(&host, 1, json!({ "key": "k", "count": 3, "negative": 1 })).unwrap();
    let msg = err(json!({ "key": "k", "count": 3, "negative": 1, "window_minutes": 60 }));
    assert!(msg.contains("10-minute windows") && msg.contains("`window_minutes` is 60"), "{msg}");
}
