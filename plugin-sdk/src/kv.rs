//! The plugin's key-value namespace in the current workspace, with quotas and expiry.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StepError;

/// Why the key-value store refused an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvError {
    TooLarge,
    QuotaExceeded,
    Unavailable(String),
}

impl std::fmt::Display for KvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge => f.write_str("key or value too large"),
            Self::QuotaExceeded => f.write_str("key-value quota exceeded"),
            Self::Unavailable(m) => write!(f, "key-value store unavailable: {m}"),
        }
    }
}

impl std::error::Error for KvError {}

impl From<KvError> for StepError {
    fn from(e: KvError) -> Self {
        match e {
            KvError::Unavailable(_) => StepError::retryable(e.to_string()),
            _ => StepError::fatal(e.to_string()),
        }
    }
}

pub fn get(key: &str) -> Result<Option<Vec<u8>>, KvError> {
    crate::host::kv_get(key)
}

/// Stores `value`; with `ttl_seconds` the key expires after that long.
pub fn set(key: &str, value: &[u8], ttl_seconds: Option<u32>) -> Result<(), KvError> {
    crate::host::kv_set(key, value, ttl_seconds)
}

pub fn delete(key: &str) -> Result<(), KvError> {
    crate::host::kv_delete(key)
}

/// Reads a JSON value; a value that does not parse counts as absent.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, KvError> {
    Ok(get(key)?.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

pub fn set_json<T: Serialize>(key: &str, value: &T, ttl_seconds: Option<u32>) -> Result<(), KvError> {
    let bytes = serde_json::to_vec(value).map_err(|e| KvError::Unavailable(e.to_string()))?;
    set(key, &bytes, ttl_seconds)
}
