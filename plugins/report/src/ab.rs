//! The `ab` action: the result of an A/B test of captions from the stats of each variant's
//! posts on each network, and the winner by one stated rule.

use roost_sdk::post_stats::PostStats;
use roost_sdk::{Action, Context, StepError};
use serde::{Deserialize, Serialize};

/// The rule, as the output states it.
pub const RULE: &str = "the variant with the most engagement (likes + reposts + replies + quotes, summed over every \
                        network) wins; a tie with the runner-up goes to the earlier variant and is not decided";

/// Variants one test compares.
pub const MAX_VARIANTS: usize = 10;
/// Networks (lists of stats) one test sums.
pub const MAX_NETWORKS: usize = 8;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbInput {
    /// The captions, in the order they were posted.
    pub variants: Vec<String>,
    /// Per network, the stats of the variants' posts in the same order (the `posts` of
    /// `mastodon/stats` or `bluesky/stats`).
    pub results: Vec<Vec<PostStats>>,
}

/// One variant's totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantResult {
    /// `A`, `B`, ...
    pub label: String,
    pub index: usize,
    pub text: String,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    pub quotes: u64,
    pub engagement: u64,
    /// Engagement per network, in the order of `results`.
    pub by_network: Vec<NetworkCount>,
    /// Posts the network no longer had (counted as 0).
    pub missing: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkCount {
    pub network: String,
    pub url: String,
    pub engagement: u64,
}

#[derive(Debug, Serialize)]
pub struct AbOutput {
    pub winner: VariantResult,
    /// False when the runner-up has as much engagement as the winner.
    pub decided: bool,
    /// How much more engagement the winner had than the runner-up.
    pub margin: u64,
    pub rule: &'static str,
    /// Every variant, in posting order.
    pub variants: Vec<VariantResult>,
}

/// Scores an A/B test.
pub struct Ab;

impl Action for Ab {
    type Input = AbInput;
    type Output = AbOutput;

    fn run(_ctx: &Context, input: AbInput) -> Result<AbOutput, StepError> {
        score(&input).map_err(StepError::invalid_input)
    }
}

/// The pure part of [`Ab`].
pub fn score(input: &AbInput) -> Result<AbOutput, String> {
    let n = input.variants.len();
    if !(2..=MAX_VARIANTS).contains(&n) {
        return Err(format!("`variants` holds {n} captions; an A/B test compares 2 to {MAX_VARIANTS}"));
    }
    if input.results.is_empty() || input.results.len() > MAX_NETWORKS {
        return Err(format!(
            "`results` holds {} lists; give 1 to {MAX_NETWORKS}, one per network",
            input.results.len()
        ));
    }
    if let Some((i, list)) = input.results.iter().enumerate().find(|(_, list)| list.len() != n) {
        return Err(format!(
            "`results[{i}]` holds {} posts for {n} variants; give the stats of every variant's post, in the order of `variants`",
            list.len()
        ));
    }
    let mut variants: Vec<VariantResult> = input
        .variants
        .iter()
        .enumerate()
        .map(|(index, text)| VariantResult {
            label: label(index),
            index,
            text: text.clone(),
            likes: 0,
            reposts: 0,
            replies: 0,
            quotes: 0,
            engagement: 0,
            by_network: Vec::new(),
            missing: 0,
        })
        .collect();
    for list in &input.results {
        for (v, post) in variants.iter_mut().zip(list) {
            v.likes += post.likes;
            v.reposts += post.reposts;
            v.replies += post.replies;
            v.quotes += post.quotes;
            v.engagement += post.engagement;
            v.missing += usize::from(!post.found);
            v.by_network.push(NetworkCount {
                network: post.network.clone(),
                url: post.url.clone(),
                engagement: post.engagement,
            });
        }
    }
    let mut ranked: Vec<&VariantResult> = variants.iter().collect();
    // Stable: among equals the earlier variant stays first.
    ranked.sort_by_key(|v| std::cmp::Reverse(v.engagement));
    let (winner, runner_up) = (ranked[0].clone(), ranked[1]);
    let margin = winner.engagement - runner_up.engagement;
    Ok(AbOutput { decided: margin > 0, margin, winner, rule: RULE, variants })
}

/// `A` for 0, `B` for 1, ...
fn label(index: usize) -> String {
    char::from(b'A' + index as u8).to_string()
}

