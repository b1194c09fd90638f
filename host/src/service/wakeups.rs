//! Wake-ups: what sends a worker looking for due work. In one process a [`Wake`] wakes the
//! local worker; on PostgreSQL it also reaches the workers of the other processes through
//! LISTEN/NOTIFY, debounced to one notification per [`DEBOUNCE`] and sent outside any write
//! transaction (a NOTIFY inside one takes a global lock at commit).
//!
//! Notifications only shorten waits. Polling remains the path that guarantees every due job
//! is found: a lost notification (a listener reconnecting) costs at most one poll interval,
//! and while the listener is connected the idle worker polls only every [`IDLE_POLL`] or
//! when the next delayed job falls due.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::AppState;

/// The channel ready work is announced on.
pub const CHANNEL: &str = "roost_work";
/// Announcements within this window are sent as one.
pub const DEBOUNCE: Duration = Duration::from_millis(5);
/// How often an idle worker polls while its listener is connected.
pub const IDLE_POLL: Duration = Duration::from_secs(5);
/// How long a lost listener waits before connecting again.
const RECONNECT: Duration = Duration::from_secs(1);

/// The signal that new work is ready.
#[derive(Default)]
pub struct Wake {
    local: Notify,
    outgoing: Notify,
    listening: AtomicBool,
}

impl Wake {
    /// New work is ready for any worker: this process's, and on PostgreSQL every other's.
    pub fn notify_one(&self) {
        self.local.notify_one();
        self.outgoing.notify_one();
    }

    /// New work is ready for this process's worker only (it freed a slot, or it finished a
    /// run whose follow-up it takes itself).
    pub fn notify_local(&self) {
        self.local.notify_one();
    }

    /// Waits for the next wake-up of this process's worker.
    pub async fn notified(&self) {
        self.local.notified().await
    }

    /// Whether notifications from other processes reach this one now.
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }
}

/// Sends this process's announcements to the other processes until `shutdown`.
pub async fn announce(s: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = s.wake.outgoing.notified() => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
        tokio::time::sleep(DEBOUNCE).await;
        if let Err(e) = s.store.notify(CHANNEL).await {
            tracing::warn!("announcing ready work failed (other workers find it at their next poll): {e}");
        }
    }
}

/// Passes the other processes' announcements to this process's worker until `shutdown`;
/// connects again when the connection is lost, and wakes the worker each time it does,
/// since announcements may have been missed.
pub async fn listen(s: AppState, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let mut listener = match s.store.listener(CHANNEL).await {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!("listening for ready work failed; polling meanwhile: {e}");
                tokio::select! {
                    () = tokio::time::sleep(RECONNECT) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
        };
        s.wake.listening.store(true, Ordering::Relaxed);
        s.wake.notify_local();
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(_)) => s.wake.notify_local(),
                    Ok(None) => {
                        tracing::warn!("the connection listening for ready work was lost; reconnecting");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!("listening for ready work failed; polling meanwhile: {e}");
                        break;
                    }
                },
                _ = shutdown.changed() => break,
            }
        }
        s.wake.listening.store(false, Ordering::Relaxed);
    }
}
