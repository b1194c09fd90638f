//! `roost publishing status|stop|resume`: a workspace's crisis stop, from the machine that
//! holds its database (the same as the API's `/publishing` routes).

use clap::Subcommand;
use roost::service::publishing as stop;
use roost::service::wakeups::CHANNEL;

use super::{Env, cli_actor};

#[derive(Debug, Subcommand)]
pub enum PublishingCommand {
    /// Whether publishing is stopped, and the publishes held back.
    Status {
        workspace: String,
        /// Print JSON, as the API's `GET /workspaces/{ws}/publishing` answers.
        #[arg(long)]
        json: bool,
    },
    /// Stop every publish of a workspace: nothing is posted until `resume`; timers keep their slots.
    Stop {
        workspace: String,
        /// Why, for the team.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// End the stop: every publish it held back is due at once.
    Resume { workspace: String },
}

pub async fn publishing(env: &Env, cmd: PublishingCommand) -> anyhow::Result<u8> {
    let store = env.database().await?;
    let ws = match &cmd {
        PublishingCommand::Status { workspace, .. }
        | PublishingCommand::Stop { workspace, .. }
        | PublishingCommand::Resume { workspace } => workspace.clone(),
    };
    if store.workspace(&ws).await?.is_none() {
        anyhow::bail!("workspace `{ws}` does not exist");
    }
    match cmd {
        PublishingCommand::Status { json, .. } => {
            let view = stop::view(&store, &ws).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&view)?);
                return Ok(0);
            }
            match (&view.since, &view.by, &view.reason) {
                (Some(since), Some(by), Some(reason)) if view.held => {
                    out!("publishing in {ws} is stopped since {since} by {by}: {reason}")
                }
                _ => out!("publishing in {ws} goes on"),
            }
            for j in &view.held_publishes {
                let text = |key: &str| j[key].as_str().unwrap_or_default().to_string();
                let item = j["item"].as_i64().map_or(String::new(), |i| format!(" item {i}"));
                out!("  held  {}  {} {}{item}  (due {})", text("run_id"), text("workflow"), text("step"), text("slot"));
            }
        }
        PublishingCommand::Stop { reason, .. } => {
            let (view, started) = stop::stop(&store, &ws, &cli_actor(), "--reason", &reason)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            if started {
                out!("publishing in {ws} stopped: nothing is posted until `roost publishing resume {ws}`");
            } else {
                let (since, by) = (view.since.unwrap_or_default(), view.by.unwrap_or_default());
                out!("publishing in {ws} was already stopped since {since} by {by}");
            }
        }
        PublishingCommand::Resume { .. } => {
            let Some(released) = stop::resume(&store, &ws, &cli_actor()).await? else {
                anyhow::bail!("publishing in workspace `{ws}` is not stopped");
            };
            // Workers of a `roost serve` on PostgreSQL hear it at once; on SQLite they poll.
            store.notify(CHANNEL).await?;
            out!(
                "publishing in {ws} resumed: {released} held publish{} due now",
                if released == 1 { " is" } else { "es are" }
            );
        }
    }
    Ok(0)
}
