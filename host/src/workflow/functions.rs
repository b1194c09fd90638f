//! The expression functions: their arities (checked at load time) and implementations.

use std::borrow::Cow;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use serde_json::Value;

use super::eval::{Missing, canonical_key, equal, eval};
use super::expr::Expr;
use super::limits::{MAX_RESULT_BYTES, json_size_within, json_text_within};
use super::template::{RenderFailure, Scope, json_kind};

/// A function: name, fewest and most arguments, and a one-line signature for help texts.
pub struct Function {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub signature: &'static str,
}

pub const FUNCTIONS: &[Function] = &[
    Function { name: "length", min: 1, max: 1, signature: "length(list, object or string)" },
    Function { name: "contains", min: 2, max: 2, signature: "contains(list, object or string, value)" },
    Function { name: "join", min: 1, max: 2, signature: "join(list, separator = ',')" },
    Function { name: "default", min: 2, max: 2, signature: "default(value, fallback)" },
    Function { name: "now", min: 0, max: 0, signature: "now()" },
    Function { name: "format_time", min: 2, max: 3, signature: "format_time(time, '%Y-%m-%d', timezone = 'UTC')" },
    Function { name: "to_json", min: 1, max: 1, signature: "to_json(value)" },
    Function { name: "from_json", min: 1, max: 1, signature: "from_json(string)" },
    Function { name: "concat", min: 1, max: 8, signature: "concat(list, list, ...)" },
    Function { name: "pluck", min: 2, max: 2, signature: "pluck(list of objects, 'key.path')" },
    Function { name: "slice", min: 2, max: 3, signature: "slice(list, start, end = length)" },
    Function { name: "unique", min: 1, max: 1, signature: "unique(list)" },
    Function { name: "time_add", min: 2, max: 2, signature: "time_add(time, '-7d')" },
    Function { name: "attach", min: 3, max: 3, signature: "attach(list of objects, values, 'key')" },
    Function { name: "sort_by", min: 2, max: 3, signature: "sort_by(list, 'key.path', 'asc' or 'desc')" },
];

pub fn find(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Names of all functions, for hints.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name)
}

/// The current time as the expressions show it: RFC 3339 in UTC, whole seconds.
pub fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Checks a strftime format, so that formatting cannot fail later.
pub fn check_format(format: &str) -> Result<(), String> {
    match StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        true => Err(format!("invalid time format `{format}`")),
        false => Ok(()),
    }
}

pub fn call(name: &str, args: &[Expr], scope: &Scope<'_>, missing: Missing) -> Result<Value, RenderFailure> {
    if name == "default" {
        let [value, fallback] = args else {
            return Err(arity(name));
        };
        let value = eval(value, scope, Missing::Null)?;
        return if value.is_null() { eval(fallback, scope, missing) } else { Ok(value) };
    }
    let values = args.iter().map(|a| eval(a, scope, missing)).collect::<Result<Vec<_>, _>>()?;
    if COPYING.contains(&name) {
        copies_within(name, &values)?;
    }
    match (name, values.as_slice()) {
        ("length", [v]) => length(v),
        ("contains", [haystack, needle]) => contains(haystack, needle),
        ("join", [list]) => join(list, ","),
        ("join", [list, Value::String(sep)]) => join(list, sep),
        ("now", []) => Ok(Value::String(time_text(scope.now))),
        ("format_time", [time, Value::String(format)]) => format_time(time, format, "UTC"),
        ("format_time", [time, Value::String(format), Value::String(zone)]) => format_time(time, format, zone),
        ("to_json", [v]) => json_text_within(v, MAX_RESULT_BYTES).map(Value::String).ok_or_else(|| too_large(name)),
        ("from_json", [Value::String(s)]) => {
            serde_json::from_str(s).map_err(|e| failed(name, format!("not valid JSON: {e}")))
        }
        ("concat", lists) if lists.iter().all(|l| l.is_array() || l.is_null()) => {
            Ok(Value::Array(lists.iter().filter_map(Value::as_array).flatten().cloned().collect()))
        }
        ("pluck", [Value::Array(items), Value::String(path)]) => pluck(items, path),
        ("pluck", [Value::Null, Value::String(_)]) => Ok(Value::Array(Vec::new())),
        ("slice", [Value::Array(items), start]) => slice(items, start, &Value::from(items.len())),
        ("slice", [Value::Array(items), start, end]) => slice(items, start, end),
        ("unique", [Value::Array(items)]) => {
            let mut seen = std::collections::HashSet::with_capacity(items.len());
            Ok(Value::Array(items.iter().filter(|item| seen.insert(canonical_key(item))).cloned().collect()))
        }
        ("time_add", [time, Value::String(by)]) => time_add(time, by),
        ("attach", [Value::Array(items), Value::Array(values), Value::String(key)]) => attach(items, values, key),
        ("sort_by", [Value::Array(items), Value::String(path)]) => sort_by(items, path, "asc"),
        ("sort_by", [Value::Array(items), Value::String(path), Value::String(order)]) => sort_by(items, path, order),
        _ => Err(bad_arguments(name, &values)),
    }
}

