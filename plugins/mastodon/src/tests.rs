//! The actions against `FakeHost`: requests sent, kv cursors, error kinds.

use roost_sdk::http::Request;
use roost_sdk::testing::{FakeHost, Reply};
use roost_sdk::{StepError, json};

use crate::ACTIONS;

const BASE: u64 = 113_000_000_000_000_000;

fn notification(id: u64) -> serde_json::Value {
    json!({
        "id": id.to_string(), "type": "mention", "created_at": "2026-08-21T10:00:00.000Z",
        "account": { "id": "7", "acct": "anna@other.example" },
        "status": {
            "id": (id + 1_000_000).to_string(), "created_at": "2026-08-21T10:00:00.000Z", "in_reply_to_id": null,
            "uri": "https://other.example/objects/1", "url": "https://other.example/@anna/1",
            "content": "<p>hi <span class=\"h-card\"><a class=\"u-url mention\">@<span>me</span></a></span></p>",
            "account": { "id": "7", "acct": "anna@other.example", "display_name": "Anna", "url": "https://other.example/@anna" },
            "replies_count": 1, "reblogs_count": 2, "favourites_count": 3
        }
    })
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    crate::query::param(&req.url, name)
}

/// The ids of `BASE+1 ..= BASE+last` that `req` asks for, with Mastodon's paging: newest
/// first, `min_id` giving the oldest `limit` after it, `max_id` the newest before it.
fn page_of(req: &Request, last: u64) -> Vec<u64> {
    let limit: usize = query_param(req, "limit").unwrap().parse().unwrap();
    let all = (BASE + 1..=BASE + last).collect::<Vec<_>>();
    match (query_param(req, "min_id"), query_param(req, "max_id")) {
        (Some(min), _) => {
            let min: u64 = min.parse().unwrap();
            let mut p: Vec<u64> = all.into_iter().filter(|&i| i > min).take(limit).collect();
            p.reverse();
            p
        }
        (None, max) => {
            let max: u64 = max.map_or(u64::MAX, |m| m.parse().unwrap());
            all.into_iter().rev().filter(|&i| i < max).take(limit).collect()
        }
    }
}

/// Serves notifications `BASE+1 ..= BASE+last` with Mastodon's paging, no Link headers.
fn host_with(last: u64) -> FakeHost {
    FakeHost::new().secret("MASTODON_TOKEN", "tok").on_http(move |req| {
        assert_eq!(req.header_value("authorization"), Some("Bearer tok"));
        assert_eq!(query_param(req, "types[]").as_deref(), Some("mention"));
        let page = page_of(req, last);
        Reply::json(200, &page.into_iter().map(notification).collect::<Vec<_>>())
    })
}

#[test]
fn mentions_keep_a_cursor_and_return_only_new_ones() {
    let host = host_with(3);
    let out = host.run_action(ACTIONS, "mentions", json!({ "instance": "https://m.example" })).unwrap();
    assert_eq!(out["count"], 3);
    assert_eq!(out["cursor"], (BASE + 3).to_string());
    assert_eq!(out["mentions"][0]["id"], (BASE + 1 + 1_000_000).to_string());
    assert_eq!(out["mentions"][0]["text"], "hi @me");
    assert_eq!(host.kv_get("mentions:m.example").unwrap(), (BASE + 3).to_string().into_bytes());

    // A new step (another idempotency key) starts after the saved cursor.
    let host = host.context(|c| c.idempotency_key = "run-2/step-1".into());
    let out = host.run_action(ACTIONS, "mentions", json!({ "instance": "https://m.example" })).unwrap();
    assert_eq!(out["count"], 0);
    let last = host.requests().last().unwrap().clone();
    assert_eq!(query_param(&last, "min_id"), Some((BASE + 3).to_string()));
}

