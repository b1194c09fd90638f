//! What the run pages read besides the run itself: every attempt of a run's steps (for
//! honest step timing) and the newest run of each workflow (for the workflows list).

use sqlx::Row;

use super::{AttemptRecord, Store, StoreError};

/// The most attempts read for one run: a `for_each` over many items retried many times
/// cannot make one page read without bound.
pub const MAX_ATTEMPTS_SHOWN: i64 = 2_000;

/// The newest run of one workflow.
#[derive(Debug, Clone, serde::Serialize, PartialEq, utoipa::ToSchema)]
pub struct LastRun {
    pub workflow: String,
    pub run_id: String,
    pub status: String,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "super::timestamp::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<i64>,
    /// Steps that failed, also under `continue_on_error` in a run that succeeded.
    pub failed_steps: i64,
}

impl Store {
    /// The attempts of run `id`'s steps, in the order they started.
    pub async fn run_attempts(&self, id: &str) -> Result<Vec<AttemptRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT run_id, step_id, idx, attempt, status, error, error_kind, started_at, finished_at FROM attempts \
             WHERE run_id = $1 ORDER BY started_at, step_id, idx, attempt LIMIT $2",
        )
        .bind(id)
        .bind(MAX_ATTEMPTS_SHOWN)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AttemptRecord {
                    run_id: r.try_get(0)?,
                    step_id: r.try_get(1)?,
                    idx: r.try_get(2)?,
                    attempt: u32::try_from(r.try_get::<i64, _>(3)?).unwrap_or(0),
                    status: r.try_get(4)?,
                    error: r.try_get(5)?,
                    error_kind: r.try_get(6)?,
                    started_at: r.try_get(7)?,
                    finished_at: r.try_get(8)?,
                })
            })
            .collect()
    }

    /// The newest run of each workflow of `workspace` that has one.
    pub async fn last_runs(&self, workspace: &str) -> Result<Vec<LastRun>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.workflow, r.id, r.status, r.created_at, r.finished_at, \
             (SELECT COUNT(*) FROM steps s WHERE s.run_id = r.id AND s.status = 'failed') FROM runs r \
             JOIN (SELECT MAX(id) AS id FROM runs WHERE workspace = $1 GROUP BY workflow) newest ON newest.id = r.id \
             ORDER BY r.workflow",
        )
        .bind(workspace)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LastRun {
                    workflow: r.try_get(0)?,
                    run_id: r.try_get(1)?,
                    status: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    finished_at: r.try_get(4)?,
                    failed_steps: r.try_get(5)?,
                })
            })
            .collect()
    }
}
