//! Installing from a registry: by digest through the CLI and the API, with signatures
//! required, and what is refused then (unsigned artifacts, folders, uploads).

use reqwest::Method;
use roost::oci::artifact::Metadata;
use roost::oci::signature::sign;
use roost::oci::{PrivateKey, Reference, TrustPolicy};
use serde_json::json;

use super::{RegistryServer, trusting};
use crate::plugins::{both, echo_manifest, echo_wasm, folder, roost, sha256};
use crate::serve::{Service, Setup};

/// Pushes the echo component under echo's manifest at `version` to `repo:version`, signed
/// by `key` when given; the pinned reference `repo@sha256:...`.
async fn push_echo(repo: &str, version: &str, key: Option<&PrivateKey>) -> String {
    let reference = format!("{repo}:{version}");
    let meta = Metadata {
        id: "echo".into(),
        version: version.into(),
        description: "echo".into(),
        source: None,
        author: None,
        created: "2026-01-01T00:00:00Z".into(),
    };
    let parsed = Reference::parse(&reference).unwrap();
    let manifest = echo_manifest(version, "");
    let digest =
        roost::oci::push::push(&parsed, &echo_wasm(0), &manifest, &meta, &TrustPolicy::default()).await.unwrap();
    if let Some(key) = key {
        sign(&reference, key, &TrustPolicy::default()).await.unwrap();
    }
    format!("{repo}@{digest}")
}

#[tokio::test]
async fn the_cli_installs_a_signed_plugin_by_digest_and_refuses_what_no_trusted_key_signed() {
    let registry = RegistryServer::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let key = PrivateKey::generate().unwrap();
    key.write_pair(&tmp.path().join("author")).unwrap();
    let config = tmp.path().join("roost.toml");
    let trusted = tmp.path().join("author.pub");
    std::fs::write(&config, format!("[registry]\ntrusted_keys = [{:?}]\nrequire_signature = true\n", trusted)).unwrap();
    let config = config.to_str().unwrap();
    let repo = format!("{}/acme/echo", registry.addr);

    let signed = push_echo(&repo, "3.0.0", Some(&key)).await;
    let out = roost(&data, &["--config", config, "plugin", "install", &signed, "--yes"], "");
    assert!(out.status.success(), "{}", both(&out));
    assert!(both(&out).contains(&format!("signed  {}", key.public().id())), "{}", both(&out));
    let listed = roost(&data, &["--config", config, "plugin", "list", "--json"], "");
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("plugin list --json");
    let echo = listed.as_array().unwrap().iter().find(|p| p["id"] == "echo" && p["version"] == "3.0.0");
    assert_eq!(echo.expect("installed echo 3.0.0")["digest"], sha256(&echo_wasm(0)), "{listed}");

    let unsigned = push_echo(&repo, "3.1.0", None).await;
    let out = roost(&data, &["--config", config, "plugin", "upgrade", "echo", &unsigned, "--yes"], "");
    assert!(!out.status.success(), "an unsigned artifact is refused: {}", both(&out));
    assert!(both(&out).contains("unsigned"), "{}", both(&out));

    let local = folder(tmp.path(), "echo-local", &echo_manifest("3.2.0", ""), &echo_wasm(0));
    let out = roost(&data, &["--config", config, "plugin", "upgrade", "echo", local.to_str().unwrap(), "--yes"], "");
    assert!(!out.status.success(), "a folder is refused: {}", both(&out));
    assert!(both(&out).contains("require_signature is true"), "{}", both(&out));
}

#[tokio::test]
async fn a_workspace_owner_installs_a_signed_reference_and_a_run_uses_it() {
    let registry = RegistryServer::start().await;
    let key = PrivateKey::generate().unwrap();
    let repo = format!("{}/acme/echo", registry.addr);
    let signed = push_echo(&repo, "3.0.0", Some(&key)).await;
    let unsigned = push_echo(&repo, "3.1.0", None).await;
    let plugins = "/api/v1/workspaces/acme/plugins";
    // Without the operator's say-so, a workspace owner cannot make the service fetch from
    // a registry (here a loopback one) at all.
    let closed = Service::launch(Setup { trust: trusting(&[&key], true), ..Setup::default() }, |_| Vec::new()).await;
    let owner = closed.workspace_token("acme", "owner").await;
    let (status, body) = closed.call(&owner, Method::POST, plugins, Some(json!({ "reference": signed }))).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("workspace_registries"), "{body}");

    let mut trust = trusting(&[&key], true);
    trust.workspace_registries = vec![registry.addr.clone()];
    let service = Service::launch(Setup { trust, ..Setup::default() }, |_| Vec::new()).await;
    let owner = service.workspace_token("acme", "owner").await;

    let (status, body) = service.call(&owner, Method::POST, plugins, Some(json!({ "reference": unsigned }))).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("unsigned"), "{body}");
    let upload = crate::plugins::upload("3.2.0", "", 0);
    let (status, body) = service.call(&owner, Method::POST, plugins, Some(upload)).await;
    assert_eq!(status, 422, "an upload carries no signature: {body}");
    assert!(body.to_string().contains("require_signature is true"), "{body}");

    let (status, installed) = service.call(&owner, Method::POST, plugins, Some(json!({ "reference": signed }))).await;
    assert_eq!(status, 201, "{installed}");
    assert_eq!(installed["sha256"], sha256(&echo_wasm(0)));
    let flow = "name: pinned-echo\nsteps:\n  - id: a\n    uses: echo/echo@3\n    with: { text: hi }\n";
    let (status, saved) =
        service.call(&owner, Method::POST, "/api/v1/workspaces/acme/workflows", Some(json!({ "source": flow }))).await;
    assert_eq!(status, 201, "{saved}");
    let (status, started) =
        service.call(&owner, Method::POST, "/api/v1/workspaces/acme/workflows/pinned-echo/runs", Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let run = service.wait_status("acme", started["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!((&run["status"], &run["steps"][0]["plugin_version"]), (&json!("succeeded"), &json!("3.0.0")), "{run}");
    assert_eq!(run["steps"][0]["digest"], sha256(&echo_wasm(0)));
}
