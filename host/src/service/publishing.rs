//! The crisis stop as the API and the command line share it: a workspace's publishing as
//! both show it, and stopping and resuming it with their audit entries.

use serde::Serialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::names::check_text;
use crate::store::{Actor, MAX_REASON_CHARS, Store, StoreError};

/// Held publishes listed, earliest slot first.
pub const LISTED: i64 = 500;

/// Whether a workspace's publishing is stopped, and what the stop holds back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishingView {
    pub held: bool,
    /// When the stop began (RFC 3339).
    pub since: Option<String>,
    /// Who stopped it, as the audit log names them.
    pub by: Option<String>,
    pub reason: Option<String>,
    /// `{run_id, workflow, step, item, slot}` of each publishing step (or `for_each` item,
    /// else `item` is null) whose time came during the stop, earliest first, at most 500.
    #[schema(value_type = Vec<Object>)]
    pub held_publishes: Vec<Value>,
}

/// The publishing of `workspace` as it stands.
pub async fn view(store: &Store, workspace: &str) -> Result<PublishingView, StoreError> {
    let hold = store.publishing_hold(workspace).await?;
    let held = store.held_jobs(workspace, LISTED).await?;
    let time = |ms: i64| crate::store::timestamp::value(Some(ms)).as_str().map(str::to_string);
    Ok(PublishingView {
        held: hold.is_some(),
        since: hold.as_ref().and_then(|h| time(h.since)),
        by: hold.as_ref().map(|h| h.actor.clone()),
        reason: hold.map(|h| h.reason),
        held_publishes: held
            .iter()
            .map(|j| {
                json!({
                    "run_id": j.run_id, "workflow": j.workflow, "step": j.step_id,
                    "item": (j.idx >= 0).then_some(j.idx), "slot": time(j.slot),
                })
            })
            .collect(),
    })
}

/// Stops the publishing of `workspace` for `reason` (plain text, at most 500 characters,
/// `field` in the error); an existing stop is kept as it was. The stop in force, and
/// whether this call started it (then it is audited).
pub async fn stop(
    store: &Store,
    workspace: &str,
    actor: &Actor,
    field: &str,
    reason: &str,
) -> Result<(PublishingView, bool), ApiError> {
    let reason = reason.trim();
    check_text(field, reason, MAX_REASON_CHARS)?;
    // Who stopped it, as approvals name who decided: never a name the caller chose.
    let name = actor.to_string();
    let (_, started) = store.hold_publishing(workspace, &name, reason).await?;
    if started {
        store.audit(Some(workspace), actor, "publishing.stop", workspace, Some(reason)).await?;
    }
    Ok((view(store, workspace).await?, started))
}

/// Ends the stop of `workspace`, making every post it held due now; the number released,
/// or `None` when publishing was not stopped. Audited.
pub async fn resume(store: &Store, workspace: &str, actor: &Actor) -> Result<Option<u64>, StoreError> {
    let released = store.release_publishing(workspace).await?;
    if let Some(n) = released {
        store.audit(Some(workspace), actor, "publishing.resume", workspace, Some(&format!("{n} released"))).await?;
    }
    Ok(released)
}
