//! Encrypted secrets and plain variables of a workspace, as rows; the cipher is elsewhere.

use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// A secret as stored: sealed value, and the hosts it may be sent to.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedSecret {
    pub name: String,
    pub nonce: String,
    pub ciphertext: String,
    /// `scheme://host[:port]` patterns, comma-separated; empty: sent nowhere.
    pub hosts: Vec<String>,
    pub updated_at: i64,
}

impl Store {
    pub async fn put_secret(&self, workspace: &str, secret: &SealedSecret) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO secrets (workspace, name, nonce, ciphertext, hosts, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (workspace, name) DO UPDATE SET nonce = $3, ciphertext = $4, hosts = $5, updated_at = $6",
        )
        .bind(workspace)
        .bind(&secret.name)
        .bind(&secret.nonce)
        .bind(&secret.ciphertext)
        .bind(secret.hosts.join(","))
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every secret of `workspace`, sealed.
    pub async fn secrets(&self, workspace: &str) -> Result<Vec<SealedSecret>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, nonce, ciphertext, hosts, updated_at FROM secrets WHERE workspace = $1 ORDER BY name",
        )
        .bind(workspace)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let hosts: String = r.try_get(3)?;
                Ok(SealedSecret {
                    name: r.try_get(0)?,
                    nonce: r.try_get(1)?,
                    ciphertext: r.try_get(2)?,
                    hosts: hosts.split(',').filter(|h| !h.is_empty()).map(String::from).collect(),
                    updated_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    pub async fn delete_secret(&self, workspace: &str, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM secrets WHERE workspace = $1 AND name = $2")
            .bind(workspace)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn put_variable(&self, workspace: &str, name: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO variables (workspace, name, value, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace, name) DO UPDATE SET value = $3, updated_at = $4",
        )
        .bind(workspace)
        .bind(name)
        .bind(value)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every variable of `workspace` as (name, value), by name.
    pub async fn variables(&self, workspace: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT name, value FROM variables WHERE workspace = $1 ORDER BY name")
            .bind(workspace)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    pub async fn delete_variable(&self, workspace: &str, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM variables WHERE workspace = $1 AND name = $2")
            .bind(workspace)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// The master key's check value (nonce, ciphertext), once one was stored.
    pub async fn vault_check(&self) -> Result<Option<(String, String)>, StoreError> {
        let row =
            sqlx::query("SELECT nonce, ciphertext FROM vault_check WHERE id = 1").fetch_optional(&self.pool).await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// Stores the master key's check value unless one is stored already.
    pub async fn set_vault_check(&self, nonce: &str, ciphertext: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO vault_check (id, nonce, ciphertext) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
            .bind(nonce)
            .bind(ciphertext)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Any one stored secret with its workspace, to check a key against a database that
    /// holds secrets sealed before check values were stored.
    pub async fn any_secret(&self) -> Result<Option<(String, SealedSecret)>, StoreError> {
        let row =
            sqlx::query("SELECT workspace, name, nonce, ciphertext FROM secrets ORDER BY workspace, name LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            let secret = SealedSecret {
                name: r.try_get(1)?,
                nonce: r.try_get(2)?,
                ciphertext: r.try_get(3)?,
                hosts: Vec::new(),
                updated_at: 0,
            };
            Ok((r.try_get(0)?, secret))
        })
        .transpose()
    }
}
