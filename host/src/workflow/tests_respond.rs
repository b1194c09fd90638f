//! Unit tests of `respond` steps: what loads, what load time refuses with a position, and
//! what rendering gives or refuses.

use serde_json::{Map, Value, json};

use super::testing::TestCatalog;
use super::tests::views;
use super::*;

fn try_load(yaml: &str) -> Result<Plan, Diagnostics> {
    load("w.yaml", yaml, &TestCatalog::standard())
}

fn errors(yaml: &str) -> Vec<String> {
    let diags = try_load(yaml).expect_err("expected errors");
    diags.items.iter().map(|d| format!("{}:{}: {}", d.line, d.column, d.message)).collect()
}

/// A workflow whose step `answer` responds with `respond`, after a step `score`.
fn with_respond(respond: &str) -> String {
    format!(
        "name: w\nsteps:\n  - id: score\n    uses: echo/echo@1\n    with: {{ n: 1 }}\n  - id: answer\n    respond: {respond}\n"
    )
}

fn respond_of(plan: &Plan) -> &Respond {
    match &plan.step("answer").expect("answer").kind {
        StepKind::Respond(r) => r,
        other => panic!("not a respond step: {other:?}"),
    }
}

/// Renders the `answer` step of `respond` with `score`'s output `output`.
fn render(respond: &str, output: Value) -> Result<Value, String> {
    let plan = try_load(&with_respond(respond)).unwrap_or_else(|d| panic!("expected a valid workflow:\n{d}"));
    let inputs = Map::new();
    let steps = views(&[("score", output)]);
    respond_of(&plan).render(&Scope::new(&inputs, &steps))
}

#[test]
fn a_respond_step_loads_with_its_needs_and_a_plan_that_responds() {
    let yaml = with_respond("{ status: 201, headers: { X-Score: \"${{ steps.score.output.n }}\" }, body: hi }");
    let plan = try_load(&yaml).unwrap();
    assert!(plan.responds());
    let answer = plan.step("answer").unwrap();
    assert_eq!(answer.needs, vec!["score".to_string()]);
    assert_eq!(answer.retry, RetryPolicy::default());
    let respond = respond_of(&plan);
    assert_eq!(respond.status.as_literal(), Some(&json!(201)));
    assert_eq!(respond.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["x-score"]);
    assert!(!try_load(&with_respond("{}").replace("  - id: answer\n    respond: {}\n", "")).unwrap().responds());
}

#[test]
fn an_empty_respond_answers_200_without_a_body() {
    assert_eq!(render("", json!(null)).unwrap(), json!({ "status": 200, "headers": {}, "body": null }));
}

#[test]
fn bodies_choose_their_content_type_unless_the_workflow_sets_one() {
    let text = render(
        "{ status: \"${{ steps.score.output.code }}\", body: \"n=${{ steps.score.output.n }}\" }",
        json!({ "code": "202", "n": 3 }),
    );
    assert_eq!(text.unwrap(), json!({ "status": 202, "headers": { "content-type": TEXT_TYPE }, "body": "n=3" }));
    let object = render("{ body: \"${{ steps.score.output }}\" }", json!({ "n": 3 }));
    assert_eq!(object.unwrap(), json!({ "status": 200, "headers": { "content-type": JSON_TYPE }, "body": { "n": 3 } }));
    let csv = render("{ headers: { Content-Type: text/csv }, body: \"a,b\" }", json!(null)).unwrap();
    assert_eq!(csv["headers"], json!({ "content-type": "text/csv" }));
}

