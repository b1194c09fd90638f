//! Group commit: the engine's writes for many runs in one transaction, each applied only
//! if its run is still at the version its writer read.
//!
//! One task per store does every engine write. It takes whatever requests are waiting,
//! writes them together with multi-row statements, and answers each. On SQLite this
//! keeps the engine from contending for the write lock with itself; on either backend
//! the cost of a transaction is shared by every run that reached a commit meanwhile.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, OnceLock};

use serde_json::Value;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use super::jobs::{claim_statement, job_from_row};
use super::rows::{approval_row, attempt_row, delivery_row, item_row, job_row, log_row, new_run_row, step_row, text};
use super::runs::json_text;
use super::script::{Param, Script};
use super::{ApprovalRecord, AttemptRecord, Backend, ItemRecord, Job, LogRecord, StepRecord, Store, StoreError};

/// A run's changes as whole rows, from a process that holds the run in memory.
#[derive(Debug, Default)]
pub struct RunWrite {
    pub run_id: String,
    /// The version the writer's copy of the run is at; ignored for a new run.
    pub version: i64,
    /// Set for a new run: it is inserted, at version 0.
    pub create: Option<Box<NewRunRow>>,
    pub status: String,
    pub outputs: Option<Value>,
    pub error: Option<String>,
    pub finished_at: Option<i64>,
    pub steps: Vec<StepRecord>,
    /// New log lines: step, sequence number, line.
    pub logs: Vec<(String, i64, LogRecord)>,
    pub items: Vec<ItemRecord>,
    pub attempts: Vec<AttemptRecord>,
    /// Jobs done or withdrawn, by step and item.
    pub removed_jobs: Vec<(String, i64)>,
    /// Jobs added or changed, with the lease their writer takes on them at once.
    pub jobs: Vec<(Job, Option<(String, i64)>)>,
    pub approvals: Vec<ApprovalRecord>,
}

/// What a new run's row holds besides its state.
#[derive(Debug)]
pub struct NewRunRow {
    pub workspace: String,
    pub workflow: String,
    pub inputs: Value,
    /// `{ "trigger": {...}, "vars": {...} }`: what expressions see besides the inputs.
    pub context: Value,
    pub trigger: String,
    pub created_at: i64,
    /// The workflow's file name and text, so another process can load it.
    pub source: (String, String),
    /// The delivery (of a webhook) this run answers: claimed for the workflow in the
    /// transaction that inserts the run, so a claim never exists without its run.
    pub delivery: Option<String>,
}

/// How a [`RunWrite`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Written; the run is now at this version.
    Done(i64),
    /// Not written: the run changed since the writer read it (or is gone).
    Stale,
    /// Not written: the new run's delivery is claimed by another run.
    Claimed,
}

enum Op {
    Write(Box<RunWrite>),
    Claim { owner: String, lease_ms: i64, run: String, limit: i64 },
}

enum Reply {
    Written(Written),
    Claimed(Vec<Job>),
}

struct Request {
    op: Op,
    reply: oneshot::Sender<Result<Reply, StoreError>>,
}

impl Op {
    fn run(&self) -> &str {
        match self {
            Op::Write(w) => &w.run_id,
            Op::Claim { run, .. } => run,
        }
    }
}

/// The handle on a store's writer task, started on first use.
#[derive(Debug, Clone, Default)]
pub(super) struct Writer(Arc<OnceLock<mpsc::UnboundedSender<Request>>>);

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Request({})", self.op.run())
    }
}

/// Requests written in one transaction at most.
const MAX_BATCH: usize = 256;

impl Store {
    /// Writes `write` unless its run changed since its writer read it.
    pub async fn write_run(&self, write: RunWrite) -> Result<Written, StoreError> {
        match self.request(Op::Write(Box::new(write))).await? {
            Reply::Written(w) => Ok(w),
            Reply::Claimed(_) => unreachable!("a write is answered with its outcome"),
        }
    }

    /// Claims up to `limit` ready jobs of `run` for `owner` for `lease_ms`, through the writer.
    pub async fn claim_run(&self, owner: &str, lease_ms: i64, run: &str, limit: i64) -> Result<Vec<Job>, StoreError> {
        let op = Op::Claim { owner: owner.into(), lease_ms, run: run.into(), limit };
        match self.request(op).await? {
            Reply::Claimed(jobs) => Ok(jobs),
            Reply::Written(_) => unreachable!("a claim is answered with its jobs"),
        }
    }

