//! Picking runs with due work: a worker process marks the runs it is about to drive as its
//! own for a moment, so that the other processes on the same database list other runs. A
//! pick is a hint that keeps processes off each other's runs; what keeps a step from
//! running twice is still the jobs' leases and the run's versioned writes.

use sqlx::Row;

use super::listing::DueRun;
use super::retention::placeholders;
use super::{Store, StoreError, now_ms};

impl Store {
    /// Picks those of `runs` that no other process holds a pick on, for `owner` until
    /// `hold_ms` from now; the runs picked, in the order given. Two processes picking the
    /// same run at once: the row's lock lets one of them have it.
    pub async fn pick_runs(&self, owner: &str, runs: &[DueRun], hold_ms: i64) -> Result<Vec<DueRun>, StoreError> {
        if runs.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let sql = format!(
            "UPDATE runs SET picked_by = $1, picked_until = $2 WHERE id IN ({}) \
             AND (picked_until IS NULL OR picked_until < $3 OR picked_by = $1) RETURNING id",
            placeholders(4, runs.len())
        );
        // Only numbered placeholders go into the text.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner).bind(now + hold_ms).bind(now);
        for run in runs {
            query = query.bind(&run.id);
        }
        let picked: Vec<String> =
            query.fetch_all(&self.pool).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        Ok(runs.iter().filter(|r| picked.contains(&r.id)).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_run_picked_by_one_process_is_neither_listed_nor_picked_by_another_until_the_pick_lapses() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        for id in ["r1", "r2", "r3"] {
            sqlx::query(
                "INSERT INTO runs (id, workspace, workflow, status, inputs, created_at) VALUES ($1, 'a', 'w', 'running', '{}', 0)",
            )
            .bind(id)
            .execute(&store.pool)
            .await
            .unwrap();
        }
        let due = store.runs_with_due_work("one", 10).await.unwrap();
        assert_eq!(due.len(), 3);
        let picked = store.pick_runs("one", &due[..2], 60_000).await.unwrap();
        assert_eq!(picked, due[..2], "both free: both picked");
        let other = store.runs_with_due_work("two", 10).await.unwrap();
        assert_eq!(other, due[2..], "another process lists only the run nobody picked");
        assert!(store.pick_runs("two", &due, 60_000).await.unwrap() == due[2..], "nor picks the others");
        assert_eq!(store.runs_with_due_work("one", 10).await.unwrap(), due[..2], "the picker lists its own");
        let lapsed = store.pick_runs("one", &due[..1], -1).await.unwrap();
        assert_eq!(lapsed, due[..1], "a holder renews its pick, here into the past");
        assert_eq!(store.pick_runs("two", &due[..1], 60_000).await.unwrap(), due[..1], "a lapsed pick is free");
    }
}
