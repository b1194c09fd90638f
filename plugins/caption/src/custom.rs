//! Workspace templates: the `templates` input of `generate`, validated strictly.
//!
//! The shape is `{ "<en|de>": { "<neutral|casual>": { "<list>": [sentences] } } }` with
//! the lists `openers` (with `{topic}` or `{Topic}`), `keywords` (with `{kw}`) and
//! `closers` (no placeholder) for announcements, the same with `incident_` for incidents
//! and with `sensitive_` for sensitive topics. A list given replaces the built-in one for
//! its language, tone and kind; anything left out falls back. No sentence may hold control,
//! bidi or zero-width characters; incident and sensitive sentences no emoji, hashtag or
//! question. Errors name the place: `templates.de.casual.openers[2]: unknown placeholder {foo}`.

use std::collections::BTreeMap;

use roost_sdk::{StepError, Value};

use crate::Language;
use crate::emoji::{self, is_emoji};
use crate::hashtags;
use crate::voice::Tone;

/// The most sentences in one list: enough variety, and a bounded input.
pub const MAX_ENTRIES: usize = 20;
/// The longest sentence, in characters: what fits a post with room for the rest.
pub const MAX_CHARS: usize = 280;

const LANGUAGES: [(&str, Language); 2] = [("en", Language::En), ("de", Language::De)];
const TONES: [(&str, Tone); 2] = [("neutral", Tone::Neutral), ("casual", Tone::Casual)];
const LISTS: [&str; 9] = [
    "openers",
    "keywords",
    "closers",
    "incident_openers",
    "incident_keywords",
    "incident_closers",
    "sensitive_openers",
    "sensitive_keywords",
    "sensitive_closers",
];

/// Validated workspace templates.
#[derive(Debug, Default, PartialEq)]
pub struct Custom {
    lists: BTreeMap<(&'static str, &'static str, &'static str), Vec<String>>,
}

impl Custom {
    /// The templates in `value`; `None` for null (an unset workspace variable).
    pub fn parse(value: Option<&Value>) -> Result<Option<Self>, StepError> {
        let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
        let mut custom = Self::default();
        for (language, tones) in object(value, "templates")? {
            let (language, _) = known(&LANGUAGES, language, "templates", "language", "en or de")?;
            let at = format!("templates.{language}");
            for (tone, lists) in object(tones, &at)? {
                let (tone, _) = known(&TONES, tone, &at, "tone", "neutral or casual")?;
                let at = format!("{at}.{tone}");
                for (name, list) in object(lists, &at)? {
                    let Some(&name) = LISTS.iter().find(|l| **l == name) else {
                        return Err(invalid(format!("{at}.{name}: unknown list; use {}", LISTS.join(", "))));
                    };
                    custom.lists.insert((language, tone, name), sentences(list, &format!("{at}.{name}"), name)?);
                }
            }
        }
        Ok(Some(custom))
    }

    /// The list `name` for `language` and `tone`, when the workspace gave one.
    pub fn list(&self, language: Language, tone: Tone, name: &str) -> Option<&[String]> {
        let language = LANGUAGES.iter().find(|(_, l)| *l == language)?.0;
        let name = *LISTS.iter().find(|l| **l == name)?;
        self.lists.get(&(language, tone.name(), name)).map(Vec::as_slice)
    }
}

fn invalid(message: String) -> StepError {
    StepError::invalid_input(message)
}

fn object<'v>(value: &'v Value, at: &str) -> Result<&'v serde_json::Map<String, Value>, StepError> {
    value.as_object().ok_or_else(|| {
        invalid(format!(
            "{at}: expected an object, e.g. {{\"de\": {{\"casual\": {{\"openers\": [\"Neu: {{topic}}\"]}}}}}}"
        ))
    })
}

