//! Roost plugin `sentiment`: VADER-style lexicon sentiment for English and German text.
//!
//! The actions here are thin: they parse, check limits and shape output. The analysis is
//! pure code in `analyze` (the order of the rules), `rules` (VADER's), `evidence` and
//! `cues` (complaints, sarcasm, idioms), `irony`, `compound` (German compounds),
//! `question`, `explain` (reasons), `summary`, `tokenize` and `lang` (detection), over
//! tables built at compile time (`table`) in `lexicon`, `lexicon_de` and `emoji`.
//! `devset` and `evaluation` measure it on the labelled set in `data/`.

mod analyze;
mod classify;
mod compound;
mod cues;
pub mod devset;
mod emoji;
pub mod evaluation;
mod evidence;
mod explain;
mod irony;
mod lang;
mod lexicon;
mod lexicon_de;
mod question;
mod rules;
mod summary;
mod table;
mod tokenize;

#[cfg(test)]
mod fixtures_de;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cues;
#[cfg(test)]
mod tests_devset;

use roost_sdk::{Action, Context, StepError};
use serde::{Deserialize, Serialize};

pub use analyze::Analyzer;
pub use lang::{Language, LanguageChoice, detect};
pub use summary::{Label, Scores};

/// The most texts one `batch` step takes; also `maxItems` in plugin.toml.
pub const MAX_BATCH: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    pub text: String,
    #[serde(default)]
    pub language: LanguageChoice,
}

/// The scores of one text, as the step outputs them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreOutput {
    pub compound: f64,
    pub positive: f64,
    pub negative: f64,
    pub neutral: f64,
    pub label: Label,
    pub language: Language,
    /// The cues that decided the label, strongest first: `complaint:"not working"`.
    pub reasons: Vec<String>,
}

impl ScoreOutput {
    /// Scores `text` in `lang` with `analyzer` and says why.
    pub fn explained(analyzer: &mut Analyzer, text: &str, lang: Language) -> Self {
        let (scores, reasons) = analyzer.explain(text, lang);
        Self::new(scores, reasons)
    }

    fn new(s: Scores, reasons: Vec<String>) -> Self {
        Self {
            compound: round4(s.compound),
            positive: round4(s.positive),
            negative: round4(s.negative),
            neutral: round4(s.neutral),
            label: s.label(),
            language: s.language,
            reasons,
        }
    }
}

/// Four decimals are plenty for a lexicon score and keep step outputs short.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Scores one text.
pub struct Score;

impl Action for Score {
    type Input = ScoreInput;
    type Output = ScoreOutput;

    fn run(_ctx: &Context, input: ScoreInput) -> Result<ScoreOutput, StepError> {
        let lang = input.language.resolve(&input.text);
        Ok(ScoreOutput::explained(&mut Analyzer::new(), &input.text, lang))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    pub texts: Vec<String>,
    #[serde(default)]
    pub language: LanguageChoice,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchOutput {
    /// One result per text, in input order.
    pub results: Vec<ScoreOutput>,
    pub summary: Summary,
}

/// Counts by label and the mean compound score of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub count: usize,
    pub mean_compound: f64,
    pub positive: usize,
    pub negative: usize,
    pub neutral: usize,
}

/// Scores many texts in one step.
pub struct Batch;

impl Action for Batch {
    type Input = BatchInput;
    type Output = BatchOutput;

    fn run(_ctx: &Context, input: BatchInput) -> Result<BatchOutput, StepError> {
        if input.texts.len() > MAX_BATCH {
            return Err(StepError::invalid_input(format!(
                "`texts` has {} entries; a batch takes at most {MAX_BATCH}",
                input.texts.len()
            )));
        }
        let mut analyzer = Analyzer::new();
        let mut summary =
            Summary { count: input.texts.len(), mean_compound: 0.0, positive: 0, negative: 0, neutral: 0 };
        let mut total = 0.0;
        let results = input
            .texts
            .iter()
            .map(|text| {
                let (scores, reasons) = analyzer.explain(text, input.language.resolve(text));
                total += scores.compound;
                match scores.label() {
                    Label::Positive => summary.positive += 1,
                    Label::Negative => summary.negative += 1,
                    Label::Neutral => summary.neutral += 1,
                }
                ScoreOutput::new(scores, reasons)
            })
            .collect();
        if summary.count > 0 {
            summary.mean_compound = round4(total / summary.count as f64);
        }
        Ok(BatchOutput { results, summary })
    }
}

roost_sdk::plugin! { "score" => Score, "batch" => Batch, "classify" => classify::Classify }