/// The functions whose result is a copy of (parts of) their arguments, at most a few times
/// their size: their arguments together must fit in [`MAX_RESULT_BYTES`] before any copy
/// is made, so a result is never built far past the limit only to be refused.
const COPYING: &[&str] = &["concat", "pluck", "slice", "unique", "attach", "sort_by"];

fn copies_within(name: &str, values: &[Value]) -> Result<(), RenderFailure> {
    let mut left = MAX_RESULT_BYTES;
    for value in values {
        left -= json_size_within(value, left).ok_or_else(|| too_large(name))?;
    }
    Ok(())
}

fn too_large(name: &str) -> RenderFailure {
    RenderFailure::TooLarge { what: format!("the result of `{name}()`"), limit: MAX_RESULT_BYTES }
}

fn arity(name: &str) -> RenderFailure {
    failed(name, "wrong number of arguments".to_string())
}

fn failed(function: &str, reason: String) -> RenderFailure {
    RenderFailure::Function { function: function.to_string(), reason }
}

fn bad_arguments(name: &str, values: &[Value]) -> RenderFailure {
    let kinds: Vec<&str> = values.iter().map(json_kind).collect();
    let signature = find(name).map_or(name, |f| f.signature);
    failed(name, format!("cannot take ({}); expected {signature}", kinds.join(", ")))
}

fn length(value: &Value) -> Result<Value, RenderFailure> {
    let len = match value {
        Value::Null => 0,
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        other => return Err(bad_arguments("length", std::slice::from_ref(other))),
    };
    Ok(Value::from(len))
}

fn contains(haystack: &Value, needle: &Value) -> Result<Value, RenderFailure> {
    let found = match (haystack, needle) {
        (Value::String(s), Value::String(n)) => s.contains(n.as_str()),
        (Value::Array(items), n) => items.iter().any(|i| equal(i, n)),
        (Value::Object(map), Value::String(k)) => map.contains_key(k),
        (Value::Null, _) => false,
        _ => return Err(bad_arguments("contains", &[haystack.clone(), needle.clone()])),
    };
    Ok(Value::Bool(found))
}

fn join(list: &Value, sep: &str) -> Result<Value, RenderFailure> {
    let Value::Array(items) = list else {
        return Err(bad_arguments("join", std::slice::from_ref(list)));
    };
    // Built with a running budget: a long separator between many items multiplies the
    // input's size, so each piece is checked before it is appended.
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let left = MAX_RESULT_BYTES - out.len();
        let text = match item {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            Value::Null => Cow::Borrowed(""),
            other => Cow::Owned(json_text_within(other, left).ok_or_else(|| too_large("join"))?),
        };
        let sep = if i > 0 { sep } else { "" };
        if sep.len().saturating_add(text.len()) > left {
            return Err(too_large("join"));
        }
        out.push_str(sep);
        out.push_str(&text);
    }
    Ok(Value::String(out))
}

/// The value at dotted `path` (keys, or indexes into lists) in each element of `items`;
/// an element without it gives null.
fn pluck(items: &[Value], path: &str) -> Result<Value, RenderFailure> {
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(failed("pluck", format!("`{path}` is not a key path like `author.handle`")));
    }
    let step = |v: &'_ Value, k: &str| match (v, k.parse::<usize>()) {
        (Value::Array(a), Ok(i)) => a.get(i).cloned(),
        _ => v.get(k).cloned(),
    };
    let value_at = |item: &Value| keys.iter().try_fold(item.clone(), |v, k| step(&v, k)).unwrap_or(Value::Null);
    Ok(Value::Array(items.iter().map(value_at).collect()))
}

