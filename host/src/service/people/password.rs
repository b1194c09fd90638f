//! Passwords: argon2id hashes in PHC format, checked off the async threads, with the same
//! work done whether or not an account exists, so timing does not tell who has one.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::service::error::ApiError;

/// The shortest password accepted.
pub const MIN_CHARS: usize = 10;
/// The longest: hashing cost grows with length, so a huge "password" cannot tie up a core.
pub const MAX_BYTES: usize = 256;

/// Checks that `password` is within the bounds, naming the rule it breaks.
pub fn check(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_CHARS {
        return Err(ApiError::invalid(format!("`password` needs at least {MIN_CHARS} characters")));
    }
    if password.len() > MAX_BYTES {
        return Err(ApiError::invalid(format!("`password` is longer than {MAX_BYTES} bytes")));
    }
    Ok(())
}

/// The argon2id hash of `password` (default parameters: 19 MiB, 2 passes), in PHC format.
pub fn hash(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(ApiError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    let hashed = Argon2::default().hash_password(password.as_bytes(), &salt).map_err(ApiError::internal)?;
    Ok(hashed.to_string())
}

/// A hash checked when there is no account, so that a wrong address costs what a wrong
/// password does.
static DECOY: LazyLock<String> = LazyLock::new(|| hash("decoy password, never matched").unwrap_or_default());

/// Whether `password` matches `stored` (`None`: no account, or one without a password).
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let target = stored.unwrap_or(DECOY.as_str());
    let Ok(parsed) = PasswordHash::new(target) else { return false };
    let matched =
        password.len() <= MAX_BYTES && Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    matched && stored.is_some()
}

/// [`hash`] on a blocking thread.
pub async fn hash_off_thread(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(ApiError::internal)?
}

/// [`verify`] on a blocking thread.
pub async fn verify_off_thread(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref())).await.map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_argon2id_and_verify() {
        let (a, b) = (hash("correct horse battery").unwrap(), hash("correct horse battery").unwrap());
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse battery", Some(&a)));
        assert!(!verify("correct horse battery!", Some(&a)));
        assert!(!verify("decoy password, never matched", None));
        assert!(!verify("x", Some("not a hash")));
    }

    #[test]
    fn bounds_are_checked() {
        assert!(check("short").is_err());
        assert!(check(&"x".repeat(MAX_BYTES + 1)).is_err());
        assert!(check("long enough pass").is_ok());
    }
}
