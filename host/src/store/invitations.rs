//! Invitations by link (stored by the hash of their secret, single use, expiring) and the
//! browser sessions of signed-in people (stored by the hash of their cookie).

use serde::Serialize;
use sqlx::Row;

use super::people::UserRecord;
use super::{Store, StoreError, now_ms};

/// An invitation as stored: never the secret of its link.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct InvitationRecord {
    pub id: String,
    pub workspace: String,
    pub email: String,
    pub role: String,
    /// Who invited, as the audit log names them.
    pub invited_by: String,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: i64,
    #[serde(serialize_with = "super::timestamp::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub accepted_at: Option<i64>,
}

const INVITATION: &str =
    "SELECT id, workspace, email, role, invited_by, created_at, expires_at, accepted_at FROM invitations";

impl Store {
    pub async fn create_invitation(&self, invitation: &InvitationRecord, hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO invitations (id, workspace, email, role, hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&invitation.id)
        .bind(&invitation.workspace)
        .bind(&invitation.email)
        .bind(&invitation.role)
        .bind(hash)
        .bind(&invitation.invited_by)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The invitation whose secret hashes to `hash`, accepted or not, expired or not.
    pub async fn invitation_by_hash(&self, hash: &str) -> Result<Option<InvitationRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{INVITATION} WHERE hash = $1")))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// The invitations of `workspace` not yet accepted, newest first.
    pub async fn invitations(&self, workspace: &str) -> Result<Vec<InvitationRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{INVITATION} WHERE workspace = $1 AND accepted_at IS NULL ORDER BY created_at DESC LIMIT 500"
        )))
        .bind(workspace)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    /// Marks invitation `id` used; false if it was used before or has expired, so two
    /// acceptances racing each other cannot both win.
    pub async fn take_invitation(&self, id: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL AND expires_at > $3",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Withdraws a pending invitation of `workspace`; false if there is none.
    pub async fn delete_invitation(&self, workspace: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM invitations WHERE id = $1 AND workspace = $2 AND accepted_at IS NULL")
            .bind(id)
            .bind(workspace)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Starts a session of `user` identified by the hash of its cookie, until `expires_at`.
    pub async fn create_session(&self, user: &str, hash: &str, expires_at: i64) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO user_sessions (id, user_id, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(user)
        .bind(hash)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The session whose cookie hashes to `hash` and its account, unless it has expired.
    pub async fn session_user(&self, hash: &str) -> Result<Option<(String, UserRecord)>, StoreError> {
        let row = sqlx::query("SELECT s.id, s.user_id FROM user_sessions s WHERE s.hash = $1 AND s.expires_at > $2")
            .bind(hash)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (id, user): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        Ok(self.user(&user).await?.map(|u| (id, u)))
    }

    /// Ends the session whose cookie hashes to `hash`, and every expired one.
    pub async fn delete_session(&self, hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM user_sessions WHERE hash = $1 OR expires_at <= $2")
            .bind(hash)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn invitation_from_row(r: &sqlx::any::AnyRow) -> Result<InvitationRecord, StoreError> {
    Ok(InvitationRecord {
        id: r.try_get(0)?,
        workspace: r.try_get(1)?,
        email: r.try_get(2)?,
        role: r.try_get(3)?,
        invited_by: r.try_get(4)?,
        created_at: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        accepted_at: r.try_get(7)?,
    })
}
