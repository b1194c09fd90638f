//! People: how accounts sign in (passwords, browser sessions, CSRF), what the operator
//! configures about them (`[auth]` in `roost.toml`), and the state sign-in keeps.
//!
//! ```toml
//! [auth]
//! signup = false                        # ROOST_SIGNUP: anyone may create an account
//! public_url = "https://roost.example"  # ROOST_PUBLIC_URL: Secure cookies
//! session_hours = 12                    # how long a sign-in lasts
//! ```

pub mod idtoken;
pub mod oidc;
pub mod password;
pub mod session;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::error::ApiError;

/// `[auth]`: who may create accounts and how sessions behave.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Whether anyone may create an account at `POST /auth/signup` (default false: people
    /// arrive by invitation, or are made with `roost user create`).
    #[serde(default)]
    pub signup: bool,
    /// Where people reach Roost; an `https://` address marks session cookies `Secure`.
    pub public_url: Option<String>,
    /// How long a sign-in lasts, in hours (default 12, at most 720).
    pub session_hours: Option<u64>,
    /// `[auth.oidc]`: sign-in through an OpenID provider (see [`oidc`]).
    pub oidc: Option<oidc::OidcConfig>,
}

impl AuthConfig {
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(open) = var("ROOST_SIGNUP") {
            self.signup = matches!(open.trim(), "1" | "true" | "yes");
        }
        if let Some(url) = var("ROOST_PUBLIC_URL").filter(|u| !u.trim().is_empty()) {
            self.public_url = Some(url);
        }
        if let (Some(oidc), Some(secret)) = (&mut self.oidc, var("ROOST_OIDC_CLIENT_SECRET")) {
            oidc.client_secret = Some(secret);
        }
    }

    pub fn session_length(&self) -> Duration {
        Duration::from_secs(self.session_hours.unwrap_or(12).clamp(1, 720) * 3600)
    }

    /// Whether cookies must be sent over https only.
    pub fn secure(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

/// Failed sign-ins allowed per e-mail address within [`FAILURE_WINDOW`]: stops guessing a
/// password online, at the cost of letting a stranger lock an address out for a while.
pub const MAX_FAILURES: u32 = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses tracked at once; beyond, the oldest entries are forgotten (bounded memory).
const MAX_TRACKED: usize = 10_000;

/// What sign-in shares across requests: the configuration and recent failures.
pub struct People {
    pub config: AuthConfig,
    pub oidc: Option<oidc::Oidc>,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl People {
    pub fn new(config: AuthConfig) -> Result<Self, String> {
        let oidc = config.oidc.clone().map(oidc::Oidc::new).transpose()?;
        Ok(Self { config, oidc, failures: Mutex::default() })
    }

    /// The OpenID provider's name for its sign-in button, when one is configured.
    pub fn oidc_label(&self) -> Option<String> {
        self.oidc.as_ref().map(|o| o.config.name.clone())
    }

    /// Refuses a sign-in for `email` while it has had too many failures lately.
    pub fn check_attempts(&self, email: &str) -> Result<(), ApiError> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(email) {
            Some((count, since)) if *count >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW => {
                let minutes = (FAILURE_WINDOW - since.elapsed()).as_secs() / 60 + 1;
                Err(ApiError::new(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many failed sign-ins for this address; try again in {minutes} minutes"),
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        }
        if failures.len() >= MAX_TRACKED {
            return;
        }
        let entry = failures.entry(email.to_string()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= FAILURE_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    pub fn clear_failures(&self, email: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(email);
    }
}

/// An e-mail address as accounts are keyed: trimmed, lowercase, `local@domain`, bounded.
pub fn normalize_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && email.matches('@').count() == 1
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','));
    if valid { Ok(email) } else { Err(ApiError::invalid("`email` is not an e-mail address (name@example.com)")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalized_and_checked() {
        assert_eq!(normalize_email(" Alice@Example.COM ").unwrap(), "alice@example.com");
        for bad in ["alice", "@example.com", "a@b", "a@@b.com", "a b@c.com", "a@b.com,c@d.com", "a@.com"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn failures_lock_an_address_for_a_while_only() {
        let people = People::new(AuthConfig::default()).unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(people.check_attempts("a@b.co").is_ok());
            people.record_failure("a@b.co");
        }
        assert_eq!(people.check_attempts("a@b.co").unwrap_err().status, 429);
        assert!(people.check_attempts("other@b.co").is_ok());
        people.clear_failures("a@b.co");
        assert!(people.check_attempts("a@b.co").is_ok());
    }
}
