//! `classify`: sentiment labels from a model on an OpenAI-compatible server, asked for a
//! batch of numbered texts per request, beside the lexicon's scores; the lexicon answers
//! for every text the model does not label.
//!
//! A model that cannot be reached, answers an error (401, 5xx, an unknown model), or
//! would take longer than the step has left does not fail the step: the lexicon labels
//! the rest, and `model_available: false` with `fallback_reason` says so, so a listening
//! workflow keeps running and the next run asks the model again. After the first such
//! failure no further request is sent in the same step. A reply that is not the JSON
//! asked for costs only its own batch, whose texts the lexicon labels.

mod reply;

use std::time::{SystemTime, UNIX_EPOCH};

use roost_sdk::{Action, Context, StepError, log, openai};
use serde::{Deserialize, Serialize};

use crate::{Analyzer, Label, LanguageChoice, ScoreOutput, Summary};

/// The most texts one `classify` step takes; also `maxItems` in plugin.toml. Each costs
/// model time: 200 texts are 10 requests of 20.
pub const MAX_TEXTS: usize = 200;
/// The longest text, in characters (`maxLength`): a prompt of 20 stays near 10,000 tokens.
pub const MAX_CHARS: usize = 2_000;
/// The most texts in one request (`batch_size` maximum).
pub const MAX_BATCH_SIZE: usize = 50;
/// The longest one request may take.
const REQUEST_TIMEOUT_MS: u64 = 120_000;
/// Kept back from the step's deadline so the lexicon can still answer after a slow model.
const RESERVE_MS: u64 = 1_500;
/// A request with less time than this is not sent.
const MIN_REQUEST_MS: u64 = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyInput {
    pub texts: Vec<String>,
    pub endpoint: String,
    pub model: String,
    #[serde(default)]
    pub language: LanguageChoice,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
}

fn default_batch_size() -> usize {
    20
}

/// Who gave a text its `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Model,
    Lexicon,
}

/// One text: the lexicon's scores, `label` the model's where it gave one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classified {
    #[serde(flatten)]
    pub scores: ScoreOutput,
    pub model_label: Option<Label>,
    pub model_reason: Option<String>,
    pub lexicon_label: Label,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifyOutput {
    /// One result per text, in input order.
    pub results: Vec<Classified>,
    /// Counts by `label`; `mean_compound` is the lexicon's.
    pub summary: Summary,
    pub model: String,
    /// Whether every request sent got a completion.
    pub model_available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    /// How many texts the model labelled.
    pub model_labelled: usize,
    pub requests: usize,
    /// One line per batch whose reply left texts to the lexicon.
    pub notes: Vec<String>,
}

/// Labels texts with a model, the lexicon beside it and in its place.
pub struct Classify;

impl Action for Classify {
    type Input = ClassifyInput;
    type Output = ClassifyOutput;

    fn run(ctx: &Context, input: ClassifyInput) -> Result<ClassifyOutput, StepError> {
        check(&input)?;
        let model = openai::Model::new(&input.endpoint, Some(&input.model))?;
        let mut analyzer = Analyzer::new();
        let mut results: Vec<Classified> = input
            .texts
            .iter()
            .map(|text| {
                let scores = ScoreOutput::explained(&mut analyzer, text, input.language.resolve(text));
                let lexicon_label = scores.label;
                Classified { scores, model_label: None, model_reason: None, lexicon_label, source: Source::Lexicon }
            })
            .collect();
        let asked = Asked::run(ctx, &model, &input, &mut results);
        if let Some(reason) = &asked.fallback_reason {
            log::warn(&format!("sentiment/classify: the lexicon labels the rest: {reason}"));
        }
        let model_labelled = results.iter().filter(|r| r.source == Source::Model).count();
        Ok(ClassifyOutput {
            summary: summary(results.iter().map(|r| (r.scores.label, r.scores.compound))),
            results,
            model: model.model.to_string(),
            model_available: asked.fallback_reason.is_none(),
            fallback_reason: asked.fallback_reason,
            model_labelled,
            requests: asked.requests,
            notes: asked.notes,
        })
    }
}

