//! A JSON POST to any URL, signed with HMAC-SHA256 when the workspace has set
//! `NOTIFY_WEBHOOK_SECRET`, and carrying a delivery id for deduplication.
//!
//! Headers: `X-Roost-Delivery` (the step's idempotency key, the same on every retry),
//! `X-Roost-Timestamp` (Unix seconds), `X-Roost-Event` (when given) and
//! `X-Roost-Signature: sha256=<hex>`, the HMAC of the exact body bytes, computed by the
//! host so the plugin never holds the key.

use roost_sdk::http::{Request, Response};
use roost_sdk::secrets::{self, SecretError};
use roost_sdk::{Context, StepError, Value};

use crate::Delivered;
use crate::wire::{body_start, check_url, inert_json, retry};

/// The secret that signs webhook bodies.
pub const SECRET: &str = "NOTIFY_WEBHOOK_SECRET";

/// The request for `payload`, signed when the secret is set.
pub fn request(
    ctx: &Context,
    url: &str,
    payload: &Value,
    event: Option<&str>,
    now_secs: u64,
) -> Result<Request, StepError> {
    check_url("url", url)?;
    let body = inert_json(payload)?;
    let mut request = Request::post(url)
        .header("Content-Type", "application/json")
        .header("X-Roost-Delivery", ctx.idempotency_key.as_str())
        .header("X-Roost-Timestamp", now_secs.to_string());
    if let Some(event) = event {
        request = request.header("X-Roost-Event", event);
    }
    match secrets::hmac_sha256(SECRET, &body) {
        Ok(mac) => request = request.header("X-Roost-Signature", format!("sha256={mac}")),
        Err(SecretError::NotSet(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(request.body(body))
}

/// The outcome of the receiver's answer.
pub fn outcome(url: &str, response: &Response) -> Result<Delivered, StepError> {
    let status = response.status;
    let detail = || format!("{url} answered HTTP {status}: {}", body_start(response));
    match status {
        200..=299 => Ok(Delivered { delivered: true, status, id: None }),
        408 | 425 | 429 | 500.. => Err(retry(detail(), response.retry_after_ms())),
        401 | 403 => Err(StepError::fatal(format!(
            "{}; the receiver refused the request: if it checks signatures, set the workspace secret {SECRET} \
             to its key",
            detail()
        ))),
        404 | 410 => Err(StepError::invalid_input(format!("`url`: {}; is the webhook URL still valid?", detail()))),
        400 | 413 | 415 | 422 => Err(StepError::invalid_input(format!("`payload`: {}", detail()))),
        _ => Err(StepError::fatal(detail())),
    }
}

#[cfg(test)]
mod tests {
    use roost_sdk::testing::{FakeHost, Reply};
    use serde_json::json;

    use super::*;
    use crate::Webhook;

    #[test]
    fn signs_the_exact_body_when_the_secret_is_set() {
        let host = FakeHost::new().secret(SECRET, "Jefe").on_http(|_| Reply::text(202, "accepted"));
        let input =
            json!({"url": "https://hooks.example/in", "payload": {"ok": true, "run": "r1"}, "event": "run.done"});
        let out = host.run::<Webhook>(input).unwrap();
        assert_eq!(out, json!({"delivered": true, "status": 202}));
        let sent = &host.requests()[0];
        let body = sent.body.as_deref().unwrap();
        assert_eq!(body, br#"{"ok":true,"run":"r1"}"#);
        // HMAC-SHA256 of that body under the key "Jefe", computed independently.
        let expected = "7796727cda6f671a056627478c98954219990cc19a97c06a84a3d13a4f3dbdaf";
        assert_eq!(sent.header_value("x-roost-signature"), Some(format!("sha256={expected}").as_str()));
        assert_eq!(sent.header_value("x-roost-delivery"), Some("run-1/step-1"));
        assert_eq!(sent.header_value("x-roost-event"), Some("run.done"));
        assert!(sent.header_value("x-roost-timestamp").unwrap().parse::<u64>().unwrap() > 1_700_000_000);
    }

    #[test]
    fn unsigned_without_the_secret() {
        let host = FakeHost::new().on_http(|_| Reply::text(200, "ok"));
        host.run::<Webhook>(json!({"url": "https://hooks.example/in", "payload": [1, 2]})).unwrap();
        let sent = &host.requests()[0];
        assert_eq!(sent.header_value("x-roost-signature"), None);
        assert_eq!(sent.header_value("x-roost-event"), None);
        assert_eq!(sent.body.as_deref(), Some(&b"[1,2]"[..]));
    }

    #[test]
    fn maps_statuses() {
        let response = |status, after: Option<&str>| Response {
            status,
            headers: after.map(|a| vec![("Retry-After".to_string(), a.to_string())]).unwrap_or_default(),
            body: b"nope".to_vec(),
        };
        let url = "https://hooks.example/in";
        assert_eq!(outcome(url, &response(204, None)).unwrap().status, 204);
        assert_eq!(
            outcome(url, &response(429, Some("3"))).unwrap_err(),
            StepError::Retryable { message: format!("{url} answered HTTP 429: nope"), after_ms: Some(3000) }
        );
        assert!(matches!(outcome(url, &response(503, None)), Err(StepError::Retryable { after_ms: None, .. })));
        assert!(matches!(outcome(url, &response(401, None)), Err(StepError::Fatal(m)) if m.contains(SECRET)));
        assert!(
            matches!(outcome(url, &response(410, None)), Err(StepError::InvalidInput(m)) if m.starts_with("`url`"))
        );
        assert!(
            matches!(outcome(url, &response(422, None)), Err(StepError::InvalidInput(m)) if m.starts_with("`payload`"))
        );
        assert!(matches!(outcome(url, &response(418, None)), Err(StepError::Fatal(_))));
    }
}
