//! Wake-ups between processes sharing one PostgreSQL database: a notification on a channel,
//! a listener for it, and when the next leased or delayed job falls due. On SQLite there is
//! no channel; the worker polls.

use sqlx::Row;
use sqlx::postgres::PgListener;

use super::{Backend, Store, StoreError};

impl Store {
    /// Notifies every listener of `channel` (PostgreSQL's `pg_notify`); nothing on SQLite.
    /// Called outside write transactions: a NOTIFY inside one takes a global lock at commit.
    pub async fn notify(&self, channel: &str) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, '')").bind(channel).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// A connection listening on `channel`, on its own connection outside the pool; `None`
    /// on SQLite.
    pub async fn listener(&self, channel: &str) -> Result<Option<PgListener>, StoreError> {
        let Some(url) = self.url.as_deref().filter(|_| self.backend == Backend::Postgres) else {
            return Ok(None);
        };
        let mut listener = PgListener::connect(url).await?;
        listener.listen(channel).await?;
        Ok(Some(listener))
    }

    /// When a job of an unfinished run falls due next (ms): its available time, or when
    /// the lease on it lapses. `None` when no job waits.
    pub async fn next_work_at(&self) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(CASE WHEN j.lease_until IS NOT NULL AND j.lease_until > j.available_at \
                    THEN j.lease_until ELSE j.available_at END) \
             FROM jobs j JOIN runs r ON r.id = j.run_id WHERE r.status IN ('running', 'waiting')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?)
    }
}
