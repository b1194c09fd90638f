//! Driving a run: holding it in memory, working its ready jobs in parallel, writing each
//! change before acting on it, and reading the run again when someone else changed it.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::stream::{FuturesUnordered, StreamExt};

use super::durable::{Engine, EngineError, Progress};
use super::live::{Commit, Live};
use super::scope::Shared;
use super::settle::settle;
use crate::store::{Job, Written, now_ms};
use crate::workflow::{Plan, StepKind};

/// Jobs of one run worked at once by one process.
const MAX_PARALLEL: usize = 64;

/// A job with how working it went.
type Outcome = (Job, Result<Commit, EngineError>);

impl Engine {
    /// Works on `run_id` until it finishes or waits. Timers due within `patience` are
    /// waited for in this process; later ones, and approvals, make the run `Waiting`.
    ///
    /// The run is held in memory and each change written before it is acted on: a job
    /// starts only once the write that made it ready (and leased it) went through.
    pub async fn drive(&self, run_id: &str, patience: Duration) -> Result<Progress, EngineError> {
        let plan = self.plan(run_id).await?;
        let live = match self.take_kept(run_id) {
            Some(live) => live,
            None => self.load(run_id).await?,
        };
        let mut drive = Drive {
            engine: self,
            plan,
            run_id,
            live,
            running: FuturesUnordered::new(),
            arrived: Vec::new(),
            unwritten: Vec::new(),
        };
        let progress = drive.run(patience).await;
        // A waiting run costs a database row, not memory.
        self.forget(run_id);
        progress
    }

    /// Reads run `run_id` from the store into memory.
    pub(super) async fn load(&self, run_id: &str) -> Result<Live, EngineError> {
        Ok(Live::loaded(self.store.load_run(run_id).await?))
    }

    /// `job` worked on `state`, with the job it came from.
    async fn worked(&self, job: Job, shared: Shared) -> Outcome {
        let outcome = self.work(job.clone(), shared).await;
        (job, outcome)
    }
}

/// One drive of one run.
struct Drive<'e> {
    engine: &'e Engine,
    plan: Arc<Plan>,
    run_id: &'e str,
    live: Live,
    running: FuturesUnordered<Pin<Box<dyn Future<Output = Outcome> + Send + 'e>>>,
    /// Outcomes not yet folded into the run.
    arrived: Vec<Outcome>,
    /// Outcomes folded into the run but not yet written.
    unwritten: Vec<(Job, Commit)>,
}

impl<'e> Drive<'e> {
    async fn run(&mut self, patience: Duration) -> Result<Progress, EngineError> {
        loop {
            self.fold()?;
            if self.live.status() == "queued" && self.running.is_empty() {
                return Ok(Progress::Queued);
            }
            let ended = settle(&self.plan, &mut self.live);
            let room = MAX_PARALLEL.saturating_sub(self.running.len());
            let fresh = self.live.lease_new(&self.engine.worker, now_ms() + self.lease(), room);
            if self.live.has_changes() && self.write().await? == Written::Stale {
                if self.reload().await? {
                    return Ok(Progress::Finished);
                }
                continue;
            }
            if ended {
                self.engine.promote_queued(&self.plan, &self.live.state.run.workspace).await?;
            }
            self.spawn(fresh);
            if !self.arrived.is_empty() {
                // Jobs ended while the write went on: fold them in first.
                continue;
            }
            if self.running.is_empty() {
                match self.idle(patience).await? {
                    Some(progress) => return Ok(progress),
                    None => continue,
                }
            }
            self.wait_for_jobs().await;
        }
    }

    fn lease(&self) -> i64 {
        self.engine.lease.as_millis() as i64
    }

    /// Folds the jobs' outcomes into the run; one of a job the run no longer has (it was
    /// cancelled meanwhile) is dropped.
    fn fold(&mut self) -> Result<(), EngineError> {
        for (job, outcome) in std::mem::take(&mut self.arrived) {
            let mut commit = outcome?;
            if self.live.jobs.contains(&job) {
                self.live.budget.refuse_excess(&self.live.state, &mut commit);
                self.live.apply(&commit);
                self.unwritten.push((job, commit));
            }
        }
        Ok(())
    }

