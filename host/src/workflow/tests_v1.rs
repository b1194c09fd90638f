//! Unit tests of the version-1 additions: triggers, defaults, approvals, waits, the DAG,
//! contexts and operators; and the golden files checked against the test catalog.

use std::path::Path;
use std::time::Duration;

use serde_json::{Map, json};

use super::testing::{TestCatalog, golden_output};
use super::tests::{views, with_of};
use super::*;

fn try_load(yaml: &str) -> Result<Plan, Diagnostics> {
    load("w.yaml", yaml, &TestCatalog::standard())
}

fn plan(yaml: &str) -> Plan {
    try_load(yaml).unwrap_or_else(|d| panic!("expected a valid workflow:\n{d}"))
}

fn errors(yaml: &str) -> Vec<String> {
    let diags = try_load(yaml).expect_err("expected errors");
    diags.items.iter().map(|d| format!("{}:{}: {}", d.line, d.column, d.message)).collect()
}

const FULL: &str = "\
name: caption-review
on:
  schedule:
    - cron: \"0 9 * * MON-FRI\"
      timezone: Europe/Berlin
      catch_up: all
    - cron: \"*/30 * * * * *\"
  webhook: { secret: HOOK_KEY }
  manual: false
inputs:
  topic: { type: string }
concurrency: { limit: 2, on_busy: cancel_running }
defaults:
  timeout: 30s
  retry: { max_attempts: 3, backoff: fixed, jitter: true }
