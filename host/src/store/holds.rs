//! The crisis stop of a workspace's publishing: the hold itself, the publishing jobs it
//! parks, and their release.
//!
//! A job held back keeps its slot: its `available_at` becomes [`HELD_BASE`] plus the time
//! it was due, past every real time, so no worker claims it and the wake-up arithmetic
//! stays plain integers. Releasing sets it to now; moving it in the calendar sets a new
//! slot (it is held again then if the stop still holds).

use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// Added to a held job's slot: about 146 million years of milliseconds, far beyond any
/// time a schedule or `wait_until` can name.
pub const HELD_BASE: i64 = 1 << 62;

/// The longest reason for a stop, in characters: shown to everyone in the workspace.
pub const MAX_REASON_CHARS: usize = 500;

/// The `available_at` that parks a job due at `slot`.
pub fn parked(slot: i64) -> i64 {
    HELD_BASE + slot.clamp(0, HELD_BASE - 1)
}

/// The slot of a job as stored: itself, or the time a parked job was due.
pub fn slot_of(available_at: i64) -> i64 {
    if available_at >= HELD_BASE { available_at - HELD_BASE } else { available_at }
}

/// A workspace's crisis stop as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRecord {
    pub since: i64,
    /// Who threw the switch, as the audit log names them.
    pub actor: String,
    pub reason: String,
}

/// A publishing job parked by the stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldJob {
    pub run_id: String,
    pub workflow: String,
    pub step_id: String,
    /// The item of a `for_each` step, or -1 for the step itself.
    pub idx: i64,
    /// When it was due to run, in Unix milliseconds.
    pub slot: i64,
}

impl Store {
    /// The stop of `workspace`, if publishing is held there.
    pub async fn publishing_hold(&self, workspace: &str) -> Result<Option<HoldRecord>, StoreError> {
        let row = sqlx::query("SELECT since, actor, reason FROM publishing_holds WHERE workspace = $1")
            .bind(workspace)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(HoldRecord { since: row.try_get(0)?, actor: row.try_get(1)?, reason: row.try_get(2)? }))
    }

    /// Holds the publishing of `workspace`; an existing stop is kept as it was. The stop in
    /// force afterwards, and whether this call started it.
    pub async fn hold_publishing(
        &self,
        workspace: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(HoldRecord, bool), StoreError> {
        let mut tx = self.begin_write().await?;
        let started = sqlx::query(
            "INSERT INTO publishing_holds (workspace, since, actor, reason) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace) DO NOTHING",
        )
        .bind(workspace)
        .bind(now_ms())
        .bind(actor)
        .bind(reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let row = sqlx::query("SELECT since, actor, reason FROM publishing_holds WHERE workspace = $1")
            .bind(workspace)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((HoldRecord { since: row.try_get(0)?, actor: row.try_get(1)?, reason: row.try_get(2)? }, started))
    }

    /// Ends the stop of `workspace` and makes every job it parked due now, in one
    /// transaction. `None` when publishing was not held; else the number of jobs released.
    pub async fn release_publishing(&self, workspace: &str) -> Result<Option<u64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended =
            sqlx::query("DELETE FROM publishing_holds WHERE workspace = $1").bind(workspace).execute(&mut *tx).await?;
        if ended.rows_affected() == 0 {
            return Ok(None);
        }
        let released = sqlx::query(
            "UPDATE jobs SET available_at = $1 WHERE available_at >= $2 \
             AND run_id IN (SELECT id FROM runs WHERE workspace = $3 AND status IN ('running', 'waiting'))",
        )
        .bind(now_ms())
        .bind(HELD_BASE)
        .bind(workspace)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(Some(released))
    }

    /// The jobs of `workspace` the stop parked, by slot, at most `limit`.
    pub async fn held_jobs(&self, workspace: &str, limit: i64) -> Result<Vec<HeldJob>, StoreError> {
        let rows = sqlx::query(
            "SELECT j.run_id, r.workflow, j.step_id, j.idx, j.available_at FROM jobs j JOIN runs r ON r.id = j.run_id \
             WHERE r.workspace = $1 AND r.status IN ('running', 'waiting') AND j.available_at >= $2 \
             ORDER BY j.available_at, j.run_id, j.step_id, j.idx LIMIT $3",
        )
        .bind(workspace)
        .bind(HELD_BASE)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HeldJob {
                    run_id: r.try_get(0)?,
                    workflow: r.try_get(1)?,
                    step_id: r.try_get(2)?,
                    idx: r.try_get(3)?,
                    slot: slot_of(r.try_get(4)?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parked_time_keeps_its_slot_and_passes_every_real_time() {
        let slot = 1_900_000_000_000;
        assert_eq!(slot_of(parked(slot)), slot);
        assert!(parked(0) > i64::from(u32::MAX) * 1_000_000, "beyond any real time");
        assert_eq!(slot_of(slot), slot, "a time not parked is itself");
        assert_eq!(slot_of(parked(-5)), 0, "a time before 1970 parks at the base");
    }

    #[tokio::test]
    async fn a_hold_is_started_once_and_released_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("h.db").display())).await.unwrap();
        store.create_workspace("acme", "Acme", &serde_json::json!({})).await.unwrap();
        assert_eq!(store.publishing_hold("acme").await.unwrap(), None);
        let (first, started) = store.hold_publishing("acme", "ana", "crisis").await.unwrap();
        assert!(started);
        let (again, started) = store.hold_publishing("acme", "ben", "other").await.unwrap();
        assert!(!started, "a second stop keeps the first");
        assert_eq!(again, first);
        assert_eq!(again.reason, "crisis");
        assert_eq!(store.release_publishing("acme").await.unwrap(), Some(0));
        assert_eq!(store.release_publishing("acme").await.unwrap(), None, "nothing left to release");
    }
}
