//! Client links for one approval, stored by the hash of their secret: created by the team,
//! used once (approved or rejected) before they expire or are revoked, with the comments
//! sent through them.

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// The most comments one link takes.
pub const MAX_LINK_COMMENTS: usize = 20;

/// A client link as stored: never its secret.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ApprovalLinkRecord {
    pub id: String,
    pub workspace: String,
    pub run_id: String,
    pub step_id: String,
    /// Who made the link, as the audit log names them.
    pub created_by: String,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: i64,
    #[serde(serialize_with = "super::timestamp::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub used_at: Option<i64>,
    /// `approved`, `rejected` or `revoked` once used.
    pub outcome: Option<String>,
    /// `[{at, text}]`, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub comments: serde_json::Value,
}

const LINK: &str = "SELECT id, workspace, run_id, step_id, created_by, created_at, expires_at, used_at, outcome, comments \
                    FROM approval_links";

impl Store {
    pub async fn create_approval_link(&self, link: &ApprovalLinkRecord, hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO approval_links (run_id, id, step_id, workspace, hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&link.run_id)
        .bind(&link.id)
        .bind(&link.step_id)
        .bind(&link.workspace)
        .bind(hash)
        .bind(&link.created_by)
        .bind(link.created_at)
        .bind(link.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The link whose secret hashes to `hash`, used or not, expired or not.
    pub async fn approval_link_by_hash(&self, hash: &str) -> Result<Option<ApprovalLinkRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{LINK} WHERE hash = $1")))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(link_from_row).transpose()
    }

    /// The links made for approval `step` of run `run`, newest first.
    pub async fn approval_links(&self, run: &str, step: &str) -> Result<Vec<ApprovalLinkRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{LINK} WHERE run_id = $1 AND step_id = $2 ORDER BY created_at DESC, id DESC LIMIT 100"
        )))
        .bind(run)
        .bind(step)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// Marks link `id` used with `outcome`; false if it was used, revoked or has expired,
    /// so two uses racing each other cannot both win.
    pub async fn take_approval_link(&self, run: &str, id: &str, outcome: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE approval_links SET used_at = $1, outcome = $2 \
             WHERE run_id = $3 AND id = $4 AND used_at IS NULL AND expires_at > $5",
        )
        .bind(now)
        .bind(outcome)
        .bind(run)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Makes link `id` usable again after a use whose decision could not be recorded.
    pub async fn release_approval_link(&self, run: &str, id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE approval_links SET used_at = NULL, outcome = NULL WHERE run_id = $1 AND id = $2")
            .bind(run)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Adds a comment to an unused, unexpired link unless it has [`MAX_LINK_COMMENTS`];
    /// false when it cannot take one. A comment written meanwhile is kept (compare and set).
    pub async fn comment_approval_link(&self, link: &ApprovalLinkRecord, text: &str) -> Result<bool, StoreError> {
        let mut comments = link.comments.as_array().cloned().unwrap_or_default();
        if comments.len() >= MAX_LINK_COMMENTS {
            return Ok(false);
        }
        let before = link.comments.to_string();
        comments.push(serde_json::json!({ "at": super::timestamp::value(Some(now_ms())), "text": text }));
        let done = sqlx::query(
            "UPDATE approval_links SET comments = $1 \
             WHERE run_id = $2 AND id = $3 AND comments = $4 AND used_at IS NULL AND expires_at > $5",
        )
        .bind(serde_json::Value::Array(comments).to_string())
        .bind(&link.run_id)
        .bind(&link.id)
        .bind(before)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn link_from_row(r: &sqlx::any::AnyRow) -> Result<ApprovalLinkRecord, StoreError> {
    let comments: String = r.try_get(9)?;
    Ok(ApprovalLinkRecord {
        id: r.try_get(0)?,
        workspace: r.try_get(1)?,
        run_id: r.try_get(2)?,
        step_id: r.try_get(3)?,
        created_by: r.try_get(4)?,
        created_at: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        used_at: r.try_get(7)?,
        outcome: r.try_get(8)?,
        comments: serde_json::from_str(&comments).unwrap_or_else(|_| serde_json::json!([])),
    })
}
