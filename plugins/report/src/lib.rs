//! Roost plugin `report`: a digest of a period's mentions, sentiment, alerts and posts, and
//! the result of an A/B test of captions (`ab`).
//!
//! `input` checks what arrives (with `settings`: language, time zone, brand, previous
//! period), `summary` counts and `compare` sets the counts against the previous period,
//! `series` buckets mentions per local day, `doc` and `tables` lay the report out as titled
//! tables with charts once, in the words of `labels`, and `render` writes that layout as
//! Markdown and as HTML with `svg` charts; `chat` writes short Slack and Matrix summaries;
//! `csv` exports the mentions and posts row by row (RFC 4180).

pub mod ab;
mod chat;
mod compare;
mod csv;
mod doc;
mod input;
mod labels;
mod render;
mod series;
mod settings;
mod summary;
mod svg;
mod tables;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_report;

use roost_sdk::{Action, Context, StepError};
use serde::Serialize;

pub use chat::Matrix;
pub use compare::Change;
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
    /// The headline figures against `previous`; empty without it.
    pub comparison: Vec<Change>,
    /// A short summary in Slack mrkdwn.
    pub slack: String,
    /// A short summary as a Matrix message with HTML.
    pub matrix: Matrix,
}

/// Builds the digest.
pub struct Digest;

impl Action for Digest {
    type Input = DigestInput;
    type Output = DigestOutput;

    fn run(_ctx: &Context, input: DigestInput) -> Result<DigestOutput, StepError> {
        let checked = input.check().map_err(StepError::invalid_input)?;
        let summary = summary::summarize(&checked);
        let comparison = compare::changes(&summary, checked.previous.as_ref());
        let document = doc::build(&checked, &summary, &comparison);
        let (slack, matrix) = chat::summaries(&checked, &document, &summary, &comparison);
        Ok(DigestOutput {
            markdown: render::markdown(&document),
            html: render::html(&document),
            csv: csv::mentions(&checked.mentions),
            posts_csv: csv::posts(&checked.posts),
            summary,
            comparison,
            slack,
            matrix,
        })
    }
}

roost_sdk::plugin! {
    "digest" => Digest,
    "ab" => ab::Ab,
}
