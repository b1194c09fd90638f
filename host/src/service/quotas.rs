//! Per-workspace quotas: concurrent runs, steps per day, plugin memory and time ceilings;
//! and, asked in the same place, whether the workspace's publishing is stopped.
//!
//! `concurrent_runs` is checked when a run starts (`launch.rs`); the others when a step is
//! about to run, by [`StepQuotas`], the engine's [`LimitSource`]. A workspace created
//! without quotas gets [`DEFAULT_CONCURRENT_RUNS`] and [`DEFAULT_STEPS_PER_DAY`]; the
//! operator sets other values per workspace, or `null` for no limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ApiError;
use super::metrics::Metrics;
use crate::engine::{LimitSource, StepLimits};
use crate::runtime::StepFailure;
use crate::store::{Store, StoreError, now_ms};

/// How long a workspace's quotas and step count are used before they are read again.
pub const QUOTA_TTL: Duration = Duration::from_secs(1);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Runs a workspace may have running, waiting or queued when its quotas do not say:
/// stops one client from filling the database and the worker's queue with live runs.
pub const DEFAULT_CONCURRENT_RUNS: u32 = 256;

/// Steps a workspace may start per UTC day when its quotas do not say (about three a
/// second, all day): stops a runaway schedule or loop from running without end.
pub const DEFAULT_STEPS_PER_DAY: u64 = 250_000;

/// A workspace's limits; `None` is unlimited (up to the host's own ceilings). A field
/// left out takes its default; `null` asks for no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// Runs running or waiting at once; more are refused (API) or recorded as skipped (triggers).
    #[serde(default = "default_concurrent_runs")]
    pub concurrent_runs: Option<u32>,
    /// Steps started per UTC day; beyond it steps fail with `quota exceeded`.
    #[serde(default = "default_steps_per_day")]
    pub steps_per_day: Option<u64>,
    /// Linear memory a plugin instance may grow to, in MiB.
    #[serde(default)]
    pub plugin_memory_mb: Option<u32>,
    /// Wall-clock time a step may take, in milliseconds.
    #[serde(default)]
    pub plugin_timeout_ms: Option<u64>,
}

fn default_concurrent_runs() -> Option<u32> {
    Some(DEFAULT_CONCURRENT_RUNS)
}

fn default_steps_per_day() -> Option<u64> {
    Some(DEFAULT_STEPS_PER_DAY)
}

impl Default for Quotas {
    /// The quotas of a workspace that names none.
    fn default() -> Self {
        Self {
            concurrent_runs: default_concurrent_runs(),
            steps_per_day: default_steps_per_day(),
            plugin_memory_mb: None,
            plugin_timeout_ms: None,
        }
    }
}

impl Quotas {
    /// Parses the stored or submitted JSON, naming the field at fault.
    pub fn parse(value: &Value) -> Result<Self, ApiError> {
        if value.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| {
            ApiError::invalid(format!(
                "quotas: {e}; the fields are concurrent_runs, steps_per_day, plugin_memory_mb, plugin_timeout_ms (non-negative integers)"
            ))
        })
    }
}

/// Each workspace's step quotas, read from the store at most once per TTL; between reads
/// the day's step count goes on in memory, so a burst of steps cannot outrun the quota.
/// (Steps of other processes count from their next read on.)
pub struct StepQuotas {
    store: Store,
    metrics: Arc<Metrics>,
    ttl: Duration,
    cache: Mutex<HashMap<String, Cached>>,
}

struct Cached {
    quotas: Quotas,
    /// The UTC day (Unix milliseconds of its start) `steps` counts.
    day: i64,
    steps: u64,
    read_at: Instant,
}

impl StepQuotas {
    pub fn new(store: Store, metrics: Arc<Metrics>) -> Self {
        Self::with_ttl(store, metrics, QUOTA_TTL)
    }

    pub fn with_ttl(store: Store, metrics: Arc<Metrics>, ttl: Duration) -> Self {
        Self { store, metrics, ttl, cache: Mutex::default() }
    }

