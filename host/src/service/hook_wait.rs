//! Webhooks that answer with the run's result (`on.webhook.wait`) or with what a `respond`
//! step rendered: the run is committed first, then driven at once, and the answer waits,
//! up to the workflow's cap, for the first `respond` step to succeed (its status, headers
//! and body) or for the run to end (200 with its status and outputs); at the cap it is a
//! 202 with the run's id and status so far.
//!
//! The stored run is the source of truth, since another process may drive it. Its end is
//! heard from this process's worker, with a read of the run every 250 ms; a `respond`
//! step is looked for by a read that starts after 10 ms and backs off to 250 ms.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::AppState;
use super::error::{ApiResult, Verbatim};
use crate::engine::RESPOND_PLUGIN;
use crate::store::FINISHED;

/// The longest a webhook may ask to wait, and how long one whose workflow has a
/// `respond` step waits when it sets no `wait`.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// How often the run is read again while nothing is heard.
const RECHECK: Duration = Duration::from_millis(250);

/// The first read for a `respond` step's answer: most come within a few steps.
const FIRST_RECHECK: Duration = Duration::from_millis(10);

/// Answers one workspace may keep waiting at once: each re-reads its run until it is
/// answered, so a flood of slow deliveries of one workspace would load the database for
/// all. Beyond it a delivery is answered at once, 202 with its committed run's id.
pub const MAX_OPEN_WAITS: usize = 64;

/// The answers waiting now, by workspace.
#[derive(Default)]
pub struct OpenWaits(Mutex<HashMap<String, usize>>);

impl OpenWaits {
    /// A place among `workspace`'s waiting answers, kept until dropped; none when it holds
    /// [`MAX_OPEN_WAITS`] already.
    pub fn enter(&self, workspace: &str) -> Option<OpenWait<'_>> {
        let mut open = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(workspace.to_string()).or_default();
        if *count >= MAX_OPEN_WAITS {
            return None;
        }
        *count += 1;
        Some(OpenWait { waits: self, workspace: workspace.to_string() })
    }
}

/// One waiting answer's place, given back when it is answered in any way.
pub struct OpenWait<'a> {
    waits: &'a OpenWaits,
    workspace: String,
}

impl Drop for OpenWait<'_> {
    fn drop(&mut self) {
        let mut open = self.waits.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.workspace) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.workspace);
            }
        }
    }
}

/// The header that names the run in a `respond` step's answer.
const RUN_HEADER: &str = "x-roost-run-id";

/// Drives `run` of `workspace` now and answers once a `respond` step has (when `responds`)
/// or the run has ended, or with a 202 after `wait`.
pub async fn answer_when_done(
    s: &AppState,
    workspace: &str,
    run: &str,
    wait: Duration,
    responds: bool,
) -> ApiResult<Response> {
    let mut ends = s.worker.ends();
    s.worker.drive_now(s, workspace, run);
    let Some(_open) = s.waits.enter(workspace) else {
        let status = s.store.run_status(run).await?.unwrap_or_default();
        let body = json!({ "run_id": run, "status": status, "waited_ms": 0 });
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    };
    let deadline = tokio::time::Instant::now() + wait.min(MAX_WAIT);
    let mut recheck = if responds { FIRST_RECHECK } else { RECHECK };
    loop {
        if let Some(answer) = settled(s, run, responds).await? {
            return Ok(answer);
        }
        // Woken by this run's end (or a lag in hearing ends), by the recheck, or the cap.
        let heard = async {
            loop {
                match ends.recv().await {
                    Ok(id) if id != run => continue,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
                    _ => return,
                }
            }
        };
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => break,
            _ = tokio::time::sleep(recheck) => {}
            _ = heard => {}
        }
        recheck = (recheck * 2).min(RECHECK);
    }
    if let Some(answer) = settled(s, run, responds).await? {
        return Ok(answer);
    }
    let status = s.store.run_status(run).await?.unwrap_or_default();
    let body = json!({ "run_id": run, "status": status, "waited_ms": wait.min(MAX_WAIT).as_millis() as u64 });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// The answer for `run` once it is known: the first `respond` step's (when `responds`),
/// else the run's result once it has ended. A replayed delivery gets the same.
pub async fn settled(s: &AppState, run: &str, responds: bool) -> ApiResult<Option<Response>> {
    // Read before the answer: once the run has ended, every step it had is committed.
    let has_ended = s.store.run_status(run).await?.is_some_and(|status| FINISHED.contains(&status.as_str()));
    if responds && let Some(answer) = s.store.first_output(run, RESPOND_PLUGIN).await? {
        return Ok(Some(respond_answer(run, &answer)));
    }
    if !has_ended {
        return Ok(None);
    }
    let record = s.store.get_run(run).await?;
    if responds {
        // The workflow meant to choose its answer: its outputs and errors stay inside, and
        // a failure is a 5xx, which senders retry.
        let status = if record.status == "succeeded" { StatusCode::OK } else { StatusCode::INTERNAL_SERVER_ERROR };
        let mut answer = (status, Json(json!({ "run_id": run, "status": record.status }))).into_response();
        answer.extensions_mut().insert(Verbatim);
        return Ok(Some(answer));
    }
    let body = json!({ "run_id": run, "status": record.status, "outputs": record.outputs, "error": record.error });
    Ok(Some((StatusCode::OK, Json(body)).into_response()))
}

/// The HTTP answer a `respond` step rendered (`{status, headers, body}`, checked when it
/// rendered): a string body as is, another value as JSON, null as no body. It is served
/// from Roost's origin, so it is sandboxed: a body a browser would run as a page (data
/// echoed as `text/html`) gets an origin of its own and no scripts.
fn respond_answer(run: &str, answer: &Value) -> Response {
    let status = answer["status"].as_u64().and_then(|c| StatusCode::from_u16(c as u16).ok());
    let body = match &answer["body"] {
        Value::Null => Body::empty(),
        Value::String(text) => Body::from(text.clone()),
        other => Body::from(other.to_string()),
    };
    let mut response = (status.unwrap_or(StatusCode::OK), body).into_response();
    response.extensions_mut().insert(Verbatim);
    let headers = response.headers_mut();
    for (name, value) in answer["headers"].as_object().into_iter().flatten() {
        let name = HeaderName::from_bytes(name.as_bytes());
        let value = value.as_str().map(|v| HeaderValue::from_bytes(v.as_bytes()));
        match (name, value) {
            (Ok(name), Some(Ok(value))) => {
                headers.insert(name, value);
            }
            _ => tracing::warn!(run = %run, "a stored respond header is not valid HTTP; it was left out"),
        }
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(id) = HeaderValue::from_str(run) {
        headers.insert(RUN_HEADER, id);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_keeps_at_most_its_share_of_waiting_answers() {
        let waits = OpenWaits::default();
        let held: Vec<OpenWait<'_>> = (0..MAX_OPEN_WAITS).map(|_| waits.enter("a").unwrap()).collect();
        assert!(waits.enter("a").is_none(), "a is full");
        assert!(waits.enter("b").is_some(), "b waits whatever a does");
        drop(held);
        assert!(waits.enter("a").is_some(), "answered waits give their places back");
        assert!(waits.0.lock().unwrap().is_empty(), "and leave no entry behind");
    }
}
