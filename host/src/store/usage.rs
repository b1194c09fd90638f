//! Metering: what each workspace used per UTC day (plugin executions, wasm time, peak
//! memory, outgoing HTTP requests and bytes, model tokens), added to in batches and read
//! back over a range of days for billing.

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError};

/// One workspace's use on one UTC day, or any sum of such.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Usage {
    /// Plugin executions (each attempt and each `for_each` item counts).
    pub steps: i64,
    /// Time spent in plugins, in milliseconds.
    pub wasm_ms: i64,
    /// The most linear memory one execution held, in bytes.
    pub memory_peak_bytes: i64,
    /// Outgoing HTTP requests plugins made.
    pub http_requests: i64,
    /// Request bodies sent, in bytes.
    pub http_bytes_out: i64,
    /// Response bodies received, in bytes.
    pub http_bytes_in: i64,
    /// Tokens the models' APIs reported using (`usage` of OpenAI-compatible answers).
    pub model_tokens: i64,
}

impl Usage {
    /// Adds `other` to this: sums, and the larger memory peak.
    pub fn add(&mut self, other: &Usage) {
        self.steps = self.steps.saturating_add(other.steps);
        self.wasm_ms = self.wasm_ms.saturating_add(other.wasm_ms);
        self.memory_peak_bytes = self.memory_peak_bytes.max(other.memory_peak_bytes);
        self.http_requests = self.http_requests.saturating_add(other.http_requests);
        self.http_bytes_out = self.http_bytes_out.saturating_add(other.http_bytes_out);
        self.http_bytes_in = self.http_bytes_in.saturating_add(other.http_bytes_in);
        self.model_tokens = self.model_tokens.saturating_add(other.model_tokens);
    }
}

/// A workspace's use on one day (`YYYY-MM-DD`, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayUsage {
    pub workspace: String,
    pub day: String,
    #[serde(flatten)]
    pub usage: Usage,
}

impl Store {
    /// Adds each of `days` to what is stored for its workspace and day, in one transaction;
    /// the use of a workspace deleted meanwhile is dropped.
    pub async fn add_usage(&self, days: &[DayUsage]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for d in days {
            let u = &d.usage;
            sqlx::query(
                "INSERT INTO usage (workspace, day, steps, wasm_ms, memory_peak_bytes, http_requests, \
                   http_bytes_out, http_bytes_in, model_tokens) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
                 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = $1) \
                 ON CONFLICT (workspace, day) DO UPDATE SET steps = usage.steps + excluded.steps, \
                   wasm_ms = usage.wasm_ms + excluded.wasm_ms, \
                   memory_peak_bytes = CASE WHEN excluded.memory_peak_bytes > usage.memory_peak_bytes \
                     THEN excluded.memory_peak_bytes ELSE usage.memory_peak_bytes END, \
                   http_requests = usage.http_requests + excluded.http_requests, \
                   http_bytes_out = usage.http_bytes_out + excluded.http_bytes_out, \
                   http_bytes_in = usage.http_bytes_in + excluded.http_bytes_in, \
                   model_tokens = usage.model_tokens + excluded.model_tokens",
            )
            .bind(&d.workspace)
            .bind(&d.day)
            .bind(u.steps)
            .bind(u.wasm_ms)
            .bind(u.memory_peak_bytes)
            .bind(u.http_requests)
            .bind(u.http_bytes_out)
            .bind(u.http_bytes_in)
            .bind(u.model_tokens)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The use per day from `from` to `to` (inclusive, `YYYY-MM-DD`), of `workspace` or of
    /// every workspace, ordered by workspace and day.
    pub async fn usage(&self, workspace: Option<&str>, from: &str, to: &str) -> Result<Vec<DayUsage>, StoreError> {
        let rows = sqlx::query(
            "SELECT workspace, day, steps, wasm_ms, memory_peak_bytes, http_requests, http_bytes_out, \
               http_bytes_in, model_tokens FROM usage \
             WHERE workspace = COALESCE($1, workspace) AND day >= $2 AND day <= $3 ORDER BY workspace, day",
        )
        .bind(workspace)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DayUsage {
                    workspace: r.try_get(0)?,
                    day: r.try_get(1)?,
                    usage: Usage {
                        steps: r.try_get(2)?,
                        wasm_ms: r.try_get(3)?,
                        memory_peak_bytes: r.try_get(4)?,
                        http_requests: r.try_get(5)?,
                        http_bytes_out: r.try_get(6)?,
                        http_bytes_in: r.try_get(7)?,
                        model_tokens: r.try_get(8)?,
                    },
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(workspace: &str, day: &str, steps: i64, memory: i64) -> DayUsage {
        let usage =
            Usage { steps, wasm_ms: 10 * steps, memory_peak_bytes: memory, model_tokens: 7, ..Usage::default() };
        DayUsage { workspace: workspace.into(), day: day.into(), usage }
    }

    #[tokio::test]
    async fn batches_add_up_per_workspace_and_day_and_keep_the_largest_peak() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        for ws in ["a", "b"] {
            store.create_workspace(ws, ws, &serde_json::json!({})).await.unwrap();
        }
        store.add_usage(&[day("gone", "2026-12-06", 1, 1)]).await.unwrap();
        assert!(store.usage(Some("gone"), "2026-12-01", "2026-12-31").await.unwrap().is_empty(), "no such workspace");
        store.add_usage(&[day("a", "2026-12-06", 2, 100), day("b", "2026-12-06", 1, 50)]).await.unwrap();
        store.add_usage(&[day("a", "2026-12-06", 3, 80), day("a", "2026-12-07", 1, 10)]).await.unwrap();
        let a = store.usage(Some("a"), "2026-12-01", "2026-12-31").await.unwrap();
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!(
            a[0].usage,
            Usage { steps: 5, wasm_ms: 50, memory_peak_bytes: 100, model_tokens: 14, ..Usage::default() }
        );
        assert_eq!(a[1].day, "2026-12-07");
        assert_eq!(
            store.usage(Some("a"), "2026-12-07", "2026-12-07").await.unwrap().len(),
            1,
            "the range is inclusive"
        );
        let all = store.usage(None, "2026-12-06", "2026-12-06").await.unwrap();
        let names: Vec<&str> = all.iter().map(|d| d.workspace.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
