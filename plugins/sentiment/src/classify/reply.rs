//! The messages that ask a model to label numbered texts, and the strict, bounded reading
//! of its reply: a JSON array of `{"id", "label", "reason"}`, from which every complete,
//! valid entry is kept, even when the array breaks off.

use roost_sdk::{Value, json, openai};

use crate::{Label, LanguageChoice};

/// The longest reason kept, in characters; longer ones are cut with an ellipsis.
pub const MAX_REASON_CHARS: usize = 200;

/// The messages asking for the labels of `texts`, numbered from 1.
pub fn messages(texts: &[&str], language: LanguageChoice) -> Value {
    let language = match language {
        LanguageChoice::En => "The texts are in English.",
        LanguageChoice::De => "The texts are in German.",
        LanguageChoice::Auto => "The texts are in English or German.",
    };
    let system = format!(
        "You label the sentiment of social-media posts about brands, products and services. {language} \
         Label each numbered text \"negative\" (complaints, anger, disappointment, outages, sarcasm such as \
         \"great, another update that breaks everything\" or \"na toll, schon wieder\"), \"positive\" (praise, \
         thanks, joy) or \"neutral\" (questions, information, anything else). Reply with a JSON array only, one \
         object per text, in order: [{{\"id\": 1, \"label\": \"negative\", \"reason\": \"at most twelve \
         words\"}}]. No Markdown, no other text."
    );
    // Each text as a JSON string keeps it on one line, whatever breaks and quotes it holds.
    let numbered: Vec<String> =
        texts.iter().enumerate().map(|(i, text)| format!("{}. {}", i + 1, Value::from(*text))).collect();
    let user = format!("Texts:\n{}", numbered.join("\n"));
    json!([{ "role": "system", "content": system }, { "role": "user", "content": user }])
}

/// One text's label from the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub label: Label,
    pub reason: Option<String>,
}

/// What a reply gave for a batch of `n` texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// By position in the batch; `None` where the reply had no valid entry.
    pub labels: Vec<Option<Labelled>>,
    /// Why some texts have no label (entries rejected, the array cut short), if any did.
    pub problem: Option<String>,
}

/// Reads the reply `content` for a batch of `n` texts; `Err` says why nothing is usable.
pub fn read(content: &str, n: usize) -> Result<Reply, String> {
    let text = openai::answer(content);
    let (entries, cut) = entries(&text, n)?;
    let mut labels: Vec<Option<Labelled>> = vec![None; n];
    let mut rejected = 0;
    for entry in &entries {
        match entry_of(entry, n) {
            Some((i, labelled)) if labels[i].is_none() => labels[i] = Some(labelled),
            _ => rejected += 1,
        }
    }
    let missing = labels.iter().filter(|l| l.is_none()).count();
    let problem = (missing > 0).then(|| {
        let mut why = format!("the reply labelled {} of {n} texts", n - missing);
        if rejected > 0 {
            why.push_str(&format!(", {rejected} entries invalid or repeated"));
        }
        if let Some(cut) = cut {
            why.push_str(&format!(", {cut}"));
        }
        why
    });
    Ok(Reply { labels, problem })
}

/// The entries of the reply's array (at most `2n + 8`: more cannot be for this batch),
/// and, when the array breaks off, where.
fn entries(text: &str, n: usize) -> Result<(Vec<Value>, Option<String>), String> {
    let limit = 2 * n + 8;
    if text.starts_with('{') {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("the reply is not valid JSON ({e})"))?;
        return match wrapped_array(&value) {
            Some(items) => Ok((items.iter().take(limit).cloned().collect(), None)),
            None => Err("the reply is a JSON object, not the array asked for".into()),
        };
    }
    let Some(mut rest) = text.strip_prefix('[') else {
        return Err(format!("the reply is not a JSON array (it starts {:?})", start(text)));
    };
    let mut items = Vec::new();
    while items.len() < limit {
        rest = rest.trim_start();
        if rest.starts_with(']') {
            return Ok((items, None));
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(item)) => items.push(item),
            _ => return Ok(broken(items)),
        }
        rest = rest[stream.byte_offset()..].trim_start();
        rest = match rest.strip_prefix(',') {
            Some(after) => after,
            None if rest.starts_with(']') => rest,
            None => return Ok(broken(items)),
        };
    }
    Ok((items, None))
}

/// The entries of an array that breaks off, and where.
fn broken(items: Vec<Value>) -> (Vec<Value>, Option<String>) {
    let why = match items.len() {
        1 => "the array breaks off after 1 entry".to_string(),
        n => format!("the array breaks off after {n} entries"),
    };
    (items, Some(why))
}

/// The one array in an object such as `{"labels": [...]}`, which some servers' JSON
/// modes force.
fn wrapped_array(value: &Value) -> Option<&Vec<Value>> {
    let object = value.as_object()?;
    match object.values().collect::<Vec<_>>().as_slice() {
        [Value::Array(items)] => Some(items),
        _ => None,
    }
}

