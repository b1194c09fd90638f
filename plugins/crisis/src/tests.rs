//! The baseline, the detectors and their silencing thresholds by hand, and pre-counted
//! windows in a row through FakeHost's kv.

use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::{ACTIONS, Baseline, Detect, Detector, Ewma, Model, Severity};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A model fed `windows` of (count, negative), all at one hour of the day.
fn fed(windows: &[(u64, u64)]) -> Model {
    let mut m = Model::new(10);
    for &(x, n) in windows {
        let a = m.assess(0, x, n, 3.0);
        m.fold(0, x, n, &a);
    }
    m
}

const QUIET: [(u64, u64); 8] = [(4, 1), (6, 0), (5, 1), (5, 0), (4, 1), (6, 0), (5, 1), (5, 0)];

#[test]
fn early_windows_give_the_running_mean_and_population_variance() {
    let mut b = Baseline::default();
    for x in [4, 6, 5] {
        b.update(x);
    }
    assert!(close(b.count.mean, 5.0));
    assert!(close(b.count.variance, 2.0 / 3.0), "{}", b.count.variance);
    let m = fed(&QUIET);
    assert!(close(m.baseline.count.mean, 5.0) && close(m.baseline.count.variance, 0.5), "{m:?}");
    // 4 negative of 40 with the prior of 20 mentions at 15%: (4 + 3) / 60.
    assert!((m.burn.share() - 7.0 / 60.0).abs() < 0.005, "{}", m.burn.share());
}

#[test]
fn the_scale_has_a_poisson_floor_and_a_floor_of_one() {
    assert_eq!(Ewma { mean: 4.0, variance: 1.0 }.scale(), 2.0);
    assert_eq!(Ewma { mean: 4.0, variance: 9.0 }.scale(), 3.0);
    assert_eq!(Ewma { mean: 0.25, variance: 0.0 }.scale(), 1.0);
    let mut e = Ewma { mean: 10.0, variance: 0.0 };
    e.update(20.0, 0.08);
    assert!(close(e.mean, 10.8) && close(e.variance, 0.92 * 0.08 * 100.0));
}

#[test]
fn a_negative_spike_is_high_and_the_same_volume_positive_is_low() {
    let m = fed(&QUIET);
    // z = (14 − 5) / √5 = 4.02; 10 of 14 negative, 9 of the 9 extra mentions.
    let a = m.assess(0, 14, 10, 3.0);
    assert!(close(a.z, 9.0 / 5f64.sqrt()), "{}", a.z);
    assert_eq!((a.severity, a.detector), (Severity::High, Some(Detector::NegativeSpike)), "{}", a.reason);
    assert!(a.reason.starts_with("negative_spike: 14 mentions vs 5.0 expected (z 4.0), 71% negative vs 11% expected"));
    // The smallest spike is max(5, ⌈5 + 3·√5⌉ = 12, 10) = 12 mentions.
    assert!(a.reason.contains("would not alert below 12 mentions or below 36% negative"), "{}", a.reason);
    let positive = m.assess(0, 14, 1, 3.0);
    assert_eq!((positive.severity, positive.detector), (Severity::Low, Some(Detector::Spike)));
    assert!(positive.reason.contains("would not alert below 12 mentions"), "{}", positive.reason);
    assert_eq!(m.assess(0, 20, 15, 3.0).severity, Severity::Critical, "z = 15 / √5 >= 5");
    assert_eq!(m.assess(0, 13, 1, 4.0).severity, Severity::None, "z 3.58 is under k = 4");
}

#[test]
fn a_complaint_spike_alerts_on_the_negative_count_not_the_share() {
    let m = fed(&[(10, 1); 30]);
    // 90 mentions, 40% negative: 36 negative where 90 · 12% = 11 would be usual.
    let a = m.assess(0, 90, 36, 3.0);
    assert!(a.severity >= Severity::High, "{}", a.reason);
    // A viral spike of the same volume at the usual share never goes above low.
    let viral = m.assess(0, 90, 4, 3.0);
    assert_eq!(viral.severity, Severity::Low, "{}", viral.reason);
    // Fewer than 8 negative mentions make a negative spike medium, not high.
    let small = fed(&QUIET).assess(0, 14, 7, 3.0);
    assert_eq!((small.severity, small.detector), (Severity::Medium, Some(Detector::NegativeSpike)));
}

