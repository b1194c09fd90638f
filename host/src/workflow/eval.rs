//! Evaluating an [`Expr`] against a run's [`Scope`]: contexts, operators and truthiness.
//! The functions live in [`functions`](super::functions).

use serde_json::Value;

use super::expr::{BinOp, Expr, Segment};
use super::functions;
use super::limits::{MAX_RESULT_BYTES, json_size_within};
use super::template::{RenderFailure, Scope, json_kind};

/// The text that stands for a secret in rendered values; only the http capability
/// replaces it with the secret itself.
/// What `secrets.NAME` renders as in a step's input: `{{secret:NAME#NONCE}}` with the
/// step's nonce, or `{{secret:NAME}}` where there is none (which no step fills in).
pub fn secret_placeholder(name: &str, nonce: &str) -> String {
    match nonce {
        "" => format!("{{{{secret:{name}}}}}"),
        nonce => format!("{{{{secret:{name}#{nonce}}}}}"),
    }
}

/// Truthiness for `if`, `!`, `&&` and `||`: false, null, 0, "" and empty arrays and
/// objects are false; everything else is true.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// How missing keys and indexes evaluate: an error (the default, so typos surface), or
/// null inside the first argument of `default(...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Error,
    Null,
}

pub fn eval(expr: &Expr, scope: &Scope<'_>, missing: Missing) -> Result<Value, RenderFailure> {
    match expr {
        Expr::Literal(v) => Ok(v.clone()),
        Expr::Path { root, segments } => eval_path(root, segments, scope, missing),
        Expr::Member { target, segments } => {
            let value = eval(target, scope, missing)?;
            walk(&value, segments, &format!("({target})"), missing)
        }
        Expr::Not(e) => Ok(Value::Bool(!truthy(&eval(e, scope, missing)?))),
        Expr::Binary { op, left, right } => binary(*op, left, right, scope, missing),
        Expr::Call { name, args } => within_limit(name, functions::call(name, args, scope, missing)?),
    }
}

/// A function's result, unless it is larger than [`MAX_RESULT_BYTES`]: calls nested in
/// calls would otherwise multiply their input's size at every level.
fn within_limit(name: &str, value: Value) -> Result<Value, RenderFailure> {
    match json_size_within(&value, MAX_RESULT_BYTES) {
        Some(_) => Ok(value),
        None => Err(RenderFailure::TooLarge { what: format!("the result of `{name}()`"), limit: MAX_RESULT_BYTES }),
    }
}

