//! People in the web UI (headless Chromium): an owner invites a person, who accepts the
//! link, signs in with a password, approves a post, and is named in the run and audit log.

use reqwest::Method;
use serde_json::json;

use super::PASSWORD;
use crate::serve::browser::webdriver::Browser;
use crate::serve::browser::{ONE_AT_A_TIME, sign_in};
use crate::serve::{OPERATOR, Service};

const REVIEW: &str = "name: post-review
steps:
  - id: review
    approval:
      message: \"Post this?\"
      preview: \"Spring sale starts now\"
";

/// Signs in on the page with `email` and [`PASSWORD`] and waits for the runs list.
pub async fn sign_in_as(browser: &Browser, service: &Service, email: &str) {
    browser.goto(&format!("{}/", service.url)).await;
    browser.type_into("input[name=email]", email).await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.click("form.signin-password button[type=submit]").await;
    browser.wait_text("main h1", "Runs").await;
}

#[tokio::test]
async fn an_invited_person_signs_in_approves_and_is_named() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let (_, started) =
        service.call(OPERATOR, Method::POST, "/api/v1/workspaces/default/workflows/post-review/runs", None).await;
    let run = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("default", &run, &["waiting"]).await;
    let browser = Browser::start(1280, 900).await;

    sign_in(&browser, &service, OPERATOR).await;
    browser.click("a[href='#/people']").await;
    browser.wait_text("main h1", "People").await;
    browser.type_into("input[name=invite-email]", "ann@example.com").await;
    browser.click("form.invite button[type=submit]").await;
    browser.find("input[name=invite-link]").await;
    let link = browser.script("return document.querySelector('input[name=invite-link]').value", json!([])).await;
    let link = link.as_str().unwrap().to_string();
    assert!(link.starts_with(&format!("{}/#/invitation/roost_", service.url)), "{link}");
    browser.wait_text("main", "ann@example.com").await;
    browser.screenshot("people").await;
    browser.click("#signout").await;

    browser.goto(&link).await;
    browser.wait_text("main h1", "Join default").await;
    browser.wait_text("main", "approver").await;
    browser.screenshot("invitation").await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.wait_text("main h1", "Runs").await;
    browser.click("#signout").await;
    browser.find("input[name=email]").await;
    browser.screenshot("signin").await;
    let cookie_hidden = browser.script("return document.cookie", json!([])).await;
    assert_eq!(cookie_hidden, "", "the session cookie is out of the scripts' reach");

    browser.type_into("input[name=email]", "ann@example.com").await;
    browser.type_into("input[name=password]", "not the password").await;
    browser.click("form.signin-password button[type=submit]").await;
    browser.wait_text("#alert", "the e-mail address or the password is wrong").await;
    sign_in_as(&browser, &service, "ann@example.com").await;
    browser.wait_text("#approval-count", "1").await;
    browser.click("a[href='#/approvals']").await;
    browser.click(".approval button[value=approve]").await;
    browser.wait_text("#status", "Approved").await;
    service.wait_status("default", &run, &["succeeded"]).await;

    browser.goto(&format!("{}/#/runs/{run}", service.url)).await;
    browser.wait_text(".decisions", "user:ann@example.com").await;
    browser.wait_text("main .facts", "manual by operator:").await;
    browser.screenshot("run-decided-by-person").await;
    browser.click("#signout").await;
    sign_in(&browser, &service, OPERATOR).await;
    browser.goto(&format!("{}/#/audit", service.url)).await;
    let actor = browser.wait_text("table.audit .actor-user", "ann@example.com").await;
    assert!(actor.contains("ann@example.com"), "{actor}");
    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["actor"]["kind"] == "user")
        .filter_map(|a| Some((a["action"].as_str()?, a["actor"]["name"].as_str()?)))
        .collect();
    assert!(actions.contains(&("approval.approve", "ann@example.com")), "{actions:?}");
    assert!(actions.contains(&("invitation.accept", "ann@example.com")), "{actions:?}");
    browser.quit().await;
    service.running.shutdown().await;
}
