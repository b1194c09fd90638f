//! Templates: JSON value trees whose strings hold `${{ }}` expressions, compiled at load
//! time and rendered against a run's [`Scope`].

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;
use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, Pos};
use super::eval::{self, Missing};
use super::expr::{self, Expr, ExprError};
use super::limits::{MAX_RENDERED_BYTES, MAX_RESULT_BYTES, excerpt, json_size_within};
pub use super::render_error::{RenderError, RenderFailure, json_kind};
use super::yaml::{self, Source};

/// What expressions can see while a run renders a template.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Bound workflow inputs (see [`Plan::bind_inputs`](super::Plan::bind_inputs)).
    pub inputs: &'a Map<String, Value>,
    /// Step id -> that step's output and status, for steps that have ended.
    pub steps: &'a HashMap<String, StepView>,
    /// The current element and its position while a `for_each` step renders `with`.
    pub item: Option<&'a Value>,
    pub index: Option<usize>,
    /// `{id, started_at, trigger}` of the run.
    pub run: &'a Value,
    /// `{body, headers}` of the webhook request that started the run (null otherwise).
    pub trigger: &'a Value,
    /// Workspace variables.
    pub vars: &'a Map<String, Value>,
    /// `{step, error}` while `on_failure` steps render.
    pub failure: Option<&'a Value>,
    /// What `now()` returns.
    pub now: DateTime<Utc>,
    /// The step's secret nonce: `secrets.NAME` renders as `{{secret:NAME#NONCE}}`, which
    /// only that step's http capability fills in (see `capabilities::secrets`).
    pub secret_nonce: &'a str,
}

/// What `steps.ID` shows of a step that has ended.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    /// The step's output (null when it did not succeed).
    pub output: Value,
    /// `succeeded`, `failed`, `skipped`, ...
    pub status: String,
}

static EMPTY_MAP: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);
static NULL: Value = Value::Null;

impl<'a> Scope<'a> {
    /// A scope with inputs and step results only: no item, run, trigger, variables or
    /// failure, and `now()` is the current time.
    pub fn new(inputs: &'a Map<String, Value>, steps: &'a HashMap<String, StepView>) -> Self {
        Scope {
            inputs,
            steps,
            item: None,
            index: None,
            run: &NULL,
            trigger: &NULL,
            vars: &EMPTY_MAP,
            failure: None,
            now: Utc::now(),
            secret_nonce: "",
        }
    }
}

/// A JSON value tree whose strings may hold expressions; see [`Template::render`].
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Part);

/// An expression and where it was written, for load-time checks and run-time errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub expr: Expr,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(Value),
    /// A string that is exactly one expression: renders to the value with its JSON type.
    Expr(Located),
    /// A string mixing text and expressions: renders to a string.
    Interp(Vec<Piece>),
    Array(Vec<Part>),
    Object(Vec<(String, Part)>),
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Expr(Located),
}

impl Template {
    /// A template without expressions.
    pub fn literal(value: Value) -> Self {
        Template(Part::Literal(value))
    }

    /// True if the template holds no expressions.
    pub fn is_literal(&self) -> bool {
        matches!(self.0, Part::Literal(_))
    }

