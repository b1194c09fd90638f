//! An approval's `fields`: values the approver may edit before deciding (the draft's text,
//! say), typed, with defaults from expressions and a length limit counted as people count
//! characters (grapheme clusters, as Bluesky does) or as Mastodon counts a post; and the
//! checking of an approver's edits.

use marked_yaml::Node;
use serde_json::{Map, Value, json};

use super::diagnostic::Diagnostic;
use super::inputs::InputType;
use super::keys::{APPROVAL_FIELD, APPROVAL_FIELD_TYPES};
use super::post_length::{COUNTINGS, Counting};
use super::refs::{self, RefContext, Site};
use super::spec::{Text, check_keys, entry, expect_mapping, value_pos};
use super::template::{self, Template};
use super::values;
use super::yaml::{Source, is_null, scalar_pos};

/// The most fields one approval declares.
pub const MAX_FIELDS: usize = 20;

/// One editable value of an approval.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalField {
    pub name: String,
    pub kind: InputType,
    pub default: Option<Template>,
    pub description: Option<String>,
    /// The longest a string value may be, counted by `count`.
    pub max_length: Option<u32>,
    pub count: Counting,
}

/// Reads `fields:`; returns the fields and the steps their defaults read.
pub fn parse(
    key: &Text,
    node: &Node,
    cx: &RefContext<'_>,
    site: Site,
    src: &Source,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<ApprovalField>, Vec<usize>) {
    let (mut fields, mut deps) = (Vec::new(), Vec::new());
    let Some(map) = expect_mapping(node, "`fields`", diags) else { return (fields, deps) };
    if map.len() > MAX_FIELDS {
        let msg = format!("an approval has at most {MAX_FIELDS} `fields`, found {}", map.len());
        diags.push(Diagnostic::new(value_pos(key, node), msg));
    }
    for (name, spec) in map.iter().take(MAX_FIELDS) {
        let valid = name.len() <= 64
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            let msg =
                format!("field name `{}` must be 1 to 64 of a-z, 0-9 and `_`, starting with a letter", name.as_str());
            diags.push(Diagnostic::new(scalar_pos(name), msg));
            continue;
        }
        let Some(m) = expect_mapping(spec, &format!("field `{}`", name.as_str()), diags) else { continue };
        check_keys(m, &APPROVAL_FIELD.names(), diags);
        let kind = entry(m, "type")
            .and_then(|(k, v)| values::choice(k, v, APPROVAL_FIELD_TYPES, diags))
            .and_then(InputType::from_name)
            .unwrap_or_default();
        let default = entry(m, "default").filter(|(_, v)| !is_null(v)).map(|(_, v)| {
            let template = template::compile(v, src, diags);
            deps.extend(refs::check(&template, cx, site, diags));
            super::credentials::forbid(&format!("approval.fields.{}", name.as_str()), &template, diags);
            template
        });
        let description = entry(m, "description").and_then(|(_, v)| match v {
            Node::Scalar(s) => Some(s.as_str().to_string()),
            _ => None,
        });
        let max_length = entry(m, "max_length").and_then(|(k, v)| values::integer_in(k, v, 1, 100_000, diags));
        let count = entry(m, "count")
            .and_then(|(k, v)| values::choice(k, v, COUNTINGS, diags))
            .and_then(Counting::from_name)
            .unwrap_or_default();
        fields.push(ApprovalField { name: name.as_str().to_string(), kind, default, description, max_length, count });
    }
    (fields, deps)
}

/// The stored form of `fields` with their rendered values: `[{name, type, description,
/// max_length, value}]`, with `count` when it is not `characters`; an error when a value
/// breaks its field's type or length.
pub fn stored(fields: &[ApprovalField], values: Vec<Value>) -> Result<Value, String> {
    let mut out = Vec::new();
    for (field, value) in fields.iter().zip(values) {
        let value = coerce(field, value).map_err(|e| format!("field `{}`: default {e}", field.name))?;
        let mut stored = json!({
            "name": field.name, "type": field.kind.name(), "description": field.description,
            "max_length": field.max_length, "value": value,
        });
        if field.count != Counting::Characters {
            stored["count"] = json!(field.count.name());
        }
        out.push(stored);
    }
    Ok(Value::Array(out))
}

