//! OpenID Connect sign-in: authorization code with PKCE (S256) against the provider's
//! discovery document, the `id_token` verified (see [`super::idtoken`]), and the person's
//! groups mapped to workspace roles by `[auth.oidc]`.
//!
//! ```toml
//! [auth.oidc]
//! name = "Acme SSO"                  # the button: "Sign in with Acme SSO"
//! issuer = "https://id.acme.example"
//! client_id = "roost"
//! client_secret = "..."              # or ROOST_OIDC_CLIENT_SECRET
//! scopes = ["groups"]                # besides openid, email and profile
//! groups_claim = "groups"
//! roles = [{ group = "social", workspace = "acme", role = "editor" }]
//! ```

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{idtoken, normalize_email, session};
use crate::service::AppState;
use crate::service::auth::Role;
use crate::service::error::{ApiError, ApiResult};
use crate::store::UserRecord;

/// `[auth.oidc]`: one OpenID provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's name on the sign-in button.
    pub name: String,
    /// The issuer; its discovery document is `ISSUER/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Scopes asked besides `openid email profile`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The claim listing the person's groups (default `groups`).
    pub groups_claim: Option<String>,
    /// Which group gives which role in which workspace.
    #[serde(default)]
    pub roles: Vec<GroupRole>,
}

/// Members of `group` get `role` in `workspace`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRole {
    pub group: String,
    pub workspace: String,
    pub role: String,
}

/// Sign-ins begun and not yet back: at most this many, each for at most [`PENDING_FOR`].
const MAX_PENDING: usize = 1_000;
const PENDING_FOR: Duration = Duration::from_secs(600);
/// The most read from the provider in one answer.
const MAX_ANSWER: usize = 256 * 1024;

struct Pending {
    verifier: String,
    nonce: String,
    redirect: String,
    at: Instant,
}

/// The provider's client: configuration, an HTTP client, and sign-ins under way.
pub struct Oidc {
    pub config: OidcConfig,
    http: reqwest::Client,
    pending: Mutex<HashMap<String, Pending>>,
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Result<Self, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let issuer = url::Url::parse(&config.issuer).map_err(|e| format!("[auth.oidc] issuer: {e}"))?;
        let loopback = matches!(issuer.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if issuer.scheme() != "https" && !loopback {
            return Err("[auth.oidc] issuer must be https:// (plain http only on loopback)".into());
        }
        for mapping in &config.roles {
            Role::parse(&mapping.role).ok_or_else(|| format!("[auth.oidc] roles: `{}` is not a role", mapping.role))?;
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the OpenID client: {e}"))?;
        Ok(Self { config, http, pending: Mutex::default() })
    }

    async fn get_json(&self, request: reqwest::RequestBuilder, what: &str) -> ApiResult<Value> {
        let fail = |e: String| ApiError::new(StatusCode::BAD_GATEWAY, "oidc_failed", format!("{what}: {e}"));
        let resp = request.send().await.map_err(|e| fail(format!("the provider cannot be reached ({e})")))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| fail(e.to_string()))?;
        if bytes.len() > MAX_ANSWER {
            return Err(fail(format!("the answer is larger than {MAX_ANSWER} bytes")));
        }
        if !status.is_success() {
            return Err(fail(format!("the provider answered {status}")));
        }
        serde_json::from_slice(&bytes).map_err(|_| fail("the answer is not JSON".into()))
    }

    async fn discovery(&self) -> ApiResult<Value> {
        let url = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
        self.get_json(self.http.get(url), "the provider's discovery document").await
    }
}

fn random() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(B64.encode(bytes))
}

fn not_configured() -> ApiError {
    ApiError::not_found("no OpenID provider is configured ([auth.oidc] in roost.toml)")
}

/// Where the provider sends people back: under `public_url`, else the host they used.
fn redirect_uri(s: &AppState, headers: &HeaderMap) -> String {
    let base = match &s.people.config.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => format!("http://{}", headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost")),
    };
    format!("{base}/auth/oidc/callback")
}

