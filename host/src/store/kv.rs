//! The plugins' key-value store: one namespace per (workspace, plugin), quotas, expiry.

use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// The size and count ceilings of one namespace.
#[derive(Debug, Clone, Copy)]
pub struct KvQuota {
    pub max_key_bytes: usize,
    pub max_value_bytes: usize,
    pub max_keys: i64,
    pub max_total_bytes: i64,
}

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum KvRefusal {
    #[error("key or value too large")]
    TooLarge,
    #[error("namespace quota exceeded")]
    QuotaExceeded,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for KvRefusal {
    fn from(e: sqlx::Error) -> Self {
        KvRefusal::Store(e.into())
    }
}

/// The key-value namespace a plugin sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    pub workspace: String,
    pub plugin: String,
}

impl Store {
    /// The value of `key`, unless absent or expired.
    pub async fn kv_get(&self, ns: &Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT value FROM kv WHERE workspace = $1 AND plugin = $2 AND key = $3 AND (expires_at IS NULL OR expires_at > $4)")
            .bind(&ns.workspace)
            .bind(&ns.plugin)
            .bind(key)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Stores `value` under `key` if the namespace's quota allows it.
    pub async fn kv_set(
        &self,
        ns: &Namespace,
        key: &str,
        value: &[u8],
        ttl_seconds: Option<u32>,
        quota: &KvQuota,
    ) -> Result<(), KvRefusal> {
        if key.len() > quota.max_key_bytes || value.len() > quota.max_value_bytes {
            return Err(KvRefusal::TooLarge);
        }
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM kv WHERE workspace = $1 AND plugin = $2 AND expires_at IS NOT NULL AND expires_at <= $3",
        )
        .bind(&ns.workspace)
        .bind(&ns.plugin)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT COUNT(*), CAST(COALESCE(SUM(LENGTH(key) + LENGTH(value)), 0) AS BIGINT) FROM kv WHERE workspace = $1 AND plugin = $2 AND key <> $3")
            .bind(&ns.workspace)
            .bind(&ns.plugin)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        let (count, bytes): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        if count + 1 > quota.max_keys || bytes + (key.len() + value.len()) as i64 > quota.max_total_bytes {
            return Err(KvRefusal::QuotaExceeded);
        }
        let expires = ttl_seconds.map(|s| now + i64::from(s) * 1000);
        sqlx::query("INSERT INTO kv (workspace, plugin, key, value, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace, plugin, key) DO UPDATE SET value = $4, expires_at = $5")
            .bind(&ns.workspace)
            .bind(&ns.plugin)
            .bind(key)
            .bind(value)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn kv_delete(&self, ns: &Namespace, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM kv WHERE workspace = $1 AND plugin = $2 AND key = $3")
            .bind(&ns.workspace)
            .bind(&ns.plugin)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