/// `edits` applied to `stored` fields: the fields with their final values, and the changes
/// `[{field, from, to}]`. An unknown field, a wrong type or an over-long text is an error
/// naming the field.
pub fn apply_edits(stored: &Value, edits: &Map<String, Value>) -> Result<(Value, Vec<Value>), String> {
    let mut fields = stored.as_array().cloned().unwrap_or_default();
    for name in edits.keys() {
        if !fields.iter().any(|f| f["name"] == name.as_str()) {
            return Err(format!("fields: this approval has no field `{name}`"));
        }
    }
    let mut changes = Vec::new();
    for field in &mut fields {
        let name = field["name"].as_str().unwrap_or_default().to_string();
        let Some(edit) = edits.get(&name) else { continue };
        let kind = field["type"].as_str().and_then(InputType::from_name).unwrap_or_default();
        let max_length = field["max_length"].as_u64().map(|n| n as u32);
        let count = field["count"].as_str().and_then(Counting::from_name).unwrap_or_default();
        let spec = ApprovalField { name: name.clone(), kind, default: None, description: None, max_length, count };
        let edit = coerce(&spec, edit.clone()).map_err(|e| format!("fields.{name}: {e}"))?;
        if field["value"] != edit {
            changes.push(json!({ "field": name, "from": field["value"], "to": edit }));
            field["value"] = edit;
        }
    }
    Ok((Value::Array(fields), changes))
}

/// `{name: value}` of stored fields.
pub fn values_of(stored: &Value) -> Map<String, Value> {
    let fields = stored.as_array().map(Vec::as_slice).unwrap_or_default();
    fields.iter().filter_map(|f| Some((f["name"].as_str()?.to_string(), f["value"].clone()))).collect()
}

