//! The service's worker: finds runs with due work and drives each in its own task, sharing
//! its run slots fairly between workspaces.
//!
//! A run is driven by at most one task of this process at a time; other processes on the
//! same PostgreSQL database share the work through the jobs' leases. A workspace holds at
//! most its share of the slots (see [`share`]), and the store hands out due runs
//! round-robin across workspaces, so runs that wait on slow steps in one workspace cannot
//! hold back another's. On shutdown the worker stops taking runs, lets the ones in flight
//! reach a commit, and hands back the leases it still holds so another process can
//! continue at once.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::AppState;
use crate::engine::Progress;
use crate::store::DueRun;

/// How long one drive of a run may wait for a timer in-process before handing it back.
const PATIENCE: Duration = Duration::from_secs(2);
/// How often the store is polled for due work when nothing woke the worker and no other
/// process can wake it (see [`super::wakeups`]).
const POLL: Duration = Duration::from_millis(250);
/// Runs driven at once by this process.
pub const MAX_RUNS: usize = 64;
/// How long a run this process picked stays out of the other processes' lists: long
/// enough for its drive to lease the run's jobs, short enough that a run picked by a
/// process that died waits little.
const PICK_HOLD: Duration = Duration::from_secs(2);
/// The most run slots one workspace may hold even when it alone has work: the rest stay
/// free, so a run of another workspace starts at once instead of waiting for the slow
/// steps of a workspace that took every slot before it arrived.
pub const MAX_WORKSPACE_RUNS: usize = MAX_RUNS * 3 / 4;
/// The slots kept for workspaces that hold fewer than [`LIGHT`] runs: however many
/// workspaces flood the worker together, a newcomer's run starts at the next poll.
const RESERVED: usize = MAX_RUNS - MAX_WORKSPACE_RUNS;
/// Below this many runs in flight a workspace may take one of the [`RESERVED`] slots.
const LIGHT: usize = 2;

/// The set of runs this process is driving, with their workspaces.
pub struct Worker {
    in_flight: Arc<Mutex<HashMap<String, String>>>,
    tasks: Mutex<Option<JoinSet<()>>>,
    /// The id of each run that a drive of this process brought to its end.
    ends: tokio::sync::broadcast::Sender<String>,
    /// Whether this process drives runs (the worker role) and is not shutting down.
    active: AtomicBool,
}

impl Default for Worker {
    fn default() -> Self {
        Self {
            in_flight: Arc::default(),
            tasks: Mutex::default(),
            ends: tokio::sync::broadcast::channel(1024).0,
            active: AtomicBool::new(false),
        }
    }
}

impl Worker {
    /// Hears of every run this process drives to its end from now on.
    pub fn ends(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.ends.subscribe()
    }

    /// Drives run `run` of `workspace` now, unless this process already is or the
    /// workspace holds its share of the slots; then the worker takes it in its turn. A
    /// process without the worker role wakes the other processes' workers instead.
    pub fn drive_now(&self, s: &AppState, workspace: &str, run: &str) {
        if !self.active.load(Ordering::Relaxed) {
            return s.wake.notify_one();
        }
        let due = [DueRun { id: run.to_string(), workspace: workspace.to_string() }];
        let admitted = admit(&due, &self.in_flight.lock().unwrap());
        match admitted.first() {
            Some(due) => self.drive(s, due),
            None => s.wake.notify_one(),
        }
    }

    fn drive(&self, s: &AppState, due: &DueRun) {
        let mut in_flight = self.in_flight.lock().unwrap();
        if in_flight.contains_key(&due.id) {
            return;
        }
        in_flight.insert(due.id.clone(), due.workspace.clone());
        drop(in_flight);
        let slot = Slot { in_flight: self.in_flight.clone(), run: due.id.clone() };
        let s = s.clone();
        let workspace = due.workspace.clone();
        let task = async move {
            let run = slot.run.as_str();
            let started = std::time::Instant::now();
            let since = crate::store::now_ms();
            match AssertUnwindSafe(s.engine.drive(run, PATIENCE)).catch_unwind().await {
                Ok(Ok(Progress::Finished)) => {
                    let _ = s.worker.ends.send(run.to_string());
                    let elapsed_ms = started.elapsed().as_millis() as u64;
                    match s.store.run_status(run).await {
                        Ok(status) => {
                            let status = status.as_deref().unwrap_or("deleted");
                            tracing::info!(run = %run, status, elapsed_ms, "run finished: {status}")
                        }
                        Err(e) => {
                            tracing::error!(run = %run, elapsed_ms, "run finished; reading its status failed: {e}")
                        }
                    }
                }
                Ok(Ok(Progress::Waiting { approvals, until })) => {
                    tracing::debug!(run = %run, ?approvals, ?until, "run waits");
                    if !approvals.is_empty() {
                        let (s, run) = (s.clone(), run.to_string());
                        tokio::spawn(async move { s.notices.waiting(&s, &workspace, &run, &approvals, since).await });
                    }
                }
                Ok(Ok(progress)) => tracing::debug!(run = %run, ?progress, "run waits"),
                Ok(Err(e)) => tracing::error!(run = %run, "driving the run failed: {e}"),
                Err(panic) => fail_panicked(&s, run, panic_text(panic.as_ref())).await,
            }
            drop(slot);
            s.wake.notify_local();
        };
        let mut tasks = self.tasks.lock().unwrap();
        tasks.get_or_insert_with(JoinSet::new).spawn(task);
    }

