//! Signing keys: ECDSA P-256, as cosign's keyed signing uses them, in PEM files.
//!
//! The private key is PKCS#8 (`-----BEGIN PRIVATE KEY-----`), written unencrypted with
//! mode 0600 (cosign itself wants its own encrypted format; `cosign import-key-pair`
//! reads this one). The public key is a SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`),
//! the same file `cosign verify --key` reads. A key's id is the first 16 hex digits of the
//! SHA-256 of that SubjectPublicKeyInfo.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _, UnparsedPublicKey,
};

use super::OciError;

/// DER of a P-256 SubjectPublicKeyInfo up to the 65-byte uncompressed point:
/// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (0 unused bits) }.
const SPKI_P256_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// Largest key file read: a PEM key is a few hundred bytes.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// A public key that verifies signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The uncompressed point (65 bytes).
    point: Vec<u8>,
    /// Where it came from, for messages: a path, or `inline`.
    pub source: String,
}

impl PublicKey {
    /// Reads `entry`: PEM text itself (starting `-----BEGIN`) or the path of a PEM file.
    pub fn load(entry: &str) -> Result<Self, OciError> {
        let (source, text) = if entry.trim_start().starts_with("-----BEGIN") {
            ("inline".to_string(), entry.to_string())
        } else {
            (entry.to_string(), read_key_file(Path::new(entry))?)
        };
        Self::from_pem(&text, &source)
    }

    pub fn from_pem(text: &str, source: &str) -> Result<Self, OciError> {
        let bad = |reason: &str| OciError::Key { path: source.to_string(), reason: reason.to_string() };
        let der = pem_decode(text, "PUBLIC KEY").map_err(|r| bad(&r))?;
        let point = der.strip_prefix(&SPKI_P256_PREFIX[..]).filter(|p| p.len() == 65 && p[0] == 4);
        let point = point.ok_or_else(|| bad("not an ECDSA P-256 public key"))?;
        Ok(Self { point: point.to_vec(), source: source.to_string() })
    }

    /// The SubjectPublicKeyInfo DER.
    fn spki(&self) -> Vec<u8> {
        [&SPKI_P256_PREFIX[..], &self.point].concat()
    }

    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.spki())
    }

    /// First 16 hex digits of SHA-256 over the SubjectPublicKeyInfo.
    pub fn id(&self) -> String {
        crate::runtime::cache::sha256_hex(&self.spki())[..16].to_string()
    }

    /// Whether `signature` (ASN.1 DER ECDSA) signs `message` (hashed with SHA-256).
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &self.point).verify(message, signature).is_ok()
    }
}

/// A private key that signs.
pub struct PrivateKey {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.public().id())
    }
}

impl PrivateKey {
    pub fn generate() -> Result<Self, OciError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| OciError::Invalid("cannot generate a key: no system randomness".into()))?;
        Self::from_pkcs8(pkcs8.as_ref(), "generated")
    }

    fn from_pkcs8(pkcs8: &[u8], source: &str) -> Result<Self, OciError> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &SystemRandom::new()).map_err(|e| {
                OciError::Key {
                    path: source.to_string(),
                    reason: format!("not a PKCS#8 ECDSA P-256 private key ({e})"),
                }
            })?;
        Ok(Self { pair, pkcs8: pkcs8.to_vec() })
    }

    /// Reads a PEM `PRIVATE KEY` file.
    pub fn load(path: &Path) -> Result<Self, OciError> {
        let source = path.display().to_string();
        let text = read_key_file(path)?;
        let der = pem_decode(&text, "PRIVATE KEY").map_err(|reason| OciError::Key { path: source.clone(), reason })?;
        Self::from_pkcs8(&der, &source)
    }

    pub fn public(&self) -> PublicKey {
        PublicKey { point: self.pair.public_key().as_ref().to_vec(), source: "generated".into() }
    }

    /// An ASN.1 DER ECDSA signature of SHA-256(`message`).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, OciError> {
        let sig =
            self.pair.sign(&SystemRandom::new(), message).map_err(|_| OciError::Invalid("signing failed".into()))?;
        Ok(sig.as_ref().to_vec())
    }

    /// Writes `PREFIX.key` (mode 0600, never over an existing file) and `PREFIX.pub`.
    pub fn write_pair(&self, prefix: &Path) -> Result<(), OciError> {
        let private = prefix.with_extension("key");
        let public = prefix.with_extension("pub");
        let fail =
            |path: &Path, e: std::io::Error| OciError::Key { path: path.display().to_string(), reason: e.to_string() };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&private).map_err(|e| fail(&private, e))?;
        file.write_all(pem_encode("PRIVATE KEY", &self.pkcs8).as_bytes()).map_err(|e| fail(&private, e))?;
        std::fs::write(&public, self.public().to_pem()).map_err(|e| fail(&public, e))
    }
}

fn read_key_file(path: &Path) -> Result<String, OciError> {
    let fail = |reason: String| OciError::Key { path: path.display().to_string(), reason };
    let len = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?.len();
    if len > MAX_KEY_FILE {
        return Err(fail(format!("larger than {MAX_KEY_FILE} bytes: not a key")));
    }
    std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// The DER inside the first `label` block of `text`.
fn pem_decode(text: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or_else(|| format!("no `{begin}` block"))? + begin.len();
    let stop = text[start..].find(&end).ok_or_else(|| format!("no `{end}` line"))? + start;
    let body: String = text[start..stop].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(body).map_err(|e| format!("bad base64 in the PEM block: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_sign() {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate().unwrap();
        key.write_pair(&dir.path().join("k")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("k.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(key.write_pair(&dir.path().join("k")).is_err(), "an existing key is never overwritten");
        let loaded = PrivateKey::load(&dir.path().join("k.key")).unwrap();
        let public = PublicKey::load(dir.path().join("k.pub").to_str().unwrap()).unwrap();
        assert_eq!(public.id(), key.public().id());
        let sig = loaded.sign(b"payload").unwrap();
        assert!(public.verifies(b"payload", &sig));
        assert!(!public.verifies(b"payload!", &sig));
        let inline = PublicKey::load(&public.to_pem()).unwrap();
        assert_eq!(inline.source, "inline");
        assert!(PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "x").is_err());
    }
}
