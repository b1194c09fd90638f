//! The durable engine: runs as jobs in the store, claimed under leases, results committed
//! in one transaction with the work they make ready.
//!
//! Every state change is written before it is acted on. A process killed at any point
//! loses nothing: its leases expire, another process (or `roost run --resume`) claims the
//! jobs again, and a step whose result was committed is never executed again. Waiting (an
//! approval, a timer) is a row, not a process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::{Map, Value};

use super::hooks::{LimitSource, StepObserver, Unlimited, Unobserved};
use super::live::{Commit, Live};
use super::settle::settle;
use super::work::blank_record;
use crate::capabilities::secrets::Secret;
use crate::runtime::Runtime;
use crate::runtime::registry::Registry;
use crate::store::{Job, NewRun, NewRunRow, RunRecord, RunState, StepRecord, Store, StoreError, Written, now_ms};
use crate::workflow::{self, OnBusy, Plan, StepKind};

/// How long a claimed job stays leased without renewal.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Why the engine could not continue a run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("run `{run}` follows a workflow that no longer loads:\n{diagnostics}")]
    Workflow { run: String, diagnostics: String },
    #[error("{0}")]
    Invalid(String),
}

/// Where a step's secrets come from: the workspace's, decrypted when the step runs.
pub trait SecretSource: Send + Sync {
    fn secrets<'a>(
        &'a self,
        workspace: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<std::collections::BTreeMap<String, Secret>, EngineError>>;
}

impl SecretSource for std::collections::BTreeMap<String, Secret> {
    fn secrets<'a>(
        &'a self,
        _workspace: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<std::collections::BTreeMap<String, Secret>, EngineError>> {
        Box::pin(async move { Ok(self.clone()) })
    }
}

/// Runs workflows durably.
pub struct Engine {
    pub(super) runtime: Arc<Runtime>,
    pub(super) registry: Arc<Registry>,
    pub(super) store: Store,
    pub(super) worker: String,
    pub(super) lease: Duration,
    pub(super) secrets: Arc<dyn SecretSource>,
    pub(super) limits: Arc<dyn LimitSource>,
    pub(super) observer: Arc<dyn StepObserver>,
    plans: Mutex<HashMap<String, Arc<Plan>>>,
    /// Runs this process started and has not driven yet, as they were written.
    kept: Mutex<HashMap<String, Live>>,
}

/// What the concurrency policy decided for a new run.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    Start,
    Queue,
    Skip(String),
}

/// What `drive` ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The run reached a final status.
    Finished,
    /// The run waits: for approvals, or until a time.
    Waiting { approvals: Vec<String>, until: Option<i64> },
    /// The run waits for other runs of its workflow to end (`concurrency` with `queue`).
    Queued,
}

