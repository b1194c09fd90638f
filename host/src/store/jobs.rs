//! The job queue with leases, and the one transaction that records a unit of work's result.
//!
//! A job is a unit of work not yet done: a step, one `for_each` item, a timer or an
//! approval's deadline. Workers claim ready jobs under a lease; a lease that expires (its
//! worker died) makes the job claimable again, and the same idempotency key goes with it.
//! A job's result, the new jobs it makes ready and the run's new state are written in one
//! [`Commit`], so a step whose result was committed never runs again.

use sha2::Digest;
use sqlx::Row;

use super::runs::{StepRecord, json_text};
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

/// Everything one unit of work changes, written in one transaction.
#[derive(Debug, Default)]
pub struct Commit {
    pub run_id: String,
    /// Jobs this commit finishes or cancels (deleted), by step and item.
    pub remove_jobs: Vec<(String, i64)>,
    pub steps: Vec<StepRecord>,
    pub items: Vec<ItemRecord>,
    pub attempts: Vec<AttemptRecord>,
    /// Jobs to add, or to replace (a retry re-schedules its own job).
    pub jobs: Vec<Job>,
    /// Jobs for steps or items that are ready, added only if that step (or item) is still
    /// `pending` and has no job: several workers may settle a run from stale reads, and
    /// this check, in the same statement as the insert, keeps each from running twice.
    pub enqueue: Vec<Job>,
    pub approvals: Vec<super::ApprovalRecord>,
    /// The run's new status, outputs and error, when it changes.
    pub run: Option<(String, Option<serde_json::Value>, Option<String>)>,
}

impl Store {
    /// Claims the next ready job (of `run` only, if given) for `owner` for `lease_ms`.
    pub async fn claim(&self, owner: &str, lease_ms: i64, run: Option<&str>) -> Result<Option<Job>, StoreError> {
        let now = now_ms();
        let lock = if self.backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE (run_id, step_id, idx) IN (\
               SELECT run_id, step_id, idx FROM jobs WHERE available_at <= $3 \
               AND (lease_until IS NULL OR lease_until < $3) AND ($4 = '' OR run_id = $4) \
               ORDER BY available_at LIMIT 1 {lock}) \
             RETURNING run_id, step_id, idx, kind, attempt, available_at"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(now + lease_ms)
            .bind(now)
            .bind(run.unwrap_or(""))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| job_from_row(&r)).transpose().map_err(Into::into)
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

    /// Writes `commit` in one transaction.
    pub async fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (step_id, idx) in &commit.remove_jobs {
            sqlx::query("DELETE FROM jobs WHERE run_id = $1 AND step_id = $2 AND idx = $3")
                .bind(&commit.run_id)
                .bind(step_id)
                .bind(idx)
                .execute(&mut *tx)
                .await?;
        }
        for step in &commit.steps {
            super::runs::upsert_step(&mut tx, step).await?;
        }
        for item in &commit.items {
            sqlx::query(
                "INSERT INTO step_items (run_id, step_id, idx, status, item, output, error, attempt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (run_id, step_id, idx) DO UPDATE SET status = $4, output = $6, error = $7, attempt = $8",
            )
            .bind(&item.run_id)
            .bind(&item.step_id)
            .bind(item.idx)
            .bind(&item.status)
            .bind(json_text(&item.item))
            .bind(json_text(&item.output))
            .bind(&item.error)
            .bind(i64::from(item.attempt))
            .execute(&mut *tx)
            .await?;
        }
        for a in &commit.attempts {
            sqlx::query("INSERT INTO attempts (run_id, step_id, idx, attempt, status, error, error_kind, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (run_id, step_id, idx, attempt) DO NOTHING")
                .bind(&a.run_id)
                .bind(&a.step_id)
                .bind(a.idx)
                .bind(i64::from(a.attempt))
                .bind(&a.status)
                .bind(&a.error)
                .bind(&a.error_kind)
                .bind(a.started_at)
                .bind(a.finished_at)
                .execute(&mut *tx)
                .await?;
        }
        for job in &commit.jobs {
            let sql = "INSERT INTO jobs (run_id, step_id, idx, kind, attempt, available_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (run_id, step_id, idx) DO UPDATE SET kind = $4, attempt = $5, available_at = $6, lease_owner = NULL, lease_until = NULL";
            insert_job(&mut tx, sql.into(), job).await?;
        }
        for job in &commit.enqueue {
            let pending = if job.idx < 0 {
                "SELECT 1 FROM steps WHERE run_id = $1 AND step_id = $2 AND status = 'pending'"
            } else {
                "SELECT 1 FROM step_items WHERE run_id = $1 AND step_id = $2 AND idx = $3 AND status = 'pending'"
            };
            let sql = format!(
                "INSERT INTO jobs (run_id, step_id, idx, kind, attempt, available_at) SELECT $1, $2, $3, $4, $5, $6 \
                 WHERE EXISTS ({pending}) AND NOT EXISTS (SELECT 1 FROM jobs WHERE run_id = $1 AND step_id = $2 AND idx = $3)"
            );
            insert_job(&mut tx, sql, job).await?;
        }
        for approval in &commit.approvals {
            super::approvals::upsert(&mut tx, approval).await?;
        }
        if let Some((status, outputs, error)) = &commit.run {
            let finished = matches!(status.as_str(), "succeeded" | "failed" | "rejected" | "cancelled").then(now_ms);
            sqlx::query("UPDATE runs SET status = $1, outputs = COALESCE($2, outputs), error = COALESCE($3, error), finished_at = COALESCE($4, finished_at) WHERE id = $5")
                .bind(status)
                .bind(json_text(outputs))
                .bind(error)
                .bind(finished)
                .bind(&commit.run_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Runs an insert of `job` whose parameters are `$1..$6` in the column order of `jobs`.
async fn insert_job(tx: &mut sqlx::Transaction<'_, sqlx::Any>, sql: String, job: &Job) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&job.run_id)
        .bind(&job.step_id)
        .bind(job.idx)
        .bind(&job.kind)
        .bind(i64::from(job.attempt))
        .bind(job.available_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn job_from_row(row: &sqlx::any::AnyRow) -> Result<Job, sqlx::Error> {
    Ok(Job {
        run_id: row.try_get(0)?,
        step_id: row.try_get(1)?,
        idx: row.try_get(2)?,
        kind: row.try_get(3)?,
        attempt: u32::try_from(row.try_get::<i64, _>(4)?).unwrap_or(1),
        available_at: row.try_get(5)?,
    })
}

/// Held while a run is settled, so that processes sharing a PostgreSQL database settle
/// one run one at a time. Dropping it ends its transaction and frees the lock.
pub struct RunLock(#[allow(dead_code)] Option<sqlx::Transaction<'static, sqlx::Any>>);

impl Store {
    /// Locks `run_id` across processes (PostgreSQL advisory lock; SQLite serializes writers itself).
    pub async fn lock_run(&self, run_id: &str) -> Result<RunLock, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(RunLock(None));
        }
        let mut tx = self.pool.begin().await?;
        let key = i64::from_be_bytes(sha2::Sha256::digest(run_id.as_bytes())[..8].try_into().unwrap_or_default());
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut *tx).await?;
        Ok(RunLock(Some(tx)))
    }
}
