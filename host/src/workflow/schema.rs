//! Checks the literal parts of a step's `with` against its action's input JSON Schema.
//!
//! Expression leaves are unknown until the run, so they become null and errors at or
//! below them are dropped. Errors point at the YAML node of the offending value.

use jsonschema::error::ValidationErrorKind;
use marked_yaml::Node;
use serde_json::Value;

use super::diagnostic::{Diagnostic, Pos, did_you_mean};
use super::template::Template;
use super::yaml::{node_pos, scalar_pos};

/// What is being checked, for positions and messages.
pub struct WithSite<'a> {
    /// `plugin/action`, for messages.
    pub action: &'a str,
    /// The `with` node, if the step has one.
    pub node: Option<&'a Node>,
    /// The `with` key, or the step when it has none: where errors about the whole value go.
    pub fallback: Pos,
}

/// Validates `with`, pushing one diagnostic per schema error.
pub fn check(site: &WithSite<'_>, with: &Template, schema: &Value, diags: &mut Vec<Diagnostic>) {
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(err) => {
            let msg = format!("action `{}` has an invalid input schema: {err}", site.action);
            diags.push(Diagnostic::new(site.fallback, msg));
            return;
        }
    };
    let (instance, leaves) = with.probe();
    for err in validator.iter_errors(&instance) {
        let pointer = segments(err.instance_path().as_str());
        if leaves.iter().any(|leaf| pointer.starts_with(&segments(leaf))) {
            continue;
        }
        diags.push(describe(site, &pointer, err.kind(), &err.to_string(), schema));
    }
}

fn segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

fn describe(
    site: &WithSite<'_>,
    pointer: &[String],
    kind: &ValidationErrorKind,
    text: &str,
    schema: &Value,
) -> Diagnostic {
    let at = locate(site, pointer);
    let action = site.action;
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map_or_else(|| property.to_string(), str::to_string);
            let msg = format!("missing field `{name}` required by `{action}`{}", field_suffix(pointer));
            Diagnostic::new(at, msg).with_help(format!("add `{name}:` under `with`"))
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let name = unexpected.first().cloned().unwrap_or_default();
            let mut key_path = pointer.to_vec();
            key_path.push(name.clone());
            let msg = format!("unknown field `{}` for `{action}`", dotted(&key_path));
            let known = known_properties(schema, pointer);
            Diagnostic::new(locate_key(site, &key_path).unwrap_or(at), msg).with_help_opt(
                did_you_mean(&name, known.iter().map(String::as_str))
                    .or_else(|| (!known.is_empty()).then(|| format!("expected one of {}", list(&known)))),
            )
        }
        _ => {
            let msg = format!("invalid value for `{}` of `{action}`: {}", dotted(pointer), lowercase_first(text));
            Diagnostic::new(at, msg)
        }
    }
}

fn field_suffix(pointer: &[String]) -> String {
    if pointer.is_empty() { String::new() } else { format!(" in `{}`", dotted(pointer)) }
}

fn list(names: &[String]) -> String {
    super::diagnostic::backticked(names)
}

/// `texts[0].name`, or `with` for the root.
fn dotted(pointer: &[String]) -> String {
    if pointer.is_empty() {
        return "with".to_string();
    }
    let mut out = String::new();
    for seg in pointer {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// The YAML node at a JSON pointer into `with`, or the fallback.
fn locate(site: &WithSite<'_>, pointer: &[String]) -> Pos {
    let Some(mut node) = site.node else {
        return site.fallback;
    };
    if pointer.is_empty() {
        return site.fallback;
    }
    for seg in pointer {
        let next = match node {
            Node::Mapping(m) => m.get_node(seg),
            Node::Sequence(s) => seg.parse().ok().and_then(|i| s.get_node(i)),
            Node::Scalar(_) => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node_pos(node)
}

/// The key node for the last segment of `path`, when it exists.
fn locate_key(site: &WithSite<'_>, path: &[String]) -> Option<Pos> {
    let (last, parent) = path.split_last()?;
    let mut node = site.node?;
    for seg in parent {
        node = match node {
            Node::Mapping(m) => m.get_node(seg)?,
            Node::Sequence(s) => s.get_node(seg.parse().ok()?)?,
            Node::Scalar(_) => return None,
        };
    }
    let key = node.as_mapping()?.keys().find(|k| k.as_str() == last)?;
    Some(scalar_pos(key))
}

/// Property names the schema declares at `pointer` (followed through `properties` only).
fn known_properties(schema: &Value, pointer: &[String]) -> Vec<String> {
    let mut at = schema;
    for seg in pointer {
        at = match at.get("properties").and_then(|p| p.get(seg)) {
            Some(s) => s,
            None => match at.get("items") {
                Some(items) if seg.parse::<usize>().is_ok() => items,
                _ => return Vec::new(),
            },
        };
    }
    let props = at.get("properties").and_then(Value::as_object);
    props.map_or_else(Vec::new, |p| p.keys().cloned().collect())
}
