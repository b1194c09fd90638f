//! The expression functions: their arities (checked at load time) and implementations.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::eval::{Missing, equal, eval};
use super::expr::Expr;
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
    match (name, values.as_slice()) {
        ("length", [v]) => length(v),
        ("contains", [haystack, needle]) => contains(haystack, needle),
        ("join", [list]) => join(list, ","),
        ("join", [list, Value::String(sep)]) => join(list, sep),
        ("now", []) => Ok(Value::String(time_text(scope.now))),
        ("format_time", [time, Value::String(format)]) => format_time(time, format, "UTC"),
        ("format_time", [time, Value::String(format), Value::String(zone)]) => format_time(time, format, zone),
        ("to_json", [v]) => Ok(Value::String(v.to_string())),
        ("from_json", [Value::String(s)]) => {
            serde_json::from_str(s).map_err(|e| failed(name, format!("not valid JSON: {e}")))
        }
        _ => Err(bad_arguments(name, &values)),
    }
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
    let parts: Vec<String> = items
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect();
    Ok(Value::String(parts.join(sep)))
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
    fn bad_calls_fail_with_reasons() {
        assert!(matches!(run("length(3)"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("from_json('{')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("format_time('x', '%Y')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("format_time(now(), '%Q')"), Err(RenderFailure::Function { .. })));
        assert!(matches!(run("1 < 'a'"), Err(RenderFailure::Incomparable { .. })));
        assert!(matches!(run("inputs.obj.missing"), Err(RenderFailure::MissingKey { .. })));
    }
}
