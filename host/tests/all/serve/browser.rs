//! The web UI in headless Chromium (driven over WebDriver by `chromedriver`): signing in,
//! the runs list, approving a post from the inbox, deleting a run and setting the retention
//! as an owner, and a screenshot of every page, on a desktop and (the inbox) on a phone;
//! every page audited (names, landmarks, and axe-core's serious and critical rules).
//! Without chromedriver these tests fail, saying what to install.

pub(crate) mod axe;
mod calendargrid;
mod client;
mod everyday;
mod publishing;
mod report;
pub(crate) mod webdriver;

use reqwest::Method;
use serde_json::{Value, json};

use self::webdriver::Browser;
use super::calendar::{SCHEDULED, service_with_poster, start_waiting};
use super::{OPERATOR, Service};

/// One browser at a time: the machine's cores are few and Chromium is heavy.
pub(crate) static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const HELLO: &str = "name: hello
steps:
  - id: greet
    uses: echo/echo@1
    with: { text: hello }
";

const REVIEW: &str = "name: post-review
inputs:
  text: { type: string }
steps:
  - id: review
    approval:
      message: \"Post this to Mastodon?\"
      preview: \"${{ inputs.text }}\"
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ inputs.text }}\" }
";

/// A step that fails: its `wait_until` is not a time.
const BROKEN: &str = "name: broken
inputs:
  when: { type: string }
steps:
  - id: greet
    uses: echo/echo@1
    with: { text: hello }
  - id: later
    needs: [greet]
    wait_until: ${{ inputs.when }}
    uses: echo/echo@1
    with: { text: never }
";

/// Starts `workflow` in `default` and waits until its status is one of `statuses`.
pub(crate) async fn run(service: &Service, workflow: &str, inputs: Value, statuses: &[&str]) -> String {
    let path = format!("/api/v1/workspaces/default/workflows/{workflow}/runs");
    let (status, started) = service.call(OPERATOR, Method::POST, &path, Some(json!({ "inputs": inputs }))).await;
    assert_eq!(status, 202, "{started}");
    let id = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("default", &id, statuses).await;
    id
}

/// Signs in on the page with `token` and waits for the runs list.
pub(crate) async fn sign_in(browser: &Browser, service: &Service, token: &str) {
    browser.goto(&format!("{}/", service.url)).await;
    browser.type_into("input[name=token]", token).await;
    browser.click("form.signin-token button[type=submit]").await;
    browser.wait_text("main h1", "Runs").await;
}

#[tokio::test]
async fn signing_in_with_a_token_shows_the_runs_list() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    service.put_workflow("default", HELLO).await;
    run(&service, "hello", json!({}), &["succeeded"]).await;
    let viewer = service.workspace_token("default", "viewer").await;
    let browser = Browser::start(1280, 900).await;

    browser.goto(&format!("{}/", service.url)).await;
    browser.type_into("input[name=token]", "roost_not-a-token").await;
    browser.click("form.signin-token button[type=submit]").await;
    browser.wait_text("#alert", "Sign-in failed: the token is not valid").await;

    // By keyboard: Enter submits the token; Tab reaches the skip link, with a visible focus ring.
    browser.type_into("input[name=token]", &format!("{viewer}\u{E007}")).await;
    browser.wait_text("main h1", "Runs").await;
    let table = browser.wait_text("table.runs tbody", "hello").await;
    assert!(table.contains("succeeded"), "{table}");
    let took = browser.script("return document.querySelector('table.runs td[data-label=Took]').textContent", json!([]));
    let took = took.await.as_str().unwrap_or_default().to_string();
    assert!(took.ends_with(" ms") || took.ends_with(" s"), "a duration computed from RFC 3339 times: {took:?}");
    let kept = browser.script("return [sessionStorage.getItem('roost.token'), localStorage.length]", json!([])).await;
    assert_eq!(kept, json!([viewer, 0]), "the token is kept for this tab only");
    assert_eq!(browser.script("return document.getElementById('workspace').value", json!([])).await, "default");
    // A reload keeps the sign-in; from the top of the page, Tab reaches the skip link first.
    browser.refresh().await;
    browser.wait_text("table.runs tbody", "hello").await;
    browser.press("\u{E004}").await;
    let focused = "const e = document.activeElement; return [e.className, getComputedStyle(e).outlineStyle];";
    assert_eq!(browser.script(focused, json!([])).await, json!(["skip", "solid"]));
    browser.press("\u{E007}").await;
    assert_eq!(browser.script("return document.activeElement.id", json!([])).await, "main");
    browser.click("#signout").await;
    browser.find("input[name=token]").await;
    assert_eq!(browser.script("return sessionStorage.length", json!([])).await, 0);
    browser.quit().await;
    service.running.shutdown().await;
}

