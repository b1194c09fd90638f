//! `roost token create|list|revoke`: a workspace's API tokens, or a person's, in the local
//! database; a value is printed once, when it is made.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use roost::service::auth::{Role, new_token, token_hash};
use roost::service::people::normalize_email;
use roost::store::{Store, TokenRecord, now_ms};

use super::Env;
use super::cli_actor;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its value (shown only this once).
    Create {
        /// A label for people, e.g. `ci` or `zapier`.
        #[arg(long)]
        name: String,
        /// `owner`, `editor`, `approver` or `viewer` (a workspace token).
        #[arg(long, required_unless_present = "user")]
        role: Option<String>,
        #[command(flatten)]
        owner: Owner,
    },
    /// List tokens (never their values).
    List {
        #[command(flatten)]
        owner: Owner,
    },
    /// Revoke a token by its id.
    Revoke {
        id: String,
        #[command(flatten)]
        owner: Owner,
    },
}

/// Whose tokens: a workspace's, or (`--user`) a person's.
#[derive(Debug, Args)]
pub struct Owner {
    /// The workspace (default: `default`).
    #[arg(long, default_value = "default", conflicts_with = "user")]
    workspace: String,
    /// A person's personal tokens, by e-mail address: they act as that person.
    #[arg(long)]
    user: Option<String>,
}

/// The account id of `--user`, or the workspace checked to exist.
enum Whose {
    Person(String),
    Workspace(String),
}

impl Owner {
    async fn resolve(&self, store: &Store) -> anyhow::Result<Whose> {
        if let Some(address) = &self.user {
            let address = normalize_email(address).map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let (user, _) =
                store.user_by_email(&address).await?.with_context(|| format!("{address} has no account"))?;
            return Ok(Whose::Person(user.id));
        }
        if store.workspace(&self.workspace).await?.is_none() {
            anyhow::bail!("workspace `{}` does not exist", self.workspace);
        }
        Ok(Whose::Workspace(self.workspace.clone()))
    }
}

pub async fn token(env: &Env, cmd: TokenCommand) -> anyhow::Result<u8> {
    match cmd {
        TokenCommand::Create { name, role, owner } => {
            let store = env.database().await?;
            let whose = owner.resolve(&store).await?;
            let value = new_token().map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let mut record = TokenRecord {
                id: uuid::Uuid::now_v7().to_string(),
                workspace: None,
                role: "person".into(),
                name: name.clone(),
                created_at: now_ms(),
                last_used_at: None,
                user_id: None,
            };
            match &whose {
                Whose::Person(user) => record.user_id = Some(user.clone()),
                Whose::Workspace(ws) => {
                    let role = role.unwrap_or_default();
                    let parsed = Role::parse(&role)
                        .with_context(|| format!("role `{role}` is not one of owner, editor, approver, viewer"))?;
                    record.role = parsed.as_str().into();
                    record.workspace = Some(ws.clone());
                }
            }
            store.create_token(&record, &token_hash(&value)).await?;
            if let Whose::Workspace(ws) = &whose {
                store.audit(Some(ws), &cli_actor(), "token.create", &name, Some(&record.role)).await?;
            }
            out!("{value}");
        }
        TokenCommand::List { owner } => {
            let store = env.database().await?;
            let tokens = match owner.resolve(&store).await? {
                Whose::Person(user) => store.user_tokens(&user).await?,
                Whose::Workspace(ws) => store.tokens(Some(&ws)).await?,
            };
            if tokens.is_empty() {
                out!("no tokens");
            }
            for t in tokens {
                out!("{}\t{}\t{}", t.id, t.role, t.name);
            }
        }
        TokenCommand::Revoke { id, owner } => {
            let store = env.database().await?;
            let revoked = match owner.resolve(&store).await? {
                Whose::Person(user) => store.delete_user_token(&user, &id).await?,
                Whose::Workspace(ws) => {
                    let done = store.delete_token(&ws, &id).await?;
                    if done {
                        store.audit(Some(&ws), &cli_actor(), "token.delete", &id, None).await?;
                    }
                    done
                }
            };
            if !revoked {
                anyhow::bail!("no token `{id}` there; `roost token list` shows the ids");
            }
            out!("token {id} revoked");
        }
    }
    Ok(0)
}
