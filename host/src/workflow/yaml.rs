//! YAML helpers over `marked_yaml`: parsing with positions, YAML 1.2 core-schema scalars,
//! and mapping character offsets inside a scalar back to file positions.

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{LoadError, LoaderOptions, Node};
use serde_json::Value;

use super::diagnostic::{Diagnostic, Pos};

/// The source text, indexed so that `marked_yaml` character offsets map to positions.
pub struct Source {
    chars: Vec<char>,
}

impl Source {
    pub fn new(text: &str) -> Self {
        Source { chars: text.chars().collect() }
    }

    /// The position of the character at `index` (0-based, in characters).
    pub fn pos_of(&self, index: usize) -> Pos {
        let before = &self.chars[..index.min(self.chars.len())];
        let line = 1 + before.iter().filter(|&&c| c == '\n').count();
        let line_start = before.iter().rposition(|&c| c == '\n').map_or(0, |i| i + 1);
        Pos::new(line, 1 + before.len() - line_start)
    }

    fn char_at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    /// Index of the `nth` (0-based) occurrence of `needle` at or after `from`.
    fn find_nth(&self, from: usize, needle: &str, nth: usize) -> Option<usize> {
        let needle: Vec<char> = needle.chars().collect();
        let hay = self.chars.get(from..)?;
        hay.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle.as_slice()).nth(nth).map(|(i, _)| from + i)
    }
}

/// Parses `text`, rejecting duplicate keys, anchors and tags, keeping scalar styles.
pub fn parse(text: &str) -> Result<Node, Diagnostic> {
    let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    marked_yaml::parse_yaml_with_options(0, text, options).map_err(load_error)
}

fn load_error(err: LoadError) -> Diagnostic {
    let at = |m: &marked_yaml::Marker| Pos::new(m.line(), m.column());
    match &err {
        LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => {
            Diagnostic::new(at(m), "a workflow must be a yaml mapping")
                .with_help("start the file with `name: my-workflow` and `steps:`")
        }
        LoadError::UnexpectedAnchor(m) => {
            Diagnostic::new(at(m), "yaml anchors and aliases are not supported").with_help("repeat the value instead")
        }
        LoadError::MappingKeyMustBeScalar(m) => Diagnostic::new(at(m), "mapping keys must be plain strings"),
        LoadError::UnexpectedTag(m) => {
            Diagnostic::new(at(m), "yaml tags are not supported").with_help("quote the value to make it a string")
        }
        LoadError::ScanError(m, e) => Diagnostic::new(at(m), format!("invalid yaml: {}", e.info())),
        LoadError::DuplicateKey(inner) => {
            let first = scalar_pos(&inner.prev_key);
            Diagnostic::new(scalar_pos(&inner.key), format!("duplicate key `{}`", inner.key.as_str()))
                .with_help(format!("the first `{}` is on line {}", inner.key.as_str(), first.line))
        }
    }
}

/// Where a node starts. Block mappings report a marker past their first key, so a
/// mapping starts at whichever comes first: its marker (a flow `{`) or its first key.
pub fn node_pos(node: &Node) -> Pos {
    let marker = node.span().start().map_or(Pos::START, |m| Pos::new(m.line(), m.column()));
    match node.as_mapping().and_then(|m| m.keys().next()) {
        Some(first) => marker.min(scalar_pos(first)),
        None => marker,
    }
}

pub fn scalar_pos(node: &MarkedScalarNode) -> Pos {
    node.span().start().map_or(Pos::START, |m| Pos::new(m.line(), m.column()))
}

/// True for a plain (unquoted) scalar that is empty or `~`/`null`.
pub fn is_null(node: &Node) -> bool {
    matches!(node, Node::Scalar(s) if s.may_coerce() && plain_scalar(s.as_str()) == Value::Null)
}