#[tokio::test]
async fn approving_a_post_from_the_inbox_finishes_its_run() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let text = "Hello from Roost 🚀";
    let id = run(&service, "post-review", json!({ "text": text }), &["waiting"]).await;
    let approver = service.workspace_token("default", "approver").await;
    let browser = Browser::start(1280, 900).await;
    sign_in(&browser, &service, &approver).await;

    browser.wait_text("#approval-count", "1").await;
    browser.click("a[href='#/approvals']").await;
    assert_eq!(browser.text(".approval .post-text").await, text);
    assert_eq!(browser.text(".approval .post-count").await, "18 characters", "the rocket is one character");
    browser.type_into(".approval textarea[name=comment]", "Looks good").await;
    browser.click(".approval button[value=approve]").await;
    browser.wait_text("#status", "Approved: post-review › review.").await;
    browser.wait_text("main .empty", "Nothing is waiting for approval.").await;

    browser.goto(&format!("{}/#/runs/{id}", service.url)).await;
    browser.wait_text(".run-status", "succeeded").await;
    browser.wait_text(".timeline", "post").await;
    let (_, done) = service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs/{id}"), None).await;
    assert!(done["approvals"][0]["decided_by"].as_str().unwrap().starts_with("approver:"), "{done}");
    assert_eq!(done["approvals"][0]["comment"], "Looks good");
    browser.quit().await;
    service.running.shutdown().await;
}

/// Controls without a label or accessible name, and whether the page scrolls sideways.
const AUDIT: &str = "
  const unnamed = [...document.querySelectorAll('input, select, textarea, button, a[href]')].filter((e) => {
    if (e.closest('[hidden]') || e.type === 'hidden') return false;
    if (e.tagName === 'BUTTON' || e.tagName === 'A') return !(e.textContent.trim() || e.getAttribute('aria-label'));
    return !(e.labels && e.labels.length) && !e.getAttribute('aria-label');
  }).map((e) => e.outerHTML.slice(0, 160));
  const landmarks = ['header', 'nav', 'main'].filter((t) => !document.querySelector(t));
  return { unnamed, landmarks, overflow: document.documentElement.scrollWidth > window.innerWidth,
    alert: document.getElementById('alert').textContent };
";

/// Checks the page shown for unnamed controls, missing landmarks, sideways scrolling, and
/// that the error shown (if any) is `alert`.
pub(crate) async fn audit(browser: &Browser, page: &str, alert: &str) {
    let found = browser.script(AUDIT, json!([])).await;
    assert_eq!(found["unnamed"], json!([]), "{page}: controls without a name");
    assert_eq!(found["landmarks"], json!([]), "{page}: missing landmarks");
    assert_eq!(found["alert"], alert, "{page}: the error shown");
    assert_eq!(found["overflow"], false, "{page}: the page scrolls sideways");
    axe::audit(browser, page).await;
}

