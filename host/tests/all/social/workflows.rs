//! The example workflows of `workflows/` end to end: each runs against the loopback
//! servers, its hosts and secrets pointed at them through inputs and the harness's
//! network policy, never through code paths of their own.

use std::net::SocketAddr;

use roost::engine::Progress;
use serde_json::json;

use super::servers::bluesky::{self, Bluesky};
use super::servers::feeds::{FeedItem, Feeds};
use super::servers::mastodon::{self, Mastodon};
use super::servers::openai::OpenAi;
use super::servers::receiver::Receiver;
use super::{Harness, workflow_file};

const HOOK_KEY: &str = "whsec-loopback";

fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://loopback.test:{}{path}", addr.port())
}

/// A harness with the tokens of the loopback Mastodon and Bluesky and the webhook key.
pub(super) async fn harness() -> Harness {
    let mut h = Harness::new().await;
    h.secret("MASTODON_TOKEN", mastodon::TOKEN, &[]);
    h.secret("BLUESKY_APP_PASSWORD", bluesky::APP_PASSWORD, &[]);
    h.secret("NOTIFY_WEBHOOK_SECRET", HOOK_KEY, &[]);
    h
}

/// Makes every timer of `run` due now: what moving a scheduled post in the calendar does.
pub(super) async fn make_timers_due(h: &Harness, run: &str) {
    let pool = sqlx::AnyPool::connect(&h.db_url).await.unwrap();
    sqlx::query("UPDATE jobs SET available_at = $1 WHERE run_id = $2")
        .bind(roost::store::now_ms())
        .bind(run)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn mention_triage_alerts_a_signed_webhook_when_negative_mentions_spike() {
    let (masto, masto_addr) = Mastodon::start().await;
    let (sky, sky_addr) = Bluesky::start().await;
    let (receiver, receiver_addr) = Receiver::start().await;
    receiver.require_signature(HOOK_KEY);
    let h = harness().await;
    let fan = masto.add_account("fan", Some("other.example"), json!({ "display_name": "Fan" }));
    let inputs = json!({
        "mastodon_instance": Mastodon::instance(masto_addr),
        "bluesky_service": url(sky_addr, ""),
        "bluesky_identifier": bluesky::HANDLE,
        "alert_url": url(receiver_addr, "/hook"),
        "crisis_key": "acme-mentions",
    });
    let file = workflow_file("mention-triage.yaml");
    // Seven quiet windows of friendly mentions, then a burst of angry ones, all fetched
    // at once (a new client's backlog): crisis windows them by their own times, learns
    // the quiet ones as history and alerts on the burst in the window that just closed.
    for round in 0..7 {
        for i in 0..3 {
            masto.add_mention(&fan, &format!("<p>Love the new release, great work! #RoostRelease ({round}/{i})</p>"));
        }
        sky.add_notification("mention", "ally.test", &format!("@roost.test thanks, this is really helpful {round}"));
        sky.add_notification("reply", "ally.test", "ok");
        masto.age_statuses(chrono::Duration::minutes(10));
    }
    for i in 0..9 {
        masto.add_mention(
            &fan,
            &format!("<p>This is terrible. Worst update ever, I hate it and want a refund ({i})</p>"),
        );
    }
    for i in 0..5 {
        sky.add_notification(
            "mention",
            "angry.test",
            &format!("@roost.test awful service, totally broken and useless {i}"),
        );
    }
    // The burst five minutes before the current 10-minute window began.
    let now = roost::store::now_ms();
    masto.age_statuses(chrono::Duration::milliseconds(now % 600_000 + 300_000));
    let (progress, report, _) = h.run_workflow(&file, inputs.clone()).await;
    assert_eq!(progress, Progress::Finished);
    assert_eq!(report.status, "succeeded", "{report:?}");
    assert_eq!(report.outputs["mentions"], 7 * 5 + 14, "{report:?}");
    let severity = report.outputs["severity"].as_str().unwrap();
    assert!(severity == "high" || severity == "critical", "{:?}", report.outputs);
    assert_eq!(report.outputs["alerted"], true);
    // Listening counts the tags people used, for caption's suggestions: the Mastodon
    // mentions; the loopback Bluesky's clock starts months ago, beyond the 28 days kept.
    let tags = &report.steps["tags"];
    assert_eq!(tags.status, "succeeded", "{tags:?}");
    let counted = ["mentions", "skipped", "tags_seen"].map(|k| tags.output[k].clone());
    assert_eq!(counted, [json!(30), json!(19), json!(21)], "{tags:?}");
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 1, "one signed alert");
    assert_eq!(receiver.hook_counts().1, 0, "no request was refused for its signature");
    assert_eq!(deliveries[0].event.as_deref(), Some("crisis"));
    assert_eq!(deliveries[0].body["severity"], severity, "{:?}", deliveries[0].body);
    let reason = deliveries[0].body["reason"].as_str().unwrap();
    assert!(reason.starts_with("negative_spike") && reason.contains("would not alert below"), "{reason}");
    assert_eq!(deliveries[0].body["sample"].as_array().unwrap().len(), 10);
    // Nothing new: the windows already scored are not scored again, so no second alert.
    let (_, report, _) = h.run_workflow(&file, inputs.clone()).await;
    assert_eq!(report.status, "succeeded", "{report:?}");
    assert_eq!(report.steps["alert"].status, "skipped", "{:?}", report.outputs);
    assert_eq!(receiver.deliveries().len(), 1);
}

