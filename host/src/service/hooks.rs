//! Webhook triggers: `POST /hooks/{workspace}/{workflow}` starts a run of a workflow with
//! `on.webhook`, once the body's HMAC-SHA256 signature checks out with the workspace
//! secret the workflow names. Each delivery id starts at most one run: the delivery is
//! claimed in the transaction that creates its run, and answered only after it committed.
//! Replays are answered with that run and recorded as duplicates. A workflow with
//! `on.webhook.wait` or a `respond` step answers with what its run gave (see `hook_wait`).

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::hook_wait::{MAX_WAIT, answer_when_done, settled};
use super::scheduler::{admission, event};
use super::{AppState, launch};
use crate::store::{TriggerEvent, WorkflowRecord};

/// The largest body accepted.
pub const MAX_BODY: usize = 1 << 20;
/// Headers carrying the signature, `sha256=<hex>`: Roost's own, then GitHub's.
const SIGNATURE_HEADERS: [&str; 2] = ["x-roost-signature", "x-hub-signature-256"];
/// Headers naming the delivery, in order of preference.
const DELIVERY_HEADERS: [&str; 3] = ["x-roost-delivery", "x-github-delivery", "x-request-id"];
/// Parts of header names never passed to the run.
const PRIVATE_HEADER_PARTS: [&str; 8] =
    ["auth", "cookie", "signature", "secret", "token", "key", "password", "session"];

