//! Unit tests of the load and render limits: deep, long and numerous expressions end in
//! positioned errors, computed values stay under their caps, and loading scales linearly.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::testing::TestCatalog;
use super::tests::{views, with_of};
use super::*;

fn load_errors(yaml: &str) -> Vec<String> {
    let diags = load("w.yaml", yaml, &TestCatalog::standard()).expect_err("expected errors");
    diags.items.iter().map(|d| format!("{}:{}: {}", d.line, d.column, d.message)).collect()
}

/// A workflow whose one echo step's `with.v` is `value`.
fn echo_with(value: &str) -> String {
    format!("name: t\ninputs:\n  x: {{}}\nsteps:\n  - id: s\n    uses: echo/echo@1\n    with:\n      v: {value}\n")
}

#[test]
fn deeply_nested_expressions_are_positioned_errors() {
    let cases = [
        format!("\"${{{{ {}inputs.x }}}}\"", "!".repeat(5000)),
        format!("\"${{{{ {}inputs.x{} }}}}\"", "(".repeat(2300), ")".repeat(2300)),
        format!("\"${{{{ {}inputs.x{} }}}}\"", "length(".repeat(1000), ")".repeat(1000)),
        format!("\"${{{{ inputs.x{} }}}}\"", " || inputs.x".repeat(100)),
    ];
    for case in &cases[..3] {
        let errors = load_errors(&echo_with(case));
        assert!(errors[0].starts_with("8:11: invalid expression `${{ "), "{errors:?}");
        assert!(errors[0].len() < 200, "the message quotes an excerpt: {errors:?}");
        assert!(errors[0].contains("longer than 4096 bytes") || errors[0].contains("deeper than 64"), "{errors:?}");
    }
    let errors = load_errors(&echo_with(&cases[3]));
    assert_eq!(errors.len(), 1);
    assert!(errors[0].ends_with("the expression nests deeper than 64 levels"), "{errors:?}");
}

#[test]
fn expressions_up_to_the_limit_still_load() {
    let nested = format!("\"${{{{ {}inputs.x }}}}\"", "!".repeat(MAX_EXPR_DEPTH - 1));
    load("w.yaml", &echo_with(&nested), &TestCatalog::standard()).expect("loads");
}

#[test]
fn too_many_expressions_are_reported_once() {
    let many = "${{ inputs.x }}".repeat(MAX_EXPRESSIONS + 50);
    let errors = load_errors(&echo_with(&many));
    assert_eq!(errors, vec![format!("8:{}: the workflow has more than 10000 expressions", 10 + 15 * MAX_EXPRESSIONS)]);
}

#[test]
fn oversized_documents_and_step_lists_are_refused() {
    let big = format!("name: t\ndescription: '{}'\nsteps: []\n", "x".repeat(MAX_SOURCE_BYTES));
    assert_eq!(load_errors(&big), vec!["1:1: the workflow is 1048610 bytes, more than the limit of 1 MiB"]);
    let steps: String = (0..MAX_STEPS + 1).map(|i| format!("  - {{ id: s{i}, wait: 1s }}\n")).collect();
    let errors = load_errors(&format!("name: t\nsteps:\n{steps}"));
    assert_eq!(errors, vec![format!("{}:5: the workflow has 1001 steps, more than the limit of 1000", MAX_STEPS + 3)]);
}

/// `concat` of six copies, nested `levels` deep, over `inputs.x`.
fn amplifier(levels: usize) -> String {
    (0..levels).fold("inputs.x".to_string(), |inner, _| format!("concat({})", vec![inner; 6].join(",")))
}

#[test]
fn computed_values_are_capped_with_the_expression_named() {
    let yaml = echo_with(&format!("\"${{{{ {} }}}}\"", amplifier(3)));
    let plan = load("w.yaml", &yaml, &TestCatalog::standard()).expect("loads");
    let list: Vec<Value> = (0..1000).map(|_| Value::String("x".repeat(100))).collect();
    let inputs: Map<String, Value> = [("x".to_string(), Value::Array(list))].into_iter().collect();
    let steps = views(&[]);
    let started = Instant::now();
    let err = with_of(&plan.steps[0]).render(&Scope::new(&inputs, &steps)).expect_err("too large");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(err.line, 8);
    assert!(err.expr.starts_with("concat(concat(concat(inputs.x"), "{}", err.expr);
    assert_eq!(err.reason.to_string(), "the result of `concat()` is larger than 4 MiB");
}

