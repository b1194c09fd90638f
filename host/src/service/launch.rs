//! Starting runs of stored workflows, for the API, webhooks and schedules alike: inputs
//! bound and typed, the workspace's quota checked, variables and trigger fixed in the run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::AppState;
use super::error::ApiError;
use super::quotas::Quotas;
use crate::engine::Origin;
use crate::store::WorkflowRecord;
use crate::workflow::{self, Plan};

/// The most plans [`PlanCache`] keeps; beyond it the least recently used is forgotten.
/// Without a bound, every saved revision of every workflow stayed in memory for good.
pub const MAX_CACHED_PLANS: usize = 512;
/// The most workflow source bytes whose plans [`PlanCache`] keeps (a plan's size follows
/// its source's): saving many large workflows cannot grow the service's memory past it.
pub const MAX_CACHED_SOURCE_BYTES: usize = 64 * 1024 * 1024;

/// The current revision's plan of stored workflows by (workspace, name), parsed once;
/// bounded by [`MAX_CACHED_PLANS`] and [`MAX_CACHED_SOURCE_BYTES`], least recently used
/// forgotten first (a forgotten plan is loaded again when needed).
#[derive(Default)]
pub struct PlanCache(Mutex<Plans>);

#[derive(Default)]
struct Plans {
    entries: HashMap<(String, String), Cached>,
    /// Source bytes of the plans held.
    bytes: usize,
    /// Increases at each use; an entry's `used` is the tick of its last use.
    tick: u64,
}

struct Cached {
    revision: i64,
    /// The registry's generation the plan was resolved against: installs make it stale.
    generation: u64,
    plan: Arc<Plan>,
    bytes: usize,
    used: u64,
}

impl Plans {
    fn get(&mut self, key: &(String, String), revision: i64, generation: u64) -> Option<Arc<Plan>> {
        self.tick += 1;
        let entry = self.entries.get_mut(key).filter(|e| e.revision == revision && e.generation == generation)?;
        entry.used = self.tick;
        Some(entry.plan.clone())
    }

    /// Keeps `plan` of `revision` unless a newer revision is held; then evicts down to the bounds.
    fn put(&mut self, key: (String, String), (revision, generation): (i64, u64), plan: Arc<Plan>, bytes: usize) {
        if self.entries.get(&key).is_some_and(|e| (e.revision, e.generation) > (revision, generation)) {
            return;
        }
        self.tick += 1;
        let entry = Cached { revision, generation, plan, bytes, used: self.tick };
        if let Some(old) = self.entries.insert(key, entry) {
            self.bytes -= old.bytes;
        }
        self.bytes += bytes;
        while self.entries.len() > MAX_CACHED_PLANS || self.bytes > MAX_CACHED_SOURCE_BYTES {
            let Some(oldest) = self.entries.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else {
                break;
            };
            let gone = self.entries.remove(&oldest).expect("the key was just found");
            self.bytes -= gone.bytes;
        }
    }
}

impl PlanCache {
    /// The plan of `w`; a workflow marked broken is not loaded again.
    pub fn plan(&self, s: &AppState, w: &WorkflowRecord) -> Result<Arc<Plan>, ApiError> {
        if let Some(error) = &w.error {
            let message = format!("the stored workflow no longer loads: {error}");
            return Err(ApiError::new(StatusCode::CONFLICT, "invalid_workflow", message));
        }
        let key = (w.workspace.clone(), w.name.clone());
        let generation = s.registry.generation();
        if let Some(plan) = self.0.lock().unwrap().get(&key, w.revision, generation) {
            return Ok(plan);
        }
        let catalog = s.registry.view(Some(&w.workspace));
        let plan = workflow::load(&file_name(w), &w.source, &catalog).map_err(|d| {
            ApiError::new(StatusCode::CONFLICT, "invalid_workflow", format!("the stored workflow no longer loads: {d}"))
        })?;
        let plan = Arc::new(plan);
        self.0.lock().unwrap().put(key, (w.revision, generation), plan.clone(), w.source.len());
        Ok(plan)
    }

    /// Keeps a plan loaded elsewhere (off the async threads) for a workflow's revision,
    /// whose source is `source_bytes` long, resolved against the registry's `generation`
    /// (read before loading); an older revision's plan is forgotten.
    pub fn insert(&self, workspace: &str, (revision, generation): (i64, u64), plan: Plan, source_bytes: usize) {
        let key = (workspace.to_string(), plan.name.clone());
        self.0.lock().unwrap().put(key, (revision, generation), Arc::new(plan), source_bytes);
    }

    /// How many plans are held, and their source bytes.
    pub fn usage(&self) -> (usize, usize) {
        let plans = self.0.lock().unwrap();
        (plans.entries.len(), plans.bytes)
    }
}

/// The name diagnostics and runs give a stored workflow's text.
pub fn file_name(w: &WorkflowRecord) -> String {
    format!("{}/{}.yaml", w.workspace, w.name)
}

