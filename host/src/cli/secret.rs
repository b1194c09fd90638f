//! `roost secret set|list|delete`: a workspace's secrets in the local database, each bound,
//! when it is set, to the only hosts its value may be sent to.

use std::io::Read as _;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use roost::service::vault::{Vault, set_secret};
use roost::store::Store;
use serde_json::json;

use super::{Env, cli_actor};

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Set a secret, reading its value from standard input (a command line is visible to
    /// other users), e.g. `roost secret set MASTODON_TOKEN --host https://mastodon.social < token.txt`.
    Set {
        name: String,
        /// A host the value may be sent to (`scheme://host[:port]`, `*.` for subdomains);
        /// repeat for more. Without any, the value is sent nowhere (enough for HMAC keys).
        #[arg(long = "host", value_name = "URL")]
        hosts: Vec<String>,
        #[command(flatten)]
        place: Place,
    },
    /// List the secrets' names and hosts; values are never shown.
    List {
        #[command(flatten)]
        place: Place,
        /// Print JSON: [{"name", "hosts", "updated_at"}].
        #[arg(long)]
        json: bool,
    },
    /// Delete a secret.
    Delete {
        name: String,
        #[command(flatten)]
        place: Place,
    },
}

/// Which workspace, in which database.
#[derive(Debug, Args)]
pub struct Place {
    /// The workspace (default: `default`).
    #[arg(long, default_value = "default")]
    workspace: String,
}

impl Place {
    async fn open(&self, env: &Env) -> anyhow::Result<Store> {
        let store = env.database().await?;
        if store.workspace(&self.workspace).await?.is_none() {
            anyhow::bail!("workspace `{}` does not exist; `roost serve` creates `default`", self.workspace);
        }
        Ok(store)
    }
}

pub async fn secret(env: &Env, cmd: SecretCommand) -> anyhow::Result<u8> {
    match cmd {
        SecretCommand::Set { name, hosts, place } => {
            let store = place.open(env).await?;
            let master = std::env::var("ROOST_MASTER_KEY").ok();
            let vault = Vault::load(master.as_deref(), &env.config.data_dir())?;
            let mut value = String::new();
            std::io::stdin().read_to_string(&mut value).context("cannot read the value from standard input")?;
            let value = value.trim_end_matches(['\r', '\n']);
            let bound = if hosts.is_empty() { "no host".to_string() } else { hosts.join(", ") };
            set_secret((&store, &vault), &place.workspace, &name, value, hosts, &cli_actor()).await?;
            out!("secret {name} of workspace {} set; sent only to: {bound}", place.workspace);
        }
        SecretCommand::List { place, json } => {
            let secrets = place.open(env).await?.secrets(&place.workspace).await?;
            if json {
                let list: Vec<_> = secrets
                    .iter()
                    .map(|s| json!({ "name": s.name, "hosts": s.hosts, "updated_at": s.updated_at }))
                    .collect();
                out!("{}", serde_json::Value::Array(list));
            }
            for s in secrets.iter().filter(|_| !json) {
                let hosts = if s.hosts.is_empty() { "(sent nowhere)".to_string() } else { s.hosts.join(", ") };
                out!("{}  {hosts}", s.name);
            }
        }
        SecretCommand::Delete { name, place } => {
            let store = place.open(env).await?;
            if !store.delete_secret(&place.workspace, &name).await? {
                anyhow::bail!("secret `{name}` not found in workspace `{}`", place.workspace);
            }
            store.audit(Some(&place.workspace), &cli_actor(), "secret.delete", &name, None).await?;
            out!("secret {name} of workspace {} deleted", place.workspace);
        }
    }
    Ok(0)
}
