//! Unit tests of the bounds on what functions build and on the numbers a workflow writes:
//! results are refused before they are allocated, time arithmetic cannot overflow,
//! `unique` is not quadratic, and durations and attempt counts have a ceiling.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::testing::TestCatalog;
use super::tests::{views, with_of};
use super::*;

/// Renders the first step's `with.v`, set to `expr`, over inputs `x` and `y`.
fn render_with(expr: &str, x: Value, y: Value) -> Result<Value, String> {
    let yaml = format!(
        "name: t\ninputs:\n  x: {{}}\n  y: {{}}\nsteps:\n  - id: s\n    uses: echo/echo@1\n    with:\n      v: \"${{{{ {expr} }}}}\"\n"
    );
    let plan = load("w.yaml", &yaml, &TestCatalog::standard()).expect("loads");
    let inputs: Map<String, Value> = [("x".to_string(), x), ("y".to_string(), y)].into_iter().collect();
    let steps = views(&[]);
    let scope = Scope::new(&inputs, &steps);
    with_of(&plan.steps[0]).render(&scope).map(|v| v["v"].clone()).map_err(|e| e.reason.to_string())
}

fn load_errors(yaml: &str) -> Vec<String> {
    let diags = load("w.yaml", yaml, &TestCatalog::standard()).expect_err("expected errors");
    diags.items.iter().map(|d| format!("{}:{}: {}", d.line, d.column, d.message)).collect()
}

#[test]
fn join_with_a_huge_separator_is_refused_before_it_is_built() {
    // 400,000 items joined by 1.1 MB would need 440 GB; the old code tried to allocate it.
    let items = Value::Array(vec![Value::Null; 400_000]);
    let sep = json!("s".repeat(1_100_000));
    let err = render_with("join(inputs.x, inputs.y)", items, sep).expect_err("too large");
    assert_eq!(err, "the result of `join()` is larger than 4 MiB");
    let small = render_with("join(inputs.x, inputs.y)", json!(["a", 1, null]), json!("--"));
    assert_eq!(small, Ok(json!("a--1--")));
}

#[test]
fn to_json_and_copying_functions_are_refused_past_the_limit() {
    // Control characters take six bytes each in JSON: 1 MB of them is 6 MB of text.
    let controls = json!("\u{1}".repeat(1_000_000));
    let err = render_with("to_json(inputs.x)", controls, Value::Null).expect_err("too large");
    assert_eq!(err, "the result of `to_json()` is larger than 4 MiB");
    let big = json!(["x".repeat(3 << 20)]);
    let err = render_with("concat(inputs.x, inputs.y)", big.clone(), big).expect_err("too large");
    assert_eq!(err, "the result of `concat()` is larger than 4 MiB");
}

#[test]
fn time_add_past_the_calendar_is_an_error_not_a_panic() {
    let now = json!("2024-05-06T07:08:09Z");
    for by in ["100000000d", "-100000000d", "3650d3650d", "99999999999999d"] {
        let err = render_with("time_add(inputs.x, inputs.y)", now.clone(), json!(by)).expect_err("refused");
        assert!(err.starts_with("`time_add()` failed") || err.contains("time_add"), "{by}: {err}");
    }
    let late = json!("9999-12-01T00:00:00Z");
    let err = render_with("time_add(inputs.x, '3650d')", late, Value::Null).expect_err("refused");
    assert!(err.ends_with("is outside the years 0 to 9999"), "{err}");
}

#[test]
fn unique_is_not_quadratic_and_keeps_equal_values_once() {
    let items: Vec<Value> = (0..150_000).map(|i| json!({ "n": i % 100_000, "s": format!("v{i}") })).collect();
    let started = Instant::now();
    let Ok(Value::Array(out)) = render_with("unique(inputs.x)", Value::Array(items), Value::Null) else {
        panic!("unique failed");
    };
    assert_eq!(out.len(), 150_000);
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let mixed =
        json!([1, 1.0, "1", [1, 2], [1.0, 2], { "a": 1, "b": [null] }, { "b": [null], "a": 1.0 }, null, null, 0, -0.0]);
    let out = render_with("unique(inputs.x)", mixed, Value::Null);
    assert_eq!(out, Ok(json!([1, "1", [1, 2], { "a": 1, "b": [null] }, null, 0])));
}

#[test]
fn durations_and_attempts_have_a_ceiling_with_positions() {
    assert!(parse_duration("3650d").is_ok());
    assert_eq!(parse_duration("3651d"), Err("`3651d` is longer than the most allowed, 3650d".to_string()));
    let yaml = "name: t\nsteps:\n  - id: a\n    wait: 99999999999999d\n  - id: b\n    uses: echo/echo@1\n    timeout: 99999999999999d\n    retry:\n      max_attempts: 4294967295\n";
    let errors = load_errors(yaml);
    assert!(errors.iter().any(|e| e.starts_with("4:11: invalid duration `99999999999999d`")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("7:14: invalid duration `99999999999999d`")), "{errors:?}");
    let attempts = "9:21: `max_attempts` must be a whole number from 1 to 100, found `4294967295`";
    assert!(errors.iter().any(|e| e == attempts), "{errors:?}");
}
