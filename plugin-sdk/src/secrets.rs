//! Secret placeholders: a plugin names a secret, the host fills in its value on the wire.
//!
//! The value goes only to hosts that both the manifest's `[permissions] secrets` entry and
//! the binding the workspace gave when setting the secret allow; a request to any other
//! host fails with `HttpError::Denied`. Responses come back with every value of the step's
//! secrets replaced by `[redacted:NAME]`, so a plugin never learns one from an echo.

use crate::StepError;

/// Why a secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// The manifest's `[permissions] secrets` does not list it.
    NotDeclared(String),
    /// The workspace has no value for it.
    NotSet(String),
}

impl std::fmt::Display for SecretError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotDeclared(n) => write!(f, "secret `{n}` is not declared in the plugin manifest"),
            Self::NotSet(n) => write!(f, "secret `{n}` is not set in this workspace"),
        }
    }
}

impl std::error::Error for SecretError {}

impl From<SecretError> for StepError {
    fn from(e: SecretError) -> Self {
        StepError::invalid_input(e.to_string())
    }
}

/// The text `{{secret:NAME}}` to put into a header or body, once the host has checked
/// that `name` is declared and set. The plugin never sees the value itself.
pub fn placeholder(name: &str) -> Result<String, SecretError> {
    crate::host::secret_placeholder(name)
}

/// HMAC-SHA256 of `message` keyed with the secret `name`, as lowercase hex, computed by
/// the host: for signing a webhook body without ever holding the key.
///
/// ```rust,ignore
/// let signature = roost_sdk::secrets::hmac_sha256("WEBHOOK_SECRET", body.as_bytes())?;
/// request = request.header("X-Signature", format!("sha256={signature}"));
/// ```
pub fn hmac_sha256(name: &str, message: &[u8]) -> Result<String, SecretError> {
    crate::host::secret_hmac_sha256(name, message)
}
