//! Cursors in the plugin's key-value namespace: the newest id a list was read up to.
//!
//! A run also records the cursor it started from under its idempotency key, so a retry
//! of the same logical step (after a crash or a rejected output) reads the same range
//! again instead of finding the cursor already moved past it.

use roost_sdk::{StepError, kv};

/// How long a run's starting cursor is kept for its retries.
const START_TTL_SECONDS: u32 = 86_400;

/// The longest cursor key accepted (the host allows 512 bytes per key).
pub const MAX_KEY_LEN: usize = 200;

/// Checks a user-given cursor key.
pub fn check_key(key: &str) -> Result<(), StepError> {
    if key.trim().is_empty() || key.len() > MAX_KEY_LEN {
        return Err(StepError::invalid_input(format!(
            "`cursor_key` must be 1 to {MAX_KEY_LEN} bytes; leave it out to use the default derived from the instance"
        )));
    }
    Ok(())
}

/// The cursor this run starts from: the one an earlier attempt of the same step started
/// from, else the saved one (`None` on the very first run).
pub fn load(key: &str, idempotency_key: &str) -> Result<Option<String>, StepError> {
    let read = |k: &str| -> Result<Option<String>, StepError> {
        Ok(kv::get(k)?.map(|v| String::from_utf8_lossy(&v).trim().to_string()))
    };
    if idempotency_key.is_empty() {
        return Ok(read(key)?.filter(|c| !c.is_empty()));
    }
    let start_key = format!("{key}#start:{idempotency_key}");
    if let Some(start) = read(&start_key)? {
        return Ok(Some(start).filter(|c| !c.is_empty()));
    }
    let current = read(key)?.filter(|c| !c.is_empty());
    kv::set(&start_key, current.as_deref().unwrap_or_default().as_bytes(), Some(START_TTL_SECONDS))?;
    Ok(current)
}

/// Saves the cursor the next run starts after.
pub fn save(key: &str, cursor: &str) -> Result<(), StepError> {
    kv::set(key, cursor.as_bytes(), None)?;
    Ok(())
}
