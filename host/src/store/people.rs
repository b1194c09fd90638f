//! People: accounts (an e-mail with an argon2id hash or an OpenID subject), the instance
//! admin flag, and memberships that give an account a role in each of several workspaces.

use serde::Serialize;
use sqlx::Row;

use super::tenancy::token_from_row;
use super::{Store, StoreError, TokenRecord, now_ms};

/// An account as the API shows it: never its password hash.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    /// The instance admin: every workspace, every role, and the accounts.
    pub admin: bool,
    /// Whether the account can sign in with a password (else only through OpenID).
    pub has_password: bool,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

/// One person's role in one workspace.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct MemberRecord {
    pub user_id: String,
    pub email: String,
    pub workspace: String,
    pub role: String,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

const USER: &str = "SELECT id, email, admin, password_hash, created_at FROM users";

impl Store {
    /// Creates an account; `None` if the e-mail address has one already.
    pub async fn create_user(
        &self,
        email: &str,
        password_hash: Option<&str>,
        admin: bool,
    ) -> Result<Option<UserRecord>, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let done = sqlx::query(
            "INSERT INTO users (id, email, password_hash, admin, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(&id)
        .bind(email)
        .bind(password_hash)
        .bind(i64::from(admin))
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.user(&id).await
    }

    pub async fn user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{USER} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| user_from_row(r).map(|(u, _)| u)).transpose()
    }

    /// The account of `email` with its password hash, for signing in.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(UserRecord, Option<String>)>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{USER} WHERE email = $1")))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The account linked to OpenID subject `subject` (issuer and `sub`).
    pub async fn user_by_subject(&self, subject: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{USER} WHERE oidc_subject = $1")))
            .bind(subject)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| user_from_row(r).map(|(u, _)| u)).transpose()
    }

    pub async fn link_subject(&self, user: &str, subject: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET oidc_subject = $1 WHERE id = $2")
            .bind(subject)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{USER} ORDER BY email"))).fetch_all(&self.pool).await?;
        rows.iter().map(|r| user_from_row(r).map(|(u, _)| u)).collect()
    }

    /// Sets the password hash of `email`'s account; false if there is none. Its sessions end.
    pub async fn set_password(&self, email: &str, hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE email = $2")
            .bind(hash)
            .bind(email)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM user_sessions WHERE user_id IN (SELECT id FROM users WHERE email = $1)")
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_admin(&self, email: &str, admin: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET admin = $1 WHERE email = $2")
            .bind(i64::from(admin))
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// `(workspace, role)` for every membership of `user`.
    pub async fn memberships(&self, user: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT workspace, role FROM memberships WHERE user_id = $1 ORDER BY workspace")
            .bind(user)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Gives `user` `role` in `workspace`, replacing the role it had there.
    pub async fn set_membership(&self, user: &str, workspace: &str, role: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO memberships (user_id, workspace, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, workspace) DO UPDATE SET role = excluded.role",
        )
        .bind(user)
        .bind(workspace)
        .bind(role)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends `user`'s membership of `workspace`; false if it had none.
    pub async fn remove_membership(&self, workspace: &str, user: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM memberships WHERE workspace = $1 AND user_id = $2")
            .bind(workspace)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The people of `workspace`, by e-mail address.
    pub async fn members(&self, workspace: &str) -> Result<Vec<MemberRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.user_id, u.email, m.workspace, m.role, m.created_at FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.workspace = $1 ORDER BY u.email",
        )
        .bind(workspace)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MemberRecord {
                    user_id: r.try_get(0)?,
                    email: r.try_get(1)?,
                    workspace: r.try_get(2)?,
                    role: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                })
            })
            .collect()
    }
}

impl Store {
    /// The personal tokens of `user`, never their values.
    pub async fn user_tokens(&self, user: &str) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, workspace, role, name, created_at, last_used_at, user_id FROM tokens \
             WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes personal token `id` of `user`; false if `user` has no such token.
    pub async fn delete_user_token(&self, user: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<(UserRecord, Option<String>), StoreError> {
    let hash: Option<String> = r.try_get(3)?;
    let user = UserRecord {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        admin: r.try_get::<i64, _>(2)? != 0,
        has_password: hash.is_some(),
        created_at: r.try_get(4)?,
    };
    Ok((user, hash))
}
