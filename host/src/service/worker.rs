//! The service's worker: finds runs with due work and drives each in its own task.
//!
//! A run is driven by at most one task of this process at a time; other processes on the
//! same PostgreSQL database share the work through the jobs' leases. On shutdown the
//! worker stops taking runs, lets the ones in flight reach a commit, and hands back the
//! leases it still holds so another process can continue at once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::AppState;
use crate::engine::Progress;

/// How long one drive of a run may wait for a timer in-process before handing it back.
const PATIENCE: Duration = Duration::from_secs(2);
/// How often the store is polled for due work when nothing woke the worker.
const POLL: Duration = Duration::from_millis(250);
/// Runs driven at once by this process.
const MAX_RUNS: usize = 64;

/// The set of runs this process is driving.
#[derive(Default)]
pub struct Worker {
    in_flight: Arc<Mutex<HashSet<String>>>,
    tasks: Mutex<Option<JoinSet<()>>>,
}

impl Worker {
    /// Drives `run` now unless this process already is.
    pub fn drive_now(&self, s: &AppState, run: &str) {
        if !self.in_flight.lock().unwrap().insert(run.to_string()) {
            return;
        }
        let (s, run, in_flight) = (s.clone(), run.to_string(), self.in_flight.clone());
        let task = async move {
            let started = std::time::Instant::now();
            match s.engine.drive(&run, PATIENCE).await {
                Ok(Progress::Finished) => {
                    tracing::info!(run = %run, elapsed_ms = started.elapsed().as_millis() as u64, "run finished")
                }
                Ok(progress) => tracing::debug!(run = %run, ?progress, "run waits"),
                Err(e) => tracing::error!(run = %run, "driving the run failed: {e}"),
            }
            in_flight.lock().unwrap().remove(&run);
            s.wake.notify_one();
        };
        let mut tasks = self.tasks.lock().unwrap();
        tasks.get_or_insert_with(JoinSet::new).spawn(task);
    }

    fn busy(&self) -> usize {
        self.in_flight.lock().unwrap().len()
    }

    /// Polls for due work until `shutdown` turns true, then drains.
    pub async fn run(s: AppState, mut shutdown: watch::Receiver<bool>, grace: Duration) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            s.worker.reap();
            if s.worker.busy() < MAX_RUNS {
                match s.store.runs_with_due_work((MAX_RUNS - s.worker.busy()) as i64).await {
                    Ok(runs) => runs.iter().for_each(|run| s.worker.drive_now(&s, run)),
                    Err(e) => tracing::error!("looking for due work failed: {e}"),
                }
            }
            tokio::select! {
                () = s.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
        s.worker.drain(&s, grace).await;
    }

    /// Forgets finished tasks.
    fn reap(&self) {
        if let Some(tasks) = self.tasks.lock().unwrap().as_mut() {
            while tasks.try_join_next().is_some() {}
        }
    }

    /// Waits up to `grace` for the runs in flight, then aborts the rest and hands back leases.
    async fn drain(&self, s: &AppState, grace: Duration) {
        let tasks = self.tasks.lock().unwrap().take();
        if let Some(mut tasks) = tasks {
            let waited = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
            if waited.is_err() {
                tracing::warn!("{} runs still busy after {grace:?}; handing their jobs back", tasks.len());
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
            }
        }
        match s.store.release_leases(s.engine.worker_id()).await {
            Ok(n) if n > 0 => tracing::info!("handed back {n} leased jobs"),
            Ok(_) => {}
            Err(e) => tracing::error!("handing back leases failed: {e}"),
        }
    }
}
