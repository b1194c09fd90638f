//! The engine's records as statement parameters, a row each, for the writer's multi-row
//! statements.

use super::batch::{NewRunRow, RunWrite};
use super::runs::json_text;
use super::script::Param;
use super::{ApprovalRecord, AttemptRecord, ItemRecord, Job, LogRecord, StepRecord};

pub(super) fn text(s: &str) -> Param {
    Param::Text(Some(s.to_string()))
}

pub(super) fn step_row(s: &StepRecord) -> Vec<Param> {
    vec![
        text(&s.run_id),
        text(&s.step_id),
        text(&s.workspace),
        text(&s.plugin),
        text(&s.plugin_version),
        text(&s.digest),
        text(&s.status),
        Param::Int(Some(i64::from(s.attempt))),
        Param::Text(json_text(&s.input)),
        Param::Text(json_text(&s.output)),
        Param::Text(s.error.clone()),
        Param::Text(s.error_kind.clone()),
        Param::Int(s.started_at),
        Param::Int(s.finished_at),
        Param::Int(s.duration_us),
    ]
}

pub(super) fn item_row(i: &ItemRecord) -> Vec<Param> {
    vec![
        text(&i.run_id),
        text(&i.step_id),
        Param::Int(Some(i.idx)),
        text(&i.status),
        Param::Text(json_text(&i.item)),
        Param::Text(json_text(&i.output)),
        Param::Text(i.error.clone()),
        Param::Int(Some(i64::from(i.attempt))),
    ]
}

pub(super) fn attempt_row(a: &AttemptRecord) -> Vec<Param> {
    vec![
        text(&a.run_id),
        text(&a.step_id),
        Param::Int(Some(a.idx)),
        Param::Int(Some(i64::from(a.attempt))),
        text(&a.status),
        Param::Text(a.error.clone()),
        Param::Text(a.error_kind.clone()),
        Param::Int(Some(a.started_at)),
        Param::Int(Some(a.finished_at)),
    ]
}

pub(super) fn job_row(job: &Job, lease: Option<&(String, i64)>) -> Vec<Param> {
    vec![
        text(&job.run_id),
        text(&job.step_id),
        Param::Int(Some(job.idx)),
        text(&job.kind),
        Param::Int(Some(i64::from(job.attempt))),
        Param::Int(Some(job.available_at)),
        Param::Text(lease.map(|(owner, _)| owner.clone())),
        Param::Int(lease.map(|(_, until)| *until)),
    ]
}

pub(super) fn approval_row(a: &ApprovalRecord) -> Vec<Param> {
    vec![
        text(&a.run_id),
        text(&a.step_id),
        text(&a.workspace),
        text(&a.status),
        text(&a.message),
        Param::Text(json_text(&a.preview)),
        text(&a.approvers.join(",")),
        Param::Int(Some(a.requested_at)),
        Param::Int(a.expires_at),
        Param::Text(a.decided_by.clone()),
        Param::Int(a.decided_at),
        Param::Text(a.comment.clone()),
        Param::Text(json_text(&a.fields)),
        Param::Int(Some(i64::from(a.quorum.max(1)))),
        Param::Text((!a.votes.is_empty()).then(|| serde_json::Value::Array(a.votes.clone()).to_string())),
    ]
}

pub(super) fn log_row(run_id: &str, step_id: &str, seq: i64, line: &LogRecord) -> Vec<Param> {
    vec![
        text(run_id),
        text(step_id),
        Param::Int(Some(seq)),
        text(&line.level),
        text(&line.message),
        Param::Int(Some(line.at)),
    ]
}

pub(super) fn new_run_row(w: &RunWrite, c: &NewRunRow) -> Vec<Param> {
    vec![
        text(&w.run_id),
        text(&c.workspace),
        text(&c.workflow),
        Param::Text(Some(c.inputs.to_string())),
        Param::Int(Some(c.created_at)),
        Param::Int(Some(c.created_at)),
        text(&c.source.1),
        text(&c.source.0),
        text(&c.trigger),
        text(&w.status),
        Param::Text(Some(c.context.to_string())),
        Param::Text(json_text(&w.outputs)),
        Param::Text(w.error.clone()),
        Param::Int(w.finished_at),
    ]
}

/// A claim of `delivery` for the workflow of new run `run_id`.
pub(super) fn delivery_row(run_id: &str, c: &NewRunRow, delivery: &str) -> Vec<Param> {
    vec![text(&c.workspace), text(&c.workflow), text(delivery), text(run_id), Param::Int(Some(c.created_at))]
}