pub async fn receive(
    State(s): State<AppState>,
    Path((ws, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match handle(&s, &ws, &name, &headers, body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn handle(s: &AppState, ws: &str, name: &str, headers: &HeaderMap, body: Body) -> ApiResult<Response> {
    let body = read_body(headers, body).await?;
    let not_found = || ApiError::not_found(format!("no webhook for workflow `{name}` in workspace `{ws}`"));
    let w = s.store.workflow(ws, name).await?.ok_or_else(not_found)?;
    let plan = s.plans.plan(s, &w).map_err(|e| {
        tracing::error!(workspace = %ws, workflow = %name, "webhook refused: {}", e.message);
        ApiError::conflict(format!("workflow `{name}` no longer validates against the installed plugins"))
    })?;
    let hook = plan.triggers.webhook.as_ref().ok_or_else(not_found)?;
    verify(s, ws, name, &hook.secret, headers, &body).await?;
    if !w.enabled {
        let reason = "the workflow is disabled; enable it to accept webhooks";
        s.store
            .record_trigger(&TriggerEvent { reason: Some(reason.into()), ..event(s, &w, "webhook", "skipped") })
            .await?;
        return Err(ApiError::conflict(format!("workflow `{name}` is disabled; enable it to accept webhooks")));
    }
    let delivery = delivery_id(headers, &body)?;
    let parsed = parse_body(&body)?;
    let inputs = match parsed.get("inputs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(inputs)) => inputs.clone(),
        Some(_) => return Err(ApiError::invalid("`inputs` in the body must be an object of input values")),
    };
    let answer = match s.store.delivery_run(ws, name, &claim_key(&delivery)).await? {
        Some(run) => duplicate(s, &w, &delivery, run).await?,
        None => {
            let headers = safe_headers(headers);
            let trigger = json!({ "kind": "webhook", "delivery": delivery, "body": parsed, "headers": headers });
            start(s, &w, &inputs, trigger, &delivery).await?
        }
    };
    // A workflow that asks to wait, or has a `respond` step, answers with what its run
    // gave: a `respond` step's answer, the result at its end, or 202 at the cap.
    let responds = plan.responds();
    match (hook.wait.or(responds.then_some(MAX_WAIT)), answer) {
        (Some(wait), Answer::Started(run, "started")) => answer_when_done(s, ws, &run, wait, responds).await,
        (Some(_), Answer::Duplicate(run)) => match settled(s, &run, responds).await? {
            Some(done) => Ok(done),
            None => Ok(duplicate_answer(&run)),
        },
        (_, Answer::Started(run, outcome)) => {
            Ok((StatusCode::ACCEPTED, Json(json!({ "run_id": run, "outcome": outcome }))).into_response())
        }
        (_, Answer::Duplicate(run)) => Ok(duplicate_answer(&run)),
    }
}

/// What a delivery led to: a new run with its admission (`started`, `queued`, ...), or the
/// run an earlier delivery with the same id started.
enum Answer {
    Started(String, &'static str),
    Duplicate(String),
}

fn duplicate_answer(run: &str) -> Response {
    (StatusCode::OK, Json(json!({ "duplicate": true, "run_id": run }))).into_response()
}

/// The key a webhook delivery is claimed under among a workflow's claims (schedules
/// claim theirs under another prefix).
fn claim_key(delivery: &str) -> String {
    format!("hook:{delivery}")
}

/// Starts the run of `delivery`, claimed in the transaction that creates it: the answer
/// is sent once both are committed, so a 2xx always names a run that exists.
async fn start(
    s: &AppState,
    w: &WorkflowRecord,
    inputs: &Map<String, Value>,
    trigger: Value,
    delivery: &str,
) -> ApiResult<Answer> {
    let claim = claim_key(delivery);
    let run = match launch::start_claiming(s, w, inputs, trigger, Some(claim.clone())).await {
        Ok(Some(run)) => run,
        // Another attempt of the same delivery committed its run first.
        Ok(None) => {
            let run = s.store.delivery_run(&w.workspace, &w.name, &claim).await?;
            let run =
                run.ok_or_else(|| ApiError::internal(format!("delivery `{delivery}` is claimed without a run")))?;
            return duplicate(s, w, delivery, run).await;
        }
        // Nothing was claimed: the sender's retry may start the run.
        Err(e) => {
            let reason = format!("delivery `{delivery}`: the run was not started: {}", e.message);
            s.store.record_trigger(&TriggerEvent { reason: Some(reason), ..event(s, w, "webhook", "skipped") }).await?;
            return Err(e);
        }
    };
    let (outcome, why) = admission(s, &run).await?;
    let reason = Some(match why {
        Some(why) => format!("delivery `{delivery}`: {why}"),
        None => format!("delivery `{delivery}`"),
    });
    let e = TriggerEvent { run_id: Some(run.clone()), reason, ..event(s, w, "webhook", outcome) };
    s.store.record_trigger(&e).await?;
    Ok(Answer::Started(run, outcome))
}

/// The answer to a delivery seen before: the run it started.
async fn duplicate(s: &AppState, w: &WorkflowRecord, delivery: &str, run: String) -> ApiResult<Answer> {
    let reason = format!("delivery `{delivery}` was received before");
    let e = TriggerEvent { run_id: Some(run.clone()), reason: Some(reason), ..event(s, w, "webhook", "duplicate") };
    s.store.record_trigger(&e).await?;
    Ok(Answer::Duplicate(run))
}

fn too_large() -> ApiError {
    ApiError::payload_too_large(format!("the body is larger than {MAX_BODY} bytes"))
}

async fn read_body(headers: &HeaderMap, body: Body) -> ApiResult<Bytes> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| too_large())
}

/// Checks the body's signature against secret `secret` of `ws`, in constant time.
async fn verify(s: &AppState, ws: &str, name: &str, secret: &str, headers: &HeaderMap, body: &[u8]) -> ApiResult<()> {
    let unsigned = || {
        ApiError::unauthorized(
            "sign the body: send `X-Roost-Signature: sha256=<hex HMAC-SHA256 of the body>` keyed with the webhook secret",
        )
    };
    let given = SIGNATURE_HEADERS.iter().find_map(|h| headers.get(*h)).ok_or_else(unsigned)?;
    let given = given.to_str().ok().and_then(|v| v.trim().strip_prefix("sha256=")).ok_or_else(unsigned)?;
    let given =
        hex::decode(given).map_err(|_| ApiError::unauthorized("the signature must be `sha256=` and hex digits"))?;
    let sealed = s.store.secrets(ws).await?.into_iter().find(|x| x.name == secret);
    let Some(sealed) = sealed else {
        tracing::warn!(workspace = %ws, workflow = %name, "webhook refused: workspace secret `{secret}` is not set");
        return Err(ApiError::unauthorized("the signature cannot be verified"));
    };
    let key = s.vault.open(ws, &sealed).map_err(ApiError::internal)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(ApiError::internal)?;
    mac.update(body);
    mac.verify_slice(&given).map_err(|_| ApiError::unauthorized("the signature does not match the body"))
}

/// The sender's delivery id, or one derived from the body.
fn delivery_id(headers: &HeaderMap, body: &[u8]) -> ApiResult<String> {
    let Some((name, value)) = DELIVERY_HEADERS.iter().find_map(|h| headers.get(*h).map(|v| (h, v))) else {
        return Ok(format!("sha256:{}", hex::encode(Sha256::digest(body))));
    };
    let id = value.to_str().map(str::trim).unwrap_or_default();
    if id.is_empty() || id.len() > 200 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(format!("{name} must be 1 to 200 visible ASCII characters")));
    }
    Ok(id.to_string())
}

/// The body as JSON; text that is not JSON stays a string, an empty body is null.
fn parse_body(body: &[u8]) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    String::from_utf8(body.to_vec())
        .map(Value::String)
        .map_err(|_| ApiError::invalid("the body must be JSON or UTF-8 text"))
}

