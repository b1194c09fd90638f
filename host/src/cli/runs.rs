//! `roost runs show RUN`, `roost runs delete RUN` and `roost runs prune`: reading and
//! removing history in the database.

use clap::Subcommand;
use roost::service::retention::{MAX_DAYS, Policy, prune};
use roost::store::{Deletion, now_ms};
use serde_json::json;

use super::{EXIT_FAILED, EXIT_USAGE, Env, RunOutput, cli_actor};

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Show a run's steps with the plugin version and component digest each used.
    Show {
        /// The run to show.
        run: String,
        #[command(flatten)]
        common: RunOutput,
    },
    /// Delete a finished run and everything stored about it: steps, logs, attempts, items,
    /// jobs, approvals and delivery ids. A run that has not ended is refused.
    Delete {
        /// The run to delete.
        run: String,
        #[command(flatten)]
        common: RunOutput,
    },
    /// Delete now what is older than each workspace's retention, as `roost serve` does in
    /// the background: finished runs with their records, trigger events, delivery ids.
    Prune {
        /// Days kept in workspaces without their own retention (default: `[retention] days`, 30).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_DAYS)))]
        days: Option<u32>,
        #[command(flatten)]
        common: RunOutput,
    },
}

pub async fn runs(env: &Env, cmd: RunsCommand) -> anyhow::Result<u8> {
    match cmd {
        RunsCommand::Show { run, common } => super::runs_show::show(env, &run, &common).await,
        RunsCommand::Delete { run, common } => delete(env, &run, &common).await,
        RunsCommand::Prune { days, common } => prune_now(env, days, &common).await,
    }
}

/// Deletes one finished run with everything stored about it, audited as the person at the machine.
async fn delete(env: &Env, run: &str, common: &RunOutput) -> anyhow::Result<u8> {
    let store = env.database().await?;
    let Some(workspace) = store.run_workspace(run).await? else {
        eprintln!("error: run `{run}` not found");
        return Ok(EXIT_USAGE);
    };
    match store.delete_run(&workspace, run).await? {
        Deletion::Deleted => {}
        Deletion::NotFound => {
            eprintln!("error: run `{run}` not found");
            return Ok(EXIT_USAGE);
        }
        Deletion::Active(status) => {
            eprintln!("error: run `{run}` is {status}; cancel it first, then delete it");
            return Ok(EXIT_FAILED);
        }
    }
    store.audit(Some(&workspace), &cli_actor(), "run.delete", run, None).await?;
    if common.json {
        out!("{}", json!({ "run_id": run, "workspace": workspace, "deleted": true }));
    } else {
        out!("deleted run {run} of workspace {workspace}");
    }
    Ok(0)
}

async fn prune_now(env: &Env, days: Option<u32>, common: &RunOutput) -> anyhow::Result<u8> {
    let store = env.database().await?;
    let mut policy = Policy::from_config(&env.config.retention);
    policy.days = days.unwrap_or(policy.days);
    let (_stop, never) = tokio::sync::watch::channel(false);
    let p = prune(&store, &policy, now_ms(), &never).await?;
    if common.json {
        out!("{}", json!({ "runs": p.runs, "trigger_events": p.trigger_events, "deliveries": p.deliveries }));
    } else {
        out!(
            "deleted {} runs, {} trigger events and {} delivery ids past their retention",
            p.runs,
            p.trigger_events,
            p.deliveries
        );
    }
    Ok(0)
}
