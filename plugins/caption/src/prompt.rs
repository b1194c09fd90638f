//! The chat messages that ask a model for one caption as JSON with a one-sentence reason,
//! and the clean-up of its reply: reasoning blocks, Markdown fences, quotes and "Here is
//! your caption:" lines removed, a JSON `{"caption", "hashtags", "reason"}` reply taken
//! apart; a plain-text reply is the caption itself.

use serde_json::{Value, json};

use crate::network::Network;
use crate::{Kind, Language};

/// The longest reason kept from a model's reply, in characters.
const MAX_REASON_CHARS: usize = 200;

/// What the model is asked for.
pub struct Ask<'a> {
    pub topic: &'a str,
    pub network: Network,
    pub language: Language,
    pub voice: Option<&'a str>,
    pub keywords: &'a [String],
    pub kind: Kind,
}

/// A cleaned reply: the caption and, when the model gave one, its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub reason: Option<String>,
}

/// The `messages` of a chat completion request: one system and one user message.
pub fn messages(ask: &Ask) -> Value {
    let limit = ask.network.limit();
    let language = match ask.language {
        Language::En => "English",
        Language::De => "German",
    };
    let tags = match ask.kind {
        Kind::Announcement => {
            format!("End with {} fitting hashtags in CamelCase.", ask.network.hashtag_budget().min(3))
        }
        Kind::Incident => "This is an incident notice: be sober and factual, apologise and say that updates will \
                           follow; no emoji, no question to the reader, no hashtags."
            .to_string(),
        Kind::Sensitive => "This is a sensitive notice (a death, a legal matter, a recall, a security breach or \
                            harm to people): be sober, factual and respectful; no emoji, no exclamation, no \
                            question to the reader, no call to engage or share, no hashtags."
            .to_string(),
    };
    let mut system = format!(
        "You write captions for {network} posts. Write in {language}. A caption is at most {limit} characters \
         long, hashtags included; stay well below that. {tags} Reply with JSON only, no Markdown: \
         {{\"caption\": \"the caption text\", \"reason\": \"one sentence on why it fits the topic and voice\"}}",
        network = ask.network.name(),
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
pub fn clean(content: &str) -> Option<Reply> {
    let text = roost_sdk::openai::answer(content);
    let text = text.as_str();
    if let Some(reply) = from_json(text) {
        return Some(reply).filter(|r| !r.text.is_empty());
    }
    let text = strip_preamble(text);
    let text = strip_quotes(text.trim()).trim();
    (!text.is_empty()).then(|| Reply { text: text.to_string(), reason: None })
}

/// A reply that is a JSON object with a `caption` (and maybe `hashtags` and `reason`) field.
fn from_json(text: &str) -> Option<Reply> {
    let value: Value = serde_json::from_str(text).ok()?;
    let caption = value.get("caption")?.as_str()?.trim().to_string();
    let reason = value.get("reason").and_then(Value::as_str).map(one_line).filter(|r| !r.is_empty());
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
    let text = if tags.is_empty() { caption } else { format!("{caption}\n\n{}", tags.join(" ")) };
    Some(Reply { text, reason })
}

/// `text` on one line, at most [`MAX_REASON_CHARS`] characters (cut with `…`).
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_REASON_CHARS {
        return line;
    }
    let cut: String = line.chars().take(MAX_REASON_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
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

    fn text(content: &str) -> Option<String> {
        clean(content).map(|r| r.text)
    }

    #[test]
    fn messages_name_network_limit_language_voice_and_keywords() {
        let keywords = vec!["Rust".to_string(), "WASM".to_string()];
        let ask = Ask {
            topic: "plugins",
            network: Network::Bluesky,
            language: Language::De,
            voice: Some("warm"),
            keywords: &keywords,
            kind: Kind::Announcement,
        };
        let m = messages(&ask);
        let system = m[0]["content"].as_str().unwrap();
        assert_eq!(m[0]["role"], "system");
        assert!(system.contains("Bluesky") && system.contains("300 characters") && system.contains("German"));
        assert!(system.contains("Brand voice: warm"));
        assert_eq!(m[1]["content"], "Topic: plugins\nKeywords: Rust, WASM");
        assert!(system.contains(r#"{"caption": "#) && system.contains(r#""reason": "one sentence"#), "{system}");
        assert!(system.contains("2 fitting hashtags"), "{system}");
        let incident = messages(&Ask { kind: Kind::Incident, ..ask });
        let system = incident[0]["content"].as_str().unwrap();
        assert!(
            system.contains("incident notice") && system.contains("no emoji") && !system.contains("fitting hashtags")
        );
    }

    #[test]
    fn cleans_quotes_fences_reasoning_and_preambles() {
        assert_eq!(text("\"Hello world #Hi\"").as_deref(), Some("Hello world #Hi"));
        assert_eq!(text("„Hallo Welt“").as_deref(), Some("Hallo Welt"));
        assert_eq!(text("```\nA caption\n```").as_deref(), Some("A caption"));
        assert_eq!(text("```text\nA caption\n```").as_deref(), Some("A caption"));
        assert_eq!(text("<think>hmm, 300 chars</think>\n\nThe caption").as_deref(), Some("The caption"));
        assert_eq!(text("Here is your caption:\n\n\"Go #Go\"").as_deref(), Some("Go #Go"));
        assert_eq!(
            text("\"Quoted\" at the start and \"here\"").as_deref(),
            Some("\"Quoted\" at the start and \"here\"")
        );
        assert_eq!(text("  \n "), None);
        assert_eq!(text("<think>only thoughts"), None);
    }

    #[test]
    fn takes_json_replies_apart() {
        let reply = r##"```json
{"caption": "Spring is here", "hashtags": ["#Spring", "Garden"]}
```"##;
        assert_eq!(text(reply).as_deref(), Some("Spring is here\n\n#Spring #Garden"));
        assert_eq!(
            text(r##"{"caption": "Tagged #Spring", "hashtags": ["#Spring"]}"##).as_deref(),
            Some("Tagged #Spring")
        );
        let with_reason = r#"{"caption": "Spring is here", "reason": "Short and warm,\n as asked."}"#;
        assert_eq!(
            clean(with_reason),
            Some(Reply { text: "Spring is here".into(), reason: Some("Short and warm, as asked.".into()) })
        );
        let long = format!(r#"{{"caption": "c", "reason": "{}"}}"#, "why ".repeat(100));
        assert_eq!(clean(&long).unwrap().reason.unwrap().chars().count(), MAX_REASON_CHARS);
        assert_eq!(clean("Plain #Text").unwrap().reason, None);
    }
}
