//! `roost plugin list`: the installed plugins, their actions and permissions; the
//! authoring commands dispatch to their own module.

use clap::Subcommand;
use serde_json::json;

use super::Env;

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List installed plugins with their actions and permissions.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    #[command(flatten)]
    Author(super::author::AuthorCommand),
}

pub async fn plugin(env: &Env, cmd: PluginCommand) -> anyhow::Result<u8> {
    let json = match cmd {
        PluginCommand::List { json } => json,
        PluginCommand::Author(cmd) => return super::author::author(env, cmd).await,
    };
    let plugins = env.registry.plugins();
    if json {
        let list: Vec<_> = plugins
            .iter()
            .map(|p| {
                let m = &p.manifest;
                json!({
                    "id": m.id, "version": m.version.to_string(), "digest": p.digest,
                    "actions": m.actions.iter().map(|a| &a.id).collect::<Vec<_>>(),
                    "permissions": {
                        "http": m.permissions.http.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "kv": m.permissions.kv,
                        "secrets": m.permissions.secrets.keys().collect::<Vec<_>>(),
                    },
                })
            })
            .collect();
        out!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(0);
    }
    for p in plugins {
        let m = &p.manifest;
        let actions: Vec<&str> = m.actions.iter().map(|a| a.id.as_str()).collect();
        out!("{} {}  actions: {}  sha256: {}", m.id, m.version, actions.join(", "), &p.digest[..12]);
        for h in &m.permissions.http {
            out!("    http    {h}");
        }
        if m.permissions.kv {
            out!("    kv");
        }
        for (name, hosts) in &m.permissions.secrets {
            let hosts: Vec<String> = hosts.iter().map(ToString::to_string).collect();
            out!("    secret  {name} -> {}", hosts.join(", "));
        }
    }
    Ok(0)
}
