//! Who is calling: bearer tokens, hashed at rest, each an operator or one workspace's role.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use crate::store::Actor;

/// What a workspace token may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads runs, workflows, approvals, schedules and plugins.
    Viewer,
    /// And decides approvals.
    Approver,
    /// And changes workflows, variables and secrets, starts and cancels runs.
    Editor,
    /// And manages the workspace's tokens and reads its audit log.
    Owner,
}

impl Role {
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Approver => "approver",
            Self::Editor => "editor",
            Self::Owner => "owner",
        }
    }

    /// Whether this role may decide an approval listing `approvers`: a role at least as
    /// strong as one listed (each role includes the ones before it).
    pub fn may_decide(self, approvers: &[String]) -> bool {
        approvers.iter().filter_map(|r| Self::parse(r)).any(|listed| self >= listed)
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: String,
    pub token_name: String,
    /// `None`: the instance operator, allowed everything everywhere.
    pub workspace: Option<String>,
    pub role: Role,
}

impl Caller {
    pub fn is_operator(&self) -> bool {
        self.workspace.is_none()
    }

    /// Who the audit log and approvals name: the token by kind and id, its name a label.
    pub fn actor(&self) -> Actor {
        match self.workspace {
            None => Actor::operator(&self.token_id, &self.token_name),
            Some(_) => Actor::workspace(&self.token_id, self.role.as_str(), &self.token_name),
        }
    }

    /// Allows acting on `workspace` with at least `role`. Another workspace's data is
    /// answered 404, as if it did not exist; a too-small role 403.
    pub fn require(&self, workspace: &str, role: Role) -> Result<(), ApiError> {
        match &self.workspace {
            None => Ok(()),
            Some(own) if own != workspace => Err(ApiError::not_found(format!("workspace `{workspace}` not found"))),
            Some(_) if self.role < role => Err(ApiError::forbidden(format!(
                "this needs the `{}` role; the token has `{}`",
                role.as_str(),
                self.role.as_str()
            ))),
            Some(_) => Ok(()),
        }
    }

    pub fn require_operator(&self) -> Result<(), ApiError> {
        if self.is_operator() { Ok(()) } else { Err(ApiError::forbidden("this needs the operator token")) }
    }
}

/// A new token's value: `roost_` and 32 random bytes in hex.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(format!("roost_{}", hex::encode(bytes)))
}

/// What the store keeps of a token: its SHA-256. Tokens are random, so no salt is needed.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = header
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthorized("send the API token as `Authorization: Bearer TOKEN`"))?;
        let record = state
            .store
            .token_by_hash(&token_hash(token.trim()))
            .await?
            .ok_or_else(|| ApiError::unauthorized("the token is not valid (revoked or mistyped)"))?;
        let role = Role::parse(&record.role).unwrap_or(Role::Viewer);
        Ok(Caller { token_id: record.id, token_name: record.name, workspace: record.workspace, role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(workspace: Option<&str>, role: Role) -> Caller {
        Caller { token_id: "t".into(), token_name: "n".into(), workspace: workspace.map(String::from), role }
    }

    #[test]
    fn roles_are_ordered_and_scoped() {
        let approver = caller(Some("acme"), Role::Approver);
        assert!(approver.require("acme", Role::Viewer).is_ok());
        assert!(approver.require("acme", Role::Approver).is_ok());
        assert_eq!(approver.require("acme", Role::Editor).unwrap_err().status, 403);
        assert_eq!(approver.require("globex", Role::Viewer).unwrap_err().status, 404);
        assert!(caller(None, Role::Owner).require("globex", Role::Owner).is_ok());
        assert_eq!(Role::parse("editor"), Some(Role::Editor));
        assert_eq!(Role::parse("admin"), None);
    }

    /// `approvers` may name exactly the roles the service lets decide (`Role::Approver` and
    /// up), so no workflow can wait for a decision nobody but the operator may make.
    #[test]
    fn approvers_are_the_roles_that_can_decide() {
        let all = [Role::Viewer, Role::Approver, Role::Editor, Role::Owner];
        let deciders: Vec<Role> = all.into_iter().filter(|r| *r >= Role::Approver).collect();
        let mut named: Vec<Role> = crate::workflow::DEFAULT_APPROVERS.iter().filter_map(|r| Role::parse(r)).collect();
        named.sort();
        assert_eq!(named, deciders);
    }

    #[test]
    fn a_stronger_role_decides_what_a_listed_one_may() {
        let listed = |roles: &[&str]| roles.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        assert!(Role::Owner.may_decide(&listed(&["approver"])));
        assert!(Role::Editor.may_decide(&listed(&["approver"])));
        assert!(Role::Approver.may_decide(&listed(&["approver"])));
        assert!(!Role::Approver.may_decide(&listed(&["editor"])));
        assert!(Role::Owner.may_decide(&listed(&["editor"])));
        assert!(!Role::Editor.may_decide(&listed(&["owner"])));
        assert!(!Role::Viewer.may_decide(&listed(&["approver", "editor", "owner"])));
        assert!(!Role::Owner.may_decide(&listed(&[])));
    }

    #[test]
    fn actors_are_kinds_and_ids_not_names() {
        let mut named = caller(Some("acme"), Role::Viewer);
        named.token_name = "operator".into();
        assert_eq!(named.actor().to_string(), "viewer:t");
        assert_eq!(named.actor().name.as_deref(), Some("operator"));
        assert_eq!(caller(None, Role::Owner).actor().to_string(), "operator:t");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with("roost_") && a.len() == 70);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
