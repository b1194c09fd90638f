//! Workflow inputs: their declared types, load-time checks, and binding `--input NAME=VALUE`.

use std::fmt;

use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, backticked, did_you_mean};
use super::limits::MAX_DIAGNOSTICS;
use super::spec::{self, InputSpec};
use super::template::json_kind;
use super::yaml::{node_pos, scalar_pos};

/// The type of a workflow input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputType {
    #[default]
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

impl InputType {
    pub const ALL: [InputType; 6] = [
        InputType::String,
        InputType::Integer,
        InputType::Number,
        InputType::Boolean,
        InputType::Object,
        InputType::Array,
    ];

    /// The name used in workflow files.
    pub fn name(self) -> &'static str {
        match self {
            InputType::String => "string",
            InputType::Integer => "integer",
            InputType::Number => "number",
            InputType::Boolean => "boolean",
            InputType::Object => "object",
            InputType::Array => "array",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// True if `value` has this type (null is accepted as "no value").
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            _ if value.is_null() => true,
            InputType::String => value.is_string(),
            InputType::Integer => value.is_i64() || value.is_u64(),
            InputType::Number => value.is_number(),
            InputType::Boolean => value.is_boolean(),
            InputType::Object => value.is_object(),
            InputType::Array => value.is_array(),
        }
    }

    /// Reads a command-line value as this type.
    pub fn parse(self, raw: &str) -> Option<Value> {
        let value = match self {
            InputType::String => return Some(Value::String(raw.to_string())),
            InputType::Boolean => match raw.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return None,
            },
            _ => serde_json::from_str::<Value>(raw.trim()).ok()?,
        };
        (!value.is_null() && self.accepts(&value)).then_some(value)
    }

    fn example(self) -> &'static str {
        match self {
            InputType::String => "text",
            InputType::Integer => "3",
            InputType::Number => "1.5",
            InputType::Boolean => "true",
            InputType::Object => r#"{"key":"value"}"#,
            InputType::Array => r#"["a","b"]"#,
        }
    }

    fn article(self) -> &'static str {
        match self {
            InputType::Integer | InputType::Object | InputType::Array => "an",
            _ => "a",
        }
    }
}

impl fmt::Display for InputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A checked input declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct InputDecl {
    pub name: String,
    pub ty: InputType,
    /// `None` means the input is required at run time.
    pub default: Option<Value>,
    pub description: Option<String>,
}

/// Checks input names, types and defaults.
pub(super) fn check(specs: &[InputSpec], diags: &mut Vec<Diagnostic>) -> Vec<InputDecl> {
    specs.iter().map(|spec| check_one(spec, diags)).collect()
}

