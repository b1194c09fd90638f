//! Wasm instance slots: how many steps run at once in all, and how many of them one
//! workspace may hold, so the slow steps of one workspace cannot take every instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The slots a step holds while its instance is alive: one of its workspace's and one of
/// the runtime's. Dropping it frees both.
pub struct Slot {
    _workspace: OwnedSemaphorePermit,
    _all: OwnedSemaphorePermit,
}

/// Below this many instances alive a workspace may take one of the reserved slots.
const LIGHT: usize = 2;

/// Instance slots shared by every workspace, each workspace capped at `share` of them. A
/// quarter of the slots is reserved for workspaces that hold fewer than [`LIGHT`], so
/// however many workspaces flood the runtime together, a newcomer's step starts at once.
pub struct Slots {
    general: Arc<Semaphore>,
    reserved: Arc<Semaphore>,
    share: usize,
    workspaces: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Slots {
    /// `total` slots in all; one workspace may hold `share` of them at once.
    pub fn new(total: usize, share: usize) -> Self {
        let total = total.max(1);
        let reserved = total - Self::share_of(total);
        Self {
            general: Arc::new(Semaphore::new(total - reserved)),
            reserved: Arc::new(Semaphore::new(reserved)),
            share: share.clamp(1, total),
            workspaces: Mutex::default(),
        }
    }

    /// The slots of `total` one workspace may hold: three quarters, so a quarter is always
    /// left for the others (at least one slot).
    pub fn share_of(total: usize) -> usize {
        (total * 3 / 4).max(1)
    }

    /// Waits for a slot of `workspace`: first its own share, then a general slot or, while
    /// the workspace holds almost none, whichever of a general and a reserved one frees first.
    pub async fn acquire(&self, workspace: &str) -> Slot {
        const OPEN: &str = "slot semaphores are never closed";
        let mine = self.workspace(workspace);
        let own = mine.clone().acquire_owned().await.expect(OPEN);
        let held = self.share - mine.available_permits();
        let general = self.general.clone().acquire_owned();
        let all = if held <= LIGHT {
            tokio::select! {
                biased;
                p = general => p,
                p = self.reserved.clone().acquire_owned() => p,
            }
        } else {
            general.await
        };
        Slot { _workspace: own, _all: all.expect(OPEN) }
    }

    /// The semaphore of `workspace`; those of idle workspaces are forgotten on the way.
    fn workspace(&self, workspace: &str) -> Arc<Semaphore> {
        let mut map = self.workspaces.lock().unwrap();
        map.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < self.share);
        map.entry(workspace.to_string()).or_insert_with(|| Arc::new(Semaphore::new(self.share))).clone()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn one_workspace_cannot_take_every_slot() {
        let slots = Slots::new(4, Slots::share_of(4));
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(slots.acquire("greedy").await);
        }
        let more = tokio::time::timeout(Duration::from_millis(50), slots.acquire("greedy")).await;
        assert!(more.is_err(), "a fourth slot of the same workspace waits");
        let other = tokio::time::timeout(Duration::from_millis(50), slots.acquire("other")).await;
        assert!(other.is_ok(), "another workspace still finds a slot");
        drop(held);
        assert_eq!(slots.workspaces.lock().unwrap().len(), 2);
        let _again = slots.acquire("third").await;
        assert!(slots.workspaces.lock().unwrap().len() <= 2, "idle workspaces are forgotten");
    }

    #[tokio::test]
    async fn two_floods_together_leave_room_for_a_third_workspace() {
        let slots = Slots::new(8, Slots::share_of(8));
        let mut held = Vec::new();
        for ws in ["a", "b"] {
            for _ in 0..3 {
                held.push(slots.acquire(ws).await);
            }
        }
        let more = tokio::time::timeout(Duration::from_millis(50), slots.acquire("a")).await;
        assert!(more.is_err(), "a and b hold every general slot between them");
        for _ in 0..LIGHT {
            let c = tokio::time::timeout(Duration::from_millis(50), slots.acquire("c")).await;
            held.push(c.expect("a newcomer takes a reserved slot at once"));
        }
        let c = tokio::time::timeout(Duration::from_millis(50), slots.acquire("c")).await;
        assert!(c.is_err(), "past its first slots, a newcomer waits like the others");
    }
}
