//! Leader leases: one row per duty that only one process may perform at a time, taken
//! when free or lapsed, renewed by its holder, and handed back on shutdown.

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// Takes or renews lease `name` for `holder` until `now + ttl_ms`: true when `holder`
    /// holds it afterwards. It is taken only when nobody holds it, `holder` already does,
    /// or the holder let it lapse (`expires_at` before `now`); the row's lock makes two
    /// processes racing for a lapsed lease see one winner.
    pub async fn take_lease(&self, name: &str, holder: &str, now: i64, ttl_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO leader_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leader_leases.holder = excluded.holder OR leader_leases.expires_at < $4",
        )
        .bind(name)
        .bind(holder)
        .bind(now + ttl_ms)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Hands lease `name` back if `holder` holds it, so another process takes it at once.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM leader_leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Who holds lease `name` and until when, lapsed or not.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query("SELECT holder, expires_at FROM leader_leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_until_the_lease_lapses_or_is_handed_back() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        assert!(store.take_lease("scheduler", "a", 1_000, 10_000).await.unwrap(), "free: taken");
        assert!(!store.take_lease("scheduler", "b", 5_000, 10_000).await.unwrap(), "held by a");
        assert!(store.take_lease("scheduler", "a", 9_000, 10_000).await.unwrap(), "a renews");
        assert_eq!(store.lease_holder("scheduler").await.unwrap(), Some(("a".into(), 19_000)));
        assert!(!store.take_lease("scheduler", "b", 18_999, 10_000).await.unwrap(), "not lapsed yet");
        assert!(store.take_lease("scheduler", "b", 19_001, 10_000).await.unwrap(), "lapsed: b takes over");
        assert!(!store.take_lease("scheduler", "a", 19_002, 10_000).await.unwrap(), "a lost it");
        assert!(!store.release_lease("scheduler", "a").await.unwrap(), "a cannot hand back b's lease");
        assert!(store.release_lease("scheduler", "b").await.unwrap());
        assert!(store.take_lease("scheduler", "a", 19_003, 10_000).await.unwrap(), "handed back: taken at once");
        assert!(store.take_lease("retention", "b", 19_003, 10_000).await.unwrap(), "leases are per name");
    }
}
