//! `roost plugin ...`: the subcommands, each handled in its own module.

use clap::Subcommand;

use super::Env;
use super::install::{InstallArgs, RemoveArgs, UpgradeArgs};

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List the plugins with their actions, permissions and sources, and every refused
    /// one (then the exit code is 1).
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also list what this workspace installed.
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Install a plugin into the database, for the instance or one workspace.
    Install(InstallArgs),
    /// Install a newer version of an installed plugin beside the older ones.
    Upgrade(UpgradeArgs),
    /// Remove one installed version (`ID@VERSION`).
    Remove(RemoveArgs),
    #[command(flatten)]
    Registry(super::registry::RegistryCommand),
    #[command(flatten)]
    Author(super::author::AuthorCommand),
}

pub async fn plugin(env: &Env, cmd: PluginCommand) -> anyhow::Result<u8> {
    match cmd {
        PluginCommand::List { json, workspace } => super::plugin_list::list(env, json, workspace).await,
        PluginCommand::Install(args) => super::install::install(env, args).await,
        PluginCommand::Upgrade(args) => super::install::upgrade(env, args).await,
        PluginCommand::Remove(args) => super::install::remove(env, args).await,
        PluginCommand::Registry(cmd) => super::registry::registry(env, cmd).await,
        PluginCommand::Author(cmd) => super::author::author(env, cmd).await,
    }
}
