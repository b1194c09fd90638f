//! The gate before an action attempt: the workspace's quotas admit it, or its crisis stop
//! parks a publishing step until the stop is lifted.
//!
//! A parked step waits like a `wait_until` step (a `ready` job, the step `waiting`); a
//! parked item keeps its `item` job. Either keeps its slot ([`crate::store::parked`]), no
//! attempt is counted and nothing reaches the plugin.

use futures::future::BoxFuture;

use crate::runtime::{Plugin, StepFailure};
use crate::store::{Job, RunState, Store, now_ms, parked};
use crate::workflow::PlanStep;

use super::durable::Engine;
use super::hooks::{LimitSource, StepLimits};
use super::live::Commit;
use super::work::step_record;

/// What the workspace lets an attempt do.
pub(super) enum Gate {
    Run(StepLimits),
    Held,
    Refused(StepFailure),
}

impl Engine {
    /// Asks the workspace of the run whether `action` of `plugin` may run now.
    pub(super) async fn gate(&self, plugin: &Plugin, action: &str, workspace: &str) -> Gate {
        let publishes = plugin.manifest.action(action).is_some_and(|a| a.publishes);
        if publishes {
            match self.limits.publishing_held(workspace).await {
                Ok(true) => return Gate::Held,
                Ok(false) => {}
                Err(failure) => return Gate::Refused(failure),
            }
        }
        match self.limits.admit(workspace).await {
            Ok(limits) => Gate::Run(limits),
            Err(failure) => Gate::Refused(failure),
        }
    }
}

/// Whether publishing is stopped in `workspace`, read from the database (never cached:
/// once a stop is answered, no publishing step starts).
pub async fn stopped(store: &Store, workspace: &str) -> Result<bool, StepFailure> {
    store.publishing_hold(workspace).await.map(|h| h.is_some()).map_err(|e| StepFailure::Retryable {
        message: format!("whether publishing is stopped in workspace {workspace} could not be read: {e}"),
        after_ms: Some(1_000),
    })
}

/// The limits of `roost run`: no quotas, but the workspace's crisis stop holds there too.
pub struct StopOnly(pub Store);

impl LimitSource for StopOnly {
    fn admit<'a>(&'a self, _workspace: &'a str) -> BoxFuture<'a, Result<StepLimits, StepFailure>> {
        Box::pin(async { Ok(StepLimits::default()) })
    }

    fn publishing_held<'a>(&'a self, workspace: &'a str) -> BoxFuture<'a, Result<bool, StepFailure>> {
        Box::pin(stopped(&self.0, workspace))
    }
}

/// Parks `job` of `step` until the stop is lifted.
pub(super) fn hold(step: &PlanStep, state: &RunState, job: &Job, commit: &mut Commit) {
    let slot = job.available_at.min(now_ms());
    if job.idx >= 0 {
        commit.jobs.push(Job { available_at: parked(slot), ..job.clone() });
        return;
    }
    commit.jobs.push(Job { kind: "ready".into(), available_at: parked(slot), ..job.clone() });
    commit.steps.push(step_record(state, step, "waiting"));
}
