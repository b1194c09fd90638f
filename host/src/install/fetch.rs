//! Where an install comes from: a local plugin folder, or an OCI reference.

use std::path::Path;

use super::InstallError;
use crate::oci::{Pulled, TrustPolicy};
use crate::runtime::cache::sha256_hex;
use crate::runtime::registry::read_folder;

/// A plugin as fetched, before it is checked: what an install records.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// What was asked for: the folder's path, or the OCI reference.
    pub reference: String,
    pub manifest_text: String,
    pub wasm: Vec<u8>,
    /// `sha256:<hex>` of what was fetched: the OCI manifest's, or the component's for a folder.
    pub digest: String,
    /// The component's sha256, hex (as [`crate::runtime::Plugin::digest`]).
    pub component_sha256: String,
    /// The key id that signed it, when a signature was verified.
    pub signer: Option<String>,
}

/// Fetches `source`: a plugin folder (holding `plugin.toml` and one `.wasm`), or an OCI
/// reference (`registry.example/ns/name:tag` or `...@sha256:...`).
pub async fn fetch(source: &str, policy: &TrustPolicy) -> Result<Fetched, InstallError> {
    let path = Path::new(source);
    if path.join("plugin.toml").is_file() {
        let fetched = from_folder(path)?;
        require_signer(&fetched, policy)?;
        return Ok(fetched);
    }
    if path.is_dir() {
        return Err(InstallError::Source(format!(
            "{source} holds no plugin.toml; give the plugin's own folder (the one with plugin.toml and its .wasm)"
        )));
    }
    fetch_reference(source, policy).await
}

/// Fetches an OCI reference; never reads the local disk (what the API installs from).
/// Digests, sizes and, when the policy requires it, signatures are checked by the pull.
pub async fn fetch_reference(reference: &str, policy: &TrustPolicy) -> Result<Fetched, InstallError> {
    let Pulled { reference, manifest_text, wasm, digest, component_sha256, signer } =
        crate::oci::pull(reference, policy).await.map_err(|e| InstallError::Source(e.to_string()))?;
    Ok(Fetched { reference, manifest_text, wasm, digest, component_sha256, signer })
}

/// Refuses what no trusted key signed (a folder or an upload) when the policy requires
/// signatures: only a signed OCI artifact can be installed then.
pub fn require_signer(fetched: &Fetched, policy: &TrustPolicy) -> Result<(), InstallError> {
    if policy.require_signature && fetched.signer.is_none() {
        return Err(InstallError::Source(format!(
            "{} is not signed, and [registry] require_signature is true: install a signed OCI reference instead",
            fetched.reference
        )));
    }
    Ok(())
}

/// A plugin sent as its manifest text and component bytes (an API upload).
pub fn uploaded(label: &str, manifest_text: String, wasm: Vec<u8>) -> Fetched {
    let component_sha256 = sha256_hex(&wasm);
    Fetched {
        reference: label.to_string(),
        manifest_text,
        wasm,
        digest: format!("sha256:{component_sha256}"),
        component_sha256,
        signer: None,
    }
}

fn from_folder(folder: &Path) -> Result<Fetched, InstallError> {
    let (_, manifest_text, wasm) = read_folder(folder).map_err(|e| InstallError::Source(e.to_string()))?;
    let reference = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf()).display().to_string();
    Ok(uploaded(&reference, manifest_text, wasm))
}
