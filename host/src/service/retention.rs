//! Retention in the background: finished runs with everything of theirs, trigger events and
//! delivery ids older than each workspace's retention are deleted, a bounded batch per
//! short transaction with a pause between batches, so the engine's writes go on meanwhile.

use std::time::Duration;

use tokio::sync::watch;

use super::AppState;
use crate::config::RetentionConfig;
use crate::store::{Store, StoreError};

/// Days history is kept when neither the operator nor the workspace says otherwise.
pub const DEFAULT_DAYS: u32 = 30;
/// The most days a workspace may keep history: a longer retention lets one tenant grow the
/// shared database, and the idle cost of every periodic query with it, without end.
pub const MAX_DAYS: u32 = 3650;
/// The shortest time between two firings of one schedule by default: a `* * * * * *`
/// cron would otherwise start 86,400 runs a day.
pub const DEFAULT_MIN_SCHEDULE_INTERVAL: Duration = Duration::from_secs(60);
/// Runs deleted per transaction: small enough that a transaction holds SQLite's write
/// lock for milliseconds, so deleting 100,000 runs never stalls the engine's writer.
pub const BATCH: i64 = 200;
/// Rest between two batches, in which other writers take the lock.
pub const PAUSE: Duration = Duration::from_millis(20);
/// How often the service looks for history to prune.
pub const EVERY: Duration = Duration::from_secs(600);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The operator's settings for history and schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days kept in a workspace that has no retention of its own.
    pub days: u32,
    /// The shortest time between two firings of one schedule.
    pub min_schedule_interval: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self { days: DEFAULT_DAYS, min_schedule_interval: DEFAULT_MIN_SCHEDULE_INTERVAL }
    }
}

impl Policy {
    /// `[retention]` of the configuration, with the defaults for what it leaves out.
    pub fn from_config(c: &RetentionConfig) -> Self {
        Self {
            days: c.days.unwrap_or(DEFAULT_DAYS).clamp(1, MAX_DAYS),
            min_schedule_interval: c
                .min_schedule_interval_seconds
                .map_or(DEFAULT_MIN_SCHEDULE_INTERVAL, Duration::from_secs),
        }
    }

    /// The days a workspace keeps: its own setting, or the instance's.
    pub fn days_for(&self, own: Option<i64>) -> i64 {
        own.unwrap_or(i64::from(self.days)).clamp(1, i64::from(MAX_DAYS))
    }
}

/// What one pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub runs: u64,
    pub trigger_events: u64,
    pub deliveries: u64,
}

/// Prunes every [`EVERY`] while this process leads (see [`super::leader`]), until
/// `shutdown` turns true.
pub async fn run(s: AppState, mut shutdown: watch::Receiver<bool>, mut leading: super::leader::Leading) {
    while super::leader::wait_to_lead(&mut leading, &mut shutdown).await {
        // The scheduler's clock dates trigger events, so it dates their retention too.
        let now = s.scheduling.clock.now().timestamp_millis();
        match prune(&s.store, &s.retention, now, &shutdown).await {
            Ok(p) if p != Pruned::default() => tracing::info!(
                runs = p.runs,
                trigger_events = p.trigger_events,
                deliveries = p.deliveries,
                "pruned history past its retention"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!("pruning history failed: {e}"),
        }
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Deletes, in every workspace, what is older than its retention at `now` (ms); stops early
/// when `shutdown` turns true.
pub async fn prune(
    store: &Store,
    policy: &Policy,
    now: i64,
    shutdown: &watch::Receiver<bool>,
) -> Result<Pruned, StoreError> {
    let mut total = Pruned::default();
    for (workspace, own) in store.retention_settings().await? {
        let cutoff = now - policy.days_for(own) * DAY_MS;
        let ws = workspace.as_str();
        total.runs += batches(shutdown, || async { Ok(store.prune_runs(ws, cutoff, BATCH).await? as u64) }).await?;
        total.trigger_events += batches(shutdown, || store.prune_trigger_events(ws, cutoff, BATCH)).await?;
        total.deliveries += batches(shutdown, || store.prune_deliveries(ws, cutoff, BATCH)).await?;
    }
    Ok(total)
}

/// Calls `batch` until it deletes less than [`BATCH`] rows, resting [`PAUSE`] in between.
async fn batches<F, Fut>(shutdown: &watch::Receiver<bool>, mut batch: F) -> Result<u64, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, StoreError>>,
{
    let mut deleted = 0;
    while !*shutdown.borrow() {
        let n = batch().await?;
        deleted += n;
        if n < BATCH as u64 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_takes_the_configuration_within_bounds() {
        assert_eq!(Policy::from_config(&RetentionConfig::default()), Policy::default());
        let set = RetentionConfig { days: Some(7), min_schedule_interval_seconds: Some(1) };
        let policy = Policy::from_config(&set);
        assert_eq!((policy.days, policy.min_schedule_interval), (7, Duration::from_secs(1)));
        let huge = RetentionConfig { days: Some(u32::MAX), ..RetentionConfig::default() };
        assert_eq!(Policy::from_config(&huge).days, MAX_DAYS, "the ceiling holds for the operator too");
        assert_eq!(policy.days_for(None), 7, "the instance default");
        assert_eq!(policy.days_for(Some(90)), 90, "the workspace's own");
        assert_eq!(policy.days_for(Some(0)), 1, "never less than a day");
    }
}
