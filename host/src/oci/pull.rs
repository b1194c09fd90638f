//! Fetching a plugin: tag resolved to a digest, every blob bounded and checked, signature
//! judged by the trust policy.

use super::artifact::{ImageManifest, PLUGIN_TOML_MEDIA_TYPE, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use super::client::{Access, Session};
use super::{MAX_COMPONENT, MAX_MANIFEST_TEXT, MAX_SMALL_BLOB, OciError, Reference, TrustPolicy, signature};

/// A plugin fetched from a registry, its digests checked.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The reference pinned to what was pulled: `registry/repository[:tag]@sha256:<hex>`.
    pub reference: String,
    /// The `plugin.toml` text.
    pub manifest_text: String,
    /// The component.
    pub wasm: Vec<u8>,
    /// `sha256:<hex>` of the OCI manifest.
    pub digest: String,
    /// Hex SHA-256 of the component, as `Plugin::digest`.
    pub component_sha256: String,
    /// Id of the trusted key whose signature was verified, if any.
    pub signer: Option<String>,
}

/// Pulls the plugin at `reference` (`registry/repository:tag` or `...@sha256:<hex>`).
///
/// Refuses a manifest over [`super::MAX_MANIFEST`], a component over [`MAX_COMPONENT`], a
/// `plugin.toml` over [`MAX_MANIFEST_TEXT`], any blob whose bytes do not hash to its
/// digest, an artifact that is not Roost's layout, and, when the policy requires it, one
/// no trusted key signed.
pub async fn pull(reference: &str, policy: &TrustPolicy) -> Result<Pulled, OciError> {
    let parsed = Reference::parse(reference)?;
    let mut session = Session::new(&parsed, policy, Access::Pull)?;
    let fetched = session.get_manifest(parsed.target()).await?.ok_or_else(|| OciError::NotAPlugin {
        reference: parsed.to_string(),
        reason: "the registry has no manifest by that name".into(),
    })?;
    let pinned = parsed.pinned(&fetched.digest).to_string();
    let manifest = ImageManifest::parse(&fetched.bytes, fetched.content_type.as_deref(), &pinned)?;
    if manifest.config.media_type != WASM_CONFIG_MEDIA_TYPE {
        return Err(OciError::NotAPlugin {
            reference: pinned,
            reason: format!("its config is `{}`, not `{WASM_CONFIG_MEDIA_TYPE}`", manifest.config.media_type),
        });
    }
    let wasm_layer = manifest.layer(WASM_LAYER_MEDIA_TYPE, &pinned)?.clone();
    let toml_layer = manifest.layer(PLUGIN_TOML_MEDIA_TYPE, &pinned)?.clone();
    let config = session.get_blob(&manifest.config.digest, manifest.config.size, MAX_SMALL_BLOB, "the config").await?;
    check_config(&config, &pinned)?;
    let toml = session.get_blob(&toml_layer.digest, toml_layer.size, MAX_MANIFEST_TEXT, "plugin.toml").await?;
    let manifest_text = String::from_utf8(toml)
        .map_err(|_| OciError::NotAPlugin { reference: pinned.clone(), reason: "plugin.toml is not UTF-8".into() })?;
    let wasm = session.get_blob(&wasm_layer.digest, wasm_layer.size, MAX_COMPONENT, "the component").await?;
    let signer = signature::judge(&mut session, &parsed, &fetched.digest, policy).await?;
    let component_sha256 = wasm_layer.digest.trim_start_matches("sha256:").to_string();
    Ok(Pulled { reference: pinned, manifest_text, wasm, digest: fetched.digest, component_sha256, signer })
}

/// The config must say Wasm for WASI preview 2.
fn check_config(config: &[u8], reference: &str) -> Result<(), OciError> {
    let not = |reason: String| OciError::NotAPlugin { reference: reference.to_string(), reason };
    let config: super::artifact::WasmConfig =
        serde_json::from_slice(config).map_err(|e| not(format!("its config is not a Wasm config: {e}")))?;
    if config.architecture != "wasm" || config.os != "wasip2" {
        return Err(not(format!("its config names {}/{}, not wasm/wasip2", config.architecture, config.os)));
    }
    Ok(())
}
