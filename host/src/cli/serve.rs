//! `roost serve`: the service with its triggers, API and web UI, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use roost::service::roles::Roles;
use roost::service::start::{ServeOptions, start};
use roost::service::vault::Vault;

use super::Env;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ROOST_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Load every *.yaml in this folder into the workspace at start.
    #[arg(long, value_name = "DIR")]
    pub workflows: Option<PathBuf>,
    /// The workspace created on first start and receiving `--workflows`.
    #[arg(long, default_value = "default")]
    pub workspace: String,
    /// Seconds shutdown waits for runs in flight before handing their jobs back.
    #[arg(long, default_value_t = 20)]
    pub grace_seconds: u64,
    /// The parts of the service this process runs: `all`, or a comma-separated list of
    /// `api` (requests, webhooks, web UI), `worker` (drives runs) and `scheduler` (fires
    /// schedules and prunes history, one process at a time). Processes of several roles
    /// share one PostgreSQL database; see docs/deploy.md.
    #[arg(long, env = "ROOST_ROLE", default_value = "all")]
    pub role: Roles,
}

/// `roost worker`: `roost serve --role worker` with the options a worker uses.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Address of /healthz and /metrics.
    #[arg(long, env = "ROOST_ADDR", default_value = "127.0.0.1:8081")]
    pub addr: SocketAddr,
    /// Also stand for election as the process that fires schedules and prunes history.
    #[arg(long)]
    pub scheduler: bool,
    /// Seconds shutdown waits for runs in flight before handing their jobs back.
    #[arg(long, default_value_t = 20)]
    pub grace_seconds: u64,
}

impl From<WorkerArgs> for ServeArgs {
    fn from(w: WorkerArgs) -> Self {
        let role = Roles { scheduler: w.scheduler, ..Roles::WORKER };
        ServeArgs { addr: w.addr, workflows: None, workspace: "default".into(), grace_seconds: w.grace_seconds, role }
    }
}

pub async fn serve(env: &Env, args: ServeArgs) -> anyhow::Result<u8> {
    let data_dir = env.config.data_dir();
    let store = env.database().await?;
    let master = std::env::var("ROOST_MASTER_KEY").ok();
    let vault = Vault::load(master.as_deref(), &data_dir)?;
    let options = ServeOptions {
        addr: args.addr,
        store,
        runtime: env.runtime.clone(),
        registry: env.registry.clone(),
        vault,
        lease: env.config.lease(),
        workspace: args.workspace,
        workflows: args.workflows,
        operator_token: std::env::var("ROOST_OPERATOR_TOKEN").ok().filter(|t| !t.trim().is_empty()),
        data_dir,
        grace: Duration::from_secs(args.grace_seconds),
        clock: None,
        retention: roost::service::retention::Policy::from_config(&env.config.retention),
        trust: Arc::new(env.config.registry.policy().context("failed to read [registry] in roost.toml")?),
        auth: env.config.auth.clone(),
        roles: args.role,
    };
    let running = start(options).await?;
    if args.role.api {
        eprintln!("roost serve: http://{} (web UI and /api/v1); Ctrl-C stops", running.addr);
    } else {
        eprintln!("roost serve ({}): http://{} (/healthz and /metrics); Ctrl-C stops", args.role, running.addr);
    }
    shutdown_signal().await;
    eprintln!("roost serve: stopping");
    running.shutdown().await;
    Ok(0)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