#[test]
fn a_slow_burn_alerts_at_the_usual_volume_keeps_alerting_and_then_eases() {
    let mut m = fed(&[(10, 1); 200]);
    let mut severities = Vec::new();
    for _ in 0..12 {
        let a = m.assess(0, 10, 7, 3.0);
        assert!(a.z < 1.0);
        severities.push(a.severity);
        m.fold(0, 10, 7, &a);
    }
    assert!(severities[..3].contains(&Severity::High), "{severities:?}");
    assert!(severities[3..].iter().all(|s| *s == Severity::High), "{severities:?}");
    let a = m.assess(0, 10, 7, 3.0);
    assert_eq!(a.detector, Some(Detector::SlowBurn));
    assert!(a.reason.contains("slow_burn: negative share raised"), "{}", a.reason);
    let after: Vec<_> = (0..8)
        .map(|_| {
            let a = m.assess(0, 10, 1, 3.0);
            m.fold(0, 10, 1, &a);
            a.severity
        })
        .collect();
    assert!(after.iter().all(|s| *s <= Severity::Low), "{after:?}");
    assert_eq!(*after.last().unwrap(), Severity::None, "{after:?}");
}

#[test]
fn no_alert_on_small_numbers_or_while_warming_up() {
    let m = fed(&[(1, 0); 8]);
    assert_eq!(m.assess(0, 2, 2, 3.0).severity, Severity::None, "1 → 2");
    let a = m.assess(0, 4, 0, 3.0);
    assert!(close(a.z, 3.0) && a.severity == Severity::None, "fewer than 5 mentions");
    let a = fed(&QUIET[..5]).assess(0, 50, 50, 3.0);
    assert!(a.warming_up && a.severity == Severity::None);
    assert!(a.reason.starts_with("learning the baseline: window 6 of 6"), "{}", a.reason);
}

#[test]
fn a_spike_moves_the_baseline_by_at_most_alpha_times_three_scales() {
    let mut m = fed(&[(20, 2); 30]);
    let a = m.assess(0, 500, 400, 3.0);
    m.fold(0, 500, 400, &a);
    assert!(close(m.baseline.count.mean, 20.0 + 0.08 * 3.0 * 20f64.sqrt()), "{}", m.baseline.count.mean);
    assert!(m.burn.share() < 0.2, "the spike entered the share baseline capped: {}", m.burn.share());
    assert_eq!(m.streak, 1);
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
fn counted_windows_share_the_stored_baseline() {
    let host = FakeHost::new();
    for (i, (x, n)) in QUIET.iter().enumerate() {
        let out = detect(&host, i, window(i, *x, *n)).unwrap();
        assert_eq!((out["baseline"]["samples"].clone(), out["severity"].clone()), (json!(i), json!("none")));
    }
    let out = detect(&host, 8, window(8, 14, 10)).unwrap();
    assert_eq!((out["severity"].clone(), out["detector"].clone()), (json!("high"), json!("negative_spike")), "{out}");
    assert_eq!((out["expected"].clone(), out["basis"].clone()), (json!(5.0), json!("global")));
    assert_eq!(out["baseline"], json!({ "mean": 5.0, "variance": 0.5, "samples": 8 }));
    assert_eq!(out["findings"][0]["silence"]["mentions"], 12);
    assert_eq!(detect(&host, 8, window(8, 14, 10)).unwrap(), out, "a retry returns the stored result");
    assert_eq!(detect(&host, 9, window(9, 5, 0)).unwrap()["baseline"]["samples"], 9);
    let old = detect(&host, 10, window(3, 5, 0)).unwrap();
    assert_eq!(old["updated"], false, "a window not after the last one is not folded in");
    assert_eq!(detect(&host, 11, window(10, 5, 0)).unwrap()["baseline"]["samples"], 10);
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
    assert!(err(json!({ "key": "k", "count": 3 })).contains("give `mentions`"));
    assert!(err(json!({ "key": "k", "count": 3, "negative": 1, "mentions": [] })).contains("not both"));
    detect(&host, 1, json!({ "key": "k", "count": 3, "negative": 1 })).unwrap();
    let msg = err(json!({ "key": "k", "count": 3, "negative": 1, "window_minutes": 60 }));
    assert!(msg.contains("10-minute windows") && msg.contains("`window_minutes` is 60"), "{msg}");
    let msg = err(json!({ "key": "k", "mentions": [] }));
    assert!(msg.contains("is fed counts but this call gives mentions"), "{msg}");
}
