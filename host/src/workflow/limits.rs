//! Limits on the work a workflow's text can cause: its size and nesting, its expressions,
//! and the values expressions compute. Each bound keeps every recursive function of the
//! loader and evaluator far from the stack's end and every loop linear in the input.

use serde_json::Value;

use super::expr::Expr;

/// Largest workflow text, in bytes. Stops a client from making the service parse and
/// hold an arbitrarily large document; loading is linear, so this also bounds its time.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// Deepest nesting of YAML mappings and lists. Reading, converting, compiling and
/// dropping the document recurse once per level; this keeps them far from the stack's end.
pub const MAX_YAML_DEPTH: usize = 64;

/// Deepest nesting of an expression's tree (operators, `!`, parentheses, calls, member
/// access). Parsing, checking, printing, evaluating and dropping recurse once per level;
/// `!!!...!x` thousands deep overflowed a worker thread's stack.
pub const MAX_EXPR_DEPTH: usize = 64;

/// Longest expression between `${{` and `}}`, in bytes: the lexer and parser hold its
/// tokens, and messages quote it.
pub const MAX_EXPR_BYTES: usize = 4096;

/// Most `${{ }}` expressions in one workflow: each is parsed, checked and kept in the plan.
pub const MAX_EXPRESSIONS: usize = 10_000;

/// Most steps (`steps` and `on_failure` together): the step graph's checks compare steps
/// with each other.
pub const MAX_STEPS: usize = 1000;

/// Most inputs a workflow declares: binding a run's inputs looks each given name up among
/// them and suggests the nearest for an unknown one.
pub const MAX_INPUTS: usize = 100;

/// Most errors reported for one workflow. Checking an expression or a `needs` entry
/// suggests the nearest valid name, comparing it with every step, input or time zone; past
/// this many errors those checks stop, so ten thousand bad references cannot cost ten
/// thousand such searches.
pub const MAX_DIAGNOSTICS: usize = 100;

/// Largest value one computed expression (a function call or a string with text and
/// expressions) may produce, in bytes of JSON. Nested calls such as
/// `concat(x, x, x, x, x, x, x, x)` multiply their input at every level.
pub const MAX_RESULT_BYTES: usize = 4 << 20;

/// Largest value a whole template (a step's `with`, an output) may render to, in bytes of
/// JSON: many expressions that each stay under [`MAX_RESULT_BYTES`] still add up.
pub const MAX_RENDERED_BYTES: usize = 16 << 20;

/// Longest duration a workflow may write (`wait`, `timeout`, retry delays, `time_add`):
/// ten years. Longer ones overflowed time arithmetic, which panicked inside the engine
/// and left the run `running` for ever.
pub const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(3650 * 86_400);

/// Most attempts a `retry:` may ask for: each attempt runs the step again, so a huge
/// count keeps a failing step busy for ever.
pub const MAX_ATTEMPTS: u32 = 100;

/// The bounds a load runs under. [`Limits::default`] holds the constants above; a test or
/// a benchmark may raise them to measure how loading scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub source_bytes: usize,
    pub yaml_depth: usize,
    pub expressions: usize,
    pub steps: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            source_bytes: MAX_SOURCE_BYTES,
            yaml_depth: MAX_YAML_DEPTH,
            expressions: MAX_EXPRESSIONS,
            steps: MAX_STEPS,
        }
    }
}

/// The size of `value` as compact JSON (escapes aside), or `None` once it passes `limit`. Walks the value
/// with an explicit stack and stops early, so it costs at most `limit` steps.
pub fn json_size_within(value: &Value, limit: usize) -> Option<usize> {
    let mut size = 0usize;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        size += match v {
            Value::Null => 4,
            Value::Bool(b) => 5 - usize::from(*b),
            Value::Number(n) => n.to_string().len(),
            Value::String(s) => s.len() + 2,
            Value::Array(items) => {
                stack.extend(items);
                items.len().saturating_sub(1) + 2
            }
            Value::Object(map) => {
                stack.extend(map.values());
                map.keys().map(|k| k.len() + 3).sum::<usize>() + map.len().saturating_sub(1) + 2
            }
        };
        if size > limit {
            return None;
        }
    }
    Some(size)
}

/// `value` as compact JSON text, or `None` once the text passes `limit` bytes: the text is
/// written into a buffer that refuses to grow past the limit, so escapes (a control
/// character takes six bytes) cannot make it larger either.
pub fn json_text_within(value: &Value, limit: usize) -> Option<String> {
    struct Bounded(Vec<u8>, usize);
    impl std::io::Write for Bounded {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.0.len() + bytes.len() > self.1 {
                return Err(std::io::Error::other("over the limit"));
            }
            self.0.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Bounded(Vec::new(), limit);
    serde_json::to_writer(&mut out, value).ok()?;
    String::from_utf8(out.0).ok()
}

/// `1048576` as `1 MiB`, for messages.
pub fn bytes_text(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The depth of an expression's tree, measured without recursion: a chain such as
/// `a || b || c` is built by a loop, so the parser's own guard does not bound it.
pub fn expr_depth(expr: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(expr, 1)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        match e {
            Expr::Literal(_) | Expr::Path { .. } => {}
            Expr::Member { target, .. } | Expr::Not(target) => stack.push((target, d + 1)),
            Expr::Binary { left, right, .. } => stack.extend([(&**left, d + 1), (&**right, d + 1)]),
            Expr::Call { args, .. } => stack.extend(args.iter().map(|a| (a, d + 1))),
        }
    }
    deepest
}

/// Longest excerpt of an expression quoted in a message, in characters.
pub const MAX_QUOTED_CHARS: usize = 80;

/// `text`, or its start and end around `...` when it is longer than [`MAX_QUOTED_CHARS`]:
/// a message about a megabyte-long expression must not repeat it.
pub fn excerpt(text: &str) -> String {
    let count = text.chars().count();
    if count <= MAX_QUOTED_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX_QUOTED_CHARS - 20).collect();
    let tail: String = text.chars().skip(count - 16).collect();
    format!("{head} ... {tail}")
}

/// A value as a message quotes it: an [`excerpt`] of its JSON in backticks, since a value
/// of megabytes would otherwise be copied whole into a step's and a run's error.
pub fn quoted_json(value: &Value) -> String {
    format!("`{}`", excerpt(&value.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn measures_json_and_stops_early() {
        let value = json!({ "a": [1, "xy", null, true] });
        assert_eq!(json_size_within(&value, 1000), Some(value.to_string().len()));
        assert_eq!(json_size_within(&value, 5), None);
        assert_eq!(bytes_text(4 << 20), "4 MiB");
        assert_eq!(bytes_text(100), "100 bytes");
        assert_eq!(json_text_within(&value, 1000), Some(value.to_string()));
        assert_eq!(quoted_json(&json!("x".repeat(1 << 20))).chars().count(), MAX_QUOTED_CHARS + 3);
        assert_eq!(json_text_within(&json!("\u{1}\u{1}"), 12), None);
    }
}