    async fn request(&self, op: Op) -> Result<Reply, StoreError> {
        let sender = self.writer.0.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(serve(self.pool.clone(), self.backend, rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        sender.send(Request { op, reply }).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// The writer task: batches waiting requests, one per run per transaction.
async fn serve(pool: sqlx::AnyPool, backend: Backend, mut rx: mpsc::UnboundedReceiver<Request>) {
    let mut later: VecDeque<Request> = VecDeque::new();
    loop {
        let first = match later.pop_front() {
            Some(r) => r,
            None => match rx.recv().await {
                Some(r) => r,
                None => return,
            },
        };
        let mut runs = HashSet::from([first.op.run().to_string()]);
        let mut batch = vec![first];
        let mut again = VecDeque::new();
        while batch.len() < MAX_BATCH {
            let Some(next) = later.pop_front().or_else(|| rx.try_recv().ok()) else { break };
            if runs.insert(next.op.run().to_string()) {
                batch.push(next);
            } else {
                again.push_back(next);
            }
        }
        again.extend(later.drain(..));
        later = again;
        let ops: Vec<&Op> = batch.iter().map(|r| &r.op).collect();
        match write_batch(&pool, backend, &ops).await {
            Ok(replies) => {
                for (request, reply) in batch.into_iter().zip(replies) {
                    let _ = request.reply.send(Ok(reply));
                }
            }
            // One bad request must not fail the others: each is tried alone.
            Err(_) if batch.len() > 1 => {
                for request in batch {
                    let result = write_batch(&pool, backend, &[&request.op]).await;
                    let _ = request.reply.send(result.map(|mut r| r.remove(0)));
                }
            }
            Err(e) => {
                for request in batch {
                    let _ = request.reply.send(Err(StoreError::Batch(e.to_string())));
                }
            }
        }
    }
}

/// Writes `ops` in one transaction; a reply per op, in order.
async fn write_batch(pool: &sqlx::AnyPool, backend: Backend, ops: &[&Op]) -> Result<Vec<Reply>, StoreError> {
    let mut conn = pool.acquire().await?;
    let result = write_on(&mut conn, backend, ops).await;
    if result.is_err() {
        // The connection goes back to the pool: it must not stay inside the transaction.
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    }
    result
}

/// The transaction of [`write_batch`] in two scripts: what may go ahead first (the new
/// runs' delivery claims, the updated runs' versions), then the rows of the writes that
/// go ahead, the claims of jobs, and the commit.
async fn write_on(conn: &mut sqlx::AnyConnection, backend: Backend, ops: &[&Op]) -> Result<Vec<Reply>, StoreError> {
    let writes: Vec<&RunWrite> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Write(w) => Some(&**w),
            Op::Claim { .. } => None,
        })
        .collect();
    let mut first = Script::new(backend);
    first.raw(if backend == Backend::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" });
    claim_deliveries(&mut first, &writes);
    move_versions(&mut first, &writes);
    let mut accepted: HashSet<&str> = writes
        .iter()
        .filter(|w| w.create.as_ref().is_some_and(|c| c.delivery.is_none()))
        .map(|w| w.run_id.as_str())
        .collect();
    // Each row is the id of a new run whose claim went in, or of an updated run moved on.
    for row in first.run(conn).await? {
        let id: String = row.try_get(0)?;
        if let Some(w) = writes.iter().find(|w| w.run_id == id) {
            accepted.insert(w.run_id.as_str());
        }
    }
    let kept: Vec<&RunWrite> = writes.iter().copied().filter(|w| accepted.contains(w.run_id.as_str())).collect();
    let mut second = Script::new(backend);
    insert_runs(&mut second, &kept);
    write_rows(&mut second, &kept);
    for op in ops {
        if let Op::Claim { owner, lease_ms, run, limit } = op {
            let (sql, params) = claim_statement(backend, owner, *lease_ms, Some(run), *limit);
            second.statement(sql, params);
        }
    }
    second.raw("COMMIT");
    let mut claimed: Vec<Job> = Vec::new();
    for row in second.run(conn).await? {
        claimed.push(job_from_row(&row)?);
    }
    Ok(ops
        .iter()
        .map(|op| match op {
            Op::Claim { run, .. } => Reply::Claimed(claimed.iter().filter(|j| j.run_id == *run).cloned().collect()),
            Op::Write(w) if accepted.contains(w.run_id.as_str()) => {
                Reply::Written(Written::Done(if w.create.is_some() { 0 } else { w.version + 1 }))
            }
            Op::Write(w) if w.create.is_some() => Reply::Written(Written::Claimed),
            Op::Write(_) => Reply::Written(Written::Stale),
        })
        .collect())
}

/// Adds to `script` the claim of each new run's delivery, which returns the ids of the
/// runs whose claim went in. On PostgreSQL a claim another transaction holds waits for it
/// to end; on SQLite the writer holds the write lock: either way one run per delivery.
fn claim_deliveries(script: &mut Script, writes: &[&RunWrite]) {
    let claims = writes
        .iter()
        .filter_map(|w| w.create.as_ref().map(|c| (w, c)))
        .filter_map(|(w, c)| c.delivery.as_deref().map(|d| delivery_row(&w.run_id, c, d)))
        .collect();
    script.push(
        "INSERT INTO hook_deliveries (workspace, workflow, delivery_id, run_id, received_at) VALUES ".into(),
        " ON CONFLICT (workspace, workflow, delivery_id) DO NOTHING RETURNING run_id",
        claims,
    );
}

/// Adds to `script` the insert of the new runs among `writes`.
fn insert_runs(script: &mut Script, writes: &[&RunWrite]) {
    let created = writes.iter().filter_map(|w| w.create.as_ref().map(|c| new_run_row(w, c))).collect();
    script.push(
        "INSERT INTO runs (id, workspace, workflow, inputs, created_at, started_at, source, source_name, trigger, status, context, outputs, error, finished_at) VALUES ".into(),
        "",
        created,
    );
}

/// Adds to `script` the move of each updated run to its next version if it is still at
/// the version its writer read; the statement returns the ids of the runs moved.
fn move_versions(script: &mut Script, writes: &[&RunWrite]) {
    // Two processes on PostgreSQL may lock the same runs in opposite orders: the server
    // then aborts one transaction, and its requests are written again one by one.
    let updated = writes
        .iter()
        .filter(|w| w.create.is_none())
        .map(|w| {
            vec![
                text(&w.run_id),
                Param::Int(Some(w.version)),
                text(&w.status),
                Param::Text(json_text(&w.outputs)),
                Param::Text(w.error.clone()),
                Param::Int(w.finished_at),
            ]
        })
        .collect();
    script.push(
        "UPDATE runs SET version = version + 1, status = v.column3, outputs = v.column4, error = v.column5, \
         finished_at = v.column6 FROM (VALUES "
            .into(),
        ") AS v WHERE runs.id = v.column1 AND runs.version = v.column2 RETURNING id",
        updated,
    );
}

/// Adds to `script` the rows of accepted writes: steps, logs, items, attempts, jobs, approvals.
fn write_rows(script: &mut Script, writes: &[&RunWrite]) {
    let removed = writes
        .iter()
        .flat_map(|w| {
            w.removed_jobs.iter().map(|(step, idx)| vec![text(&w.run_id), text(step), Param::Int(Some(*idx))])
        })
        .collect();
    script.push("DELETE FROM jobs WHERE (run_id, step_id, idx) IN (VALUES ".into(), ")", removed);
    let steps = writes.iter().flat_map(|w| w.steps.iter().map(step_row)).collect();
    script.push(
        "INSERT INTO steps (run_id, step_id, workspace, plugin, plugin_version, digest, status, attempt, input, output, error, error_kind, started_at, finished_at, duration_us) VALUES ".into(),
        " ON CONFLICT (run_id, step_id) DO UPDATE SET digest = excluded.digest, status = excluded.status, \
         attempt = excluded.attempt, input = excluded.input, output = excluded.output, error = excluded.error, \
         error_kind = excluded.error_kind, started_at = excluded.started_at, finished_at = excluded.finished_at, \
         duration_us = excluded.duration_us",
        steps,
    );
    let logs = writes
        .iter()
        .flat_map(|w| w.logs.iter().map(|(step, seq, line)| log_row(&w.run_id, step, *seq, line)))
        .collect();
    script.push("INSERT INTO step_logs (run_id, step_id, seq, level, message, at) VALUES ".into(), "", logs);
    let items = writes.iter().flat_map(|w| w.items.iter().map(item_row)).collect();
    script.push(
        "INSERT INTO step_items (run_id, step_id, idx, status, item, output, error, attempt) VALUES ".into(),
        " ON CONFLICT (run_id, step_id, idx) DO UPDATE SET status = excluded.status, output = excluded.output, \
         error = excluded.error, attempt = excluded.attempt",
        items,
    );
    let attempts = writes.iter().flat_map(|w| w.attempts.iter().map(attempt_row)).collect();
    script.push(
        "INSERT INTO attempts (run_id, step_id, idx, attempt, status, error, error_kind, started_at, finished_at) VALUES ".into(),
        " ON CONFLICT (run_id, step_id, idx, attempt) DO NOTHING",
        attempts,
    );
    let jobs = writes.iter().flat_map(|w| w.jobs.iter().map(|(job, lease)| job_row(job, lease.as_ref()))).collect();
    script.push(
        "INSERT INTO jobs (run_id, step_id, idx, kind, attempt, available_at, lease_owner, lease_until) VALUES ".into(),
        " ON CONFLICT (run_id, step_id, idx) DO UPDATE SET kind = excluded.kind, attempt = excluded.attempt, \
         available_at = excluded.available_at, lease_owner = excluded.lease_owner, lease_until = excluded.lease_until",
        jobs,
    );
    let approvals = writes.iter().flat_map(|w| w.approvals.iter().map(approval_row)).collect();
    script.push(
        format!("INSERT INTO approvals ({}) VALUES ", super::approvals::COLUMNS),
        " ON CONFLICT (run_id, step_id) DO UPDATE SET status = excluded.status, decided_by = excluded.decided_by, \
         decided_at = excluded.decided_at, comment = excluded.comment, fields = COALESCE(excluded.fields, approvals.fields), \
         votes = COALESCE(excluded.votes, approvals.votes)",
        approvals,
    );
}
