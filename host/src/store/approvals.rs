//! Approvals: a waiting row per approval step, decided by a person with a role.

use serde_json::Value;
use sqlx::Row;

use super::{Store, StoreError};

/// An approval as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApprovalRecord {
    pub run_id: String,
    pub step_id: String,
    pub workspace: String,
    /// `waiting`, `approved` or `rejected`.
    pub status: String,
    pub message: String,
    pub preview: Option<Value>,
    pub approvers: Vec<String>,
    pub requested_at: i64,
    pub expires_at: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub comment: Option<String>,
    /// The editable fields with their values: `[{name, type, description, max_length, value}]`.
    pub fields: Option<Value>,
    /// How many different people must approve.
    pub quorum: u32,
    /// The approvals given so far while more are needed: `[{by, at, comment, changes}]`.
    pub votes: Vec<Value>,
}

pub(super) const COLUMNS: &str = "run_id, step_id, workspace, status, message, preview, approvers, requested_at, expires_at, decided_by, decided_at, comment, fields, quorum, votes";

impl Store {
    /// Approvals still waiting, in `workspace` (all workspaces when empty), oldest first.
    pub async fn waiting_approvals(&self, workspace: &str) -> Result<Vec<ApprovalRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM approvals WHERE status = 'waiting' AND ($1 = '' OR workspace = $1) ORDER BY requested_at"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(workspace).fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect::<Result<_, _>>().map_err(Into::into)
    }

    /// The approval steps of `run_id` still waiting.
    pub async fn run_waiting_approvals(&self, run_id: &str) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT step_id FROM approvals WHERE run_id = $1 AND status = 'waiting' ORDER BY step_id")
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Every approval of `run_id`, decided or not, by step.
    pub async fn run_approvals(&self, run_id: &str) -> Result<Vec<ApprovalRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM approvals WHERE run_id = $1 ORDER BY step_id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect::<Result<_, _>>().map_err(Into::into)
    }

    /// The workflow of each run of `workspace` with an approval waiting: run id -> name.
    pub async fn waiting_approval_workflows(
        &self,
        workspace: &str,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT a.run_id, r.workflow FROM approvals a JOIN runs r ON r.id = a.run_id \
             WHERE a.status = 'waiting' AND a.workspace = $1",
        )
        .bind(workspace)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    pub async fn approval(&self, run_id: &str, step_id: &str) -> Result<Option<ApprovalRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM approvals WHERE run_id = $1 AND step_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(step_id).fetch_optional(&self.pool).await?;
        row.map(|r| from_row(&r)).transpose().map_err(Into::into)
    }
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<ApprovalRecord, sqlx::Error> {
    let preview: Option<String> = row.try_get(5)?;
    let approvers: String = row.try_get(6)?;
    let fields: Option<String> = row.try_get(12)?;
    let votes: Option<String> = row.try_get(14)?;
    Ok(ApprovalRecord {
        run_id: row.try_get(0)?,
        step_id: row.try_get(1)?,
        workspace: row.try_get(2)?,
        status: row.try_get(3)?,
        message: row.try_get(4)?,
        preview: preview.and_then(|p| serde_json::from_str(&p).ok()),
        approvers: approvers.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        requested_at: row.try_get(7)?,
        expires_at: row.try_get(8)?,
        decided_by: row.try_get(9)?,
        decided_at: row.try_get(10)?,
        comment: row.try_get(11)?,
        fields: fields.and_then(|f| serde_json::from_str(&f).ok()),
        quorum: u32::try_from(row.try_get::<i64, _>(13)?).unwrap_or(1),
        votes: votes.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default(),
    })
}
