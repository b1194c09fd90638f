//! What triggers did: every fired, skipped or late occurrence, deliveries claimed and the
//! runs they started, and the last schedule occurrence handled per workflow (for catching
//! up after downtime).

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// One decision a trigger made.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TriggerEvent {
    pub id: String,
    pub workspace: String,
    pub workflow: String,
    /// `schedule`, `webhook` or `manual`.
    pub kind: String,
    /// When a schedule occurrence was due.
    pub due_at: Option<i64>,
    pub fired_at: i64,
    pub run_id: Option<String>,
    /// `started`, `queued`, `skipped`, `missed` or `duplicate`.
    pub outcome: String,
    pub reason: Option<String>,
}

impl Store {
    /// Records `e`, once per id: an event whose id is stored already is not written again
    /// (a schedule's occurrence keeps one id in every process).
    pub async fn record_trigger(&self, e: &TriggerEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO trigger_events (id, workspace, workflow, kind, due_at, fired_at, run_id, outcome, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&e.id)
        .bind(&e.workspace)
        .bind(&e.workflow)
        .bind(&e.kind)
        .bind(e.due_at)
        .bind(e.fired_at)
        .bind(&e.run_id)
        .bind(&e.outcome)
        .bind(&e.reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest `limit` trigger events of a workflow (every workflow when `workflow` is empty).
    pub async fn trigger_events(
        &self,
        workspace: &str,
        workflow: &str,
        limit: i64,
    ) -> Result<Vec<TriggerEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, workspace, workflow, kind, due_at, fired_at, run_id, outcome, reason FROM trigger_events \
             WHERE workspace = $1 AND ($2 = '' OR workflow = $2) ORDER BY fired_at DESC, id DESC LIMIT $3",
        )
        .bind(workspace)
        .bind(workflow)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TriggerEvent {
                    id: r.try_get(0)?,
                    workspace: r.try_get(1)?,
                    workflow: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    due_at: r.try_get(4)?,
                    fired_at: r.try_get(5)?,
                    run_id: r.try_get(6)?,
                    outcome: r.try_get(7)?,
                    reason: r.try_get(8)?,
                })
            })
            .collect()
    }

    /// Claims `delivery_id` for a workflow without starting a run (a schedule's occurrence
    /// handled in other ways): true the first time, false on a replay. A claim that starts
    /// a run is written with the run instead ([`crate::store::NewRunRow::delivery`]).
    pub async fn claim_delivery(&self, workspace: &str, workflow: &str, delivery_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO hook_deliveries (workspace, workflow, delivery_id, received_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace, workflow, delivery_id) DO NOTHING",
        )
        .bind(workspace)
        .bind(workflow)
        .bind(delivery_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The run a delivery started, if any.
    pub async fn delivery_run(
        &self,
        workspace: &str,
        workflow: &str,
        delivery_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT run_id FROM hook_deliveries WHERE workspace = $1 AND workflow = $2 AND delivery_id = $3",
        )
        .bind(workspace)
        .bind(workflow)
        .bind(delivery_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.flatten())
    }

    /// The last occurrence of schedule `trigger` that was handled, in ms since the epoch.
    pub async fn schedule_mark(
        &self,
        workspace: &str,
        workflow: &str,
        trigger: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT last_due FROM schedule_marks WHERE workspace = $1 AND workflow = $2 AND trigger = $3")
                .bind(workspace)
                .bind(workflow)
                .bind(trigger)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    pub async fn set_schedule_mark(
        &self,
        workspace: &str,
        workflow: &str,
        trigger: &str,
        due: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO schedule_marks (workspace, workflow, trigger, last_due) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace, workflow, trigger) DO UPDATE SET last_due = $4",
        )
        .bind(workspace)
        .bind(workflow)
        .bind(trigger)
        .bind(due)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
