//! Images with alt text: `mastodon/publish` uploads each with `POST /api/v2/media` and
//! waits for Mastodon's asynchronous processing across a retry of its step, uploading
//! nothing twice; `bluesky/publish` uploads blobs and embeds them with their alt text and
//! aspect ratio; what is not an image, too large or without alt text is refused first.

use axum::Router;
use axum::routing::get;
use roost::runtime::{StepCall, StepFailure};
use serde_json::{Value, json};

use super::servers::bluesky::{self, Bluesky};
use super::servers::mastodon::Mastodon;
use super::workflows::harness;
use crate::support;

/// The header of a 1200 x 675 PNG, padded: what the plugins read of an image.
pub(super) fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&1200u32.to_be_bytes());
    b.extend_from_slice(&675u32.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0]);
    b.resize(4096, 7);
    b
}

/// A loopback image host: `/cat.png`, `/page.png` (HTML under an image name) and
/// `/huge.png` (a PNG of 1.5 MB).
pub(super) async fn images() -> String {
    let huge = {
        let mut b = png();
        b.resize(1_500_000, 0);
        b
    };
    let app = Router::new()
        .route("/cat.png", get(|| async { ([("content-type", "image/png")], png()) }))
        .route("/page.png", get(|| async { ([("content-type", "image/png")], "<html>login</html>") }))
        .route("/huge.png", get(move || async move { ([("content-type", "image/png")], huge.clone()) }));
    format!("http://loopback.test:{}", support::serve_loopback(app).await.port())
}

fn failure_text(result: Result<Value, StepFailure>) -> String {
    result.expect_err("refused").to_string()
}

#[tokio::test]
async fn a_status_with_two_images_is_uploaded_once_waits_for_processing_and_posts_once() {
    let (masto, addr) = Mastodon::start().await;
    let host = images().await;
    let h = harness().await;
    let input = json!({
        "instance": Mastodon::instance(addr), "text": "New office, new view",
        "media": [{ "url": format!("{host}/cat.png"), "alt": "A cat on a desk by the window" },
                  { "url": format!("{host}/cat.png"), "alt": "The same cat, asleep" }],
    });
    let call = || StepCall { action: "publish".into(), input: input.clone(), ..h.blank_call() };
    let first = call();
    let key = first.idempotency_key.clone();
    // Mastodon answers 202 and is still processing: the step asks to be retried shortly.
    match h.call("mastodon", first).await {
        Err(StepFailure::Retryable { message, after_ms }) => {
            assert!(message.contains("still processing media"), "{message}");
            assert_eq!(after_ms, Some(2_000));
        }
        other => panic!("waits for processing: {other:?}"),
    }
    assert!(masto.posted().is_empty(), "nothing is posted before the media is ready");
    let retry = StepCall { idempotency_key: key, attempt: 2, ..call() };
    let out = h.call("mastodon", retry).await.expect("the retry posts");
    assert_eq!(masto.posted().len(), 1);
    let status = &masto.posted()[0];
    assert_eq!(status["id"], out["id"]);
    let attached = status["media_attachments"].as_array().unwrap();
    let alts: Vec<&str> = attached.iter().map(|m| m["description"].as_str().unwrap()).collect();
    assert_eq!(alts, ["A cat on a desk by the window", "The same cat, asleep"]);
    let (bytes, uploads) = masto.media(attached[0]["id"].as_str().unwrap());
    assert_eq!((bytes, uploads), (Some(png()), 2), "each image uploaded once, byte for byte");
}

#[tokio::test]
async fn a_bluesky_post_embeds_its_images_with_alt_text_and_aspect_ratio() {
    let (sky, addr) = Bluesky::start().await;
    let host = images().await;
    let h = harness().await;
    let input = json!({
        "service": format!("http://loopback.test:{}", addr.port()), "identifier": bluesky::HANDLE,
        "text": "Our stand at the fair", "media": [{ "url": format!("{host}/cat.png"), "alt": "Booth 12 with our banner" }],
    });
    let out = h.step("bluesky", "publish", input.clone()).await.expect("published");
    let records = sky.records();
    let (_, record) = records.iter().find(|(_, r)| r["$type"] == "app.bsky.feed.post").expect("the post");
    let image = &record["embed"]["images"][0];
    assert_eq!(record["embed"]["$type"], "app.bsky.embed.images");
    assert_eq!(image["alt"], "Booth 12 with our banner");
    assert_eq!(image["aspectRatio"], json!({ "width": 1200, "height": 675 }));
    let cid = image["image"]["ref"]["$link"].as_str().unwrap();
    assert_eq!(sky.blob(cid), Some(("image/png".to_string(), png())));
    assert!(out["id"].as_str().unwrap().starts_with("at://"));
}

#[tokio::test]
async fn images_without_alt_text_that_are_not_images_or_too_large_are_refused_before_posting() {
    let (masto, addr) = Mastodon::start().await;
    let (sky, sky_addr) = Bluesky::start().await;
    let host = images().await;
    let h = harness().await;
    let masto_input = |media: Value, extra: Value| {
        let mut input = json!({ "instance": Mastodon::instance(addr), "text": "Hello", "media": media });
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        input
    };
    let no_alt = json!([{ "url": format!("{host}/cat.png") }]);
    let refused = failure_text(h.step("mastodon", "publish", masto_input(no_alt.clone(), json!({}))).await);
    assert!(refused.contains("`media[0].alt` is missing"), "{refused}");
    let page = json!([{ "url": format!("{host}/page.png"), "alt": "x" }]);
    let refused = failure_text(h.step("mastodon", "publish", masto_input(page, json!({}))).await);
    assert!(refused.contains("is not a PNG, JPEG, GIF or WebP image"), "{refused}");
    assert!(masto.posted().is_empty() && masto.media("none").1 == 0, "nothing was uploaded or posted");

    let sky_input = json!({
        "service": format!("http://loopback.test:{}", sky_addr.port()), "identifier": bluesky::HANDLE,
        "text": "Too big", "media": [{ "url": format!("{host}/huge.png"), "alt": "a large photo" }],
    });
    let refused = failure_text(h.step("bluesky", "publish", sky_input).await);
    assert!(refused.contains("over the 1000000 this network takes"), "{refused}");
    assert!(sky.records().is_empty());

    // Opting out of alt text publishes the image without one (on the retry that finds it processed).
    let call = StepCall {
        action: "publish".into(),
        input: masto_input(no_alt, json!({ "alt_optional": true })),
        ..h.blank_call()
    };
    assert!(matches!(h.call("mastodon", call.clone()).await, Err(StepFailure::Retryable { .. })));
    let out = h.call("mastodon", StepCall { attempt: 2, ..call }).await.expect("published without alt text");
    assert_eq!(masto.posted()[0]["id"], out["id"]);
    assert_eq!(masto.posted()[0]["media_attachments"][0]["description"], Value::Null);
}
