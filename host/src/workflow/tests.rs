//! Unit tests of loading, rendering and input binding against the test catalog.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::testing::TestCatalog;
use super::*;

fn try_load(yaml: &str) -> Result<Plan, Diagnostics> {
    load("w.yaml", yaml, &TestCatalog::sentiment())
}

fn plan(yaml: &str) -> Plan {
    try_load(yaml).unwrap_or_else(|d| panic!("expected a valid workflow:\n{d}"))
}

/// "LINE:COL: MESSAGE" for each diagnostic.
fn errors(yaml: &str) -> Vec<String> {
    let diags = try_load(yaml).expect_err("expected errors");
    diags.items.iter().map(|d| format!("{}:{}: {}", d.line, d.column, d.message)).collect()
}

fn first_help(yaml: &str) -> String {
    let diags = try_load(yaml).expect_err("expected errors");
    diags.items[0].help.clone().unwrap_or_default()
}

/// A workflow with one step using `uses` and `with`.
fn one_step(uses: &str, with: &str) -> String {
    format!("name: t\ninputs:\n  text: {{}}\nsteps:\n  - id: s\n    uses: {uses}\n    with: {with}\n")
}

const TWO_STEPS: &str = "\
name: triage-one
inputs:
  text: { type: string }
  limit: { type: integer, default: 3 }