fn known<T: Copy>(
    table: &[(&'static str, T)],
    key: &str,
    at: &str,
    what: &str,
    hint: &str,
) -> Result<(&'static str, T), StepError> {
    table
        .iter()
        .find(|(name, _)| *name == key)
        .copied()
        .ok_or_else(|| invalid(format!("{at}.{key}: unknown {what}; use {hint}")))
}

/// The sentences of one list, each checked.
fn sentences(list: &Value, at: &str, name: &str) -> Result<Vec<String>, StepError> {
    let Some(items) = list.as_array() else {
        return Err(invalid(format!("{at}: expected a list of sentences")));
    };
    if items.is_empty() || items.len() > MAX_ENTRIES {
        return Err(invalid(format!(
            "{at}: has {} sentences; give 1 to {MAX_ENTRIES} (leave the list out for the built-in ones)",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{at}[{i}]");
            let text = item.as_str().map(str::trim).ok_or_else(|| invalid(format!("{at}: expected a string")))?;
            check_sentence(text, name).map_err(|what| invalid(format!("{at}: {what}")))?;
            Ok(text.to_string())
        })
        .collect()
}

/// What is wrong with one sentence of list `name`, if anything.
fn check_sentence(text: &str, name: &str) -> Result<(), String> {
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_CHARS {
        return Err(format!("is {chars} characters long; write 1 to {MAX_CHARS}"));
    }
    if let Some(what) = invisible(text) {
        return Err(format!("contains {what}; remove control, bidi and zero-width characters"));
    }
    let part = name.trim_start_matches("incident_").trim_start_matches("sensitive_");
    let (allowed, required): (&[&str], &str) = match part {
        "openers" => (&["topic", "Topic"], "{topic} or {Topic}"),
        "keywords" => (&["kw"], "{kw}"),
        _ => (&[], ""),
    };
    let found = placeholders(text)?;
    if let Some(bad) = found.iter().find(|p| !allowed.contains(p)) {
        return Err(match (*bad, part) {
            ("topic" | "Topic" | "kw", "closers") => format!("closers take no placeholder, found {{{bad}}}"),
            ("topic" | "Topic" | "kw", _) => format!("{{{bad}}} does not belong in {name}; use {required}"),
            _ => format!(
                "unknown placeholder {{{bad}}}; {name} take {}",
                if required.is_empty() { "none" } else { required }
            ),
        });
    }
    if !required.is_empty() && found.is_empty() {
        return Err(format!("needs {required}"));
    }
    if let Some(kind) = ["incident", "sensitive"].into_iter().find(|k| name.starts_with(&format!("{k}_"))) {
        if text.chars().any(is_emoji) {
            return Err(format!("{kind} sentences carry no emoji"));
        }
        if !hashtags::existing(text).is_empty() {
            return Err(format!("{kind} sentences carry no hashtag"));
        }
        if text.contains(['?', '¿', '？', '⁇']) {
            return Err(format!("{kind} sentences ask no question"));
        }
    }
    Ok(())
}

/// The first invisible character of `text`, named with its code point.
fn invisible(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        let before = i.checked_sub(1).map(|p| chars[p]);
        emoji::invisible(c, before, chars.get(i + 1).copied()).map(|what| format!("{what} (U+{:04X})", u32::from(c)))
    })
}

/// The names of the `{…}` placeholders in `text`, or why its braces do not pair up.
fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        let close = rest[i..].find('}').map(|j| i + j);
        match (rest.as_bytes()[i], close) {
            (b'{', Some(j)) if !rest[i + 1..j].contains('{') => {
                found.push(&rest[i + 1..j]);
                rest = &rest[j + 1..];
            }
            _ => return Err("a lone { or }: placeholders are {topic}, {Topic} and {kw}".into()),
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roost_sdk::json;

    fn error(value: Value) -> String {
        match Custom::parse(Some(&value)) {
            Err(StepError::InvalidInput(m)) => m,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn accepts_lists_and_falls_back_for_the_rest() {
        let value =
            json!({"de": {"casual": {"openers": ["Neu: {topic}", "{Topic}!"], "incident_closers": ["Sorry."]}}});
        let custom = Custom::parse(Some(&value)).unwrap().unwrap();
        assert_eq!(custom.list(Language::De, Tone::Casual, "openers").unwrap(), ["Neu: {topic}", "{Topic}!"]);
        assert_eq!(custom.list(Language::De, Tone::Casual, "closers"), None);
        assert_eq!(custom.list(Language::En, Tone::Casual, "openers"), None);
        assert_eq!(Custom::parse(Some(&Value::Null)).unwrap(), None);
        assert_eq!(Custom::parse(None).unwrap(), None);
    }

    #[test]
    fn names_where_and_what() {
        let opener = |s: &str| json!({"de": {"casual": {"openers": ["Neu: {topic}", "Hallo {Topic}", s]}}});
        assert_eq!(
            error(opener("Neu: {foo}")),
            "templates.de.casual.openers[2]: unknown placeholder {foo}; openers take {topic} or {Topic}"
        );
        assert_eq!(error(opener("Ohne Thema")), "templates.de.casual.openers[2]: needs {topic} or {Topic}");
        assert!(error(opener("Über {kw}")).starts_with("templates.de.casual.openers[2]: {kw} does not belong"));
        assert!(error(opener("Neu: {topic")).contains("a lone {"));
        assert!(error(opener(&"x".repeat(281))).contains("is 281 characters long"));
        assert!(error(json!({"en": {"neutral": {"keywords": ["No placeholder"]}}})).ends_with("needs {kw}"));
        assert!(
            error(json!({"en": {"neutral": {"closers": ["Bye {topic}"]}}})).contains("closers take no placeholder")
        );
        assert!(error(json!({"fr": {}})).starts_with("templates.fr: unknown language"));
        assert!(error(json!({"en": {"formal": {}}})).starts_with("templates.en.formal: unknown tone"));
        assert!(
            error(json!({"en": {"casual": {"opener": []}}})).starts_with("templates.en.casual.opener: unknown list")
        );
        assert!(error(json!({"en": {"casual": {"openers": []}}})).contains("has 0 sentences"));
        let many = vec!["{topic}"; MAX_ENTRIES + 1];
        assert!(error(json!({"en": {"casual": {"openers": many}}})).contains("has 21 sentences"));
        assert_eq!(
            error(json!({"en": {"casual": {"incident_closers": ["Sorry 🙈"]}}})),
            "templates.en.casual.incident_closers[0]: incident sentences carry no emoji"
        );
        assert!(error(json!("not an object")).starts_with("templates: expected an object"));
        assert!(error(json!({"en": {"casual": {"openers": [1]}}})).ends_with("openers[0]: expected a string"));
    }

    #[test]
    fn refuses_invisible_characters_and_loud_incident_sentences() {
        let opener = |s: &str| error(json!({"en": {"casual": {"openers": [s]}}}));
        assert_eq!(
            opener("New\u{0}: {topic}"),
            "templates.en.casual.openers[0]: contains a control character (U+0000); remove control, bidi and zero-width characters"
        );
        assert!(opener("New: {topic}\u{202E}").contains("a bidi control (U+202E)"));
        assert!(opener("New:\u{200B} {topic}").contains("a zero-width or invisible character (U+200B)"));
        assert!(opener("New:\n{topic}").contains("a control character (U+000A)"));
        assert!(
            Custom::parse(Some(&json!({"en": {"casual": {"openers": ["Family: {topic} 👨\u{200D}👩\u{200D}👧"]}}})))
                .is_ok()
        );
        let closer = |s: &str| error(json!({"en": {"neutral": {"incident_closers": [s]}}}));
        for clock in ["Back soon ⏰", "Wait ⌛", "Wait ⏳", "Sorry‼", "Acme™ is on it", "Ok 〽", "Ⓜ"] {
            assert!(closer(clock).ends_with("incident sentences carry no emoji"), "{clock}");
        }
        assert!(closer("Updates at #AcmeStatus.").ends_with("incident sentences carry no hashtag"));
        assert!(closer("Any questions?").ends_with("incident sentences ask no question"));
        let sensitive = error(json!({"de": {"neutral": {"sensitive_closers": ["Was meinen Sie?"]}}}));
        assert_eq!(sensitive, "templates.de.neutral.sensitive_closers[0]: sensitive sentences ask no question");
    }
}
