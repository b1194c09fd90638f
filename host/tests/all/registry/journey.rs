//! An author's whole path: `roost plugin new`, build, publish signed to a registry, and a
//! fresh `roost serve` that installs it by digest and runs a workflow pinned to it.

use reqwest::Method;
use serde_json::json;

use super::{RegistryServer, trusting};
use crate::author::{author, scaffold, text};
use crate::serve::{Service, Setup};

#[tokio::test]
async fn a_scaffolded_plugin_is_published_installed_by_digest_and_used_in_a_workflow() {
    let registry = RegistryServer::start().await;
    let data = tempfile::tempdir().unwrap();
    let dir = scaffold(data.path(), "greeter");
    let d = dir.to_str().unwrap();
    let built = author(data.path(), &["plugin", "build", d]);
    assert_eq!(built.status.code(), Some(0), "{}", text(&built));

    let key = roost::oci::PrivateKey::generate().unwrap();
    let prefix = data.path().join("author");
    key.write_pair(&prefix).unwrap();
    let repo = format!("{}/acme/greeter", registry.addr);
    let key_file = prefix.with_extension("key");
    let published = author(data.path(), &["plugin", "publish", d, &repo, "--sign", key_file.to_str().unwrap()]);
    assert_eq!(published.status.code(), Some(0), "{}", text(&published));
    let stdout = String::from_utf8_lossy(&published.stdout).into_owned();
    let digest = stdout.lines().find_map(|l| l.strip_prefix("digest ")).expect(&stdout).to_string();

    let mut trust = trusting(&[&key], true);
    trust.workspace_registries = vec![registry.addr.clone()];
    let service = Service::launch(Setup { trust, ..Setup::default() }, |_| Vec::new()).await;
    let owner = service.workspace_token("acme", "owner").await;
    let reference = json!({ "reference": format!("{repo}@{digest}"), "confirm": true });
    let (status, installed) =
        service.call(&owner, Method::POST, "/api/v1/workspaces/acme/plugins", Some(reference)).await;
    assert_eq!(status, 201, "{installed}");
    let sha256 = installed["sha256"].as_str().unwrap().to_string();
    assert_eq!(installed["signer"], json!(key.public().id()), "{installed}");

    let flow = format!(
        "name: greet-pinned\nsteps:\n  - id: hello\n    uses: greeter/greet@sha256:{sha256}\n    with: {{ name: Ada }}\noutputs:\n  greeting: \"${{{{ steps.hello.output.greeting }}}}\"\n"
    );
    let (status, saved) =
        service.call(&owner, Method::POST, "/api/v1/workspaces/acme/workflows", Some(json!({ "source": flow }))).await;
    assert_eq!(status, 201, "{saved}");
    let start = "/api/v1/workspaces/acme/workflows/greet-pinned/runs";
    let (status, started) = service.call(&owner, Method::POST, start, Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let run = service.wait_status("acme", started["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["outputs"]["greeting"], "Hello, Ada.", "{run}");
    assert_eq!(run["steps"][0]["digest"], json!(sha256));
}
