//! The fetch action against the in-memory host: conditional GET, seen items, limits,
//! replays of the same step, and each failure kind.

use std::cell::RefCell;
use std::rc::Rc;

use roost_sdk::http::Response;
use roost_sdk::testing::{FakeHost, Reply};
use roost_sdk::{StepError, Value, json};

use super::*;

fn rss(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, date)| {
            format!("<item><title>Item {guid}</title><guid>{guid}</guid><pubDate>{date}</pubDate></item>")
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>")
}

/// A feed server: answers 304 when `If-None-Match` matches the current ETag.
fn feed_host(document: Rc<RefCell<String>>) -> FakeHost {
    FakeHost::new().on_http(move |req| {
        let doc = document.borrow().clone();
        let etag = format!("\"{}\"", doc.len());
        if req.header_value("if-none-match") == Some(etag.as_str()) {
            return Reply::text(304, "");
        }
        Ok(Response {
            status: 200,
            headers: vec![("ETag".into(), etag), ("Last-Modified".into(), "Wed, 02 Oct 2024 10:00:00 GMT".into())],
            body: doc.into_bytes(),
        })
    })
}

fn fetch(host: &FakeHost, key: &str, input: Value) -> Result<Value, StepError> {
    host.clone().context(|c| c.idempotency_key = key.into()).run::<Fetch>(input)
}

fn ids(out: &Value) -> Vec<&str> {
    out["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect()
}

#[test]
fn returns_new_items_oldest_first_then_uses_conditional_get() {
    let doc =
        Rc::new(RefCell::new(rss(&[("b", "Wed, 02 Oct 2024 09:00:00 GMT"), ("a", "Tue, 01 Oct 2024 09:00:00 GMT")])));
    let host = feed_host(doc.clone());
    let input = json!({"url": "https://news.example/feed.xml"});
    let first = fetch(&host, "k1", input.clone()).unwrap();
    assert_eq!(ids(&first), ["a", "b"]);
    assert_eq!(first["count"], 2);
    assert_eq!(first["not_modified"], false);
    assert_eq!(first["items"][0]["published"], "2024-10-01T09:00:00Z");

    let second = fetch(&host, "k2", input.clone()).unwrap();
    assert_eq!(second, json!({"items": [], "count": 0, "not_modified": true}));
    let sent = &host.requests()[1];
    assert_eq!(sent.header_value("if-none-match"), Some(format!("\"{}\"", doc.borrow().len()).as_str()));
    assert_eq!(sent.header_value("if-modified-since"), Some("Wed, 02 Oct 2024 10:00:00 GMT"));

    *doc.borrow_mut() = rss(&[
        ("c", "Thu, 03 Oct 2024 09:00:00 GMT"),
        ("b", "Wed, 02 Oct 2024 09:00:00 GMT"),
        ("a", "Tue, 01 Oct 2024 09:00:00 GMT"),
    ]);
    let third = fetch(&host, "k3", input).unwrap();
    assert_eq!(ids(&third), ["c"]);
}

#[test]
fn a_retry_of_the_same_step_gets_the_same_items() {
    let doc = Rc::new(RefCell::new(rss(&[("a", "Tue, 01 Oct 2024 09:00:00 GMT")])));
    let host = feed_host(doc);
    let input = json!({"url": "https://news.example/feed.xml"});
    let first = fetch(&host, "same", input.clone()).unwrap();
    assert_eq!(fetch(&host, "same", input.clone()).unwrap(), first);
    assert_eq!(host.requests().len(), 1, "the replay does not fetch");
    assert_eq!(fetch(&host, "next", input).unwrap()["not_modified"], true);
}

#[test]
fn limit_keeps_the_newest_and_marks_all_seen() {
    let dates: Vec<(String, String)> =
        (1..=5).rev().map(|d| (format!("i{d}"), format!("0{d} Oct 2024 09:00:00 GMT"))).collect();
    let document = rss(&dates.iter().map(|(g, d)| (g.as_str(), d.as_str())).collect::<Vec<_>>());
    let host = FakeHost::new().on_http(move |_| Reply::text(200, &document));
    let out = fetch(&host, "k1", json!({"url": "https://x.example/f", "limit": 2})).unwrap();
    assert_eq!(ids(&out), ["i4", "i5"]);
    let again = fetch(&host, "k2", json!({"url": "https://x.example/f", "limit": 2})).unwrap();
    assert_eq!(again["count"], 0);
}

#[test]
fn keys_separate_states() {
    let host = FakeHost::new().on_http(|_| Reply::text(200, &rss(&[("a", "01 Oct 2024 09:00:00 GMT")])));
    let url = "https://x.example/f";
    assert_eq!(fetch(&host, "k1", json!({"url": url, "key": "one"})).unwrap()["count"], 1);
    assert_eq!(fetch(&host, "k2", json!({"url": url, "key": "two"})).unwrap()["count"], 1);
    assert_eq!(fetch(&host, "k3", json!({"url": url, "key": "one"})).unwrap()["count"], 0);
    assert!(host.kv_get("feed:one").is_some() && host.kv_get("feed:two").is_some());
}

#[test]
fn failures() {
    let answer = |status: u16, body: &'static str| {
        let host = FakeHost::new().on_http(move |_| {
            let mut r = Reply::text(status, body)?;
            r.headers.push(("Retry-After".into(), "120".into()));
            Ok(r)
        });
        host.run::<Fetch>(json!({"url": "https://x.example/f"})).unwrap_err()
    };
    let malformed = answer(200, "<rss><channel>\n<item></channel></rss>");
    assert!(matches!(&malformed, StepError::Fatal(m) if m.contains("not well-formed XML at line 2")), "{malformed:?}");
    assert!(matches!(answer(200, "<html></html>"), StepError::InvalidInput(m) if m.contains("root element is <html>")));
    assert!(matches!(answer(404, "nope"), StepError::InvalidInput(m) if m.starts_with("`url`")));
    assert_eq!(
        answer(503, "busy"),
        StepError::Retryable { message: "https://x.example/f answered HTTP 503".into(), after_ms: Some(120_000) }
    );
    assert!(matches!(answer(403, ""), StepError::Fatal(_)));
    let bad = FakeHost::new().run::<Fetch>(json!({"url": "feed.xml"})).unwrap_err();
    assert!(matches!(bad, StepError::InvalidInput(m) if m.contains("`url`")));
    let zero = FakeHost::new().run::<Fetch>(json!({"url": "https://x/f", "limit": 0})).unwrap_err();
    // The manifest's schema refuses it before the action runs, as Roost does.
    assert!(matches!(zero, StepError::InvalidInput(m) if m.contains("(at `/limit`)")));
}
