//! Scores the simulated population and prints the top 10 of a micro-tier shortlist, the
//! spread of the scores, Spearman's correlation of the total with each factor, and
//! whether any account under the minimum reach was shortlisted.

use influencer::population::{Kind, Simulated, population};
use influencer::stats::spearman;
use influencer::{ScoreInput, ScoreOutput, score};
use serde_json::Value;

/// The micro tier: 10,000 to 100,000 followers.
const MIN_FOLLOWERS: u64 = 10_000;

fn run(sim: &Simulated) -> ScoreOutput {
    let input: ScoreInput = serde_json::from_value(sim.input.clone()).expect("the population is valid input");
    score(&input.check().expect("the population checks"))
}

fn factor(out: &ScoreOutput, name: &str) -> Option<f64> {
    out.factors.iter().find(|f| f.name == name).and_then(|f| f.score)
}

fn main() {
    let people = population(7);
    let scored: Vec<(&Simulated, ScoreOutput)> = people.iter().map(|s| (s, run(s))).collect();
    let mut ranked: Vec<&(&Simulated, ScoreOutput)> = scored.iter().collect();
    ranked.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
    println!("population: {} accounts; ranked by total (all accounts)", people.len());
    println!(
        "{:<4} {:<20} {:<16} {:>9} {:>6}  reach engag authe topic activ growth",
        "#", "handle", "kind", "followers", "total"
    );
    for (i, (sim, out)) in ranked.iter().take(10).enumerate() {
        let f = |n| factor(out, n).map_or("  -  ".to_string(), |v| format!("{v:5.1}"));
        let kind = format!("{:?}", sim.kind);
        println!(
            "{:<4} {:<20} {:<16} {:>9} {:>6.1}  {} {} {} {} {} {}",
            i + 1,
            sim.handle,
            kind,
            sim.followers,
            out.total,
            f("reach"),
            f("engagement"),
            f("authenticity"),
            f("topic_fit"),
            f("activity"),
            f("growth")
        );
    }
    let mut totals: Vec<f64> = scored.iter().map(|(_, o)| o.total).collect();
    totals.sort_by(f64::total_cmp);
    println!(
        "spread: min {:.1}  p10 {:.1}  median {:.1}  p90 {:.1}  max {:.1}",
        totals[0],
        totals[totals.len() / 10],
        totals[totals.len() / 2],
        totals[totals.len() * 9 / 10],
        totals[totals.len() - 1]
    );
    for name in ["reach", "engagement", "authenticity", "topic_fit", "activity", "growth"] {
        let pairs: Vec<(f64, f64)> = scored.iter().filter_map(|(_, o)| factor(o, name).map(|v| (o.total, v))).collect();
        let (t, v): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        let rho = spearman(&t, &v).map_or("n/a".into(), |r| format!("{r:+.3}"));
        println!("spearman(total, {name:<12}) = {rho}  over {} accounts", t.len());
    }
    let under = |n: usize| ranked.iter().take(n).filter(|(s, _)| s.followers < MIN_FOLLOWERS).count();
    println!("accounts under {MIN_FOLLOWERS} followers among the top 10: {}, top 40: {}", under(10), under(40));
    let fakes = ranked.iter().take(40).filter(|(s, _)| !matches!(s.kind, Kind::Genuine)).count();
    println!("non-genuine accounts among the top 40: {fakes}");
    let tiny = ranked.iter().position(|(s, _)| s.handle == "tiny@sim.example").map(|p| p + 1);
    println!("rank of the 137-follower account: {}", tiny.map_or("-".into(), |r| r.to_string()));
    let _ = Value::Null;
}
