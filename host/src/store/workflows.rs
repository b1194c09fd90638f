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
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub source: String,
    /// Why this revision no longer loads, when it is broken (its triggers do not fire);
    /// null when it loads.
    pub error: Option<String>,
}

/// One revision of a workflow's text.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RevisionRecord {
    pub revision: i64,
    pub author: String,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    pub source: String,
}

const SELECT: &str = "SELECT w.workspace, w.name, w.revision, w.enabled, w.updated_at, r.source, w.error FROM workflows w \
     JOIN workflow_revisions r ON r.workspace = w.workspace AND r.name = w.name AND r.revision = w.revision";

impl Store {
    /// Stores `source`, which loads, as the next revision of `name`, unless it equals the
    /// current one; either way the workflow is no longer marked broken. Returns the
    /// revision now current.
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
            Some(row) if row.try_get::<String, _>(1)? == source => {
                let revision = row.try_get(0)?;
                self.set_workflow_error_in(&mut tx, workspace, name, revision, None).await?;
                tx.commit().await?;
                return Ok(revision);
            }
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
             ON CONFLICT (workspace, name) DO UPDATE SET revision = $3, updated_at = $4, error = NULL",
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

    /// A summary of every workflow that changes whenever one is saved, enabled, disabled
    /// or deleted: the scheduler reads the workflows again only when it does.
    pub async fn workflows_fingerprint(&self) -> Result<[i64; 4], StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*), COALESCE(SUM(revision), 0), COALESCE(SUM(enabled), 0), COALESCE(MAX(updated_at), 0) \
             FROM workflows",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok([row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?])
    }

    pub async fn workflow(&self, workspace: &str, name: &str) -> Result<Option<WorkflowRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE w.workspace = $1 AND w.name = $2")))
            .bind(workspace)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(workflow_from_row).transpose()
    }

    /// Up to `limit` revisions of a workflow older than `before` (all when none), newest first.
    pub async fn workflow_revisions(
        &self,
        workspace: &str,
        name: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RevisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT revision, author, created_at, source FROM workflow_revisions WHERE workspace = $1 AND name = $2 \
             AND revision < $3 ORDER BY revision DESC LIMIT $4",
        )
        .bind(workspace)
        .bind(name)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
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

    /// Marks `revision` of a workflow broken with `error`, or loadable again with `None`;
    /// does nothing when another revision has become current meanwhile.
    pub async fn set_workflow_error(
        &self,
        workspace: &str,
        name: &str,
        revision: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.set_workflow_error_in(&mut tx, workspace, name, revision, error).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_workflow_error_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        workspace: &str,
        name: &str,
        revision: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE workflows SET error = $1 WHERE workspace = $2 AND name = $3 AND revision = $4")
            .bind(error)
            .bind(workspace)
            .bind(name)
            .bind(revision)
            .execute(&mut **tx)
            .await?;
        Ok(())
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
        error: r.try_get(6)?,
    })
}
