//! Workspaces, their API tokens (stored as SHA-256 hashes), who acts, and the audit log.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// A workspace: one agency client, with its quotas as JSON.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct WorkspaceRecord {
    pub id: String,
    pub name: String,
    pub quotas: Value,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

/// A token as stored: never its value, only the hash.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TokenRecord {
    pub id: String,
    /// `None` for an operator token, which acts on every workspace.
    pub workspace: Option<String>,
    pub role: String,
    pub name: String,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "super::timestamp::opt_ms")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<i64>,
    /// A personal token's account: it acts as that person, with their roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// What kind of caller acted: the part of an actor that Roost decides, never its user.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    /// An operator token: the whole instance.
    Operator,
    /// A token of one workspace, with its role.
    Workspace,
    /// Roost itself: start-up loading, timeouts, the scheduler.
    System,
    /// A person with an account, by session or personal token.
    User,
    /// Whoever held a client link for one approval; the id is the link's.
    Link,
    /// An entry written before actors were recorded by kind and id; only its label is known.
    Unrecorded,
}

/// Who did something, identified by kind and token id. A token's name is chosen by its
/// owner, so it is carried only as a label: a token named `operator` stays a workspace
/// token in the log.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Actor {
    pub kind: ActorKind,
    /// The token's id, or the part of Roost that acted (for [`ActorKind::System`]).
    pub id: String,
    /// A workspace token's role.
    pub role: Option<String>,
    /// The token's name when it acted: a label for people, never an identity.
    pub name: Option<String>,
}

impl Actor {
    pub fn operator(token_id: &str, name: &str) -> Self {
        Self { kind: ActorKind::Operator, id: token_id.into(), role: None, name: Some(name.into()) }
    }

    pub fn workspace(token_id: &str, role: &str, name: &str) -> Self {
        Self { kind: ActorKind::Workspace, id: token_id.into(), role: Some(role.into()), name: Some(name.into()) }
    }

    /// A person: their account id, and their e-mail address as the name shown.
    pub fn user(user_id: &str, email: &str) -> Self {
        Self { kind: ActorKind::User, id: user_id.into(), role: None, name: Some(email.into()) }
    }

    /// The holder of client link `link_id`.
    pub fn link(link_id: &str) -> Self {
        Self { kind: ActorKind::Link, id: link_id.into(), role: None, name: Some("client link".into()) }
    }

    /// Roost itself, as `part` (e.g. `startup`).
    pub fn system(part: &str) -> Self {
        Self { kind: ActorKind::System, id: part.into(), role: None, name: None }
    }

    fn kind_text(&self) -> Option<&'static str> {
        match self.kind {
            ActorKind::Operator => Some("operator"),
            ActorKind::Workspace => Some("workspace"),
            ActorKind::System => Some("system"),
            ActorKind::User => Some("user"),
            ActorKind::Link => Some("link"),
            ActorKind::Unrecorded => None,
        }
    }

    fn from_columns(kind: Option<String>, id: Option<String>, role: Option<String>, label: String) -> Self {
        let kind = match kind.as_deref() {
            Some("operator") => ActorKind::Operator,
            Some("workspace") => ActorKind::Workspace,
            Some("system") => ActorKind::System,
            Some("user") => ActorKind::User,
            Some("link") => ActorKind::Link,
            _ => return Self { kind: ActorKind::Unrecorded, id: String::new(), role: None, name: Some(label) },
        };
        let name = (kind != ActorKind::System).then_some(label);
        Self { kind, id: id.unwrap_or_default(), role, name }
    }
}

/// The reference stored where one text names who acted (approvals' `decided_by`, a run's
/// trigger, a revision's author): `operator:ID`, `ROLE:ID` or `system:PART`, all made of
/// words Roost chooses and ids it generates, so no name can pass for another actor; a
/// person is `user:EMAIL`, an address that names one account (it is unique).
impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.kind, &self.role) {
            (ActorKind::Workspace, Some(role)) => write!(f, "{role}:{}", self.id),
            (ActorKind::Unrecorded, _) => write!(f, "{}", self.name.as_deref().unwrap_or_default()),
            (ActorKind::User, _) => write!(f, "user:{}", self.name.as_deref().unwrap_or(&self.id)),
            _ => write!(f, "{}:{}", self.kind_text().unwrap_or_default(), self.id),
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: String,
    pub workspace: Option<String>,
    pub actor: Actor,
    pub action: String,
    pub target: String,
    pub detail: Option<String>,
    #[serde(serialize_with = "super::timestamp::ms")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
}

const TOKEN: &str = "SELECT id, workspace, role, name, created_at, last_used_at, user_id FROM tokens";