impl Engine {
    pub fn new(runtime: Arc<Runtime>, registry: Arc<Registry>, store: Store) -> Self {
        let worker = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7());
        Self {
            runtime,
            registry,
            store,
            worker,
            lease: DEFAULT_LEASE,
            secrets: Arc::new(std::collections::BTreeMap::new()),
            limits: Arc::new(Unlimited),
            observer: Arc::new(Unobserved),
            plans: Mutex::default(),
            kept: Mutex::default(),
        }
    }

    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The same secrets for every workspace (`roost run`).
    pub fn with_secrets(mut self, secrets: std::collections::BTreeMap<String, Secret>) -> Self {
        self.secrets = Arc::new(secrets);
        self
    }

    /// Secrets looked up per workspace when a step runs (`roost serve`).
    pub fn with_secret_source(mut self, source: Arc<dyn SecretSource>) -> Self {
        self.secrets = source;
        self
    }

    /// Each workspace's step limits and quota, checked when a step is about to run (`roost serve`).
    pub fn with_limits(mut self, limits: Arc<dyn LimitSource>) -> Self {
        self.limits = limits;
        self
    }

    /// Told of every plugin execution (`roost serve` keeps metrics).
    pub fn with_observer(mut self, observer: Arc<dyn StepObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// This engine's name on the leases it takes.
    pub fn worker_id(&self) -> &str {
        &self.worker
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Records a new run of `plan` (whose text is `source`, from `name`) and its first jobs.
    pub async fn start(
        &self,
        plan: &Plan,
        name: &str,
        source: &str,
        inputs: Map<String, Value>,
        workspace: &str,
        trigger: &str,
    ) -> Result<String, EngineError> {
        let context = serde_json::json!({ "trigger": { "kind": trigger } });
        self.start_with(plan, (name, source), inputs, workspace, trigger, context).await
    }

    /// [`Engine::start`] with the run's `context`: `{ "trigger": {...}, "vars": {...} }`.
    pub async fn start_with(
        &self,
        plan: &Plan,
        (name, source): (&str, &str),
        inputs: Map<String, Value>,
        workspace: &str,
        trigger: &str,
        context: Value,
    ) -> Result<String, EngineError> {
        let run_id = uuid::Uuid::now_v7().to_string();
        let admission = self.admit(plan, workspace, &run_id).await?;
        let status = if admission == Admission::Start { "running" } else { "queued" };
        let now = now_ms();
        let inputs = Value::Object(inputs);
        // Every step starts `pending`; settling enqueues those with no dependencies.
        let steps = plan
            .steps
            .iter()
            .map(|step| StepRecord { status: "pending".into(), ..blank_record(&run_id, workspace, step) })
            .collect();
        let run = RunRecord {
            id: run_id.clone(),
            workspace: workspace.into(),
            workflow: plan.name.clone(),
            status: status.into(),
            inputs: inputs.clone(),
            outputs: None,
            error: None,
            created_at: now,
            finished_at: None,
            started_at: Some(now),
            trigger: Some(trigger.into()),
            context: context.clone(),
            version: 0,
            steps,
        };
        let row = NewRunRow {
            run: NewRun {
                id: run_id.clone(),
                workspace: workspace.into(),
                workflow: plan.name.clone(),
                inputs,
                context,
            },
            source: (name.into(), source.into()),
            trigger: trigger.into(),
            created_at: now,
        };
        let mut live = Live::created(RunState { run, items: Vec::new() }, row);
        if admission == Admission::Start {
            settle(plan, &mut live);
        }
        if self.store.write_run(live.take_write()).await? == Written::Stale {
            return Err(EngineError::Invalid(format!("run id `{run_id}` is taken")));
        }
        match admission {
            Admission::Start => {
                self.plans.lock().unwrap().insert(run_id.clone(), Arc::new(plan.clone()));
                let mut kept = self.kept.lock().unwrap();
                if kept.len() < MAX_KEPT {
                    kept.insert(run_id.clone(), live);
                }
            }
            Admission::Queue => {}
            Admission::Skip(reason) => self.store.cancel_run(&run_id, &reason).await?,
        }
        Ok(run_id)
    }

    /// Applies the workflow's `concurrency` to a new run: start it, queue it, skip it, or
    /// cancel the oldest active runs to make room. Every decision is recorded.
    async fn admit(&self, plan: &Plan, workspace: &str, run_id: &str) -> Result<Admission, EngineError> {
        let Some(limit) = plan.concurrency.limit.map(|l| l as usize) else { return Ok(Admission::Start) };
        let active = self.store.runs_with_status(workspace, &plan.name, &["running", "waiting"]).await?;
        if active.len() < limit {
            return Ok(Admission::Start);
        }
        let policy = format!("concurrency limit {limit}, on_busy: {:?}", plan.concurrency.on_busy).to_lowercase();
        Ok(match plan.concurrency.on_busy {
            OnBusy::Queue => Admission::Queue,
            OnBusy::Skip => {
                Admission::Skip(format!("skipped: {} runs of `{}` already active ({policy})", active.len(), plan.name))
            }
            OnBusy::CancelRunning => {
                for old in &active[..=active.len() - limit] {
                    let reason = format!("cancelled to make room for run {run_id} ({policy})");
                    self.store.cancel_run(old, &reason).await?;
                }
                Admission::Start
            }
        })
    }

    /// Starts the oldest queued run of `plan` in `workspace` when the limit leaves room.
    pub(super) async fn promote_queued(&self, plan: &Plan, workspace: &str) -> Result<(), EngineError> {
        let Some(limit) = plan.concurrency.limit.map(|l| l as usize) else { return Ok(()) };
        let active = self.store.runs_with_status(workspace, &plan.name, &["running", "waiting"]).await?;
        let queued = self.store.runs_with_status(workspace, &plan.name, &["queued"]).await?;
        for next in queued.iter().take(limit.saturating_sub(active.len())) {
            self.store.set_run_status(next, "running", None).await?;
        }
        Ok(())
    }

    /// The plan run `run_id` follows, loaded again from its stored text if needed.
    pub(super) async fn plan(&self, run_id: &str) -> Result<Arc<Plan>, EngineError> {
        if let Some(plan) = self.plans.lock().unwrap().get(run_id) {
            return Ok(plan.clone());
        }
        let source = self.store.run_source(run_id).await?;
        let (name, text) =
            source.ok_or_else(|| EngineError::Invalid(format!("run `{run_id}` has no stored workflow")))?;

        let plan = workflow::load(&name, &text, self.registry.as_ref())
            .map_err(|d| EngineError::Workflow { run: run_id.into(), diagnostics: d.to_string() })?;
        let plan = Arc::new(plan);
        self.plans.lock().unwrap().insert(run_id.into(), plan.clone());
        Ok(plan)
    }

    /// Works on `run_id` until it finishes or waits. Timers due within `patience` are
    /// waited for in this process; later ones, and approvals, make the run `Waiting`.
    ///
    /// The run is held in memory and each change written before it is acted on: a job
    /// starts only once the write that made it ready (and leased it) went through.
    pub async fn drive(&self, run_id: &str, patience: Duration) -> Result<Progress, EngineError> {
        let plan = self.plan(run_id).await?;
        let kept = self.kept.lock().unwrap().remove(run_id);
        let mut live = match kept {
            Some(live) => live,
            None => self.load(run_id).await?,
        };
        let lease = self.lease.as_millis() as i64;
        let mut running = FuturesUnordered::new();
        // Outcomes of jobs not yet folded into the run, and those folded but not yet written.
        let mut arrived: Vec<(Job, Result<Commit, EngineError>)> = Vec::new();
        let mut unwritten: Vec<(Job, Commit)> = Vec::new();
        loop {
            for (job, outcome) in arrived.drain(..) {
                let commit = outcome?;
                if live.jobs.contains(&job) {
                    live.apply(&commit);
                    unwritten.push((job, commit));
                }
            }
            if live.status() == "queued" && running.is_empty() {
                self.forget(run_id);
                return Ok(Progress::Queued);
            }
            let ended = settle(&plan, &mut live);
            let fresh = live.lease_new(&self.worker, now_ms() + lease, MAX_PARALLEL.saturating_sub(running.len()));
            if live.has_changes() {
                let write = self.store.write_run(live.take_write());
                match polling(write, &mut running, &mut arrived).await? {
                    Written::Done(version) => {
                        live.state.run.version = version;
                        unwritten.clear();
                    }
                    Written::Stale => {
                        // Another process (or a decision) changed the run: read it again
                        // and fold in again what this process did meanwhile.
                        live = self.load(run_id).await?;
                        if matches!(live.status(), "succeeded" | "failed" | "rejected" | "cancelled") {
                            self.forget(run_id);
                            return Ok(Progress::Finished);
                        }
                        for (job, commit) in std::mem::take(&mut unwritten) {
                            arrived.push((job, Ok(commit)));
                        }
                        continue;
                    }
                }
            }
            if ended {
                self.promote_queued(&plan, &live.state.run.workspace).await?;
            }
            if !fresh.is_empty() {
                let snapshot = Arc::new(live.state.clone());
                running.extend(fresh.into_iter().map(|job| self.worked(job, snapshot.clone())));
            }
            if !arrived.is_empty() {
                // Jobs ended while the write went on: fold them in first.
                continue;
            }
            if running.is_empty() {
                let now = now_ms();
                match live.next_claimable() {
                    None => {
                        self.forget(run_id);
                        let approvals = waiting_approvals(&plan, &live);
                        return Ok(if approvals.is_empty() {
                            Progress::Finished
                        } else {
                            Progress::Waiting { approvals, until: None }
                        });
                    }
                    Some(at) if at <= now => {
                        // Jobs another process left (or made ready): claim them in the store.
                        let claimed = self.store.claim_run(&self.worker, lease, run_id, MAX_PARALLEL as i64).await?;
                        if claimed.is_empty() {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        if claimed.is_empty() || !live.knows(&claimed) {
                            live = self.load(run_id).await?;
                        }
                        live.leased(&claimed, &self.worker, now + lease);
                        let snapshot = Arc::new(live.state.clone());
                        running.extend(claimed.into_iter().map(|job| self.worked(job, snapshot.clone())));
                        continue;
                    }
                    Some(at) => {
                        let wait = at - now;
                        if wait > patience.as_millis() as i64 {
                            self.forget(run_id);
                            return Ok(Progress::Waiting {
                                approvals: waiting_approvals(&plan, &live),
                                until: Some(at),
                            });
                        }
                        // A timer due soon, or a job leased by another worker (whose lease may expire).
                        tokio::time::sleep(Duration::from_millis(wait.min(500) as u64)).await;
                        live = self.load(run_id).await?;
                        continue;
                    }
                }
            }
            if let Some(done) = running.next().await {
                arrived.push(done);
            }
            while let Some(Some(done)) = running.next().now_or_never() {
                arrived.push(done);
            }
        }
    }

    /// `job` worked on `state`, with the job it came from.
    async fn worked(&self, job: Job, state: Arc<RunState>) -> (Job, Result<Commit, EngineError>) {
        let outcome = self.work(job.clone(), state).await;
        (job, outcome)
    }

    /// Reads run `run_id` from the store into memory.
    async fn load(&self, run_id: &str) -> Result<Live, EngineError> {
        Ok(Live::loaded(self.store.load_run(run_id).await?))
    }

    /// Drops what this process keeps of a run it stops working on: a waiting run costs
    /// a database row, not memory.
    fn forget(&self, run_id: &str) {
        self.plans.lock().unwrap().remove(run_id);
        self.kept.lock().unwrap().remove(run_id);
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

/// Runs started but not yet driven kept in memory at most.
const MAX_KEPT: usize = 4096;

/// Jobs of one run worked at once by one process.
const MAX_PARALLEL: usize = 64;
