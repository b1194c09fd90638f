//! The `mastodon` plugin in the sandbox against the loopback instance: mentions paged
//! forward from a kv cursor, HTML to text, ids beyond 2^53, exactly-once and scheduled
//! publishing, rate limits and token errors, account profiles and the tag timeline.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use roost::runtime::{StepCall, StepFailure};
use serde_json::{Value, json};

use super::Harness;
use super::servers::mastodon::{FIRST_ID, Mastodon, TOKEN};

async fn setup() -> (Harness, Mastodon, String) {
    let (server, addr) = Mastodon::start().await;
    let mut h = Harness::new().await;
    h.secret("MASTODON_TOKEN", TOKEN, &[]);
    (h, server, Mastodon::instance(addr))
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|m| m[field].as_str().unwrap().to_string()).collect()
}

/// The status ids of the mention notifications, in the order given.
fn status_ids(pairs: &[(String, String)]) -> Vec<String> {
    pairs.iter().map(|(_, status)| status.clone()).collect()
}

fn publish_call(h: &Harness, instance: &str, key: &str, attempt: u32, input: Value) -> StepCall {
    let mut input = input;
    input["instance"] = json!(instance);
    StepCall { action: "publish".into(), input, idempotency_key: key.into(), attempt, ..h.blank_call() }
}

#[tokio::test]
async fn mentions_page_forward_from_the_kv_cursor_and_a_second_run_returns_only_new_ones() {
    let (h, server, instance) = setup().await;
    let anna = server.add_account("anna", Some("other.example"), json!({ "display_name": "Anna" }));
    let first: Vec<_> = (0..3).map(|i| server.add_mention(&anna, &format!("<p>early {i}</p>"))).collect();

    let out = h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
    assert_eq!(out["count"], 3);
    assert_eq!(ids(&out["mentions"], "id"), status_ids(&first), "oldest first, by status id");
    assert_eq!(out["cursor"], first[2].0.as_str(), "the newest notification id");

    // 170 more, with favourites between them that the types[] filter drops.
    let mut more = Vec::new();
    for i in 0..170 {
        more.push(server.add_mention(&anna, &format!("<p>later {i}</p>")));
        if i % 50 == 0 {
            server.add_notification("favourite", &anna, Some(&more[0].1));
        }
    }
    let before = server.requests_to("/api/v1/notifications").len();
    let out = h.step("mastodon", "mentions", json!({ "instance": instance, "limit": 400 })).await.unwrap();
    assert_eq!(out["count"], 170);
    assert_eq!(ids(&out["mentions"], "id"), status_ids(&more), "every new mention once, in order, none skipped");
    assert_eq!(out["mentions"][169]["text"], "later 169");
    assert_eq!(out["cursor"], more[169].0.as_str());

    let pages = server.requests_to("/api/v1/notifications")[before..].to_vec();
    assert_eq!(pages.len(), 4, "80 + 80 + 10, then an empty page ends the paging");
    for page in &pages {
        assert_eq!(page.params("types[]"), ["mention"]);
        assert_eq!(page.params("limit"), ["80"]);
    }
    assert_eq!(pages[0].params("min_id"), [first[2].0.clone()], "the first page starts after the saved cursor");
    // The next page starts at the min_id of the previous page's rel="prev" link: its newest id.
    let newest_of_first_page = more[79].0.as_str();
    assert_eq!(pages[1].params("min_id"), [newest_of_first_page]);
    assert_eq!(pages[3].params("min_id"), [more[169].0.clone()]);

    let out = h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
    assert_eq!(out["count"], 0);
    assert_eq!(out["cursor"], more[169].0.as_str(), "nothing new: the cursor stays");
}

#[tokio::test]
async fn the_limit_leaves_the_rest_for_the_next_run() {
    let (h, server, instance) = setup().await;
    let anna = server.add_account("anna", None, json!({}));
    server.add_mention(&anna, "<p>seed</p>");
    h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
    let new: Vec<_> = (0..10).map(|i| server.add_mention(&anna, &format!("<p>n{i}</p>"))).collect();

    let out = h.step("mastodon", "mentions", json!({ "instance": instance, "limit": 4 })).await.unwrap();
    assert_eq!(ids(&out["mentions"], "id"), status_ids(&new[..4]), "the oldest four new ones");
    let out = h.step("mastodon", "mentions", json!({ "instance": instance, "limit": 400 })).await.unwrap();
    assert_eq!(ids(&out["mentions"], "id"), status_ids(&new[4..]));
}

