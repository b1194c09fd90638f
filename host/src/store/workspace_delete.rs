//! Deleting a workspace with everything it holds, in one transaction: its runs (with their
//! steps, logs, attempts, items, jobs, approvals and client links), workflows and
//! revisions, secrets, variables, tokens, members, invitations, key-value data, trigger
//! history, installed plugins and audit log. The accounts of its members stay.

use sqlx::Row;

use super::{Store, StoreError};

/// Tables holding a run's rows by `run_id`, children first.
const RUN_TABLES: [&str; 7] = ["step_logs", "attempts", "step_items", "jobs", "approval_links", "approvals", "steps"];

/// Tables holding a workspace's own rows in a `workspace` column, `runs` and `workspaces`
/// last (other rows may point at them).
const WORKSPACE_TABLES: [&str; 15] = [
    "hook_deliveries",
    "publishing_holds",
    "usage",
    "trigger_events",
    "schedule_marks",
    "kv",
    "workflow_revisions",
    "workflows",
    "secrets",
    "variables",
    "tokens",
    "memberships",
    "invitations",
    "audit",
    "runs",
];

/// What became of a request to delete a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceDeletion {
    /// Deleted; the number of runs it held.
    Deleted {
        runs: i64,
    },
    /// Runs still queued, running or waiting: nothing was deleted.
    Active(i64),
    NotFound,
}

impl Store {
    /// Deletes workspace `id` and every row it holds, unless a run of it has not ended.
    pub async fn delete_workspace(&self, id: &str) -> Result<WorkspaceDeletion, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM workspaces WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Ok(WorkspaceDeletion::NotFound);
        }
        let counts = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN status IN ('queued', 'running', 'waiting') THEN 1 ELSE 0 END), 0), COUNT(*) \
             FROM runs WHERE workspace = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let (active, runs): (i64, i64) = (counts.try_get(0)?, counts.try_get(1)?);
        if active > 0 {
            return Ok(WorkspaceDeletion::Active(active));
        }
        let by_run = RUN_TABLES
            .iter()
            .map(|t| format!("DELETE FROM {t} WHERE run_id IN (SELECT id FROM runs WHERE workspace = $1)"));
        let own = WORKSPACE_TABLES.iter().map(|t| format!("DELETE FROM {t} WHERE workspace = $1"));
        let rest = ["DELETE FROM installed_plugins WHERE scope = $1", "DELETE FROM workspaces WHERE id = $1"];
        for sql in by_run.chain(own).chain(rest.iter().map(|s| s.to_string())) {
            // Only table names from the constants above go into the text.
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(WorkspaceDeletion::Deleted { runs })
    }
}
