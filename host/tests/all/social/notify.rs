//! The `notify` plugin in the sandbox against the loopback receiver: webhook signatures
//! checked with the known key and deliveries deduplicated across retries, Slack's answers,
//! and Matrix sends kept to one event per step with `M_LIMIT_EXCEEDED` retryable.

use roost::runtime::{StepCall, StepFailure};
use serde_json::{Value, json};

use super::Harness;
use super::servers::receiver::{MATRIX_TOKEN, ROOM, Receiver};

const KEY: &str = "whsec-loopback";

async fn setup() -> (Harness, Receiver, String) {
    let (server, addr) = Receiver::start().await;
    (Harness::new().await, server, format!("http://loopback.test:{}", addr.port()))
}

fn call(h: &Harness, action: &str, key: &str, attempt: u32, input: Value) -> StepCall {
    StepCall { action: action.into(), input, idempotency_key: key.into(), attempt, ..h.blank_call() }
}

#[tokio::test]
async fn webhook_signatures_are_verified_and_retries_deliver_once() {
    let (mut h, server, base) = setup().await;
    server.require_signature(KEY);
    let input = json!({ "url": format!("{base}/hook"), "event": "run.failed",
                        "payload": { "run": "r-1", "text": "Grüße, {{secret:NOTIFY_WEBHOOK_SECRET}}" } });

    // Without the secret the request goes out unsigned, and the receiver refuses it.
    let err = h.call("notify", call(&h, "webhook", "run-1/alert", 1, input.clone())).await.unwrap_err();
    assert!(
        matches!(&err, StepFailure::Fatal(m) if m.contains("HTTP 401") && m.contains("NOTIFY_WEBHOOK_SECRET")),
        "{err:?}"
    );
    assert_eq!(server.hook_counts(), (1, 1));

    h.secret("NOTIFY_WEBHOOK_SECRET", KEY, &[]);
    let out = h.call("notify", call(&h, "webhook", "run-1/alert", 2, input.clone())).await.unwrap();
    assert_eq!(out, json!({ "delivered": true, "status": 200 }));
    let again = h.call("notify", call(&h, "webhook", "run-1/alert", 3, input)).await.unwrap();
    assert_eq!(again["delivered"], true);
    let deliveries = server.deliveries();
    assert_eq!(deliveries.len(), 1, "one delivery per X-Roost-Delivery");
    assert_eq!(deliveries[0].id, "run-1/alert");
    assert_eq!(deliveries[0].event.as_deref(), Some("run.failed"));
    assert_eq!(
        deliveries[0].body,
        json!({ "run": "r-1", "text": "Grüße, {{secret:NOTIFY_WEBHOOK_SECRET}}" }),
        "a placeholder in the payload arrives as text, never as the secret"
    );
    assert_eq!(server.hook_counts(), (3, 1));

    h.secret("NOTIFY_WEBHOOK_SECRET", "the-wrong-key", &[]);
    let input = json!({ "url": format!("{base}/hook"), "payload": [1] });
    let err = h.step("notify", "webhook", input).await.unwrap_err();
    assert!(matches!(err, StepFailure::Fatal(_)));
    assert_eq!(server.hook_counts(), (4, 2), "a signature with another key is refused");
}

#[tokio::test]
async fn slack_ok_and_its_error_answers() {
    let (h, server, base) = setup().await;
    let hook = format!("{base}/slack/T000/B000/XXXX");
    let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "*Run* failed" } }]);
    let out = h.step("notify", "slack", json!({ "webhook_url": hook, "text": "Run failed", "blocks": blocks })).await;
    assert_eq!(out.unwrap(), json!({ "delivered": true, "status": 200 }));
    assert_eq!(server.slack_messages(), [json!({ "text": "Run failed", "blocks": blocks })]);

    let input = json!({ "webhook_url": hook, "text": "hi" });
    server.slack_answer(400, "invalid_payload", None);
    let err = h.step("notify", "slack", input.clone()).await.unwrap_err();
    assert!(matches!(&err, StepFailure::InvalidInput(m) if m.contains("`invalid_payload`")), "{err:?}");
    server.slack_answer(404, "no_service", None);
    let err = h.step("notify", "slack", input.clone()).await.unwrap_err();
    assert!(matches!(&err, StepFailure::InvalidInput(m) if m.contains("`webhook_url`")), "{err:?}");
    server.slack_answer(410, "channel_is_archived", None);
    let err = h.step("notify", "slack", input.clone()).await.unwrap_err();
    assert!(matches!(&err, StepFailure::Fatal(m) if m.contains("channel_is_archived")), "{err:?}");
    server.slack_answer(429, "rate_limited", Some(30));
    let err = h.step("notify", "slack", input).await.unwrap_err();
    assert!(matches!(err, StepFailure::Retryable { after_ms: Some(30_000), .. }));
    assert_eq!(server.slack_messages().len(), 1);
}

#[tokio::test]
async fn matrix_sends_once_per_step_and_rate_limits_are_retryable() {
    let (mut h, server, base) = setup().await;
    h.secret("MATRIX_TOKEN", MATRIX_TOKEN, &[]);
    let input = json!({ "homeserver": base, "room_id": ROOM, "text": "Run failed", "html": "<b>Run</b> failed" });

    server.matrix_limit(1);
    let err = h.call("notify", call(&h, "matrix", "run-9/notify", 1, input.clone())).await.unwrap_err();
    assert_eq!(
        err,
        StepFailure::Retryable {
            message: "the homeserver answered HTTP 429 M_LIMIT_EXCEEDED: Too Many Requests".into(),
            after_ms: Some(1500)
        }
    );
    let first = h.call("notify", call(&h, "matrix", "run-9/notify", 2, input.clone())).await.unwrap();
    let second = h.call("notify", call(&h, "matrix", "run-9/notify", 3, input.clone())).await.unwrap();
    assert_eq!(first, json!({ "delivered": true, "status": 200, "id": "$event1:loopback.test" }));
    assert_eq!(second, first, "the retry reuses the transaction id and gets the same event");
    let (requests, events) = server.matrix();
    assert_eq!((requests, events.len()), (3, 1));
    let event = &events[0];
    assert_eq!(event.txn_id, "run-9/notify");
    assert_eq!(event.raw_path, "/_matrix/client/v3/rooms/%21room%3Aloopback.test/send/m.room.message/run-9%2Fnotify");
    assert_eq!(
        event.content,
        json!({ "msgtype": "m.text", "body": "Run failed", "format": "org.matrix.custom.html",
                "formatted_body": "<b>Run</b> failed" })
    );

    let other_room = json!({ "homeserver": base, "room_id": "!elsewhere:loopback.test", "text": "hi" });
    let err = h.step("notify", "matrix", other_room).await.unwrap_err();
    assert!(matches!(&err, StepFailure::Fatal(m) if m.contains("M_FORBIDDEN")), "{err:?}");
    h.secret("MATRIX_TOKEN", "stale", &[]);
    let err = h.step("notify", "matrix", input).await.unwrap_err();
    assert!(matches!(&err, StepFailure::Fatal(m) if m.contains("M_UNKNOWN_TOKEN")), "{err:?}");
}
