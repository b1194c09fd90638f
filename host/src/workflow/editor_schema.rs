//! The JSON Schema (draft 2020-12) that editors use for workflow files, generated from
//! the key tables in [`keys`](super::keys); `workflows/schema.json` is this, pretty-printed.

use serde_json::{Map, Value, json};

use super::keys::{Field, Shape, Table, WORKFLOW};

const DURATION_PATTERN: &str = "^([0-9]+(ms|s|m|h|d))+$";
const USES_PATTERN: &str = "^\\s*[a-z0-9_-]+/[a-z0-9_-]+(@(sha256:[0-9a-f]{64}|[^@]+))?\\s*$";
const EXPR_PATTERN: &str = "^\\s*\\$\\{\\{.*\\}\\}\\s*$";

/// The schema of a workflow file.
pub fn json_schema() -> Value {
    let mut root = object(&WORKFLOW);
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["title"] = json!("Roost workflow (version 1)");
    root
}

fn object(table: &Table) -> Value {
    let properties: Map<String, Value> = table.fields.iter().map(|f| (f.name.to_string(), field(f))).collect();
    let required: Vec<&str> = table.required().into_iter().map(|(name, _)| name).collect();
    let mut schema = json!({ "type": "object", "properties": properties, "additionalProperties": false });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if !table.one_of.is_empty() {
        let choices: Vec<Value> = table.one_of.iter().map(|k| json!({ "required": [k] })).collect();
        schema["oneOf"] = Value::Array(choices);
    }
    schema
}

fn field(field: &Field) -> Value {
    let mut schema = shape(&field.shape);
    if let Value::Object(map) = &mut schema {
        map.insert("description".into(), json!(field.doc));
    }
    schema
}

fn shape(shape: &Shape) -> Value {
    match shape {
        Shape::Text => json!({ "type": "string" }),
        Shape::Name => json!({ "type": "string", "pattern": "^[a-z0-9-]{1,64}$" }),
        Shape::StepId => json!({ "type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$" }),
        Shape::Uses => json!({ "type": "string", "pattern": USES_PATTERN }),
        Shape::Bool => json!({ "type": "boolean" }),
        Shape::Int { min } => json!({ "type": "integer", "minimum": min }),
        Shape::IntOrExpr { min, max } => json!({ "anyOf": [
            { "type": "integer", "minimum": min, "maximum": max },
            { "type": "string", "pattern": EXPR_PATTERN },
        ] }),
        Shape::Duration => json!({ "type": "string", "pattern": DURATION_PATTERN }),
        Shape::Enum(values) => json!({ "enum": values }),
        Shape::Template => json!({}),
        Shape::Condition => json!({ "anyOf": [{ "type": "boolean" }, { "type": "string", "pattern": EXPR_PATTERN }] }),
        Shape::List { item, min } => {
            let mut schema = json!({ "type": "array", "items": self::shape(item) });
            if *min > 0 {
                schema["minItems"] = json!(min);
            }
            schema
        }
        Shape::Map(value) => json!({ "type": "object", "additionalProperties": self::shape(value) }),
        Shape::Object(table) => object(table),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// `workflows/schema.json` must be what the code generates; `BLESS=1` rewrites it.
    #[test]
    fn schema_file_is_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/schema.json");
        let text = serde_json::to_string_pretty(&json_schema()).expect("serializable") + "\n";
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&path, &text).expect("writable");
        }
        // Compared as JSON, so that key order (which serde_json features change) does not matter.
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        let current: Value = serde_json::from_str(&current).unwrap_or(Value::Null);
        assert!(current == json_schema(), "{} is out of date; rerun with BLESS=1", path.display());
    }

    #[test]
    fn schema_accepts_the_issue_example_shape() {
        let schema = json_schema();
        let validator = jsonschema::validator_for(&schema).expect("valid schema");
        let ok = json!({ "name": "x", "steps": [{ "id": "a", "wait": "1h30m" }], "on": { "manual": true } });
        assert!(validator.is_valid(&ok));
        let bad = json!({ "name": "x", "steps": [{ "id": "a", "uses": "p/a", "approval": { "message": "m" } }] });
        assert!(!validator.is_valid(&bad));
        assert_eq!(super::super::keys::INPUT_TYPES.len(), crate::workflow::InputType::ALL.len());
    }

    #[test]
    fn schema_bounds_a_respond_status_and_takes_an_expression() {
        let validator = jsonschema::validator_for(&json_schema()).expect("valid schema");
        let with = |respond: Value| json!({ "name": "x", "steps": [{ "id": "a", "respond": respond }] });
        assert!(validator.is_valid(&with(json!({ "status": 201, "headers": { "x-a": "b" }, "body": { "ok": true } }))));
        assert!(validator.is_valid(&with(json!({ "status": "${{ steps.s.output.code }}" }))));
        assert!(!validator.is_valid(&with(json!({ "status": 700 }))));
        assert!(!validator.is_valid(&with(json!({ "status": "soon" }))));
        assert!(!validator.is_valid(&with(json!({ "code": 201 }))));
    }
}