#[test]
fn a_retry_of_the_same_step_reads_the_same_range_again() {
    let host = host_with(2);
    let first = host.run_action(ACTIONS, "mentions", json!({ "instance": "https://m.example" })).unwrap();
    let again = host.run_action(ACTIONS, "mentions", json!({ "instance": "https://m.example" })).unwrap();
    assert_eq!(first, again);
}

#[test]
fn a_missing_token_is_invalid_input_naming_the_secret() {
    let host = FakeHost::new();
    let err = host.run_action(ACTIONS, "mentions", json!({ "instance": "https://m.example" })).unwrap_err();
    assert!(
        matches!(&err, StepError::InvalidInput(m) if m.contains("MASTODON_TOKEN") && m.contains("read:notifications")),
        "{err}"
    );
}

#[test]
fn publish_remembers_its_status_for_retries() {
    let host = FakeHost::new().secret("MASTODON_TOKEN", "tok").on_http(|req| {
        assert_eq!(req.header_value("idempotency-key"), Some("run-1/step-1"));
        Reply::json(
            200,
            &json!({ "id": "113000000000000009", "created_at": "2020-01-01T00:00:00.000Z",
            "uri": "https://m.example/users/me/statuses/113000000000000009", "url": null, "content": "<p>x</p>" }),
        )
    });
    let out = host.run_action(ACTIONS, "publish", json!({ "instance": "https://m.example", "text": "x" })).unwrap();
    assert_eq!(out["id"], "113000000000000009");
    // Created long before the request: Mastodon replayed it for the idempotency key.
    assert_eq!(out["replayed"], true);
    assert_eq!(out["url"], "https://m.example/users/me/statuses/113000000000000009");
    let again = host.run_action(ACTIONS, "publish", json!({ "instance": "https://m.example", "text": "x" })).unwrap();
    assert_eq!(again["id"], "113000000000000009");
    assert_eq!(host.requests().len(), 1);
}

#[test]
fn account_falls_back_from_id_to_handle_and_reports_unknown_accounts() {
    let host = FakeHost::new().on_http(|req| {
        assert!(req.header_value("authorization").is_none());
        Reply::json(404, &json!({ "error": "Record not found" }))
    });
    let err =
        host.run_action(ACTIONS, "account", json!({ "instance": "https://m.example", "acct": "12345" })).unwrap_err();
    assert!(matches!(&err, StepError::InvalidInput(m) if m.contains("`acct`") && m.contains("12345")), "{err}");
    let urls: Vec<String> = host.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls,
        ["https://m.example/api/v1/accounts/12345", "https://m.example/api/v1/accounts/lookup?acct=12345"]
    );
}

/// A status of the `#rustlang` timeline `hours` before now.
fn tagged(id: u64, hours: i64) -> serde_json::Value {
    let at = roost_sdk::time::format_rfc3339_ms(roost_sdk::time::now_ms() - hours * 3_600_000);
    json!({
        "id": id.to_string(), "created_at": at, "in_reply_to_id": null, "reblog": null,
        "uri": format!("https://other.example/objects/{id}"), "url": null, "content": format!("<p>post {id}</p>"),
        "account": { "id": "7", "acct": format!("author{}@other.example", id % 7), "display_name": "A", "url": "https://other.example/@a" },
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 1
    })
}

/// The `#rustlang` timeline: statuses `BASE+1 ..= BASE+last`, one every 2 hours back
/// from now (the newest 1 hour old), served newest first with `max_id`/`min_id` paging
/// and Mastodon's `Link` header.
fn timeline_host(last: u64) -> FakeHost {
    FakeHost::new().on_http(move |req| {
        assert!(req.url.starts_with("https://m.example/api/v1/timelines/tag/rustlang?"), "{}", req.url);
        let page = page_of(req, last);
        let statuses: Vec<_> = page.iter().map(|&id| tagged(id, 1 + 2 * (BASE + last - id) as i64)).collect();
        let mut reply = Reply::json(200, &statuses)?;
        if let (Some(first), Some(oldest)) = (page.first(), page.last()) {
            let base = "https://m.example/api/v1/timelines/tag/rustlang";
            let link = format!("<{base}?max_id={oldest}>; rel=\"next\", <{base}?min_id={first}>; rel=\"prev\"");
            reply.headers.push(("link".into(), link));
        }
        Ok(reply)
    })
}

