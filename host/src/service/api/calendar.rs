//! Scheduled publishes: runs waiting on a timer (`wait`, `wait_until`) before a step whose
//! action has side effects (posting, sending). Listed by time, moved, or cancelled.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::runtime::manifest::ActionDecl;
use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult, ErrorBody};
use crate::store::{RunState, TimerRecord, now_ms};
use crate::workflow::{Plan, PlanStep, Scope, StepKind, StepView, Template};

use super::openapi::Denied;
use super::workspaces::workspace;

/// Timers read per request; the calendar shows those with a publishing step among them.
const LIMIT: i64 = 1000;

/// Step inputs rendered per request. Rendering runs the workflow's expressions (each may
/// compute up to 4 MiB) inside a viewer's GET; past this many, the later publishes show
/// their input as written, so one request's work stays bounded however many runs wait.
const MAX_PREVIEWS: usize = 8;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// RFC 3339: only publishes at or after this time.
    pub from: Option<String>,
    /// RFC 3339: only publishes before this time.
    pub to: Option<String>,
}

/// A time given as RFC 3339, in Unix milliseconds; `field` names it in the error.
fn parse_time(field: &str, text: &str) -> ApiResult<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).map(|t| t.timestamp_millis()).map_err(|e| {
        ApiError::invalid(format!("{field}: `{text}` is not an RFC 3339 time such as 2030-06-01T09:00:00Z ({e})"))
    })
}

fn rfc3339(ms: i64) -> Value {
    crate::store::timestamp::value(Some(ms))
}

