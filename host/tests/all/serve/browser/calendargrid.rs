//! The calendar's week and month grids in headless Chromium: a scheduled post is a chip on
//! its day, an editor moves it a day later with Alt+→ (the server's timer moves with it and
//! the chip keeps the focus) and another by dragging it, the month shows six weeks, and on
//! a phone the agenda is shown.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::calendar::{SCHEDULED, in_minutes, service_with_poster, start_waiting};
use super::super::{OPERATOR, Service};
use super::axe::audit;
use super::webdriver::Browser;
use super::{ONE_AT_A_TIME, sign_in};

async fn slot(service: &Service) -> i64 {
    let (_, list) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/calendar", None).await;
    let at = list[0]["at"].as_str().unwrap_or_else(|| panic!("one entry: {list}"));
    chrono::DateTime::parse_from_rfc3339(at).unwrap().timestamp_millis()
}

async fn count(browser: &Browser, css: &str) -> u64 {
    browser.script("return document.querySelectorAll(arguments[0]).length", json!([css])).await.as_u64().unwrap()
}

#[tokio::test]
async fn an_editor_moves_a_post_a_day_on_the_week_grid_from_the_keyboard() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = service_with_poster().await;
    service.put_workflow("default", SCHEDULED).await;
    // Two hours ahead: on this week's grid (or next week's, near Sunday midnight).
    start_waiting(&service, "scheduled-post", json!({ "text": "Spring sale!", "at": in_minutes(120) })).await;
    let before = slot(&service).await;
    let editor = service.workspace_token("default", "editor").await;

    let browser = Browser::start(1280, 900).await;
    sign_in(&browser, &service, &editor).await;
    browser.goto(&format!("{}/#/calendar?view=week", service.url)).await;
    browser.wait_text(".cal-head .cal-title", "Week of").await;
    if count(&browser, ".cal-chip").await == 0 {
        browser.click(".cal-head button:nth-of-type(3)").await; // Next: the post is next week
    }
    browser.wait_text(".cal-grid.week .cal-chip", "scheduled-post").await;
    assert_eq!(count(&browser, ".cal-grid.week .cal-day").await, 7, "a column per weekday");
    audit(&browser, "calendar-week").await;
    browser.screenshot("calendar-week").await;

    browser.script("document.querySelector('.cal-chip').focus()", json!([])).await;
    browser.chord("\u{E00A}", "\u{E014}").await; // Alt + ArrowRight
    browser.wait_text("#status", "Moved scheduled-post to").await;
    assert_eq!(slot(&service).await - before, 86_400_000, "the timer moved a day later");
    let focused: Value = browser.script("return document.activeElement.dataset.run ?? null", json!([])).await;
    assert!(focused.is_string(), "the moved chip keeps the focus: {focused}");

    browser.goto(&format!("{}/#/calendar?view=month", service.url)).await;
    browser.wait_text(".cal-head .cal-title", "20").await;
    assert_eq!(count(&browser, ".cal-grid.month .cal-day").await, 42, "six weeks");
    // Dragged onto the next day's cell (the events a mouse drag fires), it moves again.
    let drag = "const chip = document.querySelector('.cal-chip');
        const cell = chip.closest('.cal-day').nextElementSibling;
        const data = new DataTransfer();
        chip.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: data }));
        cell.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
        cell.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
        return cell.dataset.day;";
    let target = browser.script(drag, json!([])).await;
    browser.wait_text(&format!(".cal-day[data-day='{}'] .cal-chip", target.as_str().unwrap()), "scheduled-post").await;
    assert_eq!(slot(&service).await - before, 2 * 86_400_000, "dropped a day later, at the same time");

    browser.resize(420, 900).await;
    browser.goto(&format!("{}/#/calendar?view=week", service.url)).await;
    browser.wait_text(".agenda .entry", "scheduled-post").await;
    assert_eq!(count(&browser, ".cal-grid").await, 0, "a phone shows the agenda");
    browser.quit().await;
}
