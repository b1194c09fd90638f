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

use serde_json::{Map, Value};

use super::hooks::{LimitSource, StepObserver, Unlimited, Unobserved};
use super::live::Live;
use super::settle::settle;
use super::work::blank_record;
use crate::capabilities::secrets::Secret;
use crate::runtime::Runtime;
use crate::runtime::registry::Registry;
use crate::store::{RunRecord, RunState, StepRecord, Store, StoreError, Written, now_ms};
use crate::workflow::{self, OnBusy, Plan};

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
    /// An approver's edit of a field that the field refuses.
    #[error("{0}")]
    Edit(String),
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

/// What started a run.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The trigger's kind: `manual`, `schedule`, `webhook`, ...
    pub kind: String,
    /// `{ "trigger": {...}, "vars": {...} }`: what expressions see besides the inputs.
    pub context: Value,
    /// The key of the delivery the run answers, unique per workflow: a second run claiming
    /// it is not created.
    pub delivery: Option<String>,
}

/// What the concurrency policy decided for a new run.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    Start,
    /// Start, and once the run is written (its claim won) cancel these older runs, why.
    Replace(Vec<String>, String),
    Queue,
    /// Written as cancelled, why: in the transaction that creates it, so a crash cannot
    /// leave a skipped run queued.
    Skip(String),
}

impl Admission {
    fn starts(&self) -> bool {
        matches!(self, Admission::Start | Admission::Replace(..))
    }
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

    /// Where the spans of runs and steps go; its runtime's.
    pub fn tracer(&self) -> &crate::telemetry::Tracer {
        self.runtime.tracer()
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
        source: (&str, &str),
        inputs: Map<String, Value>,
        workspace: &str,
        trigger: &str,
        context: Value,
    ) -> Result<String, EngineError> {
        let origin = Origin { kind: trigger.into(), context, delivery: None };
        let started = self.start_from(plan, source, inputs, workspace, origin).await?;
        started.ok_or_else(|| EngineError::Invalid("a run without a delivery was refused as claimed".into()))
    }

    /// Records a new run of `plan` and its first jobs, and claims its origin's delivery in
    /// the same transaction. `None`, with nothing written, when another run holds the claim.
    pub async fn start_from(
        &self,
        plan: &Plan,
        (name, source): (&str, &str),
        inputs: Map<String, Value>,
        workspace: &str,
        origin: Origin,
    ) -> Result<Option<String>, EngineError> {
        self.create(plan, (name, source), inputs, workspace, origin, Vec::new()).await
    }

    /// [`Engine::start_from`] with `reused`: steps that start the run already succeeded,
    /// carried over from an earlier run of the same text (see [`Engine::retry`]).
    pub(super) async fn create(
        &self,
        plan: &Plan,
        (name, source): (&str, &str),
        inputs: Map<String, Value>,
        workspace: &str,
        origin: Origin,
        reused: Vec<StepRecord>,
    ) -> Result<Option<String>, EngineError> {
        let Origin { kind: trigger, context, delivery } = origin;
        let trigger = trigger.as_str();
        let run_id = uuid::Uuid::now_v7().to_string();
        let admission = self.admit(plan, workspace, &run_id).await?;
        let now = now_ms();
        let (status, error, finished_at) = match &admission {
            Admission::Skip(reason) => ("cancelled", Some(reason.clone()), Some(now)),
            Admission::Queue => ("queued", None, None),
            Admission::Start | Admission::Replace(..) => ("running", None, None),
        };
        // Every step starts `pending` (`cancelled` in a skipped run); settling enqueues
        // those with no dependencies.
        let step_status = if finished_at.is_some() { "cancelled" } else { "pending" };
        let steps = plan
            .steps
            .iter()
            .map(|step| match reused.iter().find(|r| r.step_id == step.id && finished_at.is_none()) {
                Some(earlier) => StepRecord { run_id: run_id.clone(), logs: Vec::new(), ..earlier.clone() },
                None => {
                    StepRecord { status: step_status.into(), finished_at, ..blank_record(&run_id, workspace, step) }
                }
            })
            .collect();
        let run = RunRecord {
            id: run_id.clone(),
            workspace: workspace.into(),
            workflow: plan.name.clone(),
            status: status.into(),
            inputs: Value::Object(inputs),
            outputs: None,
            error,
            created_at: now,
            finished_at,
            started_at: Some(now),
            trigger: Some(trigger.into()),
            context,
            version: 0,
            steps,
        };
        let mut live = Live::created(RunState { run, items: Vec::new() }, (name.into(), source.into()));
        if admission.starts() {
            settle(plan, &mut live);
        }
        let mut write = live.take_write();
        if let Some(create) = write.create.as_mut() {
            create.delivery = delivery;
        }
        match self.store.write_run(write).await? {
            Written::Done(_) => {}
            Written::Claimed => return Ok(None),
            Written::Stale => return Err(EngineError::Invalid(format!("run id `{run_id}` is taken"))),
        }
        // Only the attempt that won the claim acts on the policy: a loser cancels nothing.
        if let Admission::Replace(old, reason) = &admission {
            for old in old {
                self.store.cancel_run(old, reason).await?;
            }
        }
        if admission.starts() {
            self.plans.lock().unwrap().insert(run_id.clone(), Arc::new(plan.clone()));
            let mut kept = self.kept.lock().unwrap();
            if kept.len() < MAX_KEPT {
                kept.insert(run_id.clone(), live);
            }
        }
        Ok(Some(run_id))
    }

    /// Applies the workflow's `concurrency` to a new run: start it, queue it, skip it, or
    /// cancel the oldest active runs to make room (once the run is written). Every
    /// decision is recorded.
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
            OnBusy::CancelRunning => Admission::Replace(
                active[..=active.len() - limit].to_vec(),
                format!("cancelled to make room for run {run_id} ({policy})"),
            ),
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
        let (name, text, workspace) =
            source.ok_or_else(|| EngineError::Invalid(format!("run `{run_id}` has no stored workflow")))?;

        let plan = workflow::load(&name, &text, &self.registry.view(Some(&workspace)))
            .map_err(|d| EngineError::Workflow { run: run_id.into(), diagnostics: d.to_string() })?;
        let plan = Arc::new(plan);
        self.plans.lock().unwrap().insert(run_id.into(), plan.clone());
        Ok(plan)
    }
}

/// Runs started but not yet driven kept in memory at most.
const MAX_KEPT: usize = 4096;

impl Engine {
    /// The run `run_id` as this process started it, if it keeps it.
    pub(super) fn take_kept(&self, run_id: &str) -> Option<Live> {
        self.kept.lock().unwrap().remove(run_id)
    }

    /// Drops what this process keeps of a run it stops working on.
    pub(super) fn forget(&self, run_id: &str) {
        self.plans.lock().unwrap().remove(run_id);
        self.kept.lock().unwrap().remove(run_id);
    }
}
