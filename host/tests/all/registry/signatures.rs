//! Signatures in the registry judged by the trust policy: unsigned, untrusted, trusted, moved.

use roost::oci::signature::{sign, signature_tag};
use roost::oci::{OciError, PrivateKey, TrustPolicy, pull};

use super::{RegistryServer, publish, trusting};

#[tokio::test]
async fn unsigned_plugin_is_refused_when_signatures_are_required() {
    let registry = RegistryServer::start().await;
    let reference = registry.reference("sentiment", "0.1.0");
    let digest = publish("sentiment", &reference).await;
    let key = PrivateKey::generate().unwrap();
    let err = pull(&reference, &trusting(&[&key], true)).await.unwrap_err();
    assert!(matches!(err, OciError::Unsigned { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("{reference}@{digest}")) && text.contains("unsigned"), "{text}");
    // Not required: the plugin comes, with no signer.
    assert_eq!(pull(&reference, &trusting(&[&key], false)).await.unwrap().signer, None);
}

#[tokio::test]
async fn only_a_trusted_signer_is_accepted() {
    let registry = RegistryServer::start().await;
    let reference = registry.reference("sentiment", "0.1.0");
    let digest = publish("sentiment", &reference).await;
    let (author, stranger, other) =
        (PrivateKey::generate().unwrap(), PrivateKey::generate().unwrap(), PrivateKey::generate().unwrap());
    assert_eq!(sign(&reference, &stranger, &TrustPolicy::default()).await.unwrap(), digest);

    let err = pull(&reference, &trusting(&[&author], true)).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&reference) && text.contains("none by a trusted key") && text.contains(&author.public().id()),
        "{text}"
    );

    // A second signer adds a layer; either trusted key is enough, and the signer is named.
    sign(&reference, &author, &TrustPolicy::default()).await.unwrap();
    let pulled = pull(&reference, &trusting(&[&other, &author], true)).await.unwrap();
    assert_eq!(pulled.signer, Some(author.public().id()));
    let pulled =
        pull(&format!("{}/roost/sentiment@{digest}", registry.addr), &trusting(&[&stranger], true)).await.unwrap();
    assert_eq!(pulled.signer, Some(stranger.public().id()));
    let signatures = raw(&registry, "sentiment", &signature_tag(&digest)).await;
    assert_eq!(signatures["layers"].as_array().unwrap().len(), 2);
    assert_eq!(signatures["layers"][0]["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json");
    assert!(signatures["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"].is_string());
}

#[tokio::test]
async fn a_signature_moved_to_another_artifact_does_not_count() {
    let registry = RegistryServer::start().await;
    let signed = registry.reference("sentiment", "0.1.0");
    let signed_digest = publish("sentiment", &signed).await;
    let key = PrivateKey::generate().unwrap();
    sign(&signed, &key, &TrustPolicy::default()).await.unwrap();
    // Another artifact in the same repository gets a copy of the first one's signatures.
    let other = registry.reference("sentiment", "rss");
    let other_digest = publish("rss", &other).await;
    let copied = raw(&registry, "sentiment", &signature_tag(&signed_digest)).await;
    let url = format!("http://{}/v2/roost/sentiment/manifests/{}", registry.addr, signature_tag(&other_digest));
    let body = serde_json::to_vec(&copied).unwrap();
    let put = reqwest::Client::new()
        .put(url)
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    let err = pull(&other, &trusting(&[&key], true)).await.unwrap_err();
    assert!(err.to_string().contains("1 signature(s) found, none by a trusted key"), "{err}");
}

async fn raw(registry: &RegistryServer, repo: &str, target: &str) -> serde_json::Value {
    let url = format!("http://{}/v2/roost/{repo}/manifests/{target}", registry.addr);
    let resp = reqwest::Client::new()
        .get(url)
        .header("accept", "application/vnd.oci.image.manifest.v1+json")
        .send()
        .await
        .unwrap();
    resp.json().await.unwrap()
}