/// Each object of `items` with `key` set to the element of `values` at the same position.
fn attach(items: &[Value], values: &[Value], key: &str) -> Result<Value, RenderFailure> {
    if items.len() != values.len() {
        return Err(failed(
            "attach",
            format!("{} items but {} values; they pair by position", items.len(), values.len()),
        ));
    }
    let pair = |(item, value): (&Value, &Value)| match item {
        Value::Object(map) => {
            let mut map = map.clone();
            map.insert(key.to_string(), value.clone());
            Ok(Value::Object(map))
        }
        other => Err(failed("attach", format!("items must be objects, found {}", json_kind(other)))),
    };
    Ok(Value::Array(items.iter().zip(values).map(pair).collect::<Result<_, _>>()?))
}

/// `items` ordered by the number or string at `path` (stable; nulls last).
fn sort_by(items: &[Value], path: &str, order: &str) -> Result<Value, RenderFailure> {
    let descending = match order {
        "asc" => false,
        "desc" => true,
        other => return Err(failed("sort_by", format!("order `{other}` must be 'asc' or 'desc'"))),
    };
    let Value::Array(keys) = pluck(items, path)? else { unreachable!("pluck gives a list") };
    let mut pairs: Vec<(&Value, &Value)> = keys.iter().zip(items).collect();
    let mut problem = None;
    pairs.sort_by(|(a, _), (b, _)| {
        use std::cmp::Ordering;
        let ordering = match (a, b) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => return Ordering::Greater,
            (_, Value::Null) => return Ordering::Less,
            (Value::Number(x), Value::Number(y)) => {
                x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
            }
            (Value::String(x), Value::String(y)) => x.cmp(y),
            _ => {
                problem = Some(format!("`{path}` must be all numbers or all strings"));
                Ordering::Equal
            }
        };
        if descending { ordering.reverse() } else { ordering }
    });
    match problem {
        Some(p) => Err(failed("sort_by", p)),
        None => Ok(Value::Array(pairs.into_iter().map(|(_, item)| item.clone()).collect())),
    }
}

/// Elements `start..end`; negative positions count from the end; out of range is clamped.
fn slice(items: &[Value], start: &Value, end: &Value) -> Result<Value, RenderFailure> {
    let len = items.len() as i64;
    let position = |v: &Value| -> Result<usize, RenderFailure> {
        let n =
            v.as_i64().ok_or_else(|| failed("slice", format!("positions must be integers, found {}", json_kind(v))))?;
        Ok((if n < 0 { len + n } else { n }).clamp(0, len) as usize)
    };
    let (from, to) = (position(start)?, position(end)?);
    Ok(Value::Array(if from < to { items[from..to].to_vec() } else { Vec::new() }))
}

/// `time` moved by a duration like `90m` or `-7d`, as RFC 3339 UTC.
fn time_add(time: &Value, by: &str) -> Result<Value, RenderFailure> {
    let Value::String(text) = time else {
        return Err(failed("time_add", format!("expected an RFC 3339 time, found {}", json_kind(time))));
    };
    let parsed = DateTime::parse_from_rfc3339(text)
        .map_err(|e| failed("time_add", format!("`{text}` is not an RFC 3339 time: {e}")))?;
    let (negative, amount) = match by.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, by.trim().trim_start_matches('+')),
    };
    let duration = super::values::parse_duration(amount).map_err(|e| failed("time_add", e))?;
    let delta = chrono::Duration::from_std(duration).map_err(|e| failed("time_add", e.to_string()))?;
    let moved = match negative {
        true => parsed.checked_sub_signed(delta),
        false => parsed.checked_add_signed(delta),
    };
    // RFC 3339 writes years 0 to 9999 only; chrono's range is wider.
    let moved = moved
        .filter(|t| (0..=9999).contains(&t.year()))
        .ok_or_else(|| failed("time_add", format!("`{text}` moved by `{by}` is outside the years 0 to 9999")))?;
    Ok(Value::String(time_text(moved.to_utc())))
}