#[tokio::test]
async fn every_page_renders_and_is_screenshotted() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = service_with_poster().await;
    for workflow in [HELLO, REVIEW, BROKEN, SCHEDULED] {
        service.put_workflow("default", workflow).await;
    }
    let text =
        "New on the blog: how we cut our build times in half, and what we learned about caching along the way. 🧵";
    let approved = run(&service, "post-review", json!({ "text": text }), &["waiting"]).await;
    let decide = format!("/api/v1/workspaces/default/runs/{approved}/approvals/review/approve");
    service.call(OPERATOR, Method::POST, &decide, Some(json!({ "comment": "ship it" }))).await;
    service.wait_status("default", &approved, &["succeeded"]).await;
    run(&service, "post-review", json!({ "text": text }), &["waiting"]).await;
    run(&service, "hello", json!({}), &["succeeded"]).await;
    run(&service, "broken", json!({ "when": "next tuesday" }), &["failed"]).await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(20)).to_rfc3339();
    start_waiting(&service, "scheduled-post", json!({ "text": "Our spring sale starts now!", "at": at })).await;
    service.workspace_token("default", "approver").await;
    let secret = json!({ "value": "s3cret", "hosts": ["https://mastodon.social"] });
    service.call(OPERATOR, Method::PUT, "/api/v1/workspaces/default/secrets/MASTODON_TOKEN", Some(secret)).await;
    let variable = json!({ "value": "Roost" });
    service.call(OPERATOR, Method::PUT, "/api/v1/workspaces/default/variables/brand", Some(variable)).await;

    let browser = Browser::start(1280, 1000).await;
    sign_in(&browser, &service, OPERATOR).await;
    let pages = [
        ("runs", "#/runs".to_string(), "table.runs", "Runs"),
        ("run", format!("#/runs/{approved}"), ".timeline", "post-review"),
        ("approvals", "#/approvals".into(), ".approval", "Approvals"),
        ("calendar", "#/calendar".into(), ".entry", "Calendar"),
        ("workflows", "#/workflows".into(), "table", "Workflows"),
        ("workflow", "#/workflows/scheduled-post".into(), "pre.yaml", "scheduled-post"),
        ("plugins", "#/plugins".into(), ".plugin", "Plugins"),
        ("settings", "#/settings".into(), "#h-variables + div table", "Settings"),
        ("audit", "#/audit".into(), "table.audit .actor-operator", "Audit log"),
        ("new-workflow", "#/workflows/new".into(), "form.editor", "New workflow"),
        ("workspaces", "#/workspaces".into(), "article.workspace", "Workspaces"),
    ];
    for (name, hash, ready, heading) in &pages {
        browser.goto(&format!("{}/{hash}", service.url)).await;
        browser.find(ready).await;
        assert_eq!(browser.text("main h1").await, *heading, "{name}");
        audit(&browser, name, "").await;
        match *name {
            "calendar" => assert!(browser.text(".entry .post-text").await.contains("Our spring sale starts now!")),
            "workflow" => {
                browser.click("main .page-head button").await;
                let invalid = "name: bad\nsteps:\n  - id: a\n    uses: sentiment/scor@0.2\n";
                browser.type_into("main textarea.code", invalid).await;
                browser.click("form.editor button[type=button]").await;
                let problems = browser.wait_text(".diagnostics", "4:11").await;
                assert!(problems.contains("1 problem"), "{problems}");
                audit(&browser, "workflow editor", "The workflow has 1 problem.").await;
                browser.screenshot("workflow-editor").await;
                browser.click("form.editor button.quiet").await;
                browser.find(ready).await;
            }
            "settings" => {
                assert!(browser.text("#h-secrets + div").await.contains("MASTODON_TOKEN"));
                assert!(!browser.page_text().await.contains("s3cret"), "a secret's value is never shown");
                browser.type_into("#h-tokens + div input[type=text]", "ci-bot").await;
                browser.click("#h-tokens + div button[type=submit]").await;
                browser.find(".new-token input").await;
                let shown = browser.script("return document.querySelector('.new-token input').value", json!([])).await;
                assert!(shown.as_str().is_some_and(|t| t.starts_with("roost_") && t.len() == 70), "{shown}");
                assert!(browser.text("#h-tokens + div table").await.contains("ci-bot"));
            }
            _ => {}
        }
        browser.screenshot(name).await;
    }

    browser.resize(390, 844).await;
    browser.goto(&format!("{}/#/approvals", service.url)).await;
    browser.find(".approval .post-text").await;
    audit(&browser, "approvals on a phone", "").await;
    let width = browser.script("return window.innerWidth", json!([])).await;
    assert!(width.as_u64().is_some_and(|w| w <= 420), "the window is phone-sized: {width}");
    browser.screenshot("approvals-phone").await;
    browser.quit().await;
    service.running.shutdown().await;
}

/// Whether `css` matches an element on the page now.
async fn present(browser: &Browser, css: &str) -> bool {
    browser.script("return document.querySelector(arguments[0]) !== null", json!([css])).await == true
}

