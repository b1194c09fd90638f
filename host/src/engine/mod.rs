//! Executes workflow runs durably: jobs in the store, leases, retries, `for_each`,
//! approvals and timers, with every change committed before it is acted on.
//!
//! [`Engine::start`] records a run and its first jobs; [`Engine::drive`] works the run
//! until it ends or waits; [`Engine::decide`] answers an approval. Another process can
//! pick up any run where the last one stopped.

mod approvals;
mod budget;
mod drive;
mod durable;
mod hold;
mod hooks;
mod live;
mod respond;
mod retry;
mod scope;
mod settle;
mod work;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use approvals::Verdict;
pub use budget::{MAX_FOR_EACH_OUTPUT, MAX_RUN_STATE};
pub use durable::{DEFAULT_LEASE, Engine, EngineError, Origin, Progress, SecretSource};
pub use hold::{StopOnly, stopped as publishing_stopped};
pub use hooks::{LimitSource, StepEvent, StepLimits, StepObserver, Unlimited, Unobserved};
pub use respond::RESPOND_PLUGIN;
pub use retry::Retried;
pub use work::idempotency_key;

use crate::store::{Store, StoreError};

/// A run as `roost run --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: String,
    pub status: String,
    pub steps: BTreeMap<String, StepReport>,
    pub outputs: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub status: String,
    pub output: Value,
    pub error: Option<String>,
}

/// The report of run `run_id` as stored.
pub async fn report(store: &Store, run_id: &str) -> Result<RunReport, StoreError> {
    let run = store.get_run(run_id).await?;
    let steps = run
        .steps
        .iter()
        .map(|s| {
            (
                s.step_id.clone(),
                StepReport {
                    status: s.outcome().to_string(),
                    output: s.output.clone().unwrap_or(Value::Null),
                    error: s.error.clone(),
                },
            )
        })
        .collect();
    Ok(RunReport {
        run_id: run.id,
        status: run.status,
        steps,
        outputs: run.outputs.unwrap_or(Value::Null),
        error: run.error,
    })
}