/// A run's workflow as loaded, and its text as plain YAML for raw previews.
struct Loaded {
    plan: Plan,
    yaml: Option<Value>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/calendar", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), CalendarQuery),
    responses((status = 200, description = "Scheduled publishes, earliest first: `{run_id, workflow, step, kind, at, held, \
        publish_steps: [{id, plugin, action, version, preview}], best_slots: [{at, score}]}`", body = Vec<Object>), Denied,
        (status = 400, description = "`from` or `to` is not an RFC 3339 time", body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> ApiResult<Json<Vec<Value>>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let from = q.from.as_deref().map(|t| parse_time("from", t)).transpose()?.unwrap_or(i64::MIN);
    let to = q.to.as_deref().map(|t| parse_time("to", t)).transpose()?.unwrap_or(i64::MAX);
    if from >= to {
        return Err(ApiError::invalid("from: must be before `to`"));
    }
    let timers = s.store.waiting_timers(&ws, from, to, LIMIT).await?;
    let stopped = s.store.publishing_hold(&ws).await?.is_some();
    // Runs of one workflow revision share its text: load each text once.
    let mut loaded: HashMap<String, Arc<Loaded>> = HashMap::new();
    let mut out = Vec::new();
    let mut previews = MAX_PREVIEWS;
    for timer in &timers {
        let Some((name, source, _)) = s.store.run_source(&timer.run_id).await? else { continue };
        let entry = match loaded.get(&source) {
            Some(entry) => entry.clone(),
            None => {
                let Ok(plan) = s.loader.load(&s.registry, &ws, &name, &source).await else {
                    tracing::warn!(run = %timer.run_id, "the workflow of a waiting run no longer loads");
                    continue;
                };
                let yaml = marked_yaml::from_yaml::<Value>(0, &source).ok();
                let entry = Arc::new(Loaded { plan, yaml });
                loaded.insert(source, entry.clone());
                entry
            }
        };
        let publishing = publish_steps(&s, &ws, &entry.plan, &timer.step_id);
        if publishing.is_empty() {
            continue;
        }
        let state = s.store.run_state(&timer.run_id).await?;
        let ids: Vec<String> = publishing.iter().map(|step| step.id.clone()).collect();
        let stopped = stopped && publishing.iter().any(|step| declares(&s, &ws, step, |a| a.publishes));
        let renders = previews.min(ids.len());
        previews -= renders;
        // Rendering is CPU work: off the async threads, so other requests keep being served.
        let timer = timer.clone();
        let entry = tokio::task::spawn_blocking(move || entry_json(&timer, &entry, &ids, &state, renders, stopped))
            .await
            .map_err(ApiError::internal)?;
        out.push(entry);
    }
    Ok(Json(out))
}

/// A scheduled publish, with the inputs of its first `renders` publishing steps (`ids`)
/// rendered and the rest as written; held while the workspace's publishing is `stopped`.
fn entry_json(
    timer: &TimerRecord,
    loaded: &Loaded,
    ids: &[String],
    state: &RunState,
    renders: usize,
    stopped: bool,
) -> Value {
    let yaml = loaded.yaml.as_ref();
    let steps: Vec<Value> = ids
        .iter()
        .filter_map(|id| loaded.plan.step(id))
        .enumerate()
        .filter_map(|(i, step)| match &step.kind {
            StepKind::Action { plugin, action, version, with, .. } => Some(json!({
                "id": step.id, "plugin": plugin, "action": action, "version": version.to_string(),
                "preview": match i < renders {
                    true => preview(with, state, || raw_with(yaml, &step.id)),
                    false => raw_with(yaml, &step.id),
                },
            })),
            _ => None,
        })
        .collect();
    json!({
        "run_id": timer.run_id, "workflow": timer.workflow, "step": timer.step_id,
        "kind": if timer.kind == "wake" { "wait" } else { "wait_until" },
        "at": rfc3339(timer.at), "held": timer.held || stopped, "publish_steps": steps,
        "best_slots": best_slots(state),
    })
}

/// How far ahead a post may be moved: further is a mistyped year.
const MAX_AHEAD_MS: i64 = 5 * 366 * 86_400_000;

/// Slots shown per scheduled publish as its best times.
const MAX_BEST_SLOTS: usize = 12;

/// The times the run's finished steps suggested for posting: every succeeded step whose
/// output has `slots: [{at, score}]` (as `best-time/next-slot` answers), for the calendar
/// to shade. Only times still ahead count, the best-scored [`MAX_BEST_SLOTS`] of them, in
/// time order; a slot whose `at` is not an RFC 3339 time is left out.
fn best_slots(state: &RunState) -> Vec<Value> {
    let now = now_ms();
    let slots = state
        .run
        .steps
        .iter()
        .filter(|st| st.status == "succeeded")
        .filter_map(|st| st.output.as_ref()?.get("slots")?.as_array())
        .flatten();
    let mut ahead: Vec<(i64, Option<f64>)> = slots
        .filter_map(|slot| {
            let at = chrono::DateTime::parse_from_rfc3339(slot.get("at")?.as_str()?).ok()?.timestamp_millis();
            Some((at, slot.get("score").and_then(Value::as_f64).filter(|s| s.is_finite())))
        })
        .filter(|(at, _)| *at > now)
        .collect();
    // Best first (a slot without a score last), then the kept ones in time order.
    ahead.sort_by(|a, b| b.1.unwrap_or(f64::MIN).total_cmp(&a.1.unwrap_or(f64::MIN)).then(a.0.cmp(&b.0)));
    ahead.truncate(MAX_BEST_SLOTS);
    ahead.sort_by_key(|(at, _)| *at);
    ahead.into_iter().map(|(at, score)| json!({ "at": rfc3339(at), "score": score })).collect()
}

/// The steps with side effects that run after the timer of `timer`: the step itself (held
/// by `wait_until`) and every step depending on it, directly or not, in execution order.
fn publish_steps<'p>(s: &AppState, ws: &str, plan: &'p Plan, timer: &str) -> Vec<&'p PlanStep> {
    let order = plan.topological_order();
    let mut after: BTreeSet<&str> = BTreeSet::from([timer]);
    for step in &order {
        if step.needs.iter().any(|n| after.contains(n.as_str())) {
            after.insert(&step.id);
        }
    }
    order
        .into_iter()
        .filter(|step| after.contains(step.id.as_str()) && declares(s, ws, step, |a| a.side_effects))
        .collect()
}

/// Whether `step` is an action whose declaration says `what`.
fn declares(s: &AppState, ws: &str, step: &PlanStep, what: impl Fn(&ActionDecl) -> bool) -> bool {
    let StepKind::Action { plugin, action, version, digest, .. } = &step.kind else { return false };
    s.registry
        .find(ws, plugin, version, digest.as_deref())
        .and_then(|p| p.manifest.action(action).map(&what))
        .unwrap_or(false)
}

