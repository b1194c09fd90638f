//! Lists for the service: runs by filter, runs with work due, counts for quotas and metrics.

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// A run in a list, without its steps.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RunSummary {
    pub id: String,
    pub workflow: String,
    pub status: String,
    pub trigger: Option<String>,
    pub error: Option<String>,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "super::timestamp::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<i64>,
    /// Steps that failed, also under `continue_on_error` in a run that succeeded.
    pub failed_steps: i64,
}

/// A run with work due, and the workspace it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRun {
    pub id: String,
    pub workspace: String,
}

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub workspace: String,
    pub status: Option<String>,
    pub workflow: Option<String>,
    /// Only runs created before this run id (ids sort by creation time), for paging.
    pub before: Option<String>,
    /// Only runs created at or after this time (ms).
    pub since: Option<i64>,
    /// Only runs created before this time (ms).
    pub until: Option<i64>,
    /// Only runs whose workflow, id or error contains this text, in any case.
    pub search: Option<String>,
    pub limit: i64,
}

/// `text` as a `LIKE` pattern matching it anywhere, lowercased, with `\` as the escape.
fn contains_pattern(text: &str) -> String {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

impl Store {
    /// Runs newest first, filtered.
    pub async fn list_runs(&self, f: &RunFilter) -> Result<Vec<RunSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, workflow, status, trigger, error, created_at, finished_at, \
             (SELECT COUNT(*) FROM steps s WHERE s.run_id = runs.id AND s.status = 'failed') FROM runs \
             WHERE workspace = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR workflow = $3) AND ($4 = '' OR id < $4) \
             AND created_at >= $6 AND created_at < $7 AND ($8 = '' OR LOWER(workflow) LIKE $8 ESCAPE '\\' \
               OR LOWER(id) LIKE $8 ESCAPE '\\' OR LOWER(COALESCE(error, '')) LIKE $8 ESCAPE '\\') \
             ORDER BY id DESC LIMIT $5",
        )
        .bind(&f.workspace)
        .bind(f.status.as_deref().unwrap_or(""))
        .bind(f.workflow.as_deref().unwrap_or(""))
        .bind(f.before.as_deref().unwrap_or(""))
        .bind(f.limit)
        .bind(f.since.unwrap_or(i64::MIN))
        .bind(f.until.unwrap_or(i64::MAX))
        .bind(f.search.as_deref().filter(|s| !s.is_empty()).map(contains_pattern).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RunSummary {
                    id: r.try_get(0)?,
                    workflow: r.try_get(1)?,
                    status: r.try_get(2)?,
                    trigger: r.try_get(3)?,
                    error: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                    finished_at: r.try_get(6)?,
                    failed_steps: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// The workspace a run belongs to, if the run exists.
    pub async fn run_workspace(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT workspace FROM runs WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// How a run stands (`succeeded`, `failed`, `waiting`...), if the run exists.
    pub async fn run_status(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT status FROM runs WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Runs with work a worker should do now: a due job not leased (or its lease expired),
    /// or running with no job at all (a queued run just promoted), with their workspaces.
    ///
    /// Fair across workspaces: each workspace's oldest run first, then each one's second,
    /// and so on, so a workspace with many runs cannot push another's behind them. Only
    /// running and waiting runs are read (the `runs_active` index), never finished ones.
    /// Runs another process than `owner` picked (see [`Store::pick_runs`]) are left out
    /// until their pick lapses.
    pub async fn runs_with_due_work(&self, owner: &str, limit: i64) -> Result<Vec<DueRun>, StoreError> {
        let now = now_ms();
        let rows = sqlx::query(
            "SELECT id, workspace FROM ( \
               SELECT r.id, r.workspace, ROW_NUMBER() OVER (PARTITION BY r.workspace ORDER BY r.id) AS turn \
               FROM runs r WHERE r.status IN ('running', 'waiting') AND ( \
                 EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = r.id AND j.available_at <= $1 \
                         AND (j.lease_until IS NULL OR j.lease_until < $1)) \
                 OR (r.status = 'running' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = r.id))) \
               AND (r.picked_until IS NULL OR r.picked_until < $1 OR r.picked_by = $3) \
             ) due ORDER BY turn, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(DueRun { id: r.try_get(0)?, workspace: r.try_get(1)? })).collect()
    }

    /// Runs of `workspace` that are running, waiting or queued.
    pub async fn active_runs(&self, workspace: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM runs WHERE workspace = $1 AND status IN ('running', 'waiting', 'queued')",
        )
        .bind(workspace)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Steps of `workspace` started since `since` (ms), for the daily quota. Read from the
    /// attempts since then (index `attempts_by_start`), not from every run of the workspace.
    pub async fn steps_started_since(&self, workspace: &str, since: i64) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM attempts a WHERE a.started_at >= $2 AND EXISTS (SELECT 1 FROM runs r WHERE r.id = a.run_id AND r.workspace = $1)")
            .bind(workspace)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Hands back every lease `owner` holds, so another worker may take the jobs at once.
    pub async fn release_leases(&self, owner: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1")
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// `(status, count)` of all runs, for metrics.
    pub async fn run_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT workspace, status, COUNT(*) FROM runs GROUP BY workspace, status ORDER BY workspace, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }

    /// Jobs due now and not leased: the queue depth.
    pub async fn queue_depth(&self) -> Result<i64, StoreError> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT COUNT(*) FROM jobs WHERE available_at <= $1 AND (lease_until IS NULL OR lease_until < $1)",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Waiting approvals per workspace, for metrics.
    pub async fn waiting_approval_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT workspace, COUNT(*) FROM approvals WHERE status = 'waiting' GROUP BY workspace ORDER BY workspace",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn due_runs_come_round_robin_across_workspaces_and_finished_ones_never() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("due.db").display())).await.unwrap();
        let runs = [("a1", "a", "running"), ("a2", "a", "running"), ("a3", "a", "running"), ("b1", "b", "running")];
        let done = [("a0", "a", "succeeded"), ("c0", "c", "failed")];
        for (id, workspace, status) in runs.iter().chain(&done) {
            sqlx::query(
                "INSERT INTO runs (id, workspace, workflow, status, inputs, created_at) VALUES ($1, $2, 'w', $3, '{}', 0)",
            )
            .bind(*id)
            .bind(*workspace)
            .bind(*status)
            .execute(&store.pool)
            .await
            .unwrap();
        }
        let due = store.runs_with_due_work("w", 3).await.unwrap();
        let ids: Vec<&str> = due.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a1", "b1", "a2"], "b's only run comes second, before a's later ones");
        assert_eq!(due[1].workspace, "b");
        assert_eq!(store.runs_with_due_work("w", 10).await.unwrap().len(), 4, "finished runs are never due");
    }
}
