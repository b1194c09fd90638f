//! The chat messages that ask a model for one caption, and the clean-up of its reply:
//! reasoning blocks, Markdown fences, quotes and "Here is your caption:" lines removed,
//! a JSON `{"caption", "hashtags"}` reply taken apart.

use serde_json::{Value, json};

use crate::Language;
use crate::network::Network;

/// What the model is asked for.
pub struct Ask<'a> {
    pub topic: &'a str,
    pub network: Network,
    pub language: Language,
    pub voice: Option<&'a str>,
    pub keywords: &'a [String],
}

/// The `messages` of a chat completion request: one system and one user message.
pub fn messages(ask: &Ask) -> Value {
    let limit = ask.network.limit();
    let language = match ask.language {
        Language::En => "English",
        Language::De => "German",
    };
    let mut system = format!(
        "You write captions for {network} posts. Write in {language}. A caption is at most {limit} characters \
         long, hashtags included; stay well below that. End with {tags} fitting hashtags in CamelCase. Reply with \
         the caption text only: no quotes, no introduction, no Markdown.",
        network = ask.network.name(),
        tags = ask.network.hashtag_budget().min(3),
    );
    if let Some(voice) = ask.voice.map(str::trim).filter(|v| !v.is_empty()) {
        system.push_str(&format!("\nBrand voice: {voice}"));
    }
    let mut user = format!("Topic: {}", ask.topic.trim());
    if !ask.keywords.is_empty() {
        user.push_str(&format!("\nKeywords: {}", ask.keywords.join(", ")));
    }
    json!([{ "role": "system", "content": system }, { "role": "user", "content": user }])
}

/// The caption in a model's reply, or `None` when nothing usable is left.
pub fn clean(content: &str) -> Option<String> {
    let text = roost_sdk::openai::answer(content);
    let text = text.as_str();
    if let Some(caption) = from_json(text) {
        return Some(caption).filter(|c| !c.is_empty());
    }
    let text = strip_preamble(text);
    let text = strip_quotes(text.trim()).trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A reply that is a JSON object with a `caption` (and maybe `hashtags`) field.
fn from_json(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    let caption = value.get("caption")?.as_str()?.trim().to_string();
    let tags: Vec<String> = value
        .get("hashtags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .map(|t| if t.starts_with('#') { t.to_string() } else { format!("#{t}") })
                .filter(|t| crate::hashtags::is_hashtag(t) && !caption.contains(t.as_str()))
                .collect()
        })
        .unwrap_or_default();
    Some(if tags.is_empty() { caption } else { format!("{caption}\n\n{}", tags.join(" ")) })
}

/// Drops a first line such as "Here is your caption:" when more follows.
fn strip_preamble(text: &str) -> &str {
    match text.split_once('\n') {
        Some((first, rest)) if first.trim_end().ends_with(':') && first.len() < 80 && !rest.trim().is_empty() => {
            rest.trim_start()
        }
        _ => text,
    }
}

/// Drops one pair of quotes around the whole text (“…”, „…“, «…», "…", '…') when no
/// other quote of the pair is inside.
fn strip_quotes(text: &str) -> &str {
    const PAIRS: &[(char, char)] = &[('"', '"'), ('“', '”'), ('„', '“'), ('«', '»'), ('»', '«'), ('\'', '\'')];
    for &(open, close) in PAIRS {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close))
            && !inner.contains([open, close])
        {
            return inner;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_network_limit_language_voice_and_keywords() {
        let keywords = vec!["Rust".to_string(), "WASM".to_string()];
        let ask = Ask {
            topic: "plugins",
            network: Network::Bluesky,
            language: Language::De,
            voice: Some("warm"),
            keywords: &keywords,
        };
        let m = messages(&ask);
        let system = m[0]["content"].as_str().unwrap();
        assert_eq!(m[0]["role"], "system");
        assert!(system.contains("Bluesky") && system.contains("300 characters") && system.contains("German"));
        assert!(system.contains("Brand voice: warm"));
        assert_eq!(m[1]["content"], "Topic: plugins\nKeywords: Rust, WASM");
    }

    #[test]
    fn cleans_quotes_fences_reasoning_and_preambles() {
        assert_eq!(clean("\"Hello world #Hi\"").as_deref(), Some("Hello world #Hi"));
        assert_eq!(clean("„Hallo Welt“").as_deref(), Some("Hallo Welt"));
        assert_eq!(clean("```\nA caption\n```").as_deref(), Some("A caption"));
        assert_eq!(clean("```text\nA caption\n```").as_deref(), Some("A caption"));
        assert_eq!(clean("<think>hmm, 300 chars</think>\n\nThe caption").as_deref(), Some("The caption"));
        assert_eq!(clean("Here is your caption:\n\n\"Go #Go\"").as_deref(), Some("Go #Go"));
        assert_eq!(
            clean("\"Quoted\" at the start and \"here\"").as_deref(),
            Some("\"Quoted\" at the start and \"here\"")
        );
        assert_eq!(clean("  \n "), None);
        assert_eq!(clean("<think>only thoughts"), None);
    }

    #[test]
    fn takes_json_replies_apart() {
        let reply = r##"```json
{"caption": "Spring is here", "hashtags": ["#Spring", "Garden"]}
```"##;
        assert_eq!(clean(reply).as_deref(), Some("Spring is here\n\n#Spring #Garden"));
        assert_eq!(
            clean(r##"{"caption": "Tagged #Spring", "hashtags": ["#Spring"]}"##).as_deref(),
            Some("Tagged #Spring")
        );
    }
}