#[tokio::test]
async fn the_cursor_moves_only_after_every_page_was_read() {
    let (h, server, instance) = setup().await;
    let anna = server.add_account("anna", None, json!({}));
    let seed = server.add_mention(&anna, "<p>seed</p>");
    h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
    let new: Vec<_> = (0..100).map(|i| server.add_mention(&anna, &format!("<p>n{i}</p>"))).collect();

    server.throttle_after(1, 1, Duration::seconds(60));
    let failed = h.step("mastodon", "mentions", json!({ "instance": instance, "limit": 400 })).await;
    assert!(matches!(failed, Err(StepFailure::Retryable { .. })), "the second page hit the limit: {failed:?}");
    let out = h.step("mastodon", "mentions", json!({ "instance": instance, "limit": 400 })).await.unwrap();
    assert_eq!(ids(&out["mentions"], "id"), status_ids(&new), "the first page was not lost");
    let notifications = server.requests_to("/api/v1/notifications");
    // The run after the failure started again from the saved cursor.
    assert_eq!(notifications[notifications.len() - 3].params("min_id"), [seed.0.as_str()]);
}

#[tokio::test]
async fn mention_html_becomes_plain_text_and_replies_are_marked() {
    let (h, server, instance) = setup().await;
    let anna = server.add_account("anna", Some("other.example"), json!({ "display_name": "Anna A." }));
    let html = "<p><span class=\"h-card\"><a href=\"https://loopback.test/@roost\" class=\"u-url mention\">@<span>roost</span></a></span> \
        Tom &amp; Jerry &lt;3<br />see <a href=\"https://example.com/a/very/long/path\" rel=\"nofollow noopener\" target=\"_blank\">\
        <span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/a/very/lo</span><span class=\"invisible\">ng/path</span></a></p>\
        <p><a href=\"https://loopback.test/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a> &#39;s great &#x1F418;</p>";
    let (_, plain) = server.add_mention(&anna, html);
    let parent = server.add_status(&server.owner_id(), "<p>mine</p>", json!({}));
    let reply = server.add_status(&anna, "<p>an answer</p>", json!({ "in_reply_to_id": parent }));
    server.add_notification("mention", &anna, Some(&reply));

    let out = h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
    let m = &out["mentions"][0];
    assert_eq!(m["id"], plain.as_str());
    assert_eq!(m["text"], "@roost Tom & Jerry <3\nsee https://example.com/a/very/long/path\n\n#Rust 's great 🐘");
    assert_eq!(m["kind"], "mention");
    assert_eq!(m["network"], "mastodon");
    assert_eq!(m["author"]["handle"], "anna@other.example");
    assert_eq!(m["author"]["display_name"], "Anna A.");
    assert_eq!(m["author"]["url"], "https://other.example/@anna");
    assert_eq!(m["url"], format!("https://other.example/@anna/{plain}"));
    assert_eq!(out["mentions"][1]["kind"], "reply");
    assert_eq!(out["mentions"][1]["in_reply_to"], parent.as_str());
}

#[tokio::test]
async fn ids_beyond_two_to_the_53_survive_exactly_and_order_by_length() {
    let (h, server, instance) = setup().await;
    let anna = server.add_account("anna", None, json!({}));
    server.set_next_id(99_999_999_999_999_990); // 17 digits: older than any 18-digit id
    let short: Vec<_> = (0..2).map(|_| server.add_mention(&anna, "<p>short</p>")).collect();
    server.set_next_id(FIRST_ID + 1_000);
    let long: Vec<_> = (0..2).map(|_| server.add_mention(&anna, "<p>long</p>")).collect();
    // Neighbours one apart: as f64 they would be the same number.
    assert_eq!(long[0].0.parse::<u64>().unwrap() + 1, long[1].1.parse::<u64>().unwrap());

    let out = h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
    let all: Vec<_> = short.iter().chain(&long).cloned().collect();
    assert_eq!(ids(&out["mentions"], "id"), status_ids(&all));
    assert_eq!(out["cursor"], long[1].0.as_str());

    let newer = server.add_mention(&anna, "<p>newer</p>");
    let out = h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
    assert_eq!(ids(&out["mentions"], "id"), [newer.1]);
    let last = server.requests_to("/api/v1/notifications");
    assert_eq!(last[last.len() - 2].params("min_id"), [long[1].0.clone()], "the cursor went out digit for digit");
}

