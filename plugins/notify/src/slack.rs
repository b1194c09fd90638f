//! A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): POST `{text,
//! blocks?}`; Slack answers `ok`, or a short error code as plain text with the status.

use roost_sdk::http::{Request, Response};
use roost_sdk::{StepError, Value};
use serde_json::json;

use crate::Delivered;
use crate::wire::{body_start, check_url, inert_json, retry};

/// The request posting `text` (and `blocks`, which Slack shows instead of `text`).
pub fn request(webhook_url: &str, text: &str, blocks: Option<&Value>) -> Result<Request, StepError> {
    check_url("webhook_url", webhook_url)?;
    if text.trim().is_empty() {
        return Err(StepError::invalid_input("`text` is empty; Slack needs it even with blocks, for notifications"));
    }
    let mut body = json!({ "text": text });
    if let Some(blocks) = blocks {
        body["blocks"] = blocks.clone();
    }
    Ok(Request::post(webhook_url).header("Content-Type", "application/json").body(inert_json(&body)?))
}

/// The outcome of Slack's answer, by status and error code.
pub fn outcome(response: &Response) -> Result<Delivered, StepError> {
    let status = response.status;
    let code = body_start(response);
    let said = format!("Slack answered HTTP {status} `{code}`");
    match status {
        200..=299 => Ok(Delivered { delivered: true, status, id: None }),
        429 | 500.. => Err(retry(said, response.retry_after_ms())),
        400 => Err(StepError::invalid_input(format!(
            "{said}: the message was refused; check `text` and `blocks` (Block Kit)"
        ))),
        403 | 404 => Err(StepError::invalid_input(format!(
            "{said}: `webhook_url` is not an active incoming webhook (revoked, or its app was removed); create a new one"
        ))),
        410 => Err(StepError::fatal(format!(
            "{said}: the webhook's channel is archived; unarchive it or use another webhook"
        ))),
        _ => Err(StepError::fatal(said)),
    }
}

#[cfg(test)]
mod tests {
    use roost_sdk::testing::{FakeHost, Reply};

    use super::*;
    use crate::Slack;

    fn answer(status: u16, body: &str) -> Response {
        Response { status, headers: vec![("Retry-After".into(), "30".into())], body: body.as_bytes().to_vec() }
    }

    #[test]
    fn posts_text_and_blocks() {
        let host = FakeHost::new().on_http(|_| Reply::text(200, "ok"));
        let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*Run* failed"}}]);
        let input =
            json!({"webhook_url": "https://hooks.slack.com/services/T/B/x", "text": "Run failed", "blocks": blocks});
        assert_eq!(host.run::<Slack>(input).unwrap(), json!({"delivered": true, "status": 200}));
        let body: Value = serde_json::from_slice(host.requests()[0].body.as_deref().unwrap()).unwrap();
        assert_eq!(body, json!({"text": "Run failed", "blocks": blocks}));
    }

    #[test]
    fn maps_slack_error_codes() {
        let invalid = outcome(&answer(400, "invalid_payload")).unwrap_err();
        assert!(
            matches!(invalid, StepError::InvalidInput(m) if m.contains("`invalid_payload`") && m.contains("`blocks`"))
        );
        let gone = outcome(&answer(404, "no_service")).unwrap_err();
        assert!(matches!(gone, StepError::InvalidInput(m) if m.contains("`webhook_url`")));
        assert!(
            matches!(outcome(&answer(410, "channel_is_archived")), Err(StepError::Fatal(m)) if m.contains("archived"))
        );
        assert_eq!(
            outcome(&answer(429, "rate_limited")).unwrap_err(),
            StepError::Retryable { message: "Slack answered HTTP 429 `rate_limited`".into(), after_ms: Some(30_000) }
        );
        assert!(matches!(outcome(&answer(500, "rollup_error")), Err(StepError::Retryable { .. })));
    }

    #[test]
    fn refuses_empty_text() {
        let err = request("https://hooks.slack.com/x", " ", None).unwrap_err();
        assert!(matches!(err, StepError::InvalidInput(m) if m.contains("`text`")));
    }
}