fn check(input: &ClassifyInput) -> Result<(), StepError> {
    if input.texts.len() > MAX_TEXTS {
        return Err(StepError::invalid_input(format!(
            "`texts` has {} entries; classify takes at most {MAX_TEXTS} (sentiment/batch scores more with the lexicon)",
            input.texts.len()
        )));
    }
    if let Some((i, n)) = input.texts.iter().map(|t| t.chars().count()).enumerate().find(|&(_, n)| n > MAX_CHARS) {
        return Err(StepError::invalid_input(format!(
            "`texts[{i}]` has {n} characters; classify takes at most {MAX_CHARS} a text"
        )));
    }
    if !(1..=MAX_BATCH_SIZE).contains(&input.batch_size) {
        return Err(StepError::invalid_input(format!(
            "`batch_size` is {}; ask for 1 to {MAX_BATCH_SIZE} texts a request",
            input.batch_size
        )));
    }
    Ok(())
}

/// What asking the model came to.
#[derive(Default)]
struct Asked {
    requests: usize,
    fallback_reason: Option<String>,
    notes: Vec<String>,
}

impl Asked {
    /// Asks `model` for the labels of the non-blank texts, `batch_size` a request, and
    /// puts each label it gives into `results`.
    fn run(ctx: &Context, model: &openai::Model, input: &ClassifyInput, results: &mut [Classified]) -> Self {
        let mut asked = Self::default();
        let wanted: Vec<usize> = (0..input.texts.len()).filter(|&i| !input.texts[i].trim().is_empty()).collect();
        let batches = wanted.len().div_ceil(input.batch_size);
        for (b, batch) in wanted.chunks(input.batch_size).enumerate() {
            let Some(timeout_ms) = request_timeout(ctx.deadline_ms) else {
                asked.fallback_reason = Some(format!("the step's time ran out before request {} of {batches}", b + 1));
                break;
            };
            let texts: Vec<&str> = batch.iter().map(|&i| input.texts[i].as_str()).collect();
            let options = options(batch.len(), timeout_ms);
            asked.requests += 1;
            let contents = match model.complete(&reply::messages(&texts, input.language), &options) {
                Ok(contents) => contents,
                Err(e) => {
                    asked.fallback_reason = Some(e.message().to_string());
                    break;
                }
            };
            let what = format!("request {} of {batches} ({} texts)", b + 1, batch.len());
            match reply::read(contents.first().map_or("", String::as_str), batch.len()) {
                Ok(read) => {
                    for (&i, labelled) in batch.iter().zip(read.labels) {
                        if let Some(labelled) = labelled {
                            results[i].take(labelled);
                        }
                    }
                    if let Some(problem) = read.problem {
                        asked.notes.push(format!("{what}: {problem}; the lexicon labelled the rest"));
                    }
                }
                Err(why) => asked.notes.push(format!("{what}: {why}; the lexicon labelled them")),
            }
        }
        asked
    }
}

impl Classified {
    fn take(&mut self, labelled: reply::Labelled) {
        self.scores.label = labelled.label;
        self.model_label = Some(labelled.label);
        self.model_reason = labelled.reason;
        self.source = Source::Model;
    }
}

/// Deterministic labels, and room for a reasoning model's thoughts and each text's entry.
fn options(texts: usize, timeout_ms: u32) -> openai::Options {
    openai::Options { temperature: 0.0, max_tokens: 1024 + 64 * texts as u32, seed: 1, timeout_ms }
}

/// How long the next request may take, or `None` when the step has too little time left.
fn request_timeout(deadline_ms: u64) -> Option<u32> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let left = deadline_ms.saturating_sub(now).saturating_sub(RESERVE_MS).min(REQUEST_TIMEOUT_MS);
    (left >= MIN_REQUEST_MS).then_some(left as u32)
}

/// The counts by label and the mean compound score of `(label, compound)` pairs.
pub(crate) fn summary(items: impl ExactSizeIterator<Item = (Label, f64)>) -> Summary {
    let mut summary = Summary { count: items.len(), mean_compound: 0.0, positive: 0, negative: 0, neutral: 0 };
    let mut total = 0.0;
    for (label, compound) in items {
        total += compound;
        match label {
            Label::Positive => summary.positive += 1,
            Label::Negative => summary.negative += 1,
            Label::Neutral => summary.neutral += 1,
        }
    }
    if summary.count > 0 {
        summary.mean_compound = crate::round4(total / summary.count as f64);
    }
    summary
}

#[cfg(test)]
mod tests;
