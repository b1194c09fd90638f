//! The everyday pages in headless Chromium: starting a run from the typed form, the
//! Approvals count following decisions, a rejected step, running a run again, a retried
//! step's attempts and waits, filtering runs, a viewer shown no write controls, and workspace administration; each page
//! audited (axe-core included) and screenshotted.

use reqwest::Method;
use serde_json::json;

use super::super::{OPERATOR, Service, Setup};
use super::webdriver::Browser;
use super::{ONE_AT_A_TIME, audit, run, sign_in};
use crate::support;

const REVIEW: &str = "name: review
description: Asks before posting a text
inputs:
  text: { type: string, description: \"What to post\" }
  count: { type: integer, default: 3, description: \"How many times\" }
  loud: { type: boolean, default: false }
steps:
  - id: review
    approval: { message: \"Post ${{ inputs.text }}?\", preview: \"${{ inputs.text }}\" }
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ inputs.text }}\", token: \"${{ secrets.API_KEY }}\" }
";

/// Its second step fails, which the workflow tolerates.
const TOLERANT: &str = "name: tolerant
steps:
  - id: greet
    uses: echo/echo@1
    with: { text: hello }
  - id: later
    needs: [greet]
    wait_until: \"${{ 'not a time' }}\"
    continue_on_error: true
    uses: echo/echo@1
    with: { text: never }
";

/// Waits until `script` returns true in the page, failing with `what` after 20 s.
async fn wait_true(browser: &Browser, script: &str, what: &str) {
    for _ in 0..200 {
        if browser.script(script, json!([])).await == true {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what} never happened; the page says: {}", browser.page_text().await);
}

/// A script: whether the runs table shows `yes` and not `no`.
fn runs_show(yes: &str, no: &str) -> String {
    format!(
        "const t = document.querySelector('table.runs tbody'); \
         return !!t && t.innerText.includes('{yes}') && !t.innerText.includes('{no}');"
    )
}

/// Whether `css` matches an element on the page now.
async fn present(browser: &Browser, css: &str) -> bool {
    browser.script("return document.querySelector(arguments[0]) !== null", json!([css])).await == true
}

#[tokio::test]
async fn a_run_starts_from_the_typed_form_is_rejected_and_runs_again() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let editor = service.workspace_token("default", "editor").await;
    let browser = Browser::start(1280, 1000).await;
    browser.goto(&format!("{}/", service.url)).await;
    audit(&browser, "sign-in", "").await;
    sign_in(&browser, &service, &editor).await;
    assert_eq!(browser.text("#approval-count").await, "", "nothing waits yet");

    browser.goto(&format!("{}/#/workflows/review", service.url)).await;
    browser.wait_text(".secrets-missing", "API_KEY").await;
    assert!(browser.text("main dl.facts").await.contains("manual only"), "no trigger is claimed");
    let hint = browser.text("#input-text-hint").await;
    assert!(hint.contains("What to post") && hint.contains("required"), "{hint}");
    let count = browser.script("return document.getElementById('input-count').value", json!([])).await;
    assert_eq!(count, "3", "the default is filled in");
    // Submitting without the required text marks the field and says why.
    browser.click("form.input-fields button[type=submit]").await;
    browser.wait_text("#alert", "text is required").await;
    let invalid =
        browser.script("return document.getElementById('input-text').getAttribute('aria-invalid')", json!([])).await;
    assert_eq!(invalid, "true");
    assert_eq!(browser.script("return document.activeElement.id", json!([])).await, "input-text", "focus goes to it");
    audit(&browser, "workflow with typed form", "Not started: text is required").await;
    browser.screenshot("workflow-typed-form").await;
    browser.type_into("#input-text", "Hello from the form").await;
    browser.type_into("#input-count", "5").await;
    browser.click("#input-loud").await;
    browser.click("form.input-fields button[type=submit]").await;
    browser.wait_text(".run-status", "waiting").await;
    let id = browser.script("return location.hash.split('/').pop()", json!([])).await;
    let id = id.as_str().unwrap().to_string();
    let (_, started) =
        service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs/{id}"), None).await;
    assert_eq!(started["inputs"], json!({ "text": "Hello from the form", "count": 5, "loud": true }), "typed values");
    browser.wait_text("#approval-count", "1").await;

    // Rejecting on the run page: the step reads "rejected" and the count empties at once.
    browser.click(".approval button[value=reject]").await;
    browser.wait_text(".run-status", "rejected").await;
    browser.wait_text("li.step[data-step=review] .badge", "rejected").await;
    let empty = "return document.getElementById('approval-count').textContent === ''";
    wait_true(&browser, empty, "the count emptying after the decision").await;
    assert!(
        browser.text("#h-outputs + *").await.contains("None: the run ended rejected"),
        "no \"None yet\" on an ended run"
    );
    audit(&browser, "rejected run", "").await;
    browser.screenshot("run-rejected").await;

    browser.click("main .actions button.primary").await;
    browser.wait_text("#status", "Started again as run").await;
    browser.wait_text(".run-status", "waiting").await;
    let again = browser.script("return location.hash.split('/').pop()", json!([])).await;
    assert_ne!(again.as_str().unwrap(), id, "a new run");
    let (_, rerun) = service
        .call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs/{}", again.as_str().unwrap()), None)
        .await;
    assert_eq!(rerun["inputs"], started["inputs"], "the same inputs");
    // A run waiting elsewhere is counted without reloading the page.
    browser.wait_text("#approval-count", "1").await;
    run(&service, "review", json!({ "text": "from the API" }), &["waiting"]).await;
    browser.wait_text("#approval-count", "2").await;

    // Retrying the rejected run asks the approval again, in a run that says what it retries.
    browser.goto(&format!("{}/#/runs/{id}", service.url)).await;
    browser.click("main .actions button.retry").await;
    browser.wait_text("#status", "Retried as run").await;
    browser.wait_text(".run-status", "waiting").await;
    let retried = browser.script("return location.hash.split('/').pop()", json!([])).await;
    assert_ne!(retried.as_str().unwrap(), id, "a new run");
    let link = browser
        .script("return document.querySelector('dl.facts a[href^=\"#/runs/\"]').getAttribute('href')", json!([]))
        .await;
    assert_eq!(link, format!("#/runs/{id}"), "the retry links to the run it retries");
    audit(&browser, "retried run", "").await;
    browser.screenshot("run-retry").await;
    browser.quit().await;
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_viewer_sees_no_write_controls_and_runs_filter_by_workflow_and_text() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    service.put_workflow("default", TOLERANT).await;
    let waiting = run(&service, "review", json!({ "text": "Hi" }), &["waiting"]).await;
    let partial = run(&service, "tolerant", json!({}), &["succeeded"]).await;
    let viewer = service.workspace_token("default", "viewer").await;
    let browser = Browser::start(1280, 1000).await;
    sign_in(&browser, &service, &viewer).await;

    let list = browser.wait_text("table.runs tbody", "succeeded with 1 failed step").await;
    assert!(list.contains("waiting"), "{list}");
    browser.click("select[name=workflow] option[value=tolerant]").await;
    wait_true(&browser, &runs_show("tolerant", "review"), "filtering by workflow").await;
    assert!(browser.script("return location.hash", json!([])).await.as_str().unwrap().contains("workflow=tolerant"));
    browser.click("form.filters button.quiet").await;
    browser.type_into("input[name=q]", &waiting[waiting.len() - 8..]).await;
    browser.click("form.filters button[type=submit]").await;
    wait_true(&browser, &runs_show("review", "tolerant"), "searching by run id").await;
    audit(&browser, "runs filtered", "").await;
    browser.screenshot("runs-filtered").await;

    browser.goto(&format!("{}/#/runs/{partial}", service.url)).await;
    browser.wait_text(".run-status", "succeeded with 1 failed step").await;
    assert!(!present(&browser, "main .actions").await, "no cancel, run again or delete for a viewer");
    audit(&browser, "run with a tolerated failure", "").await;
    browser.screenshot("run-partial").await;

    browser.goto(&format!("{}/#/workflows", service.url)).await;
    let table = browser.wait_text("table.workflows", "manual only").await;
    assert!(table.contains("succeeded with 1 failed step") && table.contains("waiting"), "last results: {table}");
    assert!(!present(&browser, "a[href='#/workflows/new']").await, "no New workflow for a viewer");
    audit(&browser, "workflows", "").await;
    browser.screenshot("workflows-list").await;
    browser.goto(&format!("{}/#/workflows/review", service.url)).await;
    browser.find("pre.yaml").await;
    for css in ["main .page-head button", "form.input-fields", "form.editor"] {
        assert!(!present(&browser, css).await, "a viewer sees no {css}");
    }
    browser.goto(&format!("{}/#/approvals", service.url)).await;
    browser.wait_text(".approval", "Your role cannot decide approvals.").await;
    assert!(!present(&browser, ".approval button").await, "no Approve or Reject for a viewer");
    audit(&browser, "approvals as a viewer", "").await;
    browser.goto(&format!("{}/#/settings", service.url)).await;
    browser.find("#h-variables + div").await;
    assert!(!present(&browser, "#h-secrets + div form").await && !present(&browser, "#h-variables + div form").await);
    let hidden = browser.script("return document.querySelector('[data-operator]').hidden", json!([])).await;
    assert_eq!(hidden, true, "no Workspaces link for a viewer");
    browser.goto(&format!("{}/#/workspaces", service.url)).await;
    browser.wait_text("main", "Only the operator").await;
    browser.quit().await;
    service.running.shutdown().await;
}

#[tokio::test]
async fn the_operator_creates_and_deletes_a_workspace_after_typing_its_id() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    let browser = Browser::start(1280, 1000).await;
    sign_in(&browser, &service, OPERATOR).await;
    browser.click("a[href='#/workspaces']").await;
    browser.wait_text("main h1", "Workspaces").await;
    browser.type_into("#h-create-a-workspace + form input[pattern]", "acme").await;
    browser.type_into("#new-concurrent_runs", "4").await;
    browser.click("#h-create-a-workspace + form button[type=submit]").await;
    browser.wait_text("#status", "Workspace acme created.").await;
    let (_, acme) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/acme", None).await;
    assert_eq!(acme["quotas"], json!({ "concurrent_runs": 4 }), "{acme}");
    browser.wait_text("#workspace", "acme").await;
    audit(&browser, "workspaces", "").await;
    browser.screenshot("workspaces-admin").await;

    let remove = "article.workspace[aria-labelledby=ws-acme] .danger-zone button";
    let disabled = format!("return document.querySelector(\"{remove}\").disabled");
    browser.type_into("article.workspace[aria-labelledby=ws-acme] input[name=confirm]", "acm").await;
    assert_eq!(browser.script(&disabled, json!([])).await, true, "not until the id is typed in full");
    browser.type_into("article.workspace[aria-labelledby=ws-acme] input[name=confirm]", "acme").await;
    assert_eq!(browser.script(&disabled, json!([])).await, false);
    browser.click(remove).await;
    browser.wait_text("#status", "Workspace acme deleted with its 0 runs.").await;
    assert_eq!(service.call(OPERATOR, Method::GET, "/api/v1/workspaces/acme", None).await.0, 404);
    let picker = browser.text("#workspace").await;
    assert!(!picker.contains("acme"), "the picker forgets it: {picker}");
    browser.quit().await;
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_retried_step_shows_each_attempt_and_the_waits_between_them() {
    let _one = ONE_AT_A_TIME.lock().await;
    let flaky =
        |runtime: &roost::runtime::Runtime| vec![support::load_flaky(runtime, &["http://loopback.test".into()])];
    let service = Service::launch(Setup::default(), flaky).await;
    let flow = "name: retried\nsteps:\n  - id: flaky\n    uses: flaky/fail-times@1\n    with: { times: 2, kind: retryable }\n    retry: { max_attempts: 3, backoff: fixed, initial_delay: 1s }\n";
    service.put_workflow("default", flow).await;
    let id = run(&service, "retried", json!({}), &["succeeded"]).await;
    let browser = Browser::start(1280, 900).await;
    sign_in(&browser, &service, OPERATOR).await;
    browser.goto(&format!("{}/#/runs/{id}", service.url)).await;
    let label = browser.wait_text("li.step[data-step=flaky] .step-took", "3 attempts over").await;
    assert!(label.contains("running") && label.contains("waiting"), "{label}");
    let bars = browser
        .script("return document.querySelectorAll('li.step[data-step=flaky] .bar.attempt').length", json!([]))
        .await;
    assert_eq!(bars, 3, "one bar per attempt");
    let widths = "return [...document.querySelectorAll('li.step[data-step=flaky] .bar.attempt')].map((b) => parseFloat(b.style.width))";
    let widths = browser.script(widths, json!([])).await;
    let total: f64 = widths.as_array().unwrap().iter().map(|w| w.as_f64().unwrap()).sum();
    assert!(total < 60.0, "the attempts cover less than the 2 s of waits between them: {widths}");
    audit(&browser, "run with a retried step", "").await;
    browser.screenshot("run-retried").await;
    browser.quit().await;
    service.running.shutdown().await;
}
