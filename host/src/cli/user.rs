//! `roost user create|list|set-password|admin`: accounts in the local database, for the
//! first admin and for recovery when nobody can sign in.

use std::io::Read as _;

use anyhow::Context as _;
use clap::Subcommand;
use roost::service::auth::Role;
use roost::service::people::{normalize_email, password};
use roost::store::Store;
use serde_json::json;

use super::{Env, cli_actor};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account, reading its password from standard input (a command line is
    /// visible to other users): `roost user create alice@example.com --admin < pw.txt`.
    Create {
        email: String,
        /// The instance admin: every workspace, every role.
        #[arg(long)]
        admin: bool,
        /// Make the account a member of this workspace (with `--role`).
        #[arg(long, requires = "role")]
        workspace: Option<String>,
        /// `owner`, `editor`, `approver` or `viewer` in `--workspace`.
        #[arg(long, requires = "workspace")]
        role: Option<String>,
    },
    /// List the accounts with their workspaces and roles.
    List {
        /// Print JSON: [{"email", "admin", "workspaces": [{"workspace", "role"}]}].
        #[arg(long)]
        json: bool,
    },
    /// Set (or reset) an account's password from standard input; its sessions end.
    SetPassword { email: String },
    /// Make an account the instance admin, or (`--revoke`) no longer.
    Admin {
        email: String,
        #[arg(long)]
        revoke: bool,
    },
}

/// A password read from standard input, its final newline dropped, checked.
fn read_password() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(password::MAX_BYTES as u64 + 2)
        .read_to_string(&mut text)
        .context("cannot read the password from standard input")?;
    let text = text.trim_end_matches(['\r', '\n']).to_string();
    password::check(&text).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    Ok(text)
}

fn email(text: &str) -> anyhow::Result<String> {
    normalize_email(text).map_err(|e| anyhow::anyhow!("{}", e.message))
}

pub async fn user(env: &Env, cmd: UserCommand) -> anyhow::Result<u8> {
    match cmd {
        UserCommand::Create { email: address, admin, workspace, role } => {
            let address = email(&address)?;
            let store = env.database().await?;
            let membership = match (workspace, role) {
                (Some(ws), Some(role)) => Some(member_of(&store, ws, &role).await?),
                _ => None,
            };
            let hash = password::hash(&read_password()?).map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let user = store
                .create_user(&address, Some(&hash), admin)
                .await?
                .with_context(|| format!("{address} has an account already; `roost user set-password` resets it"))?;
            if let Some((ws, role)) = membership {
                store.set_membership(&user.id, &ws, role.as_str()).await?;
                store.audit(Some(&ws), &cli_actor(), "member.add", &address, Some(role.as_str())).await?;
                out!("created {address}, {} of {ws}{}", role.as_str(), if admin { ", instance admin" } else { "" });
            } else {
                out!("created {address}{}", if admin { ", instance admin" } else { "" });
            }
        }
        UserCommand::List { json } => list(&env.database().await?, json).await?,
        UserCommand::SetPassword { email: address } => {
            let address = email(&address)?;
            let hash = password::hash(&read_password()?).map_err(|e| anyhow::anyhow!("{}", e.message))?;
            if !env.database().await?.set_password(&address, &hash).await? {
                anyhow::bail!("{address} has no account; `roost user create` makes one");
            }
            out!("password of {address} set; its sessions have ended");
        }
        UserCommand::Admin { email: address, revoke } => {
            let address = email(&address)?;
            if !env.database().await?.set_admin(&address, !revoke).await? {
                anyhow::bail!("{address} has no account; `roost user create` makes one");
            }
            out!("{address} is {} the instance admin", if revoke { "no longer" } else { "now" });
        }
    }
    Ok(0)
}

async fn member_of(store: &Store, ws: String, role: &str) -> anyhow::Result<(String, Role)> {
    let role =
        Role::parse(role).with_context(|| format!("role `{role}` is not one of owner, editor, approver, viewer"))?;
    if store.workspace(&ws).await?.is_none() {
        anyhow::bail!("workspace `{ws}` does not exist");
    }
    Ok((ws, role))
}

async fn list(store: &Store, as_json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for user in store.users().await? {
        let roles = store.memberships(&user.id).await?;
        rows.push((user, roles));
    }
    if as_json {
        let list: Vec<_> = rows
            .iter()
            .map(|(u, roles)| {
                let workspaces: Vec<_> = roles.iter().map(|(w, r)| json!({ "workspace": w, "role": r })).collect();
                json!({ "id": u.id, "email": u.email, "admin": u.admin, "workspaces": workspaces })
            })
            .collect();
        out!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        out!("no accounts; `roost user create EMAIL --admin` makes the first");
    }
    for (user, roles) in rows {
        let roles: Vec<String> = roles.iter().map(|(w, r)| format!("{w}:{r}")).collect();
        let admin = if user.admin { " (admin)" } else { "" };
        out!("{}{admin}\t{}", user.email, if roles.is_empty() { "-".into() } else { roles.join(" ") });
    }
    Ok(())
}