/// What a node is, for "expected X, found Y" messages.
pub fn kind_name(node: &Node) -> &'static str {
    match node {
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
        Node::Scalar(s) if !s.may_coerce() => "a string",
        Node::Scalar(s) => match plain_scalar(s.as_str()) {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            _ => "a string",
        },
    }
}

/// Converts a node to JSON, reading plain scalars by the YAML 1.2 core schema.
pub fn to_json(node: &Node) -> Value {
    match node {
        Node::Scalar(s) if s.may_coerce() => plain_scalar(s.as_str()),
        Node::Scalar(s) => Value::String(s.as_str().to_string()),
        Node::Sequence(seq) => Value::Array(seq.iter().map(to_json).collect()),
        Node::Mapping(map) => Value::Object(map.iter().map(|(k, v)| (k.as_str().to_string(), to_json(v))).collect()),
    }
}

/// A plain scalar by the YAML 1.2 core schema; `.inf`/`.nan` stay strings (JSON has neither).
pub fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    parse_int(text).or_else(|| parse_float(text)).unwrap_or_else(|| Value::String(text.to_string()))
}

fn parse_int(text: &str) -> Option<Value> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.trim_start_matches('+').parse::<i64>().ok().map(Value::from);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::from);
    }
    let oct = text.strip_prefix("0o")?;
    i64::from_str_radix(oct, 8).ok().map(Value::from)
}

fn parse_float(text: &str) -> Option<Value> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (body, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok = all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| !e.is_empty() && all_digits(e));
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    let number = text.parse::<f64>().ok()?;
    serde_json::Number::from_f64(number).map(Value::Number)
}

/// The position of `offset` (in characters) into a single-line scalar's value.
/// Multi-line and block scalars fall back to the scalar's start.
pub fn pos_in_scalar(src: &Source, node: &MarkedScalarNode, offset: usize) -> Pos {
    let Some(start) = node.span().start() else {
        return Pos::START;
    };
    let base = scalar_pos(node);
    match src.char_at(start.character()) {
        _ if node.as_str().contains('\n') => base,
        Some('"' | '\'') => Pos::new(base.line, base.column + 1 + offset),
        Some('|' | '>') => base,
        _ => Pos::new(base.line, base.column + offset),
    }
}

/// The position of the `nth` occurrence of `needle` inside a scalar, found in the source
/// text so that block and multi-line scalars map exactly too.
pub fn pos_of_nth(src: &Source, node: &MarkedScalarNode, needle: &str, nth: usize) -> Pos {
    let Some(start) = node.span().start() else {
        return Pos::START;
    };
    src.find_nth(start.character(), needle, nth).map_or_else(|| scalar_pos(node), |i| src.pos_of(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_scalars() {
        assert_eq!(plain_scalar("~"), Value::Null);
        assert_eq!(plain_scalar("TRUE"), Value::Bool(true));
        assert_eq!(plain_scalar("-12"), Value::from(-12));
        assert_eq!(plain_scalar("0x1f"), Value::from(31));
        assert_eq!(plain_scalar("1.5e3"), Value::from(1500.0));
        assert_eq!(plain_scalar(".5"), Value::from(0.5));
        assert_eq!(plain_scalar("yes"), Value::from("yes"));
        assert_eq!(plain_scalar("1.2.3"), Value::from("1.2.3"));
        assert_eq!(plain_scalar(".inf"), Value::from(".inf"));
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let node = parse("a: '3'\nb: 3\n").expect("valid yaml");
        let json = to_json(&node);
        assert_eq!(json["a"], Value::from("3"));
        assert_eq!(json["b"], Value::from(3));
    }

    #[test]
    fn finds_needles_in_block_scalars() {
        let text = "a: |\n  x\n  y ${{ z }}\n";
        let node = parse(text).expect("valid yaml");
        let scalar = node.as_mapping().and_then(|m| m.get_scalar("a")).expect("scalar");
        assert_eq!(pos_of_nth(&Source::new(text), scalar, "${{", 0), Pos::new(3, 5));
    }
}
