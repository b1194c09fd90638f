//! Publishing and pulling against the real registry: layout, bytes, tampering, size limits.

use roost::oci::artifact::{
    Descriptor, ImageManifest, MANIFEST_MEDIA_TYPE, PLUGIN_TOML_MEDIA_TYPE, WASM_CONFIG_MEDIA_TYPE,
    WASM_LAYER_MEDIA_TYPE,
};
use roost::oci::{OciError, TrustPolicy, pull};
use serde_json::Value;

use super::{RegistryServer, first_party, publish};
use crate::support;

#[tokio::test]
async fn published_plugin_pulls_by_tag_and_by_digest() {
    let registry = RegistryServer::start().await;
    let reference = registry.reference("sentiment", "0.1.0");
    let digest = publish("sentiment", &reference).await;
    let (toml, wasm) = first_party("sentiment");

    let by_tag = pull(&reference, &TrustPolicy::default()).await.unwrap();
    assert_eq!(by_tag.digest, digest);
    assert_eq!(by_tag.reference, format!("{reference}@{digest}"));
    assert!(by_tag.wasm == wasm, "the component comes back byte for byte");
    assert_eq!(by_tag.manifest_text, toml);
    assert_eq!(by_tag.component_sha256, roost::runtime::cache::sha256_hex(&wasm));
    assert_eq!(by_tag.signer, None);

    let pinned = format!("{}/roost/sentiment@{digest}", registry.addr);
    let by_digest = pull(&pinned, &TrustPolicy::default()).await.unwrap();
    assert_eq!((by_digest.digest.as_str(), by_digest.wasm.len()), (digest.as_str(), wasm.len()));

    // What was pulled loads as a plugin, with the digest the host records for it.
    let plugin = support::runtime().load(&by_tag.reference, &by_tag.manifest_text, &by_tag.wasm).unwrap();
    assert_eq!(plugin.digest, by_tag.component_sha256);
}