fn check_one(spec: &InputSpec, diags: &mut Vec<Diagnostic>) -> InputDecl {
    let name = spec.name.as_str().to_string();
    if !valid_name(&name) {
        let help = "input names start with a letter or `_` and use letters, digits, `_` and `-`";
        let msg = format!("invalid input name `{name}`");
        diags.push(Diagnostic::new(scalar_pos(&spec.name), msg).with_help(help));
    }
    let ty = spec.ty.as_ref().map_or(InputType::String, |t| {
        InputType::from_name(t.as_str()).unwrap_or_else(|| {
            diags.push(bad_type(t));
            InputType::String
        })
    });
    let default = spec.default.as_ref().map(spec::value);
    if let (Some(value), Some(node)) = (&default, &spec.default) {
        let type_known = spec.ty.as_ref().is_none_or(|t| InputType::from_name(t).is_some());
        if type_known && !ty.accepts(value) {
            diags.push(bad_default(&name, ty, value, node_pos(node)));
        }
    }
    let description = spec.description.as_ref().map(|d| d.as_str().to_string());
    InputDecl { name, ty, default, description }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn bad_type(ty: &spec::Text) -> Diagnostic {
    let names = InputType::ALL.map(InputType::name);
    let help = did_you_mean(ty.as_str(), names).unwrap_or_else(|| format!("expected one of {}", backticked(&names)));
    Diagnostic::new(scalar_pos(ty), format!("unknown input type `{}`", ty.as_str())).with_help(help)
}

fn bad_default(name: &str, ty: InputType, value: &Value, pos: super::Pos) -> Diagnostic {
    let msg = format!("default for input `{name}` must be {} {ty}, found {}", ty.article(), json_kind(value));
    let help = match (ty, value) {
        (InputType::String, _) => format!("quote it to make it a string: `default: \"{value}\"`"),
        (InputType::Number, Value::String(_)) | (InputType::Integer, Value::String(_)) => {
            format!("write a number such as `default: {}`", ty.example())
        }
        _ => format!("change the default or the input's `type` (e.g. `default: {}`)", ty.example()),
    };
    Diagnostic::new(pos, msg).with_help(help)
}

/// Refuses far more given inputs than declared ones before looking each up: every unknown
/// one is compared with every declared name for a suggestion.
fn check_count(decls: &[InputDecl], given: usize) -> Result<(), String> {
    match given > decls.len() + MAX_DIAGNOSTICS {
        true => Err(format!("{given} inputs were given; the workflow declares {}", decls.len())),
        false => Ok(()),
    }
}

/// Binds command-line values to declared inputs and applies defaults; see
/// [`Plan::bind_inputs`](super::Plan::bind_inputs).
pub(super) fn bind(decls: &[InputDecl], given: &[(String, String)]) -> Result<Map<String, Value>, String> {
    let mut bound = Map::new();
    let mut errors = Vec::new();
    check_count(decls, given.len())?;
    for (name, raw) in given {
        match decls.iter().find(|d| &d.name == name) {
            None => errors.push(unknown_input(decls, name)),
            Some(decl) => match decl.ty.parse(raw) {
                Some(value) => {
                    bound.insert(name.clone(), value);
                }
                None => errors.push(unparsable(decl, raw)),
            },
        }
    }
    for decl in decls {
        match &decl.default {
            _ if bound.contains_key(&decl.name) => {}
            Some(value) => {
                bound.insert(decl.name.clone(), value.clone());
            }
            None => errors.push(format!("missing required input `{0}`; pass it with `--input {0}=VALUE`", decl.name)),
        }
    }
    if errors.is_empty() { Ok(bound) } else { Err(errors.join("\n")) }
}

/// Binds typed JSON inputs (from the API or a webhook) to `decls`: one `(input, message)`
/// per error, naming the input and the type it needs.
pub(super) fn bind_json(
    decls: &[InputDecl],
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let mut bound = Map::new();
    let mut errors = Vec::new();
    check_count(decls, given.len()).map_err(|message| vec![("inputs".to_string(), message)])?;
    for (name, value) in given {
        match decls.iter().find(|d| &d.name == name) {
            None => errors.push((name.clone(), unknown_input(decls, name))),
            Some(decl) if decl.ty.accepts(value) => {
                bound.insert(name.clone(), value.clone());
            }
            Some(decl) => errors.push((
                name.clone(),
                format!("input `{name}` must be {} {}, got {value}", decl.ty.article(), decl.ty.name()),
            )),
        }
    }
    for decl in decls {
        match &decl.default {
            _ if bound.contains_key(&decl.name) => {}
            Some(value) => {
                bound.insert(decl.name.clone(), value.clone());
            }
            None => errors.push((decl.name.clone(), format!("missing required input `{}`", decl.name))),
        }
    }
    if errors.is_empty() { Ok(bound) } else { Err(errors) }
}

fn unknown_input(decls: &[InputDecl], name: &str) -> String {
    let names: Vec<&str> = decls.iter().map(|d| d.name.as_str()).collect();
    let hint = match did_you_mean(name, names.iter().copied()) {
        Some(hint) => hint,
        None if names.is_empty() => "this workflow takes no inputs".to_string(),
        None => format!("its inputs are {}", backticked(&names)),
    };
    format!("unknown input `{name}`; {hint}")
}

fn unparsable(decl: &InputDecl, raw: &str) -> String {
    format!(
        "input `{0}` must be {1} {2}, got `{raw}`; pass e.g. `--input {0}={3}`",
        decl.name,
        decl.ty.article(),
        decl.ty,
        decl.ty.example()
    )
}