    /// Writes the run's changes, while its jobs go on.
    async fn write(&mut self) -> Result<Written, EngineError> {
        let write = self.live.take_write();
        let ended = self.engine.tracer().ended(&self.live.state.run, &write);
        let written = polling(self.engine.store.write_run(write), &mut self.running, &mut self.arrived).await?;
        if let Written::Done(version) = written {
            self.live.state.run.version = version;
            self.unwritten.clear();
            self.engine.tracer().emit_all(ended);
        }
        Ok(written)
    }

    /// Reads the run again after another process (or a decision) changed it, to fold in
    /// again what this drive did meanwhile. True when the run has ended.
    async fn reload(&mut self) -> Result<bool, EngineError> {
        self.live = self.engine.load(self.run_id).await?;
        if matches!(self.live.status(), "succeeded" | "failed" | "rejected" | "cancelled") {
            return Ok(true);
        }
        self.arrived.extend(std::mem::take(&mut self.unwritten).into_iter().map(|(job, commit)| (job, Ok(commit))));
        Ok(false)
    }

    fn spawn(&mut self, jobs: Vec<Job>) {
        if jobs.is_empty() {
            return;
        }
        let shared = self.live.shared();
        for job in jobs {
            self.running.push(Box::pin(self.engine.worked(job, shared.clone())));
        }
    }

    /// Nothing runs: the run has ended or waits, or there are jobs to claim or wait for.
    /// `None` to go on.
    async fn idle(&mut self, patience: Duration) -> Result<Option<Progress>, EngineError> {
        let now = now_ms();
        let Some(at) = self.live.next_claimable() else {
            let approvals = waiting_approvals(&self.plan, &self.live);
            return Ok(Some(if approvals.is_empty() {
                Progress::Finished
            } else {
                Progress::Waiting { approvals, until: None }
            }));
        };
        if at <= now {
            // Jobs another process left (or made ready): claim them in the store.
            let (engine, lease) = (self.engine, self.lease());
            let claimed = engine.store.claim_run(&engine.worker, lease, self.run_id, MAX_PARALLEL as i64).await?;
            if claimed.is_empty() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if claimed.is_empty() || !self.live.knows(&claimed) {
                self.live = engine.load(self.run_id).await?;
            }
            self.live.leased(&claimed, &engine.worker, now + lease);
            self.spawn(claimed);
            return Ok(None);
        }
        if at - now > patience.as_millis() as i64 {
            let approvals = waiting_approvals(&self.plan, &self.live);
            return Ok(Some(Progress::Waiting { approvals, until: Some(at) }));
        }
        // A timer due soon, or a job leased by another worker (whose lease may expire).
        tokio::time::sleep(Duration::from_millis((at - now).min(500) as u64)).await;
        self.live = self.engine.load(self.run_id).await?;
        Ok(None)
    }

    /// Waits for a job to end, and takes every other that ended too.
    async fn wait_for_jobs(&mut self) {
        if let Some(done) = self.running.next().await {
            self.arrived.push(done);
        }
        while let Some(Some(done)) = self.running.next().now_or_never() {
            self.arrived.push(done);
        }
    }
}

/// The approval steps of `live` that wait for a decision (not for their `wait_until`), by step id.
fn waiting_approvals(plan: &Plan, live: &Live) -> Vec<String> {
    let timed = |id: &str| live.jobs.iter().any(|j| j.step_id == id && j.kind == "ready");
    let mut ids: Vec<String> = live
        .state
        .run
        .steps
        .iter()
        .filter(|s| s.status == "waiting" && !timed(&s.step_id))
        .filter(|s| plan.step(&s.step_id).is_some_and(|p| matches!(p.kind, StepKind::Approval(_))))
        .map(|s| s.step_id.clone())
        .collect();
    ids.sort();
    ids
}

/// Awaits `fut` while the jobs in `running` go on; those that end meanwhile go to `arrived`.
async fn polling<T, F: Future>(
    fut: impl Future<Output = T>,
    running: &mut FuturesUnordered<F>,
    arrived: &mut Vec<F::Output>,
) -> T {
    let mut fut = std::pin::pin!(fut);
    loop {
        tokio::select! {
            biased;
            out = &mut fut => return out,
            Some(done) = running.next(), if !running.is_empty() => arrived.push(done),
        }
    }
}