    /// The value, if the template holds no expressions.
    pub fn as_literal(&self) -> Option<&Value> {
        match &self.0 {
            Part::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// Evaluates every expression: a string that is one `${{ }}` keeps the value's type,
    /// other strings interpolate (strings as-is, null as empty, the rest as compact JSON).
    /// The whole value may take at most [`MAX_RENDERED_BYTES`] as JSON.
    pub fn render(&self, scope: &Scope<'_>) -> Result<Value, RenderError> {
        self.0.render(scope, &mut { MAX_RENDERED_BYTES })
    }

    /// Every expression, in document order.
    pub fn expressions(&self) -> Vec<&Located> {
        let mut out = Vec::new();
        self.0.collect(&mut out);
        out
    }

    /// Every expression with the JSON pointer of the value it is written in, in document order.
    pub fn expressions_at(&self) -> Vec<(String, &Located)> {
        let mut out = Vec::new();
        self.0.collect_at(String::new(), &mut out);
        out
    }

    /// The value with every expression leaf replaced by null, and the JSON pointers of
    /// those leaves: what schema validation can check before a run.
    pub(super) fn probe(&self) -> (Value, Vec<String>) {
        let mut leaves = Vec::new();
        let value = self.0.probe(String::new(), &mut leaves);
        (value, leaves)
    }
}

impl Part {
    /// Renders, taking the size of every computed value from `budget`.
    fn render(&self, scope: &Scope<'_>, budget: &mut usize) -> Result<Value, RenderError> {
        Ok(match self {
            Part::Literal(v) => v.clone(),
            Part::Expr(e) => e.charge(e.eval(scope)?, budget)?,
            Part::Interp(pieces) => interpolate(pieces, scope, budget)?,
            Part::Array(items) => {
                Value::Array(items.iter().map(|p| p.render(scope, budget)).collect::<Result<_, _>>()?)
            }
            Part::Object(fields) => {
                let mut map = Map::new();
                for (key, part) in fields {
                    map.insert(key.clone(), part.render(scope, budget)?);
                }
                Value::Object(map)
            }
        })
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Located>) {
        match self {
            Part::Literal(_) => {}
            Part::Expr(e) => out.push(e),
            Part::Interp(pieces) => out.extend(pieces.iter().filter_map(|p| match p {
                Piece::Expr(e) => Some(e),
                Piece::Text(_) => None,
            })),
            Part::Array(items) => items.iter().for_each(|p| p.collect(out)),
            Part::Object(fields) => fields.iter().for_each(|(_, p)| p.collect(out)),
        }
    }

    fn collect_at<'a>(&'a self, pointer: String, out: &mut Vec<(String, &'a Located)>) {
        match self {
            Part::Array(items) => {
                items.iter().enumerate().for_each(|(i, p)| p.collect_at(format!("{pointer}/{i}"), out))
            }
            Part::Object(fields) => {
                fields.iter().for_each(|(k, p)| p.collect_at(format!("{pointer}/{}", escape(k)), out))
            }
            leaf => {
                let mut exprs = Vec::new();
                leaf.collect(&mut exprs);
                out.extend(exprs.into_iter().map(|e| (pointer.clone(), e)));
            }
        }
    }

    fn probe(&self, pointer: String, leaves: &mut Vec<String>) -> Value {
        match self {
            Part::Literal(v) => v.clone(),
            Part::Expr(_) | Part::Interp(_) => {
                leaves.push(pointer);
                Value::Null
            }
            Part::Array(items) => {
                Value::Array(items.iter().enumerate().map(|(i, p)| p.probe(format!("{pointer}/{i}"), leaves)).collect())
            }
            Part::Object(fields) => Value::Object(
                fields.iter().map(|(k, p)| (k.clone(), p.probe(format!("{pointer}/{}", escape(k)), leaves))).collect(),
            ),
        }
    }
}

/// `key` as one JSON pointer segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Text and expression values joined into one string of at most [`MAX_RESULT_BYTES`].
fn interpolate(pieces: &[Piece], scope: &Scope<'_>, budget: &mut usize) -> Result<Value, RenderError> {
    let mut out = String::new();
    let mut last = None;
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Expr(e) => {
                match e.eval(scope)? {
                    Value::Null => {}
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
                if out.len() > MAX_RESULT_BYTES {
                    let what = "the text it is part of".to_string();
                    return Err(e.error(RenderFailure::TooLarge { what, limit: MAX_RESULT_BYTES }));
                }
                last = Some(e);
            }
        }
    }
    let value = Value::String(out);
    match last {
        Some(e) => e.charge(value, budget),
        None => Ok(value),
    }
}

/// Compiles a YAML node; expression syntax errors go to `diags`.
pub(super) fn compile(node: &Node, src: &Source, diags: &mut Vec<Diagnostic>) -> Template {
    Template(compile_part(node, src, diags))
}

fn compile_part(node: &Node, src: &Source, diags: &mut Vec<Diagnostic>) -> Part {
    let part = match node {
        Node::Scalar(s) if s.as_str().contains("${{") => compile_str(s, src, diags),
        Node::Scalar(_) => return Part::Literal(yaml::to_json(node)),
        Node::Sequence(seq) => Part::Array(seq.iter().map(|n| compile_part(n, src, diags)).collect()),
        Node::Mapping(map) => {
            Part::Object(map.iter().map(|(k, v)| (k.as_str().to_string(), compile_part(v, src, diags))).collect())
        }
    };
    fold_literal(part)
}

/// Collapses a container without expressions into one literal value, moving (not
/// copying) its children's values so that folding a document is linear in its size.
fn fold_literal(part: Part) -> Part {
    let literal = |p: &Part| matches!(p, Part::Literal(_));
    let value = |p: Part| match p {
        Part::Literal(v) => v,
        _ => Value::Null,
    };
    match part {
        Part::Array(items) if items.iter().all(literal) => {
            Part::Literal(Value::Array(items.into_iter().map(value).collect()))
        }
        Part::Object(fields) if fields.iter().all(|(_, p)| literal(p)) => {
            Part::Literal(Value::Object(fields.into_iter().map(|(k, p)| (k, value(p))).collect()))
        }
        other => other,
    }
}

/// Splits a string into text and expressions. Each `${{` is found once and its position
/// is found by resuming the previous search, so this is linear in the string's length.
fn compile_str(scalar: &MarkedScalarNode, src: &Source, diags: &mut Vec<Diagnostic>) -> Part {
    let text = scalar.as_str();
    let mut positions = yaml::Occurrences::new(src, scalar, "${{");
    let (mut pieces, mut rest, mut nth, mut counted) = (Vec::new(), 0, 0, 0);
    while let Some(found) = text[rest..].find("${{") {
        let open = rest + found;
        push_text(&mut pieces, &text[rest..open]);
        nth += text[counted..open].matches("${{").count();
        counted = open;
        let pos = positions.nth(nth);
        if !src.admit_expression(pos, diags) {
            rest = open;
            break;
        }
        match expr::parse_embedded(&text[open + 3..]) {
            Ok((expr, len)) => {
                let located = Located { expr, line: pos.line, column: pos.column };
                pieces.push(Piece::Expr(located));
                rest = open + 3 + len;
            }
            Err(err) => {
                diags.push(expr_diagnostic(&text[open..], &err, pos));
                let Some(close) = text[open..].find("}}") else {
                    break;
                };
                rest = open + close + 2;
            }
        }
    }
    push_text(&mut pieces, &text[rest.min(text.len())..]);
    into_part(pieces)
}

fn push_text(pieces: &mut Vec<Piece>, text: &str) {
    if !text.is_empty() {
        pieces.push(Piece::Text(text.to_string()));
    }
}

fn into_part(mut pieces: Vec<Piece>) -> Part {
    let is_blank = |p: &Piece| matches!(p, Piece::Text(t) if t.trim().is_empty());
    let exprs = pieces.iter().filter(|p| !is_blank(p)).count();
    if exprs == 1 && pieces.iter().all(|p| is_blank(p) || matches!(p, Piece::Expr(_))) {
        pieces.retain(|p| !is_blank(p));
        if let Some(Piece::Expr(e)) = pieces.pop() {
            return Part::Expr(e);
        }
    }
    Part::Interp(pieces)
}

fn expr_diagnostic(from_open: &str, err: &ExprError, pos: Pos) -> Diagnostic {
    let message = match err {
        ExprError::Unterminated => err.to_string(),
        _ => {
            let end = from_open.find("}}").map_or(from_open.len(), |i| i + 2);
            format!("invalid expression `{}`: {err}", excerpt(&from_open[..end]))
        }
    };
    Diagnostic::new(pos, message).with_help(err.help())
}

impl Located {
    fn eval(&self, scope: &Scope<'_>) -> Result<Value, RenderError> {
        eval::eval(&self.expr, scope, Missing::Error).map_err(|reason| self.error(reason))
    }

    fn error(&self, reason: RenderFailure) -> RenderError {
        RenderError { expr: excerpt(&self.expr.to_string()), line: self.line, reason }
    }

    /// Takes the size of `value` from what the template may still render.
    fn charge(&self, value: Value, budget: &mut usize) -> Result<Value, RenderError> {
        let size = json_size_within(&value, *budget).ok_or_else(|| {
            let what = "the value rendered with it".to_string();
            self.error(RenderFailure::TooLarge { what, limit: MAX_RENDERED_BYTES })
        })?;
        *budget -= size;
        Ok(value)
    }
}
