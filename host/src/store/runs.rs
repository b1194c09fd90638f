//! Runs, their steps and the steps' log lines.

use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::jobs::job_from_row;
use super::{Job, Store, StoreError};

/// A run as stored, with its steps in the order they started.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    pub id: String,
    pub workspace: String,
    pub workflow: String,
    pub status: String,
    pub inputs: Value,
    pub outputs: Option<Value>,
    pub error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub started_at: Option<i64>,
    /// What started the run: `cli`, `schedule`, `webhook`, ...
    pub trigger: Option<String>,
    /// `{ "trigger": {...}, "vars": {...} }` as fixed when the run started (null before).
    pub context: Value,
    /// Incremented by every change to the run's state.
    pub version: i64,
    pub steps: Vec<StepRecord>,
}

/// One step of a run: what it was given, what it gave back, how long it took.
#[derive(Debug, Clone, Default)]
pub struct StepRecord {
    pub run_id: String,
    pub step_id: String,
    pub workspace: String,
    pub plugin: String,
    pub plugin_version: String,
    pub digest: String,
    pub status: String,
    pub attempt: u32,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub error_kind: Option<String>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub duration_us: Option<i64>,
    pub logs: Vec<LogRecord>,
}

impl StepRecord {
    /// The status people see. The engine records a decided approval as `succeeded` (the
    /// step ran to its end); one decided "no" is shown as `rejected`, never as a success.
    pub fn outcome(&self) -> &str {
        let approval = self.plugin == "approval" && self.plugin_version.is_empty();
        let no = self.output.as_ref().and_then(|o| o.get("approved")) == Some(&Value::Bool(false));
        if approval && no && self.status == "succeeded" { "rejected" } else { &self.status }
    }
}

/// One line of a step's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub level: String,
    pub message: String,
    pub at: i64,
}

pub(super) fn json_text(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(Value::to_string)
}

fn parse_json(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

impl Store {
    /// A run with its steps and their logs.
    pub async fn get_run(&self, id: &str) -> Result<RunRecord, StoreError> {
        let mut run = self.run_without_logs(id).await?;
        for step in &mut run.steps {
            step.logs = self.step_logs(id, &step.step_id).await?;
        }
        Ok(run)
    }

    async fn run_without_logs(&self, id: &str) -> Result<RunRecord, StoreError> {
        let row = sqlx::query("SELECT id, workspace, workflow, status, inputs, outputs, error, created_at, finished_at, started_at, trigger, context, version FROM runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::RunNotFound(id.to_string()))?;
        let mut run = RunRecord {
            id: row.try_get(0)?,
            workspace: row.try_get(1)?,
            workflow: row.try_get(2)?,
            status: row.try_get(3)?,
            inputs: parse_json(row.try_get(4)?).unwrap_or(Value::Null),
            outputs: parse_json(row.try_get(5)?),
            error: row.try_get(6)?,
            created_at: row.try_get(7)?,
            finished_at: row.try_get(8)?,
            started_at: row.try_get(9)?,
            trigger: row.try_get(10)?,
            context: parse_json(row.try_get(11)?).unwrap_or(Value::Null),
            version: row.try_get(12)?,
            steps: Vec::new(),
        };
        let rows = sqlx::query("SELECT run_id, step_id, workspace, plugin, plugin_version, digest, status, attempt, input, output, error, error_kind, started_at, finished_at, duration_us FROM steps WHERE run_id = $1 ORDER BY started_at, step_id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        for row in rows {
            run.steps.push(step_from_row(&row)?);
        }
        Ok(run)
    }

    /// The output of the first step of run `id` to succeed among those recorded under
    /// built-in kind `plugin` (with no version): the earliest to finish, then by step id.
    pub async fn first_output(&self, id: &str, plugin: &str) -> Result<Option<Value>, StoreError> {
        let row = sqlx::query(
            "SELECT output FROM steps WHERE run_id = $1 AND plugin = $2 AND plugin_version = '' AND status = 'succeeded' ORDER BY finished_at, step_id LIMIT 1",
        )
        .bind(id)
        .bind(plugin)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.and_then(parse_json))
    }

    async fn step_logs(&self, run_id: &str, step_id: &str) -> Result<Vec<LogRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT level, message, at FROM step_logs WHERE run_id = $1 AND step_id = $2 ORDER BY seq")
                .bind(run_id)
                .bind(step_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(LogRecord { level: r.try_get(0)?, message: r.try_get(1)?, at: r.try_get(2)? })).collect()
    }
}

