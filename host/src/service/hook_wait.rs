//! Webhooks that answer with the run's result (`on.webhook.wait`): the run is committed
//! first, then driven at once, and the answer waits for its end up to the workflow's cap:
//! 200 with its status and outputs, or, at the cap, 202 with its id and status so far.
//! The end is heard from this process's worker, with a read of the run every 250 ms for
//! runs another process drives.

use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::broadcast;

use super::AppState;
use super::error::ApiResult;
use crate::store::FINISHED;

/// The longest a webhook may ask to wait.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// How often the run is read again while no end is heard.
const RECHECK: Duration = Duration::from_millis(250);

/// Drives `run` of `workspace` now and answers when it ends, or with a 202 after `wait`.
pub async fn answer_when_done(s: &AppState, workspace: &str, run: &str, wait: Duration) -> ApiResult<Response> {
    let mut ends = s.worker.ends();
    s.worker.drive_now(s, workspace, run);
    let deadline = tokio::time::Instant::now() + wait.min(MAX_WAIT);
    while !has_ended(s, run).await? {
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
            _ = tokio::time::sleep(RECHECK) => {}
            _ = heard => {}
        }
    }
    if let Some(done) = ended(s, run).await? {
        return Ok(done);
    }
    let status = s.store.run_status(run).await?.unwrap_or_default();
    let body = json!({ "run_id": run, "status": status, "waited_ms": wait.min(MAX_WAIT).as_millis() as u64 });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Whether `run` has reached a final status: one column read.
async fn has_ended(s: &AppState, run: &str) -> ApiResult<bool> {
    Ok(s.store.run_status(run).await?.is_some_and(|status| FINISHED.contains(&status.as_str())))
}

/// The answer for `run` if it has ended: its status, outputs and error.
pub async fn ended(s: &AppState, run: &str) -> ApiResult<Option<Response>> {
    let record = s.store.get_run(run).await?;
    if !FINISHED.contains(&record.status.as_str()) {
        return Ok(None);
    }
    let body = json!({ "run_id": run, "status": record.status, "outputs": record.outputs, "error": record.error });
    Ok(Some((StatusCode::OK, Json(body)).into_response()))
}