#[test]
fn interpolated_text_is_capped() {
    let yaml = echo_with(&format!("\"{}\"", "${{ inputs.x }}".repeat(50)));
    let plan = load("w.yaml", &yaml, &TestCatalog::standard()).expect("loads");
    let inputs: Map<String, Value> = [("x".to_string(), json!("y".repeat(100_000)))].into_iter().collect();
    let steps = views(&[]);
    let err = with_of(&plan.steps[0]).render(&Scope::new(&inputs, &steps)).expect_err("too large");
    assert_eq!(err.reason.to_string(), "the text it is part of is larger than 4 MiB");
}

/// A workflow with `n` expressions on one line of one step, as in a crafted request.
fn with_expressions(n: usize) -> String {
    echo_with(&format!("\"{}\"", "${{ inputs.x }} ".repeat(n)))
}

/// The fastest of three loads of `n` expressions, with the limits raised to allow them.
fn load_time(n: usize) -> Duration {
    let source = with_expressions(n);
    let limits = Limits { expressions: n, source_bytes: source.len(), ..Limits::default() };
    let catalog = TestCatalog::standard();
    let time = || {
        let started = Instant::now();
        load_with("w.yaml", &source, &catalog, &limits).expect("loads");
        started.elapsed()
    };
    (0..3).map(|_| time()).min().unwrap_or_default()
}

#[test]
fn loading_is_linear_in_the_number_of_expressions() {
    let times: Vec<Duration> = [32_000, 64_000, 128_000].map(load_time).to_vec();
    eprintln!("load times for 32k, 64k, 128k expressions: {times:?}");
    // Linear loading takes 4x for 4x the input; quadratic loading took 16x.
    assert!(times[2] < times[0] * 10, "{times:?}");
}

#[test]
fn many_bad_references_are_reported_in_bounded_time() {
    let id = |i: usize| format!("step-{i:0>58}");
    let steps: String = (0..MAX_STEPS).map(|i| format!("  - {{ id: {}, wait: 1s }}\n", id(i))).collect();
    let refs = "${{ steps.step-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.output }}".repeat(9000);
    let yaml = format!("name: t\nsteps:\n{steps}  - id: last\n    uses: echo/echo@1\n    with: {{ v: \"{refs}\" }}\n");
    let limits = Limits { steps: MAX_STEPS + 1, ..Limits::default() };
    let started = Instant::now();
    let diags = load_with("w.yaml", &yaml, &TestCatalog::standard(), &limits).expect_err("bad references");
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert_eq!(diags.items.len(), MAX_DIAGNOSTICS + 1);
    let last = &diags.items[MAX_DIAGNOSTICS].message;
    assert_eq!(last, "checking stopped after 100 errors");
}

#[test]
fn declared_and_given_inputs_are_bounded() {
    let declared: String = (0..=MAX_INPUTS).map(|i| format!("  i{i}: {{}}\n")).collect();
    let errors = load_errors(&format!("name: t\ninputs:\n{declared}steps: []\n"));
    assert_eq!(
        errors[0],
        format!("{}:3: the workflow declares 101 inputs, more than the limit of 100", MAX_INPUTS + 3)
    );
    let plan = load("w.yaml", &echo_with("\"${{ inputs.x }}\""), &TestCatalog::standard()).expect("loads");
    let given: Map<String, Value> = (0..100_000).map(|i| (format!("k{i}"), json!(i))).collect();
    let errors = plan.bind_json_inputs(&given).expect_err("too many");
    assert_eq!(errors, vec![("inputs".to_string(), "100000 inputs were given; the workflow declares 1".to_string())]);
}
