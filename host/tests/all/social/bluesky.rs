//! The `bluesky` plugin in the sandbox against the loopback PDS: sessions and their refresh,
//! new-only mentions and search, facets checked byte for byte, exactly-once publishing,
//! rate limits and the profile shape.

use std::net::SocketAddr;

use roost::runtime::{StepCall, StepFailure};
use serde_json::{Value, json};

use super::Harness;
use super::servers::bluesky::{APP_PASSWORD, Bluesky, HANDLE};

async fn setup() -> (Harness, Bluesky, String) {
    let (server, addr): (Bluesky, SocketAddr) = Bluesky::start().await;
    let mut h = Harness::new().await;
    h.secret("BLUESKY_APP_PASSWORD", APP_PASSWORD, &[]);
    (h, server, format!("http://loopback.test:{}", addr.port()))
}

/// `input` with the service and the signed-in account added.
fn with(service: &str, input: Value) -> Value {
    let mut input = input;
    input["service"] = json!(service);
    input["identifier"] = json!(HANDLE);
    input
}

fn publish_call(h: &Harness, service: &str, key: &str, attempt: u32, text: &str) -> StepCall {
    StepCall {
        action: "publish".into(),
        input: with(service, json!({ "text": text })),
        idempotency_key: key.into(),
        attempt,
        ..h.blank_call()
    }
}