#[tokio::test]
async fn caption_approve_publish_drafts_waits_for_approval_and_the_slot_then_posts_once_to_both() {
    let (masto, masto_addr) = Mastodon::start().await;
    let (sky, sky_addr) = Bluesky::start().await;
    let (model, model_addr) = OpenAi::start().await;
    let image_host = super::media::images().await;
    let h = harness().await;
    let owner = masto.owner_id();
    for i in 0..12 {
        masto.add_status(
            &owner,
            &format!("<p>Earlier post {i}</p>"),
            json!({ "favourites_count": 10 + i, "reblogs_count": i }),
        );
    }
    let inputs = json!({
        "topic": "our new open-source release",
        "keywords": ["opensource", "release"],
        "model_endpoint": url(model_addr, "/v1"),
        "model": "llama3.2",
        "mastodon_instance": Mastodon::instance(masto_addr),
        "bluesky_service": url(sky_addr, ""),
        "bluesky_identifier": bluesky::HANDLE,
        "images": [{ "url": format!("{image_host}/cat.png"), "alt": "The release notes on a laptop screen" }],
    });
    let (progress, report, engine, run) =
        h.start_workflow(&workflow_file("caption-approve-publish.yaml"), inputs).await;
    let Progress::Waiting { approvals, until: Some(expires) } = progress else { panic!("{progress:?} {report:?}") };
    assert_eq!(approvals, ["review"]);
    let in_48h = roost::store::now_ms() + 48 * 3_600_000;
    assert!((in_48h - expires).abs() < 60_000, "the approval expires in 48 hours");
    assert_eq!(model.requests().len(), 2, "one completion per network");
    assert!(model.requests().iter().any(|r| r.message("system").contains("300")), "Bluesky's limit is in the prompt");
    let approval = h.store.approval(&run, "review").await.unwrap().unwrap();
    let preview = approval.preview.unwrap();
    assert!(!preview["mastodon"].as_str().unwrap().is_empty() && !preview["bluesky"].as_str().unwrap().is_empty());

    // The approver fixes the Bluesky text; Mastodon's goes out as drafted.
    let fixed = "Our open-source release is out: faster, smaller, documented. #opensource";
    let verdict = roost::engine::Verdict {
        approved: true,
        by: "editor:ada".into(),
        comment: None,
        edits: serde_json::Map::from_iter([("bluesky".to_string(), json!(fixed))]),
    };
    engine.decide_with(&run, "review", &verdict).await.unwrap();
    let (progress, report) = h.resume(&engine, &run).await;
    let Progress::Waiting { until: Some(at), .. } = progress else {
        panic!("waits for the slot: {progress:?} {report:?}")
    };
    let slot = report.steps["slot"].output["slots"][0]["at"].as_str().unwrap().to_string();
    let slot_ms = chrono::DateTime::parse_from_rfc3339(&slot).unwrap().timestamp_millis();
    assert_eq!(at, slot_ms, "the publish steps wait for the best slot");
    assert!(masto.posted().is_empty() && sky.records().is_empty(), "nothing is posted before the slot");

    make_timers_due(&h, &run).await;
    // Mastodon processes the image first: its step is retried once it is ready.
    let (mut progress, mut report) = h.resume(&engine, &run).await;
    for _ in 0..20 {
        if progress == Progress::Finished {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        (progress, report) = h.resume(&engine, &run).await;
    }
    assert_eq!(progress, Progress::Finished);
    assert_eq!(report.status, "succeeded", "{report:?}");
    assert_eq!(masto.posted().len(), 1);
    assert_eq!(masto.posted()[0]["content"].as_str().map(|c| !c.is_empty()), Some(true));
    let posts: Vec<_> = sky.records().into_iter().filter(|(_, r)| r["$type"] == "app.bsky.feed.post").collect();
    assert_eq!(posts.len(), 1, "one Bluesky post");
    assert_eq!(posts[0].1["text"], fixed, "the approved edit is what went out");
    let alt = "The release notes on a laptop screen";
    assert_eq!(posts[0].1["embed"]["images"][0]["alt"], alt, "the image went with its alt text");
    assert_eq!(masto.posted()[0]["media_attachments"][0]["description"], alt);
    assert!(report.outputs["mastodon_url"].as_str().unwrap().starts_with("http"));
    assert!(report.outputs["bluesky_url"].as_str().unwrap().starts_with("https://bsky.app/profile/"));
}

#[tokio::test]
async fn influencer_shortlist_keeps_only_eligible_authors_and_finds_them_again() {
    let (masto, addr) = Mastodon::start().await;
    let h = harness().await;
    let note = |text: &str| format!("<p>{text}</p>");
    let big = masto.add_account("big", Some("news.example"), json!({ "followers_count": 42000, "following_count": 600, "statuses_count": 900, "note": note("Open source and privacy") }));
    let mid = masto.add_account(
        "mid",
        Some("news.example"),
        json!({ "followers_count": 15000, "following_count": 400, "statuses_count": 700, "note": note("Photos") }),
    );
    let bot = masto.add_account(
        "spam",
        Some("bots.example"),
        json!({ "followers_count": 12000, "following_count": 48000, "bot": true, "statuses_count": 50 }),
    );
    let small = masto.add_account("small", None, json!({ "followers_count": 137, "following_count": 300, "statuses_count": 200, "note": note("Rust and open source") }));
    for (account, likes) in [(&big, 840), (&mid, 150), (&bot, 0), (&small, 60)] {
        for i in 0..8 {
            masto.add_status(
                account,
                &format!("<p>Open source news {i}</p>"),
                json!({ "favourites_count": likes, "reblogs_count": likes / 10, "replies_count": likes / 20 }),
            );
        }
        masto.add_status(account, "<p>Talking about #opensource</p>", json!({ "tags": [{ "name": "opensource" }] }));
    }
    let inputs = json!({ "mastodon_instance": Mastodon::instance(addr), "tag": "opensource", "topics": ["open source"], "tier": "micro" });
    let workflow = workflow_file("influencer-shortlist.yaml");
    let (progress, report, _) = h.run_workflow(&workflow, inputs.clone()).await;
    assert_eq!(progress, Progress::Finished);
    assert_eq!(report.status, "succeeded", "{report:?}");
    assert_eq!(report.outputs["authors"], 4);
    let ranked = report.outputs["ranked"].as_array().unwrap();
    let handles: Vec<&str> = ranked.iter().map(|r| r["handle"].as_str().unwrap()).collect();
    assert_eq!(handles, ["big@news.example", "mid@news.example"], "only eligible micro-tier authors, best first");
    assert!(ranked[0]["total"].as_f64().unwrap() > ranked[1]["total"].as_f64().unwrap());
    assert!(ranked[0]["factors"].as_array().unwrap().iter().all(|f| f["reason"].is_string()));
    let excluded = report.outputs["excluded"].as_array().unwrap();
    let reasons = |handle: &str| excluded.iter().find(|e| e["handle"] == handle).unwrap()["reasons"].to_string();
    assert!(reasons("small").contains("under the minimum reach of 10000"), "{excluded:?}");
    assert!(reasons("spam@bots.example").contains("bot"), "{excluded:?}");

    // A second run over the same days finds the same authors again.
    let (progress, report, _) = h.run_workflow(&workflow, inputs).await;
    assert_eq!(progress, Progress::Finished);
    assert_eq!(report.outputs["authors"], 4, "{:?}", report.outputs);
    assert_eq!(report.outputs["ranked"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn weekly_report_posts_a_digest_to_a_slack_compatible_webhook() {
    let (masto, masto_addr) = Mastodon::start().await;
    let (sky, sky_addr) = Bluesky::start().await;
    let (receiver, receiver_addr) = Receiver::start().await;
    let h = harness().await;
    let fan = masto.add_account("fan", Some("other.example"), json!({}));
    masto.add_mention(&fan, "<p>Great work on the release!</p>");
    masto.add_mention(&fan, "<p>The app keeps crashing, really bad.</p>");
    sky.add_post("reader.test", "Reading about roost.test today, very useful", [3, 1, 0], None);
    // Our own post of the week, with the counts it has now.
    let counts = json!({ "favourites_count": 7, "reblogs_count": 2, "replies_count": 1 });
    masto.add_status(&masto.owner_id(), "<p>Our spring release is out</p>", counts);
    let inputs = json!({
        "mastodon_instance": Mastodon::instance(masto_addr),
        "bluesky_service": url(sky_addr, ""),
        "bluesky_identifier": bluesky::HANDLE,
        "slack_webhook_url": url(receiver_addr, "/slack/T000/B000/XXXX"),
        "title": "Acme weekly",
    });
    let (progress, report, _) = h.run_workflow(&workflow_file("weekly-report.yaml"), inputs).await;
    assert_eq!(progress, Progress::Finished);
    assert_eq!(report.status, "succeeded", "{report:?}");
    // The loopback Bluesky's clock starts months ago: its post falls outside the week.
    assert_eq!(report.outputs["summary"]["mentions"], 2, "{:?}", report.outputs);
    assert_eq!(report.outputs["summary"]["outside_period"], 1, "{:?}", report.outputs);
    assert_eq!(report.outputs["summary"]["posts"], 1, "{:?}", report.outputs);
    assert_eq!(report.outputs["summary"]["engagement"], 10, "{:?}", report.outputs);
    let html = report.steps["digest"].output["html"].as_str().unwrap();
    assert!(html.contains("Our spring release is out"), "the top posts show our post's text");
    let messages = receiver.slack_messages();
    assert_eq!(messages.len(), 1);
    let text = messages[0]["text"].as_str().unwrap();
    assert!(text.contains("Acme weekly") && text.contains("fan@other.example"), "{text}");
}

#[tokio::test]
async fn rss_to_post_drafts_new_items_waits_for_approval_and_publishes_them_once() {
    let (masto, masto_addr) = Mastodon::start().await;
    let (feeds, feeds_addr) = Feeds::start().await;
    let h = harness().await;
    feeds.add(FeedItem::numbered(1));
    feeds.add(FeedItem::numbered(2));
    let inputs =
        json!({ "feed_url": url(feeds_addr, "/rss.xml"), "mastodon_instance": Mastodon::instance(masto_addr) });
    let file = workflow_file("rss-to-post.yaml");
    let (progress, report, engine, run) = h.start_workflow(&file, inputs.clone()).await;
    assert_eq!(progress, Progress::Waiting { approvals: vec!["review".into()], until: None }, "{report:?}");
    let preview = h.store.approval(&run, "review").await.unwrap().unwrap().preview.unwrap();
    assert_eq!(preview.as_array().map(Vec::len), Some(2), "{preview}");
    assert!(masto.posted().is_empty());
    engine.decide(&run, "review", true, "approver:bo", Some("fine".into())).await.unwrap();
    let (progress, report) = h.resume(&engine, &run).await;
    assert_eq!(progress, Progress::Finished);
    assert_eq!(report.status, "succeeded", "{report:?}");
    let posted: Vec<String> =
        masto.posted().iter().map(|s| s["content"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert!(
        posted.iter().any(|c| c.contains("posts/1.html")) && posted.iter().any(|c| c.contains("posts/2.html")),
        "{posted:?}"
    );

    // Nothing new: the feed answers 304, nothing waits, nothing is posted again.
    let (progress, report, _) = h.run_workflow(&file, inputs).await;
    assert_eq!(progress, Progress::Finished);
    assert_eq!(report.status, "succeeded", "{report:?}");
    assert_eq!(report.outputs["drafted"], 0);
    assert_eq!(report.steps["review"].status, "skipped");
    assert_eq!(feeds.counts().1, 1, "the second fetch was a conditional GET answered 304");
    assert_eq!(masto.posted().len(), 2);
}