/// `GET /auth/oidc/start`: off to the provider, with state, nonce and a PKCE challenge.
pub async fn start(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let oidc = s.people.oidc.as_ref().ok_or_else(not_configured)?;
    let discovery = oidc.discovery().await?;
    let endpoint = discovery["authorization_endpoint"].as_str().ok_or_else(|| {
        ApiError::new(StatusCode::BAD_GATEWAY, "oidc_failed", "the discovery document has no authorization_endpoint")
    })?;
    let (state, nonce, verifier) = (random()?, random()?, random()?);
    let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
    let redirect = redirect_uri(&s, &headers);
    let scope = ["openid", "email", "profile"].into_iter().chain(oidc.config.scopes.iter().map(String::as_str));
    let mut url = url::Url::parse(endpoint).map_err(|_| {
        ApiError::new(StatusCode::BAD_GATEWAY, "oidc_failed", "the authorization_endpoint is not a URL")
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &oidc.config.client_id)
        .append_pair("redirect_uri", &redirect)
        .append_pair("scope", &scope.collect::<Vec<_>>().join(" "))
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    {
        let mut pending = oidc.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, p| p.at.elapsed() < PENDING_FOR);
        if pending.len() >= MAX_PENDING {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many sign-ins under way; try again",
            ));
        }
        pending.insert(state, Pending { verifier, nonce, redirect, at: Instant::now() });
    }
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, url.to_string())]).into_response())
}

/// What the provider sends back.
#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/oidc/callback`: the code exchanged with its PKCE verifier, the `id_token`
/// verified, the account found or made, its roles set from its groups, a session begun.
pub async fn callback(State(s): State<AppState>, Query(back): Query<Callback>) -> ApiResult<Response> {
    let oidc = s.people.oidc.as_ref().ok_or_else(not_configured)?;
    let refused = |why: String| ApiError::new(StatusCode::FORBIDDEN, "oidc_failed", why);
    if let Some(error) = back.error {
        return Err(refused(format!(
            "the provider refused the sign-in: {}",
            error.chars().take(100).collect::<String>()
        )));
    }
    let state = back.state.unwrap_or_default();
    let pending = oidc.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&state);
    let pending = pending
        .filter(|p| p.at.elapsed() < PENDING_FOR)
        .ok_or_else(|| refused("this sign-in is unknown or too old (state); start again".into()))?;
    let discovery = oidc.discovery().await?;
    let claims = exchange(oidc, &discovery, &pending, back.code.unwrap_or_default()).await.map_err(refused)?;
    let user = account(&s, oidc, &claims).await?;
    let value = session::start(&s, &user).await?;
    let cookie = session::set_cookie(&s.people.config, Some(&value));
    Ok((StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, "/#/runs".parse().unwrap())])
        .into_response())
}

async fn exchange(oidc: &Oidc, discovery: &Value, pending: &Pending, code: String) -> Result<Value, String> {
    let token_url = discovery["token_endpoint"].as_str().ok_or("the discovery document has no token_endpoint")?;
    let jwks_url = discovery["jwks_uri"].as_str().ok_or("the discovery document has no jwks_uri")?;
    let issuer = discovery["issuer"].as_str().unwrap_or_default();
    if issuer.trim_end_matches('/') != oidc.config.issuer.trim_end_matches('/') {
        return Err(format!("the provider names itself `{issuer}`, not the configured issuer"));
    }
    // Built in a block: the serializer is not `Send`, so it must not live across an await.
    let body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", &code)
            .append_pair("redirect_uri", &pending.redirect)
            .append_pair("client_id", &oidc.config.client_id)
            .append_pair("code_verifier", &pending.verifier);
        if let Some(secret) = &oidc.config.client_secret {
            form.append_pair("client_secret", secret);
        }
        form.finish()
    };
    let request = oidc.http.post(token_url).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let tokens = oidc.get_json(request.body(body), "the token endpoint").await.map_err(|e| e.message)?;
    let id_token = tokens["id_token"].as_str().ok_or("the token endpoint answered no id_token")?;
    let jwks = oidc.get_json(oidc.http.get(jwks_url), "the provider's keys").await.map_err(|e| e.message)?;
    let now = crate::store::now_ms() / 1000;
    let expected = idtoken::Expected { issuer, client_id: &oidc.config.client_id, nonce: &pending.nonce, now };
    idtoken::verify(id_token, &jwks, &expected)
}

