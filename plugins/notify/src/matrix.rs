//! A message to a Matrix room: `PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/
//! {txnId}` with the step's idempotency key as transaction id, so the homeserver keeps a
//! retried send as one event. Errors are `{"errcode", "error", "retry_after_ms"?}`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use roost_sdk::http::{Request, Response};
use roost_sdk::{StepError, Value, secrets};
use serde_json::json;

use crate::Delivered;
use crate::wire::{body_start, check_url, inert_json, retry};

/// The secret sent as `Authorization: Bearer …`.
pub const TOKEN: &str = "MATRIX_TOKEN";

/// Everything but the unreserved characters is encoded: `!room:server` → `%21room%3Aserver`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A message to send.
pub struct Message<'a> {
    pub homeserver: &'a str,
    pub room_id: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
}

/// The send URL of `message` under transaction `txn_id`.
pub fn url(message: &Message, txn_id: &str) -> String {
    format!(
        "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
        message.homeserver.trim_end_matches('/'),
        utf8_percent_encode(message.room_id, SEGMENT),
        utf8_percent_encode(txn_id, SEGMENT)
    )
}

/// The request sending `message` once under transaction `txn_id`.
pub fn request(message: &Message, txn_id: &str) -> Result<Request, StepError> {
    check_url("homeserver", message.homeserver)?;
    if !message.room_id.starts_with('!') || !message.room_id.contains(':') {
        return Err(StepError::invalid_input(format!(
            "`room_id` {:?} is not a room id; use the id from the room's settings (\"!abc:example.org\"), not an alias",
            message.room_id
        )));
    }
    let mut body = json!({ "msgtype": "m.text", "body": message.text });
    if let Some(html) = message.html {
        body["format"] = json!("org.matrix.custom.html");
        body["formatted_body"] = json!(html);
    }
    let token = secrets::placeholder(TOKEN)?;
    Ok(Request::new("PUT", &url(message, txn_id))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(inert_json(&body)?))
}

/// The outcome of the homeserver's answer.
pub fn outcome(response: &Response) -> Result<Delivered, StepError> {
    let status = response.status;
    let value: Option<Value> = serde_json::from_slice(&response.body).ok();
    if (200..300).contains(&status) {
        let id = value.as_ref().and_then(|v| v.get("event_id")).and_then(Value::as_str).map(String::from);
        return Ok(Delivered { delivered: true, status, id });
    }
    let field = |name: &str| value.as_ref().and_then(|v| v.get(name)).and_then(Value::as_str).map(String::from);
    let errcode = field("errcode").unwrap_or_default();
    let said = match field("error") {
        Some(error) => format!("the homeserver answered HTTP {status} {errcode}: {error}"),
        None => format!("the homeserver answered HTTP {status}: {}", body_start(response)),
    };
    let after_ms = value.as_ref().and_then(|v| v.get("retry_after_ms")).and_then(Value::as_u64);
    match (status, errcode.as_str()) {
        (_, "M_LIMIT_EXCEEDED") | (429 | 500.., _) => Err(retry(said, after_ms.or_else(|| response.retry_after_ms()))),
        (_, "M_UNKNOWN_TOKEN" | "M_MISSING_TOKEN") | (401, _) => {
            Err(StepError::fatal(format!("{said}; set the workspace secret {TOKEN} to a valid access token")))
        }
        (_, "M_FORBIDDEN") | (403, _) => {
            Err(StepError::fatal(format!("{said}; the account may not post in this room: invite it and let it join")))
        }
        (_, "M_NOT_FOUND" | "M_UNRECOGNIZED") | (404 | 405, _) => Err(StepError::invalid_input(format!(
            "{said}; check `homeserver` (the client-server API base URL, e.g. https://matrix.example.org) and `room_id`"
        ))),
        (400 | 413, _) => Err(StepError::invalid_input(format!("{said}; check `text` and `html`"))),
        _ => Err(StepError::fatal(said)),
    }
}

#[cfg(test)]
mod tests {
    use roost_sdk::testing::{FakeHost, Reply};

    use super::*;
    use crate::Matrix;

    fn input() -> Value {
        json!({"homeserver": "https://matrix.example.org/", "room_id": "!abc:example.org", "text": "hi", "html": "<b>hi</b>"})
    }

    #[test]
    fn puts_the_message_under_the_idempotency_key() {
        let host = FakeHost::new()
            .secret(TOKEN, "syt_token")
            .context(|c| c.idempotency_key = "run-7/post/0".into())
            .on_http(|_| Reply::json(200, &json!({"event_id": "$ev1"})));
        let out = host.run::<Matrix>(input()).unwrap();
        assert_eq!(out, json!({"delivered": true, "status": 200, "id": "$ev1"}));
        let sent = &host.requests()[0];
        assert_eq!(sent.method, "PUT");
        assert_eq!(
            sent.url,
            "https://matrix.example.org/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/run-7%2Fpost%2F0"
        );
        assert_eq!(sent.header_value("authorization"), Some("Bearer syt_token"));
        let body: Value = serde_json::from_slice(sent.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"msgtype": "m.text", "body": "hi", "format": "org.matrix.custom.html", "formatted_body": "<b>hi</b>"})
        );
    }

    #[test]
    fn needs_the_token_and_a_room_id() {
        let host = FakeHost::new().on_http(|_| Reply::json(200, &json!({})));
        assert!(matches!(host.run::<Matrix>(input()), Err(StepError::InvalidInput(m)) if m.contains(TOKEN)));
        let host = host.secret(TOKEN, "t");
        let alias = json!({"homeserver": "https://m.org", "room_id": "#news:m.org", "text": "hi"});
        assert!(matches!(host.run::<Matrix>(alias), Err(StepError::InvalidInput(m)) if m.contains("not an alias")));
        assert!(host.requests().is_empty());
    }

    #[test]
    fn maps_matrix_errors() {
        let answer = |status, body: Value| Response { status, headers: vec![], body: body.to_string().into_bytes() };
        let limited =
            answer(429, json!({"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 2000}));
        assert_eq!(
            outcome(&limited).unwrap_err(),
            StepError::Retryable {
                message: "the homeserver answered HTTP 429 M_LIMIT_EXCEEDED: Too many requests".into(),
                after_ms: Some(2000)
            }
        );
        let forbidden = answer(403, json!({"errcode": "M_FORBIDDEN", "error": "not in room"}));
        assert!(matches!(outcome(&forbidden), Err(StepError::Fatal(m)) if m.contains("invite it")));
        let token = answer(401, json!({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token"}));
        assert!(matches!(outcome(&token), Err(StepError::Fatal(m)) if m.contains(TOKEN)));
        let unknown = answer(404, json!({"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}));
        assert!(matches!(outcome(&unknown), Err(StepError::InvalidInput(m)) if m.contains("`homeserver`")));
        let html = Response { status: 502, headers: vec![], body: b"<html>Bad Gateway</html>".to_vec() };
        assert!(matches!(outcome(&html), Err(StepError::Retryable { after_ms: None, .. })));
    }
}
