//! `roost approvals list` and `roost approve RUN STEP`: deciding what waits for a person.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Env, RunOutput};

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// List the approvals waiting for a decision.
    List {
        /// Only this workspace's.
        #[arg(long)]
        workspace: Option<String>,
        #[command(flatten)]
        common: RunOutput,
    },
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The run that waits.
    run: String,
    /// The approval step of that run.
    step: String,
    /// Reject instead of approve: what depends on the step is skipped and the run ends `rejected`.
    #[arg(long)]
    reject: bool,
    /// A comment kept with the decision.
    #[arg(long)]
    comment: Option<String>,
    /// Who decides (default: the operating-system user).
    #[arg(long = "as", value_name = "NAME")]
    by: Option<String>,
    #[command(flatten)]
    common: RunOutput,
}

pub async fn list(env: &Env, cmd: ApprovalsCommand) -> anyhow::Result<u8> {
    let ApprovalsCommand::List { workspace, common } = cmd;
    let engine = env.engine().await?;
    let waiting = engine.store().waiting_approvals(workspace.as_deref().unwrap_or("")).await?;
    if common.json {
        let list: Vec<_> = waiting
            .iter()
            .map(|a| json!({ "run_id": a.run_id, "step": a.step_id, "workspace": a.workspace, "message": a.message, "preview": a.preview, "approvers": a.approvers, "requested_at": a.requested_at, "expires_at": a.expires_at }))
            .collect();
        out!("{}", serde_json::to_string_pretty(&list)?);
    } else if waiting.is_empty() {
        out!("no approvals waiting");
    } else {
        for a in &waiting {
            out!("{} {}  [{}]  {}", a.run_id, a.step_id, a.approvers.join(", "), a.message);
        }
    }
    Ok(0)
}

pub async fn approve(env: &Env, args: ApproveArgs) -> anyhow::Result<u8> {
    let engine = env.engine().await?;
    let by = args.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "cli".into());
    engine.decide(&args.run, &args.step, !args.reject, &by, args.comment.clone()).await?;
    super::run::finish(&engine, &args.run, args.common.json).await
}