fn format_time(time: &Value, format: &str, zone: &str) -> Result<Value, RenderFailure> {
    let Value::String(text) = time else {
        return Err(failed("format_time", format!("expected an RFC 3339 time, found {}", json_kind(time))));
    };
    let parsed = DateTime::parse_from_rfc3339(text)
        .map_err(|e| failed("format_time", format!("`{text}` is not an RFC 3339 time: {e}")))?;
    check_format(format).map_err(|e| failed("format_time", e))?;
    let tz: chrono_tz::Tz = zone.parse().map_err(|_| failed("format_time", format!("unknown time zone `{zone}`")))?;
    Ok(Value::String(parsed.with_timezone(&tz).format(format).to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::{Map, json};

    use super::*;
    use crate::workflow::expr::parse_embedded;

    fn run(text: &str) -> Result<Value, RenderFailure> {
        let inputs = json!({ "list": [1, "a", null], "obj": { "k": 1 }, "s": "héllo" });
        let inputs = inputs.as_object().cloned().unwrap_or_default();
        let steps = HashMap::new();
        let mut scope = Scope::new(&inputs, &steps);
        scope.now = DateTime::parse_from_rfc3339("2024-05-06T07:08:09Z").map(|t| t.to_utc()).expect("time");
        let (expr, _) = parse_embedded(&format!("{text} }}}}")).expect("parses");
        eval(&expr, &scope, Missing::Error)
    }

    #[test]
    fn functions_compute() {
        assert_eq!(run("length(inputs.list)"), Ok(json!(3)));
        assert_eq!(run("length(inputs.s)"), Ok(json!(5)));
        assert_eq!(run("contains(inputs.list, 'a')"), Ok(json!(true)));
        assert_eq!(run("contains(inputs.obj, 'k') && contains(inputs.s, 'll')"), Ok(json!(true)));
        assert_eq!(run("join(inputs.list, '+')"), Ok(json!("1+a+")));
        assert_eq!(run("default(inputs.obj.missing, 'x')"), Ok(json!("x")));
        assert_eq!(run("default(inputs.obj.k, 'x')"), Ok(json!(1)));
        assert_eq!(run("now()"), Ok(json!("2024-05-06T07:08:09Z")));
        assert_eq!(run("format_time(now(), '%H:%M', 'Europe/Berlin')"), Ok(json!("09:08")));
        assert_eq!(run("from_json(to_json(inputs.obj)).k"), Ok(json!(1)));
        assert_eq!(run("1 == 1.0 && 'b' > 'a' && !(2 <= 1) && null != 0"), Ok(json!(true)));
        let _ = Map::new();
    }

    #[test]
    fn list_and_time_functions_compute() {
        assert_eq!(run("concat(inputs.list, from_json('[2]'), null)"), Ok(json!([1, "a", null, 2])));
        assert_eq!(run("pluck(from_json('[{\"a\":{\"b\":1}},{\"a\":2}]'), 'a.b')"), Ok(json!([1, null])));
        assert_eq!(run("pluck(from_json('[{\"c\":[{\"t\":\"x\"}]}]'), 'c.0.t')"), Ok(json!(["x"])));
        assert_eq!(run("slice(inputs.list, 1)"), Ok(json!(["a", null])));
        assert_eq!(run("slice(inputs.list, -2, 10)"), Ok(json!(["a", null])));
        assert_eq!(run("slice(inputs.list, 2, 1)"), Ok(json!([])));
        assert_eq!(run("unique(concat(inputs.list, inputs.list))"), Ok(json!([1, "a", null])));
        assert_eq!(run("time_add(now(), '-7d')"), Ok(json!("2024-04-29T07:08:09Z")));
        assert_eq!(run("time_add(now(), '90m')"), Ok(json!("2024-05-06T08:38:09Z")));
        let people = "from_json('[{\"n\":\"a\",\"s\":1},{\"n\":\"b\",\"s\":3},{\"n\":\"c\"}]')";
        assert_eq!(run(&format!("pluck(sort_by({people}, 's', 'desc'), 'n')")), Ok(json!(["b", "a", "c"])));
        assert_eq!(run(&format!("pluck(sort_by({people}, 'n'), 's')")), Ok(json!([1, 3, null])));
        let scored = format!("attach({people}, from_json('[10, 20, 30]'), 'score')");
        assert_eq!(run(&format!("pluck({scored}, 'score')")), Ok(json!([10, 20, 30])));
        assert!(matches!(run(&format!("attach({people}, inputs.list, 'k')")), Ok(Value::Array(_))));
        assert!(matches!(run("attach(inputs.list, inputs.list, 'k')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run(&format!("sort_by({people}, 's', 'up')")), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("pluck(inputs.list, '')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("time_add(now(), 'soon')"), Err(RenderFailure::Function { .. })));
    }

    #[test]
    fn bad_calls_fail_with_reasons() {
        assert!(matches!(run("length(3)"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("from_json('{')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("format_time('x', '%Y')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("format_time(now(), '%Q')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("1 < 'a'"), Err(RenderFailure::Incomparable { .. })));
        assert!(matches!(run("inputs.obj.missing"), Err(RenderFailure::MissingKey { .. })));
    }
}