    fn busy(&self) -> usize {
        self.in_flight.lock().unwrap().len()
    }

    /// Starts the due runs the slots and the workspaces' shares allow; false when no run
    /// had due work; an error when the store could not be read.
    async fn take_due(&self, s: &AppState) -> Result<bool, crate::store::StoreError> {
        if self.busy() >= MAX_RUNS {
            return Ok(true);
        }
        // Every run in flight may be listed again (a job of its due meanwhile): ask for
        // room beyond them, so the runs of other workspaces are among those listed.
        let owner = s.engine.worker_id();
        let due = s.store.runs_with_due_work(owner, (2 * MAX_RUNS) as i64).await?;
        let admitted = admit(&due, &self.in_flight.lock().unwrap());
        // Another process may have picked some of them since they were listed: it drives
        // those, and this one lists again at once for others.
        match s.store.pick_runs(owner, &admitted, PICK_HOLD.as_millis() as i64).await {
            Ok(picked) => {
                picked.iter().for_each(|run| self.drive(s, run));
                if picked.len() < admitted.len() {
                    s.wake.notify_local();
                }
            }
            Err(e) => tracing::error!("picking due runs failed: {e}"),
        }
        Ok(!due.is_empty())
    }

    /// How long to wait for a wake-up before polling again: [`POLL`], or while other
    /// processes' announcements reach this one and nothing is due, until the next delayed
    /// or leased job falls due, at most [`super::wakeups::IDLE_POLL`].
    async fn patience(s: &AppState, found: bool) -> Duration {
        if found || !s.wake.listening() {
            return POLL;
        }
        let idle = super::wakeups::IDLE_POLL;
        match s.store.next_work_at().await {
            Ok(Some(at)) => Duration::from_millis((at - crate::store::now_ms()).max(0) as u64).clamp(POLL, idle),
            Ok(None) => idle,
            Err(e) => {
                tracing::error!("looking for the next due job failed: {e}");
                POLL
            }
        }
    }

    /// Polls for due work until `shutdown` turns true, then drains.
    pub async fn run(s: AppState, mut shutdown: watch::Receiver<bool>, grace: Duration) {
        s.worker.active.store(true, Ordering::Relaxed);
        let mut failures = 0u32;
        loop {
            if *shutdown.borrow() {
                break;
            }
            s.worker.reap();
            let patience = match s.worker.take_due(&s).await {
                Ok(found) => {
                    if failures > 0 {
                        tracing::info!("the database answers again after {failures} failed polls");
                        failures = 0;
                    }
                    Self::patience(&s, found).await
                }
                Err(e) => {
                    // Logged once per outage; the polls back off to every 5 s meanwhile.
                    if failures == 0 {
                        tracing::error!("looking for due work failed; retrying with backoff: {e}");
                    }
                    failures += 1;
                    (POLL * 2u32.saturating_pow(failures.min(5))).min(super::wakeups::IDLE_POLL)
                }
            };
            tokio::select! {
                () = s.wake.notified() => {}
                () = tokio::time::sleep(patience) => {}
                _ = shutdown.changed() => {}
            }
        }
        s.worker.active.store(false, Ordering::Relaxed);
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

/// A run's place among the runs in flight, given back when the task driving it ends in
/// any way: returning, panicking, or aborted at shutdown. Were it given back only after
/// the drive returned, every panicking run would hold its slot for good, and a few dozen
/// of them would stop the worker.
struct Slot {
    in_flight: Arc<Mutex<HashMap<String, String>>>,
    run: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.run);
    }
}

/// Ends a run whose drive panicked as failed, its jobs dropped: driven again, it would
/// panic again, after every restart. The panic's text goes to the log only.
async fn fail_panicked(s: &AppState, run: &str, text: String) {
    tracing::error!(run = %run, "driving the run panicked: {text}");
    let ended = async {
        s.store.cancel_run(run, PANICKED).await?;
        s.store.set_run_status(run, "failed", Some(PANICKED)).await
    };
    if let Err(e) = ended.await {
        tracing::error!(run = %run, "failing the run after a panic failed: {e}");
    }
}

