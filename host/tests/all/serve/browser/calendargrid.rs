//! The calendar's week and month grids in headless Chromium: a scheduled post is a chip on
//! its day, an editor moves it a day later with Alt+→ (the server's timer moves with it and
//! the chip keeps the focus) and another by dragging it, the month shows six weeks, and on
//! a phone the agenda is shown; days with a post's best times are shaded, and a post dropped
//! on one takes that time.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::calendar::{SCHEDULED, SUGGESTED, in_minutes, service_with_poster, start_waiting};
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

/// Drags the first chip onto the day cell `target` (a JavaScript expression that may use
/// `chip`) with the events a mouse drag fires, and waits until `workflow`'s chip is there.
async fn drag(browser: &Browser, target: &str, workflow: &str) {
    let script = format!(
        "const chip = document.querySelector('.cal-chip');
        const cell = {target};
        const data = new DataTransfer();
        chip.dispatchEvent(new DragEvent('dragstart', {{ bubbles: true, dataTransfer: data }}));
        cell.dispatchEvent(new DragEvent('dragover', {{ bubbles: true, cancelable: true, dataTransfer: data }}));
        cell.dispatchEvent(new DragEvent('drop', {{ bubbles: true, cancelable: true, dataTransfer: data }}));
        return cell.dataset.day;"
    );
    let day = browser.script(&script, json!([])).await;
    browser.wait_text(&format!(".cal-day[data-day='{}'] .cal-chip", day.as_str().unwrap()), workflow).await;
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
    drag(&browser, "chip.closest('.cal-day').nextElementSibling", "scheduled-post").await;
    assert_eq!(slot(&service).await - before, 2 * 86_400_000, "dropped a day later, at the same time");

    browser.resize(420, 900).await;
    browser.goto(&format!("{}/#/calendar?view=week", service.url)).await;
    browser.wait_text(".agenda .entry", "scheduled-post").await;
    assert_eq!(count(&browser, ".cal-grid").await, 0, "a phone shows the agenda");
    browser.quit().await;
}

#[tokio::test]
async fn best_times_are_shaded_and_a_post_dropped_on_one_takes_that_time() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = service_with_poster().await;
    service.put_workflow("default", SUGGESTED).await;
    // Its own time and a better one a day and two hours later: always two days of the month's
    // six weeks.
    let (first, second) = (in_minutes(120), in_minutes(120 + 26 * 60));
    let slots =
        json!([{ "at": first, "score": 1.4, "reason": "busy hour" }, { "at": second, "score": 1.9, "reason": "best" }]);
    start_waiting(&service, "suggested-post", json!({ "text": "Autumn menu", "slots": slots })).await;
    let (_, list) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/calendar", None).await;
    let best: Vec<(i64, f64)> = list[0]["best_slots"]
        .as_array()
        .unwrap_or_else(|| panic!("best slots listed: {list}"))
        .iter()
        .map(|s| {
            (
                chrono::DateTime::parse_from_rfc3339(s["at"].as_str().unwrap()).unwrap().timestamp_millis(),
                s["score"].as_f64().unwrap(),
            )
        })
        .collect();
    let millis = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp_millis();
    assert_eq!(best, [(millis(&first), 1.4), (millis(&second), 1.9)]);
    let editor = service.workspace_token("default", "editor").await;

    let browser = Browser::start(1280, 900).await;
    sign_in(&browser, &service, &editor).await;
    browser.goto(&format!("{}/#/calendar?view=month", service.url)).await;
    browser.wait_text(".cal-grid.month .cal-chip", "suggested-post").await;
    assert_eq!(count(&browser, ".cal-day.best").await, 2, "two days shaded");
    assert_eq!(count(&browser, ".cal-best time").await, 2, "each with its time");
    let label: Value = browser
        .script("return document.querySelectorAll('.cal-best time')[1].getAttribute('aria-label')", json!([]))
        .await;
    assert!(
        label.as_str().is_some_and(|l| l.starts_with("Best time for suggested-post") && l.ends_with("score 1.90")),
        "{label}"
    );
    audit(&browser, "calendar-best-times").await;
    browser.screenshot("calendar-best-times").await;

    // Dropped on the other shaded day, the post takes that day's best time.
    let other_best = "[...document.querySelectorAll('.cal-day.best')].find((c) => c !== chip.closest('.cal-day'))";
    drag(&browser, other_best, "suggested-post").await;
    assert_eq!(slot(&service).await, millis(&second), "the post takes the best time of the day it was dropped on");
    browser.quit().await;
}