steps:
  - id: score
    uses: sentiment/score@0.2
    with: { text: \"${{ inputs.text }}\" }
  - id: batch
    uses: sentiment/batch
    with:
      texts: [\"${{ inputs.text }}\", \"${{ steps.score.output.label }}\"]
outputs:
  label: ${{ steps.score.output.label }}
  limit: ${{inputs.limit}}
  line: \"n=${{ inputs.limit }} ${{ steps.score.output }} ${{ steps.score.output.none }}.\"
";

fn scope_values() -> (Map<String, Value>, HashMap<String, StepView>) {
    let inputs = json!({ "text": "hi", "limit": 3 });
    let steps = views(&[("score", json!({ "label": "positive", "none": null, "a b": [1] }))]);
    (inputs.as_object().cloned().unwrap_or_default(), steps)
}

/// Succeeded steps with these outputs.
pub(super) fn views(outputs: &[(&str, Value)]) -> HashMap<String, StepView> {
    let view = |output: &Value| StepView { output: output.clone(), status: "succeeded".into() };
    outputs.iter().map(|(id, output)| (id.to_string(), view(output))).collect()
}

pub(super) fn with_of(step: &PlanStep) -> &Template {
    match &step.kind {
        StepKind::Action { with, .. } => with,
        other => panic!("not an action step: {other:?}"),
    }
}

#[test]
fn loads_a_valid_plan_with_needs_and_versions() {
    let plan = plan(TWO_STEPS);
    assert_eq!(plan.name, "triage-one");
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["score", "batch"]);
    assert_eq!(plan.steps[1].needs, ["score"]);
    assert!(plan.steps[0].needs.is_empty());
    let StepKind::Action { plugin, action, version, .. } = &plan.steps[1].kind else {
        panic!("an action step");
    };
    assert_eq!(*version, semver::Version::new(0, 2, 0));
    assert_eq!((plugin.as_str(), action.as_str()), ("sentiment", "batch"));
    assert_eq!(plan.steps[1].line, 9);
    assert_eq!(plan.inputs[1].ty, InputType::Integer);
    assert_eq!(plan.inputs[1].default, Some(json!(3)));
}

#[test]
fn rendering_keeps_types_and_interpolates() {
    let plan = plan(TWO_STEPS);
    let (inputs, steps) = scope_values();
    let scope = Scope::new(&inputs, &steps);
    let out = |name: &str| {
        let (_, t) = plan.outputs.iter().find(|(n, _)| n == name).expect("output");
        t.render(&scope).expect("renders")
    };
    assert_eq!(out("limit"), json!(3));
    assert_eq!(out("label"), json!("positive"));
    let expected = r#"n=3 {"a b":[1],"label":"positive","none":null} ."#;
    assert_eq!(out("line"), json!(expected));
    let with = with_of(&plan.steps[1]).render(&scope).expect("renders");
    assert_eq!(with, json!({ "texts": ["hi", "positive"] }));
}

#[test]
fn render_errors_name_expression_and_key() {
    let yaml = "name: t\nsteps:\n  - id: a\n    uses: sentiment/score\n    with: { text: x }\n\
                outputs:\n  x: ${{ steps.a.output.missing }}\n  y: ${{ steps.a.output.list[5] }}\n";
    let plan = plan(yaml);
    let inputs = Map::new();
    let steps = views(&[("a", json!({ "list": [1], "k": 2 }))]);
    let scope = Scope::new(&inputs, &steps);
    let err = plan.outputs[0].1.render(&scope).expect_err("missing key");
    assert_eq!(
        err.to_string(),
        "expression `${{ steps.a.output.missing }}` (line 7): \
         `steps.a.output` has no key `missing` (keys: k, list)"
    );
    let err = plan.outputs[1].1.render(&scope).expect_err("bad index");
    assert!(err.to_string().contains("index 5 is out of range for `steps.a.output.list`"));
    let empty = HashMap::new();
    let err = plan.outputs[0].1.render(&Scope::new(&inputs, &empty));
    assert!(matches!(err, Err(RenderError { reason: RenderFailure::MissingStep(_), .. })));
}

#[test]
fn literal_templates_are_literal() {
    let plan = plan(&one_step("sentiment/score", "{ text: hi, language: en }"));
    assert!(with_of(&plan.steps[0]).is_literal());
    assert!(!plan.outputs.iter().any(|(_, t)| t.is_literal()));
    let quoted = plan_with_text("\"3\"");
    assert_eq!(quoted, json!("3"));
}

fn plan_with_text(text: &str) -> Value {
    let plan =
        plan(&format!("name: t\nsteps:\n  - id: s\n    uses: sentiment/batch\n    with: {{ texts: [{text}] }}\n"));
    let (inputs, steps) = (Map::new(), HashMap::new());
    with_of(&plan.steps[0]).render(&Scope::new(&inputs, &steps)).expect("literal")["texts"][0].clone()
}

#[test]
fn bind_inputs_types_defaults_and_errors() {
    let yaml = "name: t\ninputs:\n  text: {}\n  n: { type: integer, default: 3 }\n  on: { type: boolean, default: false }\n  \
                obj: { type: object, default: {} }\nsteps:\n  - id: s\n    uses: sentiment/score\n    with: { text: x }\n";
    let plan = plan(yaml);
    let given = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        plan.bind_inputs(&pairs)
    };
    let bound = given(&[("text", "hi"), ("n", "7"), ("on", "true"), ("obj", r#"{"a":1}"#)]).expect("binds");
    assert_eq!(Value::Object(bound), json!({ "text": "hi", "n": 7, "on": true, "obj": { "a": 1 } }));
    let defaults = given(&[("text", "42")]).expect("binds");
    assert_eq!(Value::Object(defaults), json!({ "text": "42", "n": 3, "on": false, "obj": {} }));
    let err = given(&[]).expect_err("missing");
    assert_eq!(err, "missing required input `text`; pass it with `--input text=VALUE`");
    let err = given(&[("text", "x"), ("nn", "1")]).expect_err("unknown");
    assert_eq!(err, "unknown input `nn`; did you mean `n`?");
    let err = given(&[("text", "x"), ("n", "three")]).expect_err("bad int");
    assert_eq!(err, "input `n` must be an integer, got `three`; pass e.g. `--input n=3`");
    assert!(given(&[("text", "x"), ("obj", "[1]")]).is_err());
    assert!(given(&[("text", "x"), ("on", "yes")]).is_err());
}

#[test]
fn yaml_and_shape_errors() {
    assert_eq!(errors("name: x\n  bad: [\n"), ["2:6: invalid yaml: mapping values are not allowed in this context"]);
    assert_eq!(errors("- a\n"), ["1:1: a workflow must be a yaml mapping"]);
    assert_eq!(errors("name: x\nname: y\nsteps: []\n"), ["2:1: duplicate key `name`"]);
    let unknown = "name: x\nsetps: []\n";
    assert_eq!(errors(unknown), ["2:1: unknown key `setps`"]);
    assert_eq!(first_help(unknown), "did you mean `steps`?");
    assert_eq!(
        errors("description: d\nsteps:\n  - with: {}\n"),
        ["1:1: missing required key `name`", "3:5: missing required key `id`", "3:5: missing required key `uses`"]
    );
    assert_eq!(errors("name: x\nsteps: {}\n"), ["2:8: `steps` must be a list of steps, found a mapping"]);
    assert_eq!(errors("name: x\nsteps: []\n"), ["2:8: `steps` must list at least one step"]);
}

#[test]
fn name_id_and_uses_errors() {
    let bad_name = "name: My Flow\nsteps:\n  - id: s\n    uses: sentiment/score\n    with: { text: x }\n";
    assert_eq!(errors(bad_name), ["1:7: invalid workflow name `My Flow`"]);
    assert!(first_help(bad_name).ends_with("e.g. `my-flow`"));
    let dup = "name: x\nsteps:\n  - id: s\n    uses: sentiment/score\n    with: { text: x }\n  \
               - id: s\n    uses: sentiment/score\n    with: { text: x }\n  - id: S\n    uses: sentiment/score\n    with: { text: x }\n";
    assert_eq!(errors(dup), ["6:9: duplicate step id `s` (first used on line 3)", "9:9: invalid step id `S`"]);
    assert_eq!(errors(&one_step("sentiment", "{}")), ["6:11: invalid `uses` value `sentiment`"]);
    assert!(first_help(&one_step("a.b", "{}")).contains("plugin/action@version"));
    let bad_req = one_step("\"sentiment/score@abc\"", "{ text: a }");
    let expected =
        "6:28: invalid version requirement `abc`: unexpected character 'a' while parsing major version number";
    assert_eq!(errors(&bad_req), [expected]);
}

#[test]
fn catalog_errors() {
    let unknown_plugin = one_step("sentimint/score", "{ text: a }");
    assert_eq!(errors(&unknown_plugin), ["6:11: unknown plugin `sentimint`"]);
    assert_eq!(first_help(&unknown_plugin), "did you mean `sentiment`?");
    let unknown_action = one_step("sentiment/rate", "{ text: a }");
    assert_eq!(errors(&unknown_action), ["6:11: plugin `sentiment` has no action `rate`"]);
    assert_eq!(first_help(&unknown_action), "`sentiment` offers `score`, `batch`, `classify`");
    let too_new = one_step("sentiment/score@1", "{ text: a }");
    assert_eq!(errors(&too_new), ["6:11: no installed version of `sentiment` matches `^1`"]);
    assert_eq!(first_help(&too_new), "installed versions of `sentiment`: 0.2.0");
}

#[test]
fn schema_errors_skip_expressions_and_point_at_values() {
    assert!(try_load(&one_step("sentiment/score", "{ text: \"${{ inputs.text }}\" }")).is_ok());
    assert_eq!(
        errors(&one_step("sentiment/score", "{ text: 1, language: fr, extra: \"${{ inputs.text }}\" }")),
        [
            "7:19: invalid value for `text` of `sentiment/score`: 1 is not of type \"string\"",
            "7:32: invalid value for `language` of `sentiment/score`: \"fr\" is not one of \"en\", \"de\" or \"auto\"",
            "7:36: unknown field `extra` for `sentiment/score`",
        ]
    );
    assert_eq!(
        errors(&one_step("sentiment/score", "{ language: en }")),
        ["7:5: missing field `text` required by `sentiment/score`"]
    );
}

#[test]
fn expression_errors_point_at_the_expression() {
    let with = |text: &str| errors(&one_step("sentiment/score", &format!("{{ text: {text} }}")));
    assert_eq!(with("\"a ${{ inputs.text\""), ["7:22: unterminated expression: `${{` has no closing `}}`"]);
    assert_eq!(with("'${{ }}'"), ["7:20: invalid expression `${{ }}`: empty expression"]);
    assert_eq!(with("'${{ inputs[x] }}'"), ["7:20: invalid expression `${{ inputs[x] }}`: invalid index `[x]`"]);
    assert_eq!(with("'${{ inputs.txt }}'"), ["7:20: unknown input `txt`"]);
    assert_eq!(with("'${{ steps.t.output }}'"), ["7:20: unknown step `t`"]);
    assert_eq!(with("'${{ steps.s.output }}'"), ["7:20: step `s` refers to its own output"]);
    assert_eq!(with("'${{ steps.s }}'")[0], "7:20: step `s` refers to its own output");
    assert_eq!(with("'${{ env.x }}'"), ["7:20: unknown name `env` in expression"]);
    let later = "name: t\nsteps:\n  - id: a\n    uses: sentiment/score\n    with: { text: \"${{ steps.b.output }}\" }\n  \
                 - id: b\n    uses: sentiment/score\n    with:\n      text: ${{ steps.a }}\n";
    assert_eq!(errors(later), ["9:13: `steps.a` must be followed by `.output`"]);
}

#[test]
fn input_declaration_errors() {
    let yaml = "name: t\ninputs:\n  a: { type: strng }\n  b: { type: integer, default: x }\n  c: { default: 3 }\n\
                steps:\n  - id: s\n    uses: sentiment/score\n    with: { text: x }\n";
    assert_eq!(
        errors(yaml),
        [
            "3:14: unknown input type `strng`",
            "4:32: default for input `b` must be an integer, found a string",
            "5:17: default for input `c` must be a string, found a number",
        ]
    );
}

#[test]
fn diagnostics_display_like_a_compiler() {
    let text = try_load("name: x\nsetps: []\n").expect_err("errors").to_string();
    assert_eq!(text, "w.yaml:2:1: error: unknown key `setps`\n  help: did you mean `steps`?");
}
