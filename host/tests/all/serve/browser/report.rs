//! The client report in headless Chromium: a week of mentions and posts rendered by
//! `report/digest` in German, in Europe/Berlin, with the agency's name and colour, served
//! as the standalone page a client opens; its charts drawn, its labels German, no
//! serious accessibility violation, and a screenshot.

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use super::ONE_AT_A_TIME;
use super::axe::audit;
use super::webdriver::Browser;
use crate::social::Harness;

fn mention(n: usize, day: usize, label: &str, network: &str) -> Value {
    let compound = match label {
        "positive" => 0.6,
        "negative" => -0.5,
        _ => 0.0,
    };
    json!({ "network": network, "id": format!("m{n}"), "url": format!("https://{network}.example/m{n}"),
            "kind": "mention", "text": format!("Erwähnung {n}"), "created_at": format!("2026-11-{:02}T{:02}:15:00Z", 23 + day, 8 + n % 10),
            "author": { "id": format!("a{}", n % 5), "handle": format!("kunde{}.example", n % 5), "display_name": "", "url": "" },
            "in_reply_to": null, "likes": n % 4, "reposts": n % 2, "replies": 0,
            "sentiment": { "compound": compound, "label": label } })
}

#[tokio::test]
async fn a_german_report_with_charts_renders_for_the_client() {
    let _one = ONE_AT_A_TIME.lock().await;
    let h = Harness::new().await;
    let mut mentions = Vec::new();
    for n in 0..60 {
        let label = ["positive", "neutral", "negative", "positive", "neutral"][n % 5];
        mentions.push(mention(n, n % 7, label, if n % 3 == 0 { "bluesky" } else { "mastodon" }));
    }
    let posts = json!([
        { "network": "mastodon", "id": "1", "url": "https://mastodon.example/@acme/1", "created_at": "2026-11-24T09:00:00Z",
          "text": "Unser neuer Laden in Leipzig öffnet am Montag!", "likes": 40, "reposts": 12, "replies": 5 },
        { "network": "bluesky", "id": "at://did:plc:acme/app.bsky.feed.post/3k", "url": "https://bsky.app/profile/acme/post/3k",
          "created_at": "2026-11-26T15:00:00Z", "text": "Danke für 1.000 Follower", "likes": 22, "reposts": 3, "replies": 9 },
    ]);
    let input = json!({
        "title": "Wochenbericht ACME", "language": "de", "timezone": "Europe/Berlin",
        "brand": { "name": "Agentur Nord", "colour": "#0b5394" },
        "period": { "from": "2026-11-23T00:00:00+01:00", "to": "2026-11-29T23:59:59+01:00" },
        "previous": { "mentions": 48, "negative_share": 0.15, "posts": 3, "engagement": 70 },
        "mentions": mentions, "posts": posts, "top": 5,
    });
    let out = h.step("report", "digest", input).await.expect("the report");
    let html = out["html"].as_str().unwrap().to_string();
    let app = Router::new().route("/report.html", get(move || async move { axum::response::Html(html.clone()) }));
    let addr = crate::support::serve_loopback(app).await;

    let browser = Browser::start(1280, 1600).await;
    browser.goto(&format!("http://127.0.0.1:{}/report.html", addr.port())).await;
    let text = browser.page_text().await;
    assert!(text.contains("Agentur Nord") && text.contains("Wochenbericht ACME"), "{text}");
    assert!(text.contains("Erwähnungen"), "German labels: {text}");
    let charts = browser.script("return document.querySelectorAll('svg').length", json!([])).await;
    assert!(charts.as_u64().unwrap() >= 3, "three charts drawn: {charts}");
    let bars = browser.script("return document.querySelectorAll('svg rect').length", json!([])).await;
    assert!(bars.as_u64().unwrap() >= 7, "a bar per day at least: {bars}");
    let external = "return [...document.querySelectorAll('script[src],link[href],img[src]')].length";
    assert_eq!(browser.script(external, json!([])).await, json!(0), "nothing is loaded from elsewhere");
    audit(&browser, "report").await;
    browser.screenshot("report-de").await;
    browser.quit().await;
}