#[tokio::test]
async fn artifact_has_the_wasm_layout_and_annotations() {
    let registry = RegistryServer::start().await;
    let digest = publish("sentiment", &registry.reference("sentiment", "0.1.0")).await;
    let base = format!("http://{}/v2/roost/sentiment", registry.addr);
    let resp = reqwest::Client::new()
        .get(format!("{base}/manifests/{digest}"))
        .header("accept", MANIFEST_MEDIA_TYPE)
        .send()
        .await
        .unwrap();
    let manifest: Value = resp.json().await.unwrap();
    assert_eq!(manifest["config"]["mediaType"], WASM_CONFIG_MEDIA_TYPE);
    assert_eq!(manifest["layers"][0]["mediaType"], WASM_LAYER_MEDIA_TYPE);
    assert_eq!(manifest["layers"][1]["mediaType"], PLUGIN_TOML_MEDIA_TYPE);
    assert_eq!(manifest["layers"][1]["annotations"]["org.opencontainers.image.title"], "plugin.toml");
    let annotations = &manifest["annotations"];
    assert_eq!(annotations["org.opencontainers.image.title"], "sentiment");
    assert_eq!(annotations["org.opencontainers.image.version"], "0.1.0");
    assert_eq!(annotations["org.opencontainers.image.source"], "https://example.org/roost");
    assert_eq!(annotations["org.opencontainers.image.created"], "2026-01-01T00:00:00Z");
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let config: Value = reqwest::get(format!("{base}/blobs/{config_digest}")).await.unwrap().json().await.unwrap();
    assert_eq!((config["architecture"].as_str(), config["os"].as_str()), (Some("wasm"), Some("wasip2")));
    assert_eq!(config["layerDigests"][0], manifest["layers"][0]["digest"]);
    let exports: Vec<&str> =
        config["component"]["exports"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(exports.contains(&"run"), "exports: {exports:?}");
    let imports = config["component"]["imports"].as_array().unwrap();
    assert!(imports.iter().any(|i| i.as_str().is_some_and(|i| i.starts_with("roost:plugin/"))), "{imports:?}");
}

#[tokio::test]
async fn tampered_blob_is_refused() {
    let registry = RegistryServer::start().await;
    let reference = registry.reference("sentiment", "0.1.0");
    publish("sentiment", &reference).await;
    let (_, wasm) = first_party("sentiment");
    let file = registry.blob_file(&roost::oci::sha256_digest(&wasm));
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let err = pull(&reference, &TrustPolicy::default()).await.unwrap_err();
    assert!(matches!(err, OciError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains("the component: digest mismatch"), "{err}");
}

#[tokio::test]
async fn manifest_whose_layer_lies_about_its_blob_is_refused() {
    let registry = RegistryServer::start().await;
    let reference = registry.reference("sentiment", "0.1.0");
    let digest = publish("sentiment", &reference).await;
    let honest = pull(&reference, &TrustPolicy::default()).await.unwrap();
    // The wasm layer points at plugin.toml's blob (present, so the registry takes the
    // manifest) while announcing the component's size.
    let mut manifest = raw_manifest(&registry, &digest).await;
    let toml_digest = roost::oci::sha256_digest(honest.manifest_text.as_bytes());
    manifest.layers[0].digest = toml_digest;
    put_manifest(&registry, "lying", &manifest.to_bytes()).await;
    let err = pull(&registry.reference("sentiment", "lying"), &TrustPolicy::default()).await.unwrap_err();
    assert!(err.to_string().contains("the component size: digest mismatch"), "{err}");
}

#[tokio::test]
async fn oversized_manifest_and_component_are_refused() {
    let registry = RegistryServer::start().await;
    let reference = registry.reference("sentiment", "0.1.0");
    let digest = publish("sentiment", &reference).await;
    let mut manifest = raw_manifest(&registry, &digest).await;
    manifest.annotations.insert("padding".into(), "x".repeat(roost::oci::MAX_MANIFEST));
    put_manifest(&registry, "huge", &manifest.to_bytes()).await;
    let err = pull(&registry.reference("sentiment", "huge"), &TrustPolicy::default()).await.unwrap_err();
    assert!(matches!(err, OciError::TooLarge { limit, .. } if limit == roost::oci::MAX_MANIFEST), "{err}");

    // A component announced over the limit is refused before a byte of it is read.
    let mut manifest = raw_manifest(&registry, &digest).await;
    manifest.layers[0].size = roost::oci::MAX_COMPONENT as u64 + 1;
    put_manifest(&registry, "fat", &manifest.to_bytes()).await;
    let err = pull(&registry.reference("sentiment", "fat"), &TrustPolicy::default()).await.unwrap_err();
    assert!(matches!(err, OciError::TooLarge { limit, .. } if limit == roost::oci::MAX_COMPONENT), "{err}");
}

#[tokio::test]
async fn what_is_not_a_plugin_is_refused() {
    let registry = RegistryServer::start().await;
    let digest = publish("sentiment", &registry.reference("sentiment", "0.1.0")).await;
    let mut manifest = raw_manifest(&registry, &digest).await;
    manifest.layers.retain(|l| l.media_type != PLUGIN_TOML_MEDIA_TYPE);
    put_manifest(&registry, "bare", &manifest.to_bytes()).await;
    let err = pull(&registry.reference("sentiment", "bare"), &TrustPolicy::default()).await.unwrap_err();
    assert!(err.to_string().contains("no `application/vnd.roost.plugin.manifest.v1+toml` layer"), "{err}");
    let missing = pull(&registry.reference("sentiment", "9.9.9"), &TrustPolicy::default()).await.unwrap_err();
    assert!(missing.to_string().contains("has no manifest by that name"), "{missing}");
    let plain = pull("registry.invalid:5000/roost/sentiment:1", &TrustPolicy::default()).await.unwrap_err();
    assert!(matches!(plain, OciError::Connection { ref url, .. } if url.starts_with("https://")), "{plain}");
}

/// The manifest `digest` of `roost/sentiment`, parsed.
async fn raw_manifest(registry: &RegistryServer, digest: &str) -> ImageManifest {
    let url = format!("http://{}/v2/roost/sentiment/manifests/{digest}", registry.addr);
    let resp = reqwest::Client::new().get(url).header("accept", MANIFEST_MEDIA_TYPE).send().await.unwrap();
    ImageManifest::parse(&resp.bytes().await.unwrap(), None, digest).unwrap()
}

/// PUTs `bytes` as the manifest tagged `tag` in `roost/sentiment`, bypassing the client.
async fn put_manifest(registry: &RegistryServer, tag: &str, bytes: &[u8]) {
    let url = format!("http://{}/v2/roost/sentiment/manifests/{tag}", registry.addr);
    let resp = reqwest::Client::new()
        .put(url)
        .header("content-type", MANIFEST_MEDIA_TYPE)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

#[test]
fn descriptors_hash_what_they_describe() {
    let d = Descriptor::of("application/wasm", b"abc");
    assert_eq!(
        (d.digest.as_str(), d.size),
        ("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 3)
    );
}