#[tokio::test]
async fn publish_sends_the_step_key_and_retries_never_post_twice() {
    let (h, server, instance) = setup().await;
    let call = |attempt| publish_call(&h, &instance, "run-7/announce", attempt, json!({ "text": "Hello #Roost" }));
    let first = h.call("mastodon", call(1)).await.unwrap();
    assert_eq!(first["replayed"], false);
    assert_eq!(first["scheduled_at"], Value::Null);
    let posts = server.requests_to("/api/v1/statuses");
    assert_eq!(posts[0].method, "POST");
    assert_eq!(posts[0].header("idempotency-key").as_deref(), Some("run-7/announce"));
    assert_eq!(posts[0].header("authorization"), Some(format!("Bearer {TOKEN}")));
    let posted = server.posted();
    assert_eq!(posted.len(), 1);
    assert_eq!(first["id"], posted[0]["id"]);
    assert_eq!(first["url"], posted[0]["url"]);

    let again = h.call("mastodon", call(2)).await.unwrap();
    assert_eq!((again["id"].clone(), again["replayed"].clone()), (first["id"].clone(), json!(true)));
    assert_eq!(server.posted().len(), 1, "no second status");

    // A response lost after the status was created: the retry sends the same key and
    // Mastodon answers with the status it made.
    server.fail_next_post_after_create();
    let lost = |attempt| publish_call(&h, &instance, "run-7/lost", attempt, json!({ "text": "Second post" }));
    match h.call("mastodon", lost(1)).await {
        Err(StepFailure::Retryable { message, .. }) => assert!(message.contains("HTTP 503"), "{message}"),
        other => panic!("expected a retryable failure, got {other:?}"),
    }
    assert_eq!(server.posted().len(), 2);
    server.age_statuses(Duration::seconds(30));
    let retried = h.call("mastodon", lost(2)).await.unwrap();
    assert_eq!(retried["id"], server.posted()[1]["id"]);
    assert_eq!(retried["replayed"], true, "created before this attempt");
    assert_eq!(server.posted().len(), 2, "the replay made no new status");
    let keys: Vec<_> =
        server.requests_to("/api/v1/statuses").iter().filter_map(|r| r.header("idempotency-key")).collect();
    assert_eq!(keys, ["run-7/announce", "run-7/lost", "run-7/lost"]);
}

