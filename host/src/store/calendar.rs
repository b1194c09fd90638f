//! Timers of waiting steps (`wait`, `wait_until`) as a calendar: listing them by time and
//! moving one to another time.
//!
//! A step waiting on a timer is a `waiting` step with a `wake` job (a `wait` step) or a
//! `ready` job (a step held by `wait_until`, or by the crisis stop); the job's
//! `available_at` is the time, or for a job the stop parked, its slot plus [`HELD_BASE`].

use sqlx::Row;

use super::holds::HELD_BASE;
use super::{Store, StoreError, now_ms};

/// A step of an active run waiting for its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRecord {
    pub run_id: String,
    pub workflow: String,
    pub step_id: String,
    /// `wake` (a `wait` step) or `ready` (a step held by `wait_until`).
    pub kind: String,
    /// When the step continues, in Unix milliseconds; for a held step, when it was due.
    pub at: i64,
    /// Whether the crisis stop parked it.
    pub held: bool,
}

/// The joins and conditions that make a job a waiting step's timer.
const TIMERS: &str = "FROM jobs j JOIN runs r ON r.id = j.run_id \
     JOIN steps s ON s.run_id = j.run_id AND s.step_id = j.step_id \
     WHERE j.idx = -1 AND j.kind IN ('wake', 'ready') AND s.status = 'waiting' \
     AND r.status IN ('running', 'waiting')";

/// A job's slot: a parked job is listed at the time it was due.
fn slot() -> String {
    format!("(CASE WHEN j.available_at >= {HELD_BASE} THEN j.available_at - {HELD_BASE} ELSE j.available_at END)")
}

/// The selected columns of a timer.
fn columns() -> String {
    format!(
        "j.run_id, r.workflow, j.step_id, j.kind, {}, CAST(CASE WHEN j.available_at >= {HELD_BASE} THEN 1 ELSE 0 END AS BIGINT)",
        slot()
    )
}

fn timer_from_row(row: &sqlx::any::AnyRow) -> Result<TimerRecord, sqlx::Error> {
    Ok(TimerRecord {
        run_id: row.try_get(0)?,
        workflow: row.try_get(1)?,
        step_id: row.try_get(2)?,
        kind: row.try_get(3)?,
        at: row.try_get(4)?,
        held: row.try_get::<i64, _>(5)? == 1,
    })
}

impl Store {
    /// Timers of `workspace` due in `[from, to)` (Unix ms), earliest first, at most `limit`.
    pub async fn waiting_timers(
        &self,
        workspace: &str,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<TimerRecord>, StoreError> {
        let sql = format!(
            "SELECT {} {TIMERS} AND r.workspace = $1 AND {slot} >= $2 AND {slot} < $3 \
             ORDER BY {slot}, j.run_id, j.step_id LIMIT $4",
            columns(),
            slot = slot()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace)
            .bind(from)
            .bind(to)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(timer_from_row).collect::<Result<_, _>>().map_err(Into::into)
    }

    /// The timer of step `step_id` of run `run_id`, if that step waits on one.
    pub async fn waiting_timer(&self, run_id: &str, step_id: &str) -> Result<Option<TimerRecord>, StoreError> {
        let sql = format!("SELECT {} {TIMERS} AND j.run_id = $1 AND j.step_id = $2", columns());
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(step_id).fetch_optional(&self.pool).await?;
        row.map(|r| timer_from_row(&r)).transpose().map_err(Into::into)
    }

    /// Moves the timer of the waiting step `step_id` to `at` (Unix ms). False when the
    /// step no longer waits on a timer, or a worker holds the job (its time has come).
    pub async fn move_timer(&self, run_id: &str, step_id: &str, at: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE jobs SET available_at = $1 WHERE run_id = $2 AND step_id = $3 AND idx = -1 \
             AND kind IN ('wake', 'ready') AND (lease_until IS NULL OR lease_until < $4) \
             AND EXISTS (SELECT 1 FROM steps s WHERE s.run_id = $2 AND s.step_id = $3 AND s.status = 'waiting') \
             AND EXISTS (SELECT 1 FROM runs r WHERE r.id = $2 AND r.status IN ('running', 'waiting'))",
        )
        .bind(at)
        .bind(run_id)
        .bind(step_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let moved = done.rows_affected() == 1;
        if moved {
            sqlx::query("UPDATE runs SET version = version + 1 WHERE id = $1").bind(run_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }
}
