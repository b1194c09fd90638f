//! The targets on the generator's scenarios, for a few seeds: an angry spike in its first
//! window, a complaint spike within two, a slow burn within three, a viral spike never
//! above `low`, a new client's first day not blind, few false `high` per quiet week.

use crate::Severity;
use crate::sim::{HISTORY_WEEKS, Scenario, run};
use crate::synth::{DAY_MS, MONDAY_MS, Traffic};

const SEEDS: [u64; 3] = [1, 2, 3];

/// The window (0 = the one the event starts in) of the first high alert.
fn first_window(scenario: Scenario, seed: u64) -> Option<i64> {
    run(scenario, seed, Traffic::default()).first_alert().map(|a| a.window)
}

#[test]
fn spikes_alert_in_their_first_windows() {
    for seed in SEEDS {
        assert_eq!(first_window(Scenario::AngrySpike, seed), Some(0), "angry spike, seed {seed}");
        let w = first_window(Scenario::ComplaintSpike, seed);
        assert!(w.is_some_and(|w| w <= 1), "complaint spike, seed {seed}: {w:?}");
    }
}

#[test]
fn a_slow_burn_alerts_within_three_windows_and_while_it_lasts() {
    for seed in SEEDS {
        let r = run(Scenario::SlowBurn, seed, Traffic::default());
        let first = r.first_alert();
        assert!(first.is_some_and(|a| a.window <= 2), "seed {seed}: {first:?}");
        let (alerting, windows) = r.alerting_windows();
        assert!(alerting + 3 >= windows, "seed {seed}: {alerting} of {windows} windows alerted");
    }
}

#[test]
fn a_positive_viral_spike_stays_low() {
    for seed in SEEDS {
        let r = run(Scenario::ViralPositive, seed, Traffic::default());
        assert_eq!(r.max_during(), Severity::Low, "seed {seed}");
    }
}

#[test]
fn a_new_clients_backlog_is_history_so_the_first_day_is_not_blind() {
    for seed in SEEDS {
        let r = run(Scenario::NewClient, seed, Traffic::default());
        let first = r.first_alert();
        assert!(first.is_some_and(|a| a.window <= 1), "seed {seed}: {first:?}");
        assert_eq!(r.false_highs(r.start_ms, i64::MAX), 0, "seed {seed}");
        assert!(r.calls[0].count > 0 && r.calls[0].expected < 20.0, "seed {seed}: {:?}", r.calls[0]);
    }
}

#[test]
fn quiet_weeks_give_about_one_false_high_at_most() {
    let mut total = 0;
    for seed in SEEDS {
        let r = run(Scenario::QuietWeek, seed, Traffic::default());
        for week in 0..=HISTORY_WEEKS {
            let from = MONDAY_MS + week * 7 * DAY_MS;
            let n = r.false_highs(from, from + 7 * DAY_MS);
            assert!(n <= 2, "seed {seed}, week {week}: {n}");
            total += n;
        }
    }
    let weeks = SEEDS.len() * (HISTORY_WEEKS as usize + 1);
    assert!(total <= weeks, "{total} false highs in {weeks} quiet weeks");
}