/// `value` checked against `field`; a number written as text for a number field is read.
fn coerce(field: &ApprovalField, value: Value) -> Result<Value, String> {
    let value = match (&value, field.kind) {
        (Value::String(s), InputType::Integer | InputType::Number | InputType::Boolean) => {
            let article = if field.kind == InputType::Integer { "an" } else { "a" };
            field.kind.parse(s).ok_or_else(|| format!("`{s}` is not {article} {}", field.kind.name()))?
        }
        _ => value,
    };
    if !field.kind.accepts(&value) {
        let article = if field.kind == InputType::Integer { "an" } else { "a" };
        return Err(format!("expected {article} {}, found {}", field.kind.name(), super::template::json_kind(&value)));
    }
    if let (Some(max), Some(text)) = (field.max_length, value.as_str()) {
        let count = field.count.count(text);
        if count > max as usize {
            let how = match field.count {
                Counting::Characters => "",
                Counting::Mastodon => " as Mastodon counts them",
            };
            return Err(format!("{count} characters{how}, more than the {max} allowed"));
        }
    }
    if value.as_str().is_some_and(|text| text.chars().count() > 100_000) {
        return Err("longer than 100,000 characters".into());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: InputType, max_length: Option<u32>) -> ApprovalField {
        ApprovalField {
            name: "text".into(),
            kind,
            default: None,
            description: None,
            max_length,
            count: Counting::default(),
        }
    }

    #[test]
    fn lengths_count_what_people_see_and_types_are_kept() {
        let text = field(InputType::String, Some(3));
        assert_eq!(coerce(&text, json!("👍🏽👨‍👩‍👧e\u{301}")), Ok(json!("👍🏽👨‍👩‍👧e\u{301}")), "three graphemes");
        assert_eq!(coerce(&text, json!("abcd")), Err("4 characters, more than the 3 allowed".into()));
        assert_eq!(coerce(&field(InputType::Integer, None), json!("12")), Ok(json!(12)));
        assert!(coerce(&field(InputType::Integer, None), json!("twelve")).is_err());
        assert!(coerce(&field(InputType::Boolean, None), json!(1)).is_err());
    }

    #[test]
    fn a_mastodon_field_counts_links_as_mastodon_does() {
        let link = format!("https://example.com/{}", "a".repeat(600));
        let spec = ApprovalField { count: Counting::Mastodon, ..field(InputType::String, Some(500)) };
        let stored = stored(&[spec], vec![json!(format!("Our shop is open: {link}"))]).unwrap();
        assert_eq!(stored[0]["count"], "mastodon", "the form counts as the server does");
        let edit = |n: usize| Map::from_iter([("text".to_string(), json!(format!("{} {link}", "x".repeat(n))))]);
        assert!(apply_edits(&stored, &edit(476)).is_ok(), "476 + a space + 23 for the link: 500");
        let refused = apply_edits(&stored, &edit(477)).unwrap_err();
        assert_eq!(refused, "fields.text: 501 characters as Mastodon counts them, more than the 500 allowed");
    }

    #[test]
    fn edits_are_checked_and_recorded_as_changes() {
        let stored = stored(&[field(InputType::String, Some(20))], vec![json!("Hello wrld")]).unwrap();
        let edits = Map::from_iter([("text".to_string(), json!("Hello world"))]);
        let (after, changes) = apply_edits(&stored, &edits).unwrap();
        assert_eq!(values_of(&after), Map::from_iter([("text".to_string(), json!("Hello world"))]));
        assert_eq!(changes, vec![json!({ "field": "text", "from": "Hello wrld", "to": "Hello world" })]);
        let unknown = Map::from_iter([("title".to_string(), json!("x"))]);
        assert_eq!(apply_edits(&stored, &unknown).unwrap_err(), "fields: this approval has no field `title`");
        let long = Map::from_iter([("text".to_string(), json!("x".repeat(21)))]);
        assert!(apply_edits(&stored, &long).unwrap_err().starts_with("fields.text: 21 characters"));
        assert!(apply_edits(&stored, &Map::new()).unwrap().1.is_empty(), "no edit, no change");
    }
}

#[cfg(test)]
mod parsing {
    use crate::workflow::testing::TestCatalog;
    use crate::workflow::{StepKind, load};

    fn review(fields: &str) -> String {
        format!(
            "name: w\nsteps:\n  - id: draft\n    uses: echo/echo@1\n    with: {{ text: hi }}\n  - id: review\n    approval:\n      message: ok\n      fields:\n{fields}"
        )
    }

    #[test]
    fn fields_are_read_with_their_dependencies_and_mistakes_are_named() {
        let yaml = review(
            "        text: { default: \"${{ steps.draft.output.text }}\", max_length: 300 }\n        hour: { type: integer }\n",
        );
        let plan = load("w.yaml", &yaml, &TestCatalog::standard()).unwrap_or_else(|d| panic!("{d}"));
        let step = plan.step("review").unwrap();
        let StepKind::Approval(approval) = &step.kind else { panic!("an approval") };
        let names: Vec<_> = approval.fields.iter().map(|f| (f.name.as_str(), f.kind.name(), f.max_length)).collect();
        assert_eq!(names, [("text", "string", Some(300)), ("hour", "integer", None)]);
        assert_eq!(step.needs, ["draft"], "a default's expression makes the step wait for what it reads");

        let yaml = review(
            "        Text: {}\n        body: { typ: string }\n        n: { type: object }\n        m: { max_length: 0 }\n",
        );
        let diags = load("w.yaml", &yaml, &TestCatalog::standard()).expect_err("mistakes");
        let messages: Vec<&str> = diags.items.iter().map(|d| d.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.contains("field name `Text`")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("`typ`")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("object")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("max_length")), "{messages:?}");
    }
}
