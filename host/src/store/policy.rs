//! Runs of one workflow side by side: counting the active ones, queueing, cancelling.

use sqlx::Row;

use super::{Store, StoreError, now_ms};

impl Store {
    /// Runs of `workflow` in `workspace` with one of `statuses`, oldest first.
    pub async fn runs_with_status(
        &self,
        workspace: &str,
        workflow: &str,
        statuses: &[&str],
    ) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT id, status FROM runs WHERE workspace = $1 AND workflow = $2 ORDER BY created_at, id")
                .bind(workspace)
                .bind(workflow)
                .fetch_all(&self.pool)
                .await?;
        let mut ids = Vec::new();
        for row in rows {
            let status: String = row.try_get(1)?;
            if statuses.contains(&status.as_str()) {
                ids.push(row.try_get(0)?);
            }
        }
        Ok(ids)
    }

    /// Sets a run's status (and error) without touching its steps.
    pub async fn set_run_status(&self, run_id: &str, status: &str, error: Option<&str>) -> Result<(), StoreError> {
        let finished = matches!(status, "succeeded" | "failed" | "rejected" | "cancelled").then(now_ms);
        sqlx::query("UPDATE runs SET status = $1, error = COALESCE($2, error), finished_at = $3, version = version + 1 WHERE id = $4")
            .bind(status)
            .bind(error)
            .bind(finished)
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Cancels a run: its jobs are dropped, open steps and waiting approvals cancelled.
    pub async fn cancel_run(&self, run_id: &str, reason: &str) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM jobs WHERE run_id = $1").bind(run_id).execute(&mut *tx).await?;
        sqlx::query("UPDATE steps SET status = 'cancelled', finished_at = $2 WHERE run_id = $1 AND status IN ('pending', 'running', 'waiting')")
            .bind(run_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE approvals SET status = 'cancelled' WHERE run_id = $1 AND status = 'waiting'")
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE runs SET status = 'cancelled', error = $2, finished_at = $3, version = version + 1 WHERE id = $1",
        )
        .bind(run_id)
        .bind(reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
