//! Roost plugin `influencer`: a transparent 0–100 score of a public profile.
//!
//! The action parses and checks the input (`input`), then `factors` computes the six
//! factors (reach, engagement, authenticity, topic fit, activity, growth) with the text
//! helpers of `text`, and `score` weighs them into the total, the tier and a confidence.

mod factors;
mod input;
pub mod population;
mod score;
pub mod stats;
mod text;

#[cfg(test)]
mod tests;

use roost_sdk::{Action, Context, StepError};

pub use factors::{Tier, tier_of};
pub use input::{Account, PostData, ScoreInput};
pub use score::{Factor, ScoreOutput, score};

/// Scores one profile.
pub struct Score;

impl Action for Score {
    type Input = ScoreInput;
    type Output = ScoreOutput;

    fn run(_ctx: &Context, input: ScoreInput) -> Result<ScoreOutput, StepError> {
        let checked = input.check().map_err(StepError::invalid_input)?;
        Ok(score(&checked))
    }
}

roost_sdk::plugin! { "score" => Score }