fn step_from_row(row: &AnyRow) -> Result<StepRecord, sqlx::Error> {
    Ok(StepRecord {
        run_id: row.try_get(0)?,
        step_id: row.try_get(1)?,
        workspace: row.try_get(2)?,
        plugin: row.try_get(3)?,
        plugin_version: row.try_get(4)?,
        digest: row.try_get(5)?,
        status: row.try_get(6)?,
        attempt: u32::try_from(row.try_get::<i64, _>(7)?).unwrap_or(0),
        input: parse_json(row.try_get(8)?),
        output: parse_json(row.try_get(9)?),
        error: row.try_get(10)?,
        error_kind: row.try_get(11)?,
        started_at: row.try_get(12)?,
        finished_at: row.try_get(13)?,
        duration_us: row.try_get(14)?,
        logs: Vec::new(),
    })
}

/// What the engine needs to continue a run: the run, its steps and its items.
#[derive(Debug, Clone)]
pub struct RunState {
    pub run: RunRecord,
    pub items: Vec<super::ItemRecord>,
}

impl Store {
    /// The name and text of the workflow a run follows, and the run's workspace.
    pub async fn run_source(&self, id: &str) -> Result<Option<(String, String, String)>, StoreError> {
        let row = sqlx::query("SELECT source_name, source, workspace FROM runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::RunNotFound(id.to_string()))?;
        let (name, text, workspace): (Option<String>, Option<String>, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        Ok(name.zip(text).map(|(name, text)| (name, text, workspace)))
    }

    /// The run with its steps (without logs) and items.
    pub async fn run_state(&self, id: &str) -> Result<RunState, StoreError> {
        let run = self.run_without_logs(id).await?;
        let rows = sqlx::query("SELECT run_id, step_id, idx, status, item, output, error, attempt FROM step_items WHERE run_id = $1 ORDER BY step_id, idx")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(super::ItemRecord {
                    run_id: r.try_get(0)?,
                    step_id: r.try_get(1)?,
                    idx: r.try_get(2)?,
                    status: r.try_get(3)?,
                    item: parse_json(r.try_get(4)?),
                    output: parse_json(r.try_get(5)?),
                    error: r.try_get(6)?,
                    attempt: u32::try_from(r.try_get::<i64, _>(7)?).unwrap_or(0),
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(RunState { run, items })
    }
}

impl Store {
    /// Everything an engine needs to hold a run in memory: its state (with its version),
    /// its jobs with their leases, and how many log lines each step has.
    pub async fn load_run(&self, id: &str) -> Result<LoadedRun, StoreError> {
        let state = self.run_state(id).await?;
        let rows = sqlx::query(
            "SELECT run_id, step_id, idx, kind, attempt, available_at, lease_owner, lease_until FROM jobs WHERE run_id = $1 ORDER BY available_at",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in &rows {
            let owner: Option<String> = row.try_get(6)?;
            let until: Option<i64> = row.try_get(7)?;
            jobs.push((job_from_row(row)?, owner.zip(until)));
        }
        let rows = sqlx::query("SELECT step_id, COUNT(*) FROM step_logs WHERE run_id = $1 GROUP BY step_id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let log_lines = rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, sqlx::Error>>()?;
        Ok(LoadedRun { state, jobs, log_lines })
    }
}

/// A run as [`Store::load_run`] reads it.
#[derive(Debug)]
pub struct LoadedRun {
    pub state: super::RunState,
    pub jobs: Vec<(Job, Option<(String, i64)>)>,
    pub log_lines: std::collections::HashMap<String, i64>,
}