steps:
  - id: publish
    needs: [review]
    if: ${{ steps.review.output.approved && steps.drafts.status == 'succeeded' }}
    wait_until: ${{ steps.drafts.output.at }}
    uses: echo/echo@1
    with: { token: \"${{ secrets.TOKEN }}\", text: \"${{ steps.drafts.output.captions[0].text }}\" }
    timeout: 20s
    retry: { max_attempts: 6, initial_delay: 2s }
  - id: drafts
    uses: echo/echo
    for_each: ${{ inputs.topic }}
    concurrency: 8
    with: { text: \"${{ item }} #${{ index }}\", when: \"${{ now() }}\" }
    continue_on_error: true
  - id: review
    approval:
      message: \"Publish '${{ steps.drafts.output[0].text }}'?\"
      preview: ${{ steps.drafts.output }}
      approvers: [approver, editor]
      timeout: 48h
      on_timeout: approve
  - id: pause
    wait: 1h30m
on_failure:
  - id: alert
    uses: echo/echo
    with: { text: \"run ${{ run.id }} failed at ${{ failure.step }}: ${{ failure.error }}\" }
  - id: log
    uses: echo/echo
    with: { prior: \"${{ steps.alert.output }} ${{ steps.publish.status }}\" }
outputs:
  url: ${{ steps.publish.output.url }}
";

#[test]
fn loads_the_whole_format() {
    let plan = plan(FULL);
    assert_eq!(plan.triggers.schedules.len(), 2);
    let first = &plan.triggers.schedules[0];
    assert_eq!((first.timezone, first.catch_up), (chrono_tz::Europe::Berlin, CatchUp::All));
    assert_eq!(plan.triggers.schedules[1].catch_up, CatchUp::Last);
    assert_eq!(
        plan.triggers.webhook,
        Some(WebhookTrigger { secret: "HOOK_KEY".into(), wait: None, verify_token: None })
    );
    assert!(!plan.triggers.manual);
    assert_eq!(plan.concurrency, Concurrency { limit: Some(2), on_busy: OnBusy::CancelRunning });
    let publish = plan.step("publish").expect("publish");
    assert_eq!(publish.needs, ["drafts", "review"]);
    assert_eq!(publish.timeout, Some(Duration::from_secs(20)));
    let retry = publish.retry;
    assert_eq!((retry.max_attempts, retry.backoff, retry.jitter), (6, Backoff::Fixed, true));
    assert_eq!(retry.initial_delay, Duration::from_secs(2));
    let drafts = plan.step("drafts").expect("drafts");
    assert_eq!((drafts.concurrency, drafts.continue_on_error), (8, true));
    assert_eq!(drafts.timeout, Some(Duration::from_secs(30)));
    assert_eq!(drafts.retry.max_attempts, 3);
    let StepKind::Approval(review) = &plan.step("review").expect("review").kind else { panic!("approval") };
    assert_eq!((review.timeout, review.on_timeout), (Some(Duration::from_secs(172_800)), OnTimeout::Approve));
    assert_eq!(review.approvers, ["approver", "editor"]);
    let pause = plan.step("pause").expect("pause");
    assert_eq!(
        (pause.kind.clone(), pause.retry.max_attempts, pause.timeout),
        (StepKind::Wait(Duration::from_secs(5400)), 1, None)
    );
    assert_eq!(plan.on_failure[1].needs, ["alert"]);
    let order: Vec<&str> = plan.topological_order().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(order, ["drafts", "review", "publish", "pause"]);
}

#[test]
fn contexts_render() {
    let plan = plan(FULL);
    let inputs = Map::new();
    let steps = views(&[("drafts", json!({ "captions": [{ "text": "hi" }] }))]);
    let item = json!("cats");
    let run = json!({ "id": "r1" });
    let failure = json!({ "step": "publish", "error": "boom" });
    let mut scope =
        Scope { item: Some(&item), index: Some(2), run: &run, failure: Some(&failure), ..Scope::new(&inputs, &steps) };
    scope.now = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").map(|t| t.to_utc()).expect("time");
    let drafts = with_of(plan.step("drafts").expect("drafts")).render(&scope).expect("renders");
    assert_eq!(drafts, json!({ "text": "cats #2", "when": "2030-01-01T00:00:00Z" }));
    let alert = with_of(&plan.on_failure[0]).render(&scope).expect("renders");
    assert_eq!(alert, json!({ "text": "run r1 failed at publish: boom" }));
    let publish = with_of(plan.step("publish").expect("publish")).render(&scope).expect("renders");
    assert_eq!(publish["token"], json!("{{secret:TOKEN}}"));
    let steps = views(&[("review", json!({ "approved": true })), ("drafts", json!({}))]);
    let condition = plan.step("publish").and_then(|s| s.condition.as_ref()).expect("if");
    assert_eq!(condition.render(&Scope::new(&inputs, &steps)), Ok(json!(true)));
    assert!(truthy(&json!([0])) && !truthy(&json!("")) && !truthy(&json!(0)) && !truthy(&json!({})));
}

const STEP: &str = "  - id: a\n    uses: echo/echo\n";

fn with_step(extra: &str) -> String {
    format!("name: t\nsteps:\n{STEP}{extra}")
}

#[test]
fn cycles_are_named() {
    let yaml = "name: t\nsteps:\n  - id: a\n    uses: echo/echo\n    needs: [c]\n  - id: b\n    uses: echo/echo\n    \
                with: { x: \"${{ steps.a.output }}\" }\n  - id: c\n    uses: echo/echo\n    if: ${{ steps.b.status == 'x' }}\n";
    assert_eq!(errors(yaml), ["3:9: dependency cycle: a -> c -> b -> a"]);
}

#[test]
fn step_shape_errors() {
    assert_eq!(
        errors(&with_step("    approval: { message: hi }\n    wait: 1h\n")),
        ["5:5: `approval` cannot be combined with `uses`", "6:5: `wait` cannot be combined with `uses`"]
    );
    assert_eq!(errors(&with_step("    concurrency: 3\n")), ["5:5: `concurrency` only applies with `for_each`"]);
    assert_eq!(
        errors(&with_step("    for_each: 3\n")),
        ["5:15: `for_each` must be a list or a `${{ }}` expression, found a number"]
    );
    assert_eq!(
        errors(&with_step("    if: yes\n")),
        ["5:9: `if` must be `true`, `false` or a `${{ }}` expression, found a string"]
    );
    assert_eq!(errors(&with_step("    timeout: 0s\n")), ["5:14: `timeout` must be longer than zero"]);
    assert_eq!(errors(&with_step("    wait_until: tomorrow\n")).len(), 1);
    let wait = "name: t\nsteps:\n  - id: w\n    wait: 1h\n    retry: { max_attempts: 2 }\n";
    assert_eq!(errors(wait), ["5:5: `retry` only applies to steps with `uses`, not to `wait` steps"]);
}

#[test]
fn contexts_are_checked() {
    let with = |text: &str| errors(&with_step(&format!("    with: {{ x: \"{text}\" }}\n")));
    assert_eq!(with("${{ item }}"), ["5:17: `item` is only available in a `for_each` step"]);
    assert_eq!(with("${{ failure.error }}"), ["5:17: `failure` is only available in `on_failure` steps"]);
    assert_eq!(with("${{ lenght(vars.x) }}"), ["5:17: unknown function `lenght`"]);
    assert_eq!(with("${{ join() }}"), ["5:17: `join` takes 1 to 2 argument(s), found 0"]);
    assert_eq!(with("${{ run.owner }}"), ["5:17: `run` has no field `owner`"]);
    assert_eq!(with("${{ format_time(now(), '%Q') }}"), ["5:17: invalid time format `%Q`"]);
    assert!(
        try_load(&with_step("    with: { x: \"${{ vars.a && !(trigger.body.n >= 2) || default(null, 'x') }}\" }\n"))
            .is_ok()
    );
}

/// The golden files, against the test catalog (the integration test uses the real registry).
#[test]
fn golden_files_match_with_the_test_catalog() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("tests/ui").flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let source = std::fs::read_to_string(path).expect("readable");
        let actual = golden_output(&format!("tests/ui/{name}"), &source, &TestCatalog::standard());
        let err_path = path.with_extension("err");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&err_path, &actual).expect("writable");
        } else if std::fs::read_to_string(&err_path).unwrap_or_default() != actual {
            failures.push(format!("--- {}\n{actual}", err_path.display()));
        }
    }
    assert!(failures.is_empty(), "golden mismatch (rerun with BLESS=1 to accept):\n{}", failures.join("\n"));
}