#[tokio::test]
async fn an_owner_deletes_a_finished_run_and_shortens_retention() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    service.put_workflow("default", HELLO).await;
    let id = run(&service, "hello", json!({}), &["succeeded"]).await;
    let kept = run(&service, "hello", json!({}), &["succeeded"]).await;
    let owner = service.workspace_token("default", "owner").await;
    let viewer = service.workspace_token("default", "viewer").await;
    let browser = Browser::start(1280, 900).await;

    // A viewer is offered neither deleting nor changing the retention.
    sign_in(&browser, &service, &viewer).await;
    browser.goto(&format!("{}/#/runs/{kept}", service.url)).await;
    browser.wait_text(".run-status", "succeeded").await;
    assert!(!present(&browser, "main .actions").await, "a viewer sees no delete button");
    browser.goto(&format!("{}/#/settings", service.url)).await;
    browser.wait_text("#h-retention + div .retention-days", "days").await;
    assert!(!present(&browser, "#h-retention + div form").await, "a viewer sees no retention form");
    browser.click("#signout").await;

    sign_in(&browser, &service, &owner).await;
    browser.goto(&format!("{}/#/runs/{id}", service.url)).await;
    browser.wait_text(".run-status", "succeeded").await;
    browser.wait_text("main .actions button.danger", "Delete run").await;
    audit(&browser, "run", "").await;
    browser.screenshot("run-delete").await;
    browser.click("main .actions button.danger").await;
    let asked = browser.accept_dialog().await;
    assert!(asked.contains(&format!("run {id} of hello")), "the dialog names the run: {asked}");
    browser.wait_text("#status", &format!("Deleted run {id} of hello.")).await;
    assert_eq!(browser.text("main h1").await, "Runs");
    let list = browser.wait_text("table.runs tbody", "hello").await;
    assert!(!list.contains(&id[id.len() - 8..]), "the deleted run is not listed: {list}");
    browser.screenshot("runs-after-delete").await;
    let run_path = |run: &str| format!("/api/v1/workspaces/default/runs/{run}");
    let (status, body) = service.call(OPERATOR, Method::GET, &run_path(&id), None).await;
    assert_eq!(status, 404, "the run is gone: {body}");
    assert_eq!(service.call(OPERATOR, Method::GET, &run_path(&kept), None).await.0, 200, "the other run stays");

    // An owner may not keep history longer than the instance default: the API's refusal is shown.
    let path = "/api/v1/workspaces/default/retention";
    let (_, before) = service.call(OPERATOR, Method::GET, path, None).await;
    let default = before["default_days"].as_i64().unwrap();
    browser.goto(&format!("{}/#/settings", service.url)).await;
    browser.wait_text("#h-retention + div .retention-days", &format!("{default} days (the instance default)")).await;
    browser.type_into("#h-retention + div input[name=days]", &(default + 1).to_string()).await;
    browser.click("#h-retention + div button[type=submit]").await;
    let refused = browser.wait_text("#alert", "Retention not changed").await;
    assert!(refused.contains(&format!("retention of {} days: must be 1 to {default}", default + 1)), "{refused}");
    assert_eq!(service.call(OPERATOR, Method::GET, path, None).await.1, before, "the refused change did not happen");

    browser.type_into("#h-retention + div input[name=days]", "7").await;
    browser.click("#h-retention + div button[type=submit]").await;
    browser.wait_text("#status", "Runs are now kept for 7 days.").await;
    browser.wait_text("#h-retention + div .retention-days", "7 days (set for this workspace)").await;
    let (_, after) = service.call(OPERATOR, Method::GET, path, None).await;
    assert_eq!((after["days"].clone(), after["workspace_days"].clone()), (json!(7), json!(7)), "{after}");
    audit(&browser, "settings", "").await;
    browser.script("document.getElementById('h-retention').scrollIntoView()", json!([])).await;
    browser.screenshot("settings-retention").await;
    browser.click("#h-retention + div button.quiet").await;
    browser.wait_text("#status", &format!("Runs are kept for the instance default, {default} days.")).await;
    let (_, reset) = service.call(OPERATOR, Method::GET, path, None).await;
    assert_eq!(reset, before, "back to the instance default");
    browser.quit().await;
    service.running.shutdown().await;
}
