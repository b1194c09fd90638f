//! Metering: what each workspace used (plugin executions, wasm time, peak memory, outgoing
//! HTTP requests and bytes, model tokens), counted as each plugin execution ends, added to
//! the database per UTC day every [`FLUSH`] and when the service stops, and kept since this
//! process started for `/metrics`. A process killed with SIGKILL loses at most its last
//! [`FLUSH`] of counts.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;

use super::AppState;
use crate::capabilities::calls::HostCalls;
use crate::store::{DayUsage, Store, StoreError, Usage};

/// How often the counts are added to the database.
pub const FLUSH: Duration = Duration::from_secs(10);

/// Counts not yet stored, and the totals since this process started.
#[derive(Default)]
pub struct Meter {
    /// By (workspace, UTC day).
    pending: Mutex<BTreeMap<(String, String), Usage>>,
    /// By workspace.
    totals: Mutex<BTreeMap<String, Usage>>,
}

impl Meter {
    /// Counts one plugin execution of `workspace`.
    pub fn record(&self, workspace: &str, duration: Duration, memory_peak: usize, calls: &HostCalls) {
        let used = Usage {
            steps: 1,
            wasm_ms: duration.as_millis().min(i64::MAX as u128) as i64,
            memory_peak_bytes: memory_peak.min(i64::MAX as usize) as i64,
            http_requests: i64::from(calls.http),
            http_bytes_out: calls.http_bytes_out.min(i64::MAX as u64) as i64,
            http_bytes_in: calls.http_bytes_in.min(i64::MAX as u64) as i64,
            model_tokens: calls.model_tokens.min(i64::MAX as u64) as i64,
        };
        let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
        self.pending.lock().unwrap().entry((workspace.to_string(), day)).or_default().add(&used);
        self.totals.lock().unwrap().entry(workspace.to_string()).or_default().add(&used);
    }

    /// Each workspace's use since this process started.
    pub fn totals(&self) -> BTreeMap<String, Usage> {
        self.totals.lock().unwrap().clone()
    }

    /// Adds the pending counts to the database; on failure they stay pending.
    pub async fn flush(&self, store: &Store) -> Result<(), StoreError> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap());
        if pending.is_empty() {
            return Ok(());
        }
        let days: Vec<DayUsage> = pending
            .iter()
            .map(|((workspace, day), usage)| DayUsage {
                workspace: workspace.clone(),
                day: day.clone(),
                usage: usage.clone(),
            })
            .collect();
        let stored = store.add_usage(&days).await;
        if stored.is_err() {
            let mut again = self.pending.lock().unwrap();
            for (key, usage) in pending {
                again.entry(key).or_default().add(&usage);
            }
        }
        stored
    }
}

/// Adds the counts to the database every [`FLUSH`] until `shutdown`; the last ones are
/// added by [`super::start::Running::shutdown`] once the runs in flight have stopped.
pub async fn run(s: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(FLUSH) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
        if let Err(e) = s.metrics.meter.flush(&s.store).await {
            tracing::error!("storing the workspaces' usage failed; it is kept for the next try: {e}");
        }
    }
}