/// The batch position and label of one entry, when it is valid.
fn entry_of(entry: &Value, n: usize) -> Option<(usize, Labelled)> {
    let id = match entry.get("id")? {
        Value::Number(id) => id.as_u64()?,
        Value::String(id) => id.trim().parse().ok()?,
        _ => return None,
    };
    let index = usize::try_from(id).ok().filter(|&i| (1..=n).contains(&i))? - 1;
    let label = match entry.get("label")?.as_str()?.trim().to_ascii_lowercase().as_str() {
        "negative" => Label::Negative,
        "neutral" => Label::Neutral,
        "positive" => Label::Positive,
        _ => return None,
    };
    let reason = match entry.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(reason)) => Some(bounded(reason.trim())).filter(|r| !r.is_empty()),
        Some(_) => return None,
    };
    Some((index, Labelled { label, reason }))
}

/// `reason` cut to [`MAX_REASON_CHARS`].
fn bounded(reason: &str) -> String {
    match reason.char_indices().nth(MAX_REASON_CHARS) {
        Some((end, _)) => format!("{}…", &reason[..end]),
        None => reason.to_string(),
    }
}

/// The first 40 characters of `text`, to quote in an explanation.
fn start(text: &str) -> &str {
    text.char_indices().nth(40).map_or(text, |(end, _)| &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(reply: &Reply) -> Vec<Option<Label>> {
        reply.labels.iter().map(|l| l.as_ref().map(|l| l.label)).collect()
    }

    #[test]
    fn numbers_each_text_on_one_line() {
        let m = messages(&["Läuft \"super\"\nnicht", "ok"], LanguageChoice::De);
        assert!(m[0]["content"].as_str().unwrap().contains("The texts are in German."));
        assert_eq!(m[1]["content"], "Texts:\n1. \"Läuft \\\"super\\\"\\nnicht\"\n2. \"ok\"");
    }

    #[test]
    fn reads_a_complete_array() {
        let content = r#"[{"id": 1, "label": "negative", "reason": "sarcasm about an outage"},
                          {"id": 2, "label": "Positive", "reason": ""}, {"id": 3, "label": "neutral"}]"#;
        let reply = read(content, 3).unwrap();
        assert_eq!(labels(&reply), [Some(Label::Negative), Some(Label::Positive), Some(Label::Neutral)]);
        assert_eq!(reply.labels[0].as_ref().unwrap().reason.as_deref(), Some("sarcasm about an outage"));
        assert_eq!(reply.labels[1].as_ref().unwrap().reason, None);
        assert_eq!(reply.problem, None);
    }

    #[test]
    fn reasoning_fences_string_ids_and_a_wrapping_object_are_read() {
        let content = "<think>text 2 is a question</think>\n```json\n{\"labels\": [{\"id\": \"2\", \"label\": \
                       \"neutral\", \"reason\": \"a question\"}, {\"id\": 1, \"label\": \"positive\"}]}\n```";
        let reply = read(content, 2).unwrap();
        assert_eq!(labels(&reply), [Some(Label::Positive), Some(Label::Neutral)]);
    }

    #[test]
    fn a_cut_array_keeps_its_complete_entries() {
        let content = r#"[{"id": 1, "label": "negative", "reason": "angry"}, {"id": 2, "label": "neg"#;
        let reply = read(content, 3).unwrap();
        assert_eq!(labels(&reply), [Some(Label::Negative), None, None]);
        assert_eq!(
            reply.problem.as_deref(),
            Some("the reply labelled 1 of 3 texts, the array breaks off after 1 entry")
        );
    }

    #[test]
    fn invalid_and_repeated_entries_are_rejected() {
        let content = r#"[{"id": 1, "label": "angry"}, {"id": 4, "label": "negative"}, {"id": 2, "label": "negative"},
                          {"id": 2, "label": "positive"}, {"id": 3, "label": "neutral", "reason": 5}, "3: neutral",
                          {"id": 1.5, "label": "neutral"}]"#;
        let reply = read(content, 3).unwrap();
        assert_eq!(labels(&reply), [None, Some(Label::Negative), None]);
        assert_eq!(reply.problem.as_deref(), Some("the reply labelled 1 of 3 texts, 6 entries invalid or repeated"));
    }

    #[test]
    fn prose_and_other_objects_are_unusable() {
        assert_eq!(
            read("All three texts are positive.", 3).unwrap_err(),
            "the reply is not a JSON array (it starts \"All three texts are positive.\")"
        );
        assert!(read(r#"{"label": "negative"}"#, 1).unwrap_err().contains("not the array"));
        assert!(read("{not json", 1).unwrap_err().contains("not valid JSON"));
        assert!(read("", 1).unwrap_err().contains("not a JSON array"));
    }

    #[test]
    fn reasons_and_entries_are_bounded() {
        let long = "x".repeat(500);
        let reply = read(&json!([{"id": 1, "label": "neutral", "reason": long}]).to_string(), 1).unwrap();
        let reason = reply.labels[0].as_ref().unwrap().reason.clone().unwrap();
        assert_eq!(reason.chars().count(), MAX_REASON_CHARS + 1);
        let many: Vec<Value> = (0..1000).map(|_| json!({"id": 1, "label": "neutral"})).collect();
        let reply = read(&Value::from(many).to_string(), 1).unwrap();
        assert_eq!(labels(&reply), [Some(Label::Neutral)]);
        assert_eq!(reply.problem, None, "the repeats beyond the bound are not even read");
    }
}