    /// Counts one step of `workspace` against its quota and answers its limits.
    pub async fn admit_step(&self, workspace: &str) -> Result<StepLimits, StepFailure> {
        let day = now_ms() - now_ms().rem_euclid(DAY_MS);
        let fresh =
            self.cache.lock().unwrap().get(workspace).is_some_and(|c| c.day == day && c.read_at.elapsed() < self.ttl);
        if !fresh {
            let (quotas, counted) = self.read(workspace, day).await.map_err(|e| StepFailure::Retryable {
                message: format!("the quotas of workspace {workspace} could not be read: {e}"),
                after_ms: Some(1_000),
            })?;
            let mut cache = self.cache.lock().unwrap();
            let kept = cache.get(workspace).filter(|c| c.day == day).map_or(0, |c| c.steps);
            let steps = counted.max(kept);
            cache.insert(workspace.to_string(), Cached { quotas, day, steps, read_at: Instant::now() });
        }
        let mut cache = self.cache.lock().unwrap();
        let Some(cached) = cache.get_mut(workspace) else {
            return Err(StepFailure::Retryable { message: "quota cache raced; trying again".into(), after_ms: None });
        };
        if let Some(limit) = cached.quotas.steps_per_day
            && cached.steps >= limit
        {
            self.metrics.quota_refused(workspace, "steps_per_day");
            return Err(StepFailure::Fatal(format!(
                "quota exceeded: {limit} steps per day in workspace {workspace}; the count starts again at 00:00 UTC, \
                 or the operator can raise the workspace's `steps_per_day`"
            )));
        }
        cached.steps += 1;
        Ok(StepLimits {
            memory_mb: cached.quotas.plugin_memory_mb,
            timeout: cached.quotas.plugin_timeout_ms.map(Duration::from_millis),
        })
    }

    /// The workspace's quotas and the steps it started since `day` began.
    async fn read(&self, workspace: &str, day: i64) -> Result<(Quotas, u64), StoreError> {
        let quotas = match self.store.workspace(workspace).await? {
            Some(w) => Quotas::parse(&w.quotas).unwrap_or_else(|e| {
                tracing::warn!("workspace {workspace} has invalid quotas ({}); none apply", e.message);
                Quotas::default()
            }),
            None => Quotas::default(),
        };
        let steps = self.store.steps_started_since(workspace, day).await?;
        Ok((quotas, steps.max(0) as u64))
    }
}

impl LimitSource for StepQuotas {
    fn admit<'a>(&'a self, workspace: &'a str) -> futures::future::BoxFuture<'a, Result<StepLimits, StepFailure>> {
        Box::pin(self.admit_step(workspace))
    }

    /// Read afresh for every publishing step: once the stop is answered, nothing more goes out.
    fn publishing_held<'a>(&'a self, workspace: &'a str) -> futures::future::BoxFuture<'a, Result<bool, StepFailure>> {
        Box::pin(crate::engine::publishing_stopped(&self.store, workspace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse_and_name_bad_fields() {
        let q = Quotas::parse(&serde_json::json!({ "concurrent_runs": 2 })).unwrap();
        assert_eq!(q.concurrent_runs, Some(2));
        assert_eq!(q.steps_per_day, Some(DEFAULT_STEPS_PER_DAY), "a field left out takes its default");
        let open = Quotas::parse(&serde_json::json!({ "concurrent_runs": null, "steps_per_day": null })).unwrap();
        assert_eq!((open.concurrent_runs, open.steps_per_day), (None, None), "null asks for no limit");
        assert_eq!(Quotas::parse(&serde_json::json!({})).unwrap(), Quotas::default());
        let err = Quotas::parse(&serde_json::json!({ "concurrent": 2 })).unwrap_err();
        assert!(err.message.contains("unknown field `concurrent`"), "{}", err.message);
        assert!(Quotas::parse(&serde_json::json!({ "steps_per_day": -1 })).is_err());
    }
}

#[cfg(test)]
mod step_quota_tests {
    use serde_json::json;

    use super::*;

    async fn store_with(quotas: Value) -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("q.db").display())).await.unwrap();
        store.create_workspace("acme", "Acme", &quotas).await.unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn steps_beyond_the_daily_quota_are_refused_for_good() {
        let (store, _dir) =
            store_with(json!({ "steps_per_day": 2, "plugin_memory_mb": 16, "plugin_timeout_ms": 250 })).await;
        let metrics = Arc::new(Metrics::new(true));
        let quotas = StepQuotas::new(store, metrics.clone());
        let limits = quotas.admit_step("acme").await.unwrap();
        assert_eq!(limits, StepLimits { memory_mb: Some(16), timeout: Some(Duration::from_millis(250)) });
        quotas.admit_step("acme").await.unwrap();
        let refused = quotas.admit_step("acme").await.unwrap_err();
        assert!(matches!(refused, StepFailure::Fatal(_)), "a refusal is not retried: {refused:?}");
        assert!(refused.to_string().starts_with("quota exceeded: 2 steps per day in workspace acme"), "{refused}");
        assert_eq!(quotas.admit_step("other").await.unwrap(), StepLimits::default(), "no quotas, no limits");
    }

    #[tokio::test]
    async fn quota_changes_apply_after_the_ttl() {
        let (store, _dir) = store_with(json!({ "steps_per_day": 1 })).await;
        let quotas = StepQuotas::with_ttl(store.clone(), Arc::new(Metrics::new(true)), Duration::from_millis(50));
        quotas.admit_step("acme").await.unwrap();
        assert!(quotas.admit_step("acme").await.is_err());
        store.set_workspace_quotas("acme", &json!({ "steps_per_day": 5 })).await.unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        quotas.admit_step("acme").await.expect("the raised quota applies once the cache expired");
    }
}
