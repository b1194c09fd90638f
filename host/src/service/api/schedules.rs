//! A workspace's schedules (cron, zone, catch-up, next fire times, what they did lately)
//! and its trigger event log: every fired, queued, skipped, missed, late or duplicate trigger.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::ApiResult;
use crate::service::scheduler::{self, catch_up_name, local, schedule_key};
use crate::store::TriggerEvent;

use super::openapi::Denied;
use super::workspaces::workspace;

/// Fire times listed per schedule.
const NEXT: usize = 5;
/// Trigger events listed per workflow.
const RECENT: i64 = 20;

/// The schedules of one workflow.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkflowSchedules {
    pub workflow: String,
    /// Disabled workflows' schedules do not fire.
    pub enabled: bool,
    pub schedules: Vec<ScheduleView>,
    /// Why the workflow's stored text no longer loads; its triggers do not fire until fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The workflow's newest trigger events, of every kind.
    pub recent_events: Vec<TriggerEventView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScheduleView {
    pub cron: String,
    pub timezone: String,
    /// `none`, `last` or `all`.
    pub catch_up: String,
    /// The next fire times, RFC 3339 with the zone's offset.
    pub next: Vec<String>,
    /// The last time handled (fired, skipped or missed), if any.
    pub last_handled: Option<String>,
}

/// One decision of a trigger.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TriggerEventView {
    pub id: String,
    pub workflow: String,
    /// `schedule` or `webhook`.
    pub kind: String,
    /// `started`, `queued`, `skipped`, `missed`, `late` or `duplicate`.
    pub outcome: String,
    pub reason: Option<String>,
    pub run_id: Option<String>,
    /// When a schedule's time was due (RFC 3339, UTC).
    pub due_at: Option<String>,
    /// When the decision was made (RFC 3339, UTC).
    pub fired_at: Option<String>,
}

impl From<TriggerEvent> for TriggerEventView {
    fn from(e: TriggerEvent) -> Self {
        let time = crate::store::timestamp::rfc3339;
        Self {
            id: e.id,
            workflow: e.workflow,
            kind: e.kind,
            outcome: e.outcome,
            reason: e.reason,
            run_id: e.run_id,
            due_at: e.due_at.and_then(time),
            fired_at: time(e.fired_at),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/schedules", tag = "triggers", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "Each workflow with schedules: cron, zone, catch-up, the next fire times and recent trigger events", body = Vec<WorkflowSchedules>), Denied))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<WorkflowSchedules>>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let now = s.scheduling.clock.now();
    let mut out = Vec::new();
    for w in s.store.workflows(Some(&ws)).await? {
        let (schedules, error) = match s.plans.plan(&s, &w) {
            Ok(plan) if plan.triggers.schedules.is_empty() => continue,
            Ok(plan) => {
                let mut views = Vec::new();
                for (i, sched) in plan.triggers.schedules.iter().enumerate() {
                    let mark = s.store.schedule_mark(&ws, &w.name, &schedule_key(i, sched)).await?;
                    views.push(ScheduleView {
                        cron: sched.cron.clone(),
                        timezone: sched.timezone.name().to_string(),
                        catch_up: catch_up_name(sched.catch_up).to_string(),
                        next: scheduler::next(sched, now, NEXT).into_iter().map(|t| local(t, sched.timezone)).collect(),
                        last_handled: mark
                            .and_then(chrono::DateTime::from_timestamp_millis)
                            .map(|t| local(t, sched.timezone)),
                    });
                }
                (views, None)
            }
            Err(e) => (Vec::new(), Some(e.message)),
        };
        let recent = s.store.trigger_events(&ws, &w.name, RECENT).await?;
        out.push(WorkflowSchedules {
            workflow: w.name,
            enabled: w.enabled,
            schedules,
            error,
            recent_events: recent.into_iter().map(Into::into).collect(),
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TriggerQuery {
    /// Only this workflow's events.
    pub workflow: Option<String>,
    /// At most this many (1 to 500, default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/triggers", tag = "triggers", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), TriggerQuery),
    responses((status = 200, description = "Trigger events, newest first", body = Vec<TriggerEventView>), Denied))]
pub async fn events(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Query(q): Query<TriggerQuery>,
) -> ApiResult<Json<Vec<TriggerEventView>>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let limit = super::paging::limit(q.limit, 100, super::paging::MAX_LIMIT)?;
    let events = s.store.trigger_events(&ws, q.workflow.as_deref().unwrap_or(""), limit).await?;
    Ok(Json(events.into_iter().map(Into::into).collect()))
}