#[test]
fn a_hashtag_lookback_pages_back_to_the_windows_start_and_repeats() {
    // 200 posts over 400 hours; the last 5 days (120 h) hold the 60 newest.
    let host = timeline_host(200);
    let input = json!({ "instance": "https://m.example", "tag": "rustlang", "since_days": 5, "limit": 400 });
    let out = host.run_action(ACTIONS, "hashtag", input.clone()).unwrap();
    assert_eq!(out["count"], 60);
    assert_eq!(out["mentions"][0]["id"], (BASE + 141).to_string(), "oldest first");
    assert_eq!(out["mentions"][59]["id"], (BASE + 200).to_string());
    assert_eq!(out["window"]["complete"], true);
    assert_eq!(out["cursor"], (BASE + 200).to_string());
    let pages: Vec<Option<String>> = host.requests().iter().map(|r| query_param(r, "max_id")).collect();
    assert_eq!(pages, [None, Some((BASE + 161).to_string())], "two pages of 40, following rel=next");
    assert_eq!(host.kv_get("hashtag:m.example:rustlang"), None, "the cursor is not moved");

    // A second run with the same tag and window returns the same authors again.
    let host = host.context(|c| c.idempotency_key = "run-2/step-1".into());
    let again = host.run_action(ACTIONS, "hashtag", input).unwrap();
    assert_eq!(again["count"], 60);
    let authors = |o: &serde_json::Value| {
        let mut a: Vec<String> =
            o["mentions"].as_array().unwrap().iter().map(|m| m["author"]["handle"].as_str().unwrap().into()).collect();
        a.sort();
        a.dedup();
        a
    };
    assert_eq!(authors(&again), authors(&out));
    assert_eq!(authors(&out).len(), 7);
}

#[test]
fn a_hashtag_lookback_is_bounded_by_its_limit_and_pages() {
    let host = timeline_host(2_000);
    let out = host
        .run_action(
            ACTIONS,
            "hashtag",
            json!({ "instance": "https://m.example", "tag": "rustlang", "since_days": 30, "limit": 100 }),
        )
        .unwrap();
    assert_eq!((out["count"].clone(), out["window"]["complete"].clone()), (json!(100), json!(false)));
    assert_eq!(host.requests().len(), 3, "40 + 40 + 20");
    let out = host
        .run_action(
            ACTIONS,
            "hashtag",
            json!({ "instance": "https://m.example", "tag": "rustlang", "since_days": 30, "limit": 400 }),
        )
        .unwrap();
    assert_eq!(
        (out["count"].clone(), out["window"]["complete"].clone()),
        (json!(360), json!(true)),
        "30 days at one post per 2 h"
    );
    let err = host
        .run_action(ACTIONS, "hashtag", json!({ "instance": "https://m.example", "tag": "rustlang", "since_days": 31 }))
        .unwrap_err();
    assert!(matches!(&err, StepError::InvalidInput(m) if m.contains("(at `/since_days`)")), "{err}");
}

#[test]
fn the_hashtag_cursor_mode_still_returns_only_new_posts() {
    let host = timeline_host(5);
    let input = json!({ "instance": "https://m.example", "tag": "rustlang" });
    let out = host.run_action(ACTIONS, "hashtag", input.clone()).unwrap();
    assert_eq!(out["count"], 5);
    assert!(out.get("window").is_none());
    let host = host.context(|c| c.idempotency_key = "run-2/step-1".into());
    assert_eq!(host.run_action(ACTIONS, "hashtag", input).unwrap()["count"], 0);
}
