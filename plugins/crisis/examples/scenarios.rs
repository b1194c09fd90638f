//! Prints, per scenario and seed, whether and when the detectors alerted (window after
//! onset, minutes after onset, severity, detector) and the false high alerts per quiet
//! week: `cargo run --release -p crisis --example scenarios [seeds] [peak per hour]`.

use crisis::sim::{HISTORY_WEEKS, Run, Scenario, run};
use crisis::synth::{DAY_MS, MONDAY_MS, Traffic};

fn first(run: &Run) -> String {
    match run.first_alert() {
        Some(a) => {
            let detector = a.detector.map_or("-".to_string(), |d| format!("{d:?}"));
            format!("window {:>2}, {:>3} min, {:?} {detector}", a.window, a.minutes, a.severity)
        }
        None => "no alert".to_string(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let peak: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let traffic = Traffic { peak_per_hour: peak, ..Traffic::default() };
    println!("peak {peak} mentions/hour, 10-minute windows, {seeds} seeds; an alert is `high` or above\n");
    println!("{:<16} {:>4}  {:<42} {:>10} {:>9} {:>7}", "scenario", "seed", "first alert", "max", "alerting", "false");
    println!("(alerting: event windows reported high or above; false: high alerts outside the event, all weeks)");
    for scenario in Scenario::ALL {
        for seed in 1..=seeds {
            let r = run(scenario, seed, traffic);
            let (alerting, windows) = r.alerting_windows();
            let falses = r.false_highs(r.start_ms, i64::MAX);
            let max = format!("{:?}", r.max_during());
            let share = if scenario == Scenario::QuietWeek { "-".to_string() } else { format!("{alerting}/{windows}") };
            let first = if scenario == Scenario::QuietWeek { "-".to_string() } else { first(&r) };
            println!("{:<16} {seed:>4}  {first:<42} {max:>10} {share:>9} {falses:>7}", scenario.name());
        }
    }
    println!("\nfalse high alerts per quiet week (weeks 1-{}; week 1 has no history):", HISTORY_WEEKS + 1);
    let mut worst = 0;
    for seed in 1..=seeds {
        let r = run(Scenario::QuietWeek, seed, traffic);
        let weeks: Vec<usize> = (0..=HISTORY_WEEKS)
            .map(|w| r.false_highs(MONDAY_MS + w * 7 * DAY_MS, MONDAY_MS + (w + 1) * 7 * DAY_MS))
            .collect();
        worst = worst.max(*weeks.iter().max().unwrap_or(&0));
        println!("  seed {seed}: {weeks:?}");
    }
    println!("  worst week: {worst}");
}
