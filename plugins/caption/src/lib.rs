//! Roost plugin `caption`: social-media captions from an OpenAI-compatible model, or
//! offline from templates, fitted to each network's length limit; hashtag suggestions
//! from the tags listened-to mentions use; and `observe`, which counts those tags.
//!
//! The actions are thin. The pure parts are `network` (limits, counting, trimming),
//! `kind` with `vocab` (announcement, incident or sensitive), `voice` (tone and emoji
//! wishes), `templates` and `custom` (built-in and workspace sentences), `emoji`,
//! `offline` (filling them), `prompt` (messages, reply clean-up), `suggest` with
//! `problem`, `generic`, `hashtags` and `stopwords`; `observed` keeps tag counts in kv and
//! `generate` puts a caption step together; `roost_sdk::openai` talks to the model server.

mod custom;
mod day;
mod emoji;
mod generate;
mod generic;
mod hashtags;
mod kind;
mod network;
mod observe;
mod observed;
mod offline;
mod problem;
mod prompt;
mod stopwords;
mod suggest;
mod templates;
mod vocab;
mod voice;

use roost_sdk::{Action, Context, StepError, Value};
use serde::{Deserialize, Serialize};

pub use kind::Kind;
pub use network::{Fitted, Network};
pub use observe::{Observe, ObserveInput, ObserveOutput};
pub use suggest::{Source as TagSource, Suggestion};

/// The language of a caption.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }
}

/// The most variants one step generates; also `maximum` in plugin.toml.
pub const MAX_VARIANTS: usize = 5;
/// Room an offline opener needs next to the topic ("Das Wichtigste in Kürze: " and a
/// period): a topic that leaves less would be cut into "In brief…" and nothing else.
pub const OPENER_ROOM: usize = 30;
/// The longest keyword, in characters: a keyword is a word or a phrase and becomes a
/// hashtag; a paragraph would crowd out the caption and every tag.
pub const MAX_KEYWORD_CHARS: usize = 100;

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
    /// Workspace templates (see `custom`); null is absent.
    pub templates: Option<Value>,
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
    /// How this variant was made: templates and kind, or model and seed with its reason.
    pub reason: String,
}

impl Caption {
    fn fitted(network: Network, text: &str, reason: String) -> (Self, bool) {
        let Fitted { text, trimmed } = network.fit(text);
        let caption = Self { length: network.length(&text), hashtags: hashtags::existing(&text), text, reason };
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
    /// What the topic is about, which decides the templates and whether tags are added.
    pub kind: Kind,
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
        check_keywords(&input.keywords)?;
        let custom = custom::Custom::parse(input.templates.as_ref())?;
        let kind = Kind::of(std::iter::once(topic).chain(input.keywords.iter().map(String::as_str)));
        match input.endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(endpoint) => generate::from_model(&input, topic, kind, endpoint),
            None => {
                check_offline_topic(topic, input.network)?;
                generate::offline(&input, topic, kind, custom.as_ref())
            }
        }
    }
}

fn check_keywords(keywords: &[String]) -> Result<(), StepError> {
    match keywords.iter().enumerate().find(|(_, k)| k.trim().chars().count() > MAX_KEYWORD_CHARS) {
        Some((i, k)) => Err(StepError::invalid_input(format!(
            "`keywords[{i}]` is {} characters long; a keyword is a word or phrase of at most {MAX_KEYWORD_CHARS}",
            k.trim().chars().count()
        ))),
        None => Ok(()),
    }
}

/// An offline caption puts an opener before the topic: the topic alone must leave room.
fn check_offline_topic(topic: &str, network: Network) -> Result<(), StepError> {
    let (length, limit) = (network.length(topic), network.limit());
    if length + OPENER_ROOM <= limit {
        return Ok(());
    }
    Err(StepError::invalid_input(format!(
        "`topic` is {length} characters long as {0} counts them, and {0} allows {limit}: keep it to {1} so an \
         offline caption has room for its opener, or configure a model to summarise it",
        network.code(),
        limit - OPENER_ROOM
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashtagsInput {
    pub text: String,
    #[serde(default = "default_max")]
    pub max: usize,
    /// Accepted for older workflows; English and German words are both read.
    pub language: Option<Language>,
}

fn default_max() -> usize {
    5
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HashtagsOutput {
    pub hashtags: Vec<String>,
    /// The same tags with where each came from and how often mentions used it.
    pub suggestions: Vec<Suggestion>,
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
        let observed = observed::Observed::load(day::today())?;
        let kind = Kind::of([input.text.as_str()]);
        let suggestions = suggest::suggest(&input.text, &[], kind, &observed, input.max);
        Ok(HashtagsOutput { hashtags: suggestions.iter().map(|s| s.tag.clone()).collect(), suggestions })
    }
}

roost_sdk::plugin! { "generate" => Generate, "hashtags" => Hashtags, "observe" => Observe }

#[cfg(test)]
mod legacy;
#[cfg(test)]
mod quality;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_kind;
#[cfg(test)]
mod tests_listening;
#[cfg(test)]
mod tests_offline;
#[cfg(test)]
mod tests_templates;
