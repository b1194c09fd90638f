//! What goes wrong while a run renders a template: the expression, its line and the reason.

use serde_json::Value;

use super::limits::bytes_text;

/// A failure to render a template during a run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expression `${{{{ {expr} }}}}` (line {line}): {reason}")]
pub struct RenderError {
    pub expr: String,
    pub line: usize,
    pub reason: RenderFailure,
}

/// Why an expression had no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderFailure {
    #[error("no input `{0}` was given")]
    MissingInput(String),
    #[error("step `{0}` has no output")]
    MissingStep(String),
    #[error("`{at}` has no key `{key}` (keys: {available})")]
    MissingKey { at: String, key: String, available: String },
    #[error("index {index} is out of range for `{at}`, which has {len} items")]
    IndexOutOfRange { at: String, index: usize, len: usize },
    #[error("cannot look up `{segment}` in `{at}`, which is {found}")]
    WrongType { at: String, segment: String, found: &'static str },
    #[error("`{0}` cannot be evaluated")]
    Unsupported(String),
    #[error("`{0}` is not available here")]
    Unavailable(&'static str),
    #[error("cannot compare {left} {op} {right}")]
    Incomparable { op: &'static str, left: &'static str, right: &'static str },
    #[error("{function}(): {reason}")]
    Function { function: String, reason: String },
    #[error("{what} is larger than {}", bytes_text(*limit))]
    TooLarge { what: String, limit: usize },
}

/// What a JSON value is, for messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