/// The step's input rendered with what the run knows now; the input as written when it
/// needs what is not known yet (a later step's output, a `for_each` item).
fn preview(with: &Template, state: &RunState, raw: impl FnOnce() -> Value) -> Value {
    let inputs = state.run.inputs.as_object().cloned().unwrap_or_default();
    let steps: HashMap<String, StepView> = state
        .run
        .steps
        .iter()
        .filter(|st| matches!(st.status.as_str(), "succeeded" | "failed" | "skipped" | "cancelled"))
        .map(|st| {
            let view = StepView { output: st.output.clone().unwrap_or(Value::Null), status: st.status.clone() };
            (st.step_id.clone(), view)
        })
        .collect();
    let context = &state.run.context;
    let trigger = context.get("trigger").cloned().unwrap_or_else(|| json!({ "kind": state.run.trigger }));
    let vars: Map<String, Value> = context.get("vars").and_then(Value::as_object).cloned().unwrap_or_default();
    let run =
        json!({ "id": state.run.id, "started_at": state.run.started_at.map(rfc3339), "trigger": state.run.trigger });
    let scope = Scope { run: &run, trigger: &trigger, vars: &vars, ..Scope::new(&inputs, &steps) };
    with.render(&scope).unwrap_or_else(|_| raw())
}

/// The `with:` of step `id` as written in the workflow text.
fn raw_with(yaml: Option<&Value>, id: &str) -> Value {
    let steps = yaml.and_then(|y| y.get("steps")).and_then(Value::as_array);
    let step = steps.and_then(|list| list.iter().find(|st| st.get("id").and_then(Value::as_str) == Some(id)));
    step.and_then(|st| st.get("with")).cloned().unwrap_or(Value::Null)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    /// RFC 3339, in the future: when the step continues.
    pub at: String,
}

/// Moves a waiting step's timer: the publishes after it happen at the new time.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/calendar/{id}/{step}/move", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id"),
        ("step" = String, Path, description = "The step waiting for its time")),
    request_body(content = Move, description = "The new time"),
    responses((status = 200, description = "`{run_id, step, at, previous}`", body = Object), Denied,
        (status = 400, description = "`at` is not an RFC 3339 time in the future", body = ErrorBody),
        (status = 409, description = "The time has come and the step is being worked on", body = ErrorBody)))]
pub async fn move_timer(
    State(s): State<AppState>,
    caller: Caller,
    Path((ws, id, step)): Path<(String, String, String)>,
    Json(body): Json<Move>,
) -> ApiResult<Json<Value>> {
    caller.require(&ws, Role::Editor)?;
    if s.store.run_workspace(&id).await?.as_deref() != Some(ws.as_str()) {
        return Err(ApiError::not_found(format!("run `{id}` not found in workspace `{ws}`")));
    }
    let at = parse_time("at", &body.at)?;
    if at <= now_ms() {
        return Err(ApiError::invalid(format!("at: `{}` is in the past; choose a time in the future", body.at)));
    }
    if at > now_ms() + MAX_AHEAD_MS {
        return Err(ApiError::invalid(format!("at: `{}` is more than 5 years ahead; check the year", body.at)));
    }
    let timer = s.store.waiting_timer(&id, &step).await?.ok_or_else(|| {
        ApiError::not_found(format!("step `{step}` of run `{id}` is not waiting for a time (it ran, or the run ended)"))
    })?;
    if !s.store.move_timer(&id, &step, at).await? {
        return Err(ApiError::conflict(format!(
            "step `{step}` of run `{id}` is being worked on now; its time can no longer be moved"
        )));
    }
    let details = format!("{} -> {}", rfc3339(timer.at).as_str().unwrap_or("?"), rfc3339(at).as_str().unwrap_or("?"));
    s.store.audit(Some(&ws), &caller.actor(), "calendar.move", &format!("{id}/{step}"), Some(&details)).await?;
    s.wake.notify_one();
    Ok(Json(json!({ "run_id": id, "step": step, "at": rfc3339(at), "previous": rfc3339(timer.at) })))
}

/// Cancels the run of a scheduled publish, so nothing is posted.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/calendar/{id}/cancel", tag = "calendar", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "`{run_id, status: cancelled}`", body = Object), Denied,
        (status = 409, description = "The run has ended", body = ErrorBody)))]
pub async fn cancel(state: State<AppState>, caller: Caller, path: Path<(String, String)>) -> ApiResult<Json<Value>> {
    super::runs::cancel(state, caller, path).await
}
