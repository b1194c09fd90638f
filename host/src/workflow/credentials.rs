//! Where `${{ secrets.NAME }}` may be written: only in a step's `with`, at an input that the
//! action's JSON Schema marks as a credential with `"x-roost-credential": true`.
//!
//! A secret passed anywhere else would reach whatever the plugin does with that input: a
//! status text published to the world, an instance URL the plugin then talks to. So
//! `validate` rejects it with the expression's position, and the executor refuses, as a
//! second wall, a step input whose non-credential field holds a secret placeholder (see
//! [`misplaced`]).
//!
//! ```toml
//! [actions.input.properties.api_key]
//! type = "string"
//! x-roost-credential = true      # `api_key: ${{ secrets.API_KEY }}` is accepted here only
//! ```

use serde_json::Value;

use super::diagnostic::{Diagnostic, Pos};
use super::expr::Segment;
use super::template::{Located, Template};

/// The JSON Schema keyword that marks an input as a credential.
pub const CREDENTIAL_KEYWORD: &str = "x-roost-credential";

const HELP_PLUGINS: &str = "a plugin reads the secrets its manifest declares itself (e.g. `mastodon` sends \
                            MASTODON_TOKEN to the instance); only inputs marked `\"x-roost-credential\": true` in \
                            the action's schema take `${{ secrets.NAME }}`";

/// Reports every `secrets` reference in `with` that is not at a credential input of `action`.
pub(super) fn check_with(action: &str, with: &Template, schema: &Value, diags: &mut Vec<Diagnostic>) {
    for (pointer, located) in with.expressions_at() {
        let Some(name) = secret_named(located) else { continue };
        let path = segments(&pointer);
        if is_credential(schema, &path) {
            continue;
        }
        let field = if path.is_empty() { "`with` itself".to_string() } else { format!("`{}`", path.join(".")) };
        let msg = format!(
            "`secrets.{name}` passed to {field} of `{action}`, which is not a credential input: the secret would be \
             sent wherever the plugin sends {field}"
        );
        diags.push(Diagnostic::new(pos(located), msg).with_help(HELP_PLUGINS));
    }
}

/// Reports every `secrets` reference in `template`, written under `key` (not a `with`).
pub(super) fn forbid(key: &str, template: &Template, diags: &mut Vec<Diagnostic>) {
    for located in template.expressions() {
        if let Some(name) = secret_named(located) {
            let msg = format!("`secrets.{name}` cannot be used in `{key}`: secrets go only to credential inputs");
            diags.push(Diagnostic::new(pos(located), msg).with_help(HELP_PLUGINS));
        }
    }
}

/// The JSON pointer of the first string in `input` that holds a secret placeholder
/// ending in `suffix` (`#NONCE}}`, the step's own) outside a credential input of `schema`.
pub fn misplaced(schema: &Value, input: &Value, suffix: &str) -> Option<String> {
    let mut path = Vec::new();
    find(schema, input, suffix, &mut path).then(|| path.iter().map(|s| format!("/{s}")).collect())
}

fn find(schema: &Value, value: &Value, suffix: &str, path: &mut Vec<String>) -> bool {
    let descend = |key: String, child: &Value, path: &mut Vec<String>| {
        path.push(key);
        let found = find(schema, child, suffix, path);
        if !found {
            path.pop();
        }
        found
    };
    match value {
        Value::String(s) => s.contains("{{secret:") && s.contains(suffix) && !is_credential(schema, path),
        Value::Array(items) => items.iter().enumerate().any(|(i, v)| descend(i.to_string(), v, path)),
        Value::Object(map) => map.iter().any(|(k, v)| descend(k.clone(), v, path)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// True when the schema reached from `schema` along `path` (through `properties`, `items`
/// and `additionalProperties`) carries `"x-roost-credential": true`.
pub fn is_credential<S: AsRef<str>>(schema: &Value, path: &[S]) -> bool {
    let mut node = schema;
    for segment in path {
        let segment = segment.as_ref();
        let next = node
            .get("properties")
            .and_then(|p| p.get(segment))
            .or_else(|| node.get("items").filter(|_| segment.parse::<usize>().is_ok()))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()));
        match next {
            Some(child) => node = child,
            None => return false,
        }
    }
    node.get(CREDENTIAL_KEYWORD) == Some(&Value::Bool(true))
}

/// The secret an expression names, if it reads one.
/// The names of the secrets `template` refers to (`${{ secrets.NAME }}`).
pub fn secrets_named(template: &Template) -> Vec<String> {
    template.expressions().into_iter().filter_map(secret_named).filter(|n| n != "?").collect()
}

fn secret_named(located: &Located) -> Option<String> {
    let mut name = None;
    located.expr.visit_paths(&mut |root, segments| {
        if root == "secrets" && name.is_none() {
            name = Some(match segments.first() {
                Some(Segment::Key(key)) => key.clone(),
                _ => "?".to_string(),
            });
        }
    });
    name
}

fn pos(located: &Located) -> Pos {
    Pos::new(located.line, located.column)
}

fn segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "text": { "type": "string" },
                "api_key": { "type": "string", "x-roost-credential": true },
                "headers": { "type": "object", "additionalProperties": { "type": "string", "x-roost-credential": true } },
                "list": { "type": "array", "items": { "type": "string", "x-roost-credential": true } }
            }
        })
    }

    #[test]
    fn only_marked_inputs_are_credentials() {
        let s = schema();
        assert!(is_credential(&s, &["api_key"]));
        assert!(is_credential(&s, &["headers", "Authorization"]));
        assert!(is_credential(&s, &["list", "3"]));
        assert!(!is_credential(&s, &["text"]));
        assert!(!is_credential(&s, &["unknown"]));
        assert!(!is_credential::<&str>(&s, &[]));
    }

    #[test]
    fn a_placeholder_outside_a_credential_is_found() {
        let s = schema();
        let placeholder = "Bearer {{secret:TOKEN#n0nce}}";
        let ok = json!({ "api_key": placeholder, "text": "{{secret:TOKEN#other}}", "list": [placeholder] });
        assert_eq!(misplaced(&s, &ok, "#n0nce}}"), None);
        let bad = json!({ "api_key": placeholder, "nested": { "deep": [1, placeholder] } });
        assert_eq!(misplaced(&s, &bad, "#n0nce}}").as_deref(), Some("/nested/deep/1"));
    }
}
