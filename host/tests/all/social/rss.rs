//! The `rss` plugin in the sandbox against the loopback feed server: RSS 2.0 and Atom,
//! conditional GET answered 304 with no items, only new items after a change, and the
//! parser's position for a malformed document.

use roost::runtime::{StepCall, StepFailure};
use serde_json::{Value, json};

use super::Harness;
use super::servers::feeds::{FeedItem, Feeds};

async fn setup() -> (Harness, Feeds, String) {
    let (server, addr) = Feeds::start().await;
    for n in 1..=3 {
        server.add(FeedItem::numbered(n));
    }
    (Harness::new().await, server, format!("http://loopback.test:{}", addr.port()))
}

fn ids(out: &Value) -> Vec<String> {
    out["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn post(n: u32) -> String {
    format!("https://feeds.loopback.test/posts/{n}")
}

async fn check_conditional_fetching(path: &str) {
    let (h, server, base) = setup().await;
    let input = json!({ "url": format!("{base}{path}") });

    let first = h.step("rss", "fetch", input.clone()).await.unwrap();
    assert_eq!(ids(&first), [post(1), post(2), post(3)], "oldest first");
    assert_eq!(first["count"], 3);
    assert_eq!(first["not_modified"], false);
    assert_eq!(
        first["items"][0],
        json!({ "id": post(1), "title": "Post 1 & more", "link": "https://feeds.loopback.test/posts/1.html",
                "summary": "Summary of post 1", "published": "2024-10-01T09:00:00Z", "author": "Jane Doe" })
    );

    let second = h.step("rss", "fetch", input.clone()).await.unwrap();
    assert_eq!(second, json!({ "items": [], "count": 0, "not_modified": true }));
    let sent = server.requests().pop().unwrap();
    assert_eq!(sent.get("if-none-match").unwrap(), server.etag().as_str());
    assert!(sent.get("if-modified-since").is_some());
    assert_eq!(server.counts(), (1, 1), "one 200, then one 304");

    server.add(FeedItem::numbered(4));
    let third = h.step("rss", "fetch", input).await.unwrap();
    assert_eq!(ids(&third), [post(4)], "only the new item");
    assert_eq!(server.counts(), (2, 1));
}

#[tokio::test]
async fn rss_second_fetch_is_304_and_only_new_items_follow() {
    check_conditional_fetching("/rss.xml").await;
}

#[tokio::test]
async fn atom_second_fetch_is_304_and_only_new_items_follow() {
    check_conditional_fetching("/atom.xml").await;
}

#[tokio::test]
async fn a_retried_step_gets_its_items_again_and_limit_keeps_the_newest() {
    let (h, server, base) = setup().await;
    let call = |key: &str, input: Value| StepCall {
        action: "fetch".into(),
        input,
        idempotency_key: key.into(),
        ..h.blank_call()
    };
    let input = json!({ "url": format!("{base}/rss.xml"), "limit": 2 });
    let first = h.call("rss", call("step-a", input.clone())).await.unwrap();
    assert_eq!(ids(&first), [post(2), post(3)]);
    let retry = h.call("rss", StepCall { attempt: 2, ..call("step-a", input.clone()) }).await.unwrap();
    assert_eq!(retry, first, "the same step gets the same items");
    assert_eq!(server.counts(), (1, 0), "and does not fetch again");
    let next = h.call("rss", call("step-b", input)).await.unwrap();
    assert_eq!(next["count"], 0, "post 1 was skipped by the limit, not kept for later");
}

#[tokio::test]
async fn malformed_feeds_fail_with_the_parsers_position() {
    let (h, _server, base) = setup().await;
    let err = h.step("rss", "fetch", json!({ "url": format!("{base}/broken.xml") })).await.unwrap_err();
    match err {
        StepFailure::Fatal(m) => assert!(m.contains("not well-formed XML at line 6, column"), "{m}"),
        other => panic!("malformed XML is fatal, got {other:?}"),
    }
    let err = h.step("rss", "fetch", json!({ "url": format!("{base}/missing.xml") })).await.unwrap_err();
    assert!(matches!(&err, StepFailure::InvalidInput(m) if m.contains("HTTP 404")), "{err:?}");
}