/// The account of the verified `claims`: by subject, else by verified address (then
/// linked), else made when the groups give a role somewhere or sign-up is open.
async fn account(s: &AppState, oidc: &Oidc, claims: &Value) -> ApiResult<UserRecord> {
    let subject =
        format!("{}#{}", claims["iss"].as_str().unwrap_or_default(), claims["sub"].as_str().unwrap_or_default());
    let refused = |why: &str| ApiError::new(StatusCode::FORBIDDEN, "oidc_failed", why.to_string());
    let roles = mapped_roles(&oidc.config, claims);
    let user = match s.store.user_by_subject(&subject).await? {
        Some(user) => user,
        None => {
            if claims["email_verified"] == Value::Bool(false) {
                return Err(refused("the provider has not verified this person's e-mail address"));
            }
            let email = normalize_email(claims["email"].as_str().unwrap_or_default())
                .map_err(|_| refused("the provider gave no e-mail address (ask for the `email` scope)"))?;
            let user = match s.store.user_by_email(&email).await? {
                Some((user, _)) => user,
                None if roles.is_empty() && !s.people.config.signup => {
                    return Err(refused("your groups give you no workspace here; ask an owner for an invitation"));
                }
                None => s
                    .store
                    .create_user(&email, None, false)
                    .await?
                    .ok_or_else(|| refused("the account was made meanwhile; sign in again"))?,
            };
            s.store.link_subject(&user.id, &subject).await?;
            user
        }
    };
    for (workspace, role) in roles {
        if s.store.workspace(&workspace).await?.is_some() {
            s.store.set_membership(&user.id, &workspace, role.as_str()).await?;
        }
    }
    Ok(user)
}

/// `(workspace, role)` for the groups in `claims`, the strongest role per workspace.
fn mapped_roles(config: &OidcConfig, claims: &Value) -> Vec<(String, Role)> {
    let claim = config.groups_claim.as_deref().unwrap_or("groups");
    let groups: Vec<&str> = match &claims[claim] {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let mut roles: Vec<(String, Role)> = Vec::new();
    for mapping in config.roles.iter().filter(|m| groups.contains(&m.group.as_str())) {
        let Some(role) = Role::parse(&mapping.role) else { continue };
        match roles.iter_mut().find(|(ws, _)| *ws == mapping.workspace) {
            Some(entry) => entry.1 = entry.1.max(role),
            None => roles.push((mapping.workspace.clone(), role)),
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn groups_map_to_the_strongest_role_per_workspace() {
        let map = |group: &str, ws: &str, role: &str| GroupRole {
            group: group.into(),
            workspace: ws.into(),
            role: role.into(),
        };
        let config = OidcConfig {
            name: "Id".into(),
            issuer: "https://id.example".into(),
            client_id: "roost".into(),
            client_secret: None,
            scopes: Vec::new(),
            groups_claim: None,
            roles: vec![
                map("social", "acme", "editor"),
                map("leads", "acme", "owner"),
                map("pr", "globex", "approver"),
            ],
        };
        let roles = mapped_roles(&config, &json!({ "groups": ["social", "leads", "other"] }));
        assert_eq!(roles, vec![("acme".to_string(), Role::Owner)]);
        assert_eq!(mapped_roles(&config, &json!({ "groups": "pr" })), vec![("globex".to_string(), Role::Approver)]);
        assert!(mapped_roles(&config, &json!({})).is_empty());
        assert!(Oidc::new(OidcConfig { issuer: "http://id.example".into(), ..config.clone() }).is_err());
        assert!(Oidc::new(OidcConfig { issuer: "http://127.0.0.1:9".into(), ..config }).is_ok());
    }
}
