//! Property tests of the loader and the expression parser and evaluator: random and
//! adversarial (deeply nested, long) input never panics and ends quickly. The seed is
//! fixed and the cases are few, so a run is reproducible and short.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::{Map, Value, json};

use super::eval::{Missing, eval};
use super::expr::parse_embedded;
use super::testing::TestCatalog;
use super::tests::views;
use super::*;

/// Far above what any accepted input needs in a debug build, far below a freeze.
const CASE_BUDGET: Duration = Duration::from_secs(5);

fn config(cases: u32) -> Config {
    Config { cases, rng_seed: RngSeed::Fixed(0x5eed), failure_persistence: None, ..Config::default() }
}

/// A nesting `depth` levels deep of one of the recursive forms of the grammar.
fn nested(kind: usize, depth: usize) -> String {
    match kind {
        0 => format!("{}inputs.a", "!".repeat(depth)),
        1 => format!("{}inputs.a{}", "(".repeat(depth), ")".repeat(depth)),
        2 => format!("{}inputs.a{}", "length(".repeat(depth), ")".repeat(depth)),
        3 => format!("inputs.a{}", " && inputs.a".repeat(depth)),
        4 => format!("{}inputs.a{}", "from_json(".repeat(depth), ").x".repeat(depth)),
        _ => format!("{}inputs.a", "!(".repeat(depth)) + &")".repeat(depth),
    }
}

/// Expressions from the grammar: paths, literals, operators and functions, nested.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("inputs.a".to_string()),
        Just("inputs.list".to_string()),
        Just("inputs.list[1]".to_string()),
        Just("'text'".to_string()),
        Just("-1.5".to_string()),
        Just("null".to_string()),
        Just("steps.s.output.v".to_string()),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        let two = (inner.clone(), inner.clone());
        prop_oneof![
            inner.clone().prop_map(|e| format!("!{e}")),
            inner.clone().prop_map(|e| format!("({e})")),
            two.clone().prop_map(|(a, b)| format!("{a} || {b}")),
            two.clone().prop_map(|(a, b)| format!("{a} < {b}")),
            two.clone().prop_map(|(a, b)| format!("concat({a}, {b}, {a}, {b})")),
            two.prop_map(|(a, b)| format!("default({a}, {b})")),
            inner.clone().prop_map(|e| format!("to_json({e})")),
            inner.clone().prop_map(|e| format!("from_json(to_json({e}))")),
            inner.clone().prop_map(|e| format!("join(concat({e}, {e}), '-')")),
            inner.prop_map(|e| format!("length({e})")),
        ]
    })
}

/// Parses and, when it parses, evaluates `text`; panics only if either panics.
fn parse_and_eval(text: &str) {
    let inputs: Map<String, Value> =
        json!({ "a": "x".repeat(1000), "list": [1, "two", null] }).as_object().cloned().unwrap_or_default();
    let steps = views(&[("s", json!({ "v": [1, 2, 3] }))]);
    if let Ok((expr, _)) = parse_embedded(&format!("{text} }}}}")) {
        let _ = eval(&expr, &Scope::new(&inputs, &steps), Missing::Error);
    }
}

/// A workflow whose step `with` is built from random lines of YAML-like text.
fn workflow(lines: &[(usize, String)]) -> String {
    let body: String = lines.iter().map(|(indent, text)| format!("{}{text}\n", " ".repeat(6 + indent))).collect();
    format!("name: p\ninputs:\n  a: {{}}\nsteps:\n  - id: s\n    uses: echo/echo@1\n    with:\n{body}")
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn random_expression_text_never_panics(text in r#"[!()a-z_.'|&=<>, 0-9\[\]{}$-]{0,300}"#) {
        let started = Instant::now();
        parse_and_eval(&text);
        prop_assert!(started.elapsed() < CASE_BUDGET);
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow(kind in 0usize..6, depth in 0usize..20_000) {
        let started = Instant::now();
        let result = parse_embedded(&format!("{} }}}}", nested(kind, depth)));
        if depth > MAX_EXPR_DEPTH {
            prop_assert!(matches!(result, Err(ExprError::TooDeep | ExprError::TooLong)), "{result:?}");
        }
        prop_assert!(started.elapsed() < CASE_BUDGET);
    }

    #[test]
    fn generated_expressions_evaluate_without_panicking(text in expression()) {
        let started = Instant::now();
        parse_and_eval(&text);
        prop_assert!(started.elapsed() < CASE_BUDGET);
    }

    #[test]
    fn random_workflows_load_without_panicking(
        lines in prop::collection::vec((0usize..40, r#"[a-z]{0,3}(: |- |: \[|: \{|)(\$\{\{ ?[!(a-z. ]{0,20}(\}\})?|[\]\}'"a-z]{0,4})"#), 0..60)
    ) {
        let started = Instant::now();
        let _ = load("p.yaml", &workflow(&lines), &TestCatalog::standard());
        prop_assert!(started.elapsed() < CASE_BUDGET);
    }

    #[test]
    fn deep_yaml_is_an_error_not_an_overflow(depth in 0usize..3000, flow in any::<bool>()) {
        let value = if flow {
            format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
        } else {
            (0..depth).map(|i| format!("\n{}- ", " ".repeat(8 + 2 * i))).collect::<String>() + "1"
        };
        let started = Instant::now();
        let result = load("p.yaml", &workflow(&[(0, format!("v: {value}"))]), &TestCatalog::standard());
        if depth > MAX_YAML_DEPTH {
            prop_assert!(result.is_err());
        }
        prop_assert!(started.elapsed() < CASE_BUDGET);
    }
}
