//! Workflows stored in a workspace: the current revision of each, and every revision's text.

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// A stored workflow: its newest revision and whether its triggers fire.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct WorkflowRecord {
    pub workspace: String,
    pub name: String,
    pub revision: i64,
    pub enabled: bool,
    pub updated_at: i64,
    pub source: String,
}

/// One revision of a workflow's text.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RevisionRecord {
    pub revision: i64,
    pub author: String,
    pub created_at: i64,
    pub source: String,
}

const SELECT: &str = "SELECT w.workspace, w.name, w.revision, w.enabled, w.updated_at, r.source FROM workflows w \
     JOIN workflow_revisions r ON r.workspace = w.workspace AND r.name = w.name AND r.revision = w.revision";

impl Store {
    /// Stores `source` as the next revision of `name`, unless it equals the current one.
    /// Returns the revision now current.
    pub async fn save_workflow(
        &self,
        workspace: &str,
        name: &str,
        source: &str,
        author: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let current = sqlx::query(
            "SELECT w.revision, r.source FROM workflows w JOIN workflow_revisions r \
             ON r.workspace = w.workspace AND r.name = w.name AND r.revision = w.revision \
             WHERE w.workspace = $1 AND w.name = $2",
        )
        .bind(workspace)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        let revision = match current {
            Some(row) if row.try_get::<String, _>(1)? == source => return Ok(row.try_get(0)?),
            Some(row) => row.try_get::<i64, _>(0)? + 1,
            None => 1,
        };
        let now = now_ms();
        sqlx::query(
            "INSERT INTO workflow_revisions (workspace, name, revision, source, author, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(workspace)
        .bind(name)
        .bind(revision)
        .bind(source)
        .bind(author)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO workflows (workspace, name, revision, enabled, updated_at) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (workspace, name) DO UPDATE SET revision = $3, updated_at = $4",
        )
        .bind(workspace)
        .bind(name)
        .bind(revision)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(revision)
    }

    /// Every workflow of `workspace` (all workspaces when `None`), by name.
    pub async fn workflows(&self, workspace: Option<&str>) -> Result<Vec<WorkflowRecord>, StoreError> {
        let rows = match workspace {
            Some(ws) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE w.workspace = $1 ORDER BY w.name")))
                    .bind(ws)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY w.workspace, w.name")))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(workflow_from_row).collect()
    }

    pub async fn workflow(&self, workspace: &str, name: &str) -> Result<Option<WorkflowRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE w.workspace = $1 AND w.name = $2")))
            .bind(workspace)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(workflow_from_row).transpose()
    }

    /// Every revision of a workflow, newest first.
    pub async fn workflow_revisions(&self, workspace: &str, name: &str) -> Result<Vec<RevisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT revision, author, created_at, source FROM workflow_revisions WHERE workspace = $1 AND name = $2 \
             ORDER BY revision DESC",
        )
        .bind(workspace)
        .bind(name)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RevisionRecord {
                    revision: r.try_get(0)?,
                    author: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    source: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn set_workflow_enabled(&self, workspace: &str, name: &str, enabled: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE workflows SET enabled = $1 WHERE workspace = $2 AND name = $3")
            .bind(i64::from(enabled))
            .bind(workspace)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a workflow and its revisions; its runs stay.
    pub async fn delete_workflow(&self, workspace: &str, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM workflow_revisions WHERE workspace = $1 AND name = $2")
            .bind(workspace)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM workflows WHERE workspace = $1 AND name = $2")
            .bind(workspace)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

fn workflow_from_row(r: &sqlx::any::AnyRow) -> Result<WorkflowRecord, StoreError> {
    Ok(WorkflowRecord {
        workspace: r.try_get(0)?,
        name: r.try_get(1)?,
        revision: r.try_get(2)?,
        enabled: r.try_get::<i64, _>(3)? != 0,
        updated_at: r.try_get(4)?,
        source: r.try_get(5)?,
    })
}