fn texts(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_session_is_created_once_and_refreshed_when_the_token_expires() {
    let (h, server, service) = setup().await;
    h.step("bluesky", "mentions", with(&service, json!({}))).await.unwrap();
    h.step("bluesky", "mentions", with(&service, json!({}))).await.unwrap();
    assert_eq!((server.create_sessions(), server.refresh_sessions()), (1, 0), "the session is reused across steps");

    server.expire_access_tokens();
    h.step("bluesky", "mentions", with(&service, json!({}))).await.unwrap();
    assert_eq!(
        (server.create_sessions(), server.refresh_sessions()),
        (1, 1),
        "expired: refreshed, not signed in again"
    );
    h.step("bluesky", "mentions", with(&service, json!({}))).await.unwrap();
    assert_eq!((server.create_sessions(), server.refresh_sessions()), (1, 1), "the rotated pair was stored");
}

#[tokio::test]
async fn a_wrong_app_password_is_fatal_with_a_hint() {
    let (mut h, server, service) = setup().await;
    h.secret("BLUESKY_APP_PASSWORD", "wrong-pass-word-0000", &[]);
    match h.step("bluesky", "mentions", with(&service, json!({}))).await {
        Err(StepFailure::Fatal(m)) => {
            assert!(m.contains("AuthenticationRequired") && m.contains("app password"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.create_sessions(), 0);
}

#[tokio::test]
async fn mentions_are_only_the_new_ones_oldest_first() {
    let (h, server, service) = setup().await;
    server.add_notification("mention", "alice.test", "hey @roost.test");
    server.add_notification("like", "bob.test", "liked");
    server.add_notification("reply", "bob.test", "a reply");
    server.add_notification("follow", "carol.test", "followed");
    let quote = server.add_notification("quote", "carol.test", "quoting you");

    let first = h.step("bluesky", "mentions", with(&service, json!({}))).await.unwrap();
    assert_eq!(first["count"], 3);
    assert_eq!(texts(&first["mentions"]), ["hey @roost.test", "a reply", "quoting you"]);
    assert_eq!(first["cursor"], Value::Null);
    let m = &first["mentions"][2];
    assert_eq!(m["network"], "bluesky");
    assert_eq!(m["kind"], "quote");
    assert_eq!(m["id"], quote);
    let rkey = quote.rsplit('/').next().unwrap();
    assert_eq!(m["url"], format!("https://bsky.app/profile/carol.test/post/{rkey}"));
    assert_eq!(
        m["author"],
        json!({ "id": "did:plc:carol", "handle": "carol.test", "display_name": "Carol",
        "url": "https://bsky.app/profile/carol.test" })
    );
    assert_eq!(m["likes"], 1, "counts come from getPosts");
    assert_eq!(first["mentions"][1]["kind"], "reply");
    assert!(first["mentions"][1]["in_reply_to"].as_str().unwrap().starts_with("at://did:plc:roost/"));
    let listed =
        server.requests().into_iter().find(|r| r.starts_with("app.bsky.notification.listNotifications")).unwrap();
    assert!(listed.contains("reasons=mention&reasons=reply&reasons=quote"), "{listed}");

    server.add_notification("reply", "dave.test", "later reply");
    server.add_notification("mention", "erin.test", "later mention");
    let second = h.step("bluesky", "mentions", with(&service, json!({}))).await.unwrap();
    assert_eq!(texts(&second["mentions"]), ["later reply", "later mention"]);
    let third = h.step("bluesky", "mentions", with(&service, json!({}))).await.unwrap();
    assert_eq!(third["count"], 0);
}

#[tokio::test]
async fn publish_sends_facets_whose_byte_ranges_the_server_checks() {
    let (h, server, service) = setup().await;
    server.add_handle("alice.test", "did:plc:alice");
    let text = "Grüße an @alice.test 🎉 #Rust https://example.com/ü";
    let out = h.call("bluesky", publish_call(&h, &service, "run-1/post", 1, text)).await.unwrap();
    assert_eq!(out["replayed"], false);
    assert_eq!(out["network"], "bluesky");
    assert_eq!(out["scheduled_at"], Value::Null);
    let records = server.records();
    assert_eq!(records.len(), 1);
    let (rkey, record) = &records[0];
    assert_eq!(out["id"], format!("at://did:plc:roost/app.bsky.feed.post/{rkey}"));
    assert_eq!(out["url"], format!("https://bsky.app/profile/roost.test/post/{rkey}"));
    assert_eq!(record["text"], text);
    let facets: Vec<(u64, u64, Value)> = record["facets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["index"]["byteStart"].as_u64().unwrap(),
                f["index"]["byteEnd"].as_u64().unwrap(),
                f["features"][0].clone(),
            )
        })
        .collect();
    assert_eq!(facets[0], (11, 22, json!({ "$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice" })));
    assert_eq!(facets[1], (28, 33, json!({ "$type": "app.bsky.richtext.facet#tag", "tag": "Rust" })));
    assert_eq!(facets[2], (34, 56, json!({ "$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/ü" })));
}

#[tokio::test]
async fn a_reply_refers_to_its_parent_and_root() {
    let (h, server, service) = setup().await;
    let root = server.add_post("alice.test", "root post", [0, 0, 0], None);
    let parent = server.add_post("bob.test", "a reply in the thread", [0, 0, 0], Some(&root));
    let mut call = publish_call(&h, &service, "run-1/reply", 1, "my answer");
    call.input["reply_to"] = json!(parent);
    h.call("bluesky", call).await.unwrap();
    let (_, record) = &server.records()[0];
    assert_eq!(record["reply"]["parent"]["uri"], parent);
    assert_eq!(record["reply"]["root"]["uri"], root);
    assert!(record["reply"]["parent"]["cid"].as_str().unwrap().starts_with("bafyrei"));
}

#[tokio::test]
async fn the_same_idempotency_key_posts_once() {
    let (h, server, service) = setup().await;
    let first = h.call("bluesky", publish_call(&h, &service, "run-7/post", 1, "only once")).await.unwrap();
    let second = h.call("bluesky", publish_call(&h, &service, "run-7/post", 2, "only once")).await.unwrap();
    assert_eq!((first["replayed"].clone(), second["replayed"].clone()), (json!(false), json!(true)));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(server.records().len(), 1);
    let other = h.call("bluesky", publish_call(&h, &service, "run-8/post", 1, "only once")).await.unwrap();
    assert_ne!(other["id"], first["id"], "another step is another post");
    assert_eq!(server.records().len(), 2);
}

#[tokio::test]
async fn a_lost_response_is_replayed_on_retry_not_posted_twice() {
    let (h, server, service) = setup().await;
    server.fail_next_create();
    match h.call("bluesky", publish_call(&h, &service, "run-3/post", 1, "stored, answer lost")).await {
        Err(StepFailure::Retryable { message, .. }) => assert!(message.contains("does not post twice"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.records().len(), 1, "the server stored it before failing");
    let retry = h.call("bluesky", publish_call(&h, &service, "run-3/post", 2, "stored, answer lost")).await.unwrap();
    assert_eq!(retry["replayed"], true);
    assert_eq!(server.records().len(), 1);
    assert_eq!(server.calls("com.atproto.repo.createRecord"), 1);
}

#[tokio::test]
async fn more_than_300_graphemes_is_invalid_input() {
    let (h, server, service) = setup().await;
    let text = "Grüße 🎉 ".repeat(38); // 8 graphemes each: 304
    match h.call("bluesky", publish_call(&h, &service, "run-1/long", 1, &text)).await {
        Err(StepFailure::InvalidInput(m)) => assert!(m.contains("304 graphemes") && m.contains("300"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_429_is_retryable_after_the_epoch_reset() {
    let (h, server, service) = setup().await;
    server.rate_limit(30);
    match h.step("bluesky", "search", with(&service, json!({ "q": "rust" }))).await {
        Err(StepFailure::Retryable { message, after_ms: Some(ms) }) => {
            assert!((28_000..=30_000).contains(&ms), "{ms}");
            assert!(message.contains("RateLimitExceeded"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn profile_has_the_shared_shape_without_replies_or_reposts() {
    let (h, server, service) = setup().await;
    server.add_profile(json!({
        "did": "did:plc:bob", "handle": "bob.test", "displayName": "Bob", "description": "Rustacean",
        "followersCount": 1200, "followsCount": 80, "postsCount": 345,
        "createdAt": "2023-04-01T12:00:00.000Z", "indexedAt": "2024-01-01T00:00:00.000Z", "labels": [],
    }));
    let first = server.add_post("bob.test", "first", [10, 2, 1], None);
    let other = server.add_post("alice.test", "alice's", [0, 0, 0], None);
    server.add_post("bob.test", "a reply", [0, 0, 0], Some(&other));
    server.add_repost("bob.test", &other);
    server.add_post("bob.test", "second", [3, 0, 4], None);
    let out = h.step("bluesky", "profile", with(&service, json!({ "actor": "bob.test" }))).await.unwrap();
    assert_eq!(out["id"], "did:plc:bob");
    assert_eq!(
        (out["followers"].clone(), out["following"].clone(), out["posts_count"].clone()),
        (json!(1200), json!(80), json!(345))
    );
    assert_eq!(out["bio"], "Rustacean");
    assert_eq!(out["display_name"], "Bob");
    assert_eq!(out["url"], "https://bsky.app/profile/bob.test");
    assert_eq!(out["created_at"], "2023-04-01T12:00:00.000Z");
    assert_eq!(out["bot"], false);
    assert_eq!(texts(&out["recent_posts"]), ["second", "first"]);
    let p = &out["recent_posts"][1];
    assert_eq!((p["likes"].clone(), p["reposts"].clone(), p["replies"].clone()), (json!(10), json!(2), json!(1)));
    assert_eq!((p["id"].clone(), p["network"].clone()), (json!(first), json!("bluesky")));

    match h.step("bluesky", "profile", with(&service, json!({ "actor": "nobody.test" }))).await {
        Err(StepFailure::InvalidInput(m)) => assert!(m.contains("`actor`") && m.contains("Profile not found"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn search_pages_through_hits_and_returns_only_new_posts() {
    let (h, server, service) = setup().await;
    server.page_size(2);
    for i in 1..=5 {
        server.add_post("alice.test", &format!("Rust news {i}"), [i, 0, 0], None);
    }
    server.add_post("bob.test", "nothing relevant", [0, 0, 0], None);
    let first = h.step("bluesky", "search", with(&service, json!({ "q": "rust" }))).await.unwrap();
    assert_eq!(texts(&first["mentions"]), ["Rust news 1", "Rust news 2", "Rust news 3", "Rust news 4", "Rust news 5"]);
    assert_eq!(first["mentions"][0]["kind"], "post");
    assert_eq!(first["mentions"][4]["likes"], 5);
    assert_eq!(server.calls("app.bsky.feed.searchPosts"), 3, "three pages of two");

    server.add_post("carol.test", "more rust", [0, 0, 0], None);
    server.add_post("carol.test", "rust again", [0, 0, 0], None);
    let second = h.step("bluesky", "search", with(&service, json!({ "q": "rust" }))).await.unwrap();
    assert_eq!(texts(&second["mentions"]), ["more rust", "rust again"]);
    assert_eq!(server.calls("app.bsky.feed.searchPosts"), 5, "stops at the page with a seen post");

    let capped = h
        .step("bluesky", "search", with(&service, json!({ "q": "news", "limit": 3, "since_key": "n" })))
        .await
        .unwrap();
    assert_eq!(texts(&capped["mentions"]), ["Rust news 3", "Rust news 4", "Rust news 5"]);
    assert!(capped["cursor"].is_string(), "the limit leaves a cursor");
}

/// POSTs `body` to the loopback server's `nsid` with `token` and returns (status, JSON body).
async fn post(addr: SocketAddr, nsid: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut req = client.post(format!("http://{addr}/xrpc/{nsid}")).header("content-type", "application/json");
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let resp = req.body(body.to_string()).send().await.unwrap();
    assert!(resp.headers().contains_key("ratelimit-reset"), "RateLimit headers on every response");
    (resp.status().as_u16(), serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap())
}

#[tokio::test]
async fn the_loopback_server_refuses_facets_with_wrong_byte_ranges() {
    let (server, addr) = Bluesky::start().await;
    let (status, session) =
        post(addr, "com.atproto.server.createSession", None, json!({ "identifier": HANDLE, "password": APP_PASSWORD }))
            .await;
    assert_eq!(status, 200);
    let token = session["accessJwt"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "JWT-looking");
    let create = |start: u64, end: u64, kind: &str| {
        json!({ "repo": "did:plc:roost", "collection": "app.bsky.feed.post", "rkey": "3lqxyz2abcd2k", "record": {
            "$type": kind, "text": "Grüße #Rust", "createdAt": "2026-08-21T10:00:00.000Z",
            "facets": [{ "index": { "byteStart": start, "byteEnd": end },
                         "features": [{ "$type": "app.bsky.richtext.facet#tag", "tag": "Rust" }] }] } })
    };
    let (status, body) =
        post(addr, "com.atproto.repo.createRecord", Some(token), create(6, 11, "app.bsky.feed.post")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("InvalidRequest")), "code points are not bytes: {body}");
    let (status, _) =
        post(addr, "com.atproto.repo.createRecord", Some(token), create(8, 13, "app.bsky.feed.like")).await;
    assert_eq!(status, 400, "$type is checked");
    let (status, body) =
        post(addr, "com.atproto.repo.createRecord", Some(token), create(8, 13, "app.bsky.feed.post")).await;
    assert_eq!((status, body["uri"].as_str()), (200, Some("at://did:plc:roost/app.bsky.feed.post/3lqxyz2abcd2k")));
    assert_eq!(server.records().len(), 1);
}
