//! Scores the simulated population for a micro-tier shortlist (10,000 to 100,000
//! followers) and prints its top 10, the spread of the scores, Spearman's correlation of
//! the total with each weighted factor, and whether any account under the minimum reach
//! was shortlisted.

use influencer::ScoreOutput;
use influencer::population::{Simulated, population, shortlist};
use influencer::stats::spearman;
use serde_json::json;

/// The micro tier's minimum reach.
const MIN_FOLLOWERS: u64 = 10_000;

fn factor(out: &ScoreOutput, name: &str) -> Option<f64> {
    out.factors.iter().find(|f| f.name == name).and_then(|f| f.score)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn spread(label: &str, mut totals: Vec<f64>) {
    totals.sort_by(f64::total_cmp);
    let q = |p| quantile(&totals, p);
    println!(
        "spread ({label}, {}): min {:.1}  p10 {:.1}  median {:.1}  p90 {:.1}  max {:.1}",
        totals.len(),
        q(0.0),
        q(0.1),
        q(0.5),
        q(0.9),
        q(1.0)
    );
}

fn main() {
    let people = population(7);
    let (outs, ranked) = shortlist(&people, &json!({ "tier": "micro" }));
    let scored: Vec<(&Simulated, ScoreOutput)> = people.iter().zip(outs).collect();
    let by_handle = |h: &str| scored.iter().find(|(s, _)| s.handle == h).expect("ranked from the population");
    println!(
        "population: {} accounts; micro-tier shortlist: {} eligible, {} excluded",
        people.len(),
        ranked.count,
        ranked.excluded_count
    );
    println!(
        "{:<3} {:<18} {:<16} {:>9} {:>6}  reach engag authe topic activ growth",
        "#", "handle", "kind", "followers", "total"
    );
    for listed in ranked.shortlist.iter().take(10) {
        let (sim, out) = by_handle(listed.handle.as_deref().unwrap());
        let f = |n| factor(out, n).map_or("  -  ".to_string(), |v| format!("{v:5.1}"));
        println!(
            "{:<3} {:<18} {:<16} {:>9} {:>6.1}  {} {} {} {} {} {}",
            listed.rank,
            sim.handle,
            format!("{:?}", sim.kind),
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
    spread("all scored", scored.iter().map(|(_, o)| o.total).collect());
    spread("shortlist", ranked.shortlist.iter().map(|l| l.total).collect());
    let shortlisted: Vec<&(&Simulated, ScoreOutput)> =
        ranked.shortlist.iter().map(|l| by_handle(l.handle.as_deref().unwrap())).collect();
    let weights = influencer::Weights::default();
    for name in ["reach", "engagement", "authenticity", "topic_fit", "activity", "growth"] {
        let rho = |set: &[&(&Simulated, ScoreOutput)]| {
            let (t, v): (Vec<f64>, Vec<f64>) =
                set.iter().filter_map(|(_, o)| factor(o, name).map(|v| (o.total, v))).unzip();
            spearman(&t, &v).map_or("  n/a ".into(), |r| format!("{r:+.3}"))
        };
        let all: Vec<&(&Simulated, ScoreOutput)> = scored.iter().collect();
        println!(
            "spearman(total, {name:<12}) weight {:.2}: shortlist {}  all {}",
            weights.of(name),
            rho(&shortlisted),
            rho(&all)
        );
    }
    let under = ranked.shortlist.iter().filter(|l| l.followers.unwrap_or(0) < MIN_FOLLOWERS).count();
    println!("shortlisted accounts under {MIN_FOLLOWERS} followers: {under}");
    let fakes = shortlisted.iter().take(40).filter(|(s, _)| s.kind != influencer::population::Kind::Genuine).count();
    println!("non-genuine accounts among the top 40 of the shortlist: {fakes}");
    let (_, tiny) = by_handle("tiny@sim.example");
    let above = scored.iter().filter(|(_, o)| o.total > tiny.total).count();
    println!(
        "the 137-follower account: total {:.1}, {} accounts score higher; eligible {} ({})",
        tiny.total,
        above,
        tiny.eligible,
        tiny.ineligible_reasons.join("; ")
    );
}
