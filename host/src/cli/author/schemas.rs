//! The schemas a plugin's Rust types generate, learnt from its own native test, and their
//! place in `plugin.toml`, written with the author's other text and comments kept.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde_json::Value;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table};

/// The variable that makes the SDK's generated test write the schemas (`roost_sdk::testing::EXPORT_ENV`).
const EXPORT_ENV: &str = "ROOST_SCHEMA_EXPORT";
/// The test the SDK's `plugin!` generates.
const EXPORT_TEST: &str = "roost_manifest_matches_actions";
/// Nesting of a schema beyond which it is refused (a type that recurses without `$ref`).
const MAX_DEPTH: usize = 64;

/// One action of the plugin's table; a schema is `None` where the type does not derive it.
#[derive(Debug, Deserialize)]
pub struct Generated {
    pub id: String,
    pub input: Option<Value>,
    pub output: Option<Value>,
}

/// Runs the crate's generated test in export mode and reads what it wrote.
pub fn generate(dir: &Path) -> anyhow::Result<Vec<Generated>> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let out = std::env::temp_dir().join(format!("roost-schemas-{}-{nanos}.json", std::process::id()));
    let status = Command::new(cargo())
        .args(["test", "--quiet", "--lib", "--", "--exact", EXPORT_TEST])
        .current_dir(dir)
        .env(EXPORT_ENV, &out)
        .status()
        .context("cannot run cargo; is Rust installed?");
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    if !status?.success() {
        bail!("`cargo test --lib` failed in {}; fix the build, then run `roost plugin build` again", dir.display());
    }
    if text.is_empty() {
        bail!(
            "{}: the crate's test `{EXPORT_TEST}` did not run; call `roost_sdk::plugin!` at the crate root of src/lib.rs",
            dir.display()
        );
    }
    #[derive(Deserialize)]
    struct Export {
        actions: Vec<Generated>,
    }
    let export: Export = serde_json::from_str(&text).context("the exported schemas are not what this Roost reads")?;
    Ok(export.actions)
}

/// The cargo that runs this command (as cargo names itself to its children), else `cargo`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// One difference between `plugin.toml` and the types: a missing `[[actions]]` entry
/// (`part` is `entry`) or an `input` or `output` schema.
#[derive(Debug, PartialEq, Eq)]
pub struct Change {
    pub action: String,
    pub part: &'static str,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.part {
            "entry" => write!(f, "action `{}` has no [[actions]] entry", self.action),
            part => write!(f, "the {part} schema of action `{}` differs from its Rust type", self.action),
        }
    }
}

/// Puts each generated schema into the matching `[[actions]]` of `doc`, adding entries
/// for new actions; returns what differed. An action in the manifest that the plugin
/// does not offer is an error.
pub fn apply(doc: &mut DocumentMut, generated: &[Generated]) -> anyhow::Result<Vec<Change>> {
    let actions = doc
        .entry("actions")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .context("plugin.toml: `actions` must be [[actions]] tables")?;
    let declared: Vec<String> =
        actions.iter().filter_map(|t| t.get("id").and_then(Item::as_str).map(String::from)).collect();
    if let Some(stray) = declared.iter().find(|id| !generated.iter().any(|g| &g.id == *id)) {
        let offered: Vec<&str> = generated.iter().map(|g| g.id.as_str()).collect();
        bail!(
            "plugin.toml: action `{stray}` is declared but the plugin's `plugin!` table offers only: {}",
            offered.join(", ")
        );
    }
    let mut changes = Vec::new();
    for action in generated {
        if !declared.contains(&action.id) {
            let mut table = Table::new();
            table.insert("id", toml_edit::value(action.id.as_str()));
            actions.push(table);
            changes.push(Change { action: action.id.clone(), part: "entry" });
        }
        let table =
            actions.iter_mut().find(|t| t.get("id").and_then(Item::as_str) == Some(&action.id)).expect("present");
        for (which, schema) in [("input", &action.input), ("output", &action.output)] {
            let Some(schema) = schema else { continue };
            if current(table, which).as_ref() != Some(schema) {
                let item = match schema.as_object().is_some_and(|m| m.is_empty()) {
                    true => toml_edit::value(InlineTable::new()),
                    false => Item::Table(to_table(schema, &format!("{}.{which}", action.id))?),
                };
                table.insert(which, item);
                changes.push(Change { action: action.id.clone(), part: which });
            }
        }
    }
    Ok(changes)
}