#[tokio::test]
async fn scheduled_at_under_five_minutes_is_invalid_input_with_the_servers_message() {
    let (h, server, instance) = setup().await;
    let soon = (Utc::now() + Duration::minutes(2)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let call = publish_call(&h, &instance, "k-soon", 1, json!({ "text": "too soon", "scheduled_at": soon }));
    match h.call("mastodon", call).await {
        Err(StepFailure::InvalidInput(m)) => {
            assert!(m.contains("Validation failed: Scheduled at date must be in the future"), "{m}")
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert!(server.posted().is_empty() && server.scheduled().is_empty());
}

#[tokio::test]
async fn a_scheduled_publish_returns_its_scheduled_at() {
    let (h, server, instance) = setup().await;
    let at = (Utc::now() + Duration::hours(2)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let input = json!({ "text": "later", "scheduled_at": at, "visibility": "unlisted", "spoiler_text": "cw" });
    let out = h.call("mastodon", publish_call(&h, &instance, "k-later", 1, input)).await.unwrap();
    let scheduled = server.scheduled();
    assert_eq!(scheduled.len(), 1);
    assert!(server.posted().is_empty());
    assert_eq!(out["id"], scheduled[0]["id"]);
    let when = |v: &Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!(when(&out["scheduled_at"]), when(&json!(at)));
    assert_eq!(out["created_at"], out["scheduled_at"]);
    assert_eq!(scheduled[0]["params"]["visibility"], "unlisted");
    assert!(
        out["url"].as_str().unwrap().ends_with(&format!("/api/v1/scheduled_statuses/{}", out["id"].as_str().unwrap()))
    );
}

#[tokio::test]
async fn too_long_text_is_invalid_before_anything_is_sent() {
    let (h, server, instance) = setup().await;
    let text = format!("{} https://example.com/{}", "ü".repeat(470), "x".repeat(100));
    h.call("mastodon", publish_call(&h, &instance, "k-ok", 1, json!({ "text": text }))).await.unwrap();
    let call = publish_call(&h, &instance, "k-long", 1, json!({ "text": "a".repeat(501) }));
    match h.call("mastodon", call).await {
        Err(StepFailure::InvalidInput(m)) => assert!(m.contains("501 characters") && m.contains("limit of 500"), "{m}"),
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert_eq!(server.requests_to("/api/v1/statuses").len(), 1);
}

#[tokio::test]
async fn a_429_is_retryable_after_the_reset_header() {
    let (h, server, instance) = setup().await;
    server.throttle(1, Duration::seconds(90));
    match h.step("mastodon", "mentions", json!({ "instance": instance })).await {
        Err(StepFailure::Retryable { message, after_ms }) => {
            assert!(message.contains("Too many requests"), "{message}");
            let after = after_ms.expect("after_ms from X-RateLimit-Reset");
            assert!((80_000..=90_000).contains(&after), "{after}");
        }
        other => panic!("expected retryable, got {other:?}"),
    }
    server.throttle(1, Duration::seconds(30));
    let call = publish_call(&h, &instance, "k-429", 1, json!({ "text": "x" }));
    assert!(matches!(
        h.call("mastodon", call).await,
        Err(StepFailure::Retryable { after_ms: Some(20_000..=30_000), .. })
    ));
    h.step("mastodon", "mentions", json!({ "instance": instance })).await.unwrap();
}

#[tokio::test]
async fn low_remaining_requests_log_a_warning() {
    let (h, server, instance) = setup().await;
    server.set_remaining(6);
    let plugin = h.registry.plugins().iter().find(|p| p.manifest.id == "mastodon").unwrap().clone();
    let call = StepCall { action: "mentions".into(), input: json!({ "instance": instance }), ..h.blank_call() };
    let outcome = h.runtime.execute(&plugin, call).await;
    outcome.result.unwrap();
    let warned = outcome.logs.iter().any(|l| l.level == "warn" && l.message.contains("rate limit is low: 5 of 300"));
    assert!(warned, "{:?}", outcome.logs);
}

#[tokio::test]
async fn a_wrong_token_or_missing_scope_is_fatal() {
    let (mut h, server, instance) = setup().await;
    server.read_only_token();
    let call = publish_call(&h, &instance, "k-scope", 1, json!({ "text": "x" }));
    match h.call("mastodon", call).await {
        Err(StepFailure::Fatal(m)) => {
            assert!(m.contains("outside the authorized scopes") && m.contains("write:statuses"), "{m}")
        }
        other => panic!("expected fatal, got {other:?}"),
    }
    h.secret("MASTODON_TOKEN", "not-the-token", &[]);
    match h.step("mastodon", "mentions", json!({ "instance": instance })).await {
        Err(StepFailure::Fatal(m)) => {
            assert!(m.contains("The access token is invalid") && m.contains("MASTODON_TOKEN"), "{m}")
        }
        other => panic!("expected fatal, got {other:?}"),
    }
}

#[tokio::test]
async fn account_returns_the_profile_with_recent_posts_and_counts() {
    let (h, server, instance) = setup().await;
    let fields = json!({
        "display_name": "Anna", "note": "<p>Rust &amp; coffee.<br />Berlin</p>", "bot": true,
        "followers_count": 1234, "following_count": 56, "statuses_count": 789,
        "created_at": "2021-04-01T00:00:00.000Z",
    });
    let anna = server.add_account("anna", None, fields);
    let mut posts = Vec::new();
    for i in 0..50 {
        let counts = json!({ "favourites_count": i, "reblogs_count": 1, "replies_count": 2 });
        posts.push(server.add_status(&anna, &format!("<p>post {i}</p>"), counts));
    }
    let boosted = server.add_status(&server.owner_id(), "<p>boosted</p>", json!({}));
    let boost = server.add_status(&anna, "", json!({ "reblog": { "id": boosted } }));

    let out =
        h.step("mastodon", "account", json!({ "instance": instance, "acct": "@anna", "statuses": 45 })).await.unwrap();
    assert_eq!(out["network"], "mastodon");
    assert_eq!(out["id"], anna.as_str());
    assert_eq!(out["handle"], "anna");
    assert_eq!(out["bio"], "Rust & coffee.\nBerlin");
    assert_eq!(
        (out["followers"].clone(), out["following"].clone(), out["posts_count"].clone()),
        (json!(1234), json!(56), json!(789))
    );
    assert_eq!(out["bot"], true);
    assert_eq!(out["created_at"], "2021-04-01T00:00:00.000Z");
    let recent = ids(&out["recent_posts"], "id");
    let expected: Vec<String> = posts.iter().rev().take(45).cloned().collect();
    assert_eq!(recent, expected, "newest first, without the boost");
    assert!(!recent.contains(&boost));
    assert_eq!(out["recent_posts"][0]["text"], "post 49");
    assert_eq!(out["recent_posts"][0]["likes"], 49);
    assert_eq!(out["recent_posts"][0]["network"], "mastodon");
    let pages = server.requests().into_iter().filter(|r| r.path.ends_with("/statuses")).collect::<Vec<_>>();
    assert_eq!(pages.len(), 2, "40 + 5");
    assert!(pages.iter().all(|p| p.params("exclude_reblogs") == ["true"]));
    assert_eq!(pages[0].params("limit"), ["40"]);

    let by_id =
        h.step("mastodon", "account", json!({ "instance": instance, "acct": anna, "statuses": 0 })).await.unwrap();
    assert_eq!((by_id["handle"].clone(), by_id["recent_posts"].clone()), (json!("anna"), json!([])));
    let full = h
        .step("mastodon", "account", json!({ "instance": instance, "acct": "anna@loopback.test", "statuses": 1 }))
        .await;
    assert_eq!(full.unwrap()["id"], anna.as_str());
    match h.step("mastodon", "account", json!({ "instance": instance, "acct": "nobody@nowhere.example" })).await {
        Err(StepFailure::InvalidInput(m)) => assert!(m.contains("nobody@nowhere.example"), "{m}"),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn the_hashtag_timeline_returns_new_posts_once() {
    let (h, server, instance) = setup().await;
    let anna = server.add_account("anna", Some("other.example"), json!({}));
    let tag = |name: &str| json!({ "tags": [{ "name": name, "url": format!("https://loopback.test/tags/{name}") }] });
    let first = server.add_status(
        &anna,
        "<p>Hello <a class=\"mention hashtag\">#<span>RustLang</span></a></p>",
        tag("rustlang"),
    );
    server.add_status(&anna, "<p>other tag</p>", tag("python"));
    let mut hidden = tag("rustlang");
    hidden["visibility"] = json!("unlisted");
    server.add_status(&anna, "<p>unlisted</p>", hidden);

    let out = h.step("mastodon", "hashtag", json!({ "instance": instance, "tag": "#RustLang" })).await.unwrap();
    assert_eq!(ids(&out["mentions"], "id"), [first.as_str()]);
    assert_eq!(out["mentions"][0]["kind"], "post");
    assert_eq!(out["mentions"][0]["text"], "Hello #RustLang");
    let newer: Vec<_> = (0..45).map(|i| server.add_status(&anna, &format!("<p>n{i}</p>"), tag("rustlang"))).collect();
    let out =
        h.step("mastodon", "hashtag", json!({ "instance": instance, "tag": "rustlang", "limit": 100 })).await.unwrap();
    assert_eq!(ids(&out["mentions"], "id"), newer, "oldest first, across pages of 40");
    assert_eq!(out["count"], 45);
    let timeline =
        server.requests().into_iter().filter(|r| r.path == "/api/v1/timelines/tag/rustlang").collect::<Vec<_>>();
    assert_eq!(timeline.last().unwrap().params("min_id"), [newer[44].clone()]);
    assert!(timeline.iter().all(|r| r.header("authorization").is_some()));
}

#[tokio::test]
async fn a_hashtag_lookback_returns_the_windows_posts_on_every_run() {
    let (h, server, instance) = setup().await;
    let who =
        [server.add_account("anna", Some("other.example"), json!({})), server.add_account("ben", None, json!({}))];
    let at = |days: i64| (Utc::now() - Duration::days(days)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let tagged = |days: i64| json!({ "tags": [{ "name": "opensource" }], "created_at": at(days) });
    server.add_status(&who[0], "<p>old</p>", tagged(20));
    let recent: Vec<String> =
        (0..50).map(|i| server.add_status(&who[i % 2], &format!("<p>n{i}</p>"), tagged(9 - i as i64 / 6))).collect();
    let input = json!({ "instance": instance, "tag": "opensource", "since_days": 10, "limit": 100 });
    for run in 0..2 {
        let out = h.step("mastodon", "hashtag", input.clone()).await.unwrap();
        assert_eq!(ids(&out["mentions"], "id"), recent, "run {run}: the window's posts, oldest first");
        assert_eq!(out["window"]["complete"], true);
    }
    let timeline: Vec<_> = server.requests().into_iter().filter(|r| r.path.ends_with("/tag/opensource")).collect();
    assert_eq!(timeline.len(), 4, "two pages of 40 on each run, the second reaching the old post");
    assert_eq!(timeline[1].params("max_id"), [recent[10].clone()]);
}
