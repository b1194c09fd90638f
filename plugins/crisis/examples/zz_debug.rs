use crisis::sim::{Scenario, run};
use crisis::synth::Traffic;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sc = match args[1].as_str() { "burn" => Scenario::SlowBurn, "angry" => Scenario::AngrySpike, "complaint" => Scenario::ComplaintSpike, _ => Scenario::QuietWeek };
    let seed: u64 = args[2].parse().unwrap();
    let r = run(sc, seed, Traffic::default());
    for c in r.calls.iter().filter(|c| (c.window_ms - r.onset_ms).abs() < 4 * 3_600_000) {
        let t = chrono::DateTime::from_timestamp_millis(c.window_ms).unwrap();
        println!("{t} {:?} {:?} {} {} {:.1} {:.2}", c.severity, c.detector, c.count, c.negative, c.expected, c.expected_share);
    }
}
