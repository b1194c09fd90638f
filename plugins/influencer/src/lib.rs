//! Roost plugin `influencer`: a transparent 0–100 score of a public profile.
//!
//! `score` parses and checks the input (`input`, with the reach range of `tiers` and the
//! `weights`), adds the follower counts kept in kv (`history`), computes the six factors
//! (`factors` and `growth`, with the text helpers of `text`), weighs them into the total
//! and a confidence (`score`) and applies the minimum-evidence rule (`eligibility`).
//! `rank` turns scored candidates into a shortlist of the eligible ones (`rank`).
//! `population` and `stats` measure the ranking on simulated accounts (natively only).

mod eligibility;
mod factors;
mod growth;
mod history;
mod input;
#[cfg(not(target_family = "wasm"))]
pub mod population;
mod rank;
mod score;
#[cfg(not(target_family = "wasm"))]
pub mod stats;
mod text;
mod tiers;
mod weights;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_shortlist;

use roost_sdk::{Action, Context, StepError};

pub use input::{Account, PostData, ScoreInput};
pub use rank::{RankInput, RankOutput, rank};
pub use score::{Factor, ScoreOutput, score};
pub use tiers::{ReachRange, Tier, tier_of};
pub use weights::Weights;

/// Scores one profile.
pub struct Score;

impl Action for Score {
    type Input = ScoreInput;
    type Output = ScoreOutput;

    fn run(_ctx: &Context, input: ScoreInput) -> Result<ScoreOutput, StepError> {
        let remember = input.remember;
        let mut account = input.check().map_err(StepError::invalid_input)?;
        let key = account.key.clone().filter(|_| remember);
        let stored = match &key {
            Some(key) => history::load(key)?,
            None => Vec::new(),
        };
        account.snapshots = history::merge(&stored, &account.snapshots);
        let out = score(&account);
        if let Some(key) = &key {
            history::save(key, &history::record(&stored, account.now, account.followers))?;
        }
        Ok(out)
    }
}

roost_sdk::plugin! { "score" => Score, "rank" => rank::Rank }
