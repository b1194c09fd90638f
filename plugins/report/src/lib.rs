//! Roost plugin `report`: a digest of a period's mentions, sentiment, alerts and posts, and
//! the result of an A/B test of captions (`ab`).
//!
//! `input` checks what arrives, `summary` counts, `doc` lays the report out as titled
//! tables once, and `render` writes that layout as Markdown and as HTML; `csv` exports
//! the mentions and posts row by row (RFC 4180).

pub mod ab;
mod csv;
mod doc;
mod input;
mod render;
mod summary;

#[cfg(test)]
mod tests;

use roost_sdk::{Action, Context, StepError};
use serde::Serialize;

pub use input::{DigestInput, Mention, Period, PostIn, Sentiment, Spike};
pub use summary::Summary;

#[derive(Debug, Serialize)]
pub struct DigestOutput {
    pub markdown: String,
    pub html: String,
    /// The period's mentions, one row each.
    pub csv: String,
    /// The published posts, one row each.
    pub posts_csv: String,
    pub summary: Summary,
}

/// Builds the digest.
pub struct Digest;

impl Action for Digest {
    type Input = DigestInput;
    type Output = DigestOutput;

    fn run(_ctx: &Context, input: DigestInput) -> Result<DigestOutput, StepError> {
        let checked = input.check().map_err(StepError::invalid_input)?;
        let summary = summary::summarize(&checked);
        let document = doc::build(&checked, &summary);
        Ok(DigestOutput {
            markdown: render::markdown(&document),
            html: render::html(&document),
            csv: csv::mentions(&checked.mentions),
            posts_csv: csv::posts(&checked.posts),
            summary,
        })
    }
}

roost_sdk::plugin! {
    "digest" => Digest,
    "ab" => ab::Ab,
}
