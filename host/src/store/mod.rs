//! The database behind Roost: one `Store` over SQLite (default) or PostgreSQL.
//!
//! All SQL lives in this module. Queries are written once with `$N` placeholders, which
//! both backends accept, through sqlx's `Any` driver; the schema is migrated per backend
//! from the plain SQL files under `migrations/`.

mod approval_links;
mod approvals;
mod batch;
mod calendar;
mod holds;
mod invitations;
mod jobs;
mod kv;
mod leases;
mod listing;
mod people;
mod picks;
mod plugins;
mod policy;
mod retention;
mod rows;
mod run_history;
mod runs;
mod script;
mod tenancy;
pub mod timestamp;
mod triggers;
mod usage;
mod vault;
mod wakeups;
mod workflows;
mod workspace_delete;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

pub use approval_links::{ApprovalLinkRecord, MAX_LINK_COMMENTS};
pub use approvals::ApprovalRecord;
pub use batch::{NewRunRow, RunWrite, Written};
pub use calendar::TimerRecord;
pub use holds::{HeldJob, HoldRecord, MAX_REASON_CHARS, parked};
pub use invitations::InvitationRecord;
pub use jobs::{AttemptRecord, ItemRecord, Job};
pub use kv::{KvQuota, KvRefusal, Namespace};
pub use listing::{DueRun, RunFilter, RunSummary};
pub use people::{MemberRecord, UserRecord};
pub use plugins::{InstalledPlugin, NewInstall};
pub use retention::{Deletion, FINISHED};
pub use run_history::{LastRun, MAX_ATTEMPTS_SHOWN};
pub use runs::{LoadedRun, LogRecord, RunRecord, RunState, StepRecord};
pub use tenancy::{Actor, ActorKind, AuditRecord, TokenRecord, WorkspaceRecord};
pub use triggers::TriggerEvent;
pub use usage::{DayUsage, Usage};
pub use vault::SealedSecret;
pub use workflows::{RevisionRecord, WorkflowRecord};
pub use workspace_delete::WorkspaceDeletion;

/// Which database a `Store` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writer: batch::Writer,
    /// The PostgreSQL URL, for listeners on their own connection.
    url: Option<std::sync::Arc<str>>,
}

/// Why the store failed. Never shown to API clients as is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url `{0}`: use sqlite://PATH, sqlite::memory: or postgres://...")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("run `{0}` not found")]
    RunNotFound(String),
    #[error("the store is closed")]
    Closed,
    #[error("database error: {0}")]
    Batch(String),
}

/// Each SQLite connection's settings: write-ahead logging, with `synchronous = NORMAL` (a
/// commit survives a crash of the process; the last ones may be lost to a power cut); a
/// writer waits up to 5 s for another; foreign keys enforced. SQLite's default page cache
/// (2 MiB per connection) is kept: 16 MiB per connection measured no faster on the
/// side-by-side benchmark and raised its peak memory by about 60 MB.
const SQLITE_SETTINGS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

impl Store {
    /// Connects to `url`, creating a SQLite file if needed, and migrates the schema.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url, memory) = normalize(url)?;
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let mut pool = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            // An in-memory database lives in one connection; a file is shared through WAL.
            pool = pool.max_connections(if memory { 1 } else { 4 }).after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute(SQLITE_SETTINGS).await?;
                    Ok(())
                })
            });
            if memory {
                pool = pool.idle_timeout(None).max_lifetime(None).min_connections(1);
            }
        }
        let pool = pool.connect_with(options).await?;
        let url = (backend == Backend::Postgres).then(|| url.as_str().into());
        let store = Self { pool, backend, writer: batch::Writer::default(), url };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("src/store/migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("src/store/migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// A write transaction. On SQLite it takes the write lock at `BEGIN`: a deferred
    /// transaction that upgrades to writing fails at once ("database is locked") when
    /// another connection wrote first, where an immediate one waits its turn.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        begin_write(&self.pool, self.backend).await
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}

/// [`Store::begin_write`] on `pool`.
async fn begin_write(pool: &AnyPool, backend: Backend) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// The backend, a URL sqlx understands, and whether the database is in memory.
fn normalize(url: &str) -> Result<(Backend, String, bool), StoreError> {
    if url == "sqlite::memory:" {
        return Ok((Backend::Sqlite, url.to_string(), true));
    }
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        prepare_file(path)?;
        let sep = if path.contains('?') { '&' } else { '?' };
        let url =
            format!("sqlite://{path}{}", if path.contains("mode=") { String::new() } else { format!("{sep}mode=rwc") });
        return Ok((Backend::Sqlite, url, false));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string(), false));
    }
    Err(StoreError::UnsupportedUrl(url.to_string()))
}

/// Creates the folder a SQLite file goes into, so a first start needs no set-up, and (unless
/// the URL chooses a `mode=`) a new file readable by its owner only (mode 0600): it holds
/// runs, comments and the audit log, and SQLite gives its `-wal` and `-shm` files the same
/// mode.
fn prepare_file(path: &str) -> Result<(), StoreError> {
    let io = |e| StoreError::Sqlx(sqlx::Error::Io(e));
    let file = std::path::Path::new(path.split('?').next().unwrap_or(path));
    if let Some(dir) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    if path.contains("mode=") {
        return Ok(());
    }
    let mut new = std::fs::OpenOptions::new();
    new.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut new, 0o600);
    match new.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io(e)),
    }
}

/// Milliseconds since the Unix epoch, the store's unit of time.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
