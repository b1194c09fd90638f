//! The two ways `generate` drafts captions: offline from templates with suggested hashtags,
//! or one model request per variant; each caption with the reason it came out as it did.

use roost_sdk::{StepError, openai};

use crate::custom::Custom;
use crate::observed::Observed;
use crate::offline::{self, Lists};
use crate::suggest::{self, Source as TagSource, Suggestion};
use crate::templates::Part;
use crate::voice::Voice;
use crate::{Caption, GenerateInput, GenerateOutput, Kind, Network, Source, day, hashtags, prompt};

/// Captions from templates, with the keywords' and fitting observed tags appended.
pub fn offline(
    input: &GenerateInput,
    topic: &str,
    kind: Kind,
    custom: Option<&Custom>,
) -> Result<GenerateOutput, StepError> {
    let voice = Voice::of(input.voice.as_deref());
    let tone = voice.tone;
    let lists = Lists::resolve(input.language, tone, kind, custom);
    let observed = if kind == Kind::Announcement { Observed::load(day::today())? } else { Observed::default() };
    let own = hashtags::existing(topic).len();
    let tags: Vec<Suggestion> =
        suggest::suggest(topic, &input.keywords, kind, &observed, input.network.hashtag_budget() + own)
            .into_iter()
            .filter(|s| s.source != TagSource::Text)
            .collect();
    let setting = format!("{}, {} {}", kind.name(), input.language.code(), tone.name());
    let mut explanations = vec![
        format!("offline templates: {setting} tone{}; no model configured", voice.note()),
        tags_note(&tags, kind, &observed),
    ];
    let mut captions: Vec<Caption> = Vec::new();
    for i in 0..input.variants {
        let made = offline::caption(&lists, topic, &input.keywords, i, voice);
        let mut text = made.text;
        if !tags.is_empty() {
            let block: Vec<&str> = tags.iter().map(|s| s.tag.as_str()).collect();
            text = format!("{text}\n\n{}", block.join(" "));
        }
        let reason = format!("{setting}: {}", picks_note(&lists, &made.picks));
        let (caption, trimmed) = Caption::fitted(input.network, &text, reason);
        if captions.iter().any(|c| c.text == caption.text) {
            continue;
        }
        explanations.push(format!(
            "variant {}: {}{}",
            captions.len() + 1,
            caption.reason,
            trim_note(input.network, trimmed)
        ));
        captions.push(caption);
    }
    if captions.len() < input.variants {
        explanations.push(format!(
            "the templates gave {} distinct captions of {} asked; add sentences to the lists",
            captions.len(),
            input.variants
        ));
    }
    Ok(GenerateOutput { captions, source: Source::Offline, kind, model: None, explanations })
}

/// "opener 2, keyword sentence 1, closer 4 (built-in templates)", 1-based.
fn picks_note(lists: &Lists, picks: &[Option<usize>; 3]) -> String {
    let used: Vec<(Part, usize)> = Part::ALL.iter().zip(picks).filter_map(|(p, i)| i.map(|i| (*p, i))).collect();
    let parts: Vec<String> = used.iter().map(|(p, i)| format!("{} {}", p.noun(), i + 1)).collect();
    let workspace: Vec<&str> = used.iter().filter(|(p, _)| lists.is_workspace(*p)).map(|(p, _)| p.noun()).collect();
    let origin = match workspace.len() {
        0 => "built-in templates".to_string(),
        n if n == used.len() => "workspace templates".to_string(),
        _ => format!("workspace {}, built-in for the rest", workspace.join(" and ")),
    };
    format!("{} ({origin})", parts.join(", "))
}

/// Which hashtags were added and why, or why none were.
fn tags_note(tags: &[Suggestion], kind: Kind, observed: &Observed) -> String {
    let listed: Vec<String> = tags
        .iter()
        .map(|s| match s.source {
            TagSource::Observed => {
                format!("{} (observed: {} in 7 days, {} in 28)", s.tag, s.mentions_7d, s.mentions_28d)
            }
            _ => format!("{} (keyword)", s.tag),
        })
        .collect();
    let why_not = match (kind, observed.days) {
        (Kind::Incident, _) => "an incident gets no observed tags and none from the problem",
        (Kind::Sensitive, _) => "a sensitive topic gets no observed tags and none from a problem word",
        (_, 0) => "no tags observed yet (caption/observe counts them from listened-to mentions)",
        _ => "no observed tag fits the topic",
    };
    if listed.is_empty() {
        format!("hashtags: none; {why_not}")
    } else if kind.is_sober() || !tags.iter().any(|s| s.source == TagSource::Observed) {
        format!("hashtags: {}; {why_not}", listed.join(", "))
    } else {
        format!("hashtags: {}", listed.join(", "))
    }
}

/// One request per variant, each with its own seed: Ollama ignores `n`.
pub fn from_model(input: &GenerateInput, topic: &str, kind: Kind, endpoint: &str) -> Result<GenerateOutput, StepError> {
    let client = openai::Model::new(endpoint, input.model.as_deref())?;
    let model = client.model;
    let ask = prompt::Ask {
        topic,
        network: input.network,
        language: input.language,
        voice: input.voice.as_deref(),
        keywords: &input.keywords,
        kind,
    };
    let messages = prompt::messages(&ask);
    let mut captions: Vec<Caption> = Vec::new();
    let mut explanations = vec![format!("model `{model}` at {}; topic read as {}", client.url(), kind.name())];
    for seed in 1..=input.variants as u64 {
        if captions.len() == input.variants {
            break;
        }
        for content in client.complete(&messages, &openai::Options { seed, ..openai::Options::default() })? {
            let Some(reply) = prompt::clean(&content) else { continue };
            let reason = match &reply.reason {
                Some(why) => format!("model {model}, seed {seed}: {why}"),
                None => format!("model {model}, seed {seed}"),
            };
            let (caption, trimmed) = Caption::fitted(input.network, &reply.text, reason);
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
    Ok(GenerateOutput { captions, source: Source::Model, kind, model: Some(model.to_string()), explanations })
}

fn trim_note(network: Network, trimmed: bool) -> String {
    if trimmed { format!("; trimmed to {}'s limit of {}", network.name(), network.limit()) } else { String::new() }
}
