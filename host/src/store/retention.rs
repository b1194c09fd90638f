//! Retention and deletion: a run and everything stored about it removed in one short
//! transaction; finished runs, trigger events and delivery ids older than a workspace's
//! retention removed in bounded batches; each workspace's retention setting.

use sqlx::Row;

use super::{Store, StoreError};

/// Statuses of runs that have ended. Only such runs are ever deleted: a queued, running or
/// waiting run still has work, leases or a person's decision ahead of it.
pub const FINISHED: [&str; 5] = ["succeeded", "failed", "rejected", "cancelled", "skipped"];

/// The tables holding a run's rows by `run_id`, children first (each keyed by `run_id`
/// first, so every delete is an index range).
const RUN_TABLES: [&str; 7] = ["step_logs", "attempts", "step_items", "jobs", "approval_links", "approvals", "steps"];

/// What became of a request to delete one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// The run has not ended; its status.
    Active(String),
    /// No such run in the workspace.
    NotFound,
}

/// `$first, $first+1, ...` for `n` values.
pub(super) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `status IN ('succeeded', ...)`, from [`FINISHED`].
fn finished_clause() -> String {
    let list: Vec<String> = FINISHED.iter().map(|s| format!("'{s}'")).collect();
    format!("status IN ({})", list.join(", "))
}

/// Deletes runs `ids` and every row about them: steps, logs, attempts, items, jobs,
/// approvals and delivery ids; the trigger events that started them lose their link.
async fn delete_runs(tx: &mut sqlx::Transaction<'static, sqlx::Any>, ids: &[String]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = placeholders(1, ids.len());
    let statements = RUN_TABLES.iter().map(|table| format!("DELETE FROM {table} WHERE run_id IN ({list})")).chain([
        format!("UPDATE trigger_events SET run_id = NULL WHERE run_id IN ({list})"),
        format!("DELETE FROM hook_deliveries WHERE run_id IN ({list})"),
        format!("DELETE FROM runs WHERE id IN ({list})"),
    ]);
    for sql in statements {
        // Only table names from RUN_TABLES and numbered placeholders go into the text.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Deletes run `id` of `workspace` and everything stored about it, if it has ended.
    pub async fn delete_run(&self, workspace: &str, id: &str) -> Result<Deletion, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT status FROM runs WHERE id = $1 AND workspace = $2")
            .bind(id)
            .bind(workspace)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(Deletion::NotFound);
        };
        let status: String = row.try_get(0)?;
        if !FINISHED.contains(&status.as_str()) {
            return Ok(Deletion::Active(status));
        }
        delete_runs(&mut tx, &[id.to_string()]).await?;
        tx.commit().await?;
        Ok(Deletion::Deleted)
    }

    /// Deletes up to `limit` runs of `workspace` that finished before `cutoff` (ms), oldest
    /// first, with everything stored about them, in one transaction. Returns how many.
    pub async fn prune_runs(&self, workspace: &str, cutoff: i64, limit: i64) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT id FROM runs WHERE workspace = $1 AND finished_at < $2 AND {} ORDER BY finished_at LIMIT $3",
            finished_clause()
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(workspace).bind(cutoff).bind(limit).fetch_all(&mut *tx).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        delete_runs(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Deletes up to `limit` trigger events of `workspace` recorded before `cutoff` (ms).
    pub async fn prune_trigger_events(&self, workspace: &str, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM trigger_events WHERE id IN (SELECT id FROM trigger_events \
             WHERE workspace = $1 AND fired_at < $2 ORDER BY fired_at LIMIT $3)",
        )
        .bind(workspace)
        .bind(cutoff)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Deletes up to `limit` delivery ids (webhook deliveries and schedule claims) of
    /// `workspace` received before `cutoff` (ms). One whose run is still stored stays: a
    /// retry of it must find that run, not start another.
    pub async fn prune_deliveries(&self, workspace: &str, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM hook_deliveries WHERE (workspace, workflow, delivery_id) IN ( \
               SELECT d.workspace, d.workflow, d.delivery_id FROM hook_deliveries d \
               WHERE d.workspace = $1 AND d.received_at < $2 \
                 AND (d.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = d.run_id)) \
               ORDER BY d.received_at LIMIT $3)",
        )
        .bind(workspace)
        .bind(cutoff)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Every workspace with its own retention in days (`None`: the instance default).
    pub async fn retention_settings(&self) -> Result<Vec<(String, Option<i64>)>, StoreError> {
        let rows = sqlx::query("SELECT id, retention_days FROM workspaces ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// The retention of workspace `id` in days: `None` if the workspace does not exist,
    /// `Some(None)` if it follows the instance default.
    pub async fn retention_days(&self, id: &str) -> Result<Option<Option<i64>>, StoreError> {
        let row = sqlx::query("SELECT retention_days FROM workspaces WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Sets workspace `id`'s retention (`None`: the instance default); false if no such workspace.
    pub async fn set_retention_days(&self, id: &str, days: Option<i64>) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE workspaces SET retention_days = $1 WHERE id = $2")
            .bind(days)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
