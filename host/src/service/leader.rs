//! Scheduler election: of the processes with the scheduler role on one database, the one
//! holding the `scheduler` lease fires schedules and prunes history. It renews the lease
//! every [`RENEW`]; when it dies, another takes the lease over once it lapses ([`TTL`]);
//! when it stops, it hands the lease back so another takes over at once.
//!
//! Two leaders for a moment (a paused process whose lease lapsed) fire nothing twice: each
//! schedule occurrence is claimed in the store in the transaction that creates its run.

use std::time::Duration;

use tokio::sync::watch;

use super::AppState;
use crate::store::{Backend, now_ms};

/// The lease's name in `leader_leases`.
pub const SCHEDULER: &str = "scheduler";
/// How long a lease lasts unless renewed.
pub const TTL: Duration = Duration::from_secs(10);
/// How often the holder renews it, and how often the others try to take it.
pub const RENEW: Duration = Duration::from_secs(2);

/// Whether this process leads: a receiver of [`elect`]'s verdicts.
pub type Leading = watch::Receiver<bool>;

/// Stands for election until `shutdown`, telling `leading` whether this process holds
/// the lease; then hands it back. A SQLite database belongs to one machine, whose process
/// leads without a lease: a restart after `kill -9` fires schedules at once rather than
/// after the dead process's lease lapses.
pub async fn elect(s: AppState, leading: watch::Sender<bool>, mut shutdown: watch::Receiver<bool>) {
    if s.store.backend() == Backend::Sqlite {
        let _ = leading.send(true);
        let _ = shutdown.wait_for(|stop| *stop).await;
        let _ = leading.send(false);
        return;
    }
    let holder = s.engine.worker_id().to_string();
    loop {
        let held = match s.store.take_lease(SCHEDULER, &holder, now_ms(), TTL.as_millis() as i64).await {
            Ok(held) => held,
            Err(e) => {
                tracing::error!("renewing the scheduler lease failed: {e}");
                false
            }
        };
        if held != *leading.borrow() {
            if held {
                tracing::info!(holder = %holder, "this process is now the scheduler");
            } else {
                tracing::warn!(holder = %holder, "this process is no longer the scheduler");
            }
            let _ = leading.send(held);
        }
        tokio::select! {
            () = tokio::time::sleep(RENEW) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    let _ = leading.send(false);
    if let Err(e) = s.store.release_lease(SCHEDULER, &holder).await {
        tracing::error!("handing back the scheduler lease failed: {e}");
    }
}

/// Waits until this process leads or `shutdown` turns true; false on shutdown.
pub async fn wait_to_lead(leading: &mut Leading, shutdown: &mut watch::Receiver<bool>) -> bool {
    loop {
        if *shutdown.borrow() {
            return false;
        }
        if *leading.borrow_and_update() {
            return true;
        }
        tokio::select! {
            changed = leading.changed() => if changed.is_err() { return false },
            _ = shutdown.changed() => {}
        }
    }
}
