//! Secrets encrypted at rest with XChaCha20-Poly1305 under the instance's master key.
//!
//! The key comes from `ROOST_MASTER_KEY` (64 hex digits) or from `master.key` in the data
//! directory, created with mode 0600 on first start. Each value is sealed with a fresh
//! random nonce and bound to its workspace and name as associated data, so a ciphertext
//! copied to another row does not open.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::capabilities::secrets::{Secret, parse_binding};
use crate::engine::{EngineError, SecretSource};
use crate::runtime::pattern::HostPattern;
use crate::store::{Actor, SealedSecret, Store, StoreError};

/// The instance's cipher for secrets.
#[derive(Clone)]
pub struct Vault {
    cipher: Arc<XChaCha20Poly1305>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault([key redacted])")
    }
}

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("ROOST_MASTER_KEY must be 64 hexadecimal digits (32 bytes), e.g. from `openssl rand -hex 32`")]
    BadKey,
    #[error("cannot read or create the master key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("secret `{0}` does not decrypt with this master key (was the key changed?)")]
    Open(String),
    #[error("no randomness available: {0}")]
    Random(String),
    #[error(
        "this database's secrets were sealed with another master key: give this process the key the \
         others use (ROOST_MASTER_KEY, or master.key in the data directory)"
    )]
    WrongKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Vault {
    /// The key from `env_key` if given, else from `master.key` in `data_dir` (created if absent).
    pub fn load(env_key: Option<&str>, data_dir: &Path) -> Result<Self, VaultError> {
        let key = match env_key {
            Some(hex_key) => parse_key(hex_key.trim())?,
            None => key_file(&data_dir.join("master.key"))?,
        };
        Ok(Self::from_key(&key))
    }

    pub fn from_key(key: &[u8; 32]) -> Self {
        Self { cipher: Arc::new(XChaCha20Poly1305::new(key.into())) }
    }

    /// Seals `value` for secret `name` of `workspace`.
    pub fn seal(
        &self,
        workspace: &str,
        name: &str,
        value: &str,
        hosts: Vec<String>,
    ) -> Result<SealedSecret, VaultError> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|e| VaultError::Random(e.to_string()))?;
        let aad = associated(workspace, name);
        let ciphertext = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: value.as_bytes(), aad: &aad })
            .map_err(|_| VaultError::Open(name.to_string()))?;
        Ok(SealedSecret {
            name: name.to_string(),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ciphertext),
            hosts,
            updated_at: 0,
        })
    }

    /// Opens a sealed secret of `workspace`.
    pub fn open(&self, workspace: &str, sealed: &SealedSecret) -> Result<String, VaultError> {
        let fail = || VaultError::Open(sealed.name.clone());
        let nonce = hex::decode(&sealed.nonce).map_err(|_| fail())?;
        let ciphertext = hex::decode(&sealed.ciphertext).map_err(|_| fail())?;
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| fail())?;
        let aad = associated(workspace, &sealed.name);
        let plain =
            self.cipher.decrypt(&XNonce::from(nonce), Payload { msg: &ciphertext, aad: &aad }).map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }
}

/// The name the master key's check value is sealed under (with no workspace).
const CHECK_NAME: &str = "master-key-check";

impl Vault {
    /// Refuses to go on with a key other than the one the database's secrets are sealed
    /// with: checked against the stored check value, or, in a database that has none yet,
    /// against any stored secret; then the check value is stored.
    pub async fn verify(&self, store: &Store) -> Result<(), VaultError> {
        let check = |nonce: String, ciphertext: String| SealedSecret {
            name: CHECK_NAME.into(),
            nonce,
            ciphertext,
            hosts: Vec::new(),
            updated_at: 0,
        };
        if let Some((nonce, ciphertext)) = store.vault_check().await? {
            return self.open("", &check(nonce, ciphertext)).map(drop).map_err(|_| VaultError::WrongKey);
        }
        if let Some((workspace, secret)) = store.any_secret().await? {
            self.open(&workspace, &secret).map_err(|_| VaultError::WrongKey)?;
        }
        let sealed = self.seal("", CHECK_NAME, "roost", Vec::new())?;
        store.set_vault_check(&sealed.nonce, &sealed.ciphertext).await?;
        Ok(())
    }
}

/// The longest secret value, in bytes. Real tokens and keys are under 2 KiB; each step that
/// may use a secret builds a redactor over a dozen encodings of its value, so a megabyte
/// value would cost a gigabyte and seconds per step.
pub const MAX_SECRET_BYTES: usize = 8 * 1024;

