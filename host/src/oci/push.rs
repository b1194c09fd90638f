//! Publishing: a plugin's component and `plugin.toml` pushed as one artifact under a tag.

use super::artifact::{self, Metadata};
use super::client::{Access, Session};
use super::{MAX_COMPONENT, MAX_MANIFEST_TEXT, OciError, Reference, TrustPolicy};

/// Pushes the artifact to `reference` (which must name a tag) and returns the manifest's
/// digest, `sha256:<hex>`.
pub async fn push(
    reference: &Reference,
    wasm: &[u8],
    plugin_toml: &str,
    meta: &Metadata,
    policy: &TrustPolicy,
) -> Result<String, OciError> {
    if reference.digest.is_some() {
        return Err(OciError::BadReference {
            reference: reference.to_string(),
            reason: "publish names a tag, not a digest".into(),
        });
    }
    let tag = reference.tag.as_deref().unwrap_or("latest");
    if wasm.len() > MAX_COMPONENT {
        return Err(OciError::too_large("the component", MAX_COMPONENT));
    }
    if plugin_toml.len() > MAX_MANIFEST_TEXT {
        return Err(OciError::too_large("plugin.toml", MAX_MANIFEST_TEXT));
    }
    let built = artifact::build(wasm, plugin_toml, meta);
    let mut session = Session::new(reference, policy, Access::Push)?;
    session.put_blob(&built.config, "the config").await?;
    session.put_blob(wasm, "the component").await?;
    session.put_blob(plugin_toml.as_bytes(), "plugin.toml").await?;
    session.put_manifest(tag, &built.manifest).await
}
