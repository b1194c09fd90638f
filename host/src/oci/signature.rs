//! Signatures in cosign's keyed format, stored next to the artifact in the same repository.
//!
//! The signed bytes are cosign's "simple signing" payload naming the repository and the
//! manifest digest; the ECDSA P-256 signature (ASN.1 DER, base64) is the
//! `dev.cosignproject.cosign/signature` annotation of an
//! `application/vnd.dev.cosign.simplesigning.v1+json` layer holding the payload, in the
//! manifest tagged `sha256-<hex>.sig`. Each signer adds a layer. No transparency log entry
//! is made (cosign verifies such signatures with `--insecure-ignore-tlog`).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::json;

use super::artifact::{Descriptor, ImageManifest};
use super::client::{Access, Session};
use super::{MAX_SMALL_BLOB, OciError, PrivateKey, Reference, TrustPolicy};

pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
const OCI_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
const PAYLOAD_TYPE: &str = "cosign container image signature";

/// The tag under which signatures of the manifest `digest` live: `sha256-<hex>.sig`.
pub fn signature_tag(digest: &str) -> String {
    format!("{}.sig", digest.replacen(':', "-", 1))
}

/// The simple-signing payload for `digest` in `reference`'s repository.
fn payload(reference: &Reference, digest: &str) -> Vec<u8> {
    let payload = json!({
        "critical": {
            "identity": { "docker-reference": reference.repository_name() },
            "image": { "docker-manifest-digest": digest },
            "type": PAYLOAD_TYPE,
        },
        "optional": null,
    });
    serde_json::to_vec(&payload).unwrap_or_default()
}

/// Signs the manifest `reference` names (resolving a tag) and returns its digest.
pub async fn sign(reference: &str, key: &PrivateKey, policy: &TrustPolicy) -> Result<String, OciError> {
    let parsed = Reference::parse(reference)?;
    let mut session = Session::new(&parsed, policy, Access::Push)?;
    let manifest = session.get_manifest(parsed.target()).await?;
    let digest = manifest.map(|m| m.digest).ok_or_else(|| OciError::NotAPlugin {
        reference: parsed.to_string(),
        reason: "the registry has no manifest by that name".into(),
    })?;
    let payload = payload(&parsed, &digest);
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&payload)?);
    session.put_blob(&payload, "the signature payload").await?;
    let mut layer = Descriptor::of(SIMPLE_SIGNING_MEDIA_TYPE, &payload);
    layer.annotations.insert(SIGNATURE_ANNOTATION.into(), signature);
    let tag = signature_tag(&digest);
    let mut layers = match session.get_manifest(&tag).await? {
        Some(existing) => ImageManifest::parse(&existing.bytes, None, &tag)?.layers,
        None => Vec::new(),
    };
    layers.retain(|l| l != &layer);
    layers.push(layer);
    let diff_ids: Vec<&str> = layers.iter().map(|l| l.digest.as_str()).collect();
    let config =
        json!({ "architecture": "", "os": "", "config": {}, "rootfs": { "type": "layers", "diff_ids": diff_ids } });
    let config = serde_json::to_vec(&config).unwrap_or_default();
    session.put_blob(&config, "the signature config").await?;
    let manifest = ImageManifest::new(Descriptor::of(OCI_CONFIG_MEDIA_TYPE, &config), layers, BTreeMap::new());
    session.put_manifest(&tag, &manifest).await?;
    Ok(digest)
}

/// The id of a trusted key that signed `digest`; an error if the policy requires one and
/// none did. Without trusted keys there is nothing to check against.
pub(super) async fn judge(
    session: &mut Session,
    reference: &Reference,
    digest: &str,
    policy: &TrustPolicy,
) -> Result<Option<String>, OciError> {
    let pinned = reference.pinned(digest).to_string();
    let refuse = |reason: String| Err(OciError::Unsigned { reference: pinned.clone(), reason });
    if policy.trusted_keys.is_empty() {
        return if policy.require_signature {
            refuse("a signature is required but no trusted keys are configured".into())
        } else {
            Ok(None)
        };
    }
    let tag = signature_tag(digest);
    let Some(found) = session.get_manifest(&tag).await? else {
        return if policy.require_signature {
            refuse(format!(
                "unsigned (no signature at tag {tag}); [registry] require_signature refuses unsigned plugins"
            ))
        } else {
            Ok(None)
        };
    };
    let signatures = ImageManifest::parse(&found.bytes, found.content_type.as_deref(), &tag)?;
    let mut seen = 0;
    for layer in signatures.layers.iter().filter(|l| l.media_type == SIMPLE_SIGNING_MEDIA_TYPE) {
        let Some(sig) = layer.annotations.get(SIGNATURE_ANNOTATION) else { continue };
        seen += 1;
        let payload = session.get_blob(&layer.digest, layer.size, MAX_SMALL_BLOB, "a signature payload").await?;
        if !claims(&payload, digest) {
            continue;
        }
        let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(sig.trim()) else { continue };
        if let Some(key) = policy.trusted_keys.iter().find(|k| k.verifies(&payload, &sig)) {
            return Ok(Some(key.id()));
        }
    }
    if !policy.require_signature {
        return Ok(None);
    }
    let trusted: Vec<String> = policy.trusted_keys.iter().map(|k| format!("{} ({})", k.id(), k.source)).collect();
    refuse(format!("{seen} signature(s) found, none by a trusted key (trusted: {})", trusted.join(", ")))
}

/// Whether a simple-signing `payload` claims exactly `digest`, with cosign's payload type.
fn claims(payload: &[u8], digest: &str) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(payload) else { return false };
    let critical = &value["critical"];
    critical["image"]["docker-manifest-digest"] == digest && critical["type"] == PAYLOAD_TYPE
}