#[test]
fn load_time_refuses_what_is_known_to_be_wrong_with_its_position() {
    assert_eq!(
        errors(&with_respond("{ status: 99 }")),
        ["7:24: `respond.status` must be an HTTP status from 200 to 599, found 99"]
    );
    assert_eq!(
        errors(&with_respond("{ status: 700 }"))[0],
        "7:24: `respond.status` must be an HTTP status from 200 to 599, found 700"
    );
    assert_eq!(
        errors(&with_respond("{ status: soon }"))[0],
        "7:24: `respond.status` must be an HTTP status from 200 to 599, found `soon`"
    );
    let headers = errors(&with_respond(
        "{ headers: { Set-Cookie: a, \"x y\": b, content-length: 1, x-roost-run-id: r, x-a: 1, X-A: 2 } }",
    ));
    assert_eq!(
        headers,
        [
            "7:27: header `set-cookie` is set by Roost itself and cannot be set by a workflow",
            "7:42: `x y` is not a header name: use 1 to 64 letters, digits and `-`",
            "7:52: header `content-length` is set by Roost itself and cannot be set by a workflow",
            "7:71: header `x-roost-run-id` is set by Roost itself and cannot be set by a workflow",
            "7:98: header `x-a` is set twice (header names ignore case)",
        ]
    );
    let injected = errors(&with_respond("{ headers: { x-a: \"ok\\r\\nSet-Cookie: s=1\" } }"));
    assert_eq!(injected.len(), 1, "{injected:?}");
    assert!(injected[0].starts_with("7:32: `respond.headers.x-a` holds a control character"), "{injected:?}");
    assert_eq!(
        errors(&with_respond("{ status: 204, body: hi }")),
        ["7:35: `respond.body` must be empty with status 204, which carries no body"]
    );
    assert_eq!(
        errors(&with_respond("{ headers: [a] }"))[0],
        "7:25: `respond.headers` must be a mapping of header names to values, found a list"
    );
    assert_eq!(errors(&with_respond("{ body: \"${{ secrets.KEY }}\" }")).len(), 1);
    assert_eq!(errors(&with_respond("{ statsu: 201 }"))[0], "7:16: unknown key `statsu`");
    let many: Vec<String> = (0..=MAX_RESPOND_HEADERS).map(|i| format!("x-{i}: v")).collect();
    let many = errors(&with_respond(&format!("{{ headers: {{ {} }} }}", many.join(", "))));
    assert_eq!(many, ["7:16: `respond.headers` sets 21 headers, more than the limit of 20"]);
}

#[test]
fn respond_steps_take_no_action_keys() {
    let yaml = with_respond("{ status: 201 }") + "    timeout: 5s\n";
    assert_eq!(errors(&yaml), ["8:5: `timeout` only applies to steps with `uses`, not to `respond` steps"]);
    let both = with_respond("{ status: 201 }") + "    wait: 5s\n";
    assert_eq!(errors(&both), ["8:5: `wait` cannot be combined with `respond`"]);
}

#[test]
fn rendering_refuses_hostile_values_naming_the_field() {
    let status = |code: Value| render("{ status: \"${{ steps.score.output }}\" }", code).unwrap_err();
    assert_eq!(status(json!(99)), "`respond.status` must be an HTTP status from 200 to 599, found 99");
    assert_eq!(status(json!("7000")), "`respond.status` must be an HTTP status from 200 to 599, found `7000`");
    assert_eq!(status(json!(201.5)), "`respond.status` must be an HTTP status from 200 to 599, found 201.5");
    let header = |value: Value| render("{ headers: { x-id: \"${{ steps.score.output }}\" } }", value);
    assert!(
        header(json!("a\r\nset-cookie: s=1"))
            .unwrap_err()
            .starts_with("`respond.headers.x-id` holds a control character")
    );
    assert!(header(json!("a\u{0}b")).unwrap_err().contains("control character"));
    assert_eq!(
        header(json!({ "a": 1 })).unwrap_err(),
        "`respond.headers.x-id` must be a string, number or boolean, found an object"
    );
    assert_eq!(
        header(json!("x".repeat(MAX_HEADER_VALUE + 1))).unwrap_err(),
        "`respond.headers.x-id` is longer than 4 KiB"
    );
    assert_eq!(header(json!(7)).unwrap()["headers"], json!({ "x-id": "7" }));
    let body = |value: Value| render("{ body: \"${{ steps.score.output }}\" }", value);
    assert_eq!(body(json!("x".repeat(MAX_RESPOND_BODY + 1))).unwrap_err(), "`respond.body` is larger than 1 MiB");
    assert_eq!(body(json!(["x".repeat(MAX_RESPOND_BODY)])).unwrap_err(), "`respond.body` is larger than 1 MiB");
    assert!(body(json!("x".repeat(MAX_RESPOND_BODY))).is_ok());
    let missing = render("{ body: \"${{ steps.score.output.nope }}\" }", json!({ "n": 1 })).unwrap_err();
    assert!(
        missing.starts_with("`respond.body` could not be evaluated: expression `${{ steps.score.output.nope }}`"),
        "{missing}"
    );
}
