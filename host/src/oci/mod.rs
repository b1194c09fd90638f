//! Plugins as OCI artifacts: push to and pull from an OCI distribution registry, and sign.
//!
//! ```rust,ignore
//! let policy = config.registry.policy()?;
//! let pulled = roost::oci::pull("ghcr.io/acme/hashtags:0.2.0", &policy).await?;
//! let plugin = runtime.load(&pulled.reference, &pulled.manifest_text, &pulled.wasm)?;
//! ```
//!
//! The artifact follows CNCF TAG-Runtime's Wasm layout (see [`artifact`]): config
//! `application/vnd.wasm.config.v0+json`, the component as one `application/wasm` layer,
//! and Roost's `plugin.toml` as a second layer of its own media type. Every blob is
//! bounded before it is read and its digest checked after; signatures are cosign's keyed
//! format (ECDSA P-256 over the "simple signing" payload, tag `sha256-<hex>.sig`), checked
//! against the operator's [`TrustPolicy`]. `docs/plugin-registry.md` tells the whole of it.

pub mod artifact;
mod client;
pub mod keys;
mod policy;
mod pull;
pub mod push;
pub mod reference;
pub mod signature;

pub use keys::{PrivateKey, PublicKey};
pub use policy::{Credentials, RegistryConfig, TrustPolicy};
pub use pull::{Pulled, pull};
pub use reference::Reference;

/// Largest OCI manifest read: a plugin's manifest lists three descriptors, a signature
/// manifest a few; more is a registry trying to exhaust memory.
pub const MAX_MANIFEST: usize = 1024 * 1024;
/// Largest component pulled or pushed: first-party components are well under 4 MiB.
pub const MAX_COMPONENT: usize = 64 * 1024 * 1024;
/// Largest `plugin.toml` carried by an artifact.
pub const MAX_MANIFEST_TEXT: usize = 256 * 1024;
/// Largest config blob, signature payload or token response: small JSON documents.
pub const MAX_SMALL_BLOB: usize = 64 * 1024;
/// Largest error body kept to quote a registry's complaint.
const MAX_ERROR_BODY: usize = 4 * 1024;

/// Why a push, pull, signature or key operation failed. No message holds a credential.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    #[error("bad reference `{reference}`: {reason}")]
    BadReference { reference: String, reason: String },
    #[error(
        "{registry}: plain http is allowed only for loopback registries or those in [registry] insecure_registries"
    )]
    PlainHttp { registry: String },
    #[error("{url}: {message}")]
    Connection { url: String, message: String },
    #[error("{url}: the registry answered {status}{detail}")]
    Status { url: String, status: u16, detail: String },
    #[error("{registry}: authentication failed: {reason}")]
    Auth { registry: String, reason: String },
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge { what: String, limit: usize },
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch { what: String, expected: String, actual: String },
    #[error("{reference} is not a Roost plugin artifact: {reason}")]
    NotAPlugin { reference: String, reason: String },
    #[error("{reference}: {reason}")]
    Unsigned { reference: String, reason: String },
    #[error("key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

impl OciError {
    /// A manifest or blob named `what` that exceeds `limit`.
    pub fn too_large(what: impl Into<String>, limit: usize) -> Self {
        Self::TooLarge { what: what.into(), limit }
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::runtime::cache::sha256_hex(bytes))
}
