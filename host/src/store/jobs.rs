//! The job queue: jobs, `for_each` items and attempts, claimed under leases.
//!
//! A job is a unit of work not yet done: a step, one `for_each` item, a timer or an
//! approval's deadline. Workers claim ready jobs under a lease; a lease that expires (its
//! worker died) makes the job claimable again, and the same idempotency key goes with it.
//! A job's result, the new jobs it makes ready and the run's new state are written in one
//! transaction (see `batch`), so a step whose result was committed never runs again.

use sqlx::Row;

use super::script::{Param, query};
use super::{Backend, Store, StoreError, now_ms};

/// A unit of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub run_id: String,
    pub step_id: String,
    /// The `for_each` item, or -1 for the step itself.
    pub idx: i64,
    /// `step`, `item`, `timer` or `approval`.
    pub kind: String,
    pub attempt: u32,
    pub available_at: i64,
}

/// One `for_each` item's state.
#[derive(Debug, Clone, Default)]
pub struct ItemRecord {
    pub run_id: String,
    pub step_id: String,
    pub idx: i64,
    pub status: String,
    pub item: Option<serde_json::Value>,
    pub output: Option<serde_json::Value>,
    pub error: Option<String>,
    pub attempt: u32,
}

/// One attempt of a step or item, kept for the record.
#[derive(Debug, Clone, Default)]
pub struct AttemptRecord {
    pub run_id: String,
    pub step_id: String,
    pub idx: i64,
    pub attempt: u32,
    pub status: String,
    pub error: Option<String>,
    pub error_kind: Option<String>,
    pub started_at: i64,
    pub finished_at: i64,
}

impl Store {
    /// Claims the next ready job (of `run` only, if given) for `owner` for `lease_ms`.
    pub async fn claim(&self, owner: &str, lease_ms: i64, run: Option<&str>) -> Result<Option<Job>, StoreError> {
        let (sql, params) = claim_statement(self.backend, owner, lease_ms, run, 1);
        let row = query(sql, params).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| job_from_row(&r)).transpose()?)
    }

    /// Extends a lease while a long step runs.
    pub async fn renew(&self, job: &Job, owner: &str, lease_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE run_id = $2 AND step_id = $3 AND idx = $4 AND lease_owner = $5",
        )
        .bind(now_ms() + lease_ms)
        .bind(&job.run_id)
        .bind(&job.step_id)
        .bind(job.idx)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The run's jobs not yet done, earliest first.
    pub async fn pending_jobs(&self, run_id: &str) -> Result<Vec<Job>, StoreError> {
        let rows = sqlx::query("SELECT run_id, step_id, idx, kind, attempt, available_at FROM jobs WHERE run_id = $1 ORDER BY available_at")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(job_from_row).collect::<Result<_, _>>().map_err(Into::into)
    }
}

/// The statement that claims up to `limit` ready jobs (of `run` only, if given) for
/// `owner` for `lease_ms`, earliest first, with its parameters.
pub(super) fn claim_statement(
    backend: Backend,
    owner: &str,
    lease_ms: i64,
    run: Option<&str>,
    limit: i64,
) -> (String, Vec<Param>) {
    let lock = if backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE (run_id, step_id, idx) IN (\
           SELECT run_id, step_id, idx FROM jobs WHERE available_at <= $3 \
           AND (lease_until IS NULL OR lease_until < $3) AND ($4 = '' OR run_id = $4) \
           ORDER BY available_at LIMIT $5 {lock}) \
         RETURNING run_id, step_id, idx, kind, attempt, available_at"
    );
    let now = now_ms();
    let params = vec![
        Param::Text(Some(owner.into())),
        Param::Int(Some(now + lease_ms)),
        Param::Int(Some(now)),
        Param::Text(Some(run.unwrap_or("").into())),
        Param::Int(Some(limit)),
    ];
    (sql, params)
}

pub(super) fn job_from_row(row: &sqlx::any::AnyRow) -> Result<Job, sqlx::Error> {
    Ok(Job {
        run_id: row.try_get(0)?,
        step_id: row.try_get(1)?,
        idx: row.try_get(2)?,
        kind: row.try_get(3)?,
        attempt: u32::try_from(row.try_get::<i64, _>(4)?).unwrap_or(1),
        available_at: row.try_get(5)?,
    })
}