/// Why a secret was not set.
#[derive(Debug, thiserror::Error)]
pub enum SetSecretError {
    /// A bad value or binding, in words for the person setting it.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seals and stores secret `name` of `workspace`, bound to `hosts` (the only hosts its value
/// is ever sent to; see [`parse_binding`]), and records that `actor` set it. The API and
/// `roost secret set` both set secrets through here.
pub async fn set_secret(
    (store, vault): (&Store, &Vault),
    workspace: &str,
    name: &str,
    value: &str,
    hosts: Vec<String>,
    actor: &Actor,
) -> Result<(), SetSecretError> {
    parse_binding("hosts", &hosts).map_err(SetSecretError::Invalid)?;
    if value.is_empty() {
        return Err(SetSecretError::Invalid("value: a secret cannot be empty; delete it instead".into()));
    }
    if value.len() > MAX_SECRET_BYTES {
        return Err(SetSecretError::Invalid(too_long(name, value.len())));
    }
    store.put_secret(workspace, &vault.seal(workspace, name, value, hosts)?).await?;
    store.audit(Some(workspace), actor, "secret.set", name, None).await?;
    Ok(())
}

fn too_long(name: &str, len: usize) -> String {
    format!("secret `{name}`: its value is {len} bytes, over the limit of {MAX_SECRET_BYTES} bytes")
}

fn associated(workspace: &str, name: &str) -> Vec<u8> {
    format!("roost-secret\0{workspace}\0{name}").into_bytes()
}

fn parse_key(text: &str) -> Result<[u8; 32], VaultError> {
    let bytes = hex::decode(text).map_err(|_| VaultError::BadKey)?;
    bytes.try_into().map_err(|_| VaultError::BadKey)
}

/// Reads the key file, or creates it with a fresh key, readable by its owner only.
fn key_file(path: &Path) -> Result<[u8; 32], VaultError> {
    let err = |message: String| VaultError::KeyFile { path: path.display().to_string(), message };
    match std::fs::read_to_string(path) {
        Ok(text) => return parse_key(text.trim()).map_err(|_| err("it does not hold 64 hex digits".into())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e.to_string())),
        Err(_) => {}
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| VaultError::Random(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| err(e.to_string()))?;
    std::io::Write::write_all(&mut file, hex::encode(key).as_bytes()).map_err(|e| err(e.to_string()))?;
    Ok(key)
}

/// Each workspace's secrets, opened from the store when a step runs. A stored binding is
/// read under today's rules: no hosts means sent nowhere, and an every-host entry
/// (`https://*`, which older versions accepted) binds to nothing.
pub struct StoredSecrets {
    pub store: Store,
    pub vault: Vault,
}

impl SecretSource for StoredSecrets {
    fn secrets<'a>(
        &'a self,
        workspace: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<BTreeMap<String, Secret>, EngineError>> {
        Box::pin(async move {
            let mut out = BTreeMap::new();
            for sealed in self.store.secrets(workspace).await? {
                let value = self.vault.open(workspace, &sealed).map_err(|e| EngineError::Invalid(e.to_string()))?;
                if value.len() > MAX_SECRET_BYTES {
                    let hint = "; set it again with a shorter value or delete it";
                    return Err(EngineError::Invalid(format!("{}{hint}", too_long(&sealed.name, value.len()))));
                }
                let hosts = sealed
                    .hosts
                    .iter()
                    .filter_map(|h| HostPattern::parse(h).ok())
                    .filter(|p| !p.is_any_host())
                    .collect();
                out.insert(sealed.name.clone(), Secret { value, hosts });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_place() {
        let vault = Vault::from_key(&[7; 32]);
        let sealed = vault.seal("acme", "TOKEN", "s3cr3t", vec![]).unwrap();
        assert!(!sealed.ciphertext.contains(&hex::encode("s3cr3t")));
        assert_eq!(vault.open("acme", &sealed).unwrap(), "s3cr3t");
        assert!(vault.open("globex", &sealed).is_err(), "another workspace must not open it");
        let renamed = SealedSecret { name: "OTHER".into(), ..sealed.clone() };
        assert!(vault.open("acme", &renamed).is_err(), "another name must not open it");
        assert!(Vault::from_key(&[8; 32]).open("acme", &sealed).is_err(), "another key must not open it");
    }

    #[tokio::test]
    async fn a_process_with_another_master_key_is_refused() {
        let (a, b) = (Vault::from_key(&[7; 32]), Vault::from_key(&[8; 32]));
        let fresh = Store::connect("sqlite::memory:").await.unwrap();
        a.verify(&fresh).await.unwrap();
        a.verify(&fresh).await.expect("the same key again");
        assert!(matches!(b.verify(&fresh).await, Err(VaultError::WrongKey)), "another key");

        // A database from before check values: its secrets decide, then the check is kept.
        let older = Store::connect("sqlite::memory:").await.unwrap();
        older.create_workspace("acme", "acme", &serde_json::json!({})).await.unwrap();
        older.put_secret("acme", &a.seal("acme", "TOKEN", "t", vec![]).unwrap()).await.unwrap();
        let refused = b.verify(&older).await.unwrap_err();
        assert!(refused.to_string().contains("sealed with another master key"), "{refused}");
        assert_eq!(older.vault_check().await.unwrap(), None, "a refused key stores nothing");
        a.verify(&older).await.unwrap();
        assert!(older.vault_check().await.unwrap().is_some());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = Vault::load(None, dir.path()).unwrap();
        let sealed = a.seal("w", "N", "v", vec![]).unwrap();
        let b = Vault::load(None, dir.path()).unwrap();
        assert_eq!(b.open("w", &sealed).unwrap(), "v");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("master.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(Vault::load(Some("abc"), dir.path()), Err(VaultError::BadKey)));
    }
}