#[cfg(test)]
mod tests {
    use roost_sdk::post_stats::Sample;

    use super::*;

    fn post(network: &str, id: &str, likes: u64, reposts: u64) -> PostStats {
        let sample = Sample { at: "t".into(), likes, reposts, replies: 1, quotes: 0, step: String::new() };
        PostStats::found(network, id, &format!("https://{network}/{id}"), "text", None, &sample)
    }

    #[test]
    fn the_variant_with_the_most_engagement_over_both_networks_wins() {
        let input = AbInput {
            variants: vec!["first".into(), "second".into()],
            results: vec![
                vec![post("mastodon", "1", 10, 0), post("mastodon", "2", 4, 1)],
                vec![post("bluesky", "a", 0, 0), post("bluesky", "b", 9, 2)],
            ],
        };
        let out = score(&input).unwrap();
        assert_eq!((out.winner.label.as_str(), out.winner.engagement), ("B", 5 + 1 + 11 + 1));
        assert_eq!(out.variants[0].engagement, 11 + 1);
        assert_eq!((out.decided, out.margin), (true, 6));
        assert_eq!(out.winner.by_network.iter().map(|n| n.engagement).collect::<Vec<_>>(), [6, 12]);
    }

    #[test]
    fn a_tie_goes_to_the_earlier_variant_undecided_and_bad_input_is_named() {
        let input = AbInput {
            variants: vec!["a".into(), "b".into(), "c".into()],
            results: vec![vec![post("m", "1", 2, 0), post("m", "2", 3, 0), post("m", "3", 3, 0)]],
        };
        let out = score(&input).unwrap();
        assert_eq!((out.winner.label.as_str(), out.decided, out.margin), ("B", false, 0));
        let short = AbInput { variants: vec!["a".into(), "b".into()], results: vec![vec![post("m", "1", 1, 0)]] };
        assert!(score(&short).unwrap_err().starts_with("`results[0]` holds 1 posts for 2 variants"));
        let one = AbInput { variants: vec!["a".into()], results: vec![vec![post("m", "1", 1, 0)]] };
        assert!(score(&one).unwrap_err().contains("compares 2 to 10"));
    }

    /// Poisson draws from a fixed-seed generator (Knuth's method: small means only).
    struct Draws(u64);

    impl Draws {
        fn unit(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }

        fn poisson(&mut self, mean: f64) -> u64 {
            let (limit, mut product, mut k) = ((-mean).exp(), 1.0, 0);
            loop {
                product *= self.unit();
                if product <= limit {
                    return k;
                }
                k += 1;
            }
        }
    }

    /// How often the rule names the truly better caption of two, on simulated tests where
    /// each post's engagement on each of two networks is a Poisson count.
    fn right_share(base: f64, lift: f64, tests: usize) -> (f64, f64) {
        let mut draws = Draws(7);
        let (mut right, mut undecided) = (0, 0);
        for _ in 0..tests {
            let mut network = |mean: f64| post("m", "x", draws.poisson(mean), 0);
            let results = vec![
                vec![network(base), network(base * (1.0 + lift))],
                vec![network(base / 2.0), network(base / 2.0 * (1.0 + lift))],
            ];
            let out = score(&AbInput { variants: vec!["a".into(), "b".into()], results }).unwrap();
            right += usize::from(out.decided && out.winner.index == 1);
            undecided += usize::from(!out.decided);
        }
        (right as f64 / tests as f64, undecided as f64 / tests as f64)
    }

    #[test]
    fn on_simulated_tests_the_rule_finds_a_clear_winner_and_calls_no_difference_a_coin_toss() {
        let (strong, _) = right_share(20.0, 0.5, 2000);
        let (weak, _) = right_share(20.0, 0.1, 2000);
        let (none, ties) = right_share(20.0, 0.0, 2000);
        println!("better caption named: +50% {strong:.3}, +10% {weak:.3}, no difference {none:.3} (ties {ties:.3})");
        assert!(strong > 0.9, "a 50% lift on about 30 interactions is found: {strong}");
        assert!(weak > none, "a small lift is found more often than chance: {weak} vs {none}");
        assert!((0.35..0.55).contains(&none), "without a difference either wins about as often: {none}");
    }
}
