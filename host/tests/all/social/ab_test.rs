//! Post performance: `mastodon/stats` and `bluesky/stats` against the loopback servers,
//! and the shipped A/B workflow publishing three captions to both networks, reading their
//! counts after the wait and naming the winner by its stated rule.

use roost::engine::Progress;
use serde_json::{Value, json};

use super::servers::bluesky::{self, Bluesky};
use super::servers::mastodon::Mastodon;
use super::workflow_file;
use super::workflows::{harness, make_timers_due};

fn engagement(variants: &Value) -> Vec<u64> {
    variants.as_array().unwrap().iter().map(|v| v["engagement"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn the_ab_workflow_posts_every_variant_waits_reads_the_counts_and_names_the_winner() {
    let (masto, masto_addr) = Mastodon::start().await;
    let (sky, sky_addr) = Bluesky::start().await;
    let h = harness().await;
    let variants = ["Our release is out today.", "New release: faster and smaller. Try it!", "Ship day! What's new:"];
    let inputs = json!({
        "variants": variants,
        "measure_after": "6h",
        "mastodon_instance": Mastodon::instance(masto_addr),
        "bluesky_service": format!("http://loopback.test:{}", sky_addr.port()),
        "bluesky_identifier": bluesky::HANDLE,
    });
    let (progress, report, engine, run) = h.start_workflow(&workflow_file("caption-ab-test.yaml"), inputs).await;
    let Progress::Waiting { until: Some(at), .. } = progress else {
        panic!("waits to measure: {progress:?} {report:?}")
    };
    let in_6h = roost::store::now_ms() + 6 * 3_600_000;
    assert!((in_6h - at).abs() < 60_000, "the counts are read 6 hours after posting");
    let posted = masto.posted();
    assert_eq!(posted.len(), 3, "every variant on Mastodon");
    let uris: Vec<String> =
        report.steps["bluesky"].output.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().into()).collect();
    assert_eq!(uris.len(), 3, "every variant on Bluesky");

    // B does best on Mastodon, C on Bluesky; C has the most over both.
    for (status, (fav, boosts, replies)) in posted.iter().zip([(3, 1, 0), (10, 4, 2), (5, 0, 1)]) {
        masto.set_counts(status["id"].as_str().unwrap(), fav, boosts, replies);
    }
    for (uri, counts) in uris.iter().zip([[2, 0, 0, 0], [6, 1, 1, 1], [20, 5, 1, 0]]) {
        sky.set_counts(uri, counts);
    }
    make_timers_due(&h, &run).await;
    let (progress, report) = h.resume(&engine, &run).await;
    assert_eq!(progress, Progress::Finished, "{report:?}");
    assert_eq!(report.status, "succeeded", "{report:?}");
    let out = &report.outputs;
    assert_eq!(engagement(&out["variants"]), [4 + 2, 16 + 9, 6 + 26]);
    assert_eq!((out["winner"]["label"].as_str(), out["winner"]["text"].as_str()), (Some("C"), Some(variants[2])));
    assert_eq!(out["decided"], true);
    assert!(out["rule"].as_str().unwrap().starts_with("the variant with the most engagement"), "{out}");
    let by_network: Vec<u64> =
        out["winner"]["by_network"].as_array().unwrap().iter().map(|n| n["engagement"].as_u64().unwrap()).collect();
    assert_eq!(by_network, [6, 26]);
    assert_eq!(masto.posted().len(), 3, "measuring posts nothing");

    // A later reading adds to each post's history; the first reading is kept.
    masto.set_counts(posted[1]["id"].as_str().unwrap(), 30, 9, 4);
    let ids: Vec<&str> = posted.iter().map(|s| s["id"].as_str().unwrap()).collect();
    let later = h.step("mastodon", "stats", json!({ "instance": Mastodon::instance(masto_addr), "ids": ids })).await;
    let later = later.unwrap();
    let history = later["posts"][1]["history"].as_array().unwrap();
    let likes: Vec<u64> = history.iter().map(|s| s["likes"].as_u64().unwrap()).collect();
    assert_eq!(likes, [10, 30], "the campaign's counts over time");
    assert_eq!(later["posts"][1]["engagement"], 43);
}

#[tokio::test]
async fn stats_of_a_post_that_is_gone_are_zero_and_bad_ids_are_named() {
    let (masto, addr) = Mastodon::start().await;
    let (_sky, sky_addr) = Bluesky::start().await;
    let h = harness().await;
    let owner = masto.owner_id();
    let kept = masto.add_status(&owner, "<p>Still here</p>", json!({ "favourites_count": 7, "quotes_count": 2 }));
    let instance = Mastodon::instance(addr);
    let out =
        h.step("mastodon", "stats", json!({ "instance": instance, "ids": [kept, "999"], "history": false })).await;
    let out = out.unwrap();
    assert_eq!((out["posts"][0]["found"].as_bool(), out["posts"][0]["engagement"].as_u64()), (Some(true), Some(9)));
    assert_eq!(out["posts"][0]["text"], "Still here");
    assert_eq!(out["posts"][0]["history"], json!([]), "history: false records nothing");
    assert_eq!((out["posts"][1]["found"].as_bool(), out["posts"][1]["engagement"].as_u64()), (Some(false), Some(0)));

    let bad = h.step("mastodon", "stats", json!({ "instance": instance, "ids": ["../admin"] })).await.unwrap_err();
    assert!(bad.to_string().contains("`../admin` is not a status id"), "{bad}");
    let service = format!("http://loopback.test:{}", sky_addr.port());
    let missing = "at://did:plc:roost/app.bsky.feed.post/3zzzzzzzzzzzz";
    let input = json!({ "service": service, "identifier": bluesky::HANDLE, "uris": [missing] });
    let out = h.step("bluesky", "stats", input).await.unwrap();
    assert_eq!(out["posts"][0]["found"], false);
    let input = json!({ "service": service, "identifier": bluesky::HANDLE, "uris": ["https://bsky.app/x"] });
    let bad = h.step("bluesky", "stats", input).await.unwrap_err();
    assert!(bad.to_string().contains("is not an AT-URI"), "{bad}");
}