fn binary(op: BinOp, left: &Expr, right: &Expr, scope: &Scope<'_>, missing: Missing) -> Result<Value, RenderFailure> {
    let l = eval(left, scope, missing)?;
    match op {
        BinOp::And if !truthy(&l) => return Ok(Value::Bool(false)),
        BinOp::Or if truthy(&l) => return Ok(Value::Bool(true)),
        BinOp::And | BinOp::Or => return Ok(Value::Bool(truthy(&eval(right, scope, missing)?))),
        _ => {}
    }
    let r = eval(right, scope, missing)?;
    let result = match op {
        BinOp::Eq => equal(&l, &r),
        BinOp::Ne => !equal(&l, &r),
        _ => {
            let ordering = compare(&l, &r).ok_or_else(|| RenderFailure::Incomparable {
                op: op.symbol(),
                left: json_kind(&l),
                right: json_kind(&r),
            })?;
            match op {
                BinOp::Lt => ordering.is_lt(),
                BinOp::Le => ordering.is_le(),
                BinOp::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
    };
    Ok(Value::Bool(result))
}

/// JSON equality, except that numbers compare by value (`1 == 1.0`).
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// A text that two values share exactly when [`equal`] holds between them: numbers are
/// written by value and object keys in order. Lets `unique` hash instead of comparing
/// every pair, which took minutes for a list of a hundred thousand.
pub fn canonical_key(value: &Value) -> String {
    enum Piece<'v> {
        Value(&'v Value),
        Key(&'v str),
        Close,
    }
    let mut out = String::new();
    let mut stack = vec![Piece::Value(value)];
    while let Some(piece) = stack.pop() {
        match piece {
            Piece::Close => out.push(')'),
            Piece::Key(k) => out.push_str(&Value::from(k).to_string()),
            // `+ 0.0` writes -0.0 as 0, which `equal` holds to be the same number.
            Piece::Value(Value::Number(n)) => out.push_str(&format!("{};", n.as_f64().unwrap_or(f64::NAN) + 0.0)),
            Piece::Value(Value::Array(items)) => {
                out.push('[');
                stack.push(Piece::Close);
                stack.extend(items.iter().rev().map(Piece::Value));
            }
            Piece::Value(Value::Object(map)) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                stack.push(Piece::Close);
                for (k, v) in entries.into_iter().rev() {
                    stack.extend([Piece::Value(v), Piece::Key(k)]);
                }
            }
            Piece::Value(other) => {
                out.push_str(&other.to_string());
                out.push(';');
            }
        }
    }
    out
}

/// Numbers with numbers, strings with strings (by code point); nothing else is ordered.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn eval_path(root: &str, segments: &[Segment], scope: &Scope<'_>, missing: Missing) -> Result<Value, RenderFailure> {
    let key = |i: usize| match segments.get(i) {
        Some(Segment::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let (base, taken): (Value, usize) = match (root, key(0)) {
        ("inputs", Some(name)) => {
            let value = scope.inputs.get(name).ok_or_else(|| RenderFailure::MissingInput(name.to_string()))?;
            (value.clone(), 1)
        }
        ("steps", Some(id)) => (step_value(id, key(1), scope)?, 2),
        ("secrets", Some(name)) => (Value::String(secret_placeholder(name, scope.secret_nonce)), 1),
        ("inputs", None) => (Value::Object(scope.inputs.clone()), 0),
        ("vars", _) => (Value::Object(scope.vars.clone()), 0),
        ("run", _) => (scope.run.clone(), 0),
        ("trigger", _) => (scope.trigger.clone(), 0),
        ("item", _) => (scope.item.cloned().ok_or(RenderFailure::Unavailable("item"))?, 0),
        ("index", _) => (scope.index.map(Value::from).ok_or(RenderFailure::Unavailable("index"))?, 0),
        ("failure", _) => (scope.failure.cloned().ok_or(RenderFailure::Unavailable("failure"))?, 0),
        _ => return Err(RenderFailure::Unsupported(path_text(root, segments))),
    };
    let prefix = path_text(root, &segments[..taken.min(segments.len())]);
    walk(&base, segments.get(taken..).unwrap_or_default(), &prefix, missing)
}

fn step_value(id: &str, field: Option<&str>, scope: &Scope<'_>) -> Result<Value, RenderFailure> {
    let view = scope.steps.get(id).ok_or_else(|| RenderFailure::MissingStep(id.to_string()))?;
    match field {
        Some("output") => Ok(view.output.clone()),
        Some("status") => Ok(Value::String(view.status.clone())),
        _ => Err(RenderFailure::Unsupported(format!("steps.{id}"))),
    }
}

/// Follows `segments` into `value`; `prefix` names `value` in messages.
fn walk(value: &Value, segments: &[Segment], prefix: &str, missing: Missing) -> Result<Value, RenderFailure> {
    let mut at = prefix.to_string();
    let mut value = value;
    for segment in segments {
        match step_into(value, segment, &at) {
            Ok(next) => value = next,
            Err(_) if missing == Missing::Null => return Ok(Value::Null),
            Err(err) => return Err(err),
        }
        at.push_str(&segment.to_string());
    }
    Ok(value.clone())
}

fn step_into<'v>(value: &'v Value, segment: &Segment, at: &str) -> Result<&'v Value, RenderFailure> {
    match (value, segment) {
        (Value::Object(map), Segment::Key(key)) => map.get(key).ok_or_else(|| {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            RenderFailure::MissingKey { at: at.to_string(), key: key.clone(), available: keys.join(", ") }
        }),
        (Value::Array(items), Segment::Index(index)) => items
            .get(*index)
            .ok_or_else(|| RenderFailure::IndexOutOfRange { at: at.to_string(), index: *index, len: items.len() }),
        (other, segment) => {
            Err(RenderFailure::WrongType { at: at.to_string(), segment: segment.to_string(), found: json_kind(other) })
        }
    }
}

fn path_text(root: &str, segments: &[Segment]) -> String {
    let path = Expr::Path { root: root.to_string(), segments: segments.to_vec() };
    path.to_string()
}
