//! Typed readers for plain YAML values: durations, booleans, integers and choices, each
//! reporting a mistake at the value with a hint.

use std::time::Duration;

use marked_yaml::Node;

use super::diagnostic::{Diagnostic, backticked, did_you_mean};
use super::limits::MAX_DURATION;
use super::spec::{Text, value_pos};
use super::yaml::{kind_name, plain_scalar};

/// Parses `30s`, `1m`, `2h`, `1d`, `500ms` and combinations such as `1h30m` (largest
/// unit first is not required). Zero is allowed; callers that need more say so; longer
/// than [`MAX_DURATION`] is refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".to_string());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = rest.split_at(digits);
        let unit_len = after.len() - after.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
        let (unit, next) = after.split_at(unit_len);
        let n: u64 = number.parse().map_err(|_| format!("expected a number in `{text}`"))?;
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86_400)),
            "" => return Err(format!("`{number}` has no unit")),
            other => return Err(format!("unknown unit `{other}`")),
        };
        total = total.saturating_add(part);
        rest = next;
    }
    match total > MAX_DURATION {
        true => Err(format!("`{text}` is longer than the most allowed, {}d", MAX_DURATION.as_secs() / 86_400)),
        false => Ok(total),
    }
}

const DURATION_HELP: &str = "write a number with a unit: `500ms`, `30s`, `5m`, `2h`, `1d`, or combined like `1h30m`";

/// A scalar's text, or a diagnostic naming what was expected.
fn scalar<'a>(key: &Text, node: &'a Node, expected: &str, diags: &mut Vec<Diagnostic>) -> Option<&'a str> {
    match node {
        Node::Scalar(s) if !s.as_str().is_empty() => Some(s.as_str()),
        _ => {
            let msg = format!("`{}` must be {expected}, found {}", key.as_str(), kind_name(node));
            diags.push(Diagnostic::new(value_pos(key, node), msg));
            None
        }
    }
}

pub fn duration(key: &Text, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Duration> {
    let text = scalar(key, node, "a duration", diags)?;
    match parse_duration(text) {
        Ok(d) => Some(d),
        Err(reason) => {
            let msg = format!("invalid duration `{text}` for `{}`: {reason}", key.as_str());
            diags.push(Diagnostic::new(value_pos(key, node), msg).with_help(DURATION_HELP));
            None
        }
    }
}

/// A duration greater than zero.
pub fn positive_duration(key: &Text, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Duration> {
    let d = duration(key, node, diags)?;
    if d.is_zero() {
        let msg = format!("`{}` must be longer than zero", key.as_str());
        diags.push(Diagnostic::new(value_pos(key, node), msg).with_help(DURATION_HELP));
        return None;
    }
    Some(d)
}

pub fn boolean(key: &Text, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<bool> {
    if let Node::Scalar(s) = node
        && s.may_coerce()
        && let serde_json::Value::Bool(b) = plain_scalar(s.as_str())
    {
        return Some(b);
    }
    let msg = format!("`{}` must be `true` or `false`, found {}", key.as_str(), kind_name(node));
    diags.push(Diagnostic::new(value_pos(key, node), msg));
    None
}

pub fn integer(key: &Text, node: &Node, min: u32, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    integer_in(key, node, min, u32::MAX, diags)
}

/// A whole number from `min` to `max`.
pub fn integer_in(key: &Text, node: &Node, min: u32, max: u32, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    let value = match node {
        Node::Scalar(s) if s.may_coerce() => plain_scalar(s.as_str()).as_u64(),
        _ => None,
    };
    match value.and_then(|v| u32::try_from(v).ok()) {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            let range = match max {
                u32::MAX => format!("of at least {min}"),
                max => format!("from {min} to {max}"),
            };
            let msg = format!("`{}` must be a whole number {range}, found {}", key.as_str(), shown(node));
            diags.push(Diagnostic::new(value_pos(key, node), msg));
            None
        }
    }
}

fn shown(node: &Node) -> String {
    match node {
        Node::Scalar(s) if !s.as_str().is_empty() => format!("`{}`", s.as_str()),
        _ => kind_name(node).to_string(),
    }
}

/// One of `options`, with the nearest one as a hint.
pub fn choice(key: &Text, node: &Node, options: &[&'static str], diags: &mut Vec<Diagnostic>) -> Option<&'static str> {
    let text = scalar(key, node, &format!("one of {}", backticked(options)), diags)?;
    if let Some(found) = options.iter().find(|o| **o == text) {
        return Some(found);
    }
    let help = did_you_mean(text, options.iter().copied())
        .unwrap_or_else(|| format!("expected one of {}", backticked(options)));
    let msg = format!("invalid value `{text}` for `{}`", key.as_str());
    diags.push(Diagnostic::new(value_pos(key, node), msg).with_help(help));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("48h"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("10"), Err("`10` has no unit".into()));
        assert_eq!(parse_duration("5 min"), Err("`5` has no unit".into()));
        assert_eq!(parse_duration("3w"), Err("unknown unit `w`".into()));
        assert!(parse_duration("h").is_err());
    }
}
