//! Roost plugin `caption`: social-media captions from an OpenAI-compatible model, or
//! offline from templates, fitted to each network's length limit; and hashtags.
//!
//! The actions are thin. The pure parts are `network` (limits, counting, trimming),
//! `hashtags` and `stopwords`, `offline` (templates) and `prompt` (messages, reply
//! clean-up); `roost_sdk::openai` talks to the model server.

mod hashtags;
mod network;
mod offline;
mod prompt;
mod stopwords;

use roost_sdk::{Action, Context, StepError, openai};
use serde::{Deserialize, Serialize};

pub use network::{Fitted, Network};

/// The language of a caption.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
}

/// The most variants one step generates; also `maximum` in plugin.toml.
pub const MAX_VARIANTS: usize = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateInput {
    pub topic: String,
    pub network: Network,
    #[serde(default)]
    pub language: Language,
    pub voice: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default = "default_variants")]
    pub variants: usize,
    pub endpoint: Option<String>,
    pub model: Option<String>,
}

fn default_variants() -> usize {
    3
}

/// One caption, fitted to the network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Caption {
    pub text: String,
    /// The length as the network counts it.
    pub length: usize,
    /// The hashtags in `text`, in order.
    pub hashtags: Vec<String>,
}

impl Caption {
    fn fitted(network: Network, text: &str) -> (Self, bool) {
        let Fitted { text, trimmed } = network.fit(text);
        let caption = Self { length: network.length(&text), hashtags: hashtags::existing(&text), text };
        (caption, trimmed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Model,
    Offline,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateOutput {
    pub captions: Vec<Caption>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// How the captions were made, one line per decision.
    pub explanations: Vec<String>,
}

/// Drafts caption variants for a topic.
pub struct Generate;

impl Action for Generate {
    type Input = GenerateInput;
    type Output = GenerateOutput;

    fn run(_ctx: &Context, input: GenerateInput) -> Result<GenerateOutput, StepError> {
        let topic = input.topic.trim();
        if topic.is_empty() {
            return Err(StepError::invalid_input("`topic` is empty: say what the post is about"));
        }
        if !(1..=MAX_VARIANTS).contains(&input.variants) {
            return Err(StepError::invalid_input(format!(
                "`variants` is {}; ask for 1 to {MAX_VARIANTS}",
                input.variants
            )));
        }
        match input.endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(endpoint) => from_model(&input, topic, endpoint),
            None => Ok(offline(&input, topic)),
        }
    }
}

fn offline(input: &GenerateInput, topic: &str) -> GenerateOutput {
    let tone = offline::Tone::of(input.voice.as_deref());
    let brief =
        offline::Brief { topic, network: input.network, language: input.language, tone, keywords: &input.keywords };
    let mut explanations =
        vec![format!("offline templates: {:?}, {} tone; no model called", input.language, tone.name()).to_lowercase()];
    let captions = (0..input.variants)
        .map(|i| {
            let (text, [opener, keywords, closer]) = offline::caption(&brief, i);
            let (caption, trimmed) = Caption::fitted(input.network, &text);
            explanations.push(format!(
                "variant {}: opener {}, keyword sentence {}, closer {}{}",
                i + 1,
                opener + 1,
                keywords + 1,
                closer + 1,
                trim_note(input.network, trimmed)
            ));
            caption
        })
        .collect();
    GenerateOutput { captions, source: Source::Offline, model: None, explanations }
}

fn from_model(input: &GenerateInput, topic: &str, endpoint: &str) -> Result<GenerateOutput, StepError> {
    let client = openai::Model::new(endpoint, input.model.as_deref())?;
    let model = client.model;
    let ask = prompt::Ask {
        topic,
        network: input.network,
        language: input.language,
        voice: input.voice.as_deref(),
        keywords: &input.keywords,
    };
    let messages = prompt::messages(&ask);
    let mut captions: Vec<Caption> = Vec::new();
    let mut explanations = vec![format!("model `{model}` at {}", client.url())];
    // One request per variant, each with its own seed: Ollama ignores `n`.
    for seed in 1..=input.variants as u64 {
        if captions.len() == input.variants {
            break;
        }
        for content in client.complete(&messages, &openai::Options { seed, ..openai::Options::default() })? {
            let Some(text) = prompt::clean(&content) else { continue };
            let (caption, trimmed) = Caption::fitted(input.network, &text);
            if captions.len() < input.variants && !captions.iter().any(|c| c.text == caption.text) {
                explanations.push(format!(
                    "variant {}: seed {seed}{}",
                    captions.len() + 1,
                    trim_note(input.network, trimmed)
                ));
                captions.push(caption);
            }
        }
    }
    if captions.is_empty() {
        return Err(StepError::fatal(format!(
            "model `{model}` at {} returned no usable caption (empty or reasoning-only replies)",
            client.url()
        )));
    }
    if captions.len() < input.variants {
        explanations.push(format!(
            "the model repeated itself: {} distinct of {} asked",
            captions.len(),
            input.variants
        ));
    }
    Ok(GenerateOutput { captions, source: Source::Model, model: Some(model.to_string()), explanations })
}

fn trim_note(network: Network, trimmed: bool) -> String {
    if trimmed { format!("; trimmed to {}'s limit of {}", network.name(), network.limit()) } else { String::new() }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashtagsInput {
    pub text: String,
    #[serde(default = "default_max")]
    pub max: usize,
    pub language: Option<Language>,
}

fn default_max() -> usize {
    5
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HashtagsOutput {
    pub hashtags: Vec<String>,
}

/// Suggests hashtags for a text.
pub struct Hashtags;

impl Action for Hashtags {
    type Input = HashtagsInput;
    type Output = HashtagsOutput;

    fn run(_ctx: &Context, input: HashtagsInput) -> Result<HashtagsOutput, StepError> {
        if !(1..=30).contains(&input.max) {
            return Err(StepError::invalid_input(format!("`max` is {}; ask for 1 to 30 hashtags", input.max)));
        }
        Ok(HashtagsOutput { hashtags: hashtags::extract(&input.text, input.max, input.language) })
    }
}

roost_sdk::plugin! { "generate" => Generate, "hashtags" => Hashtags }

#[cfg(test)]
mod tests;
