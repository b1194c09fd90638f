//! `roost workspace list|create|delete`: the workspaces of the local database, as the
//! operator sees them.

use anyhow::Context as _;
use clap::Subcommand;
use roost::service::names::{self, NameKind};
use roost::service::quotas::Quotas;
use roost::store::WorkspaceDeletion;
use serde_json::{Value, json};

use super::{Env, cli_actor};

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces with their names and quotas.
    List {
        /// Print JSON: [{"id", "name", "quotas", "created_at"}].
        #[arg(long)]
        json: bool,
    },
    /// Create a workspace, e.g. `roost workspace create acme --name "Acme Ltd" --quotas '{"concurrent_runs": 5}'`.
    Create {
        id: String,
        /// A label shown beside the id (default: the id).
        #[arg(long)]
        name: Option<String>,
        /// JSON: {concurrent_runs, steps_per_day, plugin_memory_mb, plugin_timeout_ms}, each optional.
        #[arg(long, default_value = "{}")]
        quotas: String,
    },
    /// Delete a workspace and everything it holds: runs, workflows, secrets, tokens, members, data.
    /// Refused while a run of it is queued, running or waiting.
    Delete {
        id: String,
        /// The workspace's id again: a deletion cannot be undone.
        #[arg(long, value_name = "ID")]
        confirm: String,
    },
}

pub async fn workspace(env: &Env, cmd: WorkspaceCommand) -> anyhow::Result<u8> {
    match cmd {
        WorkspaceCommand::List { json } => {
            let all = env.database().await?.workspaces().await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                out!("no workspace yet; `roost workspace create ID` makes one");
            }
            for w in all.iter().filter(|_| !json) {
                let label = if w.name == w.id { String::new() } else { format!(" ({})", w.name) };
                out!("{}{label}  quotas {}", w.id, w.quotas);
            }
        }
        WorkspaceCommand::Create { id, name, quotas } => {
            names::check(NameKind::WorkspaceId, "id", &id).map_err(|e| anyhow::anyhow!(e.message))?;
            let name = name.unwrap_or_else(|| id.clone());
            names::check(NameKind::Label, "name", &name).map_err(|e| anyhow::anyhow!(e.message))?;
            let quotas: Value = serde_json::from_str(&quotas).context("--quotas is not JSON")?;
            Quotas::parse(&quotas).map_err(|e| anyhow::anyhow!(e.message))?;
            let store = env.database().await?;
            if !store.create_workspace(&id, &name, &quotas).await? {
                anyhow::bail!("workspace `{id}` exists already");
            }
            store.audit(Some(&id), &cli_actor(), "workspace.create", &id, None).await?;
            out!("workspace {id} created");
        }
        WorkspaceCommand::Delete { id, confirm } => {
            if confirm != id {
                anyhow::bail!("--confirm `{confirm}` is not `{id}`; give the workspace's id again to delete it");
            }
            let store = env.database().await?;
            match store.delete_workspace(&id).await? {
                WorkspaceDeletion::Deleted { runs } => {
                    let detail = json!({ "runs": runs }).to_string();
                    store.audit(None, &cli_actor(), "workspace.delete", &id, Some(&detail)).await?;
                    out!("workspace {id} deleted with its {runs} run{}", if runs == 1 { "" } else { "s" });
                }
                WorkspaceDeletion::NotFound => anyhow::bail!("workspace `{id}` does not exist"),
                WorkspaceDeletion::Active(n) => anyhow::bail!(
                    "workspace `{id}` has {n} run{} queued, running or waiting; cancel {} first",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "it" } else { "them" }
                ),
            }
        }
    }
    Ok(0)
}