/// Starts a run of `w` with JSON `inputs`, started by `trigger` (`{"kind": ...}` and what
/// the trigger carries). Returns the run id.
pub async fn start_run(
    s: &AppState,
    w: &WorkflowRecord,
    inputs: &Map<String, Value>,
    trigger: Value,
) -> Result<String, ApiError> {
    let started = start_claiming(s, w, inputs, trigger, None).await?;
    started.ok_or_else(|| ApiError::internal("a run without a delivery was refused as claimed"))
}

/// [`start_run`] for delivery `delivery` of `w`, claimed in the transaction that creates
/// the run: `None`, with nothing started, when an earlier run holds it. A refusal (inputs,
/// quota) claims nothing, so the sender's retry may start the run.
pub async fn start_claiming(
    s: &AppState,
    w: &WorkflowRecord,
    inputs: &Map<String, Value>,
    trigger: Value,
    delivery: Option<String>,
) -> Result<Option<String>, ApiError> {
    let plan = s.plans.plan(s, w)?;
    let inputs = bind_inputs(&plan, inputs)?;
    check_quota(s, &w.workspace).await?;
    let vars: Map<String, Value> =
        s.store.variables(&w.workspace).await?.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let kind = trigger.get("kind").and_then(Value::as_str).unwrap_or("manual").to_string();
    let context = json!({ "trigger": trigger, "vars": vars, "revision": w.revision });
    let origin = Origin { kind, context, delivery };
    let run = s.engine.start_from(&plan, (&file_name(w), &w.source), inputs, &w.workspace, origin).await?;
    if run.is_some() {
        s.wake.notify_one();
    }
    Ok(run)
}

/// `inputs` typed by `plan`'s declarations; every invalid field is named in the error.
fn bind_inputs(plan: &Plan, inputs: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    plan.bind_json_inputs(inputs).map_err(|errors| {
        let details: Vec<Value> = errors
            .iter()
            .map(|(field, message)| json!({ "field": format!("inputs.{field}"), "message": message }))
            .collect();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_inputs",
            errors.iter().map(|e| e.1.clone()).collect::<Vec<_>>().join("; "),
        )
        .with_details(Value::Array(details))
    })
}

/// Refuses a new run of `ws` while its active runs fill its quota.
pub async fn check_quota(s: &AppState, ws: &str) -> Result<(), ApiError> {
    let workspace = s.store.workspace(ws).await?.ok_or_else(|| ApiError::not_found("workspace not found"))?;
    let Some(limit) = Quotas::parse(&workspace.quotas)?.concurrent_runs else { return Ok(()) };
    let active = s.store.active_runs(ws).await?;
    if active >= i64::from(limit) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "quota_exceeded",
            format!("workspace `{ws}` has {active} active runs, its quota allows {limit}; retry later"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::TestCatalog;

    fn plan(name: &str) -> Arc<Plan> {
        let source =
            format!("name: {name}\nsteps:\n  - id: s\n    uses: sentiment/score@0.2\n    with: {{ text: x }}\n");
        Arc::new(workflow::load("w.yaml", &source, &TestCatalog::sentiment()).unwrap())
    }

    fn key(name: &str) -> (String, String) {
        ("acme".into(), name.into())
    }

    #[test]
    fn only_the_newest_revision_of_a_workflow_is_kept() {
        let mut plans = Plans::default();
        let p = plan("w");
        for revision in 1..=150 {
            plans.put(key("w"), (revision, 0), p.clone(), 1 << 20);
        }
        assert_eq!((plans.entries.len(), plans.bytes), (1, 1 << 20));
        plans.put(key("w"), (3, 0), p.clone(), 10);
        assert!(plans.get(&key("w"), 150, 0).is_some(), "an older revision must not replace a newer one");
        assert!(plans.get(&key("w"), 3, 0).is_none());
        assert!(plans.get(&key("w"), 150, 1).is_none(), "a plan resolved before an install is stale");
    }

    #[test]
    fn the_least_recently_used_plans_are_forgotten_beyond_the_bounds() {
        let mut plans = Plans::default();
        let p = plan("w");
        for i in 0..MAX_CACHED_PLANS + 10 {
            plans.put(key(&format!("w{i}")), (1, 0), p.clone(), 1);
            assert!(plans.get(&key("w0"), 1, 0).is_some(), "a plan in use stays");
        }
        assert_eq!(plans.entries.len(), MAX_CACHED_PLANS);
        assert!(plans.get(&key("w1"), 1, 0).is_none(), "the least recently used went first");
        let big = MAX_CACHED_SOURCE_BYTES / 4 + 1;
        for i in 0..4 {
            plans.put(key(&format!("big{i}")), (1, 0), p.clone(), big);
        }
        assert!(plans.bytes <= MAX_CACHED_SOURCE_BYTES, "{} bytes held", plans.bytes);
        assert!(plans.get(&key("big3"), 1, 0).is_some() && plans.get(&key("big0"), 1, 0).is_none());
    }
}
