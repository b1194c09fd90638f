//! The crisis stop on the calendar page in headless Chromium: an editor stops every
//! publish with a reason (after a confirmation), the banner says so and the scheduled post
//! is marked held; resuming clears both; a viewer sees the banner but no switch.

use reqwest::Method;
use serde_json::json;

use super::super::calendar::{SCHEDULED, in_minutes, service_with_poster, start_waiting};
use super::super::{OPERATOR, Service};
use super::axe::audit;
use super::webdriver::Browser;
use super::{ONE_AT_A_TIME, sign_in};

async fn held(service: &Service) -> serde_json::Value {
    service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/publishing", None).await.1
}

#[tokio::test]
async fn an_editor_stops_and_resumes_publishing_from_the_calendar() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = service_with_poster().await;
    service.put_workflow("default", SCHEDULED).await;
    start_waiting(&service, "scheduled-post", json!({ "text": "Spring sale!", "at": in_minutes(90) })).await;
    let editor = service.workspace_token("default", "editor").await;
    let viewer = service.workspace_token("default", "viewer").await;

    let browser = Browser::start(1280, 900).await;
    sign_in(&browser, &service, &editor).await;
    browser.goto(&format!("{}/#/calendar", service.url)).await;
    browser.wait_text(".entry", "scheduled-post").await;
    browser.type_into(".stop-panel input", "Product recall: wait for PR").await;
    browser.click(".stop-panel button[type=submit]").await;
    let asked = browser.accept_dialog().await;
    assert!(asked.contains("Stop every publish of this workspace?"), "{asked}");
    browser.wait_text(".stop-panel", "Publishing is stopped.").await;
    browser.wait_text(".stop-panel", "Product recall: wait for PR").await;
    browser.wait_text(".entry .badge", "held").await;
    let state = held(&service).await;
    assert_eq!((state["held"].as_bool(), state["reason"].as_str()), (Some(true), Some("Product recall: wait for PR")));
    audit(&browser, "calendar-stopped").await;
    browser.screenshot("calendar-stopped").await;

    browser.click("#signout").await;
    sign_in(&browser, &service, &viewer).await;
    browser.goto(&format!("{}/#/calendar", service.url)).await;
    browser.wait_text(".stop-panel", "Publishing is stopped.").await;
    let switches = browser.script("return document.querySelectorAll('.stop-panel button').length", json!([])).await;
    assert_eq!(switches, json!(0), "a viewer sees the stop but cannot lift it");

    browser.click("#signout").await;
    sign_in(&browser, &service, &editor).await;
    browser.goto(&format!("{}/#/calendar", service.url)).await;
    browser.wait_text(".stop-panel button", "Resume publishing").await;
    browser.click(".stop-panel button").await;
    let asked = browser.accept_dialog().await;
    assert!(asked.starts_with("Resume publishing?"), "{asked}");
    browser.wait_text(".stop-panel button[type=submit]", "Stop all publishing").await;
    assert_eq!(held(&service).await["held"], false);
    let badge = browser.script("return document.querySelector('.entry .badge')?.textContent ?? ''", json!([])).await;
    assert_ne!(badge, json!("held"), "the post is no longer held");
    browser.quit().await;
}
