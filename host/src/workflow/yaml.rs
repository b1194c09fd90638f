//! YAML helpers over `marked_yaml`: parsing with positions, YAML 1.2 core-schema scalars,
//! and mapping character offsets inside a scalar back to file positions.

use std::cell::Cell;

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{LoadError, LoaderOptions, Node};
use serde_json::Value;

use yaml_rust2::Event;

use super::diagnostic::{Diagnostic, Pos};
use super::limits::{Limits, bytes_text};

/// The source text, indexed so that `marked_yaml` character offsets map to positions in
/// logarithmic time (a position per expression must not rescan the file).
/// It also counts the expressions compiled from it against [`Limits::expressions`].
pub struct Source {
    chars: Vec<char>,
    /// The character index at which each line starts.
    line_starts: Vec<usize>,
    expressions: Cell<usize>,
    max_expressions: usize,
}

impl Source {
    pub fn new(text: &str, limits: &Limits) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let breaks = chars.iter().enumerate().filter(|(_, c)| **c == '\n').map(|(i, _)| i + 1);
        let line_starts = std::iter::once(0).chain(breaks).collect();
        Source { chars, line_starts, expressions: Cell::new(0), max_expressions: limits.expressions }
    }

    /// Counts one more expression, found at `pos`; false once there are more than the
    /// limit allows (reported once, at the first expression over it).
    pub fn admit_expression(&self, pos: Pos, diags: &mut Vec<Diagnostic>) -> bool {
        let count = self.expressions.get() + 1;
        self.expressions.set(count);
        if count == self.max_expressions + 1 {
            let msg = format!("the workflow has more than {} expressions", self.max_expressions);
            diags.push(Diagnostic::new(pos, msg).with_help("split it into smaller workflows"));
        }
        count <= self.max_expressions
    }

    /// The position of the character at `index` (0-based, in characters).
    pub fn pos_of(&self, index: usize) -> Pos {
        let index = index.min(self.chars.len());
        let line = self.line_starts.partition_point(|&start| start <= index);
        Pos::new(line, 1 + index - self.line_starts[line - 1])
    }

    fn char_at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    /// Index of the first occurrence of `needle` at or after `from`.
    fn find(&self, from: usize, needle: &[char]) -> Option<usize> {
        let hay = self.chars.get(from..)?;
        hay.windows(needle.len()).position(|w| w == needle).map(|i| from + i)
    }
}

/// Parses `text`, rejecting duplicate keys, anchors and tags, keeping scalar styles.
/// Refuses a text longer than `limits.source_bytes` or nested deeper than
/// `limits.yaml_depth` before building any tree.
pub fn parse(text: &str, limits: &Limits) -> Result<Node, Diagnostic> {
    if text.len() > limits.source_bytes {
        let msg =
            format!("the workflow is {} bytes, more than the limit of {}", text.len(), bytes_text(limits.source_bytes));
        return Err(Diagnostic::new(Pos::START, msg).with_help("split it into smaller workflows"));
    }
    check_depth(text, limits.yaml_depth)?;
    let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    marked_yaml::parse_yaml_with_options(0, text, options).map_err(load_error)
}

/// Reads the YAML events (no tree) and fails at the first mapping or list nested deeper
/// than `max`. Syntax errors are left to the loader, which reports them with more context.
fn check_depth(text: &str, max: usize) -> Result<(), Diagnostic> {
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    let mut depth = 0usize;
    while let Ok((event, mark)) = parser.next_token() {
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => break,
            _ => {}
        }
        if depth > max {
            let msg = format!("the yaml nests mappings and lists deeper than {max} levels");
            let help = "flatten the value, or pass deep data as a JSON string and read it with `from_json`";
            return Err(Diagnostic::new(Pos::new(mark.line(), mark.col() + 1), msg).with_help(help));
        }
    }
    Ok(())
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

/// The positions of `needle` inside a scalar, found in the source text so that block and
/// multi-line scalars map exactly too. Asked in increasing order, the search resumes
/// where it stopped, so finding every occurrence in a scalar is linear.
pub struct Occurrences<'s> {
    src: &'s Source,
    needle: Vec<char>,
    /// Where the search resumes, and how many occurrences lie before it.
    from: Option<usize>,
    seen: usize,
    fallback: Pos,
}

impl<'s> Occurrences<'s> {
    pub fn new(src: &'s Source, node: &MarkedScalarNode, needle: &str) -> Self {
        let from = node.span().start().map(|m| m.character());
        Occurrences { src, needle: needle.chars().collect(), from, seen: 0, fallback: scalar_pos(node) }
    }

    /// The position of the `nth` (0-based) occurrence; `nth` never decreases between calls.
    pub fn nth(&mut self, nth: usize) -> Pos {
        while let Some(from) = self.from {
            let Some(found) = self.src.find(from, &self.needle) else {
                self.from = None;
                break;
            };
            if self.seen == nth {
                return self.src.pos_of(found);
            }
            self.seen += 1;
            self.from = Some(found + 1);
        }
        self.fallback
    }
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
        let node = parse("a: '3'\nb: 3\n", &Limits::default()).expect("valid yaml");
        let json = to_json(&node);
        assert_eq!(json["a"], Value::from("3"));
        assert_eq!(json["b"], Value::from(3));
    }

    #[test]
    fn finds_needles_in_block_scalars() {
        let text = "a: |\n  x\n  y ${{ z }}\n";
        let node = parse(text, &Limits::default()).expect("valid yaml");
        let scalar = node.as_mapping().and_then(|m| m.get_scalar("a")).expect("scalar");
        let src = Source::new(text, &Limits::default());
        let mut found = Occurrences::new(&src, scalar, "${{");
        assert_eq!(found.nth(0), Pos::new(3, 5));
    }

    #[test]
    fn refuses_deep_nesting_before_building_a_tree() {
        let block: String = (0..1000).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let err = parse(&block, &Limits::default()).expect_err("too deep");
        assert!(err.message.contains("deeper than 64 levels"), "{}", err.message);
        assert_eq!(err.line, 65);
        let flow = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&flow, &Limits::default()).is_err());
    }
}
