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

/// Instance slots shared by every workspace, each workspace capped at `share` of them.
pub struct Slots {
    all: Arc<Semaphore>,
    share: usize,
    workspaces: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Slots {
    /// `total` slots in all; one workspace may hold `share` of them at once.
    pub fn new(total: usize, share: usize) -> Self {
        Self { all: Arc::new(Semaphore::new(total)), share: share.clamp(1, total.max(1)), workspaces: Mutex::default() }
    }

    /// The slots of `total` one workspace may hold: three quarters, so a quarter is always
    /// left for the others (at least one slot).
    pub fn share_of(total: u32) -> usize {
        (total as usize * 3 / 4).max(1)
    }

    /// Waits for a slot of `workspace` (first its own share, then the runtime's).
    pub async fn acquire(&self, workspace: &str) -> Slot {
        let mine = self.workspace(workspace);
        let own = mine.acquire_owned().await.expect("slot semaphores are never closed");
        let all = self.all.clone().acquire_owned().await.expect("slot semaphores are never closed");
        Slot { _workspace: own, _all: all }
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
}