/// The request headers a run may see: content type, user agent, `traceparent` (the run's
/// trace, see [`crate::telemetry::context`]; ignored when sent more than once, as Trace
/// Context says) and `X-` headers whose names do not suggest credentials.
fn safe_headers(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    let one_trace = headers.get_all("traceparent").iter().count() == 1;
    for (name, value) in headers {
        let name = name.as_str();
        let public = name == "content-type"
            || name == "user-agent"
            || (name == "traceparent" && one_trace)
            || (name.starts_with("x-") && !PRIVATE_HEADER_PARTS.iter().any(|p| name.contains(p)));
        if let (true, Ok(value)) = (public, value.to_str())
            && out.len() < 50
        {
            out.insert(name.to_string(), Value::String(value.chars().take(1024).collect()));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn delivery_ids_come_from_headers_in_order_or_from_the_body() {
        let mut headers = HeaderMap::new();
        let from_body = delivery_id(&headers, b"{}").unwrap();
        assert_eq!(from_body, format!("sha256:{}", hex::encode(Sha256::digest(b"{}"))));
        headers.insert("x-request-id", HeaderValue::from_static("req-1"));
        assert_eq!(delivery_id(&headers, b"{}").unwrap(), "req-1");
        headers.insert("x-github-delivery", HeaderValue::from_static("gh-1"));
        headers.insert("x-roost-delivery", HeaderValue::from_static("roost-1"));
        assert_eq!(delivery_id(&headers, b"{}").unwrap(), "roost-1");
        headers.insert("x-roost-delivery", HeaderValue::from_static("has space"));
        assert_eq!(delivery_id(&headers, b"{}").unwrap_err().status, 400);
    }

    #[test]
    fn runs_see_no_credentials_among_the_headers() {
        let mut headers = HeaderMap::new();
        for (k, v) in [
            ("authorization", "Bearer x"),
            ("cookie", "a=b"),
            ("x-roost-signature", "sha256=00"),
            ("x-api-key", "k"),
            ("x-github-event", "push"),
            ("content-type", "application/json"),
        ] {
            headers.insert(k, HeaderValue::from_static(v));
        }
        let safe = safe_headers(&headers);
        assert_eq!(safe, json!({ "x-github-event": "push", "content-type": "application/json" }));
    }

    #[test]
    fn a_traceparent_sent_twice_names_no_trace() {
        let one = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let mut headers = HeaderMap::new();
        headers.insert("traceparent", HeaderValue::from_static(one));
        assert_eq!(safe_headers(&headers), json!({ "traceparent": one }));
        headers
            .append("traceparent", HeaderValue::from_static("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        assert_eq!(safe_headers(&headers), json!({}), "two callers' traces: neither is trusted");
    }

    #[test]
    fn bodies_parse_as_json_text_or_null() {
        assert_eq!(parse_body(b"").unwrap(), Value::Null);
        assert_eq!(parse_body(b"{\"a\":1}").unwrap(), json!({ "a": 1 }));
        assert_eq!(parse_body(b"a=1&b=2").unwrap(), json!("a=1&b=2"));
        assert_eq!(parse_body(&[0xff, 0xfe]).unwrap_err().status, 400);
    }
}
