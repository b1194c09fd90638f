//! `roost publishing status|stop|resume`: a workspace's crisis stop, from the machine that
//! holds its database (the same as the API's `/publishing` routes).

use clap::Subcommand;
use roost::service::names::check_text;
use roost::service::wakeups::CHANNEL;

use roost::store::MAX_REASON_CHARS;

use super::{Env, cli_actor};

#[derive(Debug, Subcommand)]
pub enum PublishingCommand {
    /// Whether publishing is stopped, and the publishes held back.
    Status {
        workspace: String,
        /// Print JSON: {"held", "since", "by", "reason", "held_publishes": [{run_id, workflow, step, idx, slot}]}.
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
    let time = |ms: i64| roost::store::timestamp::value(Some(ms)).as_str().unwrap_or("?").to_string();
    match cmd {
        PublishingCommand::Status { json, .. } => {
            let hold = store.publishing_hold(&ws).await?;
            let held = store.held_jobs(&ws, 500).await?;
            if json {
                let held: Vec<_> = held
                    .iter()
                    .map(|j| serde_json::json!({ "run_id": j.run_id, "workflow": j.workflow, "step": j.step_id, "idx": j.idx, "slot": time(j.slot) }))
                    .collect();
                let view = serde_json::json!({
                    "held": hold.is_some(), "since": hold.as_ref().map(|h| time(h.since)),
                    "by": hold.as_ref().map(|h| &h.actor), "reason": hold.as_ref().map(|h| &h.reason),
                    "held_publishes": held,
                });
                out!("{}", serde_json::to_string_pretty(&view)?);
                return Ok(0);
            }
            match hold {
                None => out!("publishing in {ws} goes on"),
                Some(h) => out!("publishing in {ws} is stopped since {} by {}: {}", time(h.since), h.actor, h.reason),
            }
            for j in &held {
                let item = if j.idx >= 0 { format!(" item {}", j.idx) } else { String::new() };
                out!("  held  {}  {} {}{item}  (due {})", j.run_id, j.workflow, j.step_id, time(j.slot));
            }
        }
        PublishingCommand::Stop { reason, .. } => {
            let reason = reason.trim();
            check_text("--reason", reason, MAX_REASON_CHARS).map_err(|e| anyhow::anyhow!(e.message))?;
            let actor = cli_actor();
            let name = actor.name.clone().unwrap_or_else(|| actor.id.clone());
            let (hold, started) = store.hold_publishing(&ws, &name, reason).await?;
            if started {
                store.audit(Some(&ws), &actor, "publishing.stop", &ws, Some(reason)).await?;
                out!("publishing in {ws} stopped: nothing is posted until `roost publishing resume {ws}`");
            } else {
                out!("publishing in {ws} was already stopped since {} by {}", time(hold.since), hold.actor);
            }
        }
        PublishingCommand::Resume { .. } => {
            let Some(released) = store.release_publishing(&ws).await? else {
                anyhow::bail!("publishing in workspace `{ws}` is not stopped");
            };
            store
                .audit(Some(&ws), &cli_actor(), "publishing.resume", &ws, Some(&format!("{released} released")))
                .await?;
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
