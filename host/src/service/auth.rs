//! Who is calling: bearer tokens (hashed at rest: the operator's, a workspace's with a role,
//! or a person's) or a person's browser session, and what each may act on.

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

/// What a caller may act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Grants {
    /// The operator token or an instance admin: every workspace with every role.
    Everything,
    /// A workspace token: one workspace, one role.
    Workspace(String, Role),
    /// A person: a role in each workspace they are a member of.
    Member(Vec<(String, Role)>),
}

/// The person behind a session or a personal token.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub admin: bool,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's id, or the session's.
    pub token_id: String,
    pub token_name: String,
    pub grants: Grants,
    pub person: Option<Person>,
}

impl Caller {
    pub fn is_operator(&self) -> bool {
        self.grants == Grants::Everything
    }

    /// The caller's role in `workspace`, if it may see it at all.
    pub fn role_in(&self, workspace: &str) -> Option<Role> {
        match &self.grants {
            Grants::Everything => Some(Role::Owner),
            Grants::Workspace(own, role) => (own == workspace).then_some(*role),
            Grants::Member(roles) => roles.iter().find(|(ws, _)| ws == workspace).map(|(_, role)| *role),
        }
    }

    /// Who the audit log and approvals name: a person by e-mail address, a token by kind
    /// and id (its name a label).
    pub fn actor(&self) -> Actor {
        match (&self.person, &self.grants) {
            (Some(person), _) => Actor::user(&person.id, &person.email),
            (None, Grants::Workspace(_, role)) => Actor::workspace(&self.token_id, role.as_str(), &self.token_name),
            (None, _) => Actor::operator(&self.token_id, &self.token_name),
        }
    }

    /// Allows acting on `workspace` with at least `role`. Another workspace's data is
    /// answered 404, as if it did not exist; a too-small role 403.
    pub fn require(&self, workspace: &str, role: Role) -> Result<(), ApiError> {
        match self.role_in(workspace) {
            None => Err(ApiError::not_found(format!("workspace `{workspace}` not found"))),
            Some(own) if own < role => Err(ApiError::forbidden(format!(
                "this needs the `{}` role; the caller has `{}`",
                role.as_str(),
                own.as_str()
            ))),
            Some(_) => Ok(()),
        }
    }

    pub fn require_operator(&self) -> Result<(), ApiError> {
        if self.is_operator() { Ok(()) } else { Err(ApiError::forbidden("this needs the operator token")) }
    }

    /// The person calling; refuses tokens that are no one's.
    pub fn require_person(&self) -> Result<&Person, ApiError> {
        self.person.as_ref().ok_or_else(|| ApiError::forbidden("this needs a signed-in person or a personal token"))
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

    /// A bearer token when `Authorization` is sent, else the session cookie.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return super::people::session::caller(parts, state).await?.ok_or_else(|| {
                ApiError::unauthorized("sign in, or send an API token as `Authorization: Bearer TOKEN`")
            });
        };
        let token = bearer(header.to_str().unwrap_or_default())
            .ok_or_else(|| ApiError::unauthorized("send the API token as `Authorization: Bearer TOKEN`"))?;
        let record = state
            .store
            .token_by_hash(&token_hash(token))
            .await?
            .ok_or_else(|| ApiError::unauthorized("the token is not valid (revoked or mistyped)"))?;
        if let Some(user) = &record.user_id {
            let user =
                state.store.user(user).await?.ok_or_else(|| ApiError::unauthorized("the token's account is gone"))?;
            return super::people::session::person(state, user, record.id, record.name).await;
        }
        let role = Role::parse(&record.role).unwrap_or(Role::Viewer);
        let grants = match record.workspace {
            Some(ws) => Grants::Workspace(ws, role),
            None => Grants::Everything,
        };
        Ok(Caller { token_id: record.id, token_name: record.name, grants, person: None })
    }
}

/// The token of an `Authorization` value: the scheme `Bearer` in any case (RFC 9110).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(workspace: Option<&str>, role: Role) -> Caller {
        let grants = match workspace {
            Some(ws) => Grants::Workspace(ws.into(), role),
            None => Grants::Everything,
        };
        Caller { token_id: "t".into(), token_name: "n".into(), grants, person: None }
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("BEARER  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    #[test]
    fn a_person_has_a_role_per_workspace_and_is_named_by_address() {
        let person = Person { id: "u1".into(), email: "alice@example.com".into(), admin: false };
        let grants = Grants::Member(vec![("acme".into(), Role::Approver), ("globex".into(), Role::Owner)]);
        let alice = Caller { token_id: "s".into(), token_name: "n".into(), grants, person: Some(person) };
        assert!(alice.require("acme", Role::Approver).is_ok());
        assert_eq!(alice.require("acme", Role::Editor).unwrap_err().status, 403);
        assert!(alice.require("globex", Role::Owner).is_ok());
        assert_eq!(alice.require("initech", Role::Viewer).unwrap_err().status, 404);
        assert_eq!(alice.actor().to_string(), "user:alice@example.com");
        assert!(!alice.is_operator());
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