/// What `plugin.toml` holds now for `which` of an action, as JSON.
fn current(table: &Table, which: &str) -> Option<Value> {
    let text = match table.get(which)? {
        Item::Table(t) => t.clone().into_inline_table().to_string(),
        Item::Value(v) => v.to_string(),
        _ => return None,
    };
    let parsed: toml::Table = toml::from_str(&format!("x = {text}")).ok()?;
    serde_json::to_value(parsed.get("x")?).ok()
}

/// A JSON Schema object as a TOML table whose nested objects are tables of their own
/// (`[actions.input.properties.name]`), readable and editable; `at` names it in errors.
fn to_table(schema: &Value, at: &str) -> anyhow::Result<Table> {
    let Value::Object(map) = schema else { bail!("the schema at `{at}` is not an object") };
    let mut table = Table::new();
    table.set_implicit(true);
    for (key, value) in map {
        let at = format!("{at}.{key}");
        let item = match value {
            Value::Object(m) if !m.is_empty() => Item::Table(to_table(value, &at)?),
            _ => toml_edit::value(to_value(value, &at, 0)?),
        };
        table.insert(key, item);
    }
    Ok(table)
}

fn to_value(value: &Value, at: &str, depth: usize) -> anyhow::Result<toml_edit::Value> {
    if depth > MAX_DEPTH {
        bail!("the schema at `{at}` nests deeper than {MAX_DEPTH} levels");
    }
    Ok(match value {
        Value::Null => bail!("the schema at `{at}` holds a null, which TOML cannot; write that part by hand"),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().with_context(|| format!("the number at `{at}` does not fit TOML"))?.into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut array = Array::new();
            for (i, item) in items.iter().enumerate() {
                array.push(to_value(item, &format!("{at}[{i}]"), depth + 1)?);
            }
            array.into()
        }
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (key, item) in map {
                table.insert(key, to_value(item, &format!("{at}.{key}"), depth + 1)?);
            }
            table.into()
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const MANIFEST: &str = "# mine\nid = \"x\"\nversion = \"0.1.0\"\napi = \"0.1.0\"\n\n[[actions]]\nid = \"a\"\ndescription = \"kept\" # also kept\n\n[permissions]\nkv = true\n";

    fn generated(input: Value) -> Vec<Generated> {
        vec![
            Generated { id: "a".into(), input: Some(input), output: None },
            Generated { id: "b".into(), input: None, output: Some(json!({ "type": "object" })) },
        ]
    }

    #[test]
    fn writes_schemas_and_keeps_the_authors_text() {
        let mut doc: DocumentMut = MANIFEST.parse().unwrap();
        let schema = json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": { "n": { "type": ["integer", "null"], "minimum": 0 } }, "required": ["n"] });
        let changes = apply(&mut doc, &generated(schema.clone())).unwrap();
        let said: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "the input schema of action `a` differs from its Rust type",
                "action `b` has no [[actions]] entry",
                "the output schema of action `b` differs from its Rust type"
            ]
        );
        let text = doc.to_string();
        assert!(text.starts_with("# mine\n") && text.contains("description = \"kept\" # also kept"), "{text}");
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&parsed["actions"][0]["input"]).unwrap(), schema);
        assert!(text.contains("[actions.input.properties.n]\n"), "{text}");
        assert!(parsed["actions"][0].get("output").is_none());
        assert_eq!(serde_json::to_value(&parsed["actions"][1]["output"]).unwrap(), json!({ "type": "object" }));
        assert!(parsed["permissions"]["kv"].as_bool().unwrap());
        // A second pass finds nothing to change.
        let mut again: DocumentMut = text.parse().unwrap();
        assert!(apply(&mut again, &generated(schema)).unwrap().is_empty());
    }

    #[test]
    fn refuses_an_action_the_plugin_does_not_offer_and_nulls() {
        let mut doc: DocumentMut = MANIFEST.parse().unwrap();
        let only_b = vec![Generated { id: "b".into(), input: None, output: None }];
        assert!(apply(&mut doc, &only_b).unwrap_err().to_string().contains("action `a` is declared"));
        let err = apply(&mut doc, &generated(json!({ "const": null }))).unwrap_err().to_string();
        assert!(err.contains("`a.input.const`"), "{err}");
    }
}
