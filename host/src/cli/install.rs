//! `roost plugin install`, `upgrade` and `remove`: installs kept in the database, for the
//! instance or one workspace, each shown with what it asks for and confirmed.

use std::io::BufRead as _;

use anyhow::{Context as _, bail};
use clap::Args;
use roost::install::{self, Proposal, installs_of, scope_words};
use roost::store::Store;

use super::{EXIT_FAILED, Env, cli_actor};

/// Where an install goes and how it is confirmed.
#[derive(Debug, Args)]
pub struct Target {
    /// Install into this workspace only (default: the whole instance).
    #[arg(long)]
    workspace: Option<String>,
    /// Do not ask; install even when it asks for more permissions.
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// A plugin folder (plugin.toml and its .wasm), or an OCI reference.
    source: String,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The installed plugin's id.
    id: String,
    /// Where the newer version comes from: a plugin folder, or an OCI reference.
    source: String,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The version to remove, `ID@VERSION`.
    plugin: String,
    /// Remove it from this workspace (default: the instance's installs).
    #[arg(long)]
    workspace: Option<String>,
}

/// The database, with the workspace checked to exist.
async fn open(env: &Env, target: &Target) -> anyhow::Result<Store> {
    let store = env.store().await?;
    if let Some(ws) = &target.workspace {
        store.workspace(ws).await?.with_context(|| format!("workspace `{ws}` does not exist"))?;
    }
    Ok(store)
}

async fn propose(env: &Env, source: &str, target: &Target) -> anyhow::Result<Proposal> {
    let fetched = install::fetch(source, &env.config.registry.policy()?).await?;
    Ok(install::prepare(&env.runtime, &env.registry, fetched, target.workspace.as_deref())?)
}

/// Prints what `p` is and asks for, and the change over the version it follows.
fn show(p: &Proposal) {
    let m = &p.plugin.manifest;
    out!("{} {} {}", m.id, m.version, scope_words(p.workspace.as_deref()));
    out!("  from    {}", p.fetched.reference);
    out!("  sha256  {}", p.plugin.digest);
    if let Some(signer) = &p.fetched.signer {
        out!("  signed  {signer}");
    }
    match &p.permissions[..] {
        [] => out!("  asks for no permissions"),
        lines => {
            out!("  asks for:");
            for line in lines {
                out!("    {line}");
            }
        }
    }
    if let Some((version, diff)) = &p.previous {
        out!("  against {} {version}:", m.id);
        for line in &diff.added {
            out!("    + {line}");
        }
        for line in &diff.removed {
            out!("    - {line}");
        }
        if diff.added.is_empty() && diff.removed.is_empty() {
            out!("    the same permissions");
        }
    }
}

/// Whether the person at the terminal said yes (end of input is a no); reads at most 64 bytes.
fn confirmed(question: &str) -> bool {
    use std::io::Read as _;
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    let read = std::io::stdin().lock().take(64).read_line(&mut answer);
    matches!(read, Ok(n) if n > 0) && matches!(answer.trim(), "y" | "Y" | "yes")
}

pub async fn install(env: &Env, args: InstallArgs) -> anyhow::Result<u8> {
    let store = open(env, &args.target).await?;
    let p = propose(env, &args.source, &args.target).await?;
    let m = &p.plugin.manifest;
    if let Some(row) = installs_of(&store, p.workspace.as_deref(), &m.id).await?.first() {
        bail!(install::InstallError::UseUpgrade {
            id: m.id.clone(),
            version: row.version.clone(),
            scope: scope_words(p.workspace.as_deref())
        });
    }
    show(&p);
    if !args.target.yes && !confirmed("install it?") {
        eprintln!("not installed");
        return Ok(EXIT_FAILED);
    }
    let row = install::commit(&store, &p, &cli_actor()).await?;
    out!("installed {} {} (sha256:{})", row.id, row.version, row.sha256);
    Ok(0)
}

pub async fn upgrade(env: &Env, args: UpgradeArgs) -> anyhow::Result<u8> {
    let store = open(env, &args.target).await?;
    let scope = scope_words(args.target.workspace.as_deref());
    let installed = installs_of(&store, args.target.workspace.as_deref(), &args.id).await?;
    let Some(newest) = installed.first() else {
        bail!("plugin {} is not installed {scope}; use `roost plugin install`", args.id);
    };
    let p = propose(env, &args.source, &args.target).await?;
    let m = &p.plugin.manifest;
    if m.id != args.id {
        bail!("{} holds plugin {}, not {}", p.fetched.reference, m.id, args.id);
    }
    if semver::Version::parse(&newest.version).is_ok_and(|v| m.version <= v) {
        bail!("{} {} is not newer than the installed {} {}", m.id, m.version, m.id, newest.version);
    }
    show(&p);
    if p.widens() && !args.target.yes && !confirmed("it asks for more permissions (+ above); upgrade?") {
        eprintln!("not upgraded");
        return Ok(EXIT_FAILED);
    }
    let row = install::commit(&store, &p, &cli_actor()).await?;
    out!("installed {} {} (sha256:{}) beside {}", row.id, row.version, row.sha256, newest.version);
    out!(
        "workflows pinned to an older version (`@{}` or `@sha256:...`) keep it; `roost plugin remove {}@{}` removes it",
        newest.version,
        row.id,
        newest.version
    );
    Ok(0)
}

pub async fn remove(env: &Env, args: RemoveArgs) -> anyhow::Result<u8> {
    let Some((id, version)) = args.plugin.split_once('@') else {
        bail!("`{}`: name the version to remove as ID@VERSION", args.plugin);
    };
    let store = env.store().await?;
    install::remove(&store, args.workspace.as_deref(), id, version, &cli_actor()).await?;
    out!("removed {id} {version} {}", scope_words(args.workspace.as_deref()));
    Ok(0)
}