impl Store {
    /// Creates workspace `id`; false if it exists already.
    pub async fn create_workspace(&self, id: &str, name: &str, quotas: &Value) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO workspaces (id, name, quotas, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(quotas.to_string())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn workspaces(&self) -> Result<Vec<WorkspaceRecord>, StoreError> {
        let rows = sqlx::query("SELECT id, name, quotas, created_at FROM workspaces ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(workspace_from_row).collect()
    }

    pub async fn workspace(&self, id: &str) -> Result<Option<WorkspaceRecord>, StoreError> {
        let row = sqlx::query("SELECT id, name, quotas, created_at FROM workspaces WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(workspace_from_row).transpose()
    }

    pub async fn set_workspace_quotas(&self, id: &str, quotas: &Value) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE workspaces SET quotas = $1 WHERE id = $2")
            .bind(quotas.to_string())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a token by the hash of its value.
    pub async fn create_token(&self, token: &TokenRecord, hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO tokens (id, workspace, role, name, hash, created_at, user_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&token.id)
        .bind(&token.workspace)
        .bind(&token.role)
        .bind(&token.name)
        .bind(hash)
        .bind(token.created_at)
        .bind(&token.user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The token whose value hashes to `hash`, marked as used now.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{TOKEN} WHERE hash = $1")))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let token = token_from_row(&row)?;
        // Minute resolution keeps this from writing on every request.
        if token.last_used_at.is_none_or(|t| now_ms() - t > 60_000) {
            sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now_ms())
                .bind(&token.id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(token))
    }

    /// Tokens of `workspace` (operator tokens when `None`); personal tokens are not listed.
    pub async fn tokens(&self, workspace: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = match workspace {
            Some(ws) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{TOKEN} WHERE workspace = $1 ORDER BY created_at, id")))
                    .bind(ws)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{TOKEN} WHERE workspace IS NULL AND user_id IS NULL ORDER BY created_at, id"
                )))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(token_from_row).collect()
    }

    /// Deletes token `id` of `workspace`; false if there is no such token there.
    pub async fn delete_token(&self, workspace: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM tokens WHERE id = $1 AND workspace = $2")
            .bind(id)
            .bind(workspace)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether any operator token exists (the first start creates one).
    pub async fn has_operator_token(&self) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM tokens WHERE workspace IS NULL AND user_id IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// Appends to the audit log.
    pub async fn audit(
        &self,
        workspace: Option<&str>,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (id, workspace, actor, actor_kind, actor_id, actor_role, action, target, detail, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(workspace)
        .bind(actor.name.clone().unwrap_or_else(|| actor.id.clone()))
        .bind(actor.kind_text())
        .bind(&actor.id)
        .bind(&actor.role)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest `limit` audit entries of `workspace`.
    pub async fn audit_log(&self, workspace: &str, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, workspace, actor, actor_kind, actor_id, actor_role, action, target, detail, at FROM audit \
             WHERE workspace = $1 \
             ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(workspace)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get(0)?,
                    workspace: r.try_get(1)?,
                    actor: Actor::from_columns(r.try_get(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(2)?),
                    action: r.try_get(6)?,
                    target: r.try_get(7)?,
                    detail: r.try_get(8)?,
                    at: r.try_get(9)?,
                })
            })
            .collect()
    }
}

fn workspace_from_row(r: &sqlx::any::AnyRow) -> Result<WorkspaceRecord, StoreError> {
    let quotas: String = r.try_get(2)?;
    Ok(WorkspaceRecord {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        quotas: serde_json::from_str(&quotas).unwrap_or(Value::Null),
        created_at: r.try_get(3)?,
    })
}

pub(super) fn token_from_row(r: &sqlx::any::AnyRow) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: r.try_get(0)?,
        workspace: r.try_get(1)?,
        role: r.try_get(2)?,
        name: r.try_get(3)?,
        created_at: r.try_get(4)?,
        last_used_at: r.try_get(5)?,
        user_id: r.try_get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_read_back_by_kind_and_old_entries_stay_readable() {
        let text = |kind: Option<&str>, id: &str, role: Option<&str>, label: &str| {
            let actor =
                Actor::from_columns(kind.map(String::from), Some(id.into()), role.map(String::from), label.into());
            (actor.kind, actor.to_string(), actor.name)
        };
        let spoof = text(Some("workspace"), "0193", Some("editor"), "operator");
        assert_eq!(spoof, (ActorKind::Workspace, "editor:0193".into(), Some("operator".into())));
        assert_eq!(text(Some("operator"), "0190", None, "ops").1, "operator:0190");
        assert_eq!(
            text(Some("system"), "startup", None, "startup"),
            (ActorKind::System, "system:startup".into(), None)
        );
        let old = text(None, "", None, "token:operator");
        assert_eq!(old, (ActorKind::Unrecorded, "token:operator".into(), Some("token:operator".into())));
    }
}