/// The message a panic carries.
fn panic_text(panic: &(dyn Any + Send)) -> String {
    let text = panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str));
    text.unwrap_or("(no message)").to_string()
}

/// The error a run shows when driving it panicked.
const PANICKED: &str = "the run stopped on an internal error; the service log has the details";

/// The slots one workspace may hold while `workspaces` workspaces have runs in flight or
/// due: an equal part of them, at least one, and never more than [`MAX_WORKSPACE_RUNS`].
pub fn share(workspaces: usize) -> usize {
    (MAX_RUNS / workspaces.max(1)).clamp(1, MAX_WORKSPACE_RUNS)
}

/// The runs of `due` (in the store's round-robin order) to start now, given the runs in
/// flight (run to workspace): within the free slots, each workspace up to its share, and
/// the last [`RESERVED`] slots only for workspaces that hold almost none.
fn admit(due: &[DueRun], in_flight: &HashMap<String, String>) -> Vec<DueRun> {
    let mut held: HashMap<&str, usize> = HashMap::new();
    for workspace in in_flight.values() {
        *held.entry(workspace).or_default() += 1;
    }
    let workspaces: HashSet<&str> = held.keys().copied().chain(due.iter().map(|d| d.workspace.as_str())).collect();
    let share = share(workspaces.len());
    let mut free = MAX_RUNS.saturating_sub(in_flight.len());
    let mut admitted = Vec::new();
    for run in due.iter().filter(|d| !in_flight.contains_key(&d.id)) {
        let count = held.entry(run.workspace.as_str()).or_default();
        if free == 0 {
            break;
        }
        let may_take_reserved = *count < LIGHT;
        if *count < share && (free > RESERVED || may_take_reserved) && !admitted.contains(run) {
            *count += 1;
            free -= 1;
            admitted.push(run.clone());
        }
    }
    admitted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(workspace: &str, n: usize) -> Vec<DueRun> {
        (0..n).map(|i| DueRun { id: format!("{workspace}-{i:03}"), workspace: workspace.into() }).collect()
    }

    fn flying(runs: &[DueRun]) -> HashMap<String, String> {
        runs.iter().map(|r| (r.id.clone(), r.workspace.clone())).collect()
    }

    #[test]
    fn a_workspace_alone_keeps_a_quarter_of_the_slots_free() {
        let admitted = admit(&due("a", 100), &HashMap::new());
        assert_eq!(admitted.len(), MAX_WORKSPACE_RUNS);
        let again = admit(&due("a", 100), &flying(&admitted));
        assert!(again.is_empty(), "a workspace at its ceiling takes no more: {again:?}");
    }

    #[test]
    fn a_newcomer_gets_a_slot_while_another_workspace_floods() {
        let a = due("a", 100);
        let held = flying(&admit(&a, &HashMap::new()));
        let mut listed = due("b", 1);
        listed.extend(a.iter().skip(MAX_WORKSPACE_RUNS).cloned());
        let admitted = admit(&listed, &held);
        assert_eq!(admitted, due("b", 1), "only b: a holds more than its share of two");
    }

    #[test]
    fn workspaces_with_work_split_the_slots_evenly() {
        let mut listed = Vec::new();
        for i in 0..40 {
            for ws in ["a", "b", "c", "d"] {
                listed.push(DueRun { id: format!("{ws}-{i:03}"), workspace: ws.into() });
            }
        }
        let admitted = admit(&listed, &HashMap::new());
        assert_eq!(admitted.len(), MAX_WORKSPACE_RUNS, "the reserved slots stay free");
        for ws in ["a", "b", "c", "d"] {
            assert_eq!(admitted.iter().filter(|r| r.workspace == ws).count(), MAX_WORKSPACE_RUNS / 4, "{ws}");
        }
        assert_eq!(share(1000), 1, "every workspace keeps at least one slot");
    }

    #[test]
    fn two_floods_together_leave_room_for_a_third_workspace() {
        let mut flood = due("a", 100);
        flood.extend(due("b", 100));
        let held = flying(&admit(&flood, &HashMap::new()));
        assert_eq!(held.len(), MAX_WORKSPACE_RUNS, "{held:?}");
        let mut listed = due("c", 5);
        listed.extend(flood);
        let admitted = admit(&listed, &held);
        assert_eq!(admitted, due("c", LIGHT), "c starts at once; a and b wait for their own slots");
    }

    #[tokio::test]
    async fn a_panicking_task_gives_its_slot_back() {
        let in_flight: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        in_flight.lock().unwrap().insert("r1".into(), "a".into());
        let slot = Slot { in_flight: in_flight.clone(), run: "r1".into() };
        let task = tokio::spawn(async move {
            let _slot = slot;
            panic!("a render panicked");
        });
        assert!(task.await.is_err_and(|e| e.is_panic()));
        assert!(in_flight.lock().unwrap().is_empty(), "the slot is free again");
    }
}
